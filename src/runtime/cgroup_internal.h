/* Inside the cgroup code: what the host has, linux.resources parsed once,
 * the device rules, and the one small interface (struct cg_ops) behind
 * which cgroup v1 and v2 differ.  Not for use outside src/runtime/cgroup*.c
 * and their unit tests. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <linux/bpf.h>
#include "base/err.h"
#include "runtime/cgroup.h"

/* Controllers, v1 and v2 names in one table (v2 calls blkio "io"). */
enum cg_ctrl {
        CG_CPU,
        CG_CPUACCT,
        CG_CPUSET,
        CG_MEMORY,
        CG_DEVICES,
        CG_FREEZER,
        CG_BLKIO,
        CG_PIDS,
        CG_HUGETLB,
        CG_NET_CLS,
        CG_NET_PRIO,
        CG_PERF_EVENT,
        CG_RDMA,
        CG_MISC,
        CG_IO,
        CG_NCTRL,
};
#define CG_BIT(c) (1u << (c))
const char *cg_ctrl_name(enum cg_ctrl c);
/* -1 when name is no controller (a mount option such as "xattr"). */
int cg_ctrl_from_name(const char *name, size_t len);

/* One hierarchy of the host. */
struct cg_hier {
        char mnt[256];          /* where the host has it mounted */
        char name[64];          /* its directory below /sys/fs/cgroup ("cpu,cpuacct", "unified") */
        char opts[128];         /* v1: the mount options that name it ("cpu,cpuacct", "name=systemd") */
        unsigned ctrls;         /* CG_BIT()s it carries; v2: what its root's cgroup.controllers lists */
        int v2;
};

#define CG_MAX_HIER 16
struct cg_host {
        enum rt_cgroup_mode mode;
        struct cg_hier h[CG_MAX_HIER];
        size_t n;
};

/* The host's hierarchies, detected once per process; NULL on error. */
const struct cg_host *cg_host_get(struct herr *err);
/* Parse /proc/self/mountinfo text into h (without v2 controllers, which
 * come from a file).  Exposed for tests. */
int cg_host_parse(const char *mountinfo, struct cg_host *h, struct herr *err);

/* Device access bits, the same values as BPF_DEVCG_ACC_*. */
enum {
        CG_DEV_MKNOD = 1,
        CG_DEV_READ = 2,
        CG_DEV_WRITE = 4,
        CG_DEV_RWM = 7,
};

struct cg_dev_rule {
        int allow;
        char type;              /* 'a', 'c', 'b' */
        int64_t major, minor;   /* -1: any */
        unsigned access;        /* CG_DEV_* */
};

/* linux.resources, validated.  Zero means "not given" where the OCI Go
 * types make it so (runc reads them that way too). */
struct cg_resources {
        int has_mem_limit, has_mem_reservation, has_mem_swap, has_swappiness;
        int64_t mem_limit, mem_reservation, mem_swap;   /* bytes; -1 = unlimited */
        uint64_t swappiness;
        int disable_oom_killer;
        uint64_t cpu_shares;
        int64_t cpu_quota;      /* -1 = unlimited */
        uint64_t cpu_period;
        char *cpus, *mems;
        int has_pids;
        int64_t pids_limit;     /* <= 0: unlimited */
        struct cg_dev_rule *devices;
        size_t n_devices;
        json_t *unified;        /* borrowed: key -> string value */
        json_t *hugepages;      /* borrowed: hugepageLimits, validated; NULL when empty */
};

int cg_resources_parse(json_t *j, struct cg_resources *r, struct herr *err);
void cg_resources_free(struct cg_resources *r);
/* The controllers the resources set values in (CG_BIT()s). */
unsigned cg_resources_controllers(const struct cg_resources *r);

/* runc's shares -> cpu.weight: [2, 262144] maps onto [1, 10000]. */
uint64_t cg_shares_to_weight(uint64_t shares);
/* memory.swap.max from OCI's memory+swap total: *ret = swap - limit, or -1
 * for "max".  0 when no swap value was given (*ret untouched, returns 0). */
int cg_swap_v2(const struct cg_resources *r, int64_t *ret, struct herr *err);
/* cpu.max's value, or "" when neither quota nor period is given. */
void cg_cpu_max(const struct cg_resources *r, char *buf, size_t size);

/* Devices.  Semantics (the v2 program and the reference): rules are read
 * from last to first and, for each access bit asked for, the last rule
 * that matches the device and carries the bit decides it; a bit no rule
 * decides is denied.  Access is granted when every bit asked for is. */
int cg_device_allowed(const struct cg_dev_rule *rules, size_t n, char type, uint32_t major,
                      uint32_t minor, unsigned access);
/* v1: writes to devices.allow (allow set) or devices.deny, in order. */
struct cg_dev_write {
        int allow;
        char line[64];
};
int cg_devices_v1(const struct cg_dev_rule *rules, size_t n, struct cg_dev_write **ret, size_t *ret_n);
/* v2: the BPF_PROG_TYPE_CGROUP_DEVICE program; *ret NULL when the rules
 * restrict nothing. */
int cg_devices_bpf(const struct cg_dev_rule *rules, size_t n, struct bpf_insn **ret, size_t *ret_len);
/* Load the program for rules and attach it to the v2 cgroup cgfd. */
int cg_devices_bpf_attach(int cgfd, const struct cg_dev_rule *rules, size_t n, struct herr *err);

/* What v1 and v2 do differently, and nothing else. */
struct cg_ops {
        /* dir was made (or found) below parent on the way to the
         * container's cgroup.  v1 copies cpuset values into an empty
         * cpuset cgroup; v2 enables ctrls in parent's subtree_control. */
        int (*prepare)(int parent, int dir, unsigned ctrls, struct herr *err);
        int (*memory)(int dir, const struct cg_resources *r, struct herr *err);
        int (*cpu)(int dir, const struct cg_resources *r, struct herr *err);
        int (*cpuset)(int dir, const struct cg_resources *r, struct herr *err);
        int (*devices)(int dir, const struct cg_resources *r, struct herr *err);
        /* 1 when the OOM killer killed in it. */
        int (*oom_killed)(int dir);
        /* Kill everything in it at once where the kernel can; 0 when done,
         * 1 when the caller must fall back to signalling cgroup.procs. */
        int (*kill_all)(int dir);
};
extern const struct cg_ops cg_v1_ops, cg_v2_ops;

/* File helpers over a cgroup directory fd.  cg_write: one write(2), the
 * error naming file and value (`cpuset.cpus "99": Invalid argument`). */
int cg_write(int dir, const char *file, const char *value, struct herr *err);
int cg_write_i64(int dir, const char *file, int64_t v, struct herr *err);
/* Read a small file into buf (NUL-terminated, trailing newline dropped);
 * length, or -1 with errno set. */
ssize_t cg_read(int dir, const char *file, char *buf, size_t size);
/* The value of "key N" in a flat-keyed file (memory.events); -1 if absent. */
int64_t cg_read_key(int dir, const char *file, const char *key);
int cg_file_exists(int dir, const char *file);
/* pids.max is the same file on both. */
int cg_set_pids(int dir, const struct cg_resources *r, struct herr *err);
/* hugepageLimits: hugetlb.<size>.limit_in_bytes (v1) or .max (v2). */
int cg_set_hugetlb(int dir, int v2, const struct cg_resources *r, struct herr *err);
