/* Repository digests: "name@sha256:<manifest digest>" recorded for an
 * image pulled from (or pushed to) a registry, as Docker's RepoDigests.
 * Kept in the image record, images/<id>.json, as "repo_digests". */
#pragma once
#include "base/err.h"
#include "image/ref.h"
#include "image/store.h"

/* Add one (no duplicates), taking it off any other image that had it;
 * an older digest of the same name stays, as in Docker.  Caller holds
 * the lock. */
int image_repo_digest_add(struct image_store *s, const char *id, const char *repo_digest, struct herr *err);
/* 1 and ret_id when an image records repo_digest, 0 when none does. */
int image_repo_digest_find(struct image_store *s, const char *repo_digest, char ret_id[IMAGE_DIGEST_LEN + 1],
                           struct herr *err);
