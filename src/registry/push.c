/* hull push: the image's blobs the registry lacks, then its manifest. */
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
#include "base/strv.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/progress.h"
#include "registry/registry.h"
#include "registry/upload.h"

struct blob {
        struct mf_desc d;
        const char *media_type;
};

static void store_closep(struct image_store **s)
{
        image_store_close(*s);
}

static void reg_closep(struct reg_client *c)
{
        reg_close(c);
}

static void progress_freep(struct progress **p)
{
        progress_free(*p);
}

static void image_freep(struct image **i)
{
        image_free(*i);
}

enum comp { COMP_TAR, COMP_GZIP, COMP_ZSTD };

/* Layer blobs are kept as received, so their compression is whatever the
 * bytes say. */
static int blob_compression(struct image_store *s, const char *digest, long long *ret_size, enum comp *ret,
                            struct herr *err)
{
        unsigned char m[4] = { 0 };
        struct stat st;
        _cleanup_close_ int fd = blob_open(s, digest, err);
        if (fd < 0 || fstat(fd, &st) < 0)
                return fd < 0 ? -1 : herr_set(err, errno, "reading blob %s", digest);
        if (pread(fd, m, sizeof m, 0) < 0)
                return herr_set(err, errno, "reading blob %s", digest);
        *ret_size = st.st_size;
        *ret = m[0] == 0x1f && m[1] == 0x8b                               ? COMP_GZIP
               : m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd ? COMP_ZSTD
                                                                              : COMP_TAR;
        return 0;
}

