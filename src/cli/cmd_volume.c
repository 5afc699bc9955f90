/* hull volume create|ls|inspect|rm|prune, with Docker's flags and output. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "engine/volume.h"

struct vol_opts {
        int quiet, force, all;
        const char *name, *format;
        char **labels, **filters;
};

static void vol_opts_free(struct vol_opts *o)
{
        strv_free(o->labels);
        strv_free(o->filters);
}

static int vol_parse(const char *cmd, const char *shorts, int argc, char **argv, struct vol_opts *o, const char *help)
{
        static const struct option l[] = {
                { "quiet", no_argument, NULL, 'q' },       { "force", no_argument, NULL, 'f' },
                { "all", no_argument, NULL, 'a' },         { "name", required_argument, NULL, 'N' },
                { "label", required_argument, NULL, 'l' }, { "driver", required_argument, NULL, 'd' },
                { "opt", required_argument, NULL, 'o' },   { "filter", required_argument, NULL, 'F' },
                { "format", required_argument, NULL, 'T' }, { "help", no_argument, NULL, 'H' },
                { NULL, 0, NULL, 0 },
        };
        int c;
        memset(o, 0, sizeof *o);
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, shorts, l, NULL)) != -1) {
                switch (c) {
                case 'q': o->quiet = 1; break;
                case 'f':
                        /* volume rm -f: --force; ls -f: --filter; inspect -f: --format */
                        if (optarg)
                                strv_push(&o->filters, optarg);
                        else
                                o->force = 1;
                        break;
                case 'a': o->all = 1; break;
                case 'N': o->name = optarg; break;
                case 'l': strv_push(&o->labels, optarg); break;
                case 'F': strv_push(&o->filters, optarg); break;
                case 'T': o->format = optarg; break;
                case 'd':
                        if (strcmp(optarg, "local"))
                                return cli_usage_error(cmd, "volume driver \"%s\" is not available: only \"local\"", optarg);
                        break;
                case 'o': return cli_usage_error(cmd, "driver options are not supported by hull's local driver: %s", optarg);
                case 'H': fputs(help, stdout); return 0;
                case ':': return cli_usage_error(cmd, "flag needs an argument: %s", argv[optind - 1]);
                default: return cli_usage_error(cmd, "unknown flag: %s", argv[optind - 1]);
                }
        }
        return -1;
}

static int vol_create(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct vol_opts o;
        int r = vol_parse("volume create", "+:d:l:o:", argc, argv, &o,
                          "\nUsage:  hull volume create [OPTIONS] [VOLUME]\n\nCreate a volume\n\nOptions:\n"
                          "  -d, --driver string   Specify volume driver name (default \"local\")\n"
                          "      --label list      Set metadata for a volume\n"
                          "      --name string     Specify volume name\n");
        if (r < 0) {
                const char *name = o.name;
                if (optind < argc && name && strcmp(name, argv[optind]))
                        r = cli_usage_error("volume create", "conflicting options: either specify --name or provide positional arg, not both");
                else if (argc - optind > 1)
                        r = cli_usage_error("volume create", "\"hull volume create\" requires at most 1 argument.");
                else {
                        if (optind < argc)
                                name = argv[optind];
                        char out[256];
                        struct herr err = { 0 };
                        if (engine_volume_create(ctx, name, o.labels, out, &err) < 0) {
                                r = cli_fail(&err);
                        } else {
                                printf("%s\n", out);
                                r = 0;
                        }
                }
        }
        vol_opts_free(&o);
        return r;
}

static int vol_ls(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct vol_opts o;
        int r = vol_parse("volume ls", "+:qf:", argc, argv, &o,
                          "\nUsage:  hull volume ls [OPTIONS]\n\nList volumes\n\nOptions:\n"
                          "  -f, --filter filter   Provide filter values (e.g. \"dangling=true\")\n"
                          "      --format string   Format output using a custom template\n"
                          "  -q, --quiet           Only display volume names\n");
        if (r >= 0) {
                vol_opts_free(&o);
                return r;
        }
        /* -f is --filter here, as in Docker. */
        _cleanup_json_ json_t *list = NULL;
        struct herr err = { 0 };
        if (engine_volume_list(ctx, o.filters, &list, &err) < 0) {
                vol_opts_free(&o);
                return cli_fail(&err);
        }
        size_t i;
        json_t *v;
        if (o.quiet || !o.format) {
                if (!o.quiet)
                        printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
                json_array_foreach(list, i, v) {
                        if (o.quiet)
                                printf("%s\n", json_str(v, "Name"));
                        else
                                printf("%-10s%s\n", json_str(v, "Driver"), json_str(v, "Name"));
                }
                vol_opts_free(&o);
                return 0;
        }
        __attribute__((cleanup(format_freep))) struct format *f = NULL;
        r = 0;
        if (format_compile(o.format, NULL, "table {{.Driver}}\\t{{.Name}}", &f, &err) < 0) {
                r = cli_fail(&err);
        } else {
                json_array_foreach(list, i, v)
                        if (format_row(f, v, stdout, &err) < 0) {
                                r = cli_fail(&err);
                                break;
                        }
                if (r == 0 && format_flush(f, stdout, &err) < 0)
                        r = cli_fail(&err);
        }
        vol_opts_free(&o);
        return r;
}

