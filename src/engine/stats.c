/* hull top, stats, pause and unpause: a running container's cgroup (the
 * runtime reads and freezes it) and /proc for what ps and docker stats
 * show. */
#include "engine/stats.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "engine/container.h"
#include "runtime/cgroup.h"

static void container_closep(struct container *c)
{
        container_close(c);
}
#define _cleanup_container_ __attribute__((cleanup(container_closep)))

static long long mono_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* What of config.json these commands need: the cgroup, and whether the
 * container has a network namespace of its own. */
struct ctr_cfg {
        char *cgroups_path;             /* NULL: --cgroups=disabled */
        int own_netns;
};

static void ctr_cfg_free(struct ctr_cfg *k)
{
        free(k->cgroups_path);
}

static int ctr_cfg_load(const struct container *c, struct ctr_cfg *ret, struct herr *err)
{
        _cleanup_free_ char *path = xasprintf("%s/config.json", c->dir);
        _cleanup_json_ json_t *cfg = NULL;
        memset(ret, 0, sizeof *ret);
        if (json_load_path(AT_FDCWD, path, &cfg, err) < 0)
                return herr_wrap(err, "container %.12s", c->id);
        json_t *lx = json_object_get(cfg, "linux");
        const char *cg = json_str(lx, "cgroupsPath");
        ret->cgroups_path = cg ? xstrdup(cg) : NULL;
        size_t i;
        json_t *ns;
        /* A namespace path is one hull made for a bridge network (its own)
         * unless it is another process's (/proc/PID/ns/net). */
        json_array_foreach(json_object_get(lx, "namespaces"), i, ns)
                if (!strcmp(json_str(ns, "type") ?: "", "network") &&
                    strncmp(json_str(ns, "path") ?: "", "/proc/", 6))
                        ret->own_netns = 1;
        return 0;
}

/* ---- pure helpers ---- */

int proc_stat_parse(const char *line, struct proc_stat *ret)
{
        const char *open = strchr(line, '('), *close = strrchr(line, ')');
        memset(ret, 0, sizeof *ret);
        if (!open || !close || close < open)
                return -1;
        snprintf(ret->comm, sizeof ret->comm, "%.*s", (int)(close - open - 1), open + 1);
        char state;
        int ppid, pgrp, session;
        unsigned tty;
        /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
         * cmajflt utime stime cutime cstime priority nice threads
         * itrealvalue starttime */
        if (sscanf(close + 1, " %c %d %d %d %u %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
                   &state, &ppid, &pgrp, &session, &tty, &ret->utime, &ret->stime, &ret->starttime) != 8)
                return -1;
        ret->ppid = (pid_t)ppid;
        ret->tty_nr = tty;
        return 0;
}

void top_tty_name(unsigned tty_nr, char *buf, size_t len)
{
        unsigned major = (tty_nr >> 8) & 0xfff, minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
        if (major >= 136 && major <= 143)
                snprintf(buf, len, "pts/%u", minor + (major - 136) * 256);
        else if (major == 4 && minor < 64)
                snprintf(buf, len, "tty%u", minor);
        else if (major == 4)
                snprintf(buf, len, "ttyS%u", minor - 64);
        else
                snprintf(buf, len, "?");
}

void top_cputime(unsigned long long s, char *buf, size_t len)
{
        unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
        if (d)
                snprintf(buf, len, "%llu-%02llu:%02llu:%02llu", d, h, m, s % 60);
        else
                snprintf(buf, len, "%02llu:%02llu:%02llu", h, m, s % 60);
}

void top_stime(long long start, long long now, char *buf, size_t len)
{
        time_t t = (time_t)start, tnow = (time_t)now;
        struct tm tm, tn;
        localtime_r(&t, &tm);
        localtime_r(&tnow, &tn);
        size_t n;
        if (now - start < 86400)
                n = strftime(buf, len, "%H:%M", &tm);
        else if (tm.tm_year == tn.tm_year)
                n = strftime(buf, len, "%b%d", &tm);
        else
                n = strftime(buf, len, "%Y", &tm);
        if (!n)
                snprintf(buf, len, "?");
}

