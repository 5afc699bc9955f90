/* hull save: images out as a Docker archive (what `docker load` and
 * `podman load` read; the default) or an OCI archive (an OCI image layout
 * in a tar).  Only stored bytes are written: configs and layer blobs as
 * they are, except that a Docker archive's layers must be plain tars, so a
 * compressed blob is decompressed on the way (into an unnamed file). */
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
#include "image/archive_module.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"

#define MAX_MEMBERS 4096

struct member_list {
        struct hull_tar_member m[MAX_MEMBERS];
        char *names[MAX_MEMBERS];
        char *datas[MAX_MEMBERS];
        size_t n;
};

static void members_free(struct member_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                if (l->m[i].fd >= 0)
                        close(l->m[i].fd);
                free(l->names[i]);
                free(l->datas[i]);
        }
        free(l);
}

static void members_freep(struct member_list **l)
{
        if (*l)
                members_free(*l);
}

static int has_member(const struct member_list *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (!strcmp(l->names[i], name))
                        return 1;
        return 0;
}

/* Takes name, and fd or data (malloc'ed), whatever happens. */
static int add_member(struct member_list *l, char *name, int fd, char *data, size_t len, struct herr *err)
{
        int dup = has_member(l, name);
        if (dup || l->n == MAX_MEMBERS) {     /* a blob shared by two images is written once */
                free(name);
                free(data);
                if (fd >= 0)
                        close(fd);
                return dup ? 0 : herr_set(err, 0, "too many files to save");
        }
        l->names[l->n] = name;
        l->datas[l->n] = data;
        l->m[l->n] = (struct hull_tar_member){ .name = name, .fd = fd, .data = data, .len = len };
        l->n++;
        return 0;
}

/* The layer as a plain tar: the blob itself when it is one (its digest is
 * the diff_id), else decompressed into an unnamed file under tmp/. */
static int plain_layer_fd(struct image_store *s, const struct layer_info *li, struct herr *err)
{
        _cleanup_close_ int in = blob_open(s, li->blob, err);
        if (in < 0 || !strcmp(li->blob, li->diff_id))
                return TAKE_FD(in);
        _cleanup_free_ char *tmpdir = xasprintf("%s/tmp", s->dir);
        _cleanup_close_ int out = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (out < 0)
                return herr_set(err, errno, "creating a temporary file in %s", tmpdir);
        if (archive_decompress(in, out, err) < 0)
                return herr_wrap(err, "layer %s", li->blob);
        return TAKE_FD(out);
}

enum blob_kind { BLOB_TAR, BLOB_GZIP, BLOB_ZSTD, BLOB_OTHER };

static enum blob_kind blob_kind(int fd)
{
        unsigned char b[4] = { 0 };
        ssize_t n = pread(fd, b, sizeof b, 0);
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
                return BLOB_GZIP;
        if (n == 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                return BLOB_ZSTD;
        if ((n >= 3 && !memcmp(b, "BZh", 3)) || (n == 4 && b[0] == 0xfd && !memcmp(b + 1, "7zX", 3)))
                return BLOB_OTHER;
        return BLOB_TAR;
}

static int get_layer(struct image_store *s, const char *chain, struct layer_info *li, struct herr *err)
{
        int r = layer_get(s, chain, li, err);
        if (r == 0)
                return herr_set(err, 0, "layer %s is missing from the store", chain);
        return r < 0 ? -1 : 0;
}

/* Docker archive: <id>.json, <diff_id>/layer.tar, manifest.json. */
static int add_docker_image(struct image_store *s, struct member_list *l, const struct image *img,
                            const char *tag, json_t *manifest, struct herr *err)
{
        _cleanup_json_ json_t *layers = json_array();
        char *cfg_name = xasprintf("%s.json", digest_hex(img->id));
        json_t *entry = json_pack("{ss so s[]}", "Config", cfg_name, "Layers", json_incref(layers), "RepoTags");
        int cfd = blob_open(s, img->id, err);
        if (cfd < 0 || !entry || add_member(l, cfg_name, cfd, NULL, 0, err) < 0) {
                json_decref(entry);
                return herr_wrap(err, "image %s", img->id);
        }
        json_array_append_new(manifest, entry);
        if (tag)
                json_array_append_new(json_object_get(entry, "RepoTags"), json_string(tag));
        for (size_t i = 0; img->chain_ids[i]; i++) {
                struct layer_info li;
                if (get_layer(s, img->chain_ids[i], &li, err) < 0)
                        return -1;
                char *name = xasprintf("%s/layer.tar", digest_hex(li.diff_id));
                json_array_append_new(layers, json_string(name));
                if (has_member(l, name)) {
                        free(name);
                        continue;
                }
                int fd = plain_layer_fd(s, &li, err);
                if (fd < 0) {
                        free(name);
                        return -1;
                }
                if (add_member(l, name, fd, NULL, 0, err) < 0)
                        return -1;
        }
        return 0;
}

static int add_json_member(struct member_list *l, char *name, const json_t *j, struct herr *err)
{
        char *data = json_dumps(j, JSON_COMPACT);
        if (!data) {
                free(name);
                return herr_set(err, ENOMEM, "saving");
        }
        return add_member(l, name, -1, data, strlen(data), err);
}

static const char *layer_media_type(enum blob_kind k)
{
        switch (k) {
        case BLOB_GZIP:
                return "application/vnd.oci.image.layer.v1.tar+gzip";
        case BLOB_ZSTD:
                return "application/vnd.oci.image.layer.v1.tar+zstd";
        default:
                return "application/vnd.oci.image.layer.v1.tar";
        }
}

static int fd_size(int fd, long long *ret)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -1;
        *ret = st.st_size;
        return 0;
}

