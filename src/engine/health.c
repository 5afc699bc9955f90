/* Healthchecks, run by the container's monitor as dockerd runs them.
 *
 * A check never blocks the monitor: it runs in a short-lived helper,
 * forked from the monitor, that starts `hull exec` (the check's process
 * inside the container), collects its first 4 KiB of output and its exit
 * status, writes both to a pipe and exits; when the check outlives its
 * Timeout, the helper (a subreaper) kills everything the check started,
 * inside the container too.  The monitor polls the pipe; it kills the
 * helper's process group itself only if the helper does not report in
 * time.  The helper, not the check, is the monitor's child, so the
 * monitor's reaping of orphans (it is a subreaper) can never take a
 * check's exit status away from us.
 *
 * The rules (moby daemon/health.go): the first check runs one interval
 * after the start (StartInterval while in StartPeriod and still
 * "starting"), the next one interval after the previous ended; exit 0 is
 * healthy and resets FailingStreak; any other result, a timeout included,
 * adds to FailingStreak, except while "starting" within StartPeriod, and
 * Retries in a row make the container unhealthy.  Log keeps the last 5. */
#include "engine/health.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"

/* The program that runs a check in the container: hull itself.  A build
 * may point it elsewhere to test the scheduling alone. */
#ifndef HEALTH_EXE
#define HEALTH_EXE "/proc/self/exe"
#endif

enum {
        OUTPUT_MAX = 4096,      /* Docker keeps the first 4 KiB of a check's output */
        LOG_MAX = 5,
        LOCK_RETRY_MS = 100,    /* a busy container lock is tried again this soon */
        HELPER_GRACE_MS = 2000, /* past the timeout, before the monitor kills a helper */
        DEFAULT_INTERVAL_MS = 30000,
        DEFAULT_TIMEOUT_MS = 30000,
        DEFAULT_START_INTERVAL_MS = 5000,
        DEFAULT_RETRIES = 3,
};

struct health {
        struct container *c;
        char **argv;
        long long interval, timeout, start_period, start_interval;     /* ms */
        int retries;

        json_t *doc;            /* State.Health as it should be on disk */
        int dirty;              /* doc not written yet (the lock was busy) */

        char started_at[40];    /* the container run the checks belong to */
        long long started;      /* its start, monotonic ms */
        long long due;          /* the next check, monotonic ms */

        pid_t helper;           /* the check running now, or 0 */
        int pidfd, fd;
        long long began;
        char began_at[40];
        char out[sizeof(int32_t) + OUTPUT_MAX];
        size_t len;
};

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ config */

/* Durations are nanoseconds in Docker's JSON; 0 means the default. */
static int duration_ms(json_t *hc, const char *key, long long dflt, long long *ret, struct herr *err)
{
        long long ns = json_int(hc, key, 0);
        if (ns < 0)
                return herr_set(err, 0, "healthcheck: %s must not be negative", key);
        *ret = ns ? (ns + 999999) / 1000000 : dflt;
        return 0;
}

static int build_argv(const struct engine_ctx *ctx, const struct container *c, json_t *test, char ***ret,
                      struct herr *err)
{
        const char *kind = json_string_value(json_array_get(test, 0));
        size_t n = json_array_size(test);
        if (!kind || (strcmp(kind, "CMD") && strcmp(kind, "CMD-SHELL")))
                return herr_set(err, 0, "healthcheck: unknown test type \"%s\" (CMD, CMD-SHELL or NONE)",
                                kind ? kind : "");
        if (n < 2 || (!strcmp(kind, "CMD-SHELL") && n != 2))
                return herr_set(err, 0, "healthcheck: %s needs %s", kind,
                                strcmp(kind, "CMD") ? "one command line" : "a command");
        _cleanup_strv_ char **v = NULL;
        static const char *const head[] = { "hull", "--root", NULL, "exec", NULL };
        for (size_t i = 0; i < ARRAY_SIZE(head); i++)
                strv_push(&v, i == 2 ? ctx->root : i == 4 ? c->id : head[i]);
        if (!strcmp(kind, "CMD-SHELL")) {
                strv_push(&v, "/bin/sh");
                strv_push(&v, "-c");
        }
        for (size_t i = 1; i < n; i++) {
                const char *a = json_string_value(json_array_get(test, i));
                if (!a)
                        return herr_set(err, 0, "healthcheck: the test must be a list of strings");
                if (strv_push(&v, a) < 0)
                        return herr_set(err, ENOMEM, "healthcheck");
        }
        *ret = TAKE_PTR(v);
        return 0;
}

static json_t *fresh_doc(void)
{
        return json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
}

static const char *doc_status(const struct health *h)
{
        return json_str(h->doc, "Status") ?: "starting";
}

