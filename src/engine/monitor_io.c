/* The container's stdio inside its monitor: output to the json-file log
 * and to attach clients, client input to the container's stdin.
 *
 * Nothing here may block the monitor: every fd we poll is non-blocking,
 * a client that cannot keep up is dropped once MIO_CLIENT_BACKLOG bytes
 * wait for it, and client input is read only while the container's stdin
 * has room, so a container that does not read its stdin slows the
 * clients, not the monitor.
 *
 * The attach protocol (Docker's attach stream):
 *   monitor -> client: without a tty, frames [stream][0 0 0][len, 4 bytes
 *     big-endian] + payload, stream 1 stdout, 2 stderr; with a tty the
 *     raw bytes of the pty.
 *   client -> monitor: raw stdin bytes.  A half-close (shutdown of the
 *     client's write side) is the end of its stdin: with stdin_once (Docker's
 *     StdinOnce: run -i / start -ai) and no tty it closes the container's
 *     stdin, otherwise the container's stdin stays open for later clients.
 *     A client that goes away altogether (close) only detaches: POLLHUP
 *     tells the two apart, so a client without stdin never ends it.
 *   The monitor closes every client when the container's output has
 *   ended (mio_finish). */
#include "engine/monitor_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "engine/logfile.h"

#define MIO_MAX_CLIENTS 32
#define MIO_CLIENT_BACKLOG (1024 * 1024)
#define MIO_READ_SIZE 65536
#define FRAME_HEADER 8

/* Bytes waiting for a non-blocking fd. */
struct queue {
        char *p;
        size_t off, len;
};

struct client {
        int fd;
        int input_done;                 /* half-closed, or input of no use */
        struct queue out;
};

enum slot_kind {
        SLOT_OUT,
        SLOT_LISTEN,
        SLOT_STDIN,
        SLOT_CLIENT,
};

struct slot {
        enum slot_kind kind;
        int idx;
};

struct mio {
        int tty, open_stdin, stdin_once;
        int child[3];                   /* the container's stdio until mio_started */
        int out[2];                     /* read ends: stdout (or the pty master), stderr */
        int in;                         /* the container's stdin: pipe write end or pty master */
        struct queue in_q;
        struct logfile *log;
        int listen_fd;
        int attach_dirfd;               /* O_PATH */
        struct client clients[MIO_MAX_CLIENTS];
        int nclients;
        struct slot slots[2 + 1 + 1 + MIO_MAX_CLIENTS];
        int nslots;
};

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void set_nonblock(int fd)
{
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
                fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- queues ---- */

static size_t queue_size(const struct queue *q)
{
        return q->len - q->off;
}

static int queue_add(struct queue *q, const char *p, size_t n)
{
        if (q->off == q->len)
                q->off = q->len = 0;
        char *np = realloc(q->p, q->len + n);
        if (!np)
                return -1;
        q->p = np;
        memcpy(q->p + q->len, p, n);
        q->len += n;
        return 0;
}

/* Write what fits; -1 when the fd is broken. */
static int queue_send(struct queue *q, int fd, int sock)
{
        while (queue_size(q) > 0) {
                ssize_t n = sock ? send(fd, q->p + q->off, queue_size(q), MSG_DONTWAIT | MSG_NOSIGNAL)
                                 : write(fd, q->p + q->off, queue_size(q));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN ? 0 : -1;
                q->off += (size_t)n;
        }
        free(q->p);
        *q = (struct queue){ 0 };
        return 0;
}

static void queue_free(struct queue *q)
{
        free(q->p);
        *q = (struct queue){ 0 };
}

/* ---- set-up ---- */

static int open_pipe(int ours_is_read, int *ours, int *theirs, struct herr *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return herr_set(err, errno, "creating the container's stdio");
        *ours = ours_is_read ? p[0] : p[1];
        *theirs = ours_is_read ? p[1] : p[0];
        set_nonblock(*ours);
        return 0;
}

static int open_stdio(struct mio *m, struct herr *err)
{
        int null_in = -1;
        if (m->tty || !m->open_stdin) {
                null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null_in < 0)
                        return herr_set(err, errno, "opening /dev/null");
        }
        if (m->tty) {
                /* The runtime gives the process the pty's slave instead. */
                m->child[0] = null_in;
                return 0;
        }
        m->child[0] = null_in;
        if (m->open_stdin && open_pipe(0, &m->in, &m->child[0], err) < 0)
                return -1;
        if (open_pipe(1, &m->out[0], &m->child[1], err) < 0 || open_pipe(1, &m->out[1], &m->child[2], err) < 0)
                return -1;
        return 0;
}

