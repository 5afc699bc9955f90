/* Unpacked layers: layers/<chain-hex>/{diff/,layer.json}. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "image/archive_module.h"
#include "image/layer.h"

void layer_chain_id(const char *parent_chain, const char *diff_id, char ret[IMAGE_DIGEST_LEN + 1])
{
        char hex[SHA256_HEX_LEN + 1];
        if (!parent_chain) {
                snprintf(ret, IMAGE_DIGEST_LEN + 1, "%s", diff_id);
                return;
        }
        _cleanup_free_ char *s = xasprintf("%s %s", parent_chain, diff_id);
        sha256_hex(s, strlen(s), hex);
        snprintf(ret, IMAGE_DIGEST_LEN + 1, "sha256:%s", hex);
}

char *layer_diff_path(struct image_store *s, const char *chain_id)
{
        return xasprintf("%s/layers/%s/diff", s->dir, digest_hex(chain_id));
}

static int copy_digest(const json_t *j, const char *key, char out[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        const char *v = json_str(j, key);
        if (!v || !image_digest_valid(v))
                return herr_set(err, 0, "bad or missing \"%s\"", key);
        strcpy(out, v);
        return 0;
}

int layer_get(struct image_store *s, const char *chain_id, struct layer_info *ret, struct herr *err)
{
        _cleanup_free_ char *name = xasprintf("layers/%s/layer.json", digest_hex(chain_id));
        _cleanup_json_ json_t *j = NULL;
        if (faccessat(s->dirfd, name, F_OK, 0) < 0 && errno == ENOENT)
                return 0;
        if (json_load_path(s->dirfd, name, &j, err) < 0)
                return herr_wrap(err, "layer %s", chain_id);
        if (copy_digest(j, "chain_id", ret->chain_id, err) < 0 || copy_digest(j, "diff_id", ret->diff_id, err) < 0 ||
            copy_digest(j, "blob", ret->blob, err) < 0)
                return herr_wrap(err, "%s/%s", s->dir, name);
        ret->size = json_int(j, "size", 0);
        return 1;
}

static int write_layer_json(int dirfd, const struct layer_info *l, const char *parent, struct herr *err)
{
        _cleanup_json_ json_t *j = json_pack("{ss ss ss? ss sI}", "chain_id", l->chain_id, "diff_id", l->diff_id,
                                             "parent", parent, "blob", l->blob, "size", (json_int_t)l->size);
        if (!j)
                return herr_set(err, ENOMEM, "describing layer");
        /* Not synced: the unpacked files beside it are not either (a
         * layer's durability is the rename that publishes it). */
        return json_write_path(dirfd, "layer.json", j, 0, err);
}

static void rm_tmp_dir(char **p)
{
        struct herr ignored;
        if (*p) {
                rm_rf(*p, &ignored);
                free(*p);
        }
}

/* Unpack into tmp/layer-XXXXXX/diff, describe it in layer.json beside
 * diff/, then rename the whole directory into layers/: a layer appears
 * complete or not at all. */
static int unpack_new_layer(struct image_store *s, const char *blob, const char *parent, const char *expect,
                            struct layer_info *ret, struct herr *err)
{
        _cleanup_(rm_tmp_dir) char *tmp = store_tmp_template(s, "layer");
        if (!mkdtemp(tmp))
                return herr_set(err, errno, "creating %s", tmp);
        _cleanup_close_ int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tfd < 0 || mkdirat(tfd, "diff", 0755) < 0 || fchmodat(tfd, "diff", 0755, 0) < 0)
                return herr_set(err, errno, "creating %s/diff", tmp);
        _cleanup_close_ int dfd = openat(tfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return herr_set(err, errno, "opening %s/diff", tmp);
        _cleanup_close_ int bfd = blob_open(s, blob, err);
        struct hull_unpack_result res;
        if (bfd < 0 || archive_unpack_layer(bfd, dfd, &res, err) < 0)
                return herr_wrap(err, "unpacking layer %s", blob);
        if (strcmp(res.blob_digest, blob) != 0)
                return herr_set(err, 0, "blob %s is corrupt: its content hashes to %s", blob, res.blob_digest);
        if (expect && strcmp(res.diff_id, expect) != 0)
                return herr_set(err, 0, "layer %s holds diff_id %s, expected %s", blob, res.diff_id, expect);
        layer_chain_id(parent, res.diff_id, ret->chain_id);
        strcpy(ret->diff_id, res.diff_id);
        strcpy(ret->blob, blob);
        ret->size = res.size;
        if (write_layer_json(tfd, ret, parent, err) < 0)
                return herr_wrap(err, "layer %s", ret->chain_id);
        _cleanup_free_ char *rel = xasprintf("layers/%s", digest_hex(ret->chain_id));
        if (renameat(AT_FDCWD, tmp, s->dirfd, rel) < 0) {
                if (errno != EEXIST && errno != ENOTEMPTY)
                        return herr_set(err, errno, "storing layer %s", ret->chain_id);
        } else {
                store_txn_note(s, rel);
        }
        return 0;
}

int layer_create(struct image_store *s, const char *blob, const char *parent, const char *expect_diff_id,
                 struct layer_info *ret, struct herr *err)
{
        if (expect_diff_id) {
                char chain[IMAGE_DIGEST_LEN + 1];
                layer_chain_id(parent, expect_diff_id, chain);
                int r = layer_get(s, chain, ret, err);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        return unpack_new_layer(s, blob, parent, expect_diff_id, ret, err);
}