/* One OCI layer descriptor; a blob neither plain, gzip nor zstd is
 * written decompressed. */
static int add_oci_layer(struct image_store *s, struct member_list *l, const char *chain, json_t *layers,
                         struct herr *err)
{
        struct layer_info li;
        long long size;
        if (get_layer(s, chain, &li, err) < 0)
                return -1;
        _cleanup_close_ int fd = blob_open(s, li.blob, err);
        if (fd < 0)
                return -1;
        enum blob_kind k = blob_kind(fd);
        const char *digest = li.blob;
        if (k == BLOB_OTHER) {      /* xz, bzip2: not OCI media types */
                close(fd);
                fd = plain_layer_fd(s, &li, err);
                if (fd < 0)
                        return -1;
                digest = li.diff_id;
        }
        if (fd_size(fd, &size) < 0)
                return herr_set(err, errno, "layer %s", li.blob);
        json_array_append_new(layers, json_pack("{ss ss sI}", "mediaType", layer_media_type(k), "digest", digest,
                                                "size", (json_int_t)size));
        return add_member(l, xasprintf("blobs/sha256/%s", digest_hex(digest)), TAKE_FD(fd), NULL, 0, err);
}

static int add_oci_image(struct image_store *s, struct member_list *l, const struct image *img, const char *tag,
                         json_t *index, struct herr *err)
{
        _cleanup_json_ json_t *layers = json_array();
        long long csize;
        char hex[SHA256_HEX_LEN + 1];
        int cfd = blob_open(s, img->id, err);
        if (cfd < 0 || fd_size(cfd, &csize) < 0) {
                if (cfd >= 0)
                        close(cfd);
                return herr_wrap(err, "image %s", img->id);
        }
        if (add_member(l, xasprintf("blobs/sha256/%s", digest_hex(img->id)), cfd, NULL, 0, err) < 0)
                return -1;
        for (size_t i = 0; img->chain_ids[i]; i++)
                if (add_oci_layer(s, l, img->chain_ids[i], layers, err) < 0)
                        return -1;
        _cleanup_json_ json_t *m = json_pack("{si ss s{ss ss sI} sO}", "schemaVersion", 2, "mediaType",
                                             "application/vnd.oci.image.manifest.v1+json", "config", "mediaType",
                                             "application/vnd.oci.image.config.v1+json", "digest", img->id, "size",
                                             (json_int_t)csize, "layers", layers);
        _cleanup_free_ char *data = m ? json_dumps(m, JSON_COMPACT) : NULL;
        if (!data)
                return herr_set(err, ENOMEM, "saving");
        sha256_hex(data, strlen(data), hex);
        json_t *desc = json_pack("{ss ss sI}", "mediaType", "application/vnd.oci.image.manifest.v1+json", "digest",
                                 "", "size", (json_int_t)strlen(data));
        _cleanup_free_ char *digest = xasprintf("sha256:%s", hex);
        json_object_set_new(desc, "digest", json_string(digest));
        if (tag)
                json_object_set_new(desc, "annotations",
                                    json_pack("{ss}", "org.opencontainers.image.ref.name", tag));
        json_array_append_new(json_object_get(index, "manifests"), desc);
        size_t dlen = strlen(data);
        return add_member(l, xasprintf("blobs/sha256/%s", hex), -1, TAKE_PTR(data), dlen, err);
}

/* The tag to write for ref: the name:tag it was asked by, none for an id. */
static char *ref_tag(const char *ref, const struct image *img)
{
        struct image_ref r;
        struct herr ignored;
        const char *h = strncmp(ref, "sha256:", 7) ? ref : ref + 7;
        if (!strncmp(digest_hex(img->id), h, strlen(h)))
                return NULL;
        if (image_ref_parse(ref, &r, &ignored) < 0 || !r.tag[0])
                return NULL;
        r.digest[0] = '\0';
        return image_ref_string(&r);
}

int image_save(struct image_store *s, char *const *refs, int oci, int out_fd, struct herr *err)
{
        __attribute__((cleanup(members_freep))) struct member_list *l = calloc(1, sizeof *l);
        _cleanup_json_ json_t *manifest = json_array();
        _cleanup_json_ json_t *index = json_pack("{si s[]}", "schemaVersion", 2, "manifests");
        if (!l || !manifest || !index)
                return herr_set(err, ENOMEM, "saving");
        if (oci && add_member(l, xstrdup("oci-layout"), -1, xstrdup("{\"imageLayoutVersion\":\"1.0.0\"}"),
                              strlen("{\"imageLayoutVersion\":\"1.0.0\"}"), err) < 0)
                return -1;
        for (size_t i = 0; refs[i]; i++) {
                struct image *img = NULL;
                if (image_lookup(s, refs[i], &img, err) < 0)
                        return -1;
                _cleanup_free_ char *tag = ref_tag(refs[i], img);
                int r = oci ? add_oci_image(s, l, img, tag, index, err)
                            : add_docker_image(s, l, img, tag, manifest, err);
                image_free(img);
                if (r < 0)
                        return -1;
        }
        if (add_json_member(l, xstrdup(oci ? "index.json" : "manifest.json"), oci ? index : manifest, err) < 0)
                return -1;
        return archive_tar_members(out_fd, l->m, l->n, err);
}
