/* hull load: Docker archives (docker save, podman save, skopeo
 * docker-archive:) and OCI image layouts, as a directory or a tar
 * (podman save --format oci-archive, skopeo oci:, umoci).
 *
 * An archive is unpacked once into tmp/ (by the same hardened code as a
 * layer: no name reaches outside) and its files become blobs by hard
 * link.  Every name an index or manifest gives is resolved inside that
 * directory.  Everything added is undone on the first error, so a bad
 * archive leaves the store as it was. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "image/archive_module.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"

#define MAX_META_SIZE (16 * 1024 * 1024)        /* index, manifest and config files */

struct load {
        struct image_store *s;
        int rootfd;             /* the archive's (or layout's) root */
        int in_tmp;             /* rootfd is ours, under tmp/: blobs may be linked */
        char **msgs;            /* "Loaded image: ..." */
        char **tags, **tag_ids; /* set once everything is in */
};

static int open_in(int rootfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

static int exists_in(int rootfd, const char *path)
{
        _cleanup_close_ int fd = open_in(rootfd, path, O_PATH);
        return fd >= 0;
}

static int read_small(int rootfd, const char *path, char **ret, size_t *ret_len, struct herr *err)
{
        _cleanup_close_ int fd = open_in(rootfd, path, O_RDONLY | O_NOFOLLOW);
        struct stat st;
        if (fd < 0)
                return herr_set(err, errno, "archive file %s", path);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return herr_set(err, 0, "archive file %s is not a regular file", path);
        if (st.st_size > MAX_META_SIZE)
                return herr_set(err, 0, "archive file %s is too large", path);
        return read_fd(fd, ret, ret_len, err);
}

static int parse_json(const char *data, size_t len, const char *what, json_t **ret, struct herr *err)
{
        json_error_t je;
        *ret = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
        if (!*ret)
                return herr_set(err, 0, "malformed JSON in %s: %s (line %d)", what, je.text, je.line);
        return 0;
}

static int load_json(int rootfd, const char *path, json_t **ret, struct herr *err)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        if (read_small(rootfd, path, &data, &len, err) < 0)
                return -1;
        return parse_json(data, len, path, ret, err);
}

static char *blob_name(const char *digest)
{
        return xasprintf("blobs/sha256/%s", digest_hex(digest));
}

/* The config's diff_ids, which must be as many as the layers. */
static int config_diff_ids(const json_t *config, size_t nlayers, char ***ret, struct herr *err)
{
        json_t *rootfs = json_object_get(config, "rootfs");
        if (!json_is_object(config) || !json_is_object(rootfs))
                return herr_set(err, 0, "image config has no rootfs");
        if (json_strv(rootfs, "diff_ids", ret, err) < 0)
                return herr_wrap(err, "image config");
        if (strv_len(*ret) != nlayers)
                return herr_set(err, 0, "image config names %zu layers, the manifest %zu", strv_len(*ret), nlayers);
        for (size_t i = 0; (*ret)[i]; i++)
                if (!image_digest_valid((*ret)[i]))
                        return herr_set(err, 0, "image config: bad diff_id %s", (*ret)[i]);
        return 0;
}

/* Store each layer file (expect: its digest when the manifest names one),
 * unpack it on its parent, and record the image over them. */
static int add_image(struct load *l, const char *config, size_t config_len, char *const *layer_paths,
                     char *const *layer_digests, char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        _cleanup_json_ json_t *cj = NULL;
        _cleanup_strv_ char **diff_ids = NULL;
        _cleanup_strv_ char **chains = calloc(1, sizeof(char *));
        size_t n = strv_len(layer_paths);
        long long size = 0;
        if (!chains)
                return herr_set(err, ENOMEM, "loading");
        if (parse_json(config, config_len, "image config", &cj, err) < 0 || config_diff_ids(cj, n, &diff_ids, err) < 0)
                return -1;
        const char *parent = NULL;
        for (size_t i = 0; i < n; i++) {
                char digest[IMAGE_DIGEST_LEN + 1];
                struct layer_info li;
                _cleanup_close_ int fd = open_in(l->rootfd, layer_paths[i], O_RDONLY | O_NOFOLLOW);
                if (fd < 0) {
                        if (errno == ENOENT)
                                return herr_set(err, 0, "the manifest names a missing blob: %s", layer_paths[i]);
                        return herr_set(err, errno, "opening layer %s", layer_paths[i]);
                }
                struct stat st;
                if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                        return herr_set(err, 0, "layer %s is not a regular file", layer_paths[i]);
                if (blob_put_file(l->s, fd, layer_digests ? layer_digests[i] : NULL, l->in_tmp, digest, err) < 0 ||
                    layer_create(l->s, digest, parent, diff_ids[i], &li, err) < 0)
                        return herr_wrap(err, "layer %zu", i + 1);
                if (strv_push(&chains, li.chain_id) < 0)
                        return herr_set(err, ENOMEM, "loading");
                parent = chains[i];
                size += li.size;
        }
        return image_record_create(l->s, config, config_len, chains, size, ret_id, err);
}

