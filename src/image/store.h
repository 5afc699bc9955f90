/* The image store on disk: internal to src/image/.
 *
 * Under <root>/image/, OCI-like and content-addressed:
 *
 *   lock                           flock()ed by every writer
 *   repositories.json              {"tags": {"name:tag": "sha256:<id>"},
 *                                   "digests": {"name@sha256:<manifest>": "sha256:<id>"}},
 *                                  replaced atomically
 *   blobs/sha256/<hex>             content by digest: layer tarballs as received, image configs
 *   layers/<chain-hex>/diff/       one unpacked layer, an overlay lower directory
 *   layers/<chain-hex>/layer.json  {"chain_id", "diff_id", "parent", "blob", "size"}
 *   images/<id-hex>.json           {"id", "layers": [chain ids, bottom first], "size", "added"}
 *   downloads/<hex>.partial        blobs a pull is fetching, kept for a resume (src/registry/fetch.h)
 *   tmp/                           blobs and layers being written; emptied by each
 *                                  writer that takes the lock, since only a lock
 *                                  holder writes there
 *
 * An image id is the digest of its config blob.  Layers are keyed by
 * chain id (OCI: the digest of the parent's chain id, a space, and the
 * layer's diff_id), so images sharing a base share its directories.
 * Readers take no lock: every file they read appears whole, by rename. */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include "base/err.h"
#include "image/image.h"
#include "image/ref.h"

struct image_store {
        char *dir;              /* absolute <root>/image */
        int dirfd;
        int lockfd;             /* held while lock_depth > 0 */
        int lock_depth;
        char **txn;             /* store paths made since store_txn_begin(); NULL when none is open */
};

#define STORE_TAGS "repositories.json"

/* Exclusive writer lock; nests.  Taking it empties tmp/. */
int store_lock(struct image_store *s, struct herr *err);
void store_unlock(struct image_store *s);
static inline void store_unlockp(struct image_store **s)
{
        if (*s)
                store_unlock(*s);
}
#define _cleanup_store_unlock_ __attribute__((cleanup(store_unlockp)))
/* A fresh path under tmp/ ending in "-XXXXXX" for mkstemp/mkdtemp. */
char *store_tmp_template(struct image_store *s, const char *what);

/* Undo for commands that add several things (load, import, commit): every
 * blob and layer that did not exist before is noted, and removed again by
 * store_txn_rollback(), so that a failure leaves the store as it was.
 * (A kill -9 leaves them unreferenced: `image prune` removes them.)  Caller
 * holds the lock. */
void store_txn_begin(struct image_store *s);
void store_txn_note(struct image_store *s, const char *relpath);
void store_txn_end(struct image_store *s, int rollback);

/* The tag index: the "tags" object (new reference; empty when none). */
int store_tags_load(struct image_store *s, json_t **ret, struct herr *err);
/* 1 and the id when name_tag ("name:tag") is tagged, 0 when not. */
int store_tag_get(struct image_store *s, const char *name_tag, char ret_id[IMAGE_DIGEST_LEN + 1],
                  struct herr *err);
/* Point name_tag at id.  Caller holds the lock. */
int store_tag_set(struct image_store *s, const char *name_tag, const char *id, struct herr *err);
/* The whole index: {"tags": {...}, "digests": {...}}, both objects. */
int store_index_load(struct image_store *s, json_t **ret, struct herr *err);
/* Repository digests, "name@sha256:<manifest>" -> id, beside the tags in
 * repositories.json {"tags": {...}, "digests": {...}}. */
int store_digests_load(struct image_store *s, json_t **ret, struct herr *err);
int store_digest_set(struct image_store *s, const char *name_digest, const char *id, struct herr *err);
/* Replace the whole "tags" object (digests kept). */
int store_tags_replace(struct image_store *s, json_t *tags, struct herr *err);
/* Drop every tag and digest naming id. */
int store_forget_image(struct image_store *s, const char *id, struct herr *err);

/* Blobs.  digest is "sha256:<hex>". */
char *blob_path(struct image_store *s, const char *digest);
int blob_open(struct image_store *s, const char *digest, struct herr *err);
/* Copy everything read from fd into a blob (caller holds the lock). */
int blob_put_fd(struct image_store *s, int fd, char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err);
int blob_put(struct image_store *s, const void *data, size_t len, char ret_digest[IMAGE_DIGEST_LEN + 1],
             struct herr *err);
/* Hash the file at path (under tmp/) and rename it into blobs/. */
int blob_adopt(struct image_store *s, const char *path, char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err);
/* Store the content of fd (read from its start); expect, when not NULL,
 * is the digest it must have ("digest mismatch" otherwise).  may_link: fd
 * is a file under tmp/ that may simply be hard-linked into blobs/. */
int blob_put_file(struct image_store *s, int fd, const char *expect, int may_link,
                  char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err);
/* 1 when the blob is stored. */
int blob_exists(struct image_store *s, const char *digest);
/* Remove the layers and blobs no image record refers to (what rmi left,
 * or a killed load).  Caller holds the lock. */
int store_gc(struct image_store *s, struct herr *err);

/* Image records.  Store config (the exact bytes that are hashed) as a
 * blob and a record over the layers named by chain id, bottom first;
 * size is their unpacked total.  Caller holds the lock. */
int image_record_create(struct image_store *s, const char *config, size_t len, char *const *chain_ids,
                        long long size, char ret_id[IMAGE_DIGEST_LEN + 1], struct herr *err);

/* "sha256:<hex>" -> "<hex>" */
static inline const char *digest_hex(const char *digest)
{
        return digest + 7;
}
