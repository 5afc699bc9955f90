/* create, start, run: the container's process from config.json to exec. */
#include "oci/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "engine/tty_relay.h"
#include "oci/state.h"
#include "runtime/container.h"
#include "runtime/hooks.h"

struct create_opts {
        const char *bundle, *console_socket, *pid_file;
        int no_pivot, preserve_fds, detach;
};

static const struct oci_opt create_options[] = {
        { "bundle", 'b', 1 },   { "console-socket", 0, 1 }, { "pid-file", 0, 1 },     { "no-pivot", 0, 0 },
        { "no-new-keyring", 0, 0 }, { "preserve-fds", 0, 1 }, { "detach", 'd', 0 }, { "keep", 0, 0 },
        { "no-subreaper", 0, 0 }, { "notify-socket", 0, 1 }, { NULL, 0, 0 },
};

static int parse_create(struct oci_args *a, struct create_opts *o, const char **ret_id, struct herr *err)
{
        const char *v;
        int k;
        while ((k = oci_opt_next(a, create_options, &v, err)) >= 0) {
                switch (k) {
                case 0: o->bundle = v; break;
                case 1: o->console_socket = v; break;
                case 2: o->pid_file = v; break;
                case 3: o->no_pivot = oci_opt_bool(v); break;
                case 5: {
                        char *end;
                        long n = strtol(v, &end, 10);
                        if (*end || n < 0 || n > 65536)
                                return herr_set(err, 0, "--preserve-fds: invalid value '%s'", v);
                        o->preserve_fds = (int)n;
                        break;
                }
                case 6: o->detach = oci_opt_bool(v); break;
                default: break;
                }
        }
        if (k == -2)
                return -1;
        *ret_id = oci_arg_next(a);
        if (!*ret_id)
                return herr_set(err, 0, "a container id is required");
        return 0;
}

/* runc lets every container use the devices the runtime spec promises
 * (and mknod of anything), whatever linux.resources.devices says: its
 * rules go after the config's (last match wins).  hull run sends its own
 * list, so this is the runc front end's, not the runtime layer's. */
static void add_default_device_rules(json_t *config)
{
        static const char rules[] =
                "[{\"allow\":true,\"type\":\"c\",\"access\":\"m\"},{\"allow\":true,\"type\":\"b\",\"access\":\"m\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":7,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":8,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":9,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":0,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":2,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rwm\"}]";
        json_t *lx = json_object_get(config, "linux");
        json_t *res = json_object_get(lx, "resources");
        json_t *devs = json_object_get(res, "devices");
        if (!json_is_array(devs))
                return;
        _cleanup_json_ json_t *extra = json_loads(rules, 0, NULL);
        json_array_extend(devs, extra);
}

/* The bundle's config, parsed against the bundle's absolute path. */
static int load_bundle(const struct oci_global *g, const char *bundle, json_t **ret_config, struct oci_spec **ret,
                       char **ret_dir, struct herr *err)
{
        char dir[PATH_MAX];
        if (!realpath(bundle ? bundle : ".", dir))
                return herr_set(err, errno, "bundle %s", bundle ? bundle : ".");
        _cleanup_close_ int fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "bundle %s", dir);
        if (json_load_path(fd, "config.json", ret_config, err) < 0)
                return herr_wrap(err, "bundle %s", dir);
        add_default_device_rules(*ret_config);
        json_t *lx = json_object_get(*ret_config, "linux");
        const char *cg = json_str(lx, "cgroupsPath");
        _cleanup_free_ char *sd = g->systemd_cgroup && cg ? oci_systemd_cgroup_path(cg) : NULL;
        if (sd)
                json_object_set_new(lx, "cgroupsPath", json_string(sd));
        if (rt_spec_parse(*ret_config, dir, ret, err) < 0)
                return herr_wrap(err, "%s/config.json", dir);
        *ret_dir = xstrdup(dir);
        return 0;
}

static void record(struct oci_state *st, const char *bundle, pid_t pid)
{
        char now[64];
        oci_now_rfc3339(now, sizeof now);
        st->pid = pid;
        st->pid_start = oci_proc_start(pid);
        st->bundle = xstrdup(bundle);
        st->created = xstrdup(now);
}

