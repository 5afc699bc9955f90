/* create, start, stop, kill, restart, wait, rm, rename, inspect and the
 * `container` group: parse, call one engine function per container, print. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/strv.h"
#include "cli/cli.h"

/* Parse "-t N"-style and boolean flags shared by these commands. */
struct lc_opts {
        int time;               /* -t/--time, -1 when not given */
        int force, volumes, attach, interactive, no_trunc;
        const char *signal;
        const char *format;
};

static int lc_parse(const char *cmd, const char *shorts, const struct option *longs, int argc, char **argv,
                    struct lc_opts *o, const char *help)
{
        int c;
        memset(o, 0, sizeof *o);
        o->time = -1;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
                switch (c) {
                case 't': {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (!*optarg || *end || v < 0)
                                return cli_usage_error(cmd, "invalid --time \"%s\"", optarg);
                        o->time = (int)v;
                        break;
                }
                case 'f': o->force = 1; break;
                case 'v': o->volumes = 1; break;
                case 'a': o->attach = 1; break;
                case 'i': o->interactive = 1; break;
                case 's': o->signal = optarg; break;
                case 'F': o->format = optarg; break;
                case 'H': fputs(help, stdout); return 0;
                case ':': return cli_usage_error(cmd, "flag needs an argument: %s", argv[optind - 1]);
                default: return cli_usage_error(cmd, "unknown flag: %s", argv[optind - 1]);
                }
        }
        return -1;
}

#define HELP_OPT { "help", no_argument, NULL, 'H' }

/* Run fn on every named container, printing each ref on success like
 * Docker, and the first... every error on stderr; 1 if any failed. */
static int each(const struct engine_ctx *ctx, const char *cmd, int argc, char **argv, int print,
                int (*fn)(const struct engine_ctx *, const char *, const struct lc_opts *, struct herr *),
                const struct lc_opts *o)
{
        if (optind >= argc)
                return cli_usage_error(cmd, "\"hull %s\" requires at least 1 argument.", cmd);
        int status = 0;
        for (int i = optind; i < argc; i++) {
                struct herr err = { 0 };
                if (fn(ctx, argv[i], o, &err) < 0) {
                        cli_fail(&err);
                        status = 1;
                } else if (print) {
                        printf("%s\n", argv[i]);
                }
        }
        return status;
}

static int do_stop(const struct engine_ctx *ctx, const char *ref, const struct lc_opts *o, struct herr *err)
{
        return engine_stop(ctx, ref, o->time, err);
}

static int do_restart(const struct engine_ctx *ctx, const char *ref, const struct lc_opts *o, struct herr *err)
{
        return engine_restart(ctx, ref, o->time, err);
}

static int do_kill(const struct engine_ctx *ctx, const char *ref, const struct lc_opts *o, struct herr *err)
{
        int sig = o->signal ? signal_from_name(o->signal) : SIGKILL;
        if (sig < 0)
                return herr_set(err, 0, "invalid signal: %s", o->signal);
        return engine_kill(ctx, ref, sig, err);
}

static int do_rm(const struct engine_ctx *ctx, const char *ref, const struct lc_opts *o, struct herr *err)
{
        return engine_rm(ctx, ref, (o->force ? ENGINE_RM_FORCE : 0) | (o->volumes ? ENGINE_RM_VOLUMES : 0), err);
}

static int do_start(const struct engine_ctx *ctx, const char *ref, const struct lc_opts *o, struct herr *err)
{
        int status;
        return engine_start(ctx, ref, 0, 0, &status, err);
}

int cmd_stop(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = { { "time", required_argument, NULL, 't' }, HELP_OPT, { 0 } };
        struct lc_opts o;
        int r = lc_parse("stop", "+:t:", l, argc, argv, &o,
                         "\nUsage:  hull stop [OPTIONS] CONTAINER [CONTAINER...]\n\nStop one or more running containers\n\n"
                         "Options:\n  -t, --time int   Seconds to wait before killing the container (default 10)\n");
        return r >= 0 ? r : each(ctx, "stop", argc, argv, 1, do_stop, &o);
}