void net_dev_parse(const char *text, uint64_t *ret_rx, uint64_t *ret_tx)
{
        *ret_rx = *ret_tx = 0;
        for (const char *line = text; line && *line;) {
                char name[64];
                unsigned long long rx, tx;
                /* "  eth0: rxbytes packets errs drop fifo frame compressed
                 * multicast txbytes ..."; the two header lines do not parse. */
                if (sscanf(line, " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &rx, &tx) == 3 &&
                    strcmp(name, "lo")) {
                        *ret_rx += rx;
                        *ret_tx += tx;
                }
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
}

/* ---- top ---- */

const char *const top_titles[TOP_NCOLS] = { "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD" };

/* pid 0: /proc itself. */
static int read_proc(pid_t pid, const char *file, char **ret)
{
        _cleanup_free_ char *path = pid ? xasprintf("/proc/%d/%s", (int)pid, file) : xasprintf("/proc/%s", file);
        struct herr ignored;
        size_t len;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read_fd(fd, ret, &len, &ignored) < 0)
                return -1;
        /* cmdline: NUL-separated arguments, shown space-separated. */
        for (size_t i = 0; len && i < len - 1; i++)
                if (!(*ret)[i])
                        (*ret)[i] = ' ';
        return 0;
}

/* ps -ef shows the name when it fits its 8 columns, else the number. */
static char *user_name(pid_t pid)
{
        _cleanup_free_ char *status = NULL;
        unsigned ruid, euid;
        const char *u = NULL;
        if (read_proc(pid, "status", &status) < 0 || !(u = strstr(status, "\nUid:")) ||
            sscanf(u, "\nUid: %u %u", &ruid, &euid) != 2)
                return xstrdup("?");
        struct passwd pw, *found = NULL;
        char buf[1024];
        if (getpwuid_r(euid, &pw, buf, sizeof buf, &found) == 0 && found && strlen(found->pw_name) <= 8)
                return xstrdup(found->pw_name);
        return xasprintf("%u", euid);
}

struct clock_info {
        long hz;
        long long boot;                 /* btime, seconds since the epoch */
        long long now;
};

static char **top_row(pid_t pid, const struct clock_info *k)
{
        _cleanup_free_ char *stat = NULL, *cmdline = NULL;
        struct proc_stat ps;
        if (read_proc(pid, "stat", &stat) < 0 || proc_stat_parse(stat, &ps) < 0)
                return NULL;
        read_proc(pid, "cmdline", &cmdline);
        unsigned long long cpu = (ps.utime + ps.stime) / (unsigned long long)k->hz;
        long long start = k->boot + (long long)(ps.starttime / (unsigned long long)k->hz);
        long long age = k->now - start;
        unsigned long long c = age > 0 ? (ps.utime + ps.stime) * 100 / (unsigned long long)k->hz / (unsigned long long)age : 0;
        char stime[32], tty[32], time[32];
        top_stime(start, k->now, stime, sizeof stime);
        top_tty_name(ps.tty_nr, tty, sizeof tty);
        top_cputime(cpu, time, sizeof time);
        char **row = calloc(TOP_NCOLS + 1, sizeof *row);
        if (!row)
                return NULL;
        row[0] = user_name(pid);
        row[1] = xasprintf("%d", (int)pid);
        row[2] = xasprintf("%d", (int)ps.ppid);
        row[3] = xasprintf("%llu", c > 99 ? 99 : c);
        row[4] = xstrdup(stime);
        row[5] = xstrdup(tty);
        row[6] = xstrdup(time);
        row[7] = cmdline && *cmdline ? TAKE_PTR(cmdline) : xasprintf("[%s]", ps.comm);
        return row;
}

static long long boot_time(void)
{
        _cleanup_free_ char *stat = NULL;
        const char *b;
        if (read_proc(0, "stat", &stat) < 0 || !(b = strstr(stat, "\nbtime ")))
                return 0;
        return strtoll(b + 7, NULL, 10);
}

/* Without a cgroup (--cgroups=disabled): every process in PID 1's pid
 * namespace, which is every process of the container. */
static int pids_in_pidns(pid_t pid1, pid_t **ret, size_t *ret_n, struct herr *err)
{
        struct stat want, st;
        char path[300];
        snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)pid1);
        if (stat(path, &want) < 0)
                return herr_set(err, errno, "%s", path);
        _cleanup_closedir_ DIR *d = opendir("/proc");
        _cleanup_free_ char *text = xstrdup("");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (!strspn(de->d_name, "0123456789"))
                        continue;
                snprintf(path, sizeof path, "/proc/%s/ns/pid", de->d_name);
                if (stat(path, &st) == 0 && st.st_ino == want.st_ino && st.st_dev == want.st_dev) {
                        char *t = xasprintf("%s%s\n", text, de->d_name);
                        free(text);
                        text = t;
                }
        }
        return rt_cgroup_parse_pids(text, ret, ret_n) < 0 ? herr_set(err, ENOMEM, "listing processes") : 0;
}

