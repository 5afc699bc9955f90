/* What the lifecycle commands do to a running container's cgroup: freeze
 * and thaw it (pause, unpause), list its processes (top), read its usage
 * (stats).
 *
 * These work from the cgroup path alone, as any later command knows it
 * from the container's config: each controller is read where its values
 * were written (the v1 hierarchy that carries it, else the v2 tree), the
 * same rule rt_cgroup_create follows. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"

/* How long pause waits for the kernel to report every task frozen. */
#define FREEZE_TIMEOUT_MS 5000
/* v1 reports this limit (PAGE_COUNTER_MAX pages) when there is none. */
#define V1_UNLIMITED (INT64_C(1) << 62)
#define PATH_MAX_CG 512

struct cg_loc {
        int fd;         /* the container's directory in that hierarchy; -1 when none */
        int v2;
};

static void loc_close(struct cg_loc *l)
{
        closep(&l->fd);
}
#define _cleanup_loc_ __attribute__((cleanup(loc_close)))

/* "/hull/abc" -> "hull/abc"; nothing may climb out of a hierarchy. */
static int rel_of(const char *path, char *buf, size_t size, struct herr *err)
{
        const char *p = path + strspn(path, "/");
        if (!*p || strlen(p) >= size)
                return herr_set(err, 0, "cgroup path \"%s\" names no cgroup", path);
        for (const char *c = p; *c;) {
                size_t len = strcspn(c, "/");
                if ((len == 1 && c[0] == '.') || (len == 2 && !strncmp(c, "..", 2)))
                        return herr_set(err, 0, "cgroup path %s: \".\" and \"..\" are not allowed", path);
                c += len;
                c += strspn(c, "/");
        }
        snprintf(buf, size, "%s", p);
        return 0;
}

static int open_in(const struct cg_hier *h, const char *rel)
{
        char p[sizeof h->mnt + PATH_MAX_CG + 1];
        snprintf(p, sizeof p, "%s/%s", h->mnt, rel);
        return open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
}

/* The directory that holds ctrl's files for the cgroup at path; the v2
 * tree when ctrl is -1 (core files: cgroup.freeze, cgroup.procs, cpu.stat)
 * or no v1 hierarchy carries it.  loc->fd is -1 when there is none. */
static int locate(const char *path, int ctrl, struct cg_loc *loc, struct herr *err)
{
        char rel[PATH_MAX_CG];
        const struct cg_host *h = cg_host_get(err);
        loc->fd = -1;
        loc->v2 = 0;
        if (!h || rel_of(path, rel, sizeof rel, err) < 0)
                return -1;
        for (size_t i = 0; ctrl >= 0 && i < h->n; i++)
                if (!h->h[i].v2 && (h->h[i].ctrls & CG_BIT(ctrl))) {
                        loc->fd = open_in(&h->h[i], rel);
                        return 0;
                }
        for (size_t i = 0; i < h->n; i++)
                if (h->h[i].v2) {
                        loc->fd = open_in(&h->h[i], rel);
                        loc->v2 = 1;
                        return 0;
                }
        return 0;
}

static long long ms_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Growing pauses between two looks at a file the kernel updates. */
static void backoff(int fd, long *pause_ns)
{
        struct pollfd p = { .fd = fd, .events = POLLPRI };
        struct timespec ts = { .tv_nsec = *pause_ns };
        ppoll(&p, fd >= 0 ? 1 : 0, &ts, NULL);
        if (*pause_ns < 10000000)
                *pause_ns *= 2;
}

/* v2: cgroup.events says "frozen 1" once every task stopped; it notifies
 * (POLLPRI) on change, but re-reading costs nothing either. */
static int freeze_v2(int dir, int frozen, struct herr *err)
{
        if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
                return -1;
        _cleanup_close_ int ev = openat(dir, "cgroup.events", O_RDONLY | O_CLOEXEC);
        long long end = ms_now() + FREEZE_TIMEOUT_MS;
        long pause_ns = 50000;
        if (ev < 0)
                return herr_set(err, errno, "opening cgroup.events");
        for (;;) {
                char buf[256];
                ssize_t n = pread(ev, buf, sizeof buf - 1, 0);
                if (n < 0)
                        return herr_set(err, errno, "reading cgroup.events");
                buf[n] = '\0';
                if (strstr(buf, frozen ? "frozen 1" : "frozen 0"))
                        return 0;
                if (ms_now() > end)
                        return herr_set(err, 0, "the cgroup did not become %s within %d ms",
                                        frozen ? "frozen" : "thawed", FREEZE_TIMEOUT_MS);
                backoff(ev, &pause_ns);
        }
}

/* v1: FREEZING until every task stopped.  The kernel only retries tasks
 * that were busy (in a vfork, say) when FROZEN is written again, so it is
 * written on every look, as runc does. */