static int vol_inspect(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct vol_opts o;
        int r = vol_parse("volume inspect", "+:f:", argc, argv, &o,
                          "\nUsage:  hull volume inspect [OPTIONS] VOLUME [VOLUME...]\n\nDisplay detailed information on one or more volumes\n\n"
                          "Options:\n  -f, --format string   Format output using a custom template\n");
        /* -f is --format here, as in Docker. */
        const char *fmt = o.format ? o.format : (o.filters ? o.filters[0] : NULL);
        if (r < 0 && optind >= argc)
                r = cli_usage_error("volume inspect", "\"hull volume inspect\" requires at least 1 argument.");
        if (r >= 0) {
                vol_opts_free(&o);
                return r;
        }
        _cleanup_json_ json_t *all = json_array();
        int status = 0;
        for (int i = optind; i < argc; i++) {
                struct herr err = { 0 };
                json_t *j;
                if (engine_volume_inspect(ctx, argv[i], &j, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err.msg);
                        status = 1;
                        continue;
                }
                if (fmt && format_render(fmt, j, stdout, &err) < 0)
                        status = cli_fail(&err);
                json_array_append_new(all, j);
        }
        if (!fmt) {
                json_dumpf(all, stdout, JSON_INDENT(4));
                fputc('\n', stdout);
        }
        vol_opts_free(&o);
        return status;
}

static int vol_rm(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct vol_opts o;
        int r = vol_parse("volume rm", "+f", argc, argv, &o,
                          "\nUsage:  hull volume rm [OPTIONS] VOLUME [VOLUME...]\n\nRemove one or more volumes\n\n"
                          "Options:\n  -f, --force   Force the removal of one or more volumes\n");
        if (r < 0 && optind >= argc)
                r = cli_usage_error("volume rm", "\"hull volume rm\" requires at least 1 argument.");
        if (r < 0) {
                r = 0;
                for (int i = optind; i < argc; i++) {
                        struct herr err = { 0 };
                        if (engine_volume_rm(ctx, argv[i], o.force, &err) < 0) {
                                cli_fail(&err);
                                r = 1;
                        } else {
                                printf("%s\n", argv[i]);
                                fflush(stdout);
                        }
                }
        }
        vol_opts_free(&o);
        return r;
}

static int confirm(const char *what)
{
        fprintf(stderr, "WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ", what);
        char line[16];
        if (!fgets(line, sizeof line, stdin))
                return 0;
        return line[0] == 'y' || line[0] == 'Y';
}

static int vol_prune(const struct engine_ctx *ctx, int argc, char **argv)
{
        struct vol_opts o;
        int r = vol_parse("volume prune", "+af", argc, argv, &o,
                          "\nUsage:  hull volume prune [OPTIONS]\n\nRemove unused local volumes\n\nOptions:\n"
                          "  -a, --all     Remove all unused volumes, not just anonymous ones\n"
                          "  -f, --force   Do not prompt for confirmation\n");
        if (r >= 0) {
                vol_opts_free(&o);
                return r;
        }
        if (!o.force && !confirm(o.all ? "all local volumes not used by at least one container"
                                       : "anonymous local volumes not used by at least one container")) {
                vol_opts_free(&o);
                return 0;
        }
        _cleanup_strv_ char **removed = NULL;
        long long bytes = 0;
        struct herr err = { 0 };
        int status = engine_volume_prune(ctx, o.all, &removed, &bytes, &err) < 0 ? cli_fail(&err) : 0;
        if (removed && removed[0]) {
                printf("Deleted Volumes:\n");
                for (size_t i = 0; removed[i]; i++)
                        printf("%s\n", removed[i]);
                printf("\n");
        }
        char size[32];
        cli_human_size(bytes, size, sizeof size);
        printf("Total reclaimed space: %s\n", size);
        vol_opts_free(&o);
        return status;
}

int cmd_volume(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct {
                const char *name;
                int (*fn)(const struct engine_ctx *, int, char **);
        } subs[] = {
                { "create", vol_create }, { "ls", vol_ls },         { "list", vol_ls }, { "inspect", vol_inspect },
                { "rm", vol_rm },         { "remove", vol_rm },     { "prune", vol_prune },
        };
        if (argc < 2 || !strcmp(argv[1], "--help")) {
                printf("\nUsage:  hull volume COMMAND\n\nManage volumes\n\nCommands:\n"
                       "  create      Create a volume\n  inspect     Display detailed information on one or more volumes\n"
                       "  ls          List volumes\n  prune       Remove unused local volumes\n"
                       "  rm          Remove one or more volumes\n");
                return argc < 2 ? 125 : 0;
        }
        for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
                if (!strcmp(argv[1], subs[i].name))
                        return subs[i].fn(ctx, argc - 1, argv + 1);
        return cli_usage_error("volume", "'%s' is not a hull volume command.", argv[1]);
}