void top_table_free(struct top_table *t)
{
        for (size_t i = 0; i < t->n; i++)
                strv_free(t->rows[i]);
        free(t->rows);
        t->rows = NULL;
        t->n = 0;
}

static int top_pids(const struct container *c, pid_t **ret, size_t *ret_n, struct herr *err)
{
        struct ctr_cfg k;
        if (ctr_cfg_load(c, &k, err) < 0)
                return -1;
        int r = k.cgroups_path ? rt_cgroup_pids(k.cgroups_path, ret, ret_n, err)
                               : pids_in_pidns(c->state.pid, ret, ret_n, err);
        ctr_cfg_free(&k);
        return r;
}

int engine_top(const struct engine_ctx *ctx, const char *ref, struct top_table *ret, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        memset(ret, 0, sizeof *ret);
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        container_state_refresh(&c);
        if (c.state.status != CTR_RUNNING && c.state.status != CTR_PAUSED)
                return herr_set(err, 0, "container %.12s is not running", c.id);
        if (top_pids(&c, &pids, &n, err) < 0)
                return -1;
        struct clock_info k = { .hz = sysconf(_SC_CLK_TCK), .boot = boot_time(), .now = time(NULL) };
        if (k.hz <= 0)
                k.hz = 100;
        ret->rows = calloc(n + 1, sizeof *ret->rows);
        if (!ret->rows)
                return herr_set(err, ENOMEM, "top");
        for (size_t i = 0; i < n; i++) {
                char **row = top_row(pids[i], &k);
                if (row)        /* gone meanwhile */
                        ret->rows[ret->n++] = row;
        }
        return 0;
}

/* ---- stats ---- */

double stats_cpu_percent(const struct stats_sample *prev, const struct stats_sample *cur)
{
        if (!prev || !prev->running || !cur->running || cur->at_ns <= prev->at_ns || cur->cpu_ns < prev->cpu_ns)
                return 0;
        return (double)(cur->cpu_ns - prev->cpu_ns) / (double)(cur->at_ns - prev->at_ns) * 100.0;
}

double stats_mem_percent(const struct stats_sample *s)
{
        return s->mem_limit ? (double)s->mem_usage / (double)s->mem_limit * 100.0 : 0;
}

static uint64_t host_memory(void)
{
        struct sysinfo si;
        return sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;
}

/* The interfaces of PID 1's network namespace; nothing when it shares
 * the host's (docker stats shows 0B / 0B there too). */
static void read_net(const struct container *c, const struct ctr_cfg *k, struct stats_sample *s)
{
        _cleanup_free_ char *dev = NULL;
        if (!k->own_netns || read_proc(c->state.pid, "net/dev", &dev) < 0)
                return;
        if (proc_alive(c->state.pid, c->state.pid_start))
                net_dev_parse(dev, &s->net_rx, &s->net_tx);
}

static int sample(const struct container *c, uint64_t host_mem, struct stats_sample *s, struct herr *err)
{
        struct ctr_cfg k;
        memset(s, 0, sizeof *s);
        snprintf(s->id, sizeof s->id, "%s", c->id);
        snprintf(s->name, sizeof s->name, "%s", c->name[0] == '/' ? c->name + 1 : c->name);
        s->at_ns = mono_ns();
        if (c->state.status != CTR_RUNNING && c->state.status != CTR_PAUSED)
                return 0;
        if (ctr_cfg_load(c, &k, err) < 0)
                return -1;
        struct rt_cgroup_stats cs;
        struct herr ignored;
        s->mem_limit = host_mem;
        if (k.cgroups_path && rt_cgroup_stats(k.cgroups_path, &cs, &ignored) == 0) {
                s->cpu_ns = cs.cpu_ns;
                s->mem_usage = cs.mem_usage;
                s->mem_limit = cs.mem_limit >= 0 && (uint64_t)cs.mem_limit < host_mem ? (uint64_t)cs.mem_limit
                                                                                      : host_mem;
                s->blk_read = cs.blk_read;
                s->blk_write = cs.blk_write;
                s->pids = cs.pids;
        }
        read_net(c, &k, s);
        s->running = 1;
        ctr_cfg_free(&k);
        return 0;
}