/* Everything a created container needs on disk, and its terminal handed
 * over; the process then waits on start.sock with nobody as its parent
 * but whoever reaps it (conmon, containerd's shim). */
static int create_container(const struct oci_global *g, const struct create_opts *o, const char *id,
                            struct oci_state *st, struct herr *err)
{
        _cleanup_json_ json_t *config = NULL;
        _cleanup_free_ char *bundle = NULL;
        _cleanup_spec_ struct oci_spec *parsed = NULL;
        if (load_bundle(g, o->bundle, &config, &parsed, &bundle, err) < 0)
                return -1;
        if (parsed->process.terminal && !o->console_socket)
                return herr_set(err, 0, "process.terminal needs --console-socket (hull-runtime does not relay a detached terminal)");
        if (oci_state_new(g->root, id, st, err) < 0)
                return -1;
        struct oci_spec *spec = st->spec = TAKE_PTR(parsed);
        if (json_write_path(st->dirfd, "config.json", config, 0, err) < 0)
                return -1;
        _cleanup_free_ char *sock = xasprintf("%s/start.sock", st->dir);
        _cleanup_free_ char *cache = xasprintf("%s/.seccomp-cache", g->root);
        struct rt_create_opts co = {
                .stdio = { 0, 1, 2 }, .seccomp_cache_dir = cache, .start_socket = sock,
                .preserve_fds = o->preserve_fds, .no_pivot = o->no_pivot, .id = id,
        };
        struct rt_container c = RT_CONTAINER_INIT;
        if (rt_create(spec, &co, &c, err) < 0)
                return -1;
        record(st, bundle, c.pid);
        int r = oci_state_save(st, err);
        if (r == 0 && c.pty_master >= 0)
                r = oci_send_console(o->console_socket, c.pty_master, err);
        if (r == 0 && o->pid_file)
                r = oci_write_pid_file(o->pid_file, c.pid, err);
        if (r < 0) {
                rt_abort(&c);
                return -1;
        }
        rt_release(&c);
        return 0;
}

int cmd_create(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        struct create_opts o = { 0 };
        const char *id;
        if (parse_create(a, &o, &id, err) < 0)
                return -1;
        struct oci_state st = { .dirfd = -1 };
        int r = create_container(g, &o, id, &st, err);
        if (r < 0 && st.dirfd >= 0) {
                struct herr ignored;
                oci_state_remove(&st, &ignored);
        }
        oci_state_free(&st);
        return r;
}

static void poststart(const struct oci_state *st)
{
        if (!rt_hooks_has(st->spec->hooks, "poststart"))
                return;
        struct herr e = { 0 };
        _cleanup_free_ char *state = rt_state_json(st->spec, st->id, "running", st->pid);
        /* The container runs already: a failing poststart hook is a
         * warning (runtime-spec), not a failed start. */
        if (rt_hooks_run(st->spec->hooks, "poststart", state, &e) < 0)
                fprintf(stderr, "hull-runtime: warning: %s\n", e.msg);
}

static int start_state(struct oci_state *st, struct herr *err)
{
        enum oci_status s = oci_state_status(st);
        if (s != OCI_CREATED)
                return herr_set(err, 0, "cannot start a container that is %s", oci_status_name(s));
        _cleanup_free_ char *sock = xasprintf("%s/start.sock", st->dir);
        if (rt_start_at(sock, err) < 0)
                return -1;
        unlink(sock);
        st->started = 1;
        if (oci_state_save(st, err) < 0)
                return -1;
        poststart(st);
        return 0;
}

int cmd_start(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        const char *id = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        struct oci_state st;
        int r = oci_state_load(g->root, id, 1, &st, err);
        if (r == 0)
                r = start_state(&st, err);
        oci_state_free(&st);
        return r;
}

