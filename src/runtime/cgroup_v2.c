/* The cgroup v2 writers: one tree, controllers switched on from the root
 * down through cgroup.subtree_control, v1's values converted the way runc
 * converts them, devices as a BPF program. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"

static int has_word(const char *list, const char *w)
{
        size_t wl = strlen(w);
        for (const char *p = list; *p;) {
                size_t len = strcspn(p, " ");
                if (len == wl && !strncmp(p, w, wl))
                        return 1;
                p += len + (p[len] == ' ');
        }
        return 0;
}

/* Enable in the parent what the child (and the container below it) uses.
 * The kernel takes a controller only when the parent's parent has it
 * enabled, which walking from the root down gives. */
static int v2_prepare(int parent, int dir, unsigned ctrls, struct herr *err)
{
        char cur[512], add[256] = "";
        size_t len = 0;
        if (!ctrls)
                return 0;
        if (cg_read(parent, "cgroup.subtree_control", cur, sizeof cur) < 0)
                return herr_set(err, errno, "reading cgroup.subtree_control");
        for (int c = 0; c < CG_NCTRL; c++) {
                if (!(ctrls & CG_BIT(c)) || has_word(cur, cg_ctrl_name(c)))
                        continue;
                int n = snprintf(add + len, sizeof add - len, "%s+%s", len ? " " : "", cg_ctrl_name(c));
                if (n > 0 && (size_t)n < sizeof add - len)
                        len += (size_t)n;
        }
        if (!len)
                return 0;
        return cg_write(parent, "cgroup.subtree_control", add, err);
}

static int write_max(int dir, const char *file, int64_t v, struct herr *err)
{
        return v < 0 ? cg_write(dir, file, "max", err) : cg_write_i64(dir, file, v, err);
}

/* memory.swap.max counts swap alone; OCI's swap is memory plus swap.
 * Without the file (no swap accounting) only requests that limit nothing
 * can go on. */
static int v2_swap(int dir, const struct cg_resources *r, struct herr *err)
{
        int64_t swap = -1;
        if (cg_swap_v2(r, &swap, err) < 0)
                return herr_wrap(err, "memory.swap.max");
        if (cg_file_exists(dir, "memory.swap.max"))
                return write_max(dir, "memory.swap.max", swap, err);
        if (swap == -1 || swap == 0)
                return 0;
        return herr_set(err, 0,
                        "memory.swap.max: the kernel does not account swap (no memory.swap.max), so swap "
                        "cannot be limited to %" PRId64,
                        swap);
}

/* swappiness and disableOOMKiller have no v2 file; runc and crun skip
 * them there too. */
static int v2_memory(int dir, const struct cg_resources *r, struct herr *err)
{
        if (r->has_mem_limit && write_max(dir, "memory.max", r->mem_limit, err) < 0)
                return -1;
        if (r->has_mem_swap && v2_swap(dir, r, err) < 0)
                return -1;
        if (r->has_mem_reservation && write_max(dir, "memory.low", r->mem_reservation, err) < 0)
                return -1;
        return 0;
}

static int v2_cpu(int dir, const struct cg_resources *r, struct herr *err)
{
        char max[64];
        if (r->cpu_shares && cg_write_i64(dir, "cpu.weight", (int64_t)cg_shares_to_weight(r->cpu_shares), err) < 0)
                return -1;
        cg_cpu_max(r, max, sizeof max);
        if (max[0] && cg_write(dir, "cpu.max", max, err) < 0)
                return -1;
        return 0;
}

static int v2_cpuset(int dir, const struct cg_resources *r, struct herr *err)
{
        if (r->cpus && cg_write(dir, "cpuset.cpus", r->cpus, err) < 0)
                return -1;
        if (r->mems && cg_write(dir, "cpuset.mems", r->mems, err) < 0)
                return -1;
        return 0;
}

static int v2_devices(int dir, const struct cg_resources *r, struct herr *err)
{
        return cg_devices_bpf_attach(dir, r->devices, r->n_devices, err);
}

static int v2_oom_killed(int dir)
{
        return cg_read_key(dir, "memory.events", "oom_kill") > 0;
}

static long long ms_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Re-read cgroup.events with growing pauses.  Its POLLPRI wake-up alone
 * will not do: the kernel rate-limits those to one per 10 ms, while the
 * processes are usually gone within 100 us of cgroup.kill. */
static void wait_unpopulated(int dir, int timeout_ms)
{
        _cleanup_close_ int fd = openat(dir, "cgroup.events", O_RDONLY | O_CLOEXEC);
        long long end = ms_now() + timeout_ms;
        long pause_ns = 20000;
        char buf[256];
        if (fd < 0)
                return;
        for (;;) {
                ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
                if (n < 0)
                        return;
                buf[n] = '\0';
                if (!strstr(buf, "populated 1") || ms_now() >= end)
                        return;
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                struct timespec ts = { .tv_nsec = pause_ns };
                ppoll(&p, 1, &ts, NULL);
                if (pause_ns < 5000000)
                        pause_ns *= 2;
        }
}

/* cgroup.kill (5.14+) SIGKILLs every process at once, forks in flight
 * included. */
static int v2_kill_all(int dir)
{
        int fd = openat(dir, "cgroup.kill", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return 1;
        ssize_t n = write(fd, "1", 1);
        close(fd);
        if (n < 0)
                return 1;
        wait_unpopulated(dir, 2000);
        return 0;
}

const struct cg_ops cg_v2_ops = {
        .prepare = v2_prepare,
        .memory = v2_memory,
        .cpu = v2_cpu,
        .cpuset = v2_cpuset,
        .devices = v2_devices,
        .oom_killed = v2_oom_killed,
        .kill_all = v2_kill_all,
};
