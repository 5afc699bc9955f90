/* The container's terminal: a pty from the container's own devpts instance,
 * whose master is handed to the caller. */
#pragma once
#include "base/err.h"
#include "runtime/spec.h"

/* In the child, after pivot_root: open a pty, bind its slave over
 * /dev/console, send the master over sync_fd, and make the slave the
 * controlling terminal and stdio of this process. */
int rt_tty_setup(const struct rt_process *p, int sync_fd, struct herr *err);
/* The same for a process that joins a running container (hull exec):
 * /dev/console stays the first process's terminal. */
int rt_tty_setup_exec(const struct rt_process *p, int sync_fd, struct herr *err);
