/* Unpacked layers: layers/<chain-hex>/{diff/,layer.json}. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* Describe the unpacked tree at dir (fd tfd; diff/ inside) in
 * layer.json beside diff/, then rename the whole directory into layers/:
 * a layer appears complete or not at all.  Caller holds the lock. */
static int publish(struct image_store *s, int tfd, const char *dir, const struct layer_info *l, const char *parent,
                   struct herr *err)
{
        if (write_layer_json(tfd, l, parent, err) < 0)
                return herr_wrap(err, "layer %s", l->chain_id);
        _cleanup_free_ char *rel = xasprintf("layers/%s", digest_hex(l->chain_id));
        if (renameat(AT_FDCWD, dir, s->dirfd, rel) < 0) {
                /* Someone else stored it meanwhile: dir is removed by its owner. */
                if (errno != EEXIST && errno != ENOTEMPTY)
                        return herr_set(err, errno, "storing layer %s", l->chain_id);
        } else {
                store_txn_note(s, rel);
        }
        return 0;
}

static void fill_info(struct layer_info *ret, const char *blob, const char *parent,
                      const struct hull_unpack_result *res)
{
        layer_chain_id(parent, res->diff_id, ret->chain_id);
        strcpy(ret->diff_id, res->diff_id);
        strcpy(ret->blob, blob);
        ret->size = res->size;
}

/* Unpack into tmp/layer-XXXXXX/diff, then publish. */
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
        fill_info(ret, blob, parent, &res);
        return publish(s, tfd, tmp, ret, parent, err);
}

struct layer_stream {
        char blob[IMAGE_DIGEST_LEN + 1];
        char *dir;                      /* absolute: diff/ and layer.json */
        int dirfd;
        int in;                         /* write end of the unpacker's input */
        struct archive_job job;
        struct hull_unpack_result res;  /* filled by archive_finish() */
        int ended;
        struct herr failed;             /* the unpacker's error, when it failed */
};

static void stream_free(struct layer_stream *ls)
{
        struct herr ignored;
        if (ls->in >= 0)
                close(ls->in);
        archive_kill(&ls->job);
        if (ls->dirfd >= 0)
                close(ls->dirfd);
        if (ls->dir)
                rm_rf(ls->dir, &ignored);
        free(ls->dir);
        free(ls);
}

void layer_stream_abort(struct layer_stream *ls)
{
        if (ls)
                stream_free(ls);
}

static void layer_stream_abortp(struct layer_stream **p)
{
        layer_stream_abort(*p);
}

int layer_stream_begin(struct image_store *s, const char *blob, const char *dir_rel, int blob_fd,
                       struct layer_stream **ret, struct herr *err)
{
        _cleanup_(layer_stream_abortp) struct layer_stream *ls = calloc(1, sizeof *ls);
        if (!ls)
                return herr_set(err, ENOMEM, "unpacking layer %s", blob);
        ls->in = ls->dirfd = -1;
        ls->job = (struct archive_job)ARCHIVE_JOB_INIT;
        snprintf(ls->blob, sizeof ls->blob, "%s", blob);
        /* Loaded here once, not by each child: a pull starts one per layer,
         * and a process that pulls talks to registries, not containers. */
        const struct hull_archive_ops *ops;
        if (archive_ops_get(&ops, err) < 0)
                return -1;
        /* What a killed pull of this blob left: the caller is its only user now. */
        if (rm_rf_at(s->dirfd, dir_rel, err) < 0)
                return -1;
        ls->dir = xasprintf("%s/%s", s->dir, dir_rel);
        if (mkdirat(s->dirfd, dir_rel, 0700) < 0)
                return herr_set(err, errno, "creating %s", ls->dir);
        ls->dirfd = openat(s->dirfd, dir_rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ls->dirfd < 0 || mkdirat(ls->dirfd, "diff", 0755) < 0 || fchmodat(ls->dirfd, "diff", 0755, 0) < 0)
                return herr_set(err, errno, "creating %s/diff", ls->dir);
        _cleanup_close_ int dfd = openat(ls->dirfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return herr_set(err, errno, "opening %s/diff", ls->dir);
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return herr_set(err, errno, "creating pipe");
        _cleanup_close_ int out = p[0];
        ls->in = p[1];
        /* Fewer, larger hand-overs; the default (64 KiB) is kept if refused. */
        fcntl(ls->in, F_SETPIPE_SZ, 1 << 20);
        if (fcntl(ls->in, F_SETFL, O_NONBLOCK) < 0)
                return herr_set(err, errno, "creating pipe");
        if (archive_unpack_layer_start(out, blob_fd, dfd, &ls->res, &ls->job, err) < 0)
                return herr_wrap(err, "unpacking layer %s", blob);
        *ret = TAKE_PTR(ls);
        return 0;
}

ssize_t layer_stream_write(struct layer_stream *ls, const void *buf, size_t len)
{
        /* A child that died closed its end: EPIPE, not a SIGPIPE that would
         * end hull (the signal is held and taken back). */
        sigset_t pipe_set, old;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        ssize_t n;
        do
                n = write(ls->in, buf, len);
        while (n < 0 && errno == EINTR);
        int e = errno;
        if (n < 0 && e == EPIPE) {
                struct timespec zero = { 0 };
                sigtimedwait(&pipe_set, NULL, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK))
                return 0;
        errno = e;
        return n;
}

int layer_stream_fd(const struct layer_stream *ls)
{
        return ls->in;
}

int layer_stream_end(struct layer_stream *ls, char digest[IMAGE_DIGEST_LEN + 1], long long *size,
                     struct herr *err)
{
        if (!ls->ended) {
                close(ls->in);
                ls->in = -1;
                ls->ended = 1;
                if (archive_finish(&ls->job, &ls->failed) < 0 && !ls->res.blob_digest[0])
                        return herr_set(err, ls->failed.errnum, "%s", ls->failed.msg);
        }
        snprintf(digest, IMAGE_DIGEST_LEN + 1, "%s", ls->res.blob_digest);
        *size = ls->res.blob_size;
        return 0;
}

int layer_stream_finish(struct image_store *s, struct layer_stream *ls, const char *parent,
                        const char *expect_diff_id, struct layer_info *ret, struct herr *err)
{
        _cleanup_(layer_stream_abortp) struct layer_stream *owned = ls;
        char digest[IMAGE_DIGEST_LEN + 1];
        long long size;
        if (layer_stream_end(ls, digest, &size, err) < 0)
                return herr_wrap(err, "unpacking layer %s", ls->blob);
        if (ls->failed.msg[0]) {
                *err = ls->failed;
                return herr_wrap(err, "unpacking layer %s", ls->blob);
        }
        if (strcmp(digest, ls->blob) != 0)
                return herr_set(err, 0, "blob %s is corrupt: its content hashes to %s", ls->blob, digest);
        if (expect_diff_id && strcmp(ls->res.diff_id, expect_diff_id) != 0)
                return herr_set(err, 0, "layer %s holds diff_id %s, expected %s", ls->blob, ls->res.diff_id,
                                expect_diff_id);
        fill_info(ret, ls->blob, parent, &ls->res);
        return publish(s, ls->dirfd, ls->dir, ret, parent, err);
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
