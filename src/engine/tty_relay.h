/* The foreground side of a process hull started and waits for: the
 * caller's terminal in raw mode, its size passed on, the pty relayed, and
 * the signals a user sends to hull forwarded to the process.
 *
 * Shared by `hull exec` and (to come) the foreground `hull run`, whose
 * supervise.c still has its own copies of these helpers. */
#pragma once
#include <signal.h>
#include <termios.h>
#include "base/err.h"
#include "runtime/container.h"

struct term_state {
        int fd;
        int saved;
        struct termios orig;
};

/* Fully raw: the container's pty does its own output processing, and
 * Ctrl-C must travel as a byte to the container's terminal. */
void term_raw(struct term_state *t, int fd);
void term_restore(struct term_state *t);
void tty_copy_winsize(int from, int to);

/* Block the signals hull forwards (SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGUSR1, SIGUSR2, SIGWINCH) and return a signalfd for them; *old gets
 * the mask to restore.  Children must reset their mask (the runtime does). */
int relay_signals(sigset_t *old, struct herr *err);
/* Until the process exits: its pty to our stdout, our stdin to its pty
 * (stdin_to_pty), signals from sfd to the process (SIGWINCH as a new
 * size for its pty).  Drains what the process wrote before it exited. */
void relay_run(const struct rt_container *c, int stdin_to_pty, int sfd);
