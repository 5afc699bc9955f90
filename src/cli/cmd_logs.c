/* hull logs, hull attach.  Errors exit 1 here, as docker's do (they come
 * from its daemon); bad flags exit 125. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/attach.h"
#include "engine/logfile.h"

static const char logs_help[] =
        "\nUsage:  hull logs [OPTIONS] CONTAINER\n\n"
        "Fetch the logs of a container\n\n"
        "Options:\n"
        "  -f, --follow         Follow log output\n"
        "      --since string   Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)\n"
        "  -n, --tail string    Number of lines to show from the end of the logs (default \"all\")\n"
        "  -t, --timestamps     Show timestamps\n"
        "      --until string   Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)\n"
        "      --help           Print usage\n";

static const char attach_help[] =
        "\nUsage:  hull attach [OPTIONS] CONTAINER\n\n"
        "Attach local standard input, output, and error streams to a running container\n\n"
        "Options:\n"
        "      --no-stdin    Do not attach STDIN\n"
        "      --sig-proxy   Proxy all received signals to the process (default true)\n"
        "      --help        Print usage\n";

enum { OPT_SINCE = 256, OPT_UNTIL, OPT_HELP, OPT_NO_STDIN, OPT_SIG_PROXY };

static int engine_failed(const struct herr *err)
{
        cli_fail(err);
        return 1;
}

static int parse_tail(const char *s, long long *ret)
{
        if (!strcmp(s, "all")) {
                *ret = -1;
                return 0;
        }
        char *end;
        long long n = strtoll(s, &end, 10);
        if (end == s || *end)
                return -1;
        *ret = n < 0 ? -1 : n;
        return 0;
}

static int parse_time(const char *flag, const char *v, int *has, struct timespec *ret)
{
        struct timespec now;
        struct herr err;
        clock_gettime(CLOCK_REALTIME, &now);
        if (log_time_arg(v, &now, ret, &err) < 0)
                return cli_usage_error("logs", "invalid value for %s: %s", flag, err.msg);
        *has = 1;
        return -1;
}

/* Returns -1 to go on, or the exit status. */
static int logs_parse(struct logs_opts *o, int argc, char **argv)
{
        static const struct option opts[] = {
                { "follow", no_argument, NULL, 'f' },
                { "tail", required_argument, NULL, 'n' },
                { "timestamps", no_argument, NULL, 't' },
                { "since", required_argument, NULL, OPT_SINCE },
                { "until", required_argument, NULL, OPT_UNTIL },
                { "help", no_argument, NULL, OPT_HELP },
                { NULL, 0, NULL, 0 },
        };
        int c, r = -1;
        optind = 0;
        while (r < 0 && (c = getopt_long(argc, argv, "+:fn:t", opts, NULL)) != -1) {
                switch (c) {
                case 'f': o->follow = 1; break;
                case 't': o->timestamps = 1; break;
                case 'n':
                        if (parse_tail(optarg, &o->tail) < 0)
                                return cli_usage_error("logs", "invalid value for --tail: \"%s\"", optarg);
                        break;
                case OPT_SINCE: r = parse_time("--since", optarg, &o->has_since, &o->since); break;
                case OPT_UNTIL: r = parse_time("--until", optarg, &o->has_until, &o->until); break;
                case OPT_HELP: fputs(logs_help, stdout); return 0;
                case ':': return cli_usage_error("logs", "flag needs an argument: %s", argv[optind - 1]);
                default: return cli_usage_error("logs", "unknown flag: %s", argv[optind - 1]);
                }
        }
        if (r < 0 && argc - optind != 1)
                return cli_usage_error("logs", "\"hull logs\" requires exactly 1 argument.");
        return r;
}

int cmd_logs(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct logs_opts o = { .tail = -1, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO };
        int r = logs_parse(&o, argc, argv);
        if (r >= 0)
                return r;
        struct herr err = { 0 };
        if (engine_logs(ctx, argv[optind], &o, &err) < 0)
                return engine_failed(&err);
        return 0;
}

static int parse_bool(const char *v, int *ret)
{
        if (!v || !strcmp(v, "true") || !strcmp(v, "1")) {
                *ret = 1;
                return 0;
        }
        if (!strcmp(v, "false") || !strcmp(v, "0")) {
                *ret = 0;
                return 0;
        }
        return -1;
}

int cmd_attach(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option opts[] = {
                { "no-stdin", no_argument, NULL, OPT_NO_STDIN },
                { "sig-proxy", optional_argument, NULL, OPT_SIG_PROXY },
                { "help", no_argument, NULL, OPT_HELP },
                { NULL, 0, NULL, 0 },
        };
        struct attach_opts o = { .sig_proxy = 1 };
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
                switch (c) {
                case OPT_NO_STDIN: o.no_stdin = 1; break;
                case OPT_SIG_PROXY:
                        if (parse_bool(optarg, &o.sig_proxy) < 0)
                                return cli_usage_error("attach", "invalid argument \"%s\" for \"--sig-proxy\" flag", optarg);
                        break;
                case OPT_HELP: fputs(attach_help, stdout); return 0;
                case ':': return cli_usage_error("attach", "flag needs an argument: %s", argv[optind - 1]);
                default: return cli_usage_error("attach", "unknown flag: %s", argv[optind - 1]);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("attach", "\"hull attach\" requires exactly 1 argument.");
        struct herr err = { 0 };
        int status = 0;
        if (engine_attach(ctx, argv[optind], &o, &status, &err) < 0)
                return engine_failed(&err);
        return status;
}
