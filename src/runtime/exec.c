/* hull exec's process: how it gets into a running container.
 *
 *   hull (P) --clone3(CLONE_INTO_CGROUP)--> C1, already in the container's
 *            v2 cgroup; P writes it into the v1 hierarchies and only then
 *            sends SYNC_CGROUP_DONE
 *   C1       setns(pidfd of PID 1, every namespace the container has)
 *            A pid namespace joined with setns applies to children only:
 *   C1 --clone3(CLONE_PARENT | CLONE_PIDFD)--> C2, in the container's pid
 *            namespace and (inherited) cgroup, and a child of P, not of C1
 *   C1       sends C2's pidfd to P (SYNC_READY) and exits; P reaps it
 *   C2       new session, terminal of the container's devpts, rlimits, then
 *            rt_launch() exactly as the container's PID 1 went: bounding
 *            set, seccomp, user, capabilities, no_new_privs, cwd, execve.
 *            The close-on-exec sync socket reads as EOF in P: success.
 *
 * C1 joins the cgroup before the namespaces because CLONE_INTO_CGROUP and
 * cgroup.procs writes are checked against the caller's cgroup namespace,
 * whose root, once joined, is the container's cgroup: outside it the move
 * would fail.  It also means no code of ours ever runs inside the
 * container's namespaces outside its limits.  CLONE_PARENT makes P the
 * parent, so P waits for the process (status, pidfd) as for any child and
 * no process of hull's lingers inside (runc's nsexec does the same).
 *
 * The CVE-2019-5736 class: until execve, C2 is hull's binary in a pid
 * namespace the container can see, so /proc/C2/exe would lead to the
 * host's hull.  C1 makes itself non-dumpable before it joins anything; the
 * flag lives in the mm, so C2 inherits it through fork, and rt_launch
 * sets it again after the user switch (which applies fs.suid_dumpable).
 * For a non-dumpable process the kernel refuses /proc/PID/exe, fd/, mem,
 * root, environ (ptrace_may_access) to anyone without CAP_SYS_PTRACE in
 * the initial user namespace, which a container only has when it is
 * privileged, and then it owns the host anyway.  execve replaces the mm:
 * from then on exe is the container's own binary.  Besides, C2 holds no fd
 * of the host but its stdio and the sync socket, and setns(CLONE_NEWNS)
 * sets its root and cwd to the container's root. */
#include "runtime/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/launch.h"
#include "runtime/process.h"
#include "runtime/sync.h"
#include "runtime/tty.h"

/* Where the children keep their two fds beside stdio. */
#define SYNC_FD 3
#define PID1_FD 4

static void cg_freep(struct rt_cgroup **cg)
{
        rt_cgroup_free(*cg);
}

static void bpf_freep(struct rt_bpf *b)
{
        rt_bpf_free(b);
}

/* Every namespace the container has, created or joined: PID 1 is in all. */
static int ns_flags(const struct oci_spec *s)
{
        int flags = 0;
        for (size_t i = 0; i < s->n_namespaces; i++)
                flags |= s->namespaces[i].type;
        return flags;
}

/* stdio on 0-2, the sync socket on 3, PID 1's pidfd on 4, nothing else:
 * no fd of hull's (a cgroup directory, say) may reach the container.
 * Everything is first copied above 4 so no dup2 clobbers a source. */
static int arrange_fds(const int stdio[3], int sync_fd, int pid1fd, struct herr *err)
{
        int src[5] = { stdio[0], stdio[1], stdio[2], sync_fd, pid1fd };
        for (int i = 0; i < 5; i++)
                if ((src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 5)) < 0)
                        return herr_set(err, errno, "setting up the fds");
        for (int i = 0; i < 5; i++)
                if (dup3(src[i], i, i < 3 ? 0 : O_CLOEXEC) < 0)
                        return herr_set(err, errno, "setting up the fds");
        if (syscall(SYS_close_range, 5, ~0U, 0) < 0)
                return herr_set(err, errno, "closing inherited fds");
        return 0;
}