int cmd_restart(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = { { "time", required_argument, NULL, 't' }, HELP_OPT, { 0 } };
        struct lc_opts o;
        int r = lc_parse("restart", "+:t:", l, argc, argv, &o,
                         "\nUsage:  hull restart [OPTIONS] CONTAINER [CONTAINER...]\n\nRestart one or more containers\n\n"
                         "Options:\n  -t, --time int   Seconds to wait before killing the container (default 10)\n");
        return r >= 0 ? r : each(ctx, "restart", argc, argv, 1, do_restart, &o);
}

int cmd_kill(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = { { "signal", required_argument, NULL, 's' }, HELP_OPT, { 0 } };
        struct lc_opts o;
        int r = lc_parse("kill", "+:s:", l, argc, argv, &o,
                         "\nUsage:  hull kill [OPTIONS] CONTAINER [CONTAINER...]\n\nKill one or more running containers\n\n"
                         "Options:\n  -s, --signal string   Signal to send to the container (default \"KILL\")\n");
        if (r >= 0)
                return r;
        if (o.signal && signal_from_name(o.signal) < 0)
                return cli_usage_error("kill", "invalid signal: %s", o.signal);
        return each(ctx, "kill", argc, argv, 1, do_kill, &o);
}

int cmd_rm(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = {
                { "force", no_argument, NULL, 'f' }, { "volumes", no_argument, NULL, 'v' }, HELP_OPT, { 0 },
        };
        struct lc_opts o;
        int r = lc_parse("rm", "+fv", l, argc, argv, &o,
                         "\nUsage:  hull rm [OPTIONS] CONTAINER [CONTAINER...]\n\nRemove one or more containers\n\n"
                         "Options:\n  -f, --force     Force the removal of a running container (uses SIGKILL)\n"
                         "  -v, --volumes   Remove anonymous volumes associated with the container\n");
        return r >= 0 ? r : each(ctx, "rm", argc, argv, 1, do_rm, &o);
}

int cmd_start(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = {
                { "attach", no_argument, NULL, 'a' }, { "interactive", no_argument, NULL, 'i' }, HELP_OPT, { 0 },
        };
        struct lc_opts o;
        int r = lc_parse("start", "+ai", l, argc, argv, &o,
                         "\nUsage:  hull start [OPTIONS] CONTAINER [CONTAINER...]\n\nStart one or more stopped containers\n\n"
                         "Options:\n  -a, --attach        Attach STDOUT/STDERR and forward signals\n"
                         "  -i, --interactive   Attach container's STDIN\n");
        if (r >= 0)
                return r;
        if (!o.attach && !o.interactive)
                return each(ctx, "start", argc, argv, 1, do_start, &o);
        if (argc - optind != 1)
                return cli_usage_error("start", "you cannot start and attach multiple containers at once");
        struct herr err = { 0 };
        int status = 0;
        if (engine_start(ctx, argv[optind], 1, o.interactive, &status, &err) < 0)
                return cli_fail(&err);
        return status;
}

int cmd_wait(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = { HELP_OPT, { 0 } };
        struct lc_opts o;
        int r = lc_parse("wait", "+", l, argc, argv, &o,
                         "\nUsage:  hull wait CONTAINER [CONTAINER...]\n\nBlock until one or more containers stop, then print their exit codes\n");
        if (r >= 0)
                return r;
        if (optind >= argc)
                return cli_usage_error("wait", "\"hull wait\" requires at least 1 argument.");
        int status = 0;
        for (int i = optind; i < argc; i++) {
                struct herr err = { 0 };
                int code;
                if (engine_wait(ctx, argv[i], &code, &err) < 0) {
                        cli_fail(&err);
                        status = 1;
                } else {
                        printf("%d\n", code);
                        fflush(stdout);
                }
        }
        return status;
}

