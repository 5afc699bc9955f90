#include "engine/monitor.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "engine/health.h"
#include "engine/monitor_io.h"
#include "engine/volume.h"
#include "runtime/container.h"
#include "runtime/spec.h"

enum report_type {
        REPORT_LISTENING = 1,   /* the attach socket is ready (wait_attach) */
        REPORT_STARTED,
        REPORT_FAILED,
};

struct report {
        int type;
        struct herr err;
};

struct monitor {
        const struct engine_ctx *ctx;
        struct container *c;
        struct oci_spec *spec;
        const struct monitor_opts *mo;
        struct log_opts lo;
        char *run_dir;
        int report_fd;          /* to the command that started us; -1 once told */
        int tty, open_stdin;
        char *seccomp_cache;
        struct health *health;
        int runs;               /* processes started so far: restarts are runs > 0 */
};

int restart_policy_parse(const char *s, json_t **ret, struct herr *err)
{
        long max = 0;
        char name[32];
        const char *colon = strchr(s, ':');
        snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
        if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") &&
            strcmp(name, "on-failure"))
                return herr_set(err, 0, "invalid restart policy \"%s\": use no, always, unless-stopped or on-failure[:N]", s);
        if (colon) {
                char *end;
                errno = 0;
                max = strtol(colon + 1, &end, 10);
                if (strcmp(name, "on-failure") || errno || end == colon + 1 || *end || max < 0)
                        return herr_set(err, 0, "invalid restart policy \"%s\": only on-failure takes a count, a number", s);
        }
        *ret = json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount", (int)max);
        return 0;
}

static void report(struct monitor *m, int type, const struct herr *e)
{
        if (m->report_fd < 0)
                return;
        struct report r = { .type = type };
        if (e)
                r.err = *e;
        if (write(m->report_fd, &r, sizeof r) < 0) {
                /* The command that started us is gone: nothing to tell. */
        }
        if (type != REPORT_LISTENING) {
                close(m->report_fd);
                m->report_fd = -1;
        }
}

/* Read-modify-write of state.json under the container's lock, so that a
 * concurrent stop (which sets StoppedByUser) is never overwritten. */
static void state_update(struct monitor *m, void (*change)(struct ctr_state *s, void *ud), void *ud)
{
        struct herr err;
        if (container_lock(m->c, &err) < 0)
                return;
        container_state_load(m->c, &err);
        change(&m->c->state, ud);
        container_state_save(m->c, &err);
        container_unlock(m->c);
}

struct run_info {
        const struct rt_container *rc;
        int restart;
        int cancelled;          /* out: a stop came while restarting */
};

static void set_running(struct ctr_state *s, void *ud)
{
        struct run_info *ri = ud;
        const struct rt_container *rc = ri->rc;
        /* `hull stop` during a restart marks the container and finds no
         * process to signal; a mark made after our last look must still
         * win, so the look and the switch to running are one locked step. */
        if (ri->restart && s->stopped_by_user) {
                ri->cancelled = 1;
                return;
        }
        s->status = CTR_RUNNING;
        s->pid = rc->pid;
        s->pid_start = proc_start_time(rc->pid);
        s->monitor_pid = getpid();
        s->monitor_start = proc_start_time(getpid());
        s->exit_code = 0;
        s->oom_killed = 0;
        s->stopped_by_user = 0;
        s->error[0] = '\0';
        s->finished_at[0] = '\0';
        rfc3339_now(s->started_at);
}

struct exit_info {
        int code, oom;
        const char *error;
};

static void set_exited(struct ctr_state *s, void *ud)
{
        const struct exit_info *x = ud;
        s->status = CTR_EXITED;
        s->pid = 0;
        s->exit_code = x->code;
        s->oom_killed = x->oom;
        snprintf(s->error, sizeof s->error, "%s", x->error ? x->error : "");
        rfc3339_now(s->finished_at);
}

static void set_restarting(struct ctr_state *s, void *ud)
{
        if (s->stopped_by_user)
                return;
        s->status = CTR_RESTARTING;
        s->restart_count++;
}

/* Reap what was reparented to us (we are a subreaper), but never the
 * processes whose owners wait for them by pidfd. */
static void reap_orphans(pid_t keep1, pid_t keep2)
{
        for (;;) {
                siginfo_t si = { 0 };
                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
                        return;
                if (si.si_pid == keep1 || si.si_pid == keep2)
                        return;
                waitpid(si.si_pid, NULL, WNOHANG);
        }
}

