/* The json-file log (lines, escaping, times, rotation, a full disk, tail,
 * --log-opt, --since) and the monitor's stdio with real processes and
 * attach clients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "engine/logfile.h"
#include "engine/monitor_io.h"

static const struct log_opts no_rotation = { .max_size = 0, .max_file = 1 };

struct tmp {
        char path[64];
        int fd;
};

static void tmp_make(struct tmp *t)
{
        snprintf(t->path, sizeof t->path, "/tmp/hull-logtest.XXXXXX");
        assert_non_null(mkdtemp(t->path));
        t->fd = open(t->path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        assert_true(t->fd >= 0);
}

static void tmp_remove(struct tmp *t)
{
        struct herr err;
        close(t->fd);
        rm_rf(t->path, &err);
}

/* Entries of dir/name, in order. */
struct entries {
        int n;
        int stream[64];
        char *log[64];
        size_t len[64];
};

static void entries_read(int dirfd, const char *name, struct entries *e)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        struct herr err;
        memset(e, 0, sizeof *e);
        assert_int_equal(read_file_at(dirfd, name, &data, &len, &err), 0);
        char *save = NULL;
        for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                json_t *h;
                struct log_entry le;
                assert_int_equal(log_entry_parse(line, strlen(line), &h, &le), 0);
                assert_true(e->n < 64);
                e->stream[e->n] = le.stream;
                e->log[e->n] = malloc(le.len + 1);
                memcpy(e->log[e->n], le.log, le.len);
                e->log[e->n][le.len] = '\0';
                e->len[e->n++] = le.len;
                json_decref(h);
        }
}

static void entries_free(struct entries *e)
{
        for (int i = 0; i < e->n; i++)
                free(e->log[i]);
}

static void lines_split(void **state)
{
        struct tmp t;
        struct herr err;
        struct logfile *l;
        struct entries e;
        tmp_make(&t);
        assert_int_equal(logfile_open(t.fd, "x-json.log", &no_rotation, &l, &err), 0);
        logfile_feed(l, LOG_STDOUT, "one\ntwo\nthr", 11);
        logfile_feed(l, LOG_STDERR, "err", 3);
        logfile_feed(l, LOG_STDOUT, "ee\n", 3);
        logfile_feed(l, LOG_STDERR, "or\r\nCR only\r", 12);
        logfile_feed(l, LOG_STDOUT, "last", 4);
        logfile_close(l);
        entries_read(t.fd, "x-json.log", &e);
        assert_int_equal(e.n, 6);
        assert_string_equal(e.log[0], "one\n");
        assert_string_equal(e.log[1], "two\n");
        assert_string_equal(e.log[2], "three\n");
        assert_int_equal(e.stream[2], LOG_STDOUT);
        /* CR kept as Docker keeps it; partial lines at the end, no "\n". */
        assert_string_equal(e.log[3], "error\r\n");
        assert_int_equal(e.stream[3], LOG_STDERR);
        assert_string_equal(e.log[4], "last");
        assert_string_equal(e.log[5], "CR only\r");
        assert_int_equal(e.stream[5], LOG_STDERR);
        entries_free(&e);
        tmp_remove(&t);
}

static void partial_at_16k(void **state)
{
        struct tmp t;
        struct herr err;
        struct logfile *l;
        struct entries e;
        tmp_make(&t);
        assert_int_equal(logfile_open(t.fd, "x-json.log", &no_rotation, &l, &err), 0);
        static char big[20000];
        memset(big, 'x', sizeof big);
        logfile_feed(l, LOG_STDOUT, big, sizeof big);
        logfile_feed(l, LOG_STDOUT, "\n", 1);
        /* 16 KiB without a newline, in small reads: one entry at once. */
        for (int i = 0; i < 16; i++)
                logfile_feed(l, LOG_STDERR, big, 1024);
        logfile_feed(l, LOG_STDERR, "y\n", 2);
        logfile_close(l);
        entries_read(t.fd, "x-json.log", &e);
        assert_int_equal(e.n, 4);
        assert_int_equal(e.len[0], LOG_LINE_MAX);
        assert_int_equal(e.len[1], 20000 - LOG_LINE_MAX + 1);
        assert_int_equal(e.log[1][e.len[1] - 1], '\n');
        assert_int_equal(e.stream[2], LOG_STDERR);
        assert_int_equal(e.len[2], LOG_LINE_MAX);
        assert_string_equal(e.log[3], "y\n");
        entries_free(&e);
        tmp_remove(&t);
}

