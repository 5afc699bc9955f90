/* The cgroup v1 writers: one file per knob, one hierarchy per controller
 * (or a few co-mounted, "cpu,cpuacct"). */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "base/cleanup.h"

/* A new cpuset cgroup starts with no CPUs and no memory nodes, and no
 * process can join it until it has both: every level on the way gets its
 * parent's (the container's own may then be narrowed by the limits). */
static int copy_if_empty(int parent, int dir, const char *file, struct herr *err)
{
        char buf[4096];
        if (cg_read(dir, file, buf, sizeof buf) < 0)
                return herr_set(err, errno, "reading %s", file);
        if (buf[0])
                return 0;
        if (cg_read(parent, file, buf, sizeof buf) < 0)
                return herr_set(err, errno, "reading the parent's %s", file);
        return cg_write(dir, file, buf, err);
}

static int v1_prepare(int parent, int dir, unsigned ctrls, struct herr *err)
{
        if (!(ctrls & CG_BIT(CG_CPUSET)))
                return 0;
        if (copy_if_empty(parent, dir, "cpuset.cpus", err) < 0 || copy_if_empty(parent, dir, "cpuset.mems", err) < 0)
                return -1;
        return 0;
}

/* Without swap accounting (swapaccount=0, or a kernel without it) there
 * are no memsw files: only requests that limit nothing can go on. */
static int v1_swap(int dir, const struct cg_resources *r, struct herr *err)
{
        if (cg_file_exists(dir, "memory.memsw.limit_in_bytes"))
                return cg_write_i64(dir, "memory.memsw.limit_in_bytes", r->mem_swap, err);
        if (r->mem_swap == -1 || (r->has_mem_limit && r->mem_swap == r->mem_limit))
                return 0;
        return herr_set(err, 0,
                        "memory.memsw.limit_in_bytes: the kernel does not account swap (no memsw files; "
                        "boot with swapaccount=1), so memory+swap cannot be limited to %" PRId64,
                        r->mem_swap);
}

static int v1_memory(int dir, const struct cg_resources *r, struct herr *err)
{
        /* The limit before memory+swap: memsw may never be below it. */
        if (r->has_mem_limit && cg_write_i64(dir, "memory.limit_in_bytes", r->mem_limit, err) < 0)
                return -1;
        if (r->has_mem_swap && v1_swap(dir, r, err) < 0)
                return -1;
        if (r->has_mem_reservation && cg_write_i64(dir, "memory.soft_limit_in_bytes", r->mem_reservation, err) < 0)
                return -1;
        if (r->disable_oom_killer && cg_write(dir, "memory.oom_control", "1", err) < 0)
                return -1;
        if (r->has_swappiness && cg_write_i64(dir, "memory.swappiness", (int64_t)r->swappiness, err) < 0)
                return -1;
        return 0;
}

static int v1_cpu(int dir, const struct cg_resources *r, struct herr *err)
{
        if (r->cpu_shares && cg_write_i64(dir, "cpu.shares", (int64_t)r->cpu_shares, err) < 0)
                return -1;
        /* The period first: the kernel checks the quota against it. */
        if (r->cpu_period && cg_write_i64(dir, "cpu.cfs_period_us", (int64_t)r->cpu_period, err) < 0)
                return -1;
        if (r->cpu_quota && cg_write_i64(dir, "cpu.cfs_quota_us", r->cpu_quota, err) < 0)
                return -1;
        return 0;
}

static int v1_cpuset(int dir, const struct cg_resources *r, struct herr *err)
{
        if (r->cpus && cg_write(dir, "cpuset.cpus", r->cpus, err) < 0)
                return -1;
        if (r->mems && cg_write(dir, "cpuset.mems", r->mems, err) < 0)
                return -1;
        return 0;
}

static int v1_devices(int dir, const struct cg_resources *r, struct herr *err)
{
        _cleanup_free_ struct cg_dev_write *w = NULL;
        size_t n;
        if (cg_devices_v1(r->devices, r->n_devices, &w, &n) < 0)
                return herr_set(err, ENOMEM, "device rules");
        for (size_t i = 0; i < n; i++)
                if (cg_write(dir, w[i].allow ? "devices.allow" : "devices.deny", w[i].line, err) < 0)
                        return -1;
        return 0;
}

static int v1_oom_killed(int dir)
{
        return cg_read_key(dir, "memory.oom_control", "oom_kill") > 0;
}

/* v1 has no cgroup.kill: the caller signals what cgroup.procs lists. */
static int v1_kill_all(int dir)
{
        return 1;
}

const struct cg_ops cg_v1_ops = {
        .prepare = v1_prepare,
        .memory = v1_memory,
        .cpu = v1_cpu,
        .cpuset = v1_cpuset,
        .devices = v1_devices,
        .oom_killed = v1_oom_killed,
        .kill_all = v1_kill_all,
};
