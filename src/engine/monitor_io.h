/* The container's stdio as its monitor holds it: pipes (or the pty
 * master) from the container, Docker's json-file log, attach clients on a
 * unix socket, and stdin when the container keeps it open.
 *
 * The monitor (engine/monitor.c) owns the loop; this module owns the fds:
 *   mio_new()            before rt_create(): pipes / /dev/null for the child
 *   mio_child_stdio()    the three fds rt_create() passes to the container
 *   mio_started()        after rt_create(): close the child's ends, adopt the pty
 *   mio_pollfds()        each loop: the fds to poll
 *   mio_handle()         after poll: read output -> log + attach clients,
 *                        accept clients, forward their input to stdin
 *   mio_wait_attach()    for `start -a`: block until one client is attached
 *   mio_finish()         after the process ended: drain, flush, close */
#pragma once
#include <poll.h>
#include "base/err.h"

struct mio;

struct log_opts {
        long long max_size;     /* bytes; 0 = no rotation (--log-opt max-size) */
        int max_file;           /* files kept when rotating (--log-opt max-file), >= 1 */
};

/* Parse one --log-opt KEY=VALUE into lo (max-size=10m, max-file=3). */
int log_opt_parse(struct log_opts *lo, const char *kv, struct herr *err);

/* dirfd: the container's directory; log file <id>-json.log in it.
 * attach_dir: an existing directory for the "attach" socket. */
int mio_new(int dirfd, const char *id, int tty, int open_stdin, const struct log_opts *lo, const char *attach_dir,
            struct mio **ret, struct herr *err);
void mio_child_stdio(struct mio *m, int stdio[3]);
void mio_started(struct mio *m, int pty_master);
int mio_pollfds(struct mio *m, struct pollfd *fds, int max);
void mio_handle(struct mio *m, const struct pollfd *fds, int n);
int mio_wait_attach(struct mio *m, int timeout_ms);
void mio_finish(struct mio *m);
void mio_free(struct mio *m);

/* Client side, for `hull attach`, `start -a`, `run -d`-less attach:
 * connect to the container's socket and relay our stdio until the
 * container's output ends.  Returns 0 when the stream ended. */
int mio_attach_client(const char *attach_dir, int tty, int send_stdin, struct herr *err);

/* Added with the implementation (monitor_io.c, attach.c): */

/* Docker's StdinOnce (run -i / start -ai, not run -d -i): the end of an
 * attached client's stdin (its half-close) closes the container's stdin.
 * Without it the container's stdin stays open across clients.  No effect
 * with a tty (as Docker). */
void mio_set_stdin_once(struct mio *m, int on);
/* Log entries dropped because the log could not be written (full disk). */
unsigned long long mio_log_dropped(const struct mio *m);

struct attach_client_opts {
        int tty;                /* raw bytes (and our terminal raw while we send stdin) */
        int send_stdin;         /* relay our stdin; its end half-closes the socket */
        int proxy_pidfd;        /* >= 0: forward SIGINT, SIGTERM, ... to this process */
};
/* mio_attach_client with the signal proxy of `hull attach --sig-proxy`. */
int mio_attach_client_opts(const char *attach_dir, const struct attach_client_opts *o, struct herr *err);
