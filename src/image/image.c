/* Image records, lookup by reference or id, and listing. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/ref.h"
#include "image/store.h"

/* -ENOENT, distinct from other failures, so that a caller may go and
 * fetch the image (a registry pull, later) on exactly this error. */
static int not_found(struct herr *err, const char *ref)
{
        herr_setc(err, HERR_ENGINE, 0, "No such image: %s", ref);
        return -ENOENT;
}

static char *record_name(const char *hex)
{
        return xasprintf("images/%s.json", hex);
}

static int record_exists(struct image_store *s, const char *hex)
{
        _cleanup_free_ char *name = record_name(hex);
        return faccessat(s->dirfd, name, F_OK, 0) == 0;
}

/* "<64 hex>.json" -> hex; anything else (a temporary file) is skipped. */
static int record_hex(const char *name, char hex[SHA256_HEX_LEN + 1])
{
        if (strlen(name) != 64 + 5 || strcmp(name + 64, ".json") != 0)
                return 0;
        memcpy(hex, name, 64);
        hex[64] = '\0';
        return image_hex_prefix_valid(hex);
}

int image_record_create(struct image_store *s, const char *config, size_t len, char *const *chain_ids,
                        long long size, char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        if (blob_put(s, config, len, ret_id, err) < 0)
                return herr_wrap(err, "storing image config");
        if (record_exists(s, digest_hex(ret_id)))
                return 0;       /* the same config is the same image */
        _cleanup_free_ char *name = record_name(digest_hex(ret_id));
        _cleanup_json_ json_t *rec = json_pack("{ss so sI sI}", "id", ret_id, "layers", json_from_strv(chain_ids),
                                               "size", (json_int_t)size, "added", (json_int_t)time(NULL));
        if (!rec)
                return herr_set(err, ENOMEM, "recording image %s", ret_id);
        if (json_write_path(s->dirfd, name, rec, 1, err) < 0)
                return herr_wrap(err, "recording image %s", ret_id);
        store_txn_note(s, name);
        return 0;
}

/* RFC 3339, as image configs write "created"; 0 when unreadable. */
static time_t parse_created(const char *s)
{
        struct tm tm = { 0 };
        const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        if (!p)
                return 0;
        if (*p == '.')
                while (isdigit((unsigned char)*++p))
                        ;
        time_t t = timegm(&tm);
        int hh, mm;
        if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2)
                t += (*p == '+' ? -1 : 1) * (time_t)(hh * 3600 + mm * 60);
        return t;
}

