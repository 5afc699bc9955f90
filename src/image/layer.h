/* Unpacked layers, keyed by chain id: internal to src/image/. */
#pragma once
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
