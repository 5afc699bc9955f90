/* hull exec: one more process in a running container, confined exactly
 * as its PID 1 (see runtime/exec.h for how it gets in). */
#pragma once
#include "base/err.h"
#include "engine/container.h"
#include "engine/engine.h"

struct exec_opts {
        char **cmd;                     /* the command and its arguments */
        int interactive, tty, detach, privileged;
        char **env;                     /* -e, in order */
        char **env_files;               /* --env-file, in order */
        const char *user;               /* -u: resolved in the container's own /etc/passwd */
        const char *workdir;            /* -w; NULL: the container's */
};

/* Runs o->cmd in the container ref and waits for it (*ret_status: its
 * exit code, or 128+N for signal N), relaying the terminal and signals;
 * with detach returns as soon as it runs (*ret_status 0).  Errors: the
 * container is not running or is paused (125), the command cannot be
 * found (127) or run (126). */
int engine_exec(const struct engine_ctx *ctx, const char *ref, const struct exec_opts *o, int *ret_status,
                struct herr *err);

/* c's state says running: check it (refresh) and say why not in Docker's
 * words ("container ID is not running", "... is paused ..."). */
int container_check_running(struct container *c, struct herr *err);
/* A pidfd of c's PID 1, checked against its recorded start time, so that
 * a recycled pid is never taken for it. */
int container_pid1_open(const struct container *c, struct herr *err);
