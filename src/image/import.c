/* New images made here: import (a flat rootfs tarball as one layer) and
 * commit (a parent image plus one layer made from a directory holding
 * changes in overlayfs' form, i.e. a container's upper directory). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "image/archive_module.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"

static void now_rfc3339(char out[40])
{
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

/* The new config: base's (or an empty one), the container settings of
 * overrides on top, then the -c changes; the layer appended to rootfs and
 * a history entry for it. */
static int make_config(const json_t *base, const json_t *overrides, char *const *changes, const char *diff_id,
                       const char *created_by, const char *comment, char **ret, struct herr *err)
{
        _cleanup_json_ json_t *c = base ? json_deep_copy(base) : json_object();
        char now[40];
        const char *k;
        json_t *v;
        if (!c)
                return herr_set(err, ENOMEM, "making the image config");
        json_t *cfg = json_object_get(c, "config");
        if (!json_is_object(cfg)) {
                cfg = json_object();
                json_object_set_new(c, "config", cfg);
        }
        json_object_foreach((json_t *)overrides, k, v) json_object_set(cfg, k, v);
        for (size_t i = 0; changes && changes[i]; i++)
                if (image_config_change(cfg, changes[i], err) < 0)
                        return herr_wrap(err, "-c %s", changes[i]);
        now_rfc3339(now);
        json_object_set_new(c, "created", json_string(now));
        if (!json_str(c, "architecture"))
                json_object_set_new(c, "architecture", json_string(image_host_arch()));
        if (!json_str(c, "os"))
                json_object_set_new(c, "os", json_string("linux"));
        json_t *rootfs = json_object_get(c, "rootfs");
        if (!json_is_object(rootfs)) {
                rootfs = json_pack("{ss s[]}", "type", "layers", "diff_ids");
                json_object_set_new(c, "rootfs", rootfs);
        }
        json_t *ids = json_object_get(rootfs, "diff_ids");
        json_t *hist = json_object_get(c, "history");
        if (!json_is_array(ids) || json_array_append_new(ids, json_string(diff_id)) < 0)
                return herr_set(err, 0, "parent config has no rootfs.diff_ids");
        if (!json_is_array(hist)) {
                hist = json_array();
                json_object_set_new(c, "history", hist);
        }
        json_t *h = json_pack("{ss ss}", "created", now, "created_by", created_by);
        if (h && comment && *comment)
                json_object_set_new(h, "comment", json_string(comment));
        json_array_append_new(hist, h);
        *ret = json_dumps(c, JSON_COMPACT);
        return *ret ? 0 : herr_set(err, ENOMEM, "making the image config");
}

static int tag_if(struct image_store *s, const char *tag, const char *id, struct herr *err)
{
        struct image_ref r;
        if (!tag)
                return 0;
        if (image_ref_parse(tag, &r, err) < 0)
                return -1;
        if (r.digest[0])
                return herr_set(err, 0, "refusing to tag with a digest: %s", tag);
        _cleanup_free_ char *key = image_ref_string(&r);
        return store_tag_set(s, key, id, err);
}

static int import_locked(struct image_store *s, int fd, const char *src, const struct image_new *o,
                         char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        char blob[IMAGE_DIGEST_LEN + 1];
        struct layer_info li;
        struct image_ref r;
        _cleanup_free_ char *config = NULL, *by = xasprintf("hull import %s", src);
        _cleanup_free_ char *bpath = NULL;
        struct stat st;
        if (o->tag && image_ref_parse(o->tag, &r, err) < 0)
                return -1;      /* before any work: a bad name changes nothing */
        if (blob_put_fd(s, fd, blob, err) < 0)
                return herr_wrap(err, "reading %s", src);
        bpath = blob_path(s, blob);
        if (stat(bpath, &st) == 0 && st.st_size == 0)
                return herr_set(err, 0, "%s is empty", src);
        if (layer_create(s, blob, NULL, NULL, &li, err) < 0)
                return herr_wrap(err, "%s", src);
        char *chains[] = { li.chain_id, NULL };
        if (make_config(NULL, NULL, o->changes, li.diff_id, by, o->message ? o->message : by, &config, err) < 0 ||
            image_record_create(s, config, strlen(config), chains, li.size, ret_id, err) < 0)
                return -1;
        return tag_if(s, o->tag, ret_id, err);
}

int image_import(struct image_store *s, int fd, const char *src, const struct image_new *o,
                 char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        store_txn_begin(s);
        int r = import_locked(s, fd, src, o, ret_id, err);
        store_txn_end(s, r < 0);
        return r;
}

static void unlink_tmp(char **p)
{
        if (*p) {
                unlink(*p);
                free(*p);
        }
}

/* The changes as a layer tar, straight into a blob: uncompressed, so the
 * blob's digest is also the diff_id. */
static int tar_changes(struct image_store *s, int upperfd, char ret_blob[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        _cleanup_(unlink_tmp) char *tmp = store_tmp_template(s, "commit");
        _cleanup_close_ int out = mkostemp(tmp, O_CLOEXEC);
        struct hull_tar_result res;
        if (out < 0)
                return herr_set(err, errno, "creating %s", tmp);
        if (archive_tar_tree(upperfd, out, HULL_TAR_LAYER | HULL_TAR_SKIP_MOUNT_TARGETS, &res, err) < 0)
                return herr_wrap(err, "writing the new layer");
        return blob_put_file(s, out, res.digest, 1, ret_blob, err);
}

static int commit_locked(struct image_store *s, const struct image *parent, int upperfd, const json_t *overrides,
                         const struct image_new *o, char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        char blob[IMAGE_DIGEST_LEN + 1];
        struct layer_info li;
        struct image_ref r;
        _cleanup_free_ char *config = NULL;
        _cleanup_strv_ char **chains = strv_dup(parent->chain_ids);
        if (o->tag && image_ref_parse(o->tag, &r, err) < 0)
                return -1;
        if (!chains)
                return herr_set(err, ENOMEM, "committing");
        size_t n = strv_len(chains);
        if (tar_changes(s, upperfd, blob, err) < 0 ||
            layer_create(s, blob, n ? chains[n - 1] : NULL, blob, &li, err) < 0)
                return -1;
        if (strv_push(&chains, li.chain_id) < 0)
                return herr_set(err, ENOMEM, "committing");
        if (make_config(parent->config, overrides, o->changes, li.diff_id, "hull commit", o->message, &config,
                        err) < 0 ||
            image_record_create(s, config, strlen(config), chains, parent->size + li.size, ret_id, err) < 0)
                return -1;
        return tag_if(s, o->tag, ret_id, err);
}

int image_commit(struct image_store *s, const struct image *parent, int upperfd, const json_t *overrides,
                 const struct image_new *o, char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        store_txn_begin(s);
        int r = commit_locked(s, parent, upperfd, overrides, o, ret_id, err);
        store_txn_end(s, r < 0);
        return r;
}
