/* Writing tar entries into a layer directory without ever leaving it.
 * Part of hull-archive.so. */
#pragma once
#include <archive.h>
#include <archive_entry.h>
#include "base/err.h"

struct unpack;

/* rootfd: the (empty) directory that becomes the layer's root. */
int unpack_new(int rootfd, struct unpack **ret, struct herr *err);
/* Write entry e (and its data, read from a) below the root. */
int unpack_entry(struct unpack *u, struct archive *a, struct archive_entry *e, struct herr *err);
/* Apply the directory modes and times held back until every entry is in. */
int unpack_finish(struct unpack *u, struct herr *err);
/* Bytes of regular-file content written so far. */
long long unpack_size(const struct unpack *u);
void unpack_free(struct unpack *u);

static inline void unpack_freep(struct unpack **u)
{
        unpack_free(*u);
}
