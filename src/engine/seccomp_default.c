/* The default seccomp profile: the same rules as Docker's default profile
 * (moby profiles/seccomp/default.json, as of its kernel 6.13 update),
 * kept as data here and turned into a Docker-format profile, so that it
 * goes through the one converter every user profile goes through.
 *
 * Its shape: deny (EPERM) by default; allow a long list of ordinary
 * syscalls; allow a few more only for some architectures, some kernels or
 * when the container holds the capability the syscall needs anyway. */
#include "engine/seccomp_profile.h"

#include <errno.h>
#include <stddef.h>

#include "base/cleanup.h"
#include "base/json.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Allowed for every container.  Names a kernel or libseccomp does not
 * know are harmless: the compiler skips them. */
static const char *const allowed[] = {
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat",
        "capget", "capset", "chdir", "chmod", "chown", "chown32",
        "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
        "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
        "close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
        "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
        "execve", "execveat", "exit", "exit_group",
        "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
        "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
        "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
        "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
        "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64",
        "futex_wait", "futex_waitv", "futex_wake", "futimesat",
        "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
        "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
        "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
        "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
        "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
        "gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat",
        "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
        "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
        "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
        "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
        "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount",
        "listxattr", "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek",
        "lsetxattr", "lstat", "lstat64",
        "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore",
        "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
        "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
        "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
        "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
        "munlockall", "munmap",
        "name_to_handle_at", "nanosleep", "newfstatat", "_newselect",
        "open", "openat", "openat2",
        "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
        "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv",
        "preadv2", "prlimit64", "process_mrelease", "pselect6", "pselect6_time64",
        "pwrite64", "pwritev", "pwritev2",
        "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
        "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "removexattrat",
        "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
        "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
        "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
        "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
        "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
        "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
        "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid",
        "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
        "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
        "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
        "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
        "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
        "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall",
        "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statmount", "statx",
        "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo",
        "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
        "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
        "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
        "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
        "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
        "utimensat", "utimensat_time64", "utimes",
        "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
        NULL,
};

/* The namespace flags of clone(2): CLONE_NEWNS | NEWCGROUP | NEWUTS |
 * NEWIPC | NEWUSER | NEWPID | NEWNET.  Without CAP_SYS_ADMIN, clone is
 * allowed only when none of them is set. */
#define CLONE_NS_FLAGS 0x7E020000ULL

/* One Docker syscalls entry.  action NULL means SCMP_ACT_ALLOW; op set
 * means one argument condition. */
struct rule {
        const char *const *names;
        const char *action;
        int errno_ret;
        unsigned int index;
        unsigned long long value;
        const char *op;
        const char *const *inc_caps, *const *inc_arches;
        const char *min_kernel;
        const char *const *exc_caps, *const *exc_arches;
};

