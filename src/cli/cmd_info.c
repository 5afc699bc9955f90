#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"

int cmd_version(const struct engine_ctx *ctx, int argc, char **argv)
{
        printf("hull version %s\n", HULL_VERSION);
        return 0;
}

int cmd_info(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc > 1 && !strcmp(argv[1], "--help")) {
                fputs("\nUsage:  hull info\n\nDisplay system-wide information\n", stdout);
                return 0;
        }
        if (argc > 1)
                return cli_usage_error("info", "\"hull info\" accepts no arguments.");
        struct engine_info info;
        struct herr err = { 0 };
        if (engine_info(ctx, &info, &err) < 0)
                return cli_fail(&err);
        printf("Client: hull %s\n", HULL_VERSION);
        printf("Server:\n");
        printf(" Containers: %d\n", info.containers);
        printf(" Images: %d\n", info.images);
        printf(" Storage Driver: %s\n", info.storage_driver);
        printf(" Cgroup Version: %s\n", info.cgroup_kind);
        printf(" Kernel Version: %s\n", info.kernel);
        printf(" Hull Root Dir: %s\n", ctx->root);
        return 0;
}
