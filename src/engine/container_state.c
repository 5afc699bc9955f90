/* The container store's records: lookup, listing, state and meta files,
 * locks, and the truth about a container whose processes are gone. */
#include "engine/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"

static const char *const status_names[] = {
        [CTR_CREATED] = "created", [CTR_RUNNING] = "running", [CTR_PAUSED] = "paused",
        [CTR_RESTARTING] = "restarting", [CTR_EXITED] = "exited", [CTR_DEAD] = "dead",
        [CTR_REMOVING] = "removing",
};

const char *ctr_status_name(enum ctr_status s)
{
        return (unsigned)s < ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

static enum ctr_status status_from_name(const char *n)
{
        for (size_t i = 0; n && i < ARRAY_SIZE(status_names); i++)
                if (!strcmp(n, status_names[i]))
                        return (enum ctr_status)i;
        return CTR_DEAD;
}

void rfc3339_now(char out[40])
{
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

unsigned long long proc_start_time(pid_t pid)
{
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* Field 22; the command (field 2) may hold spaces and parentheses,
         * so count from the last ')'. */
        char *p = strrchr(buf, ')');
        /* A zombie has ended: nobody reaped it yet (its parent, the
         * monitor, may be the one that died). */
        if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
                return 0;
        for (int field = 2; p && field < 22; field++)
                p = strchr(p + 1, ' ');
        return p ? strtoull(p + 1, NULL, 10) : 0;
}

char *container_run_dir(const struct engine_ctx *ctx, const struct container *c)
{
        char *d = xasprintf("%s/%s", ctx->run_dir, c->id);
        struct herr ignored;
        mkdir_p(d, 0700, &ignored);
        return d;
}

/* ---- state.json ---- */

static void state_from_json(struct ctr_state *s, json_t *j)
{
        json_decref(s->health);
        memset(s, 0, sizeof *s);
        s->status = status_from_name(json_str(j, "Status"));
        s->pid = (pid_t)json_int(j, "Pid", 0);
        s->pid_start = (unsigned long long)json_int(j, "PidStart", 0);
        s->monitor_pid = (pid_t)json_int(j, "MonitorPid", 0);
        s->monitor_start = (unsigned long long)json_int(j, "MonitorStart", 0);
        s->exit_code = (int)json_int(j, "ExitCode", 0);
        s->oom_killed = json_bool(j, "OOMKilled", 0);
        s->restart_count = (int)json_int(j, "RestartCount", 0);
        s->stopped_by_user = json_bool(j, "StoppedByUser", 0);
        snprintf(s->started_at, sizeof s->started_at, "%s", json_str(j, "StartedAt") ?: "");
        snprintf(s->finished_at, sizeof s->finished_at, "%s", json_str(j, "FinishedAt") ?: "");
        snprintf(s->error, sizeof s->error, "%s", json_str(j, "Error") ?: "");
        json_t *h = json_object_get(j, "Health");
        s->health = json_is_object(h) ? json_incref(h) : NULL;
}

static json_t *state_to_json(const struct container *c)
{
        const struct ctr_state *s = &c->state;
        json_t *j = json_pack("{s:s, s:i, s:I, s:i, s:I, s:i, s:b, s:s, s:s, s:i, s:b, s:s}",
                              "Status", ctr_status_name(s->status), "Pid", (int)s->pid,
                              "PidStart", (json_int_t)s->pid_start, "MonitorPid", (int)s->monitor_pid,
                              "MonitorStart", (json_int_t)s->monitor_start, "ExitCode", s->exit_code,
                              "OOMKilled", s->oom_killed, "StartedAt", s->started_at, "FinishedAt",
                              s->finished_at, "RestartCount", s->restart_count, "StoppedByUser",
                              s->stopped_by_user, "Error", s->error);
        if (s->health)
                json_object_set(j, "Health", s->health);
        if (c->summary)
                json_object_set(j, "Summary", c->summary);
        return j;
}

int container_state_load(struct container *c, struct herr *err)
{
        _cleanup_json_ json_t *j = NULL;
        if (json_load_path(c->dirfd, "state.json", &j, err) < 0)
                return herr_wrap(err, "container %.12s", c->id);
        state_from_json(&c->state, j);
        json_t *sum = json_object_get(j, "Summary");
        json_decref(c->summary);
        c->summary = json_is_object(sum) ? json_incref(sum) : json_object();
        return 0;
}

int container_state_save(struct container *c, struct herr *err)
{
        _cleanup_json_ json_t *j = state_to_json(c);
        return json_write_path(c->dirfd, "state.json", j, 0, err);
}

int container_meta_save(struct container *c, struct herr *err)
{
        json_t *cfg = json_object_get(c->meta, "Config");
        json_decref(c->summary);
        c->summary = json_pack("{s:s, s:s, s:s, s:O, s:s, s:O}", "Name", c->name,
                               "Image", json_str(c->meta, "ImageName") ?: "", "ImageID",
                               json_str(c->meta, "Image") ?: "", "Labels",
                               json_object_get(cfg, "Labels") ?: json_object(), "Created",
                               json_str(c->meta, "Created") ?: "", "Args",
                               json_object_get(c->meta, "Args") ?: json_array());
        /* The command as ps shows it. */
        json_object_set_new(c->summary, "Path", json_string(json_str(c->meta, "Path") ?: ""));
        /* ps's PORTS and NETWORKS, as net_summary wrote them. */
        json_object_set_new(c->summary, "Ports", json_string(json_str(c->meta, "PortsText") ?: ""));
        json_object_set_new(c->summary, "Networks", json_string(json_str(c->meta, "NetworksText") ?: ""));
        return json_write_path(c->dirfd, "hull.json", c->meta, 0, err);
}

int container_spec_load(const struct container *c, json_t **ret, struct herr *err)
{
        if (json_load_path(c->dirfd, "config.json", ret, err) < 0)
                return herr_wrap(err, "container %.12s", c->id);
        return 0;
}

/* ---- the truth about processes ---- */

int proc_alive(pid_t pid, unsigned long long start)
{
        return pid > 0 && start && proc_start_time(pid) == start;
}

void container_state_refresh(struct container *c)
{
        struct ctr_state *s = &c->state;
        if (s->status != CTR_RUNNING && s->status != CTR_PAUSED && s->status != CTR_RESTARTING)
                return;
        /* While the monitor lives, state.json is the truth: it records the
         * exit itself (PID 1 may be dead a moment before that).  When the
         * monitor is gone (killed, or the machine rebooted), the container
         * cannot be running: its PID 1 dies with its monitor. */
        if (proc_alive(s->monitor_pid, s->monitor_start))
                return;
        s->status = CTR_EXITED;
        s->exit_code = s->exit_code ? s->exit_code : 255;
        s->pid = 0;
        if (!s->finished_at[0])
                rfc3339_now(s->finished_at);
        if (!s->error[0])
                snprintf(s->error, sizeof s->error, "the container's monitor is gone");
}

/* ---- locks ---- */

int container_lock(struct container *c, struct herr *err)
{
        if (c->lockfd >= 0)
                return 0;
        int fd = openat(c->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return herr_set(err, errno, "locking container %.12s", c->id);
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        close(fd);
                        return herr_set(err, e, "locking container %.12s", c->id);
                }
        }
        c->lockfd = fd;
        return 0;
}

void container_unlock(struct container *c)
{
        if (c->lockfd >= 0)
                close(c->lockfd);
        c->lockfd = -1;
}

/* ---- lookup ---- */

static int load_by_id(const struct engine_ctx *ctx, const char *id, int with_meta, struct container *c,
                      struct herr *err)
{
        *c = (struct container)CONTAINER_INIT;
        snprintf(c->id, sizeof c->id, "%s", id);
        c->dir = xasprintf("%s/containers/%s", ctx->root, id);
        c->dirfd = open(c->dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (c->dirfd < 0) {
                int e = errno;
                container_close(c);
                return e == ENOENT ? herr_setc(err, HERR_ENGINE, 0, "No such container: %s", id)
                                   : herr_set(err, e, "opening container %s", id);
        }
        if (container_state_load(c, err) < 0) {
                container_close(c);
                return -1;
        }
        snprintf(c->name, sizeof c->name, "%s", json_str(c->summary, "Name") ?: "");
        if (with_meta && json_load_path(c->dirfd, "hull.json", &c->meta, err) < 0) {
                container_close(c);
                return herr_wrap(err, "container %.12s", id);
        }
        return 0;
}

static int is_hex(const char *s)
{
        return *s && strspn(s, "0123456789abcdef") == strlen(s);
}

int container_open(const struct engine_ctx *ctx, const char *ref, struct container *c, struct herr *err)
{
        if (!*ref)
                return herr_set(err, 0, "No such container: (empty name)");
        /* A name first, as Docker resolves: an exact id, then a name, then
         * a unique id prefix. */
        if (strlen(ref) == 64 && is_hex(ref))
                return load_by_id(ctx, ref, 1, c, err);
        char target[80];
        _cleanup_free_ char *link = xasprintf("%s/names/%s", ctx->root, ref);
        ssize_t n = strchr(ref, '/') ? -1 : readlink(link, target, sizeof target - 1);
        if (n == 64) {
                target[n] = '\0';
                return load_by_id(ctx, target, 1, c, err);
        }
        if (!is_hex(ref))
                return herr_set(err, 0, "No such container: %s", ref);
        _cleanup_free_ char *dir = xasprintf("%s/containers", ctx->root);
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        char found[65] = "";
        int matches = 0;
        while (d && (de = readdir(d)))
                if (!strncmp(de->d_name, ref, strlen(ref)) && strlen(de->d_name) == 64) {
                        snprintf(found, sizeof found, "%s", de->d_name);
                        matches++;
                }
        if (matches > 1)
                return herr_set(err, 0, "multiple containers match the id prefix %s: use more of the id", ref);
        if (!matches)
                return herr_set(err, 0, "No such container: %s", ref);
        return load_by_id(ctx, found, 1, c, err);
}

static int newest_first(const void *a, const void *b)
{
        const struct container *x = a, *y = b;
        return strcmp(json_str(y->summary, "Created") ?: "", json_str(x->summary, "Created") ?: "");
}

int container_list(const struct engine_ctx *ctx, struct container **ret, size_t *ret_n, struct herr *err)
{
        _cleanup_free_ char *dir = xasprintf("%s/containers", ctx->root);
        _cleanup_closedir_ DIR *d = opendir(dir);
        size_t n = 0, cap = 0;
        struct container *v = NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (strlen(de->d_name) != 64)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 64;
                        struct container *nv = realloc(v, cap * sizeof *v);
                        if (!nv) {
                                container_list_free(v, n);
                                return herr_set(err, ENOMEM, "listing containers");
                        }
                        v = nv;
                }
                struct herr ignored;
                /* A container being created or removed right now has no
                 * state yet or any more: not listed. */
                if (load_by_id(ctx, de->d_name, 0, &v[n], &ignored) == 0) {
                        close(v[n].dirfd);
                        v[n].dirfd = -1;
                        container_state_refresh(&v[n]);
                        n++;
                }
        }
        if (n)
                qsort(v, n, sizeof *v, newest_first);
        *ret = v;
        *ret_n = n;
        return 0;
}

