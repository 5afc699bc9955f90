/* A container's place in the state store: <root>/containers/<id>/ with
 * its config, overlay upper and work directories and the files hull
 * supplies (hostname, hosts, resolv.conf); names are reserved atomically
 * as symlinks <root>/names/<name> -> <id>. */
#pragma once
#include "base/err.h"
#include "engine/engine.h"

struct container {
        char id[65];
        char name[129];
        char *dir;
        int dirfd;
};

#define CONTAINER_INIT { .dirfd = -1 }

/* name NULL: generate one.  On error nothing is left behind. */
int container_new(const struct engine_ctx *ctx, const char *name, struct container *ret, struct herr *err);
/* Remove the directory and the name.  Never crosses a mount point. */
int container_remove(const struct engine_ctx *ctx, struct container *c, struct herr *err);
void container_close(struct container *c);
int container_count(const struct engine_ctx *ctx);
/* Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int container_name_valid(const char *name);