static int freeze_v1(int dir, int frozen, struct herr *err)
{
        const char *want = frozen ? "FROZEN" : "THAWED";
        long long end = ms_now() + FREEZE_TIMEOUT_MS;
        long pause_ns = 50000;
        for (;;) {
                char buf[64];
                if (cg_write(dir, "freezer.state", want, err) < 0)
                        return -1;
                if (cg_read(dir, "freezer.state", buf, sizeof buf) < 0)
                        return herr_set(err, errno, "reading freezer.state");
                if (!strcmp(buf, want))
                        return 0;
                if (ms_now() > end)
                        return herr_set(err, 0, "the cgroup is still %s after %d ms", buf, FREEZE_TIMEOUT_MS);
                backoff(-1, &pause_ns);
        }
}

/* The v2 tree's cgroup.freeze wherever the container has a v2 directory
 * (hybrid hosts too, though a v1 freezer is mounted there): a task frozen
 * that way still dies of SIGKILL, so stop and rm -f work on a paused
 * container; a task in v1's FROZEN state does not until it is thawed. */
static int locate_freezer(const char *path, struct cg_loc *l, struct herr *err)
{
        /* With ctrl -1 only the v2 tree is looked at. */
        if (locate(path, -1, l, err) < 0 || l->fd >= 0)
                return l->fd >= 0 ? 0 : -1;
        return locate(path, CG_FREEZER, l, err);
}

int rt_cgroup_freeze(const char *path, int frozen, struct herr *err)
{
        _cleanup_loc_ struct cg_loc l;
        if (locate_freezer(path, &l, err) < 0)
                return -1;
        if (l.fd < 0)
                return herr_set(err, errno ? errno : ENOENT, "cgroup %s: no freezer", path);
        int r = l.v2 ? freeze_v2(l.fd, frozen, err) : freeze_v1(l.fd, frozen, err);
        /* Never leave a container half frozen behind an error. */
        if (r < 0 && frozen) {
                struct herr ignored;
                if (l.v2)
                        cg_write(l.fd, "cgroup.freeze", "0", &ignored);
                else
                        cg_write(l.fd, "freezer.state", "THAWED", &ignored);
        }
        return r < 0 ? herr_wrap(err, "cgroup %s", path) : 0;
}

int rt_cgroup_frozen(const char *path)
{
        struct herr ignored;
        _cleanup_loc_ struct cg_loc l;
        char buf[256];
        if (locate_freezer(path, &l, &ignored) < 0 || l.fd < 0)
                return 0;
        if (l.v2)
                return cg_read_key(l.fd, "cgroup.events", "frozen") == 1;
        return cg_read(l.fd, "freezer.state", buf, sizeof buf) >= 0 && strcmp(buf, "THAWED") != 0;
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
        return (x > y) - (x < y);
}

int rt_cgroup_parse_pids(const char *text, pid_t **ret, size_t *ret_n)
{
        size_t n = 0, cap = 16;
        pid_t *v = malloc(cap * sizeof *v);
        if (!v)
                return -ENOMEM;
        for (const char *p = text; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (pid > 0) {
                        if (n == cap) {
                                pid_t *nv = realloc(v, (cap *= 2) * sizeof *v);
                                if (!nv) {
                                        free(v);
                                        return -ENOMEM;
                                }
                                v = nv;
                        }
                        v[n++] = (pid_t)pid;
                }
                p = end + strspn(end, "\n");
        }
        qsort(v, n, sizeof *v, cmp_pid);
        *ret = v;
        *ret_n = n;
        return 0;
}

/* cgroup.procs of the v2 tree where there is one (every process of the
 * container is there on a hybrid host too), else of a v1 hierarchy. */
int rt_cgroup_pids(const char *path, pid_t **ret, size_t *ret_n, struct herr *err)
{
        _cleanup_loc_ struct cg_loc l;
        _cleanup_free_ char *buf = NULL;
        if (locate(path, -1, &l, err) < 0)
                return -1;
        if (l.fd < 0 && locate(path, CG_PIDS, &l, err) < 0)
                return -1;
        if (l.fd < 0 && locate(path, CG_MEMORY, &l, err) < 0)
                return -1;
        if (l.fd < 0)
                return herr_set(err, ENOENT, "cgroup %s", path);
        _cleanup_close_ int fd = openat(l.fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_fd(fd, &buf, NULL, err) < 0)
                return herr_set(err, errno, "reading cgroup.procs of %s", path);
        if (rt_cgroup_parse_pids(buf, ret, ret_n) < 0)
                return herr_set(err, ENOMEM, "cgroup.procs");
        return 0;
}

/* ---- stats ---- */

static int64_t read_i64(int dir, const char *file)
{
        char buf[64];
        if (dir < 0 || cg_read(dir, file, buf, sizeof buf) < 0)
                return -1;
        if (!strcmp(buf, "max"))
                return INT64_MAX;
        return strtoll(buf, NULL, 10);
}

