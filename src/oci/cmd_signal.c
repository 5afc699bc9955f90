/* kill, delete, pause, resume, update: acting on a container that exists. */
#include "oci/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "oci/state.h"
#include "runtime/cgroup.h"
#include "runtime/hooks.h"

static void statep(struct oci_state *st)
{
        oci_state_free(st);
}
#define _cleanup_state_ _cleanup_(statep)

static int signal_all(const struct oci_state *st, int sig, struct herr *err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (rt_cgroup_pids(st->spec->cgroups_path, &pids, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++)
                kill(pids[i], sig);
        return 0;
}

static const struct oci_opt kill_options[] = { { "all", 'a', 0 }, { "pid", 'p', 1 }, { NULL, 0, 0 } };

int cmd_kill(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        const char *v;
        int k, all = 0;
        while ((k = oci_opt_next(a, kill_options, &v, err)) >= 0)
                if (k == 0)
                        all = oci_opt_bool(v);
        if (k == -2)
                return -1;
        const char *id = oci_arg_next(a), *signame = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        int sig = signame ? oci_parse_signal(signame) : SIGTERM;
        if (sig < 0)
                return herr_set(err, 0, "unknown signal '%s'", signame);
        _cleanup_state_ struct oci_state st;
        if (oci_state_load(g->root, id, 0, &st, err) < 0)
                return -1;
        if (all && st.spec->cgroups_path)
                return signal_all(&st, sig, err);
        /* Through a pidfd: the pid cannot be another process's by now. */
        _cleanup_close_ int pidfd = oci_state_pidfd(&st);
        if (pidfd < 0)
                return herr_set(err, 0, "container %s is not running", id);
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return herr_set(err, errno, "signalling container %s", id);
        return 0;
}

/* SIGKILL and wait until it is gone: whoever reaps it (conmon, the shim)
 * may be slow, but a pidfd turns readable at exit already. */
static void kill_wait(const struct oci_state *st)
{
        _cleanup_close_ int pidfd = oci_state_pidfd(st);
        if (pidfd < 0)
                return;
        if (st->spec->cgroups_path && rt_cgroup_frozen(st->spec->cgroups_path)) {
                struct herr ignored;
                rt_cgroup_freeze(st->spec->cgroups_path, 0, &ignored);
        }
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        while (poll(&p, 1, 10000) < 0 && errno == EINTR)
                ;
}

static const struct oci_opt delete_options[] = { { "force", 'f', 0 }, { NULL, 0, 0 } };

int cmd_delete(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        const char *v;
        int k, force = 0;
        while ((k = oci_opt_next(a, delete_options, &v, err)) >= 0)
                force = oci_opt_bool(v);
        if (k == -2)
                return -1;
        const char *id = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        _cleanup_state_ struct oci_state st;
        if (oci_state_load(g->root, id, 1, &st, err) < 0) {
                /* As runc: with -f a container that is not there (or a
                 * state dir create left half-made) is no error. */
                if (force && st.dir) {
                        struct herr ignored;
                        if (access(st.dir, F_OK) == 0)
                                oci_state_remove(&st, &ignored);
                        return 0;
                }
                return -1;
        }
        enum oci_status s = oci_state_status(&st);
        if ((s == OCI_RUNNING || s == OCI_PAUSED) && !force)
                return herr_set(err, 0, "cannot delete container %s that is %s: stop it first or use -f", id,
                                oci_status_name(s));
        kill_wait(&st);
        if (st.spec->cgroups_path) {
                struct rt_cgroup *cg = NULL;
                if (rt_cgroup_open(st.spec->cgroups_path, &cg, err) < 0 || rt_cgroup_destroy(cg, err) < 0) {
                        rt_cgroup_free(cg);
                        return herr_wrap(err, "removing the cgroup of %s", id);
                }
                rt_cgroup_free(cg);
        }
        if (rt_hooks_has(st.spec->hooks, "poststop")) {
                struct herr e = { 0 };
                _cleanup_free_ char *state = rt_state_json(st.spec, id, "stopped", 0);
                if (rt_hooks_run(st.spec->hooks, "poststop", state, &e) < 0)
                        fprintf(stderr, "hull-runtime: warning: %s\n", e.msg);
        }
        return oci_state_remove(&st, err);
}

static int freeze(const struct oci_global *g, struct oci_args *a, int frozen, struct herr *err)
{
        const char *id = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        _cleanup_state_ struct oci_state st;
        if (oci_state_load(g->root, id, 1, &st, err) < 0)
                return -1;
        enum oci_status s = oci_state_status(&st);
        if (s != (frozen ? OCI_RUNNING : OCI_PAUSED))
                return herr_set(err, 0, "container %s is %s, not %s", id, oci_status_name(s), frozen ? "running" : "paused");
        if (!st.spec->cgroups_path)
                return herr_set(err, 0, "container %s has no cgroup to freeze", id);
        return rt_cgroup_freeze(st.spec->cgroups_path, frozen, err);
}

int cmd_pause(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        return freeze(g, a, 1, err);
}

int cmd_resume(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        return freeze(g, a, 0, err);
}

/* runc update's flags, as linux.resources members. */
static const struct {
        struct oci_opt opt;
        const char *section, *key;
        int is_string;
} update_flags[] = {
        { { "memory", 'm', 1 }, "memory", "limit", 0 },
        { { "memory-reservation", 0, 1 }, "memory", "reservation", 0 },
        { { "memory-swap", 0, 1 }, "memory", "swap", 0 },
        { { "kernel-memory", 0, 1 }, "memory", "kernel", 0 },
        { { "cpu-shares", 0, 1 }, "cpu", "shares", 0 },
        { { "cpu-quota", 0, 1 }, "cpu", "quota", 0 },
        { { "cpu-period", 0, 1 }, "cpu", "period", 0 },
        { { "cpu-rt-runtime", 0, 1 }, "cpu", "realtimeRuntime", 0 },
        { { "cpu-rt-period", 0, 1 }, "cpu", "realtimePeriod", 0 },
        { { "cpuset-cpus", 0, 1 }, "cpu", "cpus", 1 },
        { { "cpuset-mems", 0, 1 }, "cpu", "mems", 1 },
        { { "pids-limit", 0, 1 }, "pids", "limit", 0 },
        { { "blkio-weight", 0, 1 }, "blockIO", "weight", 0 },
};

/* "64m", "1g", "-1", "max" -> bytes / count. */
static int parse_size(const char *s, long long *ret)
{
        if (!strcmp(s, "max")) {
                *ret = -1;
                return 0;
        }
        char *end;
        long long n = strtoll(s, &end, 10);
        long long mult = 1;
        switch (*end) {
        case 'k': case 'K': mult = 1LL << 10; end++; break;
        case 'm': case 'M': mult = 1LL << 20; end++; break;
        case 'g': case 'G': mult = 1LL << 30; end++; break;
        default: break;
        }
        if (*end == 'b' || *end == 'B')
                end++;
        if (end == s || *end)
                return -1;
        *ret = n < 0 ? n : n * mult;
        return 0;
}

static int update_resources(struct oci_args *a, json_t **ret, struct herr *err)
{
        struct oci_opt opts[ARRAY_SIZE(update_flags) + 2];
        for (size_t i = 0; i < ARRAY_SIZE(update_flags); i++)
                opts[i] = update_flags[i].opt;
        opts[ARRAY_SIZE(update_flags)] = (struct oci_opt){ "resources", 'r', 1 };
        opts[ARRAY_SIZE(update_flags) + 1] = (struct oci_opt){ NULL, 0, 0 };
        json_t *res = NULL;
        _cleanup_json_ json_t *flags = json_object();
        const char *v;
        int k;
        while ((k = oci_opt_next(a, opts, &v, err)) >= 0) {
                if ((size_t)k == ARRAY_SIZE(update_flags)) {
                        json_error_t je;
                        json_decref(res);
                        res = !strcmp(v, "-") ? json_loadf(stdin, 0, &je) : json_load_file(v, 0, &je);
                        if (!json_is_object(res))
                                return herr_set(err, 0, "--resources %s: %s", v, res ? "expected an object" : je.text);
                        continue;
                }
                json_t *sect = json_object_get(flags, update_flags[k].section);
                if (!sect)
                        json_object_set_new(flags, update_flags[k].section, sect = json_object());
                long long n;
                if (update_flags[k].is_string)
                        json_object_set_new(sect, update_flags[k].key, json_string(v));
                else if (parse_size(v, &n) < 0)
                        return herr_set(err, 0, "--%s: invalid value '%s'", update_flags[k].opt.name, v);
                else
                        json_object_set_new(sect, update_flags[k].key, json_integer(n));
        }
        if (k == -2) {
                json_decref(res);
                return -1;
        }
        if (!res)
                res = json_object();
        /* Flags win over the file, as in runc. */
        const char *key;
        json_t *sect;
        json_object_foreach(flags, key, sect) {
                json_t *have = json_object_get(res, key);
                if (json_is_object(have))
                        json_object_update(have, sect);
                else
                        json_object_set(res, key, sect);
        }
        *ret = res;
        return 0;
}

int cmd_update(const struct oci_global *g, struct oci_args *a, struct herr *err)
{
        _cleanup_json_ json_t *res = NULL;
        if (update_resources(a, &res, err) < 0)
                return -1;
        const char *id = oci_arg_next(a);
        if (!id)
                return herr_set(err, 0, "a container id is required");
        _cleanup_state_ struct oci_state st;
        if (oci_state_load(g->root, id, 1, &st, err) < 0)
                return -1;
        if (!st.spec->cgroups_path)
                return herr_set(err, 0, "container %s has no cgroup", id);
        if (rt_cgroup_update(st.spec->cgroups_path, res, err) < 0)
                return herr_wrap(err, "updating %s", id);
        return 0;
}