static void json_escaping(void **state)
{
        struct tmp t;
        struct herr err;
        struct logfile *l;
        struct entries e;
        tmp_make(&t);
        assert_int_equal(logfile_open(t.fd, "x-json.log", &no_rotation, &l, &err), 0);
        static const char odd[] = "nul\0 quote\" bs\\ tab\t esc\x1b bad\xff utf8\xc3\xa9 cut\xe2\x82\n";
        logfile_feed(l, LOG_STDOUT, odd, sizeof odd - 1);
        logfile_close(l);
        _cleanup_free_ char *raw = NULL;
        size_t len;
        assert_int_equal(read_file_at(t.fd, "x-json.log", &raw, &len, &err), 0);
        assert_non_null(strstr(raw, "{\"log\":\"nul\\u0000 quote\\\" bs\\\\ tab\\t esc\\u001B bad"));
        assert_non_null(strstr(raw, "\",\"stream\":\"stdout\",\"time\":\""));
        entries_read(t.fd, "x-json.log", &e);
        assert_int_equal(e.n, 1);
        static const char want[] = "nul\0 quote\" bs\\ tab\t esc\x1b bad\xef\xbf\xbd utf8\xc3\xa9 cut\xef\xbf\xbd\xef\xbf\xbd\n";
        assert_int_equal(e.len[0], sizeof want - 1);
        assert_memory_equal(e.log[0], want, sizeof want - 1);
        entries_free(&e);
        tmp_remove(&t);
}

static void time_format(void **state)
{
        char out[40];
        struct timespec ts = { 1795937415, 123456789 }, back;
        log_time_format(&ts, out);
        assert_string_equal(out, "2026-11-29T07:30:15.123456789Z");
        ts = (struct timespec){ 0, 5 };
        log_time_format(&ts, out);
        assert_string_equal(out, "1970-01-01T00:00:00.000000005Z");
        assert_int_equal(log_time_parse("2026-11-29T07:30:15.123456789Z", &back), 0);
        assert_int_equal(back.tv_sec, 1795937415);
        assert_int_equal(back.tv_nsec, 123456789);
        assert_int_equal(log_time_parse("2026-11-29T08:30:15.5+01:00", &back), 0);
        assert_int_equal(back.tv_sec, 1795937415);
        assert_int_equal(back.tv_nsec, 500000000);
        assert_int_equal(log_time_parse("2026-11-29T07:30:15", &back), -1);
        assert_int_equal(log_time_parse("yesterday", &back), -1);
}

static void write_numbered(struct logfile *l, int from, int to)
{
        for (int i = from; i < to; i++) {
                char line[32];
                int n = snprintf(line, sizeof line, "line %04d\n", i);
                logfile_feed(l, LOG_STDOUT, line, (size_t)n);
        }
}

static int first_number(const struct entries *e, int i)
{
        return atoi(e->log[i] + 5);
}

static void rotation(void **state)
{
        struct tmp t;
        struct herr err;
        struct logfile *l;
        struct log_opts lo = { 0 };
        tmp_make(&t);
        assert_int_equal(log_opt_parse(&lo, "max-size=300", &err), 0);
        assert_int_equal(log_opt_parse(&lo, "max-file=3", &err), 0);
        assert_int_equal(logfile_open(t.fd, "x-json.log", &lo, &l, &err), 0);
        write_numbered(l, 0, 40);
        logfile_close(l);
        /* Three files in all; each at most max-size; consecutive entries
         * from .2 (oldest) through .1 to the current one, ending with 39. */
        assert_int_equal(faccessat(t.fd, "x-json.log.3", F_OK, 0), -1);
        static const char *const names[] = { "x-json.log.2", "x-json.log.1", "x-json.log" };
        int next = -1;
        for (int f = 0; f < 3; f++) {
                struct stat st;
                struct entries e;
                assert_int_equal(fstatat(t.fd, names[f], &st, 0), 0);
                assert_true(st.st_size <= 300 && st.st_size > 0);
                entries_read(t.fd, names[f], &e);
                for (int i = 0; i < e.n; i++) {
                        if (next >= 0)
                                assert_int_equal(first_number(&e, i), next);
                        next = first_number(&e, i) + 1;
                }
                entries_free(&e);
        }
        assert_int_equal(next, 40);
        tmp_remove(&t);
}

