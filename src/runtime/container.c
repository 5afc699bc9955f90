#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "runtime/hooks.h"
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

/* Keep only stdio, the fds the caller preserves (3..3+n-1), the sync
 * socket and the start listener: no other fd of the caller's (an open
 * directory in particular) may reach the container.  Sources are first
 * copied above every target so that no dup clobbers one. */
static int close_stray_fds(const struct rt_create_opts *o, int *sync_fd, int *listen_fd, struct herr *err)
{
        for (int i = 0; i < 3; i++)
                if (o->stdio[i] >= 0 && o->stdio[i] != i && dup2(o->stdio[i], i) < 0)
                        return herr_set(err, errno, "setting up stdio");
        int base = 3 + (o->preserve_fds > 0 ? o->preserve_fds : 0);
        for (int fd = 3; fd < base; fd++)
                if (fcntl(fd, F_SETFD, 0) < 0)
                        return herr_set(err, errno, "preserving fd %d", fd);
        int s = fcntl(*sync_fd, F_DUPFD_CLOEXEC, base + 2);
        int l = *listen_fd >= 0 ? fcntl(*listen_fd, F_DUPFD_CLOEXEC, base + 2) : -1;
        if (s < 0 || (*listen_fd >= 0 && l < 0) || dup3(s, base, O_CLOEXEC) < 0 ||
            (l >= 0 && dup3(l, base + 1, O_CLOEXEC) < 0))
                return herr_set(err, errno, "moving the sync socket");
        *sync_fd = base;
        if (l >= 0)
                *listen_fd = base + 1;
        if (syscall(SYS_close_range, base + (l >= 0 ? 2 : 1), ~0U, 0) < 0)
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

/* Our pid as the host sees it (the hooks' state): before pivot_root the
 * host's /proc is still the one mounted there. */
static pid_t host_pid(void)
{
        char buf[32] = "";
        ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
        return n > 0 ? (pid_t)atoi(buf) : getpid();
}

static int child_hooks(const struct oci_spec *s, const struct rt_create_opts *o, int sync_fd, struct herr *err)
{
        if (rt_hooks_has(s->hooks, "prestart") || rt_hooks_has(s->hooks, "createRuntime")) {
                struct sync_msg m;
                if (sync_send(sync_fd, SYNC_HOOKS, NULL, -1) < 0 || sync_recv(sync_fd, &m, NULL, err) < 0)
                        return herr_set(err, errno, "waiting for the createRuntime hooks");
                if (m.type != SYNC_HOOKS_DONE)
                        return herr_set(err, 0, "set-up was stopped by the createRuntime hooks");
        }
        if (!rt_hooks_has(s->hooks, "createContainer"))
                return 0;
        _cleanup_free_ char *state = rt_state_json(s, o->id, "creating", host_pid());
        return rt_hooks_run(s->hooks, "createContainer", state, err);
}

static int child_prepare(const struct oci_spec *s, const struct rt_create_opts *o, int *sync_fd, int *listen_fd,
                         struct herr *err)
{
        /* Not dumpable: a process in the container cannot open our
         * /proc/PID/exe (the host's hull binary) while we are in there. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return herr_set(err, errno, "prctl");
        rt_reset_signals();
        if (close_stray_fds(o, sync_fd, listen_fd, err) < 0 || join_namespaces(s, err) < 0)
                return -1;
        if (setsid() < 0)
                return herr_set(err, errno, "setsid");
        if (has_ns(s, CLONE_NEWNET) && loopback_up(err) < 0)
                return -1;
        if (has_ns(s, CLONE_NEWUTS) && set_names(s, err) < 0)
                return -1;
        if (rt_rootfs_prepare(s, err) < 0 || child_hooks(s, o, *sync_fd, err) < 0 ||
            rt_rootfs_pivot(s, o->no_pivot, err) < 0 || rt_rootfs_finish(s, err) < 0)
                return -1;
        if (s->process.terminal && rt_tty_setup(&s->process, *sync_fd, err) < 0)
                return -1;
        if (s->has_personality && personality(s->personality) < 0)
                return herr_set(err, errno, "setting the personality");
        return rt_process_limits(&s->process, err);
}

/* In a user namespace the ids are unmapped until the parent wrote the
 * maps (before SYNC_CGROUP_DONE); then become its root. */
static int become_ns_root(const struct oci_spec *s, struct herr *err)
{
        if (!has_ns(s, CLONE_NEWUSER) || ns_path(s, CLONE_NEWUSER))
                return 0;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return herr_set(err, errno, "becoming root of the user namespace (is 0 mapped?)");
        return 0;
}

/* We join our v1 cgroups ourselves (see rt_cgroup_self), the parent the
 * rest, before we run any code of our own that could matter; the cgroup
 * namespace is made only then, so its root is the container's cgroup in
 * every hierarchy. */
static int child_wait_cgroup(const struct oci_spec *s, int sync_fd, struct rt_cgroup_self *self,
                             struct herr *err)
{
        struct sync_msg m;
        if (rt_cgroup_self_join(self) < 0)
                return herr_set(err, errno, "joining the container's cgroup");
        if (sync_recv(sync_fd, &m, NULL, err) < 0)
                return -1;
        if (m.type != SYNC_CGROUP_DONE)
                return herr_set(err, 0, "set-up was stopped before the cgroup was joined");
        if (become_ns_root(s, err) < 0)
                return -1;
        if (has_ns(s, CLONE_NEWCGROUP) && !ns_path(s, CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                return herr_set(err, errno, "creating the cgroup namespace");
        return 0;
}

/* hull-runtime's created state: nobody holds the sync socket any more.
 * The executable is looked up now so that a wrong one fails the create
 * (as runc's does); then we wait on the start socket for whoever runs
 * `start`, and that connection becomes the sync socket. */
static int child_wait_start(const struct oci_spec *s, int *sync_fd, int listen_fd, struct herr *err)
{
        if (rt_process_lookup(&s->process, err) < 0)
                return -1;
        if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
                return herr_set(err, errno, "prctl");
        if (sync_send(*sync_fd, SYNC_READY, NULL, -1) < 0)
                _exit(HERR_ENGINE);
        close(*sync_fd);
        int conn;
        do
                conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        while (conn < 0 && errno == EINTR);
        if (conn < 0)
                _exit(HERR_ENGINE);
        close(listen_fd);
        *sync_fd = conn;
        return 0;
}

static int child_start_hooks(const struct oci_spec *s, const struct rt_create_opts *o, struct herr *err)
{
        if (!rt_hooks_has(s->hooks, "startContainer"))
                return 0;
        _cleanup_free_ char *state = rt_state_json(s, o->id, "created", getpid());
        return rt_hooks_run(s->hooks, "startContainer", state, err);
}

static _Noreturn void child_main(const struct oci_spec *s, const struct rt_bpf *bpf, const struct rt_create_opts *o,
                                 int sync_fd, int listen_fd, struct rt_cgroup_self *self)
{
        struct herr err = { 0 };
        struct sync_msg m;
        if (child_wait_cgroup(s, sync_fd, self, &err) < 0 || child_prepare(s, o, &sync_fd, &listen_fd, &err) < 0)
                goto fail;
        if (listen_fd >= 0) {
                if (child_wait_start(s, &sync_fd, listen_fd, &err) < 0)
                        goto fail;
        } else if (sync_send(sync_fd, SYNC_READY, NULL, -1) < 0) {
                _exit(HERR_ENGINE);
        }
        if (sync_recv(sync_fd, &m, NULL, &err) < 0 || m.type != SYNC_START)
                _exit(HERR_ENGINE);
        if (child_start_hooks(s, o, &err) == 0)
                rt_launch(&s->process, bpf, &err);
fail:
        sync_send(sync_fd, SYNC_ERROR, &err, -1);
        rt_child_exit(err.code ? err.code : HERR_ENGINE);
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

/* uid_map/gid_map of a child in a new user namespace.  As root we may
 * write any map; setgroups stays allowed (the process may need it). */
static int write_idmap(pid_t pid, const char *file, const struct rt_idmap *m, size_t n, struct herr *err)
{
        char buf[4096];
        size_t len = 0;
        for (size_t i = 0; i < n && len < sizeof buf; i++)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].container_id,
                                        m[i].host_id, m[i].size);
        if (len >= sizeof buf)
                return herr_set(err, 0, "%s: too many mappings", file);
        _cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
                return herr_set(err, errno, "writing %s", file);
        return 0;
}

static int write_idmaps(const struct oci_spec *s, pid_t pid, struct herr *err)
{
        if (!has_ns(s, CLONE_NEWUSER) || ns_path(s, CLONE_NEWUSER))
                return 0;
        if ((s->n_uid_mappings && write_idmap(pid, "uid_map", s->uid_mappings, s->n_uid_mappings, err) < 0) ||
            (s->n_gid_mappings && write_idmap(pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err) < 0))
                return herr_wrap(err, "user namespace");
        return 0;
}

static int run_runtime_hooks(const struct oci_spec *s, const struct rt_create_opts *o, pid_t pid, struct herr *err)
{
        _cleanup_free_ char *state = rt_state_json(s, o->id, "creating", pid);
        if (rt_hooks_run(s->hooks, "prestart", state, err) < 0 ||
            rt_hooks_run(s->hooks, "createRuntime", state, err) < 0)
                return -1;
        return 0;
}

/* The child's messages until it is set up (SYNC_READY). */
static int await_ready(const struct oci_spec *s, const struct rt_create_opts *o, struct rt_container *c,
                       struct herr *err)
{
        for (;;) {
                struct sync_msg m;
                int fd;
                if (sync_recv(c->sync_fd, &m, &fd, err) < 0)
                        return -1;
                if (m.type == SYNC_PTY) {
                        closep(&c->pty_master);
                        c->pty_master = fd;
                        continue;
                }
                if (m.type == SYNC_HOOKS) {
                        if (run_runtime_hooks(s, o, c->pid, err) < 0)
                                return -1;
                        if (sync_send(c->sync_fd, SYNC_HOOKS_DONE, NULL, -1) < 0)
                                return herr_set(err, errno, "resuming the container set-up");
                        continue;
                }
                if (m.type == SYNC_READY)
                        return 0;
                if (m.type == SYNC_ERROR)
                        *err = m.err;
                else
                        herr_set(err, 0, "the container process died during set-up");
                return -1;
        }
}

/* The socket `start` connects to; only root may (the state dir is 0700). */
static int start_listener(const char *path, struct herr *err)
{
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof a.sun_path)
                return herr_set(err, 0, "start socket path %s is too long", path);
        strcpy(a.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return herr_set(err, errno, "creating the start socket");
        unlink(path);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0) {
                herr_set(err, errno, "start socket %s", path);
                close(fd);
                return -1;
        }
        return fd;
}

int rt_create(const struct oci_spec *s, const struct rt_create_opts *o, struct rt_container *c,
              struct herr *err)
{
        if (!has_ns(s, CLONE_NEWNS))
                return herr_set(err, 0, "the config must ask for a mount namespace");
        _cleanup_close_ int listen_fd = -EBADF;
        if (o->start_socket && (listen_fd = start_listener(o->start_socket, err)) < 0)
                return -1;
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
        struct rt_cgroup_self self = RT_CGROUP_SELF_INIT;
        if (c->cgroup && !has_ns(s, CLONE_NEWUSER) && rt_cgroup_self_open(c->cgroup, &self, err) < 0) {
                close(sp[0]);
                close(sp[1]);
                rt_bpf_free(&bpf);
                rt_abort(c);
                return -1;
        }
        int pidfd = -1, into = 0;
        pid_t pid = clone_child(s, c->cgroup, &pidfd, &into);
        if (pid == 0) {
                close(sp[0]);
                child_main(s, &bpf, o, sp[1], listen_fd, &self);
        }
        int e = errno;
        close(sp[1]);
        rt_bpf_free(&bpf);
        c->sync_fd = sp[0];
        if (pid < 0) {
                rt_cgroup_self_close(&self);
                herr_set(err, e, "creating the container process");
                rt_abort(c);
                return -1;
        }
        c->pid = pid;
        c->pidfd = pidfd;
        int entered = !c->cgroup || rt_cgroup_enter(c->cgroup, pid, into, &self, err) == 0;
        rt_cgroup_self_close(&self);
        if (!entered || write_idmaps(s, pid, err) < 0 ||
            sync_send(c->sync_fd, SYNC_CGROUP_DONE, NULL, -1) < 0) {
                if (!err->msg[0])
                        herr_set(err, errno, "starting the container set-up");
                rt_abort(c);
                return -1;
        }
        if (await_ready(s, o, c, err) < 0) {
                rt_abort(c);
                return -1;
        }
        return 0;
}

int rt_start_at(const char *start_socket, struct herr *err)
{
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        if (strlen(start_socket) >= sizeof a.sun_path)
                return herr_set(err, 0, "start socket path %s is too long", start_socket);
        strcpy(a.sun_path, start_socket);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
                return herr_set(err, errno, "connecting to the container's start socket");
        struct sync_msg m;
        if (sync_send(fd, SYNC_START, NULL, -1) < 0)
                return herr_set(err, errno, "starting the container process");
        if (sync_recv(fd, &m, NULL, err) < 0)
                return -1;
        if (m.type == SYNC_ERROR) {
                *err = m.err;
                return -1;
        }
        return 0;
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
