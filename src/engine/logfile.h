/* Docker's json-file log driver, both ends.
 *
 * The file <id>-json.log holds one JSON object per line:
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-29T07:30:15.123456789Z"}
 * Output is cut into lines; a line longer than LOG_LINE_MAX, or the end of
 * a stream without a newline, becomes an entry whose "log" has no "\n", as
 * Docker writes partial lines.  With --log-opt max-size the file is rotated
 * to <id>-json.log.1 ... .N-1 (max-file files in all).
 *
 * A write that fails (a full disk above all) drops the entry and counts
 * it: the container's output must keep flowing whatever the disk does. */
#pragma once
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include <jansson.h>
#include "base/err.h"
#include "engine/engine.h"
#include "engine/monitor_io.h"

#define LOG_LINE_MAX (16 * 1024)

enum log_stream {
        LOG_STDOUT = 1,
        LOG_STDERR = 2,
};

/* ---- writing (the monitor) ---- */

struct logfile;

/* Appends to dirfd/name (created 0640).  A disk too full to create the
 * file is no error: the entries are dropped until it can be created. */
int logfile_open(int dirfd, const char *name, const struct log_opts *lo, struct logfile **ret,
                 struct herr *err);
/* Output as read from the container: cut into lines and written. */
void logfile_feed(struct logfile *l, int stream, const char *p, size_t n);
/* Write the partial lines held back (at the end of the output). */
void logfile_flush(struct logfile *l);
/* One entry as is; < 0 when it was dropped. */
int logfile_write_entry(struct logfile *l, int stream, const char *p, size_t n, const struct timespec *ts);
unsigned long long logfile_dropped(const struct logfile *l);
/* Flushes, then closes. */
void logfile_close(struct logfile *l);

/* Checks across options (Docker: max-file needs max-size). */
int log_opts_check(const struct log_opts *lo, struct herr *err);

/* RFC 3339 with nine fraction digits, UTC: 2026-11-29T07:30:15.123456789Z */
void log_time_format(const struct timespec *ts, char out[40]);

/* ---- reading (hull logs) ---- */

struct log_entry {
        int stream;                     /* LOG_STDOUT or LOG_STDERR */
        struct timespec time;
        const char *log;                /* points into holder */
        size_t len;
};

/* Parses one line of the file; < 0 when it is no entry.  *holder owns
 * what e points to (json_decref it). */
int log_entry_parse(const char *line, size_t len, json_t **holder, struct log_entry *e);
/* RFC 3339 with an optional fraction and Z or a numeric offset. */
int log_time_parse(const char *s, struct timespec *ret);
/* Docker's --since / --until: an RFC 3339 date-time (or its shorter
 * forms, local time without a zone), Unix seconds with an optional
 * fraction, or a Go duration ("10m", "1h30m") before now. */
int log_time_arg(const char *s, const struct timespec *now, struct timespec *ret, struct herr *err);

/* Where the last *want lines of the files (oldest first) begin: file
 * index and offset.  *want is lowered by the lines found, so it stays
 * above 0 when the files hold fewer. */
int log_tail_start(const int *fds, int nfds, long long *want, int *ret_file, off_t *ret_off);

/* ---- hull logs ---- */

struct logs_opts {
        int follow, timestamps;
        long long tail;                 /* the last N lines; -1: all */
        int has_since, has_until;
        struct timespec since, until;
        int out_fd, err_fd;             /* where stdout and stderr entries go */
};

/* Print the container's log as docker logs does; with follow, until the
 * container stops (or until passes). */
int engine_logs(const struct engine_ctx *ctx, const char *ref, const struct logs_opts *o, struct herr *err);