static void rotation_one_file(void **state)
{
        struct tmp t;
        struct herr err;
        struct logfile *l;
        struct log_opts lo = { .max_size = 300, .max_file = 1 };
        struct entries e;
        tmp_make(&t);
        assert_int_equal(logfile_open(t.fd, "x-json.log", &lo, &l, &err), 0);
        write_numbered(l, 0, 40);
        logfile_close(l);
        assert_int_equal(faccessat(t.fd, "x-json.log.1", F_OK, 0), -1);
        entries_read(t.fd, "x-json.log", &e);
        assert_true(e.n > 0);
        assert_int_equal(first_number(&e, e.n - 1), 39);
        entries_free(&e);
        tmp_remove(&t);
}

static void log_opts(void **state)
{
        struct log_opts lo = { 0 };
        struct herr err;
        assert_int_equal(log_opt_parse(&lo, "max-size=10m", &err), 0);
        assert_int_equal(lo.max_size, 10LL << 20);
        assert_int_equal(lo.max_file, 1);
        assert_int_equal(log_opt_parse(&lo, "max-size=1.5k", &err), 0);
        assert_int_equal(lo.max_size, 1536);
        assert_int_equal(log_opt_parse(&lo, "max-size=2GiB", &err), 0);
        assert_int_equal(lo.max_size, 2LL << 30);
        assert_int_equal(log_opt_parse(&lo, "max-file=3", &err), 0);
        assert_int_equal(lo.max_file, 3);
        assert_int_equal(log_opts_check(&lo, &err), 0);
        assert_int_equal(log_opt_parse(&lo, "max-size=abc", &err), -1);
        assert_string_equal(err.msg, "invalid --log-opt max-size \"abc\"");
        static const char *const bad[] = { "max-size=0", "max-size=-1", "max-size=", "max-file=0", "max-file=x",
                                           "max-file=-2", "max-size", "foo=bar", "" };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                assert_int_equal(log_opt_parse(&lo, bad[i], &err), -1);
        assert_string_equal(err.msg, "invalid --log-opt \"\": use KEY=VALUE");
        assert_int_equal(log_opt_parse(&lo, "foo=bar", &err), -1);
        assert_string_equal(err.msg, "unknown log opt 'foo' for json-file log driver");
        struct log_opts only_files = { .max_size = 0, .max_file = 3 };
        assert_int_equal(log_opts_check(&only_files, &err), -1);
}

static void since_args(void **state)
{
        struct timespec now = { 1000000, 250000000 }, t;
        struct herr err;
        setenv("TZ", "UTC", 1);
        tzset();
        static const struct {
                const char *arg;
                long long sec;
                long nsec;
        } good[] = {
                { "2013-01-02T13:23:37Z", 1357133017, 0 },
                { "2013-01-02T13:23:37.5+01:00", 1357129417, 500000000 },
                { "2013-01-02T13:23:37.123456789Z", 1357133017, 123456789 },
                { "2013-01-02T13:23:37", 1357133017, 0 },    /* local time: UTC here */
                { "2013-01-02T13:23", 1357133017 - 37, 0 },
                { "2013-01-02T13", 1357133017 - 23 * 60 - 37, 0 },
                { "2013-01-02", 1357084800, 0 },
                { "2013-01-02Z", 1357084800, 0 },
                { "1732800000", 1732800000, 0 },
                { "1732800000.123", 1732800000, 123000000 },
                { "0", 0, 0 },
                { "10m", 1000000 - 600, 250000000 },
                { "1h30m", 1000000 - 5400, 250000000 },
                { "42s", 1000000 - 42, 250000000 },
                { "1.5h", 1000000 - 5400, 250000000 },
                { "500ms", 999999, 750000000 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                assert_int_equal(log_time_arg(good[i].arg, &now, &t, &err), 0);
                assert_int_equal(t.tv_sec, good[i].sec);
                assert_int_equal(t.tv_nsec, good[i].nsec);
        }
        static const char *const bad[] = { "abc", "10x", "2013-13-01", "", "1h30", "2013-01-02T25:00Z", "12-3" };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                assert_int_equal(log_time_arg(bad[i], &now, &t, &err), -1);
        assert_string_equal(err.msg, "failed to parse value as time or duration: \"12-3\"");
}

static off_t offset_of_line(int fd, int line)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        struct herr err;
        assert_int_equal(read_fd(fd, &data, &len, &err), 0);
        const char *p = data;
        for (int i = 0; i < line; i++)
                p = strchr(p, '\n') + 1;
        return p - data;
}