void container_list_free(struct container *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                container_close(&v[i]);
        free(v);
}

int container_rename(const struct engine_ctx *ctx, struct container *c, const char *name, struct herr *err)
{
        if (!container_name_valid(name))
                return herr_set(err, 0, "invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
        _cleanup_free_ char *new_link = xasprintf("%s/names/%s", ctx->root, name);
        _cleanup_free_ char *old_link = xasprintf("%s/names/%s", ctx->root, c->name);
        if (symlink(c->id, new_link) < 0)
                return errno == EEXIST ? herr_set(err, 0, "the container name \"%s\" is already in use", name)
                                       : herr_set(err, errno, "reserving the name %s", name);
        json_object_set_new(c->meta, "Name", json_string(name));
        char old[129];
        snprintf(old, sizeof old, "%s", c->name);
        snprintf(c->name, sizeof c->name, "%s", name);
        if (container_meta_save(c, err) < 0 || container_state_save(c, err) < 0) {
                unlink(new_link);
                snprintf(c->name, sizeof c->name, "%s", old);
                return -1;
        }
        unlink(old_link);
        return 0;
}

/* ---- how ps says it ---- */

static time_t parse_rfc3339(const char *s)
{
        struct tm tm = { 0 };
        if (!s || !*s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
                return 0;
        return timegm(&tm);
}

/* Docker's units.HumanDuration. */
static void human_duration(long long s, char *buf, size_t len)
{
        if (s < 1)
                snprintf(buf, len, "Less than a second");
        else if (s == 1)
                snprintf(buf, len, "1 second");
        else if (s < 60)
                snprintf(buf, len, "%lld seconds", s);
        else if (s < 120)
                snprintf(buf, len, "About a minute");
        else if (s < 3600)
                snprintf(buf, len, "%lld minutes", s / 60);
        else if (s < 7200)
                snprintf(buf, len, "About an hour");
        else if (s < 48 * 3600)
                snprintf(buf, len, "%lld hours", s / 3600);
        else if (s < 14 * 86400)
                snprintf(buf, len, "%lld days", s / 86400);
        else if (s < 60 * 86400)
                snprintf(buf, len, "%lld weeks", s / (7 * 86400));
        else if (s < 730 * 86400)
                snprintf(buf, len, "%lld months", s / (30 * 86400));
        else
                snprintf(buf, len, "%lld years", s / (365 * 86400));
}

void ctr_status_text(const struct ctr_state *s, char *buf, size_t len)
{
        char d[64];
        time_t now = time(NULL);
        switch (s->status) {
        case CTR_CREATED:
                snprintf(buf, len, "Created");
                return;
        case CTR_RUNNING:
        case CTR_PAUSED: {
                human_duration((long long)(now - parse_rfc3339(s->started_at)), d, sizeof d);
                const char *h = s->health ? json_str(s->health, "Status") : NULL;
                char hs[32] = "";
                if (h && !strcmp(h, "starting"))
                        snprintf(hs, sizeof hs, " (health: starting)");
                else if (h && *h)
                        snprintf(hs, sizeof hs, " (%s)", h);
                snprintf(buf, len, "Up %s%s%s", d, s->status == CTR_PAUSED ? " (Paused)" : "", hs);
                return;
        }
        case CTR_RESTARTING:
                human_duration((long long)(now - parse_rfc3339(s->finished_at)), d, sizeof d);
                snprintf(buf, len, "Restarting (%d) %s ago", s->exit_code, d);
                return;
        case CTR_EXITED:
                human_duration((long long)(now - parse_rfc3339(s->finished_at)), d, sizeof d);
                snprintf(buf, len, "Exited (%d) %s ago", s->exit_code, d);
                return;
        case CTR_REMOVING:
                snprintf(buf, len, "Removal In Progress");
                return;
        default:
                snprintf(buf, len, "Dead");
        }
}