static const struct rule rules[] = {
        /* ptrace can no longer bypass seccomp since 4.8. */
        { .names = LIST("process_vm_readv", "process_vm_writev", "ptrace"), .min_kernel = "4.8" },
        /* AF_VSOCK reaches the host's vsock services. */
        { .names = LIST("socket"), .index = 0, .value = 40, .op = "SCMP_CMP_NE" },
        /* personality: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32,
         * and the query (0xffffffff); other personalities weaken ASLR. */
        { .names = LIST("personality"), .value = 0x0, .op = "SCMP_CMP_EQ" },
        { .names = LIST("personality"), .value = 0x8, .op = "SCMP_CMP_EQ" },
        { .names = LIST("personality"), .value = 0x20000, .op = "SCMP_CMP_EQ" },
        { .names = LIST("personality"), .value = 0x20008, .op = "SCMP_CMP_EQ" },
        { .names = LIST("personality"), .value = 0xffffffff, .op = "SCMP_CMP_EQ" },
        /* Architecture-specific calls. */
        { .names = LIST("sync_file_range2", "swapcontext"), .inc_arches = LIST("ppc64le") },
        { .names = LIST("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
                        "cacheflush", "set_tls"),
          .inc_arches = LIST("arm", "arm64") },
        { .names = LIST("arch_prctl"), .inc_arches = LIST("amd64", "x32") },
        { .names = LIST("modify_ldt"), .inc_arches = LIST("amd64", "x32", "x86") },
        { .names = LIST("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
          .inc_arches = LIST("s390", "s390x") },
        { .names = LIST("riscv_flush_icache", "riscv_hwprobe"), .inc_arches = LIST("riscv64") },
        /* Calls the kernel would refuse anyway without the capability. */
        { .names = LIST("open_by_handle_at"), .inc_caps = LIST("CAP_DAC_READ_SEARCH") },
        { .names = LIST("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
                        "fspick", "lookup_dcookie", "lsm_get_self_attr", "lsm_list_modules",
                        "lsm_set_self_attr", "mount", "mount_setattr", "move_mount", "open_tree",
                        "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
                        "setns", "syslog", "umount", "umount2", "unshare"),
          .inc_caps = LIST("CAP_SYS_ADMIN") },
        { .names = LIST("clone"), .index = 0, .value = CLONE_NS_FLAGS, .op = "SCMP_CMP_MASKED_EQ",
          .exc_caps = LIST("CAP_SYS_ADMIN"), .exc_arches = LIST("s390", "s390x") },
        /* s390 passes clone's flags second. */
        { .names = LIST("clone"), .index = 1, .value = CLONE_NS_FLAGS, .op = "SCMP_CMP_MASKED_EQ",
          .inc_arches = LIST("s390", "s390x"), .exc_caps = LIST("CAP_SYS_ADMIN") },
        /* clone3's flags sit in memory a filter cannot read; ENOSYS makes
         * libc fall back to clone, whose flags it can. */
        { .names = LIST("clone3"), .action = "SCMP_ACT_ERRNO", .errno_ret = ENOSYS,
          .exc_caps = LIST("CAP_SYS_ADMIN") },
        { .names = LIST("reboot"), .inc_caps = LIST("CAP_SYS_BOOT") },
        { .names = LIST("chroot"), .inc_caps = LIST("CAP_SYS_CHROOT") },
        { .names = LIST("delete_module", "init_module", "finit_module"), .inc_caps = LIST("CAP_SYS_MODULE") },
        { .names = LIST("acct"), .inc_caps = LIST("CAP_SYS_PACCT") },
        { .names = LIST("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
                        "ptrace"),
          .inc_caps = LIST("CAP_SYS_PTRACE") },
        { .names = LIST("iopl", "ioperm"), .inc_caps = LIST("CAP_SYS_RAWIO") },
        { .names = LIST("settimeofday", "stime", "clock_settime", "clock_settime64"),
          .inc_caps = LIST("CAP_SYS_TIME") },
        { .names = LIST("vhangup"), .inc_caps = LIST("CAP_SYS_TTY_CONFIG") },
        { .names = LIST("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
          .inc_caps = LIST("CAP_SYS_NICE") },
        { .names = LIST("syslog"), .inc_caps = LIST("CAP_SYSLOG") },
        { .names = LIST("bpf"), .inc_caps = LIST("CAP_BPF") },
        { .names = LIST("perf_event_open"), .inc_caps = LIST("CAP_PERFMON") },
};

/* Each main architecture with the ones its kernel also runs. */
static const struct {
        const char *arch;
        const char *const *subs;
} arch_map[] = {
        { "SCMP_ARCH_X86_64", LIST("SCMP_ARCH_X86", "SCMP_ARCH_X32") },
        { "SCMP_ARCH_AARCH64", LIST("SCMP_ARCH_ARM") },
        { "SCMP_ARCH_MIPS64", LIST("SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32") },
        { "SCMP_ARCH_MIPS64N32", LIST("SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64") },
        { "SCMP_ARCH_MIPSEL64", LIST("SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32") },
        { "SCMP_ARCH_MIPSEL64N32", LIST("SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64") },
        { "SCMP_ARCH_S390X", LIST("SCMP_ARCH_S390") },
        { "SCMP_ARCH_RISCV64", NULL },
};

static json_t *strings(const char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; a && v && v[i]; i++)
                if (json_array_append_new(a, json_string(v[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* Adds key: strings(v) to o when v is set; 0 or -1 (out of memory). */
static int set_strings(json_t *o, const char *key, const char *const *v)
{
        return v ? json_object_set_new(o, key, strings(v)) : 0;
}

static json_t *filter_json(const char *const *caps, const char *const *arches, const char *min_kernel)
{
        json_t *f = json_object();
        if (!f || set_strings(f, "caps", caps) < 0 || set_strings(f, "arches", arches) < 0 ||
            (min_kernel && json_object_set_new(f, "minKernel", json_string(min_kernel)) < 0)) {
                json_decref(f);
                return NULL;
        }
        return f;
}

static json_t *rule_json(const struct rule *r)
{
        _cleanup_json_ json_t *o = json_pack("{s:o,s:s}", "names", strings(r->names),
                                             "action", r->action ? r->action : "SCMP_ACT_ALLOW");
        if (!o)
                return NULL;
        if (r->errno_ret && json_object_set_new(o, "errnoRet", json_integer(r->errno_ret)) < 0)
                return NULL;
        if (r->op && json_object_set_new(o, "args", json_pack("[{s:i,s:I,s:s}]", "index", (int)r->index,
                                                              "value", (json_int_t)r->value, "op", r->op)) < 0)
                return NULL;
        if ((r->inc_caps || r->inc_arches || r->min_kernel) &&
            json_object_set_new(o, "includes", filter_json(r->inc_caps, r->inc_arches, r->min_kernel)) < 0)
                return NULL;
        if ((r->exc_caps || r->exc_arches) &&
            json_object_set_new(o, "excludes", filter_json(r->exc_caps, r->exc_arches, NULL)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_t *arch_map_json(void)
{
        _cleanup_json_ json_t *a = json_array();
        for (size_t i = 0; a && i < ARRAY_SIZE(arch_map); i++) {
                json_t *e = json_pack("{s:s,s:o}", "architecture", arch_map[i].arch, "subArchitectures",
                                      arch_map[i].subs ? strings(arch_map[i].subs) : json_null());
                if (json_array_append_new(a, e) < 0)
                        return NULL;
        }
        return TAKE_PTR(a);
}

/* The profile in Docker's format, as Docker's default.json spells it. */
static json_t *default_profile(void)
{
        _cleanup_json_ json_t *calls = json_pack("[{s:o,s:s}]", "names", strings(allowed),
                                                 "action", "SCMP_ACT_ALLOW");
        for (size_t i = 0; calls && i < ARRAY_SIZE(rules); i++)
                if (json_array_append_new(calls, rule_json(&rules[i])) < 0)
                        return NULL;
        if (!calls)
                return NULL;
        return json_pack("{s:s,s:i,s:o,s:O}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
                         "archMap", arch_map_json(), "syscalls", calls);
}

int seccomp_default_oci(char *const *caps, json_t **ret, struct herr *err)
{
        *ret = NULL;
        _cleanup_json_ json_t *profile = default_profile();
        if (!profile)
                return herr_set(err, ENOMEM, "building the default seccomp profile");
        if (seccomp_profile_to_oci(profile, caps, ret, err) < 0)
                return herr_wrap(err, "default seccomp profile");
        return 0;
}