/* The layers' blobs, bottom first, from the image record. */
static int image_blobs(struct image_store *s, const char *id, struct blob **ret, size_t *ret_n, int *ret_oci,
                       struct herr *err)
{
        _cleanup_free_ char *name = xasprintf("images/%s.json", digest_hex(id));
        _cleanup_json_ json_t *rec = NULL;
        _cleanup_strv_ char **chains = NULL;
        if (json_load_path(s->dirfd, name, &rec, err) < 0 || json_strv(rec, "layers", &chains, err) < 0)
                return herr_wrap(err, "image %s", id);
        size_t n = strv_len(chains);
        _cleanup_free_ struct blob *v = calloc(n + 1, sizeof *v);
        enum comp comp[n + 1];
        if (!v)
                return herr_set(err, ENOMEM, "pushing");
        int all_gzip = 1;
        for (size_t i = 0; i < n; i++) {
                struct layer_info li;
                int r = layer_get(s, chains[i], &li, err);
                if (r <= 0)
                        return r < 0 ? -1 : herr_set(err, 0, "image %s: layer %s is missing", id, chains[i]);
                snprintf(v[i].d.digest, sizeof v[i].d.digest, "%s", li.blob);
                if (blob_compression(s, li.blob, &v[i].d.size, &comp[i], err) < 0)
                        return -1;
                all_gzip &= comp[i] == COMP_GZIP;
        }
        /* Docker schema 2 has no zstd layer type (and a plain one only
         * informally): those images go as OCI manifests. */
        *ret_oci = !all_gzip;
        for (size_t i = 0; i < n; i++)
                v[i].media_type = !*ret_oci          ? MT_DOCKER_LAYER_GZIP
                                  : comp[i] == COMP_GZIP ? MT_OCI_LAYER_GZIP
                                  : comp[i] == COMP_ZSTD ? MT_OCI_LAYER_ZSTD
                                                         : MT_OCI_LAYER_TAR;
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static int expect(struct reg_resp *rs, long want, const char *what, const char *digest, struct herr *err)
{
        if (rs->status == want || (want == 202 && rs->status / 100 == 2))
                return 0;
        _cleanup_free_ char *why = reg_resp_error(rs);
        return herr_set(err, 0, "%s %s: %s", what, digest, why);
}

/* 1 when the registry has the blob (HEAD), 0 when not. */
static int remote_blob_exists(struct reg_client *c, const char *digest, struct herr *err)
{
        _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", c->repo, digest);
        struct reg_req rq = REG_REQ_INIT;
        struct reg_resp rs = { 0 };
        rq.method = "HEAD";
        rq.url = path;
        int r = reg_do(c, &rq, &rs, err);
        long st = rs.status;
        reg_resp_free(&rs);
        if (r < 0)
                return herr_wrap(err, "checking blob %s", digest);
        if (st == 200)
                return 1;
        if (st == 404)
                return 0;
        return herr_set(err, 0, "checking blob %s: HTTP status %ld", digest, st);
}

/* POST an upload (or a cross-repository mount from `from`).  1 when the
 * registry mounted the blob, 0 with *ret_location to PUT to. */
static int upload_start(struct reg_client *c, const char *digest, const char *from, char **ret_location,
                        struct herr *err)
{
        _cleanup_free_ char *path = from ? xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", c->repo, digest, from)
                                         : xasprintf("/v2/%s/blobs/uploads/", c->repo);
        struct reg_req rq = REG_REQ_INIT;
        struct reg_resp rs = { 0 };
        rq.method = "POST";
        rq.url = path;
        rq.body = "";
        rq.max_body = 1 << 16;
        int r = reg_do(c, &rq, &rs, err);
        if (r == 0 && from && rs.status == 201)
                r = 1;
        else if (r == 0 && expect(&rs, 202, "starting the upload of", digest, err) < 0)
                r = -1;
        else if (r == 0 && !rs.location)
                r = herr_set(err, 0, "starting the upload of %s: no Location in the answer", digest);
        else if (r == 0)
                *ret_location = TAKE_PTR(rs.location);
        reg_resp_free(&rs);
        return r;
}

struct sent {
        struct progress *pr;
        size_t line;
};

static void on_sent(void *data, long long sent, long long total)
{
        struct sent *st = data;
        progress_set(st->pr, st->line, PROG_PUSHING, sent, total);
}

/* One monolithic PUT of the whole blob to the upload's location. */
static int upload_put(struct reg_client *c, struct image_store *s, const char *location, const struct blob *b,
                      struct sent *st, struct herr *err)
{
        _cleanup_close_ int fd = blob_open(s, b->d.digest, err);
        if (fd < 0)
                return -1;
        _cleanup_free_ char *url = xasprintf("%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?",
                                             b->d.digest);
        struct reg_req rq = REG_REQ_INIT;
        struct reg_resp rs = { 0 };
        rq.method = "PUT";
        rq.url = url;
        rq.content_type = "application/octet-stream";
        rq.body_fd = fd;
        rq.body_size = b->d.size;
        rq.max_body = 1 << 16;
        rq.on_sent = on_sent;
        rq.sent_data = st;
        int r = reg_do(c, &rq, &rs, err);
        if (r == 0)
                r = expect(&rs, 201, "uploading blob", b->d.digest, err);
        reg_resp_free(&rs);
        return r;
}

/* Chunked: PATCH pieces of chunk bytes, each to the location the last
 * answer gave, then PUT ?digest= with no body. */
static int upload_chunks(struct reg_client *c, struct image_store *s, char **location, const struct blob *b,
                         long long chunk, struct sent *st, struct herr *err)
{
        _cleanup_close_ int fd = blob_open(s, b->d.digest, err);
        if (fd < 0)
                return -1;
        for (long long off = 0; off < b->d.size; off += chunk) {
                long long n = b->d.size - off < chunk ? b->d.size - off : chunk;
                _cleanup_free_ char *range = xasprintf("Content-Range: %lld-%lld", off, off + n - 1);
                struct reg_req rq = REG_REQ_INIT;
                struct reg_resp rs = { 0 };
                rq.method = "PATCH";
                rq.url = *location;
                rq.content_type = "application/octet-stream";
                rq.header = range;
                rq.body_fd = fd;
                rq.body_off = off;
                rq.body_size = n;
                rq.max_body = 1 << 16;
                int r = reg_do(c, &rq, &rs, err);
                if (r == 0)
                        r = expect(&rs, 202, "uploading a chunk of blob", b->d.digest, err);
                if (r == 0 && !rs.location)
                        r = herr_set(err, 0, "uploading blob %s: no Location after a chunk", b->d.digest);
                if (r == 0) {
                        free(*location);
                        *location = TAKE_PTR(rs.location);
                        progress_set(st->pr, st->line, PROG_PUSHING, off + n, b->d.size);
                }
                reg_resp_free(&rs);
                if (r < 0)
                        return -1;
        }
        _cleanup_free_ char *url = xasprintf("%s%sdigest=%s", *location, strchr(*location, '?') ? "&" : "?",
                                             b->d.digest);
        struct reg_req rq = REG_REQ_INIT;
        struct reg_resp rs = { 0 };
        rq.method = "PUT";
        rq.url = url;
        rq.body = "";
        rq.max_body = 1 << 16;
        int r = reg_do(c, &rq, &rs, err);
        if (r == 0)
                r = expect(&rs, 201, "finishing the upload of blob", b->d.digest, err);
        reg_resp_free(&rs);
        return r;
}

/* Another repository of the same registry the image came from, to mount
 * blobs from instead of sending them. */
static char *mount_source(struct image_store *s, const struct image_ref *r, const char *id)
{
        _cleanup_json_ json_t *d = NULL;
        struct herr ignored;
        const char *key;
        json_t *v;
        if (store_digests_load(s, &d, &ignored) < 0)
                return NULL;
        json_object_foreach(d, key, v) {
                struct image_ref o;
                if (!json_is_string(v) || strcmp(json_string_value(v), id) ||
                    image_ref_parse(key, &o, &ignored) < 0)
                        continue;
                if (!strcmp(o.domain, r->domain) && strcmp(o.path, r->path))
                        return xstrdup(o.path);
        }
        return NULL;
}

/* 0 when the registry has the blob (or mounted it), 1 and *ret_location
 * when it is to be sent there. */
static int blob_needed(struct reg_client *c, const struct blob *b, const char *from, struct progress *pr,
                       size_t line, char **ret_location, struct herr *err)
{
        int r = remote_blob_exists(c, b->d.digest, err);
        if (r != 0) {
                if (r > 0)
                        progress_set(pr, line, PROG_EXISTS, 0, 0);
                return r < 0 ? -1 : 0;
        }
        r = upload_start(c, b->d.digest, from, ret_location, err);
        if (r > 0)
                progress_set(pr, line, PROG_MOUNTED, 0, 0);
        return r < 0 ? -1 : !r;
}

static long long chunk_size(void)
{
        const char *env = getenv("HULL_PUSH_CHUNK");
        return env ? atoll(env) : 0;
}

static int push_blob(struct reg_client *c, struct image_store *s, const struct blob *b, const char *from,
                     struct progress *pr, size_t line, struct herr *err)
{
        _cleanup_free_ char *location = NULL;
        int r = blob_needed(c, b, from, pr, line, &location, err);
        if (r <= 0)
                return r;
        progress_set(pr, line, PROG_PUSHING, 0, b->d.size);
        struct sent st = { pr, line };
        /* Monolithic by default; $HULL_PUSH_CHUNK (bytes) sends blobs
         * larger than that in chunks, for registries (or proxies) that
         * limit the size of one request. */
        long long chunk = chunk_size();
        if (chunk > 0 && b->d.size > chunk)
                r = upload_chunks(c, s, &location, b, chunk, &st, err);
        else
                r = upload_put(c, s, location, b, &st, err);
        if (r < 0)
                return -1;
        progress_set(pr, line, PROG_PUSHED, b->d.size, b->d.size);
        return 0;
}

static void jobs_free(struct upload_job *jobs, size_t n)
{
        for (size_t i = 0; jobs && i < n; i++)
                free(jobs[i].location);
        free(jobs);
}

/* Checks and mounts one by one (small requests), then the blobs the
 * registry lacks several at a time; in chunks, one by one. */
static int push_layers(struct reg_client *c, struct image_store *s, const struct blob *layers, size_t n,
                       const char *from, struct progress *pr, struct herr *err)
{
        if (chunk_size() > 0) {
                for (size_t i = 0; i < n; i++)
                        if (push_blob(c, s, &layers[i], from, pr, i, err) < 0)
                                return -1;
                return 0;
        }
        struct upload_job *jobs = calloc(n + 1, sizeof *jobs);
        size_t k = 0;
        if (!jobs)
                return herr_set(err, ENOMEM, "pushing layers");
        for (size_t i = 0; i < n; i++) {
                char *location = NULL;
                int r = blob_needed(c, &layers[i], from, pr, i, &location, err);
                if (r < 0) {
                        jobs_free(jobs, k);
                        return -1;
                }
                if (r > 0)
                        jobs[k++] = (struct upload_job){ .d = layers[i].d, .location = location, .line = i };
        }
        int r = upload_blobs(c, s, jobs, k, pr, err);
        jobs_free(jobs, k);
        return r;
}

static char *build_manifest(const struct blob *cfg, const struct blob *layers, size_t n, int oci)
{
        json_t *lv = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(lv, json_pack("{ss sI ss}", "mediaType", layers[i].media_type, "size",
                                                    (json_int_t)layers[i].d.size, "digest", layers[i].d.digest));
        _cleanup_json_ json_t *m = json_pack("{si ss s{ss sI ss} so}", "schemaVersion", 2, "mediaType",
                                             oci ? MT_OCI_MANIFEST : MT_DOCKER_MANIFEST, "config", "mediaType",
                                             cfg->media_type, "size", (json_int_t)cfg->d.size, "digest",
                                             cfg->d.digest, "layers", lv);
        return m ? json_dumps(m, JSON_INDENT(3) | JSON_PRESERVE_ORDER) : NULL;
}

static int put_manifest(struct reg_client *c, const char *tag, const char *body, int oci, struct herr *err)
{
        _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", c->repo, tag);
        struct reg_req rq = REG_REQ_INIT;
        struct reg_resp rs = { 0 };
        rq.method = "PUT";
        rq.url = path;
        rq.content_type = oci ? MT_OCI_MANIFEST : MT_DOCKER_MANIFEST;
        rq.body = body;
        rq.body_len = strlen(body);
        rq.max_body = 1 << 16;
        int r = reg_do(c, &rq, &rs, err);
        if (r == 0)
                r = expect(&rs, 201, "uploading manifest", tag, err);
        reg_resp_free(&rs);
        return r;
}

static int record(struct image_store *s, const struct image_ref *r, const char *id, const char *manifest,
                  const char *digest, struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        char dg[IMAGE_DIGEST_LEN + 1];
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        _cleanup_free_ char *rd = xasprintf("%s@%s", r->name, digest);
        if (blob_put(s, manifest, strlen(manifest), dg, err) < 0)
                return -1;
        return store_digest_set(s, rd, id, err);
}

static int push_all(struct reg_client *c, struct image_store *s, const struct image_ref *r, const struct image *img,
                    int quiet, struct herr *err)
{
        _cleanup_free_ struct blob *layers = NULL;
        _cleanup_(progress_freep) struct progress *pr = NULL;
        size_t n = 0;
        int oci = 1;
        long long csize = 0;
        enum comp ignored;
        if (image_blobs(s, img->id, &layers, &n, &oci, err) < 0 ||
            blob_compression(s, img->id, &csize, &ignored, err) < 0)
                return -1;
        struct blob cfg = { .media_type = oci ? MT_OCI_CONFIG : MT_DOCKER_CONFIG };
        snprintf(cfg.d.digest, sizeof cfg.d.digest, "%.71s", img->id);
        cfg.d.size = csize;
        _cleanup_free_ char *from = mount_source(s, r, img->id);
        if (from && c->realm) {
                c->mount_from = xstrdup(from);
                if (reg_fetch_token(c, err) < 0)
                        return -1;
        }
        pr = progress_new(stdout, n, quiet, 1);
        for (size_t i = 0; i < n; i++) {
                progress_name(pr, i, layers[i].d.digest);
                progress_set(pr, i, PROG_WAITING, 0, layers[i].d.size);
        }
        if (push_layers(c, s, layers, n, from, pr, err) < 0)
                return -1;
        progress_end(pr);
        struct progress *none = progress_new(stdout, 1, 1, 1);
        int rc = push_blob(c, s, &cfg, NULL, none, 0, err);
        progress_free(none);
        if (rc < 0)
                return herr_wrap(err, "image config");
        _cleanup_free_ char *body = build_manifest(&cfg, layers, n, oci);
        char hex[SHA256_HEX_LEN + 1];
        if (!body)
                return herr_set(err, ENOMEM, "building the manifest");
        if (put_manifest(c, r->tag, body, oci, err) < 0)
                return -1;
        sha256_hex(body, strlen(body), hex);
        _cleanup_free_ char *digest = xasprintf("sha256:%s", hex);
        if (record(s, r, img->id, body, digest, err) < 0)
                return -1;
        printf("%s: digest: %s size: %zu\n", r->tag, digest, strlen(body));
        return 0;
}

int registry_push(const char *root, const struct hull_push_opts *o, struct herr *err)
{
        struct image_ref r;
        _cleanup_(reg_closep) struct reg_client c = { 0 };
        _cleanup_(store_closep) struct image_store *s = NULL;
        _cleanup_(image_freep) struct image *img = NULL;
        if (image_ref_parse(o->ref, &r, err) < 0)
                return -1;
        if (r.digest[0])
                return herr_set(err, 0, "push %s: push by digest is not supported, name a tag", o->ref);
        _cleanup_free_ char *shown = image_ref_string(&r);
        if (image_store_open(root, &s, err) < 0 || image_lookup(s, o->source ? o->source : shown, &img, err) < 0)
                return -1;
        if (!o->quiet)
                printf("The push refers to repository [%s%s%s]\n", r.domain[0] ? "" : "docker.io/",
                       r.domain[0] || strchr(r.path, '/') ? "" : "library/", r.name);
        fflush(stdout);
        if (reg_open(&c, root, r.domain, r.path, "pull,push", NULL, &o->conn, err) < 0 ||
            push_all(&c, s, &r, img, o->quiet, err) < 0)
                return herr_wrap(err, "pushing %s", shown);
        return 0;
}
