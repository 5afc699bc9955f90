/* OCI layer whiteouts and their overlayfs form.
 *
 * In a layer tar, ".wh.NAME" deletes NAME of the layers below, and
 * ".wh..wh..opq" in a directory hides everything below it in that
 * directory.  overlayfs spells the first as a character device 0:0 named
 * NAME and the second as the xattr trusted.overlay.opaque=y. */
#pragma once

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"

enum whiteout_kind {
        WHITEOUT_NONE,          /* an ordinary entry */
        WHITEOUT_FILE,          /* hides *ret_name */
        WHITEOUT_DIR_OPAQUE,    /* the directory holding it is opaque */
        WHITEOUT_META,          /* other ".wh..wh." AUFS bookkeeping: skipped */
        WHITEOUT_INVALID,       /* ".wh." with nothing after it */
};

/* base: the last component of an entry's path.  For WHITEOUT_FILE,
 * *ret_name points into base at the name being hidden. */
enum whiteout_kind whiteout_classify(const char *base, const char **ret_name);
