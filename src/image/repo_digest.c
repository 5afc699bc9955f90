/* Repository digests in repositories.json (interface: repo_digest.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "image/repo_digest.h"

/* The whole index; an empty object when there is none yet. */
static int index_load(struct image_store *s, json_t **ret, struct herr *err)
{
        if (faccessat(s->dirfd, STORE_TAGS, F_OK, 0) < 0 && errno == ENOENT) {
                *ret = json_object();
                return 0;
        }
        if (json_load_path(s->dirfd, STORE_TAGS, ret, err) < 0)
                return herr_wrap(err, "image store %s", s->dir);
        if (!json_is_object(*ret)) {
                json_decref(*ret);
                return herr_set(err, 0, "%s/%s: not a JSON object", s->dir, STORE_TAGS);
        }
        return 0;
}

int image_repo_digests_load(struct image_store *s, json_t **ret, struct herr *err)
{
        _cleanup_json_ json_t *index = NULL;
        if (index_load(s, &index, err) < 0)
                return -1;
        json_t *d = json_object_get(index, "digests");
        *ret = json_is_object(d) ? json_incref(d) : json_object();
        return 0;
}

int image_repo_digest_add(struct image_store *s, const char *id, const char *repo_digest, struct herr *err)
{
        _cleanup_json_ json_t *index = NULL;
        if (index_load(s, &index, err) < 0)
                return -1;
        json_t *d = json_object_get(index, "digests");
        if (!json_is_object(d)) {
                d = json_object();
                json_object_set_new(index, "digests", d);
        }
        if (!json_is_object(json_object_get(index, "tags")))
                json_object_set_new(index, "tags", json_object());
        json_object_set_new(d, repo_digest, json_string(id));
        if (json_write_path(s->dirfd, STORE_TAGS, index, 1, err) < 0)
                return herr_wrap(err, "recording %s", repo_digest);
        return 0;
}

int image_repo_digest_find(struct image_store *s, const char *repo_digest, char ret_id[IMAGE_DIGEST_LEN + 1],
                           struct herr *err)
{
        _cleanup_json_ json_t *d = NULL;
        if (image_repo_digests_load(s, &d, err) < 0)
                return -1;
        const char *id = json_str(d, repo_digest);
        if (!id)
                return 0;
        if (!image_digest_valid(id))
                return herr_set(err, 0, "%s/%s: bad image id for %s", s->dir, STORE_TAGS, repo_digest);
        snprintf(ret_id, IMAGE_DIGEST_LEN + 1, "%s", id);
        return 1;
}
