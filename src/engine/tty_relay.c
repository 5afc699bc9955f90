#include "engine/tty_relay.h"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

void term_raw(struct term_state *t, int fd)
{
        t->fd = fd;
        t->saved = 0;
        if (tcgetattr(fd, &t->orig) < 0)
                return;
        struct termios raw = t->orig;
        cfmakeraw(&raw);
        if (tcsetattr(fd, TCSADRAIN, &raw) == 0)
                t->saved = 1;
}

void term_restore(struct term_state *t)
{
        if (t->saved)
                tcsetattr(t->fd, TCSADRAIN, &t->orig);
        t->saved = 0;
}

void tty_copy_winsize(int from, int to)
{
        struct winsize ws;
        if (ioctl(from, TIOCGWINSZ, &ws) == 0)
                ioctl(to, TIOCSWINSZ, &ws);
}

int relay_signals(sigset_t *old, struct herr *err)
{
        sigset_t mask;
        sigemptyset(&mask);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaddset(&mask, forwarded[i]);
        sigprocmask(SIG_BLOCK, &mask, old);
        int fd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (fd < 0) {
                sigprocmask(SIG_SETMASK, old, NULL);
                return herr_set(err, errno, "signalfd");
        }
        return fd;
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

static void forward_signal(const struct rt_container *c, int sig)
{
        if (sig == SIGWINCH) {
                if (c->pty_master >= 0)
                        tty_copy_winsize(STDIN_FILENO, c->pty_master);
                return;
        }
        syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0);
}

/* What the process wrote before it exited.  The pty hands data over
 * through a work queue, so wait a little for it; but a child the process
 * left behind may hold the pty open, so stop after a quiet moment. */
static void drain(int master)
{
        struct pollfd p = { .fd = master, .events = POLLIN };
        while (master >= 0 && poll(&p, 1, 100) > 0)
                if (pump(master, STDOUT_FILENO) <= 0)
                        return;
}

void relay_run(const struct rt_container *c, int stdin_to_pty, int sfd)
{
        int master = c->pty_master;
        int stdin_open = stdin_to_pty && master >= 0;
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
                        return;
                }
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                                forward_signal(c, (int)si.ssi_signo);
                }
                if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) && pump(master, STDOUT_FILENO) <= 0)
                        master_open = 0;
                if ((p[3].revents & (POLLIN | POLLHUP | POLLERR)) && pump(STDIN_FILENO, master) <= 0)
                        stdin_open = 0;
                if (p[1].revents & POLLIN) {
                        drain(master_open ? master : -1);
                        return;
                }
        }
}
