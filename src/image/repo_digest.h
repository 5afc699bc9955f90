/* Repository digests: "name@sha256:<manifest digest>" recorded for an
 * image pulled from (or pushed to) a registry, as Docker's RepoDigests.
 * Kept beside the tags in repositories.json, as a map
 *   {"tags": {...}, "digests": {"name@sha256:<manifest>": "sha256:<id>"}}
 * so that a digest names one image and moves to the newest one (the same
 * layout the `hull load`/`images --digests` work uses). */
#pragma once
#include <jansson.h>
#include "base/err.h"
#include "image/ref.h"
#include "image/store.h"

/* Point repo_digest at id.  Caller holds the lock. */
int image_repo_digest_add(struct image_store *s, const char *id, const char *repo_digest, struct herr *err);
/* 1 and ret_id when repo_digest is recorded, 0 when not. */
int image_repo_digest_find(struct image_store *s, const char *repo_digest, char ret_id[IMAGE_DIGEST_LEN + 1],
                           struct herr *err);
/* The "digests" object (new reference; empty when none). */
int image_repo_digests_load(struct image_store *s, json_t **ret, struct herr *err);
