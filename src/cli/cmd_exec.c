/* hull exec: Docker's flags -> engine_exec -> the command's exit status. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/strv.h"
#include "cli/cli.h"
#include "engine/exec.h"

static const char exec_help[] =
        "\nUsage:  hull exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
        "Execute a command in a running container\n\n"
        "Options:\n"
        "  -d, --detach               Detached mode: run command in the background\n"
        "      --detach-keys string   Override the key sequence for detaching a container (ignored)\n"
        "  -e, --env list             Set environment variables\n"
        "      --env-file list        Read in a file of environment variables\n"
        "  -i, --interactive          Keep STDIN open even if not attached\n"
        "      --privileged           Give extended privileges to the command\n"
        "  -t, --tty                  Allocate a pseudo-TTY\n"
        "  -u, --user string          Username or UID (format: \"<name|uid>[:<group|gid>]\")\n"
        "  -w, --workdir string       Working directory inside the container\n"
        "      --help                 Print usage\n";

enum { OPT_ENV_FILE = 256, OPT_PRIVILEGED, OPT_DETACH_KEYS, OPT_HELP };

static const struct option exec_long[] = {
        { "detach", no_argument, NULL, 'd' },
        { "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
        { "env", required_argument, NULL, 'e' },
        { "env-file", required_argument, NULL, OPT_ENV_FILE },
        { "interactive", no_argument, NULL, 'i' },
        { "privileged", no_argument, NULL, OPT_PRIVILEGED },
        { "tty", no_argument, NULL, 't' },
        { "user", required_argument, NULL, 'u' },
        { "workdir", required_argument, NULL, 'w' },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or an exit status. */
static int parse_one(struct exec_opts *o, int c, char **argv)
{
        switch (c) {
        case 'd': o->detach = 1; break;
        case 'i': o->interactive = 1; break;
        case 't': o->tty = 1; break;
        case 'e': strv_push(&o->env, optarg); break;
        case 'u': o->user = optarg; break;
        case 'w': o->workdir = optarg; break;
        case OPT_ENV_FILE: strv_push(&o->env_files, optarg); break;
        case OPT_PRIVILEGED: o->privileged = 1; break;
        case OPT_DETACH_KEYS: break;
        case OPT_HELP:
                fputs(exec_help, stdout);
                return 0;
        case ':':
                return cli_usage_error("exec", "flag needs an argument: %s", argv[optind - 1]);
        default:
                return cli_usage_error("exec", "unknown flag: %s", argv[optind - 1]);
        }
        return -1;
}

int cmd_exec(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct exec_opts o = { 0 };
        int c, status = -1;
        optind = 0;
        opterr = 0;
        while (status < 0 && (c = getopt_long(argc, argv, "+:ditu:w:e:", exec_long, NULL)) != -1)
                status = parse_one(&o, c, argv);
        if (status < 0 && argc - optind < 2)
                status = cli_usage_error("exec", "\"hull exec\" requires at least 2 arguments.");
        if (status < 0) {
                struct herr err = { 0 };
                o.cmd = argv + optind + 1;
                if (engine_exec(ctx, argv[optind], &o, &status, &err) < 0)
                        status = cli_fail(&err);
        }
        strv_free(o.env);
        strv_free(o.env_files);
        return status;
}
