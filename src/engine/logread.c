/* hull logs: the json-file log (and its rotated files) back to stdout and
 * stderr, with docker logs' --tail, --since, --until, -t and -f. */
#include "engine/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "engine/container.h"

#define MAX_LOG_FILES 1000

int log_entry_parse(const char *line, size_t len, json_t **holder, struct log_entry *e)
{
        json_t *j = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
        json_t *lg = json_object_get(j, "log");
        const char *st = json_str(j, "stream"), *t = json_str(j, "time");
        if (!json_is_string(lg) || !t || log_time_parse(t, &e->time) < 0) {
                json_decref(j);
                return -1;
        }
        e->stream = st && !strcmp(st, "stderr") ? LOG_STDERR : LOG_STDOUT;
        e->log = json_string_value(lg);
        e->len = json_string_length(lg);
        *holder = j;
        return 0;
}

/* Offset where the last *want lines of fd begin, read backwards in
 * blocks so that a big file costs only its tail. */
static off_t tail_offset(int fd, long long *want)
{
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_size == 0)
                return 0;
        off_t end = st.st_size, pos = end;
        long long seen = 0;
        char buf[65536];
        while (pos > 0) {
                size_t chunk = pos < (off_t)sizeof buf ? (size_t)pos : sizeof buf;
                pos -= (off_t)chunk;
                if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
                        return 0;
                for (size_t i = chunk; i-- > 0;) {
                        /* The newline that ends the file ends the last line. */
                        if (buf[i] != '\n' || pos + (off_t)i == end - 1)
                                continue;
                        if (++seen == *want) {
                                *want = 0;
                                return pos + (off_t)i + 1;
                        }
                }
        }
        *want -= seen + 1;
        return 0;
}

int log_tail_start(const int *fds, int nfds, long long *want, int *ret_file, off_t *ret_off)
{
        *ret_file = 0;
        *ret_off = 0;
        for (int i = nfds - 1; i >= 0; i--) {
                if (*want <= 0) {
                        /* Nothing of this file: start after it. */
                        struct stat st;
                        *ret_file = i;
                        *ret_off = fstat(fds[i], &st) == 0 ? st.st_size : 0;
                        return 0;
                }
                off_t off = tail_offset(fds[i], want);
                if (*want == 0) {
                        *ret_file = i;
                        *ret_off = off;
                        return 0;
                }
        }
        return 0;
}

/* ---- lines out of a file that may still grow ---- */

struct lines {
        int fd;
        char *buf;
        size_t start, end, cap;
};

static void lines_reset(struct lines *r, int fd)
{
        r->fd = fd;
        r->start = r->end = 0;
}

/* The next whole line without its newline: 1, or 0 when none is complete
 * (yet), or -1 on a read error. */
static int lines_next(struct lines *r, const char **line, size_t *len)
{
        for (;;) {
                char *nl = r->end > r->start ? memchr(r->buf + r->start, '\n', r->end - r->start) : NULL;
                if (nl) {
                        *line = r->buf + r->start;
                        *len = (size_t)(nl - *line);
                        r->start = (size_t)(nl - r->buf) + 1;
                        return 1;
                }
                if (r->start > 0) {
                        memmove(r->buf, r->buf + r->start, r->end - r->start);
                        r->end -= r->start;
                        r->start = 0;
                }
                if (r->end == r->cap) {
                        size_t cap = r->cap ? r->cap * 2 : 65536;
                        char *nb = realloc(r->buf, cap);
                        if (!nb)
                                return -1;
                        r->buf = nb;
                        r->cap = cap;
                }
                ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -1 : 0;
                r->end += (size_t)n;
        }
}

/* ---- output ---- */

struct out {
        const struct logs_opts *o;
        int stream;
        size_t len;
        char buf[65536];
        int until_passed;
};

