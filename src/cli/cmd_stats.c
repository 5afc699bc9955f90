/* hull top, stats, pause, unpause: Docker's output for what the engine
 * reads from a container's cgroup. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "engine/stats.h"

/* Options: only --help, for commands that take nothing else. */
static int parse_help_only(const char *cmd, const char *help, int argc, char **argv, int stop_at_arg)
{
        static const struct option longs[] = { { "help", no_argument, NULL, 'H' }, { NULL, 0, NULL, 0 } };
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, stop_at_arg ? "+:" : ":", longs, NULL)) != -1) {
                if (c == 'H') {
                        fputs(help, stdout);
                        return 0;
                }
                return cli_usage_error(cmd, "unknown flag: %s", argv[optind - 1]);
        }
        return -1;
}

/* ---- top ---- */

static const char top_help[] = "\nUsage:  hull top CONTAINER [ps OPTIONS]\n\n"
                               "Display the running processes of a container\n\n"
                               "(ps options are accepted and ignored: the columns are ps -ef's)\n";

/* docker top's tabwriter: columns at least 20 wide, 3 spaces of padding,
 * the last column (CMD) as it is. */
static void top_print(const struct top_table *t)
{
        size_t w[TOP_NCOLS];
        for (size_t j = 0; j < TOP_NCOLS; j++) {
                w[j] = strlen(top_titles[j]) + 3;
                for (size_t i = 0; i < t->n; i++)
                        if (strlen(t->rows[i][j]) + 3 > w[j])
                                w[j] = strlen(t->rows[i][j]) + 3;
                if (w[j] < 20)
                        w[j] = 20;
        }
        for (size_t j = 0; j < TOP_NCOLS; j++)
                printf("%-*s", j + 1 < TOP_NCOLS ? (int)w[j] : 0, top_titles[j]);
        putchar('\n');
        for (size_t i = 0; i < t->n; i++) {
                for (size_t j = 0; j < TOP_NCOLS; j++)
                        printf("%-*s", j + 1 < TOP_NCOLS ? (int)w[j] : 0, t->rows[i][j]);
                putchar('\n');
        }
}

int cmd_top(const struct engine_ctx *ctx, int argc, char **argv)
{
        int status = parse_help_only("top", top_help, argc, argv, 1);
        if (status >= 0)
                return status;
        if (optind >= argc)
                return cli_usage_error("top", "\"hull top\" requires at least 1 argument.");
        struct herr err = { 0 };
        struct top_table t;
        if (engine_top(ctx, argv[optind], &t, &err) < 0)
                return cli_fail(&err);
        top_print(&t);
        top_table_free(&t);
        return 0;
}

/* ---- stats ---- */

static const char stats_help[] =
        "\nUsage:  hull stats [OPTIONS] [CONTAINER...]\n\n"
        "Display a live stream of container(s) resource usage statistics\n\n"
        "Options:\n"
        "  -a, --all             Show all containers (default shows just running; ignored)\n"
        "      --format string   Format output using a custom template\n"
        "      --no-stream       Disable streaming stats and only pull the first result\n"
        "      --no-trunc        Do not truncate output\n"
        "      --help            Print usage\n";

static const struct format_field stats_fields[] = {
        { "Container", "CONTAINER" }, { "ID", "CONTAINER ID" },         { "Name", "NAME" },
        { "CPUPerc", "CPU %" },       { "MemUsage", "MEM USAGE / LIMIT" }, { "MemPerc", "MEM %" },
        { "NetIO", "NET I/O" },       { "BlockIO", "BLOCK I/O" },       { "PIDs", "PIDS" },
        { NULL, NULL },
};

#define STATS_TABLE \
        "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}"

struct stats_opts {
        int no_stream, no_trunc;
        const char *format;
};

/* Docker's units.BytesSize: binary units, four significant digits. */
static void bytes_size(uint64_t b, char *buf, size_t len)
{
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        double v = (double)b;
        size_t u = 0;
        while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1024;
                u++;
        }
        snprintf(buf, len, "%.4g%s", v, units[u]);
}

static char *pair(uint64_t a, uint64_t b, int binary)
{
        char x[32], y[32];
        if (binary) {
                bytes_size(a, x, sizeof x);
                bytes_size(b, y, sizeof y);
        } else {
                cli_human_size((long long)a, x, sizeof x);
                cli_human_size((long long)b, y, sizeof y);
        }
        return xasprintf("%s / %s", x, y);
}

/* A container that is not running shows zeros, as in docker stats. */
static json_t *stats_row(const struct stats_sample *s, const struct stats_sample *prev, int no_trunc)
{
        char id[65], cpu[32], memp[32], pids[32];
        snprintf(id, sizeof id, "%.*s", no_trunc ? 64 : 12, s->id);
        snprintf(cpu, sizeof cpu, "%.2f%%", stats_cpu_percent(prev, s));
        snprintf(memp, sizeof memp, "%.2f%%", stats_mem_percent(s));
        snprintf(pids, sizeof pids, "%llu", (unsigned long long)s->pids);
        _cleanup_free_ char *mem = pair(s->mem_usage, s->mem_limit, 1);
        _cleanup_free_ char *net = pair(s->net_rx, s->net_tx, 0);
        _cleanup_free_ char *blk = pair(s->blk_read, s->blk_write, 0);
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", s->name[0] ? s->name : id,
                         "ID", id, "Name", s->name[0] ? s->name : "--", "CPUPerc", cpu, "MemUsage", mem, "MemPerc",
                         memp, "NetIO", net, "BlockIO", blk, "PIDs", pids);
}

