/* state, list, ps: what the state dir and the cgroup say. */
#include "oci/oci.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "oci/state.h"
#include "runtime/cgroup.h"

static int print_json(json_t *j, struct herr *err)
{
        if (!j)
                return herr_set(err, ENOMEM, "state");
        int r = json_dumpf(j, stdout, JSON_INDENT(2));
        json_decref(j);
        putchar('\n');
        return r < 0 ? herr_set(err, errno, "writing the state") : 0;
}

int cmd_state(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        const char *id = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        struct oci_state st;
        int r = oci_state_load(g->root, id, 0, &st, err);
        if (r == 0)
                r = print_json(oci_state_json(&st), err);
        oci_state_free(&st);
        return r;
}

static const struct oci_opt list_options[] = {
        { "format", 'f', 1 }, { "quiet", 'q', 0 }, { NULL, 0, 0 },
};

int cmd_list(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        const char *v, *format = "table";
        int k, quiet = 0;
        while ((k = oci_opt_next(a, list_options, &v, err)) >= 0) {
                if (k == 0)
                        format = v;
                else
                        quiet = oci_opt_bool(v);
        }
        if (k == -2)
                return -1;
        int json = !strcmp(format, "json");
        if (!json && strcmp(format, "table"))
                return herr_set(err, 0, "--format: expected table or json, not '%s'", format);
        _cleanup_closedir_ DIR *d = opendir(g->root);
        if (!d && errno != ENOENT)
                return herr_set(err, errno, "%s", g->root);
        json_t *all = json_array();
        if (!json && !quiet)
                printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
        for (struct dirent *e; d && (e = readdir(d));) {
                struct oci_state st = { .dirfd = -1 };
                struct herr ignored;
                if (e->d_name[0] == '.' || oci_state_load(g->root, e->d_name, 0, &st, &ignored) < 0) {
                        oci_state_free(&st);
                        continue;
                }
                enum oci_status s = oci_state_status(&st);
                if (quiet)
                        printf("%s\n", st.id);
                else if (json)
                        json_array_append_new(all, oci_state_json(&st));
                else
                        printf("%-12s %-8d %-10s %-40s %-30s %s\n", st.id, s == OCI_STOPPED ? 0 : (int)st.pid,
                               oci_status_name(s), st.bundle, st.created, "root");
                oci_state_free(&st);
        }
        if (json && !quiet)
                return print_json(all, err);
        json_decref(all);
        return 0;
}

static const struct oci_opt ps_options[] = { { "format", 'f', 1 }, { NULL, 0, 0 } };

static int contains(const pid_t *pids, size_t n, long pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return 1;
        return 0;
}

/* runc's table: ps(1) with the given options (default -ef), only the
 * lines of the container's processes. */
static int ps_table(struct oci_args *a, const pid_t *pids, size_t n, struct herr *err)
{
        char *argv[64] = { "ps" };
        int argc = 1;
        while (a->i < a->argc && argc < 62)
                argv[argc++] = a->argv[a->i++];
        if (argc == 1)
                argv[argc++] = "-ef";
        int p[2];
        if (pipe(p) < 0)
                return herr_set(err, errno, "pipe");
        pid_t child = fork();
        if (child == 0) {
                dup2(p[1], 1);
                close(p[0]);
                close(p[1]);
                execvp("ps", argv);
                _exit(127);
        }
        close(p[1]);
        _cleanup_fclose_ FILE *f = fdopen(p[0], "r");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        int col = -1, first = 1;
        while (f && getline(&line, &cap, f) > 0) {
                if (first) {
                        /* The PID column's index in the header. */
                        _cleanup_free_ char *h = strdup(line);
                        char *save = NULL;
                        int i = 0;
                        for (char *t = strtok_r(h, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), i++)
                                if (!strcmp(t, "PID"))
                                        col = i;
                        fputs(line, stdout);
                        first = 0;
                        continue;
                }
                _cleanup_free_ char *l = strdup(line);
                char *save = NULL, *t = strtok_r(l, " \t\n", &save);
                for (int i = 0; t && i < col; i++)
                        t = strtok_r(NULL, " \t\n", &save);
                if (t && contains(pids, n, atol(t)))
                        fputs(line, stdout);
        }
        int status;
        waitpid(child, &status, 0);
        if (col < 0)
                return herr_set(err, 0, "ps: no PID column in its output");
        return 0;
}

int cmd_ps(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        const char *v, *format = "table";
        int k;
        while ((k = oci_opt_next(a, ps_options, &v, err)) >= 0)
                format = v;
        if (k == -2)
                return -1;
        const char *id = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        struct oci_state st;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = oci_state_load(g->root, id, 0, &st, err);
        if (r == 0 && st.spec->cgroups_path)
                r = rt_cgroup_pids(st.spec->cgroups_path, &pids, &n, err);
        else if (r == 0 && oci_state_status(&st) != OCI_STOPPED) {
                pids = calloc(1, sizeof *pids);
                pids[n++] = st.pid;
        }
        oci_state_free(&st);
        if (r < 0)
                return -1;
        if (!strcmp(format, "json")) {
                json_t *j = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(j, json_integer(pids[i]));
                return print_json(j, err);
        }
        if (strcmp(format, "table"))
                return herr_set(err, 0, "--format: expected table or json, not '%s'", format);
        fflush(stdout);
        return ps_table(a, pids, n, err);
}
