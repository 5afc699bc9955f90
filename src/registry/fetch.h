/* Fetching blobs into the store: in parallel, verified while they stream
 * to disk, resumable. */
#pragma once
#include "image/layer.h"
#include "image/store.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/progress.h"

/* As podman and skopeo (containers/image) do; Docker's default is 3.  Each
 * layer is unpacked as it arrives, so fewer would leave the last layers
 * to start, download and unpack after the others. */
#define FETCH_PARALLEL 6
#define FETCH_BUFFER (256 * 1024L)      /* libcurl's receive buffer, per transfer */

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
        int stream;             /* unpack it while it arrives (needs a fetch_ready) */
        /* That unpack, once the blob is stored: the fetch_ready callback
         * finishes it (and sets this NULL); fetch_blobs aborts what is left.
         * NULL when the transfer could not feed it from its first byte to
         * its last (a resumed or restarted download): unpack from the blob. */
        struct layer_stream *ls;
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
