/* What runs in a container and what it uses: hull top, hull stats, and
 * hull pause / unpause, all read from (or done to) its cgroup. */
#pragma once
#include <stdint.h>
#include <sys/types.h>
#include "base/err.h"
#include "engine/container.h"
#include "engine/engine.h"

/* ---- top: `ps -ef`'s columns for the processes of the container ---- */

#define TOP_NCOLS 8
extern const char *const top_titles[TOP_NCOLS];  /* UID PID PPID C STIME TTY TIME CMD */

struct top_table {
        char ***rows;                   /* n rows of TOP_NCOLS strings */
        size_t n;
};

int engine_top(const struct engine_ctx *ctx, const char *ref, struct top_table *ret, struct herr *err);
void top_table_free(struct top_table *t);

/* ---- stats ---- */

struct stats_sample {
        char id[65];
        char name[129];
        int running;                    /* 0: the values are all 0 */
        long long at_ns;                /* CLOCK_MONOTONIC when taken */
        uint64_t cpu_ns;                /* CPU time of all its processes */
        uint64_t mem_usage;             /* without inactive file cache, as docker stats */
        uint64_t mem_limit;             /* the host's memory when unlimited */
        uint64_t net_rx, net_tx;        /* bytes, every interface of its netns but lo */
        uint64_t blk_read, blk_write;
        uint64_t pids;
};

/* One sample of each container named in refs, or of every running one
 * when refs is empty.  A named container that is not running gives a
 * sample with running 0; one that does not exist is an error. */
int engine_stats(const struct engine_ctx *ctx, char *const *refs, struct stats_sample **ret, size_t *ret_n,
                 struct herr *err);
/* Docker's CPU %: CPU time over wall time between two samples of one
 * container, times 100 (so 200.00 for two busy CPUs). */
double stats_cpu_percent(const struct stats_sample *prev, const struct stats_sample *cur);
double stats_mem_percent(const struct stats_sample *s);

/* ---- pause / unpause ---- */

int engine_pause(const struct engine_ctx *ctx, const char *ref, struct herr *err);
int engine_unpause(const struct engine_ctx *ctx, const char *ref, struct herr *err);
/* For stop, kill and rm -f after SIGKILL to a paused container: thaw its
 * cgroup, since on a pure v1 host frozen tasks die only once thawed (v2
 * and hybrid hosts freeze through cgroup.freeze, where they die at once).
 * The state is left to whoever records the exit. */
int container_thaw(const struct container *c, struct herr *err);

/* ---- pure helpers, exposed for tests ---- */

/* /proc/PID/stat: the fields after "(comm)" (comm may hold spaces and
 * parentheses).  Returns 0, or -1 on a malformed line. */
struct proc_stat {
        char comm[64];
        pid_t ppid;
        unsigned tty_nr;
        unsigned long long utime, stime, starttime;     /* clock ticks */
};
int proc_stat_parse(const char *line, struct proc_stat *ret);
/* "pts/0", "tty1", "ttyS0" or "?" as ps names a tty_nr. */
void top_tty_name(unsigned tty_nr, char *buf, size_t len);
/* ps's TIME: "[DD-]HH:MM:SS" of seconds. */
void top_cputime(unsigned long long seconds, char *buf, size_t len);
/* ps's STIME: "HH:MM" within the last day, "MonDD" within the year, else "YYYY". */
void top_stime(long long start, long long now, char *buf, size_t len);
/* /proc/PID/net/dev: received and sent bytes of every interface but lo. */
void net_dev_parse(const char *text, uint64_t *ret_rx, uint64_t *ret_tx);