/* The socket's path can be longer than sun_path's 108 bytes (a long
 * --root or run dir), so bind through /proc/self/fd/N/attach of an O_PATH
 * fd of the directory: Linux resolves the magic link to the directory
 * itself, and the socket is created in it whatever its path. */
static void socket_addr(int dirfd, struct sockaddr_un *sa)
{
        *sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
        snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/attach", dirfd);
}

static int attach_listen(struct mio *m, const char *attach_dir, struct herr *err)
{
        m->attach_dirfd = open(attach_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (m->attach_dirfd < 0)
                return herr_set(err, errno, "opening %s", attach_dir);
        /* A socket left by an earlier run of this container. */
        unlinkat(m->attach_dirfd, "attach", 0);
        m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (m->listen_fd < 0)
                return herr_set(err, errno, "creating the attach socket");
        struct sockaddr_un sa;
        socket_addr(m->attach_dirfd, &sa);
        if (bind(m->listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0)
                return herr_set(err, errno, "binding the attach socket in %s", attach_dir);
        if (listen(m->listen_fd, 16) < 0)
                return herr_set(err, errno, "listening on the attach socket");
        return 0;
}

int mio_new(int dirfd, const char *id, int tty, int open_stdin, const struct log_opts *lo, const char *attach_dir,
            struct mio **ret, struct herr *err)
{
        struct mio *m = calloc(1, sizeof *m);
        if (!m)
                return herr_set(err, ENOMEM, "setting up the container's stdio");
        m->tty = tty;
        m->open_stdin = open_stdin;
        m->child[0] = m->child[1] = m->child[2] = -1;
        m->out[0] = m->out[1] = m->in = m->listen_fd = m->attach_dirfd = -1;
        _cleanup_free_ char *name = xasprintf("%s-json.log", id);
        if (log_opts_check(lo, err) < 0 || logfile_open(dirfd, name, lo, &m->log, err) < 0 ||
            open_stdio(m, err) < 0 || attach_listen(m, attach_dir, err) < 0) {
                mio_free(m);
                return -1;
        }
        *ret = m;
        return 0;
}

void mio_set_stdin_once(struct mio *m, int on)
{
        m->stdin_once = on;
}

void mio_child_stdio(struct mio *m, int stdio[3])
{
        for (int i = 0; i < 3; i++)
                stdio[i] = m->child[i];
}

void mio_started(struct mio *m, int pty_master)
{
        /* Close each of the container's ends once (with a tty, 1 and 2 are
         * unused). */
        for (int i = 0; i < 3; i++)
                close_fd(&m->child[i]);
        if (pty_master < 0)
                return;
        set_nonblock(pty_master);
        m->out[0] = pty_master;
        if (m->open_stdin)
                m->in = pty_master;
}

unsigned long long mio_log_dropped(const struct mio *m)
{
        return m->log ? logfile_dropped(m->log) : 0;
}

/* ---- clients ---- */

static void client_drop(struct mio *m, int i)
{
        close_fd(&m->clients[i].fd);
        queue_free(&m->clients[i].out);
        m->clients[i] = m->clients[--m->nclients];
        m->clients[m->nclients] = (struct client){ .fd = -1 };
}

/* Without a terminal, frames as Docker's stdcopy; with one, raw bytes.
 * buf has FRAME_HEADER bytes of room before data. */
static void clients_send(struct mio *m, int stream, char *data, size_t n)
{
        char *p = data;
        size_t len = n;
        if (!m->tty) {
                p = data - FRAME_HEADER;
                p[0] = (char)stream;
                p[1] = p[2] = p[3] = 0;
                p[4] = (char)(n >> 24);
                p[5] = (char)(n >> 16);
                p[6] = (char)(n >> 8);
                p[7] = (char)n;
                len = n + FRAME_HEADER;
        }
        for (int i = m->nclients - 1; i >= 0; i--) {
                struct client *c = &m->clients[i];
                /* Never block the container on one slow client: queue what
                 * its socket does not take, and drop it once too much waits. */
                if (queue_add(&c->out, p, len) < 0 || queue_send(&c->out, c->fd, 1) < 0 ||
                    queue_size(&c->out) > MIO_CLIENT_BACKLOG)
                        client_drop(m, i);
        }
}

static void accept_clients(struct mio *m)
{
        for (;;) {
                int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                        return;
                if (m->nclients == MIO_MAX_CLIENTS) {
                        close(fd);
                        continue;
                }
                m->clients[m->nclients++] = (struct client){ .fd = fd, .input_done = 0 };
        }
}

/* The end of the container's stdin (stdin_once). */
static void stdin_close(struct mio *m)
{
        queue_free(&m->in_q);
        if (m->in >= 0 && m->in != m->out[0])
                close(m->in);
        m->in = -1;
}

static void stdin_push(struct mio *m)
{
        if (m->in < 0) {
                queue_free(&m->in_q);
                return;
        }
        if (queue_send(&m->in_q, m->in, 0) < 0) {
                /* The container closed its stdin (EPIPE) or its pty went. */
                stdin_close(m);
        }
}

/* Input from client i; returns -1 when the client is gone. */
static int client_input(struct mio *m, int i, short revents)
{
        struct client *c = &m->clients[i];
        if (!c->input_done && queue_size(&m->in_q) == 0 && (revents & (POLLIN | POLLRDHUP | POLLHUP))) {
                char buf[MIO_READ_SIZE];
                ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n > 0 && m->in >= 0 && queue_add(&m->in_q, buf, (size_t)n) == 0)
                        stdin_push(m);
                if (n == 0 && !(revents & POLLHUP)) {
                        c->input_done = 1;
                        if (m->stdin_once && !m->tty)
                                stdin_close(m);
                }
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -1;
        }
        if (revents & (POLLHUP | POLLERR))
                return -1;
        if ((revents & POLLOUT) && queue_send(&c->out, c->fd, 1) < 0)
                return -1;
        return 0;
}

/* ---- the loop ---- */

static int add_slot(struct mio *m, struct pollfd *fds, int max, int fd, short events, enum slot_kind kind, int idx)
{
        if (m->nslots >= max || m->nslots >= (int)ARRAY_SIZE(m->slots))
                return -1;
        fds[m->nslots] = (struct pollfd){ .fd = fd, .events = events };
        m->slots[m->nslots++] = (struct slot){ .kind = kind, .idx = idx };
        return 0;
}

int mio_pollfds(struct mio *m, struct pollfd *fds, int max)
{
        m->nslots = 0;
        for (int i = 0; i < 2; i++)
                if (m->out[i] >= 0)
                        add_slot(m, fds, max, m->out[i], POLLIN, SLOT_OUT, i);
        if (m->in >= 0 && queue_size(&m->in_q) > 0)
                add_slot(m, fds, max, m->in, POLLOUT, SLOT_STDIN, 0);
        if (m->listen_fd >= 0)
                add_slot(m, fds, max, m->listen_fd, POLLIN, SLOT_LISTEN, 0);
        for (int i = 0; i < m->nclients; i++) {
                const struct client *c = &m->clients[i];
                short ev = 0;
                if (!c->input_done && queue_size(&m->in_q) == 0)
                        ev |= POLLIN | POLLRDHUP;
                if (queue_size(&c->out) > 0)
                        ev |= POLLOUT;
                if (add_slot(m, fds, max, c->fd, ev, SLOT_CLIENT, i) < 0)
                        break;
        }
        return m->nslots;
}

/* Read what one output fd has; 0 at its end (EOF, or EIO from a pty whose
 * other side is closed). */
static int output_read(struct mio *m, int i)
{
        char buf[FRAME_HEADER + MIO_READ_SIZE];
        ssize_t n = read(m->out[i], buf + FRAME_HEADER, MIO_READ_SIZE);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return -1;
        if (n <= 0) {
                if (m->in == m->out[i])
                        m->in = -1;
                close_fd(&m->out[i]);
                return 0;
        }
        int stream = i == 0 ? LOG_STDOUT : LOG_STDERR;
        logfile_feed(m->log, stream, buf + FRAME_HEADER, (size_t)n);
        clients_send(m, stream, buf + FRAME_HEADER, (size_t)n);
        return 1;
}

void mio_handle(struct mio *m, const struct pollfd *fds, int n)
{
        int dropped[MIO_MAX_CLIENTS] = { 0 };
        int accept_now = 0;
        for (int k = 0; k < n && k < m->nslots; k++) {
                const struct slot *s = &m->slots[k];
                short re = fds[k].revents;
                if (!re)
                        continue;
                if (s->kind == SLOT_OUT && m->out[s->idx] >= 0)
                        output_read(m, s->idx);
                else if (s->kind == SLOT_STDIN)
                        stdin_push(m);
                else if (s->kind == SLOT_LISTEN)
                        accept_now = 1;
                else if (s->kind == SLOT_CLIENT && s->idx < m->nclients && fds[k].fd == m->clients[s->idx].fd)
                        dropped[s->idx] = client_input(m, s->idx, re) < 0;
        }
        /* Drop after the loop: dropping moves clients within the array. */
        for (int i = MIO_MAX_CLIENTS - 1; i >= 0; i--)
                if (dropped[i] && i < m->nclients)
                        client_drop(m, i);
        if (accept_now)
                accept_clients(m);
}

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int mio_wait_attach(struct mio *m, int timeout_ms)
{
        long long end = now_ms() + timeout_ms;
        while (m->nclients == 0 && m->listen_fd >= 0) {
                long long left = end - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = m->listen_fd, .events = POLLIN };
                if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
                        return -errno;
                accept_clients(m);
        }
        return m->nclients > 0 ? 0 : -ETIMEDOUT;
}

