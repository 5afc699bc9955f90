/* One OCI config in, one isolated process out.
 *
 * rt_create() clones the container child into its new namespaces, which
 * sets up the root filesystem, devices and terminal and then waits;
 * rt_start() lets it drop privileges and exec the configured process, and
 * returns once that exec succeeded or with the error that stopped it.  The
 * caller owns the process from then on (wait for it through pidfd/pid). */
#pragma once
#include <sys/types.h>
#include "base/err.h"
#include "runtime/cgroup.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

struct rt_create_opts {
        int stdio[3];                   /* the process's stdio without a terminal */
        const char *seccomp_cache_dir;  /* NULL: compile every time */
        /* For hull-runtime (zero for hull run):
         * start_socket: the created state outlives the caller.  rt_create
         * listens on this unix socket path; the child, once set up, waits
         * there (not on the sync socket) for rt_start_at(), so another
         * process can start it later.  It also no longer dies with its
         * parent, and an executable that does not exist fails the create. */
        const char *start_socket;
        int preserve_fds;               /* the caller's fds 3..3+n-1 pass to the process */
        int no_pivot;                   /* move the root onto / and chroot, no pivot_root */
        const char *id;                 /* the container's id, for the hooks' state */
};

struct rt_container {
        pid_t pid;
        int pidfd;
        int sync_fd;
        int pty_master;                 /* -1 without a terminal */
        struct rt_cgroup *cgroup;       /* NULL without linux.cgroupsPath */
};

#define RT_CONTAINER_INIT { .pid = -1, .pidfd = -1, .sync_fd = -1, .pty_master = -1, .cgroup = NULL }

int rt_create(const struct oci_spec *s, const struct rt_create_opts *o, struct rt_container *c,
              struct herr *err);
int rt_start(struct rt_container *c, struct herr *err);
/* Start a container created with start_socket, from any process: returns
 * once its process exec'd, or with the error that stopped it. */
int rt_start_at(const char *start_socket, struct herr *err);
/* Kill (SIGKILL) a container that was created but will not be started,
 * reap it, and close its fds. */
void rt_abort(struct rt_container *c);
/* Close the runtime's fds and forget the cgroup (the process keeps
 * running, and its cgroup stays). */
void rt_release(struct rt_container *c);
/* After the process ended: whether the OOM killer struck, then kill what
 * is left in the cgroup and remove it. */
int rt_cleanup(struct rt_container *c, int *ret_oom_killed, struct herr *err);
/* Wait for the process; returns the Docker-style status (exit code, or
 * 128+signal). */
int rt_wait(struct rt_container *c, struct herr *err);
