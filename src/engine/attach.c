/* The client end of the attach socket (protocol in monitor_io.c), and
 * hull attach on top of it. */
#include "engine/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "engine/container.h"
#include "engine/monitor_io.h"

/* What --sig-proxy forwards (Docker forwards all but SIGCHLD, SIGPIPE,
 * SIGURG and SIGWINCH; these are the ones a person sends). */
static const int proxied[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct relay {
        const struct attach_client_opts *o;
        int sock;
        int stdin_open;
        int shut;                       /* our write side is shut down */
        char in[16384];
        size_t in_off, in_len;
        unsigned char hdr[8];           /* a frame header being read */
        size_t hdr_len;
        size_t frame_left;
        int frame_fd;
};

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Output from the socket to our stdout and stderr. */
static int demux(struct relay *r, const char *p, size_t n)
{
        if (r->o->tty)
                return write_all(STDOUT_FILENO, p, n);
        while (n > 0) {
                if (r->frame_left == 0) {
                        size_t k = sizeof r->hdr - r->hdr_len < n ? sizeof r->hdr - r->hdr_len : n;
                        memcpy(r->hdr + r->hdr_len, p, k);
                        r->hdr_len += k;
                        p += k;
                        n -= k;
                        if (r->hdr_len < sizeof r->hdr)
                                break;
                        r->hdr_len = 0;
                        r->frame_fd = r->hdr[0] == 2 ? STDERR_FILENO : STDOUT_FILENO;
                        r->frame_left = (size_t)r->hdr[4] << 24 | (size_t)r->hdr[5] << 16 |
                                        (size_t)r->hdr[6] << 8 | r->hdr[7];
                        continue;
                }
                size_t k = r->frame_left < n ? r->frame_left : n;
                if (write_all(r->frame_fd, p, k) < 0)
                        return -1;
                r->frame_left -= k;
                p += k;
                n -= k;
        }
        return 0;
}

struct term {
        int saved;
        struct termios orig;
};

static void term_raw(struct term *t)
{
        t->saved = 0;
        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->orig) < 0)
                return;
        struct termios raw = t->orig;
        /* Fully raw: the container's pty does the line editing and turns
         * Ctrl-C into its signal. */
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
                t->saved = 1;
}

static void term_restore(const struct term *t)
{
        if (t->saved)
                tcsetattr(STDIN_FILENO, TCSADRAIN, &t->orig);
}

