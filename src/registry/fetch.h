/* Fetching blobs into the store: in parallel, verified while they stream
 * to disk, resumable. */
#pragma once
#include "image/store.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/progress.h"

#define FETCH_PARALLEL 3        /* Docker's max-concurrent-downloads */

/* Partial downloads live in <store>/downloads/<hex>.partial, outside tmp/
 * (which the store empties whenever its lock is taken), each flock()ed
 * while a pull writes it.  A pull that was killed leaves its partial
 * files there; the next pull of the same blob hashes what is on disk and
 * asks the registry for the rest with a Range request. */
#define FETCH_DIR "downloads"

struct fetch_item {
        struct mf_desc d;
        size_t line;            /* progress line */
        int wanted;             /* 0: already stored, nothing to fetch */
        int unpacked;           /* the layer is unpacked already */
};

/* Called once per item as soon as its blob is stored (at once for those
 * not wanted), so that the caller can unpack layers while the others are
 * still arriving.  A failure ends the fetch. */
struct fetch_ready {
        int (*fn)(void *data, size_t i, struct herr *err);
        void *data;
};

/* Fetch every wanted item into blobs/ (each checked against its digest
 * and size before it is named by it). */
int fetch_blobs(struct reg_client *c, struct image_store *s, struct fetch_item *items, size_t n,
                struct progress *p, const struct fetch_ready *ready, struct herr *err);
/* A small blob (a config) into memory, checked against d. */
int fetch_small(struct reg_client *c, const struct mf_desc *d, size_t max, char **ret, struct herr *err);
