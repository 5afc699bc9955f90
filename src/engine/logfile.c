/* The writing end of the json-file log: lines, entries, rotation. */
#include "engine/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "engine/limits.h"

struct pending {
        char buf[LOG_LINE_MAX];
        size_t len;
};

struct logfile {
        int dirfd;                      /* our own dup of the container's directory */
        char *name;
        int fd;                         /* -1 while the file cannot be opened */
        off_t size;
        long long max_size;
        int max_file;
        unsigned long long dropped;
        struct pending part[2];         /* held-back partial lines: stdout, stderr */
};

int log_opt_parse(struct log_opts *lo, const char *kv, struct herr *err)
{
        const char *eq = strchr(kv, '=');
        if (!eq)
                return herr_set(err, 0, "invalid --log-opt \"%s\": use KEY=VALUE", kv);
        const char *v = eq + 1;
        size_t klen = (size_t)(eq - kv);
        if (lo->max_file < 1)
                lo->max_file = 1;
        if (klen == 8 && !strncmp(kv, "max-size", klen)) {
                int64_t b;
                if (parse_bytes(v, &b) < 0 || b <= 0)
                        return herr_set(err, 0, "invalid --log-opt max-size \"%s\"", v);
                lo->max_size = b;
                return 0;
        }
        if (klen == 8 && !strncmp(kv, "max-file", klen)) {
                char *end;
                errno = 0;
                long n = strtol(v, &end, 10);
                if (errno || end == v || *end || n < 1 || n > 100000)
                        return herr_set(err, 0, "invalid --log-opt max-file \"%s\": a number, at least 1", v);
                lo->max_file = (int)n;
                return 0;
        }
        return herr_set(err, 0, "unknown log opt '%.*s' for json-file log driver", (int)klen, kv);
}

int log_opts_check(const struct log_opts *lo, struct herr *err)
{
        if (lo->max_file > 1 && lo->max_size <= 0)
                return herr_set(err, 0, "invalid --log-opt: max-file cannot be set when max-size is not set");
        return 0;
}

void log_time_format(const struct timespec *ts, char out[40])
{
        struct tm tm;
        time_t t = ts->tv_sec;
        gmtime_r(&t, &tm);
        size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, 40 - n, ".%09ldZ", ts->tv_nsec);
}

