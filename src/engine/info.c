#include "engine/engine.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "engine/container.h"
#include "image/image.h"
#include "runtime/cgroup.h"

/* Docker prints "Cgroup Version: 1" or "2"; hybrid hosts are v1 to it. */
static const char *cgroup_kind(void)
{
        switch (rt_cgroup_mode()) {
        case RT_CGROUP_V2:
                return "2";
        case RT_CGROUP_HYBRID:
                return "1 (hybrid: v1 controllers with a cgroup2 mount)";
        case RT_CGROUP_V1:
                return "1";
        default:
                return "none";
        }
}

int engine_info(const struct engine_ctx *ctx, struct engine_info *ret, struct herr *err)
{
        memset(ret, 0, sizeof *ret);
        snprintf(ret->storage_driver, sizeof ret->storage_driver, "overlay");
        snprintf(ret->cgroup_kind, sizeof ret->cgroup_kind, "%s", cgroup_kind());
        struct utsname u;
        if (uname(&u) == 0)
                snprintf(ret->kernel, sizeof ret->kernel, "%s", u.release);
        struct image_store *s = NULL;
        if (image_store_open(ctx->root, &s, err) < 0)
                return -1;
        ret->images = image_count(s);
        image_store_close(s);
        ret->containers = container_count(ctx);
        return 0;
}
