/* The image store: what the engine asks of images.  Nothing here knows
 * about containers. */
#pragma once
#include <jansson.h>
#include <time.h>
#include "base/err.h"

struct image_store;

struct image {
        char id[80];            /* "sha256:<64 hex>", the config digest */
        json_t *config;         /* the image config (OCI/Docker shape: .config.Env, .Cmd, ...) */
        char **layers;          /* absolute paths of unpacked layer directories, bottom first */
        char **repo_tags;       /* "name:tag" */
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
/* Copy the directory at path, as the image's merged root shows it, into
 * the empty directory dstfd (owners, modes, times, xattrs kept; no symlink
 * followed, a path through a symlink copies nothing). */
int image_copy_dir(const struct image *img, const char *path, int dstfd, struct herr *err);
/* S_IFDIR, S_IFREG, S_IFLNK... of path in the merged root, 0 when absent. */
int image_path_type(const struct image *img, const char *path);
/* The merged root's entry at path (not followed): 0, or -1 when absent. */
struct stat;
int image_path_stat(const struct image *img, const char *path, struct stat *ret);
