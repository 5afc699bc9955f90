/* exec: one more process in a running container, through rt_exec (the
 * same path as hull exec: pidfd setns, the container's cgroup, the same
 * confinement). */
#include "oci/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "engine/tty_relay.h"
#include "oci/state.h"
#include "runtime/exec.h"

struct exec_opts {
        const char *process, *console_socket, *pid_file, *cwd, *user;
        int tty, detach, no_new_privs, preserve_fds;
        char **env, **caps, **gids;
};

static const struct oci_opt exec_options[] = {
        { "process", 'p', 1 },     { "console-socket", 0, 1 }, { "pid-file", 0, 1 }, { "cwd", 0, 1 },
        { "user", 'u', 1 },        { "tty", 't', 0 },          { "detach", 'd', 0 }, { "no-new-privs", 0, 0 },
        { "preserve-fds", 0, 1 },  { "env", 'e', 1 },          { "cap", 'c', 1 },    { "additional-gids", 'g', 1 },
        { "process-label", 0, 1 }, { "apparmor", 0, 1 },       { "cgroup", 0, 1 },   { "ignore-paused", 0, 0 },
        { NULL, 0, 0 },
};

static void exec_opts_free(struct exec_opts *o)
{
        strv_free(o->env);
        strv_free(o->caps);
        strv_free(o->gids);
}

static int parse_exec(struct oci_args *a, struct exec_opts *o, struct herr *err)
{
        const char *v;
        int k;
        while ((k = oci_opt_next(a, exec_options, &v, err)) >= 0) {
                switch (k) {
                case 0: o->process = v; break;
                case 1: o->console_socket = v; break;
                case 2: o->pid_file = v; break;
                case 3: o->cwd = v; break;
                case 4: o->user = v; break;
                case 5: o->tty = oci_opt_bool(v); break;
                case 6: o->detach = oci_opt_bool(v); break;
                case 7: o->no_new_privs = oci_opt_bool(v); break;
                case 8: o->preserve_fds = atoi(v); break;
                case 9: strv_push(&o->env, v); break;
                case 10: strv_push(&o->caps, v); break;
                case 11: strv_push(&o->gids, v); break;
                default: break;
                }
        }
        return k == -2 ? -1 : 0;
}

/* The config's process with the command line's changes, as runc builds
 * it when there is no --process file. */
static int process_from_args(const struct oci_state *st, const struct exec_opts *o, char **args, struct rt_process *p,
                             struct herr *err)
{
        if (rt_process_parse(json_object_get(st->spec->json, "process"), p, err) < 0)
                return -1;
        if (!args[0])
                return herr_set(err, 0, "exec: no command given (args or --process)");
        strv_free(p->args);
        p->args = strv_dup(args);
        p->terminal = o->tty;
        if (o->cwd) {
                if (o->cwd[0] != '/')
                        return herr_set(err, 0, "--cwd: '%s' is not an absolute path", o->cwd);
                free(p->cwd);
                p->cwd = xstrdup(o->cwd);
        }
        for (size_t i = 0; o->env && o->env[i]; i++)
                strv_push(&p->env, o->env[i]);
        if (o->user) {
                unsigned uid, gid;
                int n = sscanf(o->user, "%u:%u", &uid, &gid);
                if (n < 1)
                        return herr_set(err, 0, "--user: expected UID[:GID], not '%s'", o->user);
                p->uid = uid;
                p->gid = n == 2 ? gid : 0;
        }
        size_t ng = strv_len(o->gids);
        if (ng) {
                free(p->additional_gids);
                p->additional_gids = calloc(ng, sizeof(gid_t));
                for (size_t i = 0; i < ng; i++)
                        p->additional_gids[i] = (gid_t)strtoul(o->gids[i], NULL, 10);
                p->n_additional_gids = ng;
        }
        for (size_t i = 0; o->caps && o->caps[i]; i++) {
                int cap = rt_cap_from_name(o->caps[i]);
                if (cap < 0)
                        return herr_set(err, 0, "--cap: unknown capability '%s'", o->caps[i]);
                p->has_caps = 1;
                p->caps[RT_CAP_BOUNDING] |= 1ULL << cap;
                p->caps[RT_CAP_EFFECTIVE] |= 1ULL << cap;
                p->caps[RT_CAP_PERMITTED] |= 1ULL << cap;
        }
        if (o->no_new_privs)
                p->no_new_privileges = 1;
        return 0;
}