static int wait_loop(struct monitor *m, struct mio *io, struct rt_container *rc, int sfd)
{
        for (;;) {
                struct pollfd fds[64];
                int n = 0;
                fds[n++] = (struct pollfd){ .fd = rc->pidfd, .events = POLLIN };
                fds[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
                int hfd = m->health ? health_pollfd(m->health) : -1;
                fds[n++] = (struct pollfd){ .fd = hfd, .events = POLLIN };
                int base = n;
                n += mio_pollfds(io, fds + n, (int)ARRAY_SIZE(fds) - n);
                int timeout = m->health ? health_timeout_ms(m->health) : -1;
                if (poll(fds, (nfds_t)n, timeout) < 0 && errno != EINTR)
                        return -1;
                mio_handle(io, fds + base, n - base);
                if (fds[1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                                ;
                }
                if (m->health)
                        health_tick(m->health);
                reap_orphans(rc->pid, -1);
                if (fds[0].revents & POLLIN)
                        return 0;
        }
}

static int start_failed(struct monitor *m, const struct herr *e)
{
        struct exit_info x = { .code = e->code ? e->code : HERR_ENGINE, .error = e->msg };
        state_update(m, set_exited, &x);
        report(m, REPORT_FAILED, e);
        return -1;
}

/* One run of the container's process: create, start, wait, record. */
static int run_once(struct monitor *m, int sfd, int *ret_code)
{
        struct herr err = { 0 };
        struct mio *io = NULL;
        if (mio_new(m->c->dirfd, m->c->id, m->tty, m->open_stdin, &m->lo, m->run_dir, &io, &err) < 0)
                return start_failed(m, &err);
        struct rt_create_opts co = { .seccomp_cache_dir = m->seccomp_cache };
        struct rt_container rc = RT_CONTAINER_INIT;
        mio_set_stdin_once(io, json_bool(json_object_get(m->c->meta, "Config"), "StdinOnce", 0));
        mio_child_stdio(io, co.stdio);
        if (rt_create(m->spec, &co, &rc, &err) < 0) {
                mio_free(io);
                return start_failed(m, &err);
        }
        mio_started(io, rc.pty_master);
        rc.pty_master = -1;
        if (m->mo->wait_attach && m->report_fd >= 0) {
                report(m, REPORT_LISTENING, NULL);
                mio_wait_attach(io, 10000);
        }
        if (rt_start(&rc, &err) < 0) {
                rt_abort(&rc);
                mio_finish(io);
                mio_free(io);
                return start_failed(m, &err);
        }
        struct run_info ri = { .rc = &rc, .restart = m->runs++ > 0 };
        state_update(m, set_running, &ri);
        if (ri.cancelled)
                syscall(SYS_pidfd_send_signal, rc.pidfd, SIGKILL, NULL, 0);
        report(m, REPORT_STARTED, NULL);
        /* Compiling a seccomp filter the cache lacked, or a restart, can
         * leave a megabyte of freed heap; a monitor lives long. */
        malloc_trim(0);
        if (!m->health && health_new(m->ctx, m->c, &m->health, &err) < 0)
                m->health = NULL;
        wait_loop(m, io, &rc, sfd);
        int code = rt_wait(&rc, &err);
        mio_finish(io);
        mio_free(io);
        int oom = 0;
        rt_cleanup(&rc, &oom, &err);
        rt_release(&rc);
        struct exit_info x = { .code = code < 0 ? 255 : code, .oom = oom };
        state_update(m, set_exited, &x);
        *ret_code = x.code;
        return 0;
}

static int should_restart(struct monitor *m, int code)
{
        json_t *p = json_object_get(json_object_get(m->c->meta, "HostConfig"), "RestartPolicy");
        const char *name = json_str(p, "Name");
        struct herr err;
        container_state_load(m->c, &err);
        if (!name || m->c->state.stopped_by_user || !strcmp(name, "no"))
                return 0;
        if (!strcmp(name, "on-failure")) {
                long long max = json_int(p, "MaximumRetryCount", 0);
                return code != 0 && (max == 0 || m->c->state.restart_count < max);
        }
        return 1;       /* always, unless-stopped */
}

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int monitor_prepare(struct monitor *m, struct herr *err)
{
        /* `run -d` hands over the config it has just written: reading it
         * back would cost time on the way to the container's start. */
        _cleanup_json_ json_t *j = m->mo->spec ? json_incref(m->mo->spec) : NULL;
        if ((!j && container_spec_load(m->c, &j, err) < 0) || rt_spec_parse(j, m->c->dir, &m->spec, err) < 0)
                return -1;
        json_t *cfg = json_object_get(m->c->meta, "Config");
        m->tty = json_bool(cfg, "Tty", 0);
        m->open_stdin = json_bool(cfg, "OpenStdin", 0);
        json_t *lc = json_object_get(json_object_get(json_object_get(m->c->meta, "HostConfig"), "LogConfig"), "Config");
        const char *k;
        json_t *v;
        json_object_foreach(lc, k, v) {
                _cleanup_free_ char *kv = xasprintf("%s=%s", k, json_string_value(v) ?: "");
                if (log_opt_parse(&m->lo, kv, err) < 0)
                        return -1;
        }
        m->seccomp_cache = xasprintf("%s/cache/seccomp", m->ctx->root);
        return 0;
}

/* Every fd hull opens is close-on-exec; an fd without the flag came from
 * whoever ran hull (a shell's pipe, bats' fd 3) and must not be held open
 * for the life of the container. */
static void close_inherited_fds(void)
{
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (fd > 2 && fd != dirfd(d) && (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0)
                        close(fd);
        }
}

static _Noreturn void monitor_main(struct monitor *m)
{
        close_inherited_fds();
        /* The command we were forked from left heap behind; a monitor
         * lives long, so give back what it will never use. */
        malloc_trim(0);
        /* A detached monitor holds no terminal and no caller's fds. */
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int i = 0; i < 3 && null >= 0; i++)
                dup2(null, i);
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        prctl(PR_SET_NAME, "hull-monitor", 0, 0, 0);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
        int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        struct herr err = { 0 };
        if (monitor_prepare(m, &err) < 0) {
                start_failed(m, &err);
                _exit(1);
        }
        /* We are a fork that never returns to the caller who lent us the
         * config: its reference is dead here, and the parsed spec is all
         * we need, so let the tree go before anything else is allocated. */
        if (m->mo->spec)
                json_decref(m->mo->spec);
        long backoff = 100;
        for (;;) {
                long began = now_ms();
                int code = 0;
                if (run_once(m, sfd, &code) < 0 || !should_restart(m, code))
                        break;
                /* Docker's back-off: 100 ms doubling up to a minute, back to
                 * 100 ms after a run that lasted 10 s or more. */
                if (now_ms() - began >= 10000)
                        backoff = 100;
                state_update(m, set_restarting, NULL);
                sleep_ms(backoff);
                backoff = backoff * 2 > 60000 ? 60000 : backoff * 2;
                container_state_load(m->c, &err);
                if (m->c->state.stopped_by_user) {
                        struct exit_info x = { .code = m->c->state.exit_code };
                        state_update(m, set_exited, &x);
                        break;
                }
        }
        health_free(m->health);
        if (json_bool(json_object_get(m->c->meta, "HostConfig"), "AutoRemove", 0) &&
            container_remove(m->ctx, m->c, &err) == 0)
                volumes_release(m->ctx, m->c->id, json_object_get(m->c->meta, "Mounts"), 1);
        _exit(0);
}

int monitor_start(const struct engine_ctx *ctx, struct container *c, const struct monitor_opts *mo,
                  struct herr *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return herr_set(err, errno, "creating the monitor's pipe");
        _cleanup_free_ char *run_dir = container_run_dir(ctx, c);
        pid_t pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return herr_set(err, errno, "starting the monitor");
        }
        if (pid == 0) {
                close(p[0]);
                setsid();
                if (fork() != 0)
                        _exit(0);
                struct monitor m = {
                        .ctx = ctx, .c = c, .mo = mo, .run_dir = run_dir, .report_fd = p[1],
                        .lo = { .max_size = 0, .max_file = 1 },
                };
                monitor_main(&m);
        }
        close(p[1]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        struct report r;
        ssize_t n;
        do
                n = read(p[0], &r, sizeof r);
        while (n < 0 && errno == EINTR);
        close(p[0]);
        if (n != (ssize_t)sizeof r)
                return herr_set(err, 0, "the container's monitor ended before the container started");
        if (r.type == REPORT_FAILED) {
                *err = r.err;
                return -1;
        }
        return 0;
}