static int add_msg(struct load *l, char *msg, struct herr *err)
{
        if (strv_consume(&l->msgs, msg) < 0) {
                free(msg);
                return herr_set(err, ENOMEM, "loading");
        }
        return 0;
}

/* Tag id with ref as given in an archive; an unparsable name is an error.
 * manifest: the digest of the manifest it came with (OCI), recorded as the
 * repository digest "name@sha256:...", or NULL. */
static int tag_image(struct load *l, const char *ref, const char *manifest, const char *id, struct herr *err)
{
        struct image_ref r;
        if (image_ref_parse(ref, &r, err) < 0)
                return herr_wrap(err, "image name %s in the archive", ref);
        if (!r.tag[0])
                return herr_set(err, 0, "image name %s in the archive has no tag", ref);
        r.digest[0] = '\0';
        _cleanup_free_ char *key = image_ref_string(&r);
        _cleanup_free_ char *dkey = manifest ? xasprintf("%s@%s", r.name, manifest) : NULL;
        if (strv_push(&l->tags, key) < 0 || strv_push(&l->tag_ids, id) < 0 ||
            (dkey && (strv_push(&l->tags, dkey) < 0 || strv_push(&l->tag_ids, id) < 0)))
                return herr_set(err, ENOMEM, "loading");
        return add_msg(l, xasprintf("Loaded image: %s", key), err);
}

/* A config named by its digest ("<hex>.json", as docker and podman
 * save) must have it. */
static int check_named(const char *cfg, const char *data, size_t len, struct herr *err)
{
        const char *base = strrchr(cfg, '/') ? strrchr(cfg, '/') + 1 : cfg;
        size_t n = strlen(base);
        char want[SHA256_HEX_LEN + 1], got[SHA256_HEX_LEN + 1];
        if (!(n == 64 || (n == 69 && !strcmp(base + 64, ".json"))))
                return 0;
        memcpy(want, base, 64);
        want[64] = '\0';
        if (!image_hex_prefix_valid(want))
                return 0;
        sha256_hex(data, len, got);
        if (strcmp(want, got) != 0)
                return herr_set(err, 0, "digest mismatch: config %s hashes to sha256:%s", cfg, got);
        return 0;
}

/* manifest.json: [{"Config": "x.json", "RepoTags": [...], "Layers": ["a/layer.tar", ...]}] */
static int load_docker(struct load *l, struct herr *err)
{
        _cleanup_json_ json_t *m = NULL;
        if (load_json(l->rootfd, "manifest.json", &m, err) < 0)
                return -1;
        if (!json_is_array(m) || json_array_size(m) == 0)
                return herr_set(err, 0, "manifest.json: not a list of images");
        size_t i;
        json_t *e;
        json_array_foreach(m, i, e) {
                const char *cfg = json_str(e, "Config");
                _cleanup_strv_ char **layers = NULL, **tags = NULL;
                _cleanup_free_ char *config = NULL;
                size_t clen;
                char id[IMAGE_DIGEST_LEN + 1];
                if (!cfg)
                        return herr_set(err, 0, "manifest.json: image %zu has no Config", i + 1);
                if (json_strv(e, "Layers", &layers, err) < 0 || json_strv(e, "RepoTags", &tags, err) < 0)
                        return herr_wrap(err, "manifest.json");
                if (!exists_in(l->rootfd, cfg))
                        return herr_set(err, 0, "the manifest names a missing blob: %s", cfg);
                if (read_small(l->rootfd, cfg, &config, &clen, err) < 0 || check_named(cfg, config, clen, err) < 0 ||
                    add_image(l, config, clen, layers, NULL, id, err) < 0)
                        return -1;
                for (size_t k = 0; tags[k]; k++)
                        if (tag_image(l, tags[k], NULL, id, err) < 0)
                                return -1;
                if (!tags[0] && add_msg(l, xasprintf("Loaded image ID: %s", id), err) < 0)
                        return -1;
        }
        return 0;
}

