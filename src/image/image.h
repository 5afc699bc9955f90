/* The image store: what the engine asks of images.  Nothing here knows
 * about containers. */
#pragma once
#include <jansson.h>
#include <time.h>
#include "base/err.h"
/* ret_id buffers below hold "sha256:" + 64 hex + NUL (IMAGE_DIGEST_LEN + 1 of ref.h). */

struct image_store;

struct image {
        char id[80];            /* "sha256:<64 hex>", the config digest */
        json_t *config;         /* the image config (OCI/Docker shape: .config.Env, .Cmd, ...) */
        char **layers;          /* absolute paths of unpacked layer directories, bottom first */
        char **repo_tags;       /* "name:tag" */
        char **chain_ids;       /* the layers' chain ids "sha256:...", bottom first */
        char **repo_digests;    /* "name@sha256:<manifest>" */
        long long size;         /* bytes of unpacked content */
        time_t created;
};

/* root: hull's state root (--root).  Creates the store layout when missing. */
int image_store_open(const char *root, struct image_store **ret, struct herr *err);
void image_store_close(struct image_store *s);

/* ref: "name", "name:tag", a full id "sha256:..." or an unambiguous id
 * prefix.  The built-in busybox image is added from the layer made at build
 * time when "busybox[:latest]" is asked for and missing.  A missing image is
 * an error with code 125 naming the reference. */
int image_lookup(struct image_store *s, const char *ref, struct image **ret, struct herr *err);
/* All images, newest first. */
int image_list(struct image_store *s, struct image ***ret, size_t *ret_n, struct herr *err);
/* Add the built-in busybox image if it is not there (idempotent). */
int image_ensure_builtin(struct image_store *s, struct herr *err);
void image_free(struct image *img);
/* Read a file as the image's merged root shows it (upper layers first,
 * whiteouts and opaque directories honoured).  A missing file gives 0 and
 * *ret == NULL. */
int image_read_file(const struct image *img, const char *path, char **ret, struct herr *err);
void image_list_free(struct image **v, size_t n);
int image_count(struct image_store *s);

/* hull load: a Docker or OCI archive read from fd (plain or compressed), or
 * an OCI layout directory (fd opened on it).  path names it in errors.
 * *ret_msgs: "Loaded image: NAME" or "Loaded image ID: ID" lines.  On error
 * the store is as it was. */
int image_load_from(struct image_store *s, const char *path, int fd, char ***ret_msgs, struct herr *err);

/* What import and commit are asked to make. */
struct image_new {
        const char *tag;        /* REPO[:TAG] or NULL */
        char **changes;         /* -c: Dockerfile instructions for the config */
        const char *message;    /* -m */
};
/* One Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
 * STOPSIGNAL, USER, VOLUME, WORKDIR) applied to an image config's
 * "config" object. */
int image_config_change(json_t *cfg, const char *change, struct herr *err);
/* The architecture as OCI names it ("amd64"). */
const char *image_host_arch(void);
/* hull import: a flat rootfs tar (plain or compressed) read from fd; src
 * names it in errors and history. */
int image_import(struct image_store *s, int fd, const char *src, const struct image_new *o,
                 char ret_id[72], struct herr *err);
/* hull commit: parent plus one layer holding the tree under upperfd, an
 * overlay upper directory (whiteouts as overlayfs writes them).  overrides:
 * keys set in the config's "config" object (the container's Cmd, Env ...). */
int image_commit(struct image_store *s, const struct image *parent, int upperfd, const json_t *overrides,
                 const struct image_new *o, char ret_id[72], struct herr *err);
/* hull save: the images named by refs as a Docker archive, or an OCI
 * archive when oci is set, written to out_fd. */
int image_save(struct image_store *s, char *const *refs, int oci, int out_fd, struct herr *err);
/* hull tag: target (REPO[:TAG]) names the image src names. */
int image_tag(struct image_store *s, const char *src, const char *target, struct herr *err);
/* hull rmi: Docker's rules (see manage.c); in_use: a container uses the
 * image, so with force only its tags go.  *out gets "Untagged: ..." and
 * "Deleted: ..." lines; layers no other image uses are removed. */
int image_remove(struct image_store *s, const char *ref, int force, int in_use, char ***out, struct herr *err);
/* Remove untagged images (every image with all) not in keep_ids. */
int image_prune(struct image_store *s, int all, char *const *keep_ids, char ***out, long long *freed,
                struct herr *err);
/* Bytes the store takes on disk. */
void image_disk_usage(struct image_store *s, long long *ret);
json_t *image_inspect_json(const struct image *img);
/* [{Id, Created, CreatedBy, Size, Comment}], newest first. */
int image_history(struct image_store *s, const struct image *img, json_t **ret, struct herr *err);
/* Copy the directory at path, as the image's merged root shows it, into
 * the empty directory dstfd (owners, modes, times, xattrs kept; no symlink
 * followed, a path through a symlink copies nothing). */
int image_copy_dir(const struct image *img, const char *path, int dstfd, struct herr *err);
/* S_IFDIR, S_IFREG, S_IFLNK... of path in the merged root, 0 when absent. */
int image_path_type(const struct image *img, const char *path);
/* The merged root's entry at path (not followed): 0, or -1 when absent. */
struct stat;
int image_path_stat(const struct image *img, const char *path, struct stat *ret);