/* *sync_fd follows the socket to SYNC_FD, so errors always reach P. */
static int join_prepare(const struct oci_spec *s, const struct rt_exec_opts *o, int *sync_fd,
                        struct rt_cgroup_self *self, struct herr *err)
{
        /* First of all, before anything of the container can see us. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return herr_set(err, errno, "prctl");
        /* Our v1 cgroups, while the files are open (arrange_fds closes them). */
        if (rt_cgroup_self_join(self) < 0)
                return herr_set(err, errno, "joining the container's cgroup");
        rt_reset_signals();
        if (arrange_fds(o->stdio, *sync_fd, o->pid1fd, err) < 0)
                return -1;
        *sync_fd = SYNC_FD;
        struct sync_msg m;
        if (sync_recv(SYNC_FD, &m, NULL, err) < 0)
                return -1;
        if (m.type != SYNC_CGROUP_DONE)
                return herr_set(err, 0, "set-up was stopped before the cgroup was joined");
        if (setns(PID1_FD, ns_flags(s)) < 0) {
                if (errno == ESRCH)
                        return herr_set(err, 0, "the container's PID 1 has exited");
                return herr_set(err, errno, "joining the container's namespaces");
        }
        close(PID1_FD);
        return 0;
}

static int exec_prepare(const struct rt_process *p, struct herr *err)
{
        if (setsid() < 0)
                return herr_set(err, errno, "setsid");
        if (p->terminal && rt_tty_setup_exec(p, SYNC_FD, err) < 0)
                return -1;
        return rt_process_limits(p, err);
}

static _Noreturn void exec_child(const struct rt_process *p, const struct rt_bpf *bpf)
{
        struct herr err = { 0 };
        if (exec_prepare(p, &err) == 0)
                rt_launch(p, bpf, &err);
        sync_send(SYNC_FD, SYNC_ERROR, &err, -1);
        rt_child_exit(err.code ? err.code : HERR_ENGINE);
}

/* C2: P's child (CLONE_PARENT), created in the pid namespace C1 joined.
 * clone3 wants exit_signal 0 with CLONE_PARENT: C2 inherits C1's, SIGCHLD. */
static pid_t clone_sibling(int *pidfd)
{
        struct clone_args a = {
                .flags = CLONE_PARENT | CLONE_PIDFD,
                .pidfd = (uint64_t)(uintptr_t)pidfd,
        };
        return (pid_t)syscall(SYS_clone3, &a, sizeof a);
}

static _Noreturn void join_child(const struct oci_spec *s, const struct rt_process *p, const struct rt_bpf *bpf,
                                 const struct rt_exec_opts *o, int sync_fd, struct rt_cgroup_self *self)
{
        struct herr err = { 0 };
        int pidfd = -1;
        if (join_prepare(s, o, &sync_fd, self, &err) < 0)
                goto fail;
        pid_t pid = clone_sibling(&pidfd);
        if (pid == 0)
                exec_child(p, bpf);
        if (pid < 0) {
                /* A pid namespace whose init is gone takes no new process. */
                if (errno == ENOMEM)
                        herr_set(&err, 0, "the container's PID 1 has exited");
                else
                        herr_set(&err, errno, "creating the process in the container");
                goto fail;
        }
        _exit(sync_send(SYNC_FD, SYNC_READY, NULL, pidfd) < 0 ? HERR_ENGINE : 0);
fail:
        sync_send(sync_fd, SYNC_ERROR, &err, -1);
        _exit(HERR_ENGINE);
}

/* C1 straight into the container's v2 cgroup where there is one. */
static pid_t clone_joiner(struct rt_cgroup *cg, int *into)
{
        struct clone_args a = { .exit_signal = SIGCHLD };
        int cgfd = cg ? rt_cgroup_unified_fd(cg) : -1;
        *into = 0;
        if (cgfd >= 0) {
                a.flags = CLONE_INTO_CGROUP;
                a.cgroup = (uint64_t)cgfd;
                pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
                if (pid >= 0 || (errno != EINVAL && errno != E2BIG && errno != ENOSYS)) {
                        *into = pid >= 0;
                        return pid;
                }
                a.flags = 0;
                a.cgroup = 0;
        }
        return (pid_t)syscall(SYS_clone3, &a, sizeof a);
}

/* The host pid behind a pidfd ("Pid:" of its fdinfo). */
static pid_t pidfd_pid(int pidfd)
{
        char path[64], line[128];
        snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        long pid = -1;
        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "Pid: %ld", &pid) == 1)
                        break;
        return pid > 0 ? (pid_t)pid : -1;
}

