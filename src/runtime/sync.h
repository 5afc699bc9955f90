/* The sync channel between the runtime and the container child: a
 * SOCK_SEQPACKET pair, close-on-exec, so a successful execve reads as EOF
 * and a failure arrives as the child's struct herr, word for word. */
#pragma once
#include "base/err.h"

enum sync_type {
        SYNC_READY = 1,         /* child: set up, waiting for SYNC_START */
        SYNC_START,             /* parent: exec the process */
        SYNC_ERROR,             /* child: failed; msg.err says why */
        SYNC_PTY,               /* child: the terminal's master fd rides along */
        SYNC_CGROUP_DONE,       /* parent: the child is in its cgroup, go on */
        SYNC_HOOKS,             /* child: mounts done; run createRuntime/prestart hooks */
        SYNC_HOOKS_DONE,        /* parent: they ran, go on to pivot_root */
};

struct sync_msg {
        int type;
        struct herr err;
};

int sync_send(int fd, int type, const struct herr *e, int pass_fd);
/* Returns 0 and fills *ret; on EOF ret->type is 0.  A passed fd lands in
 * *ret_fd (when not NULL). */
int sync_recv(int fd, struct sync_msg *ret, int *ret_fd, struct herr *err);