static void tail(void **state)
{
        struct tmp t;
        struct herr err;
        struct logfile *l;
        tmp_make(&t);
        assert_int_equal(logfile_open(t.fd, "big", &no_rotation, &l, &err), 0);
        write_numbered(l, 0, 10000);
        logfile_close(l);
        _cleanup_close_ int fd = openat(t.fd, "big", O_RDONLY | O_CLOEXEC);
        struct stat st;
        fstat(fd, &st);
        int file;
        off_t off;
        long long want = 10;
        assert_int_equal(log_tail_start(&fd, 1, &want, &file, &off), 0);
        assert_int_equal(want, 0);
        assert_int_equal(off, offset_of_line(fd, 9990));
        want = 0;
        log_tail_start(&fd, 1, &want, &file, &off);
        assert_int_equal(off, st.st_size);
        want = 10000;
        log_tail_start(&fd, 1, &want, &file, &off);
        assert_int_equal(off, 0);
        assert_int_equal(want, 0);
        want = 25000;
        log_tail_start(&fd, 1, &want, &file, &off);
        assert_int_equal(off, 0);
        assert_int_equal(want, 15000);

        /* Across rotated files: 150 lines of three files of 100. */
        static const char *const names[] = { "r.2", "r.1", "r" };
        int fds[3];
        for (int f = 0; f < 3; f++) {
                assert_int_equal(logfile_open(t.fd, names[f], &no_rotation, &l, &err), 0);
                write_numbered(l, f * 100, f * 100 + 100);
                logfile_close(l);
                fds[f] = openat(t.fd, names[f], O_RDONLY | O_CLOEXEC);
        }
        want = 150;
        log_tail_start(fds, 3, &want, &file, &off);
        assert_int_equal(want, 0);
        assert_int_equal(file, 1);
        assert_int_equal(off, offset_of_line(fds[1], 50));
        for (int f = 0; f < 3; f++)
                close(fds[f]);
        tmp_remove(&t);
}

/* ---- the monitor's stdio, with real processes ---- */

static pid_t spawn(const int stdio[3], int ctty, const char *script)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (ctty) {
                        setsid();
                        ioctl(stdio[0], TIOCSCTTY, 0);
                }
                for (int i = 0; i < 3; i++)
                        if (stdio[i] >= 0)
                                dup2(stdio[i], i);
                execl("/bin/sh", "sh", "-c", script, (char *)NULL);
                _exit(127);
        }
        return pid;
}

/* An attach client in a process of its own: input on its stdin, its
 * stdout and stderr into files. */
static pid_t client(const char *dir, int tty, int send_stdin, const char *input, const char *out, const char *err)
{
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[1]);
                dup2(p[0], 0);
                dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600), 1);
                dup2(open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600), 2);
                /* As a separate hull process would: none of the monitor's fds
                 * (the container's stdin pipe above all). */
                syscall(SYS_close_range, 3, ~0U, 0);
                struct herr e;
                _exit(mio_attach_client(dir, tty, send_stdin, &e) < 0 ? 1 : 0);
        }
        close(p[0]);
        assert_int_equal(write(p[1], input, strlen(input)), (ssize_t)strlen(input));
        close(p[1]);
        return pid;
}

/* The monitor's loop, as monitor.c runs it; fails after 20 s. */
static void run_loop(struct mio *m, pid_t child)
{
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
        assert_true(pidfd >= 0);
        for (int rounds = 0;; rounds++) {
                struct pollfd fds[64] = { { .fd = pidfd, .events = POLLIN } };
                int n = 1 + mio_pollfds(m, fds + 1, 63);
                int r = poll(fds, (nfds_t)n, 20000);
                assert_true(r > 0);
                mio_handle(m, fds + 1, n - 1);
                if (fds[0].revents & POLLIN)
                        break;
        }
        int status;
        assert_int_equal(waitpid(child, &status, 0), child);
        mio_finish(m);
}