/* Read a blob of the layout named by descriptor d, checking its digest. */
static int read_blob(struct load *l, const json_t *d, char **ret, size_t *ret_len, struct herr *err)
{
        const char *digest = json_str(d, "digest");
        char got[IMAGE_DIGEST_LEN + 1];
        if (!digest || !image_digest_valid(digest))
                return herr_set(err, 0, "descriptor without a sha256 digest");
        _cleanup_free_ char *name = blob_name(digest);
        if (!exists_in(l->rootfd, name))
                return herr_set(err, 0, "the manifest names a missing blob: %s", digest);
        if (read_small(l->rootfd, name, ret, ret_len, err) < 0)
                return -1;
        char hex[SHA256_HEX_LEN + 1];
        sha256_hex(*ret, *ret_len, hex);
        snprintf(got, sizeof got, "sha256:%s", hex);
        if (strcmp(got, digest) != 0)
                return herr_set(err, 0, "digest mismatch: blob %s hashes to %s", digest, got);
        return 0;
}

static int load_manifest(struct load *l, const json_t *desc, const char *ref, struct herr *err)
{
        _cleanup_free_ char *data = NULL, *config = NULL;
        _cleanup_json_ json_t *m = NULL;
        _cleanup_strv_ char **paths = calloc(1, sizeof(char *)), **digests = calloc(1, sizeof(char *));
        size_t len, clen, i;
        json_t *ld;
        char id[IMAGE_DIGEST_LEN + 1];
        if (!paths || !digests)
                return herr_set(err, ENOMEM, "loading");
        if (read_blob(l, desc, &data, &len, err) < 0 || parse_json(data, len, "manifest", &m, err) < 0)
                return herr_wrap(err, "manifest %s", json_str(desc, "digest"));
        json_t *layers = json_object_get(m, "layers");
        if (!json_is_array(layers) || !json_is_object(json_object_get(m, "config")))
                return herr_set(err, 0, "manifest %s: no config or layers", json_str(desc, "digest"));
        if (read_blob(l, json_object_get(m, "config"), &config, &clen, err) < 0)
                return herr_wrap(err, "image config");
        json_array_foreach(layers, i, ld) {
                const char *digest = json_str(ld, "digest");
                if (!digest || !image_digest_valid(digest))
                        return herr_set(err, 0, "manifest: layer %zu has no sha256 digest", i + 1);
                if (strv_consume(&paths, blob_name(digest)) < 0 || strv_push(&digests, digest) < 0)
                        return herr_set(err, ENOMEM, "loading");
        }
        if (add_image(l, config, clen, paths, digests, id, err) < 0)
                return -1;
        if (ref)
                return tag_image(l, ref, json_str(desc, "digest"), id, err);
        return add_msg(l, xasprintf("Loaded image ID: %s", id), err);
}

/* An index annotation names the image: the full reference when it is one
 * (podman, Docker's io.containerd.image.name); a bare tag (skopeo oci:DIR:TAG)
 * names nothing we could use as a repository. */
static const char *desc_ref(const json_t *desc)
{
        json_t *a = json_object_get(desc, "annotations");
        const char *full = json_str(a, "io.containerd.image.name");
        const char *name = json_str(a, "org.opencontainers.image.ref.name");
        if (full)
                return full;
        if (name && (strchr(name, ':') || strchr(name, '/')))
                return name;
        return NULL;
}

static int is_manifest_type(const char *mt)
{
        return !mt || !strcmp(mt, "application/vnd.oci.image.manifest.v1+json") ||
               !strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json");
}

