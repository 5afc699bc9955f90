/* Repository digests in image records (interface: repo_digest.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "image/repo_digest.h"

/* A repository digest names one image: drop it from any other record
 * (a list pulled again for another platform, a tag pushed again). */
static int drop_elsewhere(struct image_store *s, const char *id, const char *repo_digest, struct herr *err)
{
        char other[IMAGE_DIGEST_LEN + 1];
        int r = image_repo_digest_find(s, repo_digest, other, err);
        if (r <= 0 || !strcmp(other, id))
                return r;
        _cleanup_free_ char *name = xasprintf("images/%s.json", digest_hex(other));
        _cleanup_json_ json_t *rec = NULL;
        if (json_load_path(s->dirfd, name, &rec, err) < 0)
                return herr_wrap(err, "image %s", other);
        json_t *v = json_object_get(rec, "repo_digests");
        for (size_t i = json_array_size(v); i-- > 0;)
                if (!strcmp(json_string_value(json_array_get(v, i)) ?: "", repo_digest))
                        json_array_remove(v, i);
        if (json_write_path(s->dirfd, name, rec, 1, err) < 0)
                return herr_wrap(err, "image %s", other);
        return 0;
}

int image_repo_digest_add(struct image_store *s, const char *id, const char *repo_digest, struct herr *err)
{
        if (drop_elsewhere(s, id, repo_digest, err) < 0)
                return -1;
        _cleanup_free_ char *name = xasprintf("images/%s.json", digest_hex(id));
        _cleanup_json_ json_t *rec = NULL;
        if (json_load_path(s->dirfd, name, &rec, err) < 0)
                return herr_wrap(err, "image %s", id);
        json_t *v = json_object_get(rec, "repo_digests");
        if (!json_is_array(v)) {
                v = json_array();
                json_object_set_new(rec, "repo_digests", v);
        }
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
                if (json_is_string(e) && !strcmp(json_string_value(e), repo_digest))
                        return 0;
        json_array_append_new(v, json_string(repo_digest));
        if (json_write_path(s->dirfd, name, rec, 1, err) < 0)
                return herr_wrap(err, "recording %s", repo_digest);
        return 0;
}

static int record_has(struct image_store *s, const char *file, const char *repo_digest)
{
        _cleanup_free_ char *name = xasprintf("images/%s", file);
        _cleanup_json_ json_t *rec = NULL;
        struct herr ignored;
        if (json_load_path(s->dirfd, name, &rec, &ignored) < 0)
                return 0;       /* removed while we looked */
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(rec, "repo_digests"), i, e)
                if (json_is_string(e) && !strcmp(json_string_value(e), repo_digest))
                        return 1;
        return 0;
}

int image_repo_digest_find(struct image_store *s, const char *repo_digest, char ret_id[IMAGE_DIGEST_LEN + 1],
                           struct herr *err)
{
        int fd = openat(s->dirfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s/images", s->dir);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return herr_set(err, errno, "listing %s/images", s->dir);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);
                if (n != 64 + 5 || strcmp(de->d_name + 64, ".json"))
                        continue;
                if (record_has(s, de->d_name, repo_digest)) {
                        snprintf(ret_id, IMAGE_DIGEST_LEN + 1, "sha256:%.64s", de->d_name);
                        return 1;
                }
        }
        return 0;
}