static void read_memory(const char *path, struct rt_cgroup_stats *st)
{
        struct herr ignored;
        _cleanup_loc_ struct cg_loc l;
        if (locate(path, CG_MEMORY, &l, &ignored) < 0 || l.fd < 0)
                return;
        int64_t usage = read_i64(l.fd, l.v2 ? "memory.current" : "memory.usage_in_bytes");
        int64_t limit = read_i64(l.fd, l.v2 ? "memory.max" : "memory.limit_in_bytes");
        /* docker stats leaves out the page cache the kernel can drop at
         * once (inactive file pages). */
        int64_t inactive = cg_read_key(l.fd, "memory.stat", l.v2 ? "inactive_file" : "total_inactive_file");
        if (usage >= 0)
                st->mem_usage = (uint64_t)(inactive > 0 && inactive < usage ? usage - inactive : usage);
        st->mem_limit = limit < 0 || limit >= V1_UNLIMITED ? -1 : limit;
}

static void read_cpu(const char *path, struct rt_cgroup_stats *st)
{
        struct herr ignored;
        _cleanup_loc_ struct cg_loc l;
        if (locate(path, CG_CPUACCT, &l, &ignored) < 0 || l.fd < 0)
                return;
        if (!l.v2) {
                int64_t ns = read_i64(l.fd, "cpuacct.usage");
                st->cpu_ns = ns > 0 ? (uint64_t)ns : 0;
                return;
        }
        int64_t us = cg_read_key(l.fd, "cpu.stat", "usage_usec");
        st->cpu_ns = us > 0 ? (uint64_t)us * 1000 : 0;
}

/* Counts tasks (threads), as pids.current does. */
static uint64_t count_lines(int dir, const char *file)
{
        _cleanup_close_ int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        struct herr ignored;
        uint64_t n = 0;
        if (fd < 0 || read_fd(fd, &buf, NULL, &ignored) < 0)
                return 0;
        for (char *p = buf; *p; p++)
                n += *p == '\n';
        return n;
}

static void read_pids(const char *path, struct rt_cgroup_stats *st)
{
        struct herr ignored;
        _cleanup_loc_ struct cg_loc l;
        if (locate(path, CG_PIDS, &l, &ignored) < 0 || l.fd < 0)
                return;
        int64_t n = read_i64(l.fd, "pids.current");
        st->pids = n >= 0 ? (uint64_t)n : count_lines(l.fd, l.v2 ? "cgroup.threads" : "tasks");
}

void rt_cgroup_parse_blkio(const char *text, int v2, uint64_t *ret_read, uint64_t *ret_write)
{
        *ret_read = *ret_write = 0;
        for (const char *line = text; line && *line;) {
                char op[32];
                unsigned long long v;
                const char *sp = strchr(line, ' ');
                if (v2) {
                        /* "8:0 rbytes=1 wbytes=2 rios=3 ..." */
                        const char *r = strstr(line, " rbytes="), *w = strstr(line, " wbytes=");
                        const char *nl = strchr(line, '\n');
                        if (r && (!nl || r < nl))
                                *ret_read += strtoull(r + 8, NULL, 10);
                        if (w && (!nl || w < nl))
                                *ret_write += strtoull(w + 8, NULL, 10);
                } else if (sp && sscanf(sp, " %31s %llu", op, &v) == 2) {
                        /* "8:0 Read 4096"; "Total N" lines have no device. */
                        if (!strcasecmp(op, "read"))
                                *ret_read += v;
                        else if (!strcasecmp(op, "write"))
                                *ret_write += v;
                }
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
}

static void read_blkio(const char *path, struct rt_cgroup_stats *st)
{
        struct herr ignored;
        _cleanup_loc_ struct cg_loc l;
        if (locate(path, CG_BLKIO, &l, &ignored) < 0 || l.fd < 0)
                return;
        const char *file = l.v2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive";
        _cleanup_close_ int fd = openat(l.fd, file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && !l.v2)
                fd = openat(l.fd, "blkio.throttle.io_service_bytes", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        if (fd < 0 || read_fd(fd, &buf, NULL, &ignored) < 0)
                return;
        rt_cgroup_parse_blkio(buf, l.v2, &st->blk_read, &st->blk_write);
}

int rt_cgroup_stats(const char *path, struct rt_cgroup_stats *st, struct herr *err)
{
        _cleanup_loc_ struct cg_loc l;
        memset(st, 0, sizeof *st);
        st->mem_limit = -1;
        if (locate(path, CG_MEMORY, &l, err) < 0)
                return -1;
        if (l.fd < 0)
                return herr_set(err, errno, "cgroup %s", path);
        read_memory(path, st);
        read_cpu(path, st);
        read_pids(path, st);
        read_blkio(path, st);
        return 0;
}
