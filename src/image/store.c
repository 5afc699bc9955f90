/* Opening the store, the writer lock, the tag index (layout: store.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "image/store.h"

static int make_layout(int dirfd, struct herr *err)
{
        static const struct {
                const char *name;
                mode_t mode;
        } dirs[] = {
                { "blobs", 0755 }, { "blobs/sha256", 0755 }, { "layers", 0755 },
                { "images", 0755 }, { "tmp", 0700 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                if (mkdirat(dirfd, dirs[i].name, dirs[i].mode) < 0 && errno != EEXIST)
                        return herr_set(err, errno, "creating %s", dirs[i].name);
        return 0;
}

int image_store_open(const char *root, struct image_store **ret, struct herr *err)
{
        _cleanup_free_ char *dir = xasprintf("%s/image", root);
        char abs[PATH_MAX];
        if (mkdir_p(dir, 0700, err) < 0)
                return herr_wrap(err, "opening image store");
        /* Layer paths go to the kernel as overlay lowerdirs: make them
         * absolute whatever --root looked like. */
        if (!realpath(dir, abs))
                return herr_set(err, errno, "opening image store %s", dir);
        _cleanup_close_ int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening image store %s", abs);
        if (make_layout(fd, err) < 0)
                return herr_wrap(err, "image store %s", abs);
        struct image_store *s = calloc(1, sizeof *s);
        if (!s)
                return herr_set(err, ENOMEM, "opening image store");
        s->dir = xstrdup(abs);
        s->dirfd = TAKE_FD(fd);
        s->lockfd = -EBADF;
        *ret = s;
        return 0;
}

void image_store_close(struct image_store *s)
{
        if (!s)
                return;
        if (s->lockfd >= 0)
                close(s->lockfd);
        if (s->dirfd >= 0)
                close(s->dirfd);
        free(s->dir);
        free(s);
}

/* Whatever is in tmp/ when we hold the lock was left by a writer that
 * died: nobody else may write there now. */
static int clear_tmp(struct image_store *s, struct herr *err)
{
        if (rm_rf_at(s->dirfd, "tmp", err) < 0)
                return herr_wrap(err, "clearing %s/tmp", s->dir);
        if (mkdirat(s->dirfd, "tmp", 0700) < 0 && errno != EEXIST)
                return herr_set(err, errno, "creating %s/tmp", s->dir);
        return 0;
}

int store_lock(struct image_store *s, struct herr *err)
{
        if (s->lock_depth > 0) {
                s->lock_depth++;
                return 0;
        }
        _cleanup_close_ int fd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return herr_set(err, errno, "opening %s/lock", s->dir);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return herr_set(err, errno, "locking %s/lock", s->dir);
        if (clear_tmp(s, err) < 0)
                return -1;
        s->lockfd = TAKE_FD(fd);
        s->lock_depth = 1;
        return 0;
}

void store_unlock(struct image_store *s)
{
        if (s->lock_depth == 0 || --s->lock_depth > 0)
                return;
        close(s->lockfd);       /* closing releases the flock */
        s->lockfd = -EBADF;
}

char *store_tmp_template(struct image_store *s, const char *what)
{
        return xasprintf("%s/tmp/%s-XXXXXX", s->dir, what);
}

int store_tags_load(struct image_store *s, json_t **ret, struct herr *err)
{
        _cleanup_json_ json_t *index = NULL;
        if (faccessat(s->dirfd, STORE_TAGS, F_OK, 0) < 0 && errno == ENOENT) {
                *ret = json_object();
                return 0;
        }
        if (json_load_path(s->dirfd, STORE_TAGS, &index, err) < 0)
                return herr_wrap(err, "image store %s", s->dir);
        json_t *tags = json_object_get(index, "tags");
        if (!json_is_object(tags))
                return herr_set(err, 0, "%s/%s: \"tags\" is not an object", s->dir, STORE_TAGS);
        *ret = json_incref(tags);
        return 0;
}

int store_tag_get(struct image_store *s, const char *name_tag, char ret_id[IMAGE_DIGEST_LEN + 1],
                  struct herr *err)
{
        _cleanup_json_ json_t *tags = NULL;
        if (store_tags_load(s, &tags, err) < 0)
                return -1;
        const char *id = json_str(tags, name_tag);
        if (!id)
                return 0;
        if (!image_digest_valid(id))
                return herr_set(err, 0, "%s/%s: bad image id for %s", s->dir, STORE_TAGS, name_tag);
        strcpy(ret_id, id);
        return 1;
}

int store_tag_set(struct image_store *s, const char *name_tag, const char *id, struct herr *err)
{
        _cleanup_json_ json_t *tags = NULL;
        if (store_tags_load(s, &tags, err) < 0)
                return -1;
        json_object_set_new(tags, name_tag, json_string(id));
        /* Keep the index's other members (the repository digests). */
        _cleanup_json_ json_t *index = NULL;
        if (faccessat(s->dirfd, STORE_TAGS, F_OK, 0) == 0 && json_load_path(s->dirfd, STORE_TAGS, &index, err) < 0)
                return herr_wrap(err, "tagging %s", name_tag);
        if (!json_is_object(index)) {
                json_decref(index);
                index = json_object();
        }
        if (!index || json_object_set(index, "tags", tags) < 0)
                return herr_set(err, ENOMEM, "tagging %s", name_tag);
        if (json_write_path(s->dirfd, STORE_TAGS, index, 1, err) < 0)
                return herr_wrap(err, "tagging %s", name_tag);
        return 0;
}
