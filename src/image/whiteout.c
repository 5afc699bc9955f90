#include "image/whiteout.h"

#include <string.h>

enum whiteout_kind whiteout_classify(const char *base, const char **ret_name)
{
        static const char meta[] = WHITEOUT_PREFIX WHITEOUT_PREFIX;
        const size_t plen = strlen(WHITEOUT_PREFIX);
        if (strncmp(base, WHITEOUT_PREFIX, plen) != 0)
                return WHITEOUT_NONE;
        if (strcmp(base, WHITEOUT_OPAQUE) == 0)
                return WHITEOUT_DIR_OPAQUE;
        if (strncmp(base, meta, strlen(meta)) == 0)
                return WHITEOUT_META;
        const char *name = base + plen;
        if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
                return WHITEOUT_INVALID;
        if (ret_name)
                *ret_name = name;
        return WHITEOUT_FILE;
}