static int stats_named(const struct engine_ctx *ctx, char *const *refs, uint64_t mem, struct stats_sample *v,
                       struct herr *err)
{
        for (size_t i = 0; refs[i]; i++) {
                _cleanup_container_ struct container c = CONTAINER_INIT;
                if (container_open(ctx, refs[i], &c, err) < 0)
                        return -1;
                container_state_refresh(&c);
                if (sample(&c, mem, &v[i], err) < 0)
                        return -1;
        }
        return 0;
}

static int stats_all(const struct engine_ctx *ctx, uint64_t mem, struct stats_sample **ret, size_t *ret_n,
                     struct herr *err)
{
        struct container *list = NULL;
        size_t n = 0, k = 0;
        if (container_list(ctx, &list, &n, err) < 0)
                return -1;
        struct stats_sample *v = calloc(n + 1, sizeof *v);
        if (!v) {
                container_list_free(list, n);
                return herr_set(err, ENOMEM, "stats");
        }
        for (size_t i = 0; i < n; i++) {
                struct herr ignored;
                int up = list[i].state.status == CTR_RUNNING || list[i].state.status == CTR_PAUSED;
                /* One that is being removed right now is skipped. */
                if (up && sample(&list[i], mem, &v[k], &ignored) == 0)
                        k++;
        }
        container_list_free(list, n);
        *ret = v;
        *ret_n = k;
        return 0;
}

int engine_stats(const struct engine_ctx *ctx, char *const *refs, struct stats_sample **ret, size_t *ret_n,
                 struct herr *err)
{
        uint64_t mem = host_memory();
        size_t n = strv_len(refs);
        *ret = NULL;
        *ret_n = 0;
        if (!n)
                return stats_all(ctx, mem, ret, ret_n, err);
        struct stats_sample *v = calloc(n, sizeof *v);
        if (!v)
                return herr_set(err, ENOMEM, "stats");
        if (stats_named(ctx, refs, mem, v, err) < 0) {
                free(v);
                return -1;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* ---- pause / unpause ---- */

static int set_paused(const struct engine_ctx *ctx, const char *ref, int pause, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        struct ctr_cfg k = { 0 };
        if (container_open(ctx, ref, &c, err) < 0 || container_lock(&c, err) < 0 ||
            container_state_load(&c, err) < 0)
                return -1;
        container_state_refresh(&c);
        enum ctr_status st = c.state.status;
        if (pause && st == CTR_PAUSED)
                return herr_set(err, 0, "container %.12s is already paused", c.id);
        if (!pause && st == CTR_RUNNING)
                return herr_set(err, 0, "container %.12s is not paused", c.id);
        if (st != CTR_RUNNING && st != CTR_PAUSED)
                return herr_set(err, 0, "container %.12s is not running", c.id);
        if (ctr_cfg_load(&c, &k, err) < 0)
                return -1;
        int r = k.cgroups_path ? rt_cgroup_freeze(k.cgroups_path, pause, err)
                               : herr_set(err, 0, "container %.12s has no cgroup (--cgroups=disabled) to freeze",
                                          c.id);
        ctr_cfg_free(&k);
        if (r < 0)
                return -1;
        c.state.status = pause ? CTR_PAUSED : CTR_RUNNING;
        return container_state_save(&c, err);
}

int container_thaw(const struct container *c, struct herr *err)
{
        struct ctr_cfg k;
        if (ctr_cfg_load(c, &k, err) < 0)
                return -1;
        int r = k.cgroups_path ? rt_cgroup_freeze(k.cgroups_path, 0, err) : 0;
        ctr_cfg_free(&k);
        return r;
}

int engine_pause(const struct engine_ctx *ctx, const char *ref, struct herr *err)
{
        return set_paused(ctx, ref, 1, err);
}

int engine_unpause(const struct engine_ctx *ctx, const char *ref, struct herr *err)
{
        return set_paused(ctx, ref, 0, err);
}