/* Everything C1 and C2 send, until both have closed the socket (C1 by
 * exiting, C2 by its execve or exit). */
static int collect(int fd, struct rt_container *c, struct herr *err)
{
        struct herr child = { 0 };
        int failed = 0;
        for (;;) {
                struct sync_msg m;
                int pfd;
                if (sync_recv(fd, &m, &pfd, err) < 0)
                        return -1;
                if (m.type == 0)
                        break;
                if (m.type == SYNC_READY && c->pidfd < 0)
                        c->pidfd = TAKE_FD(pfd);
                else if (m.type == SYNC_PTY && c->pty_master < 0)
                        c->pty_master = TAKE_FD(pfd);
                else if (m.type == SYNC_ERROR && !failed++)
                        child = m.err;
                closep(&pfd);
        }
        if (failed) {
                *err = child;
                return -1;
        }
        if (c->pidfd < 0 || (c->pid = pidfd_pid(c->pidfd)) < 0)
                return herr_set(err, 0, "the exec set-up died");
        return 0;
}

static void reap(pid_t pid)
{
        while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
}

/* P's side once C1 exists: its cgroups, then what the children report. */
static int drive(struct rt_cgroup *cg, pid_t c1, int into, const struct rt_cgroup_self *self, int fd,
                 struct rt_container *c, struct herr *err)
{
        int r = cg ? rt_cgroup_enter(cg, c1, into, self, err) : 0;
        if (r == 0 && sync_send(fd, SYNC_CGROUP_DONE, NULL, -1) < 0)
                r = herr_set(err, errno, "starting the exec set-up");
        if (r < 0)
                kill(c1, SIGKILL);
        else
                r = collect(fd, c, err);
        reap(c1);
        if (r < 0 && c->pidfd >= 0) {
                syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
                waitid(P_PIDFD, (id_t)c->pidfd, NULL, WEXITED);
        }
        return r;
}

static int check_cgroup(const struct oci_spec *s, struct rt_cgroup *cg, struct herr *err)
{
        enum rt_cgroup_mode m = rt_cgroup_mode();
        /* Joining nothing would put the process outside every limit. */
        if (cg && rt_cgroup_unified_fd(cg) < 0 && (m == RT_CGROUP_V2 || m == RT_CGROUP_HYBRID))
                return herr_set(err, 0, "the container's cgroup %s is gone", s->cgroups_path);
        return 0;
}

int rt_exec(const struct oci_spec *s, const struct rt_process *p, const struct rt_exec_opts *o,
            struct rt_container *c, struct herr *err)
{
        __attribute__((cleanup(bpf_freep))) struct rt_bpf bpf = { 0 };
        __attribute__((cleanup(cg_freep))) struct rt_cgroup *cg = NULL;
        *c = (struct rt_container)RT_CONTAINER_INIT;
        if (s->seccomp && rt_seccomp_compile(s->seccomp, o->seccomp_cache_dir, &bpf, err) < 0)
                return herr_wrap(err, "seccomp");
        if (s->cgroups_path && rt_cgroup_open(s->cgroups_path, &cg, err) < 0)
                return herr_wrap(err, "cgroup %s", s->cgroups_path);
        if (check_cgroup(s, cg, err) < 0)
                return -1;
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return herr_set(err, errno, "creating the sync socket");
        /* C1 joins its v1 cgroups itself: see rt_cgroup_self. */
        __attribute__((cleanup(rt_cgroup_self_close))) struct rt_cgroup_self self = RT_CGROUP_SELF_INIT;
        if (cg && rt_cgroup_self_open(cg, &self, err) < 0) {
                close(sp[0]);
                close(sp[1]);
                return -1;
        }
        int into;
        pid_t c1 = clone_joiner(cg, &into);
        if (c1 == 0) {
                close(sp[0]);
                join_child(s, p, &bpf, o, sp[1], &self);
        }
        int e = errno;
        close(sp[1]);
        _cleanup_close_ int fd = sp[0];
        if (c1 < 0)
                return herr_set(err, e, "creating the exec process");
        if (drive(cg, c1, into, &self, fd, c, err) < 0) {
                rt_release(c);
                c->pid = -1;
                return -1;
        }
        return 0;
}
