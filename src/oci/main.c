/* hull-runtime: a runc-compatible OCI runtime over hull's runtime layer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "config.h"
#include "oci/oci.h"
#include "oci/state.h"

static const struct {
        const char *name;
        oci_cmd_fn fn;
} commands[] = {
        { "create", cmd_create }, { "start", cmd_start },   { "run", cmd_run },       { "state", cmd_state },
        { "list", cmd_list },     { "ps", cmd_ps },         { "kill", cmd_kill },     { "delete", cmd_delete },
        { "pause", cmd_pause },   { "resume", cmd_resume }, { "update", cmd_update }, { "exec", cmd_exec },
        { "spec", cmd_spec },     { "features", cmd_features },
};

static const struct oci_opt global_options[] = {
        { "root", 0, 1 },  { "log", 0, 1 },   { "log-format", 0, 1 }, { "systemd-cgroup", 0, 0 },
        { "debug", 0, 0 }, { "criu", 0, 1 },  { "rootless", 0, 1 },   { "version", 'v', 0 },
        { "help", 'h', 0 }, { NULL, 0, 0 },
};

static void usage(FILE *f)
{
        fputs("usage: hull-runtime [--root DIR] [--log FILE] [--log-format text|json] [--systemd-cgroup] [--debug]\n"
              "                    COMMAND [OPTIONS] ID ...\n"
              "commands: create start run state kill delete exec ps list pause resume update spec features\n",
              f);
}

/* --log: one line per error, in logrus's shape (containerd and conmon read
 * the json form; the last "error" line is the message they show). */
static void log_error(const struct oci_global *g, const char *msg)
{
        if (!g->log)
                return;
        _cleanup_close_ int fd = open(g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        char now[64];
        oci_now_rfc3339(now, sizeof now);
        _cleanup_free_ char *line = NULL;
        if (g->log_json) {
                json_t *j = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg, "time", now);
                char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                line = s ? xasprintf("%s\n", s) : NULL;
                free(s);
        } else {
                line = xasprintf("time=\"%s\" level=error msg=\"%s\"\n", now, msg);
        }
        if (line && write(fd, line, strlen(line)) < 0)
                return;
}

static int parse_global(struct oci_args *a, struct oci_global *g, struct herr *err)
{
        const char *v;
        int k;
        while ((k = oci_opt_next(a, global_options, &v, err)) >= 0) {
                switch (k) {
                case 0: g->root = v; break;
                case 1: g->log = v; break;
                case 2:
                        if (strcmp(v, "json") && strcmp(v, "text"))
                                return herr_set(err, 0, "--log-format: expected text or json, not '%s'", v);
                        g->log_json = !strcmp(v, "json");
                        break;
                case 4: g->debug = oci_opt_bool(v); break;
                case 7:
                        printf("hull-runtime version %s\nspec: 1.0.2\n", HULL_VERSION);
                        exit(0);
                case 8:
                        usage(stdout);
                        exit(0);
                case 3: g->systemd_cgroup = oci_opt_bool(v); break;
                default: break; /* --criu, --rootless: accepted */
                }
        }
        return k == -2 ? -1 : 0;
}

int main(int argc, char **argv)
{
        struct oci_global g = { .root = "/run/hull-runtime" };
        struct oci_args a = { .argc = argc, .argv = argv, .i = 1 };
        struct herr err = { 0 };
        int r = -1;
        if (parse_global(&a, &g, &err) == 0) {
                const char *cmd = oci_arg_next(&a);
                if (!cmd) {
                        usage(stderr);
                        return 1;
                }
                size_t i;
                for (i = 0; i < ARRAY_SIZE(commands); i++)
                        if (!strcmp(cmd, commands[i].name))
                                break;
                if (i == ARRAY_SIZE(commands))
                        herr_set(&err, 0, "unknown command '%s'", cmd);
                else
                        r = commands[i].fn(&g, &a, &err);
        }
        if (r >= 0)
                return r;
        fprintf(stderr, "hull-runtime: %s\n", err.msg);
        log_error(&g, err.msg);
        return err.code ? err.code : HERR_ENGINE;
}