static int is_index_type(const char *mt)
{
        return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
                      !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

static int load_index(struct load *l, const json_t *index, const char *ref, int depth, struct herr *err);

static int load_desc(struct load *l, const json_t *d, const char *ref, int depth, struct herr *err)
{
        const char *mt = json_str(d, "mediaType");
        json_t *plat = json_object_get(d, "platform");
        if (plat && json_str(plat, "os") && strcmp(json_str(plat, "os"), "linux"))
                return 0;
        if (plat && json_str(plat, "architecture") && strcmp(json_str(plat, "architecture"), image_host_arch()))
                return 0;       /* a multi-platform index: only what this machine runs */
        if (is_index_type(mt)) {
                _cleanup_free_ char *data = NULL;
                _cleanup_json_ json_t *sub = NULL;
                size_t len;
                if (read_blob(l, d, &data, &len, err) < 0 || parse_json(data, len, "index", &sub, err) < 0)
                        return -1;
                return load_index(l, sub, ref, depth + 1, err);
        }
        if (!is_manifest_type(mt))
                return 0;       /* attestations, signatures: not images */
        return load_manifest(l, d, ref, err);
}

static int load_index(struct load *l, const json_t *index, const char *ref, int depth, struct herr *err)
{
        json_t *ms = json_object_get(index, "manifests");
        size_t i;
        json_t *d;
        if (depth > 4)
                return herr_set(err, 0, "index nested too deeply");
        if (!json_is_array(ms))
                return herr_set(err, 0, "index.json: no \"manifests\" list");
        json_array_foreach(ms, i, d) {
                if (!json_is_object(d))
                        return herr_set(err, 0, "index.json: manifest %zu is not an object", i + 1);
                if (load_desc(l, d, depth == 0 ? desc_ref(d) : ref, depth, err) < 0)
                        return -1;
        }
        return 0;
}

static int load_oci(struct load *l, struct herr *err)
{
        _cleanup_json_ json_t *index = NULL;
        if (load_json(l->rootfd, "index.json", &index, err) < 0 || load_index(l, index, NULL, 0, err) < 0)
                return -1;
        if (!l->msgs || !l->msgs[0])
                return herr_set(err, 0, "index.json names no image for linux/%s", image_host_arch());
        return 0;
}

static int load_root(struct load *l, struct herr *err)
{
        if (exists_in(l->rootfd, "manifest.json"))
                return load_docker(l, err);
        if (exists_in(l->rootfd, "index.json"))
                return load_oci(l, err);
        return herr_set(err, 0, "neither a Docker archive (manifest.json) nor an OCI layout (index.json)");
}

static void rm_tmp_dir(char **p)
{
        struct herr ignored;
        if (*p) {
                rm_rf(*p, &ignored);
                free(*p);
        }
}

/* Unpack the archive (possibly compressed) into tmp/load-XXXXXX. */
static int unpack_archive(struct image_store *s, int fd, char **ret_dir, int *ret_fd, struct herr *err)
{
        _cleanup_(rm_tmp_dir) char *tmp = store_tmp_template(s, "load");
        struct hull_unpack_result res;
        if (!mkdtemp(tmp))
                return herr_set(err, errno, "creating %s", tmp);
        _cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return herr_set(err, errno, "opening %s", tmp);
        if (archive_unpack_layer(fd, dfd, &res, err) < 0)
                return herr_wrap(err, "reading the archive");
        *ret_fd = TAKE_FD(dfd);
        *ret_dir = TAKE_PTR(tmp);
        return 0;
}

static int load_locked(struct load *l, const char *path, int fd, struct herr *err)
{
        _cleanup_(rm_tmp_dir) char *tmp = NULL;
        _cleanup_close_ int root = -EBADF;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return herr_set(err, errno, "%s", path);
        if (S_ISDIR(st.st_mode)) {
                root = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        } else {
                if (S_ISREG(st.st_mode) && st.st_size == 0)
                        return herr_set(err, 0, "%s is empty", path);
                if (unpack_archive(l->s, fd, &tmp, &root, err) < 0)
                        return -1;
                l->in_tmp = 1;
        }
        if (root < 0)
                return herr_set(err, errno, "%s", path);
        l->rootfd = root;
        if (load_root(l, err) < 0)
                return -1;
        for (size_t i = 0; l->tags[i]; i++) {
                int r = strchr(l->tags[i], '@') ? store_digest_set(l->s, l->tags[i], l->tag_ids[i], err)
                                                 : store_tag_set(l->s, l->tags[i], l->tag_ids[i], err);
                if (r < 0)
                        return -1;
        }
        return 0;
}

int image_load_from(struct image_store *s, const char *path, int fd, char ***ret_msgs, struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        struct load l = { .s = s, .rootfd = -1, .msgs = calloc(1, sizeof(char *)),
                          .tags = calloc(1, sizeof(char *)), .tag_ids = calloc(1, sizeof(char *)) };
        _cleanup_strv_ char **tags = l.tags, **tag_ids = l.tag_ids;
        if (!l.msgs || !l.tags || !l.tag_ids) {
                strv_free(l.msgs);
                return herr_set(err, ENOMEM, "loading");
        }
        if (store_lock(s, err) < 0) {
                strv_free(l.msgs);
                return -1;
        }
        locked = s;
        store_txn_begin(s);
        int r = load_locked(&l, path, fd, err);
        store_txn_end(s, r < 0);
        tags = l.tags;
        tag_ids = l.tag_ids;
        if (r < 0) {
                strv_free(l.msgs);
                return herr_wrap(err, "%s", path);
        }
        *ret_msgs = l.msgs;
        return 0;
}
