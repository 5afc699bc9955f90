/* A container's cgroup: one interface, with cgroup v1, v2 and hybrid hosts
 * behind it.  The v1/v2 difference lives only in the lowest writers.
 *
 * Life cycle, as rt_create() drives it:
 *   rt_cgroup_create()        parent: make the cgroup(s), apply limits
 *   clone3(CLONE_INTO_CGROUP, rt_cgroup_unified_fd())   when there is a v2 tree
 *   rt_cgroup_enter(pid)      parent: v1 hierarchies (and v2 if not cloned in), but
 *                             the v1 ones a child joins itself (rt_cgroup_self)
 *   ... the child only runs its own code after this (it waits on the sync socket)
 *   rt_cgroup_oom_killed()    after the process ended
 *   rt_cgroup_destroy()       kill what is left, remove every directory */
#pragma once
#include <jansson.h>
#include <sys/types.h>
#include "base/err.h"
#include "runtime/spec.h"

enum rt_cgroup_mode {
        RT_CGROUP_NONE,         /* no cgroup filesystem at all */
        RT_CGROUP_V1,           /* v1 controllers only */
        RT_CGROUP_V2,           /* unified at /sys/fs/cgroup */
        RT_CGROUP_HYBRID,       /* v1 controllers + a cgroup2 mount at /sys/fs/cgroup/unified */
};

struct rt_cgroup;

/* What this host has (detected once). */
enum rt_cgroup_mode rt_cgroup_mode(void);
const char *rt_cgroup_mode_name(enum rt_cgroup_mode m);

/* path: the OCI linux.cgroupsPath ("/hull/<id>"), relative to each
 * hierarchy's root.  resources: linux.resources (may be NULL).  Parents
 * are created as needed (v1 cpuset parents get cpus/mems from theirs; v2
 * controllers are enabled in cgroup.subtree_control along the path).  A
 * value the host cannot take (a CPU it lacks, say) is an error; on error
 * nothing is left behind. */
int rt_cgroup_create(const char *path, json_t *resources, struct rt_cgroup **ret, struct herr *err);
/* An existing container's cgroup, to destroy or read it later. */
int rt_cgroup_open(const char *path, struct rt_cgroup **ret, struct herr *err);
/* New limits (linux.resources) for an existing cgroup. */
int rt_cgroup_update(const char *path, json_t *resources, struct herr *err);
/* O_DIRECTORY fd of the cgroup in the v2 tree (v2 or hybrid), for
 * clone3(CLONE_INTO_CGROUP); -1 when the host has no v2 tree. */
int rt_cgroup_unified_fd(const struct rt_cgroup *cg);
/* Move pid into every hierarchy it is not in yet, but the v1 ones self
 * covers (NULL: none). */
struct rt_cgroup_self;
int rt_cgroup_enter(struct rt_cgroup *cg, pid_t pid, int cloned_into_unified, const struct rt_cgroup_self *self,
                    struct herr *err);

/* A child joining its v1 cgroups itself.  Moving a process into a v1
 * cgroup through cgroup.procs takes the kernel's threadgroup rwsem for
 * writing, whose writer first waits for an RCU grace period (8 ms here, a
 * third of `hull run -d`); a single thread that moves only itself (writing
 * "0" to `tasks`) needs no such lock.  So the parent opens the `tasks`
 * files before the clone, and the child, still single-threaded and before
 * any code of the container's runs, writes "0" into each.  Not for a child
 * in a new user namespace: host cgroup files are not its to write. */
struct rt_cgroup_self {
        int fd[16];
        size_t n;
};
#define RT_CGROUP_SELF_INIT { .n = 0 }
int rt_cgroup_self_open(struct rt_cgroup *cg, struct rt_cgroup_self *self, struct herr *err);
/* In the child: join, and close the files.  -1 with errno on failure. */
int rt_cgroup_self_join(struct rt_cgroup_self *self);
void rt_cgroup_self_close(struct rt_cgroup_self *self);
/* 1 when the OOM killer killed a process of this cgroup, else 0. */
int rt_cgroup_oom_killed(struct rt_cgroup *cg);
/* Kill every process still in it (cgroup.kill, or SIGKILL until empty),
 * then remove its directories in every hierarchy. */
int rt_cgroup_destroy(struct rt_cgroup *cg, struct herr *err);
void rt_cgroup_free(struct rt_cgroup *cg);

/* In the container child, after it has its own cgroup namespace: mount
 * /sys/fs/cgroup inside the root (rootfd) the way the host has it — cgroup2
 * on v2; a tmpfs with one mount per v1 hierarchy on v1; the same plus
 * cgroup2 at unified/ on hybrid — read-only unless the mount is rw, each
 * showing the container's own cgroup as its root. */
int rt_cgroup_mount(int rootfd, const struct rt_mount *m, struct herr *err);
/* The same without a cgroup namespace: each mount shows subdir (the
 * container's cgroupsPath) as its root. */
int rt_cgroup_mount_sub(int rootfd, const struct rt_mount *m, const char *subdir, struct herr *err);

/* ---- a running container's cgroup, from its path alone (cgroup_ops.c) ---- */
#include <stdint.h>

/* Freeze (1) or thaw (0) every process in it: cgroup.freeze wherever it
 * has a v2 directory (hybrid hosts too: frozen tasks stay killable there),
 * else the v1 freezer; returns once the kernel reports it done (an error,
 * and the cgroup thawed, after 5 s). */
int rt_cgroup_freeze(const char *path, int frozen, struct herr *err);
/* 1 when it is frozen (or freezing), else 0. */
int rt_cgroup_frozen(const char *path);
/* The processes in it (host pids, sorted); free(*ret). */
int rt_cgroup_pids(const char *path, pid_t **ret, size_t *ret_n, struct herr *err);

struct rt_cgroup_stats {
        uint64_t cpu_ns;                /* CPU time of all its processes, ever */
        uint64_t mem_usage;             /* bytes, without inactive file cache (as docker stats) */
        int64_t mem_limit;              /* bytes; -1 when unlimited */
        uint64_t blk_read, blk_write;   /* bytes; 0 without blkio / io accounting */
        uint64_t pids;                  /* tasks (threads) */
};
int rt_cgroup_stats(const char *path, struct rt_cgroup_stats *ret, struct herr *err);

/* Parsers, exposed for tests: cgroup.procs text; blkio.throttle.
 * io_service_bytes (v1) or io.stat (v2) text, summed over devices. */
int rt_cgroup_parse_pids(const char *text, pid_t **ret, size_t *ret_n);
void rt_cgroup_parse_blkio(const char *text, int v2, uint64_t *ret_read, uint64_t *ret_write);
