#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "cli/cli.h"

static const char run_help[] =
        "\nUsage:  hull run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
        "Create and run a new container from an image\n\n"
        "Options:\n"
        "      --cap-add list             Add Linux capabilities\n"
        "      --cap-drop list            Drop Linux capabilities\n"
        "  -d, --detach                   Run container in background and print container ID\n"
        "      --dry-run                  Print the OCI runtime config and do not run\n"
        "      --entrypoint string        Overwrite the default ENTRYPOINT of the image\n"
        "  -e, --env list                 Set environment variables\n"
        "      --env-file list            Read in a file of environment variables\n"
        "  -h, --hostname string          Container host name\n"
        "      --init                     Run an init inside the container that forwards signals and reaps processes\n"
        "  -i, --interactive              Keep STDIN open even if not attached\n"
        "      --name string              Assign a name to the container\n"
        "      --network string           Connect a container to a network (none, host)\n"
        "      --privileged               Give extended privileges to this container\n"
        "      --read-only                Mount the container's root filesystem as read only\n"
        "      --rm                       Automatically remove the container when it exits\n"
        "      --security-opt list        Security Options (no-new-privileges, seccomp=unconfined|FILE)\n"
        "  -t, --tty                      Allocate a pseudo-TTY\n"
        "  -u, --user string              Username or UID (format: <name|uid>[:<group|gid>])\n"
        "  -w, --workdir string           Working directory inside the container\n"
        "      --help                     Print usage\n";

enum {
        OPT_RM = 256, OPT_NAME, OPT_ENV_FILE, OPT_ENTRYPOINT, OPT_INIT, OPT_PRIVILEGED, OPT_CAP_ADD,
        OPT_CAP_DROP, OPT_SECURITY_OPT, OPT_READ_ONLY, OPT_NETWORK, OPT_DRY_RUN, OPT_HELP,
};

static const struct option run_opts_long[] = {
        { "interactive", no_argument, NULL, 'i' },
        { "tty", no_argument, NULL, 't' },
        { "detach", no_argument, NULL, 'd' },
        { "env", required_argument, NULL, 'e' },
        { "workdir", required_argument, NULL, 'w' },
        { "user", required_argument, NULL, 'u' },
        { "hostname", required_argument, NULL, 'h' },
        { "rm", no_argument, NULL, OPT_RM },
        { "name", required_argument, NULL, OPT_NAME },
        { "env-file", required_argument, NULL, OPT_ENV_FILE },
        { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
        { "init", no_argument, NULL, OPT_INIT },
        { "privileged", no_argument, NULL, OPT_PRIVILEGED },
        { "cap-add", required_argument, NULL, OPT_CAP_ADD },
        { "cap-drop", required_argument, NULL, OPT_CAP_DROP },
        { "security-opt", required_argument, NULL, OPT_SECURITY_OPT },
        { "read-only", no_argument, NULL, OPT_READ_ONLY },
        { "network", required_argument, NULL, OPT_NETWORK },
        { "net", required_argument, NULL, OPT_NETWORK },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
};

void run_args_free(struct run_args *a)
{
        strv_free(a->env);
        strv_free(a->env_files);
        strv_free(a->cap_add);
        strv_free(a->cap_drop);
}

static int security_opt(struct run_opts *o, const char *v)
{
        if (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges:true") ||
            !strcmp(v, "no-new-privileges=true")) {
                o->no_new_privileges = 1;
                return 0;
        }
        if (!strcmp(v, "no-new-privileges:false") || !strcmp(v, "no-new-privileges=false")) {
                o->no_new_privileges = 0;
                return 0;
        }
        if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8)) {
                if (!v[8])
                        return -1;
                o->seccomp = v + 8;
                return 0;
        }
        return -1;
}

/* Returns -1 to go on, or an exit status. */
static int parse_one(struct run_args *a, int c, char **argv)
{
        struct run_opts *o = &a->o;
        switch (c) {
        case 'i': o->interactive = 1; break;
        case 't': o->tty = 1; break;
        case 'd': o->detach = 1; break;
        case 'e': strv_push(&a->env, optarg); break;
        case 'w': o->workdir = optarg; break;
        case 'u': o->user = optarg; break;
        case 'h': o->hostname = optarg; break;
        case OPT_RM: o->rm = 1; break;
        case OPT_NAME: o->name = optarg; break;
        case OPT_ENV_FILE: strv_push(&a->env_files, optarg); break;
        case OPT_ENTRYPOINT: o->entrypoint = optarg; break;
        case OPT_INIT: o->init = 1; break;
        case OPT_PRIVILEGED: o->privileged = 1; break;
        case OPT_CAP_ADD: strv_push(&a->cap_add, optarg); break;
        case OPT_CAP_DROP: strv_push(&a->cap_drop, optarg); break;
        case OPT_READ_ONLY: o->read_only = 1; break;
        case OPT_NETWORK: o->network = optarg; break;
        case OPT_DRY_RUN: o->dry_run = 1; break;
        case OPT_SECURITY_OPT:
                if (security_opt(o, optarg) < 0)
                        return cli_usage_error("run", "invalid --security-opt: \"%s\"", optarg);
                break;
        case OPT_HELP:
                fputs(run_help, stdout);
                return 0;
        case ':':
                return cli_usage_error("run", "flag needs an argument: %s", argv[optind - 1]);
        default:
                return cli_usage_error("run", "unknown flag: %s", argv[optind - 1]);
        }
        return -1;
}

int run_args_parse(struct run_args *a, int argc, char **argv)
{
        int c, status = -1;
        memset(a, 0, sizeof *a);
        optind = 0;
        opterr = 0;
        while (status < 0 && (c = getopt_long(argc, argv, "+:itde:w:u:h:", run_opts_long, NULL)) != -1)
                status = parse_one(a, c, argv);
        if (status >= 0)
                return status;
        if (optind >= argc)
                return cli_usage_error("run", "\"hull run\" requires at least 1 argument.");
        a->o.image = argv[optind];
        a->o.cmd = argv + optind + 1;
        a->o.env = a->env;
        a->o.env_files = a->env_files;
        a->o.cap_add = a->cap_add;
        a->o.cap_drop = a->cap_drop;
        return -1;
}

int cmd_run(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct run_args a;
        int status = run_args_parse(&a, argc, argv);
        if (status < 0) {
                struct herr err = { 0 };
                if (engine_run(ctx, &a.o, &status, &err) < 0)
                        status = cli_fail(&err);
        }
        run_args_free(&a);
        return status;
}