/* Docker's getInterval: StartInterval while starting within StartPeriod. */
static long long next_interval(const struct health *h, long long now)
{
        if (now - h->started >= h->start_period || strcmp(doc_status(h), "starting"))
                return h->interval;
        return h->start_interval;
}

static void begin_run(struct health *h, long long now)
{
        snprintf(h->started_at, sizeof h->started_at, "%s", h->c->state.started_at);
        h->started = now;
        json_decref(h->doc);
        h->doc = fresh_doc();
        h->dirty = 1;
        h->due = now + next_interval(h, now);
}

int health_new(const struct engine_ctx *ctx, struct container *c, struct health **ret, struct herr *err)
{
        *ret = NULL;
        json_t *hc = json_object_get(json_object_get(c->meta, "Config"), "Healthcheck");
        json_t *test = json_object_get(hc, "Test");
        const char *kind = json_string_value(json_array_get(test, 0));
        if (!kind || !strcmp(kind, "NONE"))
                return 0;
        struct health *h = calloc(1, sizeof *h);
        if (!h)
                return herr_set(err, ENOMEM, "healthcheck");
        *h = (struct health){ .c = c, .pidfd = -1, .fd = -1 };
        long long retries = json_int(hc, "Retries", 0);
        h->retries = retries > 0 && retries < INT_MAX ? (int)retries : DEFAULT_RETRIES;
        if (build_argv(ctx, c, test, &h->argv, err) < 0 ||
            duration_ms(hc, "Interval", DEFAULT_INTERVAL_MS, &h->interval, err) < 0 ||
            duration_ms(hc, "Timeout", DEFAULT_TIMEOUT_MS, &h->timeout, err) < 0 ||
            duration_ms(hc, "StartPeriod", 0, &h->start_period, err) < 0 ||
            duration_ms(hc, "StartInterval", DEFAULT_START_INTERVAL_MS, &h->start_interval, err) < 0) {
                health_free(h);
                return -1;
        }
        begin_run(h, now_ms());
        health_tick(h);         /* writes "starting" */
        *ret = h;
        return 0;
}

/* ------------------------------------------------------ state.json */

/* The container's lock without waiting: a command holding it (stop, rm)
 * may be waiting for this very monitor.  1: taken, 0: we already held it,
 * -1: busy. */
static int try_lock(struct container *c)
{
        if (c->lockfd >= 0)
                return 0;
        int fd = openat(c->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                close(fd);
                return -1;
        }
        c->lockfd = fd;
        return 1;
}

static void write_doc(struct health *h)
{
        int locked = try_lock(h->c);
        if (locked < 0)
                return;
        struct herr err;
        /* Read-modify-write, so that what others changed stays. */
        if (container_state_load(h->c, &err) == 0) {
                json_decref(h->c->state.health);
                h->c->state.health = json_deep_copy(h->doc);
                container_state_save(h->c, &err);
        }
        /* A container whose state cannot be read or written any more
         * (being removed) is not retried. */
        h->dirty = 0;
        if (locked > 0)
                container_unlock(h->c);
}

/* ------------------------------------------------------------ results */

/* Go's time.Duration.String for whole milliseconds: 500ms, 1.5s, 1m30s. */
static void go_duration(long long ms, char *buf, size_t len)
{
        if (ms < 1000) {
                snprintf(buf, len, "%lldms", ms);
                return;
        }
        char s[32];
        long long h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, frac = ms % 1000;
        if (frac) {
                snprintf(s, sizeof s, "%lld.%03lld", sec, frac);
                s[strlen(s) - (frac % 100 ? frac % 10 ? 0 : 1 : 2)] = '\0';
        } else {
                snprintf(s, sizeof s, "%lld", sec);
        }
        if (h)
                snprintf(buf, len, "%lldh%lldm%ss", h, m, s);
        else if (m)
                snprintf(buf, len, "%lldm%ss", m, s);
        else
                snprintf(buf, len, "%ss", s);
}

static int utf8_valid(const char *s, size_t n)
{
        json_t *j = json_stringn(s, n);
        json_decref(j);
        return j != NULL;
}

/* Output as JSON can hold it: bytes that are not UTF-8 (or a character cut
 * at 4 KiB) become U+FFFD, as Go's encoder does. */
static json_t *utf8_string(const char *s, size_t n)
{
        _cleanup_free_ char *o = malloc(n * 3 + 1);
        size_t k = 0;
        if (!o)
                return json_string("");
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
                size_t j = 1;
                while (len && j < len && i + j < n && ((unsigned char)s[i + j] & 0xc0) == 0x80)
                        j++;
                if (len && j == len && utf8_valid(s + i, len)) {
                        memcpy(o + k, s + i, len);
                        k += len;
                        i += len;
                } else {
                        memcpy(o + k, "\xef\xbf\xbd", 3);
                        k += 3;
                        i++;
                }
        }
        return json_stringn(o, k);
}

