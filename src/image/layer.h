/* Unpacked layers, keyed by chain id: internal to src/image/. */
#pragma once
#include <sys/types.h>
#include "base/err.h"
#include "image/ref.h"
#include "image/store.h"

struct layer_info {
        char chain_id[IMAGE_DIGEST_LEN + 1];
        char diff_id[IMAGE_DIGEST_LEN + 1];
        char blob[IMAGE_DIGEST_LEN + 1];        /* the blob it was unpacked from */
        long long size;                         /* unpacked bytes */
};

/* OCI: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
void layer_chain_id(const char *parent_chain, const char *diff_id, char ret[IMAGE_DIGEST_LEN + 1]);
/* 1 and *ret when the layer is stored, 0 when not. */
int layer_get(struct image_store *s, const char *chain_id, struct layer_info *ret, struct herr *err);
/* Absolute path of the layer's diff/ directory. */
char *layer_diff_path(struct image_store *s, const char *chain_id);
/* Unpack the stored blob on top of parent (chain id, NULL for a base
 * layer) into layers/<chain>/, unless that layer is stored already.
 * expect_diff_id, when the image config names it beforehand, lets a stored
 * layer be reused without reading the blob (nor loading the archive
 * module), and is checked against what the blob really holds.  Caller
 * holds the lock. */
int layer_create(struct image_store *s, const char *blob, const char *parent, const char *expect_diff_id,
                 struct layer_info *ret, struct herr *err);

/* A layer unpacked while its blob is still arriving (a pull).  The bytes
 * given to layer_stream_write() go down a pipe to a child that writes
 * them to blob_fd (from offset 0: the pull's copy of the blob), hashes
 * them and unpacks them into <store>/<dir_rel>/diff: outside tmp/, which
 * every lock holder empties, since the unpack runs without the lock.  The
 * caller makes sure no one else uses dir_rel or blob_fd meanwhile (a pull
 * holds the blob's partial file locked).
 *
 * layer_stream_end() waits for the child and gives what it wrote to
 * blob_fd: its digest and size, for the caller to check before naming
 * the blob by its digest.  It fails only when they are unknown (writing
 * the copy failed); a bad layer in a whole blob is reported by
 * layer_stream_finish(), which then checks the diff_id and publishes the
 * layer as layers/<chain>/.  It and layer_stream_abort() free the stream
 * and remove what was not published. */
struct layer_stream;
int layer_stream_begin(struct image_store *s, const char *blob, const char *dir_rel, int blob_fd,
                       struct layer_stream **ret, struct herr *err);
/* Never blocks: how much of buf the child's pipe took (0 when it is
 * full: poll layer_stream_fd() for POLLOUT), or -1 when the child is
 * gone (it died, or could not write blob_fd). */
ssize_t layer_stream_write(struct layer_stream *ls, const void *buf, size_t len);
int layer_stream_fd(const struct layer_stream *ls);
int layer_stream_end(struct layer_stream *ls, char digest[IMAGE_DIGEST_LEN + 1], long long *size,
                     struct herr *err);
/* Once the blob is whole and verified.  Caller holds the lock. */
int layer_stream_finish(struct image_store *s, struct layer_stream *ls, const char *parent,
                        const char *expect_diff_id, struct layer_info *ret, struct herr *err);
void layer_stream_abort(struct layer_stream *ls);
