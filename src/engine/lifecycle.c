/* start, stop, kill, restart, wait, rm, rename, inspect, prune: every one
 * works from the store and signals; the monitor records what happens. */
#include "engine/engine.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "engine/container.h"
#include "engine/network.h"
#include "engine/monitor.h"
#include "engine/monitor_io.h"
#include "engine/stats.h"
#include "engine/volume.h"
#include "runtime/cgroup.h"

static void container_closep(struct container *c)
{
        container_close(c);
}
#define _cleanup_container_ __attribute__((cleanup(container_closep)))

static const struct {
        const char *name;
        int sig;
} signals[] = {
        { "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },   { "TRAP", SIGTRAP },
        { "ABRT", SIGABRT }, { "BUS", SIGBUS },     { "FPE", SIGFPE },   { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
        { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
        { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
        { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
        { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },     { "PWR", SIGPWR },   { "SYS", SIGSYS },
};

int signal_from_name(const char *s)
{
        char *end;
        long n = strtol(s, &end, 10);
        if (*s && !*end)
                return n > 0 && n < NSIG ? (int)n : -1;
        if (!strncasecmp(s, "SIG", 3))
                s += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (!strcasecmp(s, signals[i].name))
                        return signals[i].sig;
        return -1;
}

static int is_up(const struct container *c)
{
        return c->state.status == CTR_RUNNING || c->state.status == CTR_PAUSED;
}

/* Signal PID 1 through a pidfd taken after checking its start time, so a
 * recycled pid can never be hit. */
static int signal_init(const struct container *c, int sig, struct herr *err)
{
        int fd = (int)syscall(SYS_pidfd_open, c->state.pid, 0);
        if (fd < 0 || !proc_alive(c->state.pid, c->state.pid_start)) {
                if (fd >= 0)
                        close(fd);
                return 0;       /* already gone */
        }
        int r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
        int e = errno;
        close(fd);
        if (r < 0 && e != ESRCH)
                return herr_set(err, e, "signalling container %.12s", c->id);
        return 0;
}

static long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until the state no longer says running (the monitor recorded the
 * exit, or its processes are gone); timeout_ms < 0 waits for ever. */
static int wait_stopped(struct container *c, long timeout_ms)
{
        long end = now_ms() + timeout_ms;
        int delay = 1;
        for (;;) {
                struct herr ignored;
                container_state_load(c, &ignored);
                container_state_refresh(c);
                if (c->state.status != CTR_RUNNING && c->state.status != CTR_PAUSED &&
                    c->state.status != CTR_RESTARTING)
                        return 0;
                if (timeout_ms >= 0 && now_ms() >= end)
                        return -1;
                usleep((useconds_t)delay * 1000);
                delay = delay < 100 ? delay * 2 : 100;
        }
}

/* SIGKILL, and for a paused (frozen) container a thaw right after: on a
 * v1 freezer a frozen task does not die until it is thawed. */
static int kill_init(const struct container *c, struct herr *err)
{
        if (signal_init(c, SIGKILL, err) < 0)
                return -1;
        if (c->state.status == CTR_PAUSED) {
                struct herr ignored;
                container_thaw(c, &ignored);
        }
        return 0;
}

static int mark_stopped_by_user(struct container *c, struct herr *err)
{
        if (container_lock(c, err) < 0)
                return -1;
        container_state_load(c, err);
        c->state.stopped_by_user = 1;
        int r = container_state_save(c, err);
        container_unlock(c);
        return r;
}

static int stop_signal(const struct container *c)
{
        const char *s = json_str(json_object_get(c->meta, "Config"), "StopSignal");
        int sig = s ? signal_from_name(s) : -1;
        return sig > 0 ? sig : SIGTERM;
}

static int stop_open(struct container *c, int timeout, struct herr *err)
{
        container_state_refresh(c);
        /* Restarting, or exited with its monitor still deciding whether to
         * start it again: the monitor reads this mark before it does. */
        int between_runs = c->state.status == CTR_EXITED &&
                           proc_alive(c->state.monitor_pid, c->state.monitor_start);
        if (c->state.status == CTR_RESTARTING || between_runs)
                return mark_stopped_by_user(c, err) < 0 ? -1 : (wait_stopped(c, 70000), 0);
        if (!is_up(c))
                return 0;
        if (mark_stopped_by_user(c, err) < 0)
                return -1;
        /* A paused process cannot act on SIGTERM; SIGKILL still works. */
        if (c->state.status != CTR_PAUSED && signal_init(c, stop_signal(c), err) < 0)
                return -1;
        if (c->state.status == CTR_PAUSED || wait_stopped(c, timeout * 1000L) < 0) {
                if (kill_init(c, err) < 0)
                        return -1;
                if (wait_stopped(c, 30000) < 0)
                        return herr_set(err, 0, "container %.12s did not stop", c->id);
        }
        return 0;
}

int engine_stop(const struct engine_ctx *ctx, const char *ref, int timeout, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        return stop_open(&c, timeout < 0 ? 10 : timeout, err);
}

int engine_kill(const struct engine_ctx *ctx, const char *ref, int sig, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        container_state_refresh(&c);
        if (!is_up(&c))
                return herr_set(err, 0, "cannot kill container %s: container %.12s is not running", ref, c.id);
        if ((sig == SIGKILL || sig == SIGTERM) && mark_stopped_by_user(&c, err) < 0)
                return -1;
        if ((sig == SIGKILL ? kill_init(&c, err) : signal_init(&c, sig, err)) < 0)
                return -1;
        if (sig == SIGKILL)
                wait_stopped(&c, 10000);
        return 0;
}

/* The monitor is gone (killed, or never there): clean up after it. */
static void cleanup_without_monitor(struct container *c)
{
        _cleanup_json_ json_t *spec = NULL;
        struct herr ignored;
        const char *path;
        struct rt_cgroup *cg = NULL;
        if (container_spec_load(c, &spec, &ignored) < 0)
                return;
        path = json_str(json_object_get(spec, "linux"), "cgroupsPath");
        if (path && rt_cgroup_open(path, &cg, &ignored) == 0) {
                rt_cgroup_destroy(cg, &ignored);
                rt_cgroup_free(cg);
        }
}

int engine_start(const struct engine_ctx *ctx, const char *ref, int attach, int interactive, int *ret_status,
                 struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        if (container_lock(&c, err) < 0)
                return -1;
        container_state_load(&c, err);
        container_state_refresh(&c);
        if (is_up(&c) || c.state.status == CTR_RESTARTING) {
                container_unlock(&c);
                if (attach)
                        return herr_set(err, 0, "container %s is already running", ref);
                return 0;       /* Docker: starting a running container is fine */
        }
        /* A monitor that was killed (or a reboot) left the cgroup behind. */
        cleanup_without_monitor(&c);
        if (net_ensure(ctx, &c, err) < 0) {
                container_unlock(&c);
                return -1;
        }
        struct monitor_opts mo = { .wait_attach = attach };
        int r = monitor_start(ctx, &c, &mo, err);
        container_unlock(&c);
        if (r < 0 || !attach)
                return r;
        _cleanup_free_ char *run = container_run_dir(ctx, &c);
        json_t *cfg = json_object_get(c.meta, "Config");
        if (mio_attach_client(run, json_bool(cfg, "Tty", 0), interactive, err) < 0)
                return -1;
        wait_stopped(&c, -1);
        *ret_status = c.state.exit_code;
        return 0;
}

int engine_restart(const struct engine_ctx *ctx, const char *ref, int timeout, struct herr *err)
{
        int status;
        if (engine_stop(ctx, ref, timeout, err) < 0)
                return -1;
        return engine_start(ctx, ref, 0, 0, &status, err);
}

int engine_wait(const struct engine_ctx *ctx, const char *ref, int *ret_code, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        wait_stopped(&c, -1);
        *ret_code = c.state.exit_code;
        return 0;
}

int engine_rm(const struct engine_ctx *ctx, const char *ref, int flags, struct herr *err)
{
        int force = flags & ENGINE_RM_FORCE;
        _cleanup_container_ struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        container_state_refresh(&c);
        if (is_up(&c) || c.state.status == CTR_RESTARTING) {
                if (!force)
                        return herr_set(err, 0,
                                        "cannot remove container %s: container is %s: stop the container before removing or force remove",
                                        ref, ctr_status_name(c.state.status));
                mark_stopped_by_user(&c, err);
                kill_init(&c, err);
                wait_stopped(&c, 10000);
        }
        /* The monitor may still be writing its last state and log lines:
         * let it finish (bounded) so that nothing is written into the
         * directory while it goes. */
        for (int i = 0; i < 500 && proc_alive(c.state.monitor_pid, c.state.monitor_start); i++)
                usleep(10000);
        if (container_lock(&c, err) < 0)
                return -1;
        /* Whatever a killed monitor could not do: the cgroup (and any
         * process left in it) goes before the files. */
        cleanup_without_monitor(&c);
        c.state.status = CTR_REMOVING;
        container_state_save(&c, err);
        if (container_remove(ctx, &c, err) < 0)
                return -1;
        /* A --rm container's anonymous volumes go with it however it goes
         * (its monitor may have been killed before it could remove it). */
        int anon = (flags & ENGINE_RM_VOLUMES) || json_bool(json_object_get(c.meta, "HostConfig"), "AutoRemove", 0);
        volumes_release(ctx, c.id, json_object_get(c.meta, "Mounts"), anon);
        return 0;
}

int engine_rename(const struct engine_ctx *ctx, const char *ref, const char *name, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0 || container_lock(&c, err) < 0)
                return -1;
        if (!strcmp(c.name, name))
                return herr_set(err, 0, "renaming a container with the same name as its current name");
        if (container_rename(ctx, &c, name, err) < 0)
                return -1;
        net_rename(ctx, &c);
        return 0;
}

static json_t *inspect_state(const struct container *c)
{
        const struct ctr_state *s = &c->state;
        json_t *j = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status",
                              ctr_status_name(s->status), "Running", is_up(c), "Paused", s->status == CTR_PAUSED,
                              "Restarting", s->status == CTR_RESTARTING, "OOMKilled", s->oom_killed, "Dead",
                              s->status == CTR_DEAD, "Removing", s->status == CTR_REMOVING, "Pid",
                              is_up(c) ? (int)s->pid : 0, "ExitCode", s->exit_code, "Error", s->error,
                              "StartedAt", s->started_at[0] ? s->started_at : "0001-01-01T00:00:00Z",
                              "FinishedAt", s->finished_at[0] ? s->finished_at : "0001-01-01T00:00:00Z");
        if (s->health)
                json_object_set(j, "Health", s->health);
        return j;
}

int engine_inspect(const struct engine_ctx *ctx, const char *ref, json_t **ret, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        container_state_refresh(&c);
        json_t *j = json_deep_copy(c.meta);
        _cleanup_free_ char *name = xasprintf("/%s", c.name);
        _cleanup_free_ char *log = xasprintf("%s/%s-json.log", c.dir, c.id);
        json_object_set_new(j, "Name", json_string(name));
        json_object_set_new(j, "State", inspect_state(&c));
        json_object_set_new(j, "RestartCount", json_integer(c.state.restart_count));
        json_object_set_new(j, "LogPath", json_string(log));
        json_object_set_new(j, "Driver", json_string("overlay"));
        json_object_del(j, "ImageName");
        net_inspect_fill(&c, j);
        *ret = j;
        return 0;
}

int engine_prune(const struct engine_ctx *ctx, char ***ret, struct herr *err)
{
        struct container *v = NULL;
        size_t n = 0;
        if (container_list(ctx, &v, &n, err) < 0)
                return -1;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                enum ctr_status s = v[i].state.status;
                if (s != CTR_EXITED && s != CTR_CREATED && s != CTR_DEAD)
                        continue;
                if (engine_rm(ctx, v[i].id, 0, err) < 0)
                        r = -1;
                else
                        strv_push(ret, v[i].id);
        }
        container_list_free(v, n);
        return r;
}