static const struct stats_sample *find_prev(const struct stats_sample *v, size_t n, const char *id)
{
        for (size_t i = 0; v && i < n; i++)
                if (!strcmp(v[i].id, id))
                        return &v[i];
        return NULL;
}

static int stats_print(struct format *f, const struct stats_sample *cur, size_t n, const struct stats_sample *prev,
                       size_t pn, const struct stats_opts *o, struct herr *err)
{
        for (size_t i = 0; i < n; i++) {
                json_t *row = stats_row(&cur[i], find_prev(prev, pn, cur[i].id), o->no_trunc);
                int r = format_row(f, row, stdout, err);
                json_decref(row);
                if (r < 0)
                        return -1;
        }
        return format_flush(f, stdout, err);
}

static long long mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sleep until one second after since_ns: docker samples once a second. */
static void wait_second(long long since_ns)
{
        long long left = since_ns + 1000000000LL - mono_ns();
        if (left > 0) {
                struct timespec d = { .tv_sec = left / 1000000000LL, .tv_nsec = left % 1000000000LL };
                nanosleep(&d, NULL);
        }
}

/* CPU % needs two samples, so even --no-stream prints after a second. */
static int stats_loop(const struct engine_ctx *ctx, char **refs, struct format *f, const struct stats_opts *o,
                      struct herr *err)
{
        struct stats_sample *prev = NULL, *cur = NULL;
        size_t pn = 0, n = 0;
        long long last = mono_ns();
        int r = engine_stats(ctx, refs, &prev, &pn, err);
        while (r == 0) {
                wait_second(last);
                last = mono_ns();
                if ((r = engine_stats(ctx, refs, &cur, &n, err)) < 0)
                        break;
                if (!o->no_stream)
                        fputs("\033[2J\033[H", stdout);
                r = stats_print(f, cur, n, prev, pn, o, err);
                free(prev);
                prev = TAKE_PTR(cur);
                pn = n;
                if (o->no_stream)
                        break;
        }
        free(prev);
        free(cur);
        return r;
}

int cmd_stats(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option longs[] = {
                { "all", no_argument, NULL, 'a' },          { "format", required_argument, NULL, 'F' },
                { "no-stream", no_argument, NULL, 'S' },    { "no-trunc", no_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'H' },         { NULL, 0, NULL, 0 },
        };
        struct stats_opts o = { 0 };
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":a", longs, NULL)) != -1) {
                switch (c) {
                case 'a': break;
                case 'F': o.format = optarg; break;
                case 'S': o.no_stream = 1; break;
                case 'T': o.no_trunc = 1; break;
                case 'H': fputs(stats_help, stdout); return 0;
                case ':': return cli_usage_error("stats", "flag needs an argument: %s", argv[optind - 1]);
                default: return cli_usage_error("stats", "unknown flag: %s", argv[optind - 1]);
                }
        }
        struct herr err = { 0 };
        _cleanup_(format_freep) struct format *f = NULL;
        if (format_compile(o.format && *o.format ? o.format : STATS_TABLE, stats_fields, STATS_TABLE, &f, &err) < 0)
                return cli_fail(&err);
        return stats_loop(ctx, argv + optind, f, &o, &err) < 0 ? cli_fail(&err) : 0;
}

/* ---- pause / unpause ---- */

static int each_container(const struct engine_ctx *ctx, const char *cmd, const char *help, int argc, char **argv,
                          int (*fn)(const struct engine_ctx *, const char *, struct herr *))
{
        int status = parse_help_only(cmd, help, argc, argv, 0);
        if (status >= 0)
                return status;
        if (optind >= argc)
                return cli_usage_error(cmd, "\"hull %s\" requires at least 1 argument.", cmd);
        status = 0;
        for (int i = optind; i < argc; i++) {
                struct herr err = { 0 };
                if (fn(ctx, argv[i], &err) < 0) {
                        cli_fail(&err);
                        status = 1;
                } else {
                        printf("%s\n", argv[i]);
                }
        }
        return status;
}

int cmd_pause(const struct engine_ctx *ctx, int argc, char **argv)
{
        return each_container(ctx, "pause", "\nUsage:  hull pause CONTAINER [CONTAINER...]\n\n"
                                            "Pause all processes within one or more containers\n",
                              argc, argv, engine_pause);
}

int cmd_unpause(const struct engine_ctx *ctx, int argc, char **argv)
{
        return each_container(ctx, "unpause", "\nUsage:  hull unpause CONTAINER [CONTAINER...]\n\n"
                                              "Unpause all processes within one or more containers\n",
                              argc, argv, engine_unpause);
}
