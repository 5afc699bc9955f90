#include "engine/supervise.h"

#include <errno.h>
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
#include "runtime/container.h"
#include <stdio.h>

/* Signals a user sends to hull go to the container instead. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

struct term_state {
        int fd;
        int saved;
        struct termios orig;
};

static void term_restore(struct term_state *t)
{
        if (t->saved)
                tcsetattr(t->fd, TCSADRAIN, &t->orig);
}

static void term_raw(struct term_state *t, int fd)
{
        t->fd = fd;
        t->saved = 0;
        if (tcgetattr(fd, &t->orig) < 0)
                return;
        struct termios raw = t->orig;
        /* Fully raw: the container's pty does its own output processing,
         * and Ctrl-C must travel as a byte to the container's terminal. */
        cfmakeraw(&raw);
        if (tcsetattr(fd, TCSADRAIN, &raw) == 0)
                t->saved = 1;
}

static void copy_winsize(int from, int to)
{
        struct winsize ws;
        if (ioctl(from, TIOCGWINSZ, &ws) == 0)
                ioctl(to, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -1;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Moves what is readable from one fd to another; 0 at EOF. */
static ssize_t pump(int from, int to)
{
        char buf[16384];
        ssize_t n = read(from, buf, sizeof buf);
        if (n > 0 && write_all(to, buf, (size_t)n) < 0)
                return -1;
        return n;
}

static void forward_signal(struct rt_container *c, int sig)
{
        if (sig == SIGWINCH) {
                if (c->pty_master >= 0)
                        copy_winsize(STDIN_FILENO, c->pty_master);
                return;
        }
        syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0);
}

static int relay(struct rt_container *c, const struct run_opts *o, int sfd)
{
        int master = c->pty_master;
        int stdin_open = o->interactive && master >= 0;
        int master_open = master >= 0;
        for (;;) {
                struct pollfd p[4] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = c->pidfd, .events = POLLIN },
                        { .fd = master_open ? master : -1, .events = POLLIN },
                        { .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
                };
                if (poll(p, 4, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                                forward_signal(c, (int)si.ssi_signo);
                }
                if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
                        if (pump(master, STDOUT_FILENO) <= 0)
                                master_open = 0;
                }
                if (p[3].revents & (POLLIN | POLLHUP | POLLERR)) {
                        if (pump(STDIN_FILENO, master) <= 0)
                                stdin_open = 0;
                }
                if (p[1].revents & POLLIN) {
                        /* Drain what the process wrote before it exited. */
                        while (master_open && pump(master, STDOUT_FILENO) > 0)
                                ;
                        return 0;
                }
        }
}

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
        sigset_t mask, old;
        sigemptyset(&mask);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaddset(&mask, forwarded[i]);
        sigprocmask(SIG_BLOCK, &mask, &old);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        struct rt_create_opts co = { .seccomp_cache_dir = seccomp_cache };
        struct rt_container c = RT_CONTAINER_INIT;
        struct term_state term = { 0 };
        int r = -1;
        if (sfd < 0) {
                herr_set(err, errno, "signalfd");
                goto out;
        }
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
                copy_winsize(STDIN_FILENO, c.pty_master);
                if (o->interactive)
                        term_raw(&term, STDIN_FILENO);
        }
        r = rt_start(&c, err);
        if (r < 0) {
                if (!o->rm)
                        record(ctr, NULL, err->code ? err->code : HERR_ENGINE, 0, err->msg);
                goto out;
        }
        if (!o->rm)
                record(ctr, &c, 0, 0, NULL);
        relay(&c, o, sfd);
        r = rt_wait(&c, err);
        if (r >= 0) {
                ret->status = r;
                r = rt_cleanup(&c, &ret->oom_killed, err);
                if (!o->rm)
                        record(ctr, NULL, ret->status, ret->oom_killed, NULL);
        }
out:
        term_restore(&term);
        if (c.pid > 0)
                rt_abort(&c);
        rt_release(&c);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
