/* hull attach: our stdio to a running container, through its monitor's
 * attach socket (the client end is mio_attach_client, monitor_io.h). */
#pragma once
#include "base/err.h"
#include "engine/engine.h"

struct container;

struct attach_opts {
        int no_stdin;           /* --no-stdin */
        int sig_proxy;          /* --sig-proxy (default on): forward our signals, without a tty */
};

/* Relays until the container's output ends; *ret_status is then its exit
 * code (0 when it still runs: we were detached).  A container that is not
 * running is an error with exit code 1, in Docker's words. */
int engine_attach(const struct engine_ctx *ctx, const char *ref, const struct attach_opts *o, int *ret_status,
                  struct herr *err);

/* After an attach stream ended (attach, start -a): the exit code the
 * monitor records, waiting for it to be written (up to 10 s); 0 when the
 * container still runs (the client was dropped) or was removed.  Unlike
 * container_state_refresh, never mistakes the moment between the process's
 * end and the monitor's record for a crash. */
int attach_exit_code(struct container *c);
