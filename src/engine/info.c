#include "engine/engine.h"

#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#include "engine/container.h"
#include "image/image.h"

static const char *cgroup_kind(void)
{
        struct statfs sf;
        if (statfs("/sys/fs/cgroup", &sf) < 0)
                return "none";
        if (sf.f_type == CGROUP2_SUPER_MAGIC)
                return "2";
        if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
                return "1 (hybrid: v1 controllers with a cgroup2 mount)";
        return "1";
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