/* run -d: create, then start, and leave it to whoever reaps it. */
static int run_detached(const struct oci_global *g, const struct create_opts *o, const char *id, struct herr *err)
{
        struct oci_state st = { .dirfd = -1 };
        int r = create_container(g, o, id, &st, err);
        if (r == 0)
                r = start_state(&st, err);
        if (r < 0 && st.dirfd >= 0) {
                struct herr ignored;
                if (st.pid > 0)
                        kill(st.pid, SIGKILL);
                oci_state_remove(&st, &ignored);
        }
        oci_state_free(&st);
        return r;
}

static void poststop(const struct oci_state *st)
{
        if (!rt_hooks_has(st->spec->hooks, "poststop"))
                return;
        struct herr e = { 0 };
        _cleanup_free_ char *state = rt_state_json(st->spec, st->id, "stopped", 0);
        if (rt_hooks_run(st->spec->hooks, "poststop", state, &e) < 0)
                fprintf(stderr, "hull-runtime: warning: %s\n", e.msg);
}

/* The foreground run: we are the parent, relay the terminal and signals,
 * and pass the status on; the state dir exists meanwhile so that state,
 * kill, exec and ps work on it. */
static int run_attached(const struct oci_global *g, const struct create_opts *o, const char *id, struct herr *err)
{
        _cleanup_json_ json_t *config = NULL;
        _cleanup_free_ char *bundle = NULL;
        struct oci_state st = { .dirfd = -1 };
        struct rt_container c = RT_CONTAINER_INIT;
        struct term_state term = { 0 };
        _cleanup_spec_ struct oci_spec *parsed = NULL;
        _cleanup_free_ char *cache = xasprintf("%s/.seccomp-cache", g->root);
        sigset_t old;
        int r = -1, sfd = -1;
        if (load_bundle(g, o->bundle, &config, &parsed, &bundle, err) < 0 || oci_state_new(g->root, id, &st, err) < 0)
                goto out;
        st.spec = TAKE_PTR(parsed);
        if (json_write_path(st.dirfd, "config.json", config, 0, err) < 0)
                goto out;
        if ((sfd = relay_signals(&old, err)) < 0)
                goto out;
        struct rt_create_opts co = {
                .stdio = { 0, 1, 2 }, .seccomp_cache_dir = cache, .preserve_fds = o->preserve_fds,
                .no_pivot = o->no_pivot, .id = id,
        };
        if (rt_create(st.spec, &co, &c, err) < 0)
                goto out_sig;
        record(&st, bundle, c.pid);
        st.started = 1;
        if (oci_state_save(&st, err) < 0 || (o->pid_file && oci_write_pid_file(o->pid_file, c.pid, err) < 0))
                goto out_sig;
        int relay_tty = c.pty_master >= 0 && !o->console_socket;
        if (c.pty_master >= 0 && o->console_socket) {
                if (oci_send_console(o->console_socket, c.pty_master, err) < 0)
                        goto out_sig;
                /* The terminal is the console socket's now: relay none of it. */
                closep(&c.pty_master);
                c.pty_master = -1;
        }
        if (relay_tty && isatty(STDIN_FILENO)) {
                tty_copy_winsize(STDIN_FILENO, c.pty_master);
                term_raw(&term, STDIN_FILENO);
        }
        if (rt_start(&c, err) < 0)
                goto out_sig;
        poststart(&st);
        /* Our lock would block every other command while we wait. */
        flock(st.dirfd, LOCK_UN);
        relay_run(&c, relay_tty, sfd);
        r = rt_wait(&c, err);
        if (r >= 0) {
                int oom;
                struct herr ignored;
                rt_cleanup(&c, &oom, &ignored);
        }
out_sig:
        term_restore(&term);
        rt_abort(&c);
        close(sfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
out:
        if (st.dir && st.dirfd >= 0) {
                struct herr ignored;
                if (r >= 0)
                        poststop(&st);
                oci_state_remove(&st, &ignored);
        }
        oci_state_free(&st);
        return r;
}

int cmd_run(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        struct create_opts o = { 0 };
        const char *id;
        if (parse_create(a, &o, &id, err) < 0)
                return -1;
        if (o.detach)
                return run_detached(g, &o, id, err) < 0 ? -1 : 0;
        return run_attached(g, &o, id, err);
}
