/* Sending blobs to a registry: monolithic PUTs, several at a time. */
#pragma once
#include "image/store.h"
#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/progress.h"

#define UPLOAD_PARALLEL 3

struct upload_job {
        struct mf_desc d;
        char *location;         /* the upload session a POST opened (owned) */
        size_t line;            /* progress line */
};

/* PUT each job's blob to location?digest=..., UPLOAD_PARALLEL at a time,
 * retrying 5xx answers and dropped connections. */
int upload_blobs(struct reg_client *c, struct image_store *s, struct upload_job *jobs, size_t n,
                 struct progress *pr, struct herr *err);
