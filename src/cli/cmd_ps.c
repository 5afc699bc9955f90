/* hull ps: the store listed as docker ps lists it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "engine/container.h"
#include "engine/filter.h"

static const char ps_help[] =
        "\nUsage:  hull ps [OPTIONS]\n\nList containers\n\n"
        "Options:\n"
        "  -a, --all             Show all containers (default shows just running)\n"
        "  -f, --filter filter   Filter output based on conditions provided\n"
        "      --format string   Format output using a custom template\n"
        "  -n, --last int        Show n last created containers (includes all states) (default -1)\n"
        "  -l, --latest          Show the latest created container (includes all states)\n"
        "      --no-trunc        Don't truncate output\n"
        "  -q, --quiet           Only display container IDs\n"
        "  -s, --size            Display total file sizes\n";

struct ps_opts {
        int all, quiet, no_trunc, last;
        char **filters;
        const char *format;
};

static char *command_text(json_t *summary, int no_trunc)
{
        _cleanup_free_ char *cmd = xstrdup(json_str(summary, "Path") ?: "");
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(summary, "Args"), i, a) {
                char *n = xasprintf("%s %s", cmd, json_string_value(a) ?: "");
                free(cmd);
                cmd = n;
        }
        /* Docker cuts the command at 20 characters, inside the quotes. */
        if (!no_trunc && strlen(cmd) > 20)
                return xasprintf("\"%.19s…\"", cmd);
        return xasprintf("\"%s\"", cmd);
}

/* Docker's CreatedAt: "2026-11-29 07:40:47 +0000 UTC". */
static void created_at(time_t t, char *buf, size_t len)
{
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, len, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
}

static time_t created_time(json_t *summary)
{
        struct tm tm = { 0 };
        const char *s = json_str(summary, "Created");
        if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
                return 0;
        return timegm(&tm);
}

/* One row as the JSON object --format templates see. */
static json_t *ps_row(const struct container *c, int no_trunc)
{
        char status[128], age[64], created[64];
        ctr_status_text(&c->state, status, sizeof status);
        created_at(created_time(c->summary), created, sizeof created);
        cli_human_age((long long)(time(NULL) - created_time(c->summary)), age, sizeof age);
        _cleanup_free_ char *cmd = command_text(c->summary, no_trunc);
        _cleanup_free_ char *labels = xstrdup("");
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(c->summary, "Labels"), k, v) {
                char *n = xasprintf("%s%s%s=%s", labels, *labels ? "," : "", k, json_string_value(v) ?: "");
                free(labels);
                labels = n;
        }
        char id[65];
        snprintf(id, sizeof id, "%.*s", no_trunc ? 64 : 12, c->id);
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s}", "ID", id,
                         "Image", json_str(c->summary, "Image") ?: "", "Command", cmd, "CreatedAt", created, "RunningFor", age, "Ports", json_str(c->summary, "Ports") ?: "", "Status", status,
                         "State", ctr_status_name(c->state.status), "Size", "0B", "Names", c->name, "LabelsMap",
                         json_object_get(c->summary, "Labels") ?: json_object(), "Labels", labels, "Mounts", "",
                         "Networks", json_str(c->summary, "Networks") ?: "");
}

static int visible(const struct container *c, const struct ps_opts *o)
{
        return o->all || o->last > 0 || c->state.status == CTR_RUNNING || c->state.status == CTR_PAUSED ||
               c->state.status == CTR_RESTARTING;
}

static int print_rows(json_t *rows, const struct ps_opts *o, struct herr *err)
{
        size_t i;
        json_t *r;
        if (o->quiet) {
                json_array_foreach(rows, i, r)
                        printf("%s\n", json_str(r, "ID"));
                return 0;
        }
        struct format *f __attribute__((cleanup(format_freep))) = NULL;
        if (format_compile(o->format ? o->format : FORMAT_PS_TABLE, format_ps_fields, FORMAT_PS_TABLE, &f, err) < 0)
                return -1;
        json_array_foreach(rows, i, r)
                if (format_row(f, r, stdout, err) < 0)
                        return -1;
        return format_flush(f, stdout, err);
}

static int ps_print(const struct engine_ctx *ctx, const struct ps_opts *o)
{
        struct herr err = { 0 };
        struct filter *flt = NULL;
        struct container *v = NULL;
        size_t n = 0;
        if (filter_parse(o->filters, &flt, &err) < 0)
                return cli_fail(&err);
        /* Check a template before anything is printed. */
        struct format *check = NULL;
        if (o->format && !o->quiet && format_compile(o->format, format_ps_fields, FORMAT_PS_TABLE, &check, &err) < 0) {
                filter_free(flt);
                return cli_fail(&err);
        }
        format_free(check);
        if (container_list(ctx, &v, &n, &err) < 0) {
                filter_free(flt);
                return cli_fail(&err);
        }
        _cleanup_json_ json_t *rows = json_array();
        int shown = 0;
        /* Docker: a status= filter shows the containers of that status
         * without -a. */
        struct ps_opts eff = *o;
        eff.all = o->all || filter_implies_all(flt);
        for (size_t i = 0; i < n; i++) {
                if (!visible(&v[i], &eff) || !filter_match(flt, &v[i]))
                        continue;
                if (o->last > 0 && shown >= o->last)
                        break;
                json_array_append_new(rows, ps_row(&v[i], o->no_trunc));
                shown++;
        }
        container_list_free(v, n);
        filter_free(flt);
        return print_rows(rows, o, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_ps(const struct engine_ctx *ctx, int argc, char **argv)
{
        static const struct option l[] = {
                { "all", no_argument, NULL, 'a' },      { "quiet", no_argument, NULL, 'q' },
                { "no-trunc", no_argument, NULL, 'T' }, { "last", required_argument, NULL, 'n' },
                { "latest", no_argument, NULL, 'l' },   { "filter", required_argument, NULL, 'f' },
                { "format", required_argument, NULL, 'F' }, { "size", no_argument, NULL, 's' },
                { "help", no_argument, NULL, 'H' },     { NULL, 0, NULL, 0 },
        };
        struct ps_opts o = { .last = -1 };
        _cleanup_strv_ char **filters = NULL;
        int c;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:aqn:lf:s", l, NULL)) != -1) {
                switch (c) {
                case 'a': o.all = 1; break;
                case 'q': o.quiet = 1; break;
                case 'T': o.no_trunc = 1; break;
                case 'l': o.last = 1; break;
                case 's': break;
                case 'f': strv_push(&filters, optarg); break;
                case 'F': o.format = optarg; break;
                case 'n': {
                        char *end;
                        o.last = (int)strtol(optarg, &end, 10);
                        if (!*optarg || *end)
                                return cli_usage_error("ps", "invalid argument \"%s\" for \"-n, --last\" flag", optarg);
                        break;
                }
                case 'H': fputs(ps_help, stdout); return 0;
                case ':': return cli_usage_error("ps", "flag needs an argument: %s", argv[optind - 1]);
                default: return cli_usage_error("ps", "unknown flag: %s", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return cli_usage_error("ps", "\"hull ps\" accepts no arguments.");
        o.filters = filters;
        return ps_print(ctx, &o);
}
