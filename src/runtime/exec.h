/* One more process in a running container (hull exec).
 *
 * The process joins every namespace of the container's PID 1 (through its
 * pidfd) and its cgroup, and gets the same confinement as the container's
 * own process: bounding set, seccomp, user, capabilities, no_new_privs.
 * It is the caller's child, returned as a struct rt_container (pid, pidfd,
 * pty master; no cgroup, which stays the container's), so rt_wait(),
 * rt_release() and the foreground relay work on it as on any container. */
#pragma once
#include "base/err.h"
#include "runtime/container.h"
#include "runtime/spec.h"

struct rt_exec_opts {
        int pid1fd;                     /* pidfd of the container's PID 1; the caller checked it is that one */
        int stdio[3];                   /* the process's stdio without a terminal */
        const char *seccomp_cache_dir;  /* NULL: compile every time */
};

/* s: the container's config (namespaces, linux.seccomp, cgroupsPath).
 * p: the process to run (args, env, cwd, user, capabilities, terminal...).
 * Returns once the process exec'd, or with the error that stopped it,
 * word for word from the child (126/127 for exec errors). */
int rt_exec(const struct oci_spec *s, const struct rt_process *p, const struct rt_exec_opts *o,
            struct rt_container *ret, struct herr *err);
