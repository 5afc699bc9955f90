/* Child processes that work for us and must not outlive us. */
#pragma once
#include <sys/types.h>
#include "base/err.h"

/* fork() a child tied to this process: it is killed (SIGKILL) when we
 * die, even by kill -9, so that it never goes on writing into a store
 * the next command cleans up; and a pipe runs from it to us, for its
 * result.  In the parent: the child's pid, *ret_fd the read end.  In the
 * child: 0, *ret_fd the write end.  -1 with err when it cannot. */
pid_t fork_tied(int *ret_fd, struct herr *err);
