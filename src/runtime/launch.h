/* The last steps of every container process, the first one (rt_create)
 * and the ones hull exec adds alike, so that both get exactly the same
 * confinement in the same order. */
#pragma once
#include "base/err.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

/* Bounding set, seccomp, user, capabilities, no_new_privs, working
 * directory, execve.  Only returns on failure (126/127 for exec errors). */
/* Signals the caller blocked (for its signalfd) or ignored must not stay
 * so for the container's process: default dispositions, empty mask. */
void rt_reset_signals(void);
/* How a container child ends after rt_launch failed: exit_group, and
 * when the seccomp filter just installed denies even that, a trap. */
_Noreturn void rt_child_exit(int code);
int rt_launch(const struct rt_process *p, const struct rt_bpf *bpf, struct herr *err);