static int attach_connect(const char *attach_dir, struct herr *err)
{
        _cleanup_close_ int dirfd = open(attach_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return herr_set(err, errno, "attaching: opening %s", attach_dir);
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return herr_set(err, errno, "attaching: creating a socket");
        /* Through the directory's fd, as the monitor binds it: the path
         * may not fit in sun_path. */
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/attach", dirfd);
        while (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
                if (errno != EINTR)
                        return herr_set(err, errno, "attaching: connecting to %s/attach", attach_dir);
        return TAKE_FD(s);
}

/* The signal proxy's target.  A handler, not a signalfd: a client stuck
 * writing to a stdout nobody reads must still pass signals on, and still
 * die of them once the container is gone.  A handler has no other way to
 * know its target, hence the one static. */
static int proxy_pidfd = -1;

static void proxy_handler(int sig)
{
        int saved = errno;
        if (syscall(SYS_pidfd_send_signal, proxy_pidfd, sig, NULL, 0) < 0) {
                /* The container is gone: the signal is ours again. */
                signal(sig, SIG_DFL);
                raise(sig);
        }
        errno = saved;
}

static void proxy_install(int pidfd, struct sigaction old[])
{
        struct sigaction sa = { .sa_handler = proxy_handler, .sa_flags = SA_RESTART };
        sigemptyset(&sa.sa_mask);
        proxy_pidfd = pidfd;
        for (size_t i = 0; i < ARRAY_SIZE(proxied); i++)
                sigaction(proxied[i], pidfd >= 0 ? &sa : NULL, &old[i]);
}

static void proxy_remove(const struct sigaction old[])
{
        for (size_t i = 0; i < ARRAY_SIZE(proxied); i++)
                sigaction(proxied[i], &old[i], NULL);
        proxy_pidfd = -1;
}

static void stdin_read(struct relay *r)
{
        ssize_t n = read(STDIN_FILENO, r->in, sizeof r->in);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                r->stdin_open = 0;
                return;
        }
        r->in_off = 0;
        r->in_len = (size_t)n;
}

static void stdin_send(struct relay *r)
{
        while (r->in_off < r->in_len) {
                ssize_t n = send(r->sock, r->in + r->in_off, r->in_len - r->in_off, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n < 0) {
                        /* The monitor is gone; its output tells the rest. */
                        r->stdin_open = 0;
                        r->in_off = r->in_len = 0;
                        return;
                }
                r->in_off += (size_t)n;
        }
        r->in_off = r->in_len = 0;
        /* The end of our stdin is a half-close: the monitor reads it as
         * the end of this client's input. */
        if (!r->stdin_open && !r->shut) {
                shutdown(r->sock, SHUT_WR);
                r->shut = 1;
        }
}

/* One round; 1 when the stream ended. */
static int relay_once(struct relay *r, struct herr *err)
{
        int pending = r->in_len > r->in_off;
        struct pollfd p[2] = {
                { .fd = r->sock, .events = POLLIN | (pending ? POLLOUT : 0) },
                { .fd = r->stdin_open && !pending ? STDIN_FILENO : -1, .events = POLLIN },
        };
        if (poll(p, 2, -1) < 0)
                return errno == EINTR ? 0 : herr_set(err, errno, "attaching: poll");
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
                stdin_read(r);
        if (r->o->send_stdin)
                stdin_send(r);
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
                return 0;
        char buf[65536];
        ssize_t n = recv(r->sock, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : 1;
        if (n == 0)
                return 1;
        if (demux(r, buf, (size_t)n) < 0)
                return herr_set(err, errno, "attaching: writing the output");
        return 0;
}

int mio_attach_client_opts(const char *attach_dir, const struct attach_client_opts *o, struct herr *err)
{
        _cleanup_close_ int sock = attach_connect(attach_dir, err);
        if (sock < 0)
                return -1;
        struct sigaction old[ARRAY_SIZE(proxied)];
        proxy_install(o->proxy_pidfd, old);
        struct relay r = { .o = o, .sock = sock, .stdin_open = o->send_stdin, .shut = !o->send_stdin };
        struct term t = { 0 };
        if (o->tty && o->send_stdin)
                term_raw(&t);
        int ret;
        while ((ret = relay_once(&r, err)) == 0)
                ;
        term_restore(&t);
        proxy_remove(old);
        return ret < 0 ? -1 : 0;
}

int mio_attach_client(const char *attach_dir, int tty, int send_stdin, struct herr *err)
{
        struct attach_client_opts o = { .tty = tty, .send_stdin = send_stdin, .proxy_pidfd = -1 };
        return mio_attach_client_opts(attach_dir, &o, err);
}

/* ---- hull attach ---- */

/* The container's PID 1, checked against pid reuse; -1 when gone. */
static int container_pidfd(const struct container *c)
{
        int fd = (int)syscall(SYS_pidfd_open, c->state.pid, 0);
        if (fd >= 0 && !proc_alive(c->state.pid, c->state.pid_start)) {
                close(fd);
                return -1;
        }
        return fd;
}

static void sleep_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* The stream ends after the monitor reaped the process, so a live PID 1
 * means we were dropped, not that it ended; a dead one, that the monitor
 * is about to record its exit. */
int attach_exit_code(struct container *c)
{
        struct herr ignored;
        for (int i = 0; i < 500; i++) {
                if (container_state_load(c, &ignored) < 0)
                        return 0;       /* removed already (--rm): Docker says 0 too */
                const struct ctr_state *s = &c->state;
                if (s->status != CTR_RUNNING && s->status != CTR_PAUSED)
                        return s->exit_code;
                if (proc_alive(s->pid, s->pid_start))
                        return 0;
                if (!proc_alive(s->monitor_pid, s->monitor_start)) {
                        container_state_refresh(c);
                        return c->state.exit_code;
                }
                sleep_ms(20);
        }
        return 0;
}

static int attach_running(const struct engine_ctx *ctx, struct container *c, const struct attach_opts *o,
                          int *ret_status, struct herr *err)
{
        container_state_refresh(c);
        switch (c->state.status) {
        case CTR_RUNNING:
                break;
        case CTR_PAUSED:
                return herr_setc(err, 1, 0, "You cannot attach to a paused container, unpause it first");
        case CTR_RESTARTING:
                return herr_setc(err, 1, 0, "You cannot attach to a restarting container, wait until it is running");
        default:
                return herr_setc(err, 1, 0, "You cannot attach to a stopped container, start it first");
        }
        json_t *cfg = json_object_get(c->meta, "Config");
        struct attach_client_opts co = {
                .tty = json_bool(cfg, "Tty", 0),
                .send_stdin = !o->no_stdin && json_bool(cfg, "OpenStdin", 0),
                .proxy_pidfd = -1,
        };
        /* With a tty, Ctrl-C is a byte for the container's terminal. */
        _cleanup_close_ int pidfd = o->sig_proxy && !co.tty ? container_pidfd(c) : -1;
        co.proxy_pidfd = pidfd;
        _cleanup_free_ char *dir = container_run_dir(ctx, c);
        if (mio_attach_client_opts(dir, &co, err) < 0)
                return -1;
        *ret_status = attach_exit_code(c);
        return 0;
}

int engine_attach(const struct engine_ctx *ctx, const char *ref, const struct attach_opts *o, int *ret_status,
                  struct herr *err)
{
        struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        int r = attach_running(ctx, &c, o, ret_status, err);
        container_close(&c);
        return r;
}