static void open_current(struct logfile *l)
{
        l->fd = openat(l->dirfd, l->name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
        struct stat st;
        l->size = l->fd >= 0 && fstat(l->fd, &st) == 0 ? st.st_size : 0;
}

int logfile_open(int dirfd, const char *name, const struct log_opts *lo, struct logfile **ret,
                 struct herr *err)
{
        struct logfile *l = calloc(1, sizeof *l);
        if (!l)
                return herr_set(err, ENOMEM, "opening the log");
        l->max_size = lo->max_size;
        l->max_file = lo->max_file < 1 ? 1 : lo->max_file;
        l->name = xstrdup(name);
        l->fd = -1;
        l->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (l->dirfd < 0) {
                int e = errno;
                logfile_close(l);
                return herr_set(err, e, "opening the log %s", name);
        }
        open_current(l);
        if (l->fd < 0 && errno != ENOSPC && errno != EDQUOT && errno != EIO) {
                int e = errno;
                logfile_close(l);
                return herr_set(err, e, "opening the log %s", name);
        }
        *ret = l;
        return 0;
}

/* Docker's rotation: X.log.(N-2) -> X.log.(N-1), ..., X.log -> X.log.1,
 * then a new X.log; with max-file 1 the file is emptied instead. */
static void rotate(struct logfile *l)
{
        if (l->max_file <= 1) {
                if (ftruncate(l->fd, 0) == 0)
                        l->size = 0;
                return;
        }
        for (int i = l->max_file - 1; i >= 1; i--) {
                char from[PATH_MAX], to[PATH_MAX];
                if (i == 1)
                        snprintf(from, sizeof from, "%s", l->name);
                else
                        snprintf(from, sizeof from, "%s.%d", l->name, i - 1);
                snprintf(to, sizeof to, "%s.%d", l->name, i);
                if (renameat(l->dirfd, from, l->dirfd, to) < 0 && errno != ENOENT && i == 1)
                        return; /* the current file stays; it grows past max-size */
        }
        close(l->fd);
        open_current(l);
}

/* Go's encoder replaces each byte that is no part of valid UTF-8 with
 * U+FFFD; so do we, since jansson refuses such strings. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
        unsigned c = s[0], cp, min;
        size_t len;
        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4, cp = c & 0x07, min = 0x10000;
        else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

/* A JSON string for p; NULL only when out of memory. */
static json_t *json_bytes(const char *p, size_t n)
{
        json_t *j = json_stringn(p, n);
        if (j)
                return j;
        _cleanup_free_ unsigned char *fixed = malloc(n * 3 + 1);
        if (!fixed)
                return NULL;
        const unsigned char *s = (const unsigned char *)p;
        size_t o = 0;
        for (size_t i = 0; i < n;) {
                size_t k = utf8_seq(s + i, n - i);
                if (k == 0) {
                        memcpy(fixed + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                        continue;
                }
                memcpy(fixed + o, s + i, k);
                o += k;
                i += k;
        }
        return json_stringn((const char *)fixed, o);
}

static char *entry_encode(int stream, const char *p, size_t n, const struct timespec *ts, size_t *ret_len)
{
        json_t *s = json_bytes(p, n);
        if (!s)
                return NULL;
        _cleanup_free_ char *enc = json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT);
        json_decref(s);
        if (!enc)
                return NULL;
        char t[40];
        log_time_format(ts, t);
        char *line = NULL;
        int len = asprintf(&line, "{\"log\":%s,\"stream\":\"%s\",\"time\":\"%s\"}\n", enc,
                           stream == LOG_STDERR ? "stderr" : "stdout", t);
        if (len < 0)
                return NULL;
        *ret_len = (size_t)len;
        return line;
}

/* All of it or nothing: a half-written entry would be a broken line for
 * every reader, so a failed write is cut off again. */
static int write_whole(struct logfile *l, const char *p, size_t n)
{
        size_t done = 0;
        while (done < n) {
                ssize_t w = write(l->fd, p + done, n - done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0) {
                        if (done && ftruncate(l->fd, l->size) < 0) {
                                /* Nothing better to do: the reader skips the broken line. */
                        }
                        return -1;
                }
                done += (size_t)w;
        }
        l->size += (off_t)n;
        return 0;
}

int logfile_write_entry(struct logfile *l, int stream, const char *p, size_t n, const struct timespec *ts)
{
        size_t len;
        _cleanup_free_ char *line = entry_encode(stream, p, n, ts, &len);
        if (l->fd < 0)
                open_current(l);
        if (!line || l->fd < 0) {
                l->dropped++;
                return -1;
        }
        if (l->max_size > 0 && l->size > 0 && l->size + (off_t)len > l->max_size) {
                rotate(l);
                if (l->fd < 0) {
                        l->dropped++;
                        return -1;
                }
        }
        if (write_whole(l, line, len) < 0) {
                l->dropped++;
                return -1;
        }
        return 0;
}

static void emit(struct logfile *l, int stream, const char *p, size_t n)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        logfile_write_entry(l, stream, p, n, &ts);
}

void logfile_feed(struct logfile *l, int stream, const char *p, size_t n)
{
        struct pending *b = &l->part[stream == LOG_STDERR];
        while (n > 0) {
                const char *nl = memchr(p, '\n', n);
                size_t take = nl ? (size_t)(nl - p) + 1 : n;
                if (b->len == 0 && nl && take <= LOG_LINE_MAX) {
                        /* The common case: a whole line, straight from the read buffer. */
                        emit(l, stream, p, take);
                        p += take;
                        n -= take;
                        continue;
                }
                if (take > LOG_LINE_MAX - b->len)
                        take = LOG_LINE_MAX - b->len;
                memcpy(b->buf + b->len, p, take);
                b->len += take;
                p += take;
                n -= take;
                if (b->buf[b->len - 1] == '\n' || b->len == LOG_LINE_MAX) {
                        emit(l, stream, b->buf, b->len);
                        b->len = 0;
                }
        }
}

void logfile_flush(struct logfile *l)
{
        for (int i = 0; i < 2; i++) {
                if (l->part[i].len)
                        emit(l, i ? LOG_STDERR : LOG_STDOUT, l->part[i].buf, l->part[i].len);
                l->part[i].len = 0;
        }
}

unsigned long long logfile_dropped(const struct logfile *l)
{
        return l->dropped;
}

void logfile_close(struct logfile *l)
{
        if (!l)
                return;
        logfile_flush(l);
        if (l->fd >= 0)
                close(l->fd);
        if (l->dirfd >= 0)
                close(l->dirfd);
        free(l->name);
        free(l);
}