static int layer_paths(struct image_store *s, const json_t *rec, char ***ret, char ***ret_chains, struct herr *err)
{
        _cleanup_strv_ char **chains = NULL;
        _cleanup_strv_ char **paths = calloc(1, sizeof(char *));
        if (!paths)
                return herr_set(err, ENOMEM, "listing layers");
        if (json_strv(rec, "layers", &chains, err) < 0)
                return -1;
        for (size_t i = 0; chains[i]; i++) {
                if (!image_digest_valid(chains[i]))
                        return herr_set(err, 0, "bad layer id %s", chains[i]);
                if (strv_consume(&paths, layer_diff_path(s, chains[i])) < 0)
                        return herr_set(err, ENOMEM, "listing layers");
        }
        *ret = TAKE_PTR(paths);
        *ret_chains = TAKE_PTR(chains);
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int repo_tags(const json_t *tags, const char *id, char ***ret, struct herr *err)
{
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        const char *key;
        json_t *val;
        if (!v)
                return herr_set(err, ENOMEM, "listing tags");
        json_object_foreach((json_t *)tags, key, val)
                if (json_is_string(val) && !strcmp(json_string_value(val), id) && strv_push(&v, key) < 0)
                        return herr_set(err, ENOMEM, "listing tags");
        qsort(v, strv_len(v), sizeof *v, cmp_str);
        *ret = TAKE_PTR(v);
        return 0;
}

static void image_freep(struct image **img)
{
        image_free(*img);
}

static int image_load(struct image_store *s, const char *hex, const json_t *index, struct image **ret,
                      struct herr *err)
{
        _cleanup_free_ char *rname = record_name(hex);
        _cleanup_free_ char *cname = xasprintf("blobs/sha256/%s", hex);
        _cleanup_json_ json_t *rec = NULL;
        _cleanup_(image_freep) struct image *img = calloc(1, sizeof *img);
        if (!img)
                return herr_set(err, ENOMEM, "loading image");
        snprintf(img->id, sizeof img->id, "sha256:%s", hex);
        if (json_load_path(s->dirfd, rname, &rec, err) < 0 || json_load_path(s->dirfd, cname, &img->config, err) < 0 ||
            layer_paths(s, rec, &img->layers, &img->chain_ids, err) < 0 || repo_tags(json_object_get(index, "tags"), img->id, &img->repo_tags, err) < 0 ||
            repo_tags(json_object_get(index, "digests"), img->id, &img->repo_digests, err) < 0)
                return herr_wrap(err, "image %s", img->id);
        img->size = json_int(rec, "size", 0);
        img->created = parse_created(json_str(img->config, "created"));
        *ret = TAKE_PTR(img);
        return 0;
}

/* 1 and hex when the tag is known; "busybox:latest" is added on demand. */
static int resolve_tag(struct image_store *s, const struct image_ref *r, char hex[SHA256_HEX_LEN + 1],
                       struct herr *err)
{
        char id[IMAGE_DIGEST_LEN + 1];
        if (r->digest[0]) {     /* name@digest: a recorded repository digest */
                _cleanup_json_ json_t *digests = NULL;
                _cleanup_free_ char *key = xasprintf("%s@%s", r->name, r->digest);
                if (store_digests_load(s, &digests, err) < 0)
                        return -1;
                const char *v = json_str(digests, key);
                if (!v || !image_digest_valid(v))
                        return 0;
                strcpy(hex, digest_hex(v));
                return 1;
        }
        _cleanup_free_ char *key = image_ref_string(r);
        int found = store_tag_get(s, key, id, err);
        if (found == 0 && !strcmp(key, BUILTIN_IMAGE_REF)) {
                if (image_ensure_builtin(s, err) < 0)
                        return -1;
                found = store_tag_get(s, key, id, err);
        }
        if (found > 0)
                strcpy(hex, digest_hex(id));
        return found;
}

static int resolve_prefix(struct image_store *s, const char *prefix, char hex[SHA256_HEX_LEN + 1],
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
        int n = 0;
        struct dirent *de;
        char cand[SHA256_HEX_LEN + 1];
        while ((de = readdir(d)))
                if (record_hex(de->d_name, cand) && !strncmp(cand, prefix, strlen(prefix)) && n++ == 0)
                        strcpy(hex, cand);
        if (n > 1)
                return herr_set(err, 0, "image id prefix %s is ambiguous: %d images match", prefix, n);
        return n;
}

/* Docker's order: a full id; then a name:tag; then an id prefix. */
static int resolve(struct image_store *s, const char *ref, char hex[SHA256_HEX_LEN + 1], struct herr *err)
{
        const char *h = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
        struct image_ref r;
        struct herr perr;
        int found;
        if (strlen(h) == 64 && image_hex_prefix_valid(h)) {
                if (!record_exists(s, h))
                        return not_found(err, ref);
                strcpy(hex, h);
                return 0;
        }
        int parsed = image_ref_parse(ref, &r, &perr) == 0;
        if (parsed && (found = resolve_tag(s, &r, hex, err)) != 0)
                return found < 0 ? found : 0;
        if (image_hex_prefix_valid(h) && (found = resolve_prefix(s, h, hex, err)) != 0)
                return found < 0 ? found : 0;
        if (!parsed) {
                *err = perr;
                return -1;
        }
        return not_found(err, ref);
}

int image_lookup(struct image_store *s, const char *ref, struct image **ret, struct herr *err)
{
        char hex[SHA256_HEX_LEN + 1];
        _cleanup_json_ json_t *tags = NULL;
        int r = resolve(s, ref, hex, err);
        if (r < 0)
                return r;
        if (store_index_load(s, &tags, err) < 0)
                return -1;
        return image_load(s, hex, tags, ret, err);
}

struct image_vec {
        struct image **v;
        size_t n;
};

static void image_vec_freep(struct image_vec *iv)
{
        image_list_free(iv->v, iv->n);
}

static int image_vec_push(struct image_vec *iv, struct image *img)
{
        struct image **nv = realloc(iv->v, (iv->n + 1) * sizeof *nv);
        if (!nv)
                return -ENOMEM;
        iv->v = nv;
        iv->v[iv->n++] = img;
        return 0;
}

static int newest_first(const void *a, const void *b)
{
        const struct image *x = *(struct image *const *)a, *y = *(struct image *const *)b;
        if (x->created != y->created)
                return x->created < y->created ? 1 : -1;
        return strcmp(x->id, y->id);
}

static int open_images_dir(struct image_store *s, DIR **ret, struct herr *err)
{
        int fd = openat(s->dirfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s/images", s->dir);
        *ret = fdopendir(fd);
        if (!*ret) {
                close(fd);
                return herr_set(err, errno, "listing %s/images", s->dir);
        }
        return 0;
}

int image_list(struct image_store *s, struct image ***ret, size_t *ret_n, struct herr *err)
{
        _cleanup_(image_vec_freep) struct image_vec iv = { 0 };
        _cleanup_json_ json_t *tags = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        char hex[SHA256_HEX_LEN + 1];
        if (store_index_load(s, &tags, err) < 0 || open_images_dir(s, &d, err) < 0)
                return -1;
        while ((de = readdir(d))) {
                struct image *img;
                if (!record_hex(de->d_name, hex))
                        continue;
                if (image_load(s, hex, tags, &img, err) < 0) {
                        if (err->errnum == ENOENT)
                                continue;       /* removed while we listed */
                        return -1;
                }
                if (image_vec_push(&iv, img) < 0) {
                        image_free(img);
                        return herr_set(err, ENOMEM, "listing images");
                }
        }
        if (iv.n > 1)
                qsort(iv.v, iv.n, sizeof *iv.v, newest_first);
        *ret = TAKE_PTR(iv.v);
        *ret_n = iv.n;
        iv.n = 0;
        return 0;
}

/* The number of images, or -1 when the store cannot be read. */
int image_count(struct image_store *s)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct herr ignored;
        struct dirent *de;
        char hex[SHA256_HEX_LEN + 1];
        int n = 0;
        if (open_images_dir(s, &d, &ignored) < 0)
                return -1;
        while ((de = readdir(d)))
                n += record_hex(de->d_name, hex);
        return n;
}

void image_free(struct image *img)
{
        if (!img)
                return;
        if (img->config)
                json_decref(img->config);
        strv_free(img->layers);
        strv_free(img->repo_tags);
        strv_free(img->repo_digests);
        strv_free(img->chain_ids);
        free(img);
}

void image_list_free(struct image **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                image_free(v[i]);
        free(v);
}