static void record(struct health *h, int code, const char *out, size_t len, long long now)
{
        char end[40];
        rfc3339_now(end);
        json_t *log = json_object_get(h->doc, "Log");
        json_t *output = utf8_string(out, len);
        json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:o}", "Start", h->began_at, "End", end,
                                             "ExitCode", code, "Output", output ? output : json_string("")));
        while (json_array_size(log) > LOG_MAX)
                json_array_remove(log, 0);
        long long streak = json_int(h->doc, "FailingStreak", 0);
        if (code == 0) {
                streak = 0;
                json_object_set_new(h->doc, "Status", json_string("healthy"));
        } else if (strcmp(doc_status(h), "starting") || h->began - h->started >= h->start_period) {
                /* Failures while starting within StartPeriod do not count. */
                if (++streak >= h->retries)
                        json_object_set_new(h->doc, "Status", json_string("unhealthy"));
        }
        json_object_set_new(h->doc, "FailingStreak", json_integer(streak));
        h->dirty = 1;
        h->due = now + next_interval(h, now);
}

/* A check that could not run counts as failed, as in Docker (exit -1). */
static void record_msg(struct health *h, const char *msg, long long now)
{
        record(h, -1, msg, strlen(msg), now);
}

/* ------------------------------------------------------------- helper */

enum { CHECK_TIMED_OUT = INT32_MIN };

/* Everything the check started, wherever it went: `hull exec` puts the
 * check's process in a session of its own (inside the container), so a
 * process group cannot reach it, but the helper is a subreaper, so every
 * orphan of the tree becomes its child.  Kill the children until there
 * are none; a bounded number of rounds, since each round reaps. */
static void kill_tree(void)
{
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
        for (int round = 0; round < 64; round++) {
                pid_t pids[256];
                size_t n = 0;
                _cleanup_fclose_ FILE *f = fopen(path, "re");
                int pid;
                while (f && n < ARRAY_SIZE(pids) && fscanf(f, "%d", &pid) == 1)
                        if (kill(pid, SIGKILL) == 0)
                                pids[n++] = pid;
                if (!n)
                        return;
                /* Reaping a killed child hands its children to us, for
                 * the next round. */
                for (size_t i = 0; i < n; i++)
                        while (waitpid(pids[i], NULL, __WALL) < 0 && errno == EINTR)
                                ;
        }
}

/* The check's first 4 KiB of output, until it exits (not until EOF: a
 * process it left in the background may hold the pipe for ever) or its
 * time is up. */
