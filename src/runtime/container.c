#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/launch.h"
#include "runtime/mounts.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "runtime/tty.h"

static int has_ns(const struct oci_spec *s, int type)
{
        for (size_t i = 0; i < s->n_namespaces; i++)
                if (s->namespaces[i].type == type)
                        return 1;
        return 0;
}

static const char *ns_path(const struct oci_spec *s, int type)
{
        for (size_t i = 0; i < s->n_namespaces; i++)
                if (s->namespaces[i].type == type)
                        return s->namespaces[i].path;
        return NULL;
}

static int join_namespaces(const struct oci_spec *s, struct herr *err)
{
        for (size_t i = 0; i < s->n_namespaces; i++) {
                const struct rt_namespace *n = &s->namespaces[i];
                if (!n->path)
                        continue;
                _cleanup_close_ int fd = open(n->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return herr_set(err, errno, "namespace %s", n->path);
                if (setns(fd, n->type) < 0)
                        return herr_set(err, errno, "joining namespace %s", n->path);
        }
        return 0;
}

/* A new network namespace starts with lo down; every engine brings it up. */
static int loopback_up(struct herr *err)
{
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { .ifr_name = "lo" };
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return herr_set(err, errno, "reading the loopback flags");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return herr_set(err, errno, "bringing up the loopback");
        return 0;
}

/* Keep only stdio and the sync socket: no fd of the caller's (an open
 * directory in particular) may reach the container. */
static int close_stray_fds(const int stdio[3], int *sync_fd, struct herr *err)
{
        for (int i = 0; i < 3; i++)
                if (stdio[i] >= 0 && stdio[i] != i && dup2(stdio[i], i) < 0)
                        return herr_set(err, errno, "setting up stdio");
        if (*sync_fd != 3) {
                if (dup3(*sync_fd, 3, O_CLOEXEC) < 0)
                        return herr_set(err, errno, "moving the sync socket");
                *sync_fd = 3;
        }
        if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
                return herr_set(err, errno, "closing inherited fds");
        return 0;
}

static int set_names(const struct oci_spec *s, struct herr *err)
{
        if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
                return herr_set(err, errno, "setting the hostname %s", s->hostname);
        if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
                return herr_set(err, errno, "setting the domain name %s", s->domainname);
        return 0;
}

static int child_prepare(const struct oci_spec *s, const int stdio[3], int *sync_fd, struct herr *err)
{
        /* Not dumpable: a process in the container cannot open our
         * /proc/PID/exe (the host's hull binary) while we are in there. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return herr_set(err, errno, "prctl");
        rt_reset_signals();
        if (close_stray_fds(stdio, sync_fd, err) < 0 || join_namespaces(s, err) < 0)
                return -1;
        if (setsid() < 0)
                return herr_set(err, errno, "setsid");
        if (has_ns(s, CLONE_NEWNET) && loopback_up(err) < 0)
                return -1;
        if (has_ns(s, CLONE_NEWUTS) && set_names(s, err) < 0)
                return -1;
        if (rt_rootfs_setup(s, err) < 0 || rt_rootfs_finish(s, err) < 0)
                return -1;
        if (s->process.terminal && rt_tty_setup(&s->process, *sync_fd, err) < 0)
                return -1;
        return rt_process_limits(&s->process, err);
}

/* The parent moves us into the cgroup before we run any code of our own
 * that could matter; the cgroup namespace is made only then, so its root is
 * the container's cgroup in every hierarchy. */
static int child_wait_cgroup(const struct oci_spec *s, int sync_fd, struct herr *err)
{
        struct sync_msg m;
        if (sync_recv(sync_fd, &m, NULL, err) < 0)
                return -1;
        if (m.type != SYNC_CGROUP_DONE)
                return herr_set(err, 0, "set-up was stopped before the cgroup was joined");
        if (has_ns(s, CLONE_NEWCGROUP) && !ns_path(s, CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                return herr_set(err, errno, "creating the cgroup namespace");
        return 0;
}

static _Noreturn void child_main(const struct oci_spec *s, const struct rt_bpf *bpf, const int stdio[3],
                                 int sync_fd)
{
        struct herr err = { 0 };
        struct sync_msg m;
        if (child_wait_cgroup(s, sync_fd, &err) < 0 || child_prepare(s, stdio, &sync_fd, &err) < 0)
                goto fail;
        if (sync_send(sync_fd, SYNC_READY, NULL, -1) < 0)
                _exit(HERR_ENGINE);
        if (sync_recv(sync_fd, &m, NULL, &err) < 0 || m.type != SYNC_START)
                _exit(HERR_ENGINE);
        rt_launch(&s->process, bpf, &err);
fail:
        sync_send(sync_fd, SYNC_ERROR, &err, -1);
        _exit(err.code ? err.code : HERR_ENGINE);
}

static int reap(struct rt_container *c)
{
        int status = 0;
        while (c->pid > 0 && waitpid(c->pid, &status, __WALL) < 0 && errno == EINTR)
                ;
        c->pid = -1;
        return status;
}

/* Namespaces to create at clone time.  The cgroup namespace waits until
 * the child is in its cgroup (see child_wait_cgroup). */
static uint64_t clone_flags(const struct oci_spec *s)
{
        uint64_t flags = 0;
        for (size_t i = 0; i < s->n_namespaces; i++)
                if (!s->namespaces[i].path)
                        flags |= (uint64_t)s->namespaces[i].type;
        return flags & ~(uint64_t)CLONE_NEWCGROUP;
}

/* clone3 straight into the container's v2 cgroup when there is one, so
 * that not even the set-up runs outside it; kernels before 5.7 lack
 * CLONE_INTO_CGROUP and the child is moved in before it goes on instead. */
static pid_t clone_child(const struct oci_spec *s, struct rt_cgroup *cg, int *pidfd, int *into)
{
        struct clone_args args = {
                .flags = clone_flags(s) | CLONE_PIDFD,
                .pidfd = (uint64_t)(uintptr_t)pidfd,
                .exit_signal = SIGCHLD,
        };
        int cgfd = cg ? rt_cgroup_unified_fd(cg) : -1;
        *into = 0;
        if (cgfd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgfd;
                pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
                if (pid >= 0 || (errno != EINVAL && errno != E2BIG && errno != ENOSYS)) {
                        *into = pid >= 0;
                        return pid;
                }
                args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
                args.cgroup = 0;
        }
        return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

int rt_create(const struct oci_spec *s, const struct rt_create_opts *o, struct rt_container *c,
              struct herr *err)
{
        if (!has_ns(s, CLONE_NEWNS))
                return herr_set(err, 0, "the config must ask for a mount namespace");
        struct rt_bpf bpf = { 0 };
        if (s->seccomp && rt_seccomp_compile(s->seccomp, o->seccomp_cache_dir, &bpf, err) < 0)
                return herr_wrap(err, "seccomp");
        if (s->cgroups_path && rt_cgroup_create(s->cgroups_path, s->resources, &c->cgroup, err) < 0) {
                rt_bpf_free(&bpf);
                return herr_wrap(err, "cgroup %s", s->cgroups_path);
        }
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
                rt_bpf_free(&bpf);
                herr_set(err, errno, "creating the sync socket");
                rt_abort(c);
                return -1;
        }
        int pidfd = -1, into = 0;
        pid_t pid = clone_child(s, c->cgroup, &pidfd, &into);
        if (pid == 0) {
                close(sp[0]);
                child_main(s, &bpf, o->stdio, sp[1]);
        }
        int e = errno;
        close(sp[1]);
        rt_bpf_free(&bpf);
        c->sync_fd = sp[0];
        if (pid < 0) {
                herr_set(err, e, "creating the container process");
                rt_abort(c);
                return -1;
        }
        c->pid = pid;
        c->pidfd = pidfd;
        if ((c->cgroup && rt_cgroup_enter(c->cgroup, pid, into, err) < 0) ||
            sync_send(c->sync_fd, SYNC_CGROUP_DONE, NULL, -1) < 0) {
                if (!err->msg[0])
                        herr_set(err, errno, "starting the container set-up");
                rt_abort(c);
                return -1;
        }
        for (;;) {
                struct sync_msg m;
                int fd;
                if (sync_recv(c->sync_fd, &m, &fd, err) < 0) {
                        rt_abort(c);
                        return -1;
                }
                if (m.type == SYNC_PTY) {
                        c->pty_master = fd;
                        continue;
                }
                if (m.type == SYNC_READY)
                        return 0;
                if (m.type == SYNC_ERROR)
                        *err = m.err;
                else
                        herr_set(err, 0, "the container process died during set-up");
                rt_abort(c);
                return -1;
        }
}

int rt_start(struct rt_container *c, struct herr *err)
{
        struct sync_msg m;
        if (sync_send(c->sync_fd, SYNC_START, NULL, -1) < 0)
                return herr_set(err, errno, "starting the container process");
        if (sync_recv(c->sync_fd, &m, NULL, err) < 0)
                return -1;
        close(c->sync_fd);
        c->sync_fd = -1;
        if (m.type == SYNC_ERROR) {
                *err = m.err;
                reap(c);
                return -1;
        }
        return 0;
}

void rt_release(struct rt_container *c)
{
        if (c->sync_fd >= 0)
                close(c->sync_fd);
        if (c->pidfd >= 0)
                close(c->pidfd);
        if (c->pty_master >= 0)
                close(c->pty_master);
        c->sync_fd = c->pidfd = c->pty_master = -1;
        rt_cgroup_free(c->cgroup);
        c->cgroup = NULL;
}

void rt_abort(struct rt_container *c)
{
        if (c->pid > 0) {
                kill(c->pid, SIGKILL);
                reap(c);
        }
        int oom;
        struct herr ignored = { 0 };
        rt_cleanup(c, &oom, &ignored);
        rt_release(c);
}

int rt_cleanup(struct rt_container *c, int *ret_oom_killed, struct herr *err)
{
        *ret_oom_killed = 0;
        if (!c->cgroup)
                return 0;
        *ret_oom_killed = rt_cgroup_oom_killed(c->cgroup);
        int r = rt_cgroup_destroy(c->cgroup, err);
        rt_cgroup_free(c->cgroup);
        c->cgroup = NULL;
        return r;
}

int rt_wait(struct rt_container *c, struct herr *err)
{
        int status = 0;
        while (waitpid(c->pid, &status, __WALL) < 0) {
                if (errno != EINTR)
                        return herr_set(err, errno, "waiting for the container");
        }
        c->pid = -1;
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}