int cmd_rename(const struct engine_ctx *ctx, int argc, char **argv)
{
        if (argc == 2 && !strcmp(argv[1], "--help")) {
                fputs("\nUsage:  hull rename CONTAINER NEW_NAME\n\nRename a container\n", stdout);
                return 0;
        }
        if (argc != 3)
                return cli_usage_error("rename", "\"hull rename\" requires exactly 2 arguments.");
        struct herr err = { 0 };
        return engine_rename(ctx, argv[1], argv[2], &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_inspect(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = { { "format", required_argument, NULL, 'F' }, HELP_OPT, { 0 } };
        struct lc_opts o;
        int r = lc_parse("inspect", "+:f:", l, argc, argv, &o,
                         "\nUsage:  hull inspect [OPTIONS] CONTAINER [CONTAINER...]\n\nReturn low-level information on containers\n");
        if (r >= 0)
                return r;
        if (optind >= argc)
                return cli_usage_error("inspect", "\"hull inspect\" requires at least 1 argument.");
        _cleanup_json_ json_t *all = json_array();
        int status = 0;
        for (int i = optind; i < argc; i++) {
                struct herr err = { 0 };
                json_t *j;
                if (engine_inspect(ctx, argv[i], &j, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err.msg);
                        status = 1;
                        continue;
                }
                json_array_append_new(all, j);
        }
        json_dumpf(all, stdout, JSON_INDENT(4));
        fputc('\n', stdout);
        return status;
}

int cmd_create(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct run_args a;
        int status = run_args_parse(&a, argc, argv);
        if (status < 0) {
                struct herr err = { 0 };
                struct run_result res = { 0 };
                a.o.create_only = 1;
                if (engine_run(ctx, &a.o, &res, &err) < 0) {
                        status = cli_fail(&err);
                } else {
                        printf("%s\n", res.id);
                        status = 0;
                }
        }
        run_args_free(&a);
        return status;
}

static int container_prune(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = { { "force", no_argument, NULL, 'f' }, HELP_OPT, { 0 } };
        struct lc_opts o;
        int r = lc_parse("container prune", "+f", l, argc, argv, &o,
                         "\nUsage:  hull container prune [OPTIONS]\n\nRemove all stopped containers\n\n"
                         "Options:\n  -f, --force   Do not prompt for confirmation\n");
        if (r >= 0)
                return r;
        _cleanup_strv_ char **removed = NULL;
        struct herr err = { 0 };
        int status = engine_prune(ctx, &removed, &err) < 0 ? cli_fail(&err) : 0;
        if (removed && removed[0]) {
                printf("Deleted Containers:\n");
                for (size_t i = 0; removed[i]; i++)
                        printf("%s\n", removed[i]);
                printf("\n");
        }
        printf("Total reclaimed space: 0B\n");
        return status;
}

int cmd_container(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(const struct engine_ctx *, int, char **);
        } subs[] = {
                { "ls", cmd_ps },           { "list", cmd_ps },       { "ps", cmd_ps },
                { "prune", container_prune }, { "create", cmd_create }, { "run", cmd_run },
                { "start", cmd_start },     { "stop", cmd_stop },     { "kill", cmd_kill },
                { "restart", cmd_restart }, { "wait", cmd_wait },     { "rm", cmd_rm },
                { "rename", cmd_rename },   { "inspect", cmd_inspect }, { "logs", cmd_logs },
                { "exec", cmd_exec },       { "top", cmd_top },       { "stats", cmd_stats },
                { "pause", cmd_pause },     { "unpause", cmd_unpause }, { "attach", cmd_attach },
        };
        if (argc < 2 || !strcmp(argv[1], "--help")) {
                printf("\nUsage:  hull container COMMAND\n\nManage containers\n\nCommands:\n");
                for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
                        printf("  %s\n", subs[i].name);
                return argc < 2 ? 125 : 0;
        }
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
                if (!strcmp(argv[1], subs[i].name))
                        return subs[i].fn(ctx, argc - 1, argv + 1);
        return cli_usage_error("container", "'%s' is not a hull container command.", argv[1]);
}