static int32_t collect_output(int rfd, pid_t pid, long long timeout, char *out, size_t *len)
{
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        long long deadline = now_ms() + timeout;
        char tmp[4096];
        for (;;) {
                long long left = deadline - now_ms();
                if (left <= 0)
                        return CHECK_TIMED_OUT;
                struct pollfd fds[2] = { { .fd = rfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
                if (poll(fds, 2, left > INT_MAX ? INT_MAX : (int)left) < 0 && errno != EINTR)
                        return -1;
                if (fds[1].revents) {
                        fcntl(rfd, F_SETFL, O_NONBLOCK);
                        fds[0].revents = POLLIN;
                }
                if (!fds[0].revents)
                        continue;
                ssize_t n = read(rfd, tmp, sizeof tmp);
                if (n > 0 && *len < OUTPUT_MAX) {
                        size_t take = (size_t)n < OUTPUT_MAX - *len ? (size_t)n : OUTPUT_MAX - *len;
                        memcpy(out + *len, tmp, take);
                        *len += take;
                }
                if (n == 0 || (n < 0 && errno != EINTR))
                        return 0;
        }
}

/* In the helper: run the check with stdout and stderr on one pipe. */
static int32_t run_check(char **argv, long long timeout, char *out, size_t *len)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                dup2(null, 0);
                dup2(p[1], 1);
                dup2(p[1], 2);
                execv(HEALTH_EXE, argv);
                dprintf(2, "running the healthcheck: %s: %s\n", HEALTH_EXE, strerror(errno));
                _exit(127);
        }
        close(p[1]);
        if (collect_output(p[0], pid, timeout, out, len) == CHECK_TIMED_OUT) {
                kill_tree();
                return CHECK_TIMED_OUT;
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static _Noreturn void helper_main(char **argv, long long timeout, int resfd)
{
        /* Its own process group, for the monitor's last resort; a
         * subreaper, to find all of the check at a timeout. */
        setpgid(0, 0);
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        prctl(PR_SET_NAME, "hull-health", 0, 0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* Ignored signals would stay ignored in the check. */
        signal(SIGPIPE, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        /* Nothing of the monitor's (the container's stdin, the attach
         * socket) stays open in here. */
        if (resfd != 3 && dup2(resfd, 3) < 0)
                _exit(1);
        syscall(SYS_close_range, 4U, ~0U, 0U);
        char out[OUTPUT_MAX];
        size_t len = 0;
        int32_t code = run_check(argv, timeout, out, &len);
        if (write(3, &code, sizeof code) == (ssize_t)sizeof code && len && write(3, out, len) < 0)
                _exit(1);
        _exit(0);
}

static void start_check(struct health *h, long long now)
{
        int p[2];
        h->began = now;
        rfc3339_now(h->began_at);
        h->len = 0;
        if (pipe2(p, O_CLOEXEC) < 0) {
                record_msg(h, "healthcheck: creating a pipe failed", now);
                return;
        }
        pid_t pid = fork();
        if (pid == 0) {
                close(p[0]);
                helper_main(h->argv, h->timeout, p[1]);
        }
        close(p[1]);
        if (pid < 0) {
                close(p[0]);
                record_msg(h, "healthcheck: fork failed", now);
                return;
        }
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        h->helper = pid;
        h->fd = p[0];
        /* No one can reap it between fork and here: the monitor is one thread. */
        h->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
}

/* The helper has not been reaped (by us or the monitor's orphan reaping),
 * so its pid, and the process group named after it, are still its own. */
static int helper_unreaped(struct health *h)
{
        siginfo_t si = { 0 };
        return h->pidfd >= 0 && waitid((idtype_t)P_PIDFD, (id_t)h->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

static void end_check(struct health *h, int kill_it)
{
        if (kill_it && helper_unreaped(h))
                kill(-h->helper, SIGKILL);
        siginfo_t si;
        /* The helper is exiting (EOF) or killed: this wait is short.
         * ECHILD: the monitor reaped it already. */
        while (h->pidfd >= 0 && waitid((idtype_t)P_PIDFD, (id_t)h->pidfd, &si, WEXITED) < 0 && errno == EINTR)
                ;
        if (h->pidfd >= 0)
                close(h->pidfd);
        if (h->fd >= 0)
                close(h->fd);
        h->pidfd = h->fd = -1;
        h->helper = 0;
}

static void record_timeout(struct health *h, long long now)
{
        char d[32], msg[64];
        go_duration(h->timeout, d, sizeof d);
        snprintf(msg, sizeof msg, "Health check exceeded timeout (%s)", d);
        record_msg(h, msg, now);
}

static void finish(struct health *h, long long now)
{
        int32_t code;
        end_check(h, 0);
        if (h->len < sizeof code) {
                record_msg(h, "healthcheck: the check's helper ended without a result", now);
                return;
        }
        memcpy(&code, h->out, sizeof code);
        if (code == CHECK_TIMED_OUT)
                record_timeout(h, now);
        else
                record(h, code, h->out + sizeof code, h->len - sizeof code, now);
}

static void collect(struct health *h, long long now)
{
        for (;;) {
                char tmp[4096];
                ssize_t n = read(h->fd, tmp, sizeof tmp);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        finish(h, now);
                        return;
                }
                size_t take = (size_t)n < sizeof h->out - h->len ? (size_t)n : sizeof h->out - h->len;
                memcpy(h->out + h->len, tmp, take);
                h->len += take;
        }
        /* The helper enforces the timeout; this is for a helper that
         * cannot (stopped, stuck in the kernel). */
        if (now - h->began >= h->timeout + HELPER_GRACE_MS) {
                end_check(h, 1);
                record_timeout(h, now);
        }
}

/* ------------------------------------------------------- the monitor's */

int health_timeout_ms(struct health *h)
{
        if (!h)
                return -1;
        long long now = now_ms();
        long long t = h->helper ? h->began + h->timeout + HELPER_GRACE_MS - now : h->due - now;
        if (h->dirty && t > LOCK_RETRY_MS)
                t = LOCK_RETRY_MS;
        return t < 0 ? 0 : t > INT_MAX ? INT_MAX : (int)t;
}

int health_pollfd(struct health *h)
{
        return h && h->helper ? h->fd : -1;
}

void health_tick(struct health *h)
{
        if (!h)
                return;
        long long now = now_ms();
        /* The monitor started the container again (restart policy): a new
         * run starts over as "starting". */
        if (h->c->state.started_at[0] && strcmp(h->c->state.started_at, h->started_at)) {
                if (h->helper)
                        end_check(h, 1);
                begin_run(h, now);
        }
        if (h->helper)
                collect(h, now);
        if (h->dirty)
                write_doc(h);
        if (!h->helper && !h->dirty && now >= h->due)
                start_check(h, now);
}

void health_free(struct health *h)
{
        if (!h)
                return;
        if (h->helper)
                end_check(h, 1);
        if (h->dirty)
                write_doc(h);
        json_decref(h->doc);
        strv_free(h->argv);
        free(h);
}