static int load_process(const struct oci_state *st, const struct exec_opts *o, char **args, struct rt_process *p,
                        struct herr *err)
{
        if (!o->process)
                return process_from_args(st, o, args, p, err);
        json_error_t je;
        _cleanup_json_ json_t *j = json_load_file(o->process, 0, &je);
        if (!j)
                return herr_set(err, 0, "--process %s: %s", o->process, je.text);
        if (rt_process_parse(j, p, err) < 0)
                return herr_wrap(err, "--process %s", o->process);
        if (o->tty)
                p->terminal = 1;
        return 0;
}

static int run_exec(const struct oci_state *st, const struct exec_opts *o, struct rt_process *p, struct herr *err)
{
        if (p->terminal && o->detach && !o->console_socket)
                return herr_set(err, 0, "a terminal for a detached exec needs --console-socket");
        _cleanup_close_ int pid1fd = oci_state_pidfd(st);
        if (pid1fd < 0)
                return herr_set(err, 0, "cannot exec in container %s: it is not running", st->id);
        sigset_t old;
        _cleanup_close_ int sfd = o->detach ? -1 : relay_signals(&old, err);
        if (!o->detach && sfd < 0)
                return -1;
        struct rt_exec_opts ro = { .pid1fd = pid1fd, .stdio = { 0, 1, 2 } };
        struct rt_container c = RT_CONTAINER_INIT;
        struct term_state term = { 0 };
        int r = rt_exec(st->spec, p, &ro, &c, err);
        if (r == 0 && o->pid_file)
                r = oci_write_pid_file(o->pid_file, c.pid, err);
        if (r == 0 && c.pty_master >= 0 && o->console_socket) {
                r = oci_send_console(o->console_socket, c.pty_master, err);
                closep(&c.pty_master);
                c.pty_master = -1;
        }
        if (r < 0 || o->detach) {
                if (r < 0 && c.pidfd >= 0)
                        syscall(SYS_pidfd_send_signal, c.pidfd, SIGKILL, NULL, 0);
                rt_release(&c);
                if (!o->detach)
                        sigprocmask(SIG_SETMASK, &old, NULL);
                return r;
        }
        int relay_tty = c.pty_master >= 0 && !o->console_socket;
        if (relay_tty && isatty(STDIN_FILENO)) {
                tty_copy_winsize(STDIN_FILENO, c.pty_master);
                term_raw(&term, STDIN_FILENO);
        }
        relay_run(&c, relay_tty, sfd);
        r = rt_wait(&c, err);
        term_restore(&term);
        rt_release(&c);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

int cmd_exec(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        __attribute__((cleanup(exec_opts_free))) struct exec_opts o = { 0 };
        if (parse_exec(a, &o, err) < 0)
                return -1;
        const char *id = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        struct oci_state st;
        struct rt_process p = { 0 };
        int r = oci_state_load(g->root, id, 0, &st, err);
        if (r == 0 && oci_state_status(&st) == OCI_PAUSED)
                r = herr_set(err, 0, "cannot exec in container %s: it is paused", id);
        if (r == 0)
                r = load_process(&st, &o, a->argv + a->i, &p, err);
        if (r == 0) {
                if (p.terminal && isatty(STDIN_FILENO) && !o.console_socket) {
                        struct winsize ws = { 0 };
                        ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
                        p.console_rows = ws.ws_row;
                        p.console_cols = ws.ws_col;
                }
                r = run_exec(&st, &o, &p, err);
        }
        rt_process_free(&p);
        oci_state_free(&st);
        return r;
}