static void out_flush(struct out *w)
{
        int fd = w->stream == LOG_STDERR ? w->o->err_fd : w->o->out_fd;
        const char *p = w->buf;
        while (w->len > 0) {
                ssize_t n = write(fd, p, w->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;  /* a closed stdout: nothing more to say there */
                p += n;
                w->len -= (size_t)n;
        }
        w->len = 0;
}

static void out_put(struct out *w, int stream, const char *p, size_t n)
{
        if (stream != w->stream || w->len + n > sizeof w->buf)
                out_flush(w);
        w->stream = stream;
        if (n > sizeof w->buf) {
                int fd = stream == LOG_STDERR ? w->o->err_fd : w->o->out_fd;
                while (n > 0) {
                        ssize_t k = write(fd, p, n);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                return;
                        p += k;
                        n -= (size_t)k;
                }
                return;
        }
        memcpy(w->buf + w->len, p, n);
        w->len += n;
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
        return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void out_line(struct out *w, const char *line, size_t len)
{
        json_t *holder = NULL;
        struct log_entry e;
        if (log_entry_parse(line, len, &holder, &e) < 0)
                return; /* not an entry (a torn write): skip it, as a reader must */
        const struct logs_opts *o = w->o;
        if (o->has_until && ts_before(&o->until, &e.time))
                w->until_passed = 1;
        else if (!o->has_since || !ts_before(&e.time, &o->since)) {
                if (o->timestamps) {
                        char t[41];
                        log_time_format(&e.time, t);
                        strcat(t, " ");
                        out_put(w, e.stream, t, strlen(t));
                }
                out_put(w, e.stream, e.log, e.len);
        }
        json_decref(holder);
}

/* Every whole line there is now; 0, or -1 on a read error. */
static int out_drain(struct out *w, struct lines *r)
{
        const char *line;
        size_t len;
        int k;
        while (!w->until_passed && (k = lines_next(r, &line, &len)) > 0)
                out_line(w, line, len);
        return w->until_passed ? 0 : k;
}

/* ---- the files ---- */

struct logset {
        int dirfd;
        char name[100];                 /* <id>-json.log */
        int fds[MAX_LOG_FILES + 1];     /* oldest first; the last one is the current file */
        int n;
};

static void logset_close(struct logset *s)
{
        for (int i = 0; i < s->n; i++)
                if (s->fds[i] >= 0)
                        close(s->fds[i]);
        s->n = 0;
}

static int logset_open(struct logset *s, int dirfd, const char *id, struct herr *err)
{
        s->dirfd = dirfd;
        s->n = 0;
        snprintf(s->name, sizeof s->name, "%s-json.log", id);
        int rotated = 0;
        char p[PATH_MAX];
        while (rotated < MAX_LOG_FILES) {
                snprintf(p, sizeof p, "%s.%d", s->name, rotated + 1);
                if (faccessat(dirfd, p, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        break;
                rotated++;
        }
        /* The current file first: a rotation from now on then only adds
         * to what we would read twice, never to what we would miss. */
        int cur = openat(dirfd, s->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (cur < 0 && errno != ENOENT)
                return herr_set(err, errno, "opening the log");
        for (int i = rotated; i >= 1; i--) {
                snprintf(p, sizeof p, "%s.%d", s->name, i);
                int fd = openat(dirfd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        s->fds[s->n++] = fd;
        }
        s->fds[s->n++] = cur;
        return 0;
}

/* ---- following ---- */

/* Whether more output may come.  The monitor records the exit only after
 * it wrote the last of the log, so while it lives and the state says
 * running, follow on even when PID 1 is already gone. */
static int container_running(struct container *c)
{
        struct herr ignored;
        if (container_state_load(c, &ignored) < 0)
                return 0;       /* removed (--rm) */
        const struct ctr_state *s = &c->state;
        if (s->status != CTR_RUNNING && s->status != CTR_PAUSED)
                return 0;
        if (proc_alive(s->monitor_pid, s->monitor_start))
                return 1;
        container_state_refresh(c);
        return c->state.status == CTR_RUNNING || c->state.status == CTR_PAUSED;
}

/* The current file was replaced (rotated) or emptied (max-file 1). */
static int follow_reopen(struct logset *s, struct lines *r)
{
        int *cur = &s->fds[s->n - 1];
        struct stat a, b;
        int have = *cur >= 0 && fstat(*cur, &a) == 0;
        if (have && lseek(*cur, 0, SEEK_CUR) > a.st_size) {
                lseek(*cur, 0, SEEK_SET);
                lines_reset(r, *cur);
                return 1;
        }
        if (fstatat(s->dirfd, s->name, &b, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        if (have && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                return 0;
        int fd = openat(s->dirfd, s->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        if (*cur >= 0)
                close(*cur);
        *cur = fd;
        lines_reset(r, fd);
        return 1;
}

/* Wait for the log or the state to change; 1 when state.json did. */
static int follow_wait(int ino, const struct logs_opts *o)
{
        int timeout = 1000;
        if (o->has_until) {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                long long ms = (o->until.tv_sec - now.tv_sec) * 1000LL + (o->until.tv_nsec - now.tv_nsec) / 1000000;
                timeout = ms < 0 ? 0 : ms < timeout ? (int)ms : timeout;
        }
        struct pollfd p = { .fd = ino, .events = POLLIN };
        int r = poll(&p, 1, timeout);
        if (r <= 0)
                return 1;       /* the timeout: look at the state anyway */
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        int state = 0;
        ssize_t n;
        while ((n = read(ino, buf, sizeof buf)) > 0)
                for (char *p2 = buf; p2 < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p2;
                        if (ev->len && !strcmp(ev->name, "state.json"))
                                state = 1;
                        p2 += sizeof *ev + ev->len;
                }
        return state;
}

static int until_reached(const struct logs_opts *o)
{
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        return o->has_until && ts_before(&o->until, &now);
}

static int follow(struct container *c, struct logset *s, struct lines *r, struct out *w, struct herr *err)
{
        _cleanup_close_ int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (ino < 0 || inotify_add_watch(ino, c->dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
                return herr_set(err, errno, "watching the log");
        int running = container_running(c), check = 0;
        for (;;) {
                int *cur = &s->fds[s->n - 1];
                if (*cur >= 0 && out_drain(w, r) < 0)
                        return herr_set(err, errno, "reading the log");
                if (w->until_passed || until_reached(w->o))
                        return 0;
                if (follow_reopen(s, r))
                        continue;
                if (!running)
                        return 0;       /* drained once more after it stopped */
                if (check)
                        running = container_running(c);
                if (!running)
                        continue;
                out_flush(w);
                check = follow_wait(ino, w->o);
        }
}

static int logs_print(struct container *c, const struct logs_opts *o, struct herr *err)
{
        struct logset s;
        if (logset_open(&s, c->dirfd, c->id, err) < 0)
                return -1;
        _cleanup_free_ struct out *w = calloc(1, sizeof *w);
        struct lines r = { .fd = -1 };
        int file = 0, ret = 0;
        off_t off = 0;
        if (!w) {
                logset_close(&s);
                return herr_set(err, ENOMEM, "reading the log");
        }
        w->o = o;
        w->stream = LOG_STDOUT;
        long long want = o->tail;
        if (want >= 0)
                log_tail_start(s.fds, s.fds[s.n - 1] >= 0 ? s.n : s.n - 1, &want, &file, &off);
        for (int i = file; i < s.n && ret == 0 && !w->until_passed; i++) {
                if (s.fds[i] < 0)
                        continue;
                lseek(s.fds[i], i == file ? off : 0, SEEK_SET);
                lines_reset(&r, s.fds[i]);
                if (out_drain(w, &r) < 0)
                        ret = herr_set(err, errno, "reading the log");
        }
        if (ret == 0 && o->follow && !w->until_passed) {
                if (r.fd != s.fds[s.n - 1])
                        lines_reset(&r, s.fds[s.n - 1]);
                ret = follow(c, &s, &r, w, err);
        }
        out_flush(w);
        free(r.buf);
        logset_close(&s);
        return ret;
}

int engine_logs(const struct engine_ctx *ctx, const char *ref, const struct logs_opts *o, struct herr *err)
{
        struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        int r = logs_print(&c, o, err);
        container_close(&c);
        return r;
}
