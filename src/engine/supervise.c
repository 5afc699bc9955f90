#include "engine/supervise.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "engine/tty_relay.h"
#include "runtime/container.h"

static int open_stdio(const struct run_opts *o, int stdio[3], struct herr *err)
{
        stdio[0] = STDIN_FILENO;
        stdio[1] = STDOUT_FILENO;
        stdio[2] = STDERR_FILENO;
        if (!o->interactive) {
                stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (stdio[0] < 0)
                        return herr_set(err, errno, "opening /dev/null");
        }
        return 0;
}

static void record(struct container *c, const struct rt_container *rc, int status, int oom, const char *error)
{
        struct herr ignored;
        if (container_lock(c, &ignored) < 0)
                return;
        container_state_load(c, &ignored);
        struct ctr_state *s = &c->state;
        if (rc) {
                s->status = CTR_RUNNING;
                s->pid = rc->pid;
                s->pid_start = proc_start_time(rc->pid);
                s->monitor_pid = getpid();
                s->monitor_start = proc_start_time(getpid());
                rfc3339_now(s->started_at);
        } else {
                s->status = CTR_EXITED;
                s->pid = 0;
                s->exit_code = status;
                s->oom_killed = oom;
                snprintf(s->error, sizeof s->error, "%s", error ? error : "");
                rfc3339_now(s->finished_at);
        }
        container_state_save(c, &ignored);
        container_unlock(c);
}

int supervise_foreground(const struct oci_spec *spec, const struct run_opts *o, const char *seccomp_cache,
                         struct container *ctr, struct run_result *ret, struct herr *err)
{
        sigset_t old;
        _cleanup_close_ int sfd = relay_signals(&old, err);
        if (sfd < 0)
                return -1;
        struct rt_create_opts co = { .seccomp_cache_dir = seccomp_cache };
        struct rt_container c = RT_CONTAINER_INIT;
        struct term_state term = { 0 };
        int r = -1;
        if (open_stdio(o, co.stdio, err) < 0)
                goto out;
        r = rt_create(spec, &co, &c, err);
        if (co.stdio[0] != STDIN_FILENO)
                close(co.stdio[0]);
        if (r < 0) {
                if (!o->rm)
                        record(ctr, NULL, err->code ? err->code : HERR_ENGINE, 0, err->msg);
                goto out;
        }
        if (c.pty_master >= 0 && isatty(STDIN_FILENO)) {
                tty_copy_winsize(STDIN_FILENO, c.pty_master);
                if (o->interactive)
                        term_raw(&term, STDIN_FILENO);
        }
        r = rt_start(&c, err);
        if (r < 0) {
                if (!o->rm)
                        record(ctr, NULL, err->code ? err->code : HERR_ENGINE, 0, err->msg);
                goto out;
        }
        /* Also with --rm: `hull ps` shows what runs.  The write overlaps
         * the container's own start, so it costs a short run little. */
        record(ctr, &c, 0, 0, NULL);
        relay_run(&c, o->interactive && c.pty_master >= 0, sfd);
        r = rt_wait(&c, err);
        if (r >= 0) {
                ret->status = r;
                r = rt_cleanup(&c, &ret->oom_killed, err);
                if (!o->rm)
                        record(ctr, NULL, ret->status, ret->oom_killed, NULL);
        }
out:
        term_restore(&term);
        /* Also after a failed start (its process is already reaped): the
         * container's cgroup must not outlive it. */
        rt_abort(&c);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
