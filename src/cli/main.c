#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "config.h"

static const struct cli_cmd commands[] = {
        { "run", "Create and run a new container from an image", cmd_run },
        { "create", "Create a new container", cmd_create },
        { "start", "Start one or more stopped containers", cmd_start },
        { "ps", "List containers", cmd_ps },
        { "logs", "Fetch the logs of a container", cmd_logs },
        { "attach", "Attach local standard input, output, and error streams to a running container", cmd_attach },
        { "exec", "Execute a command in a running container", cmd_exec },
        { "stop", "Stop one or more running containers", cmd_stop },
        { "kill", "Kill one or more running containers", cmd_kill },
        { "restart", "Restart one or more containers", cmd_restart },
        { "wait", "Block until one or more containers stop, then print their exit codes", cmd_wait },
        { "rm", "Remove one or more containers", cmd_rm },
        { "rename", "Rename a container", cmd_rename },
        { "pause", "Pause all processes within one or more containers", cmd_pause },
        { "unpause", "Unpause all processes within one or more containers", cmd_unpause },
        { "top", "Display the running processes of a container", cmd_top },
        { "stats", "Display a live stream of container(s) resource usage statistics", cmd_stats },
        { "inspect", "Return low-level information on containers", cmd_inspect },
        { "container", "Manage containers (ls, prune, and the commands above)", cmd_container },
        { "images", "List images", cmd_images },
        { "image", "Manage images (ls, rm, tag, load, save, import, history, inspect, prune)", cmd_image },
        { "load", "Load an image from a tar archive or STDIN", cmd_load },
        { "save", "Save one or more images to a tar archive", cmd_save },
        { "import", "Import the contents from a tarball to create a filesystem image", cmd_import },
        { "export", "Export a container's filesystem as a tar archive", cmd_export },
        { "commit", "Create a new image from a container's changes", cmd_commit },
        { "tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", cmd_tag },
        { "rmi", "Remove one or more images", cmd_rmi },
        { "history", "Show the history of an image", cmd_history },
        { "system", "Manage hull (df, info)", cmd_system },
        { "network", "Manage networks", cmd_network },
        { "port", "List port mappings or a specific mapping for the container", cmd_port },
        { "volume", "Manage volumes", cmd_volume },
        { "pull", "Download an image from a registry", cmd_pull },
        { "push", "Upload an image to a registry", cmd_push },
        { "login", "Log in to a registry", cmd_login },
        { "logout", "Log out from a registry", cmd_logout },
        { "info", "Display system-wide information", cmd_info },
        { "version", "Show the hull version information", cmd_version },
};

static void usage(FILE *f)
{
        fprintf(f, "\nUsage:  hull [OPTIONS] COMMAND\n\n"
                   "A container engine: Docker's commands, no daemon\n\n"
                   "Options:\n"
                   "      --root string   Root of hull's state (default \"%s\", or $HULL_ROOT)\n"
                   "  -v, --version       Print version information and quit\n"
                   "      --help          Print usage\n\n"
                   "Commands:\n",
                HULL_DEFAULT_ROOT);
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
        fprintf(f, "\nRun 'hull COMMAND --help' for more information on a command.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "root", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'H' },
                { "version", no_argument, NULL, 'v' },
                { NULL, 0, NULL, 0 },
        };
        struct engine_ctx ctx = { .root = getenv("HULL_ROOT"), .run_dir = HULL_DEFAULT_RUNDIR };
        if (!ctx.root || !*ctx.root)
                ctx.root = HULL_DEFAULT_ROOT;
        opterr = 0;
        int c;
        while ((c = getopt_long(argc, argv, "+v", opts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        ctx.root = optarg;
                        break;
                case 'H':
                        usage(stdout);
                        return 0;
                case 'v':
                        return cmd_version(&ctx, 0, NULL);
                default:
                        return cli_usage_error(NULL, "unknown flag: %s", argv[optind - 1]);
                }
        }
        if (ctx.root[0] != '/')
                return cli_usage_error(NULL, "--root must be an absolute path, not \"%s\"", ctx.root);
        /* Runtime state (attach sockets) goes with the root: /run/hull for
         * the default one, <root>/run for any other, so that two roots
         * never share it. */
        char run_dir[4096];
        if (strcmp(ctx.root, HULL_DEFAULT_ROOT)) {
                snprintf(run_dir, sizeof run_dir, "%s/run", ctx.root);
                ctx.run_dir = run_dir;
        }
        if (optind >= argc) {
                usage(stderr);
                return HERR_ENGINE;
        }
        const char *name = argv[optind];
        if (!strcmp(name, "help")) {
                usage(stdout);
                return 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (!strcmp(name, commands[i].name)) {
                        /* Each command sees its own argv, [0] being its name,
                         * and restarts getopt with optind = 0. */
                        return commands[i].run(&ctx, argc - optind, argv + optind);
                }
        return cli_usage_error(NULL, "'%s' is not a hull command.", name);
}