static int wait_status(pid_t pid)
{
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *slurp(const char *path)
{
        char *data = NULL;
        size_t len;
        struct herr err;
        assert_int_equal(read_file_at(AT_FDCWD, path, &data, &len, &err), 0);
        return data;
}

static void mio_pipes_and_attach(void **state)
{
        struct tmp t;
        struct herr err;
        struct mio *m;
        struct entries e;
        tmp_make(&t);
        /* Longer than sun_path: the socket is bound through the dir's fd. */
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%0150d", t.path, 0);
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(mio_new(t.fd, "c1", 0, 1, &no_rotation, dir, &m, &err), 0);
        int stdio[3];
        mio_child_stdio(m, stdio);
        pid_t child = spawn(stdio, 0, "read x; echo \"out $x\"; echo err >&2; printf tail");
        mio_started(m, -1);
        _cleanup_free_ char *out = xasprintf("%s/out", t.path), *errf = xasprintf("%s/err", t.path);
        pid_t c = client(dir, 0, 1, "hello\n", out, errf);
        run_loop(m, child);
        mio_free(m);
        assert_int_equal(wait_status(c), 0);
        _cleanup_free_ char *o = slurp(out), *er = slurp(errf);
        assert_string_equal(o, "out hello\ntail");
        assert_string_equal(er, "err\n");
        /* The socket goes with the monitor's stdio. */
        assert_int_equal(faccessat(AT_FDCWD, dir, F_OK, 0), 0);
        _cleanup_free_ char *sock = xasprintf("%s/attach", dir);
        assert_int_equal(access(sock, F_OK), -1);
        entries_read(t.fd, "c1-json.log", &e);
        assert_int_equal(e.n, 3);
        assert_string_equal(e.log[0], "out hello\n");
        assert_int_equal(e.stream[0], LOG_STDOUT);
        assert_string_equal(e.log[1], "err\n");
        assert_int_equal(e.stream[1], LOG_STDERR);
        assert_string_equal(e.log[2], "tail");
        entries_free(&e);
        tmp_remove(&t);
}

/* StdinOnce: the client's end of input is the container's. */
static void mio_stdin_once(void **state)
{
        struct tmp t;
        struct herr err;
        struct mio *m;
        tmp_make(&t);
        assert_int_equal(mio_new(t.fd, "c2", 0, 1, &no_rotation, t.path, &m, &err), 0);
        mio_set_stdin_once(m, 1);
        int stdio[3];
        mio_child_stdio(m, stdio);
        pid_t child = spawn(stdio, 0, "cat; echo done");
        mio_started(m, -1);
        _cleanup_free_ char *out = xasprintf("%s/out", t.path), *errf = xasprintf("%s/err", t.path);
        pid_t c = client(t.path, 0, 1, "a\nb\n", out, errf);
        run_loop(m, child);
        mio_free(m);
        assert_int_equal(wait_status(c), 0);
        _cleanup_free_ char *o = slurp(out);
        assert_string_equal(o, "a\nb\ndone\n");
        tmp_remove(&t);
}

/* A client that never reads is dropped; the container is never held up. */
static void mio_slow_client(void **state)
{
        struct tmp t;
        struct herr err;
        struct mio *m;
        tmp_make(&t);
        assert_int_equal(mio_new(t.fd, "c3", 0, 0, &no_rotation, t.path, &m, &err), 0);
        int stdio[3];
        mio_child_stdio(m, stdio);
        _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/attach", t.path);
        assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
        assert_int_equal(mio_wait_attach(m, 1000), 0);
        pid_t child = spawn(stdio, 0, "yes $(printf %0999d 0) | head -c 4000000");
        mio_started(m, -1);
        run_loop(m, child);
        mio_free(m);
        /* What reached the socket before the drop, then its end. */
        size_t got = 0;
        char buf[65536];
        ssize_t n;
        while ((n = read(s, buf, sizeof buf)) > 0)
                got += (size_t)n;
        assert_int_equal(n, 0);
        assert_true(got < 4000000);
        struct stat st;
        assert_int_equal(fstatat(t.fd, "c3-json.log", &st, 0), 0);
        assert_true(st.st_size > 4000000);
        tmp_remove(&t);
}

static void mio_tty(void **state)
{
        struct tmp t;
        struct herr err;
        struct mio *m;
        struct entries e;
        tmp_make(&t);
        int master, slave;
        assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
        fcntl(master, F_SETFD, FD_CLOEXEC);
        assert_int_equal(mio_new(t.fd, "c4", 1, 1, &no_rotation, t.path, &m, &err), 0);
        int stdio[3] = { slave, slave, slave };
        pid_t child = spawn(stdio, 1, "read x; echo \"got $x\"");
        close(slave);
        mio_started(m, master);
        _cleanup_free_ char *out = xasprintf("%s/out", t.path), *errf = xasprintf("%s/err", t.path);
        pid_t c = client(t.path, 1, 1, "hi\n", out, errf);
        run_loop(m, child);
        mio_free(m);
        assert_int_equal(wait_status(c), 0);
        _cleanup_free_ char *o = slurp(out);
        assert_non_null(strstr(o, "got hi\r\n"));
        entries_read(t.fd, "c4-json.log", &e);
        assert_true(e.n >= 1);
        assert_string_equal(e.log[e.n - 1], "got hi\r\n");
        assert_int_equal(e.stream[e.n - 1], LOG_STDOUT);
        entries_free(&e);
        tmp_remove(&t);
}

/* Writes of megabytes into a 64 KiB tmpfs: entries are dropped, counted,
 * the file stays whole lines, and writing resumes when there is room. */
static void full_disk(void **state)
{
        struct tmp t;
        struct herr err;
        struct logfile *l;
        tmp_make(&t);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", t.path, "tmpfs", 0, "size=64k") < 0) {
                tmp_remove(&t);
                skip();
        }
        _cleanup_close_ int dfd = open(t.path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        assert_int_equal(write_file_new(dfd, "filler", "", 0, 0600, &err), 0);
        _cleanup_close_ int filler = openat(dfd, "filler", O_WRONLY | O_CLOEXEC);
        static char block[8192];
        memset(block, 'f', sizeof block);
        assert_int_equal(write(filler, block, sizeof block), (ssize_t)sizeof block);
        assert_int_equal(logfile_open(dfd, "x-json.log", &no_rotation, &l, &err), 0);
        static char chunk[65500];       /* whole lines only */
        for (size_t i = 0; i < sizeof chunk; i++)
                chunk[i] = i % 100 == 99 ? '\n' : 'a' + (char)(i % 26);
        for (int i = 0; i < 64; i++)    /* 4 MiB */
                logfile_feed(l, LOG_STDOUT, chunk, sizeof chunk);
        unsigned long long dropped = logfile_dropped(l);
        assert_true(dropped > 30000);
        /* Room again: the next entries are written. */
        assert_int_equal(unlinkat(dfd, "filler", 0), 0);
        close(filler);
        filler = -1;
        struct timespec ts = { 1, 0 };
        assert_int_equal(logfile_write_entry(l, LOG_STDOUT, "back\n", 5, &ts), 0);
        assert_int_equal(logfile_dropped(l), dropped);
        logfile_close(l);
        _cleanup_free_ char *data = NULL;
        size_t len;
        assert_int_equal(read_file_at(dfd, "x-json.log", &data, &len, &err), 0);
        assert_true(len > 0 && data[len - 1] == '\n');
        char *back = strstr(data, "{\"log\":\"back\\n\"");
        assert_non_null(back);
        assert_ptr_equal(strchr(back, '\n'), data + len - 1);     /* the last line */
        int n = 0;
        char *save = NULL;
        for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
                json_t *h;
                struct log_entry le;
                assert_int_equal(log_entry_parse(line, strlen(line), &h, &le), 0);
                json_decref(h);
        }
        assert_true(n > 100);

        /* The monitor's side: a writer of megabytes into the full disk
         * runs to its end, and the drops are counted. */
        struct mio *m;
        int stdio[3];
        assert_int_equal(mio_new(dfd, "full", 0, 0, &no_rotation, t.path, &m, &err), 0);
        mio_child_stdio(m, stdio);
        pid_t child = spawn(stdio, 0, "yes 0123456789 | head -c 4000000; echo end >&2");
        mio_started(m, -1);
        run_loop(m, child);
        assert_true(mio_log_dropped(m) > 100000);
        mio_free(m);
        umount2(t.path, MNT_DETACH);
        tmp_remove(&t);
}

int main(void)
{
        signal(SIGPIPE, SIG_IGN);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(lines_split),
                cmocka_unit_test(partial_at_16k),
                cmocka_unit_test(json_escaping),
                cmocka_unit_test(time_format),
                cmocka_unit_test(rotation),
                cmocka_unit_test(rotation_one_file),
                cmocka_unit_test(log_opts),
                cmocka_unit_test(since_args),
                cmocka_unit_test(tail),
                cmocka_unit_test(mio_pipes_and_attach),
                cmocka_unit_test(mio_stdin_once),
                cmocka_unit_test(mio_slow_client),
                cmocka_unit_test(mio_tty),
                /* Last: it leaves this process in a mount namespace of its own. */
                cmocka_unit_test(full_disk),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