/* What the clients still have queued, for up to a second: the output of
 * a container that just ended should reach them whole. */
static void clients_flush(struct mio *m)
{
        long long end = now_ms() + 1000;
        for (int i = m->nclients - 1; i >= 0; i--) {
                struct client *c = &m->clients[i];
                while (queue_size(&c->out) > 0 && now_ms() < end) {
                        struct pollfd p = { .fd = c->fd, .events = POLLOUT };
                        if (poll(&p, 1, (int)(end - now_ms())) <= 0 || queue_send(&c->out, c->fd, 1) < 0)
                                break;
                }
        }
}

void mio_finish(struct mio *m)
{
        /* The container's processes are gone (its PID namespace went with
         * its PID 1), so the pipes end; stop at EAGAIN, and after 64 MiB,
         * all the same: a writer outside the namespace must not keep us. */
        for (int i = 0; i < 2; i++)
                for (int reads = 0; reads < 1024 && m->out[i] >= 0 && output_read(m, i) > 0; reads++)
                        ;
        for (int i = 0; i < 2; i++) {
                if (m->out[i] == m->in)
                        m->in = -1;
                close_fd(&m->out[i]);
        }
        if (m->log)
                logfile_flush(m->log);
        clients_flush(m);
        while (m->nclients > 0)
                client_drop(m, m->nclients - 1);
        stdin_close(m);
        close_fd(&m->listen_fd);
        if (m->attach_dirfd >= 0)
                unlinkat(m->attach_dirfd, "attach", 0);
}

void mio_free(struct mio *m)
{
        if (!m)
                return;
        for (int i = 0; i < 3; i++)
                close_fd(&m->child[i]);
        mio_finish(m);
        logfile_close(m->log);
        close_fd(&m->attach_dirfd);
        free(m);
}
