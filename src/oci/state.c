#include "oci/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "runtime/cgroup.h"

const char *oci_status_name(enum oci_status s)
{
        static const char *const names[] = { "created", "running", "paused", "stopped" };
        return names[s];
}

int oci_check_id(const char *id, struct herr *err)
{
        if (!*id || !strcmp(id, ".") || !strcmp(id, "..") || strlen(id) > 1024)
                return herr_set(err, 0, "invalid container id '%s'", id);
        for (const char *c = id; *c; c++)
                if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') &&
                    !strchr("_+-.", *c))
                        return herr_set(err, 0, "invalid container id '%s'", id);
        return 0;
}

unsigned long long oci_proc_start(pid_t pid)
{
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* After the command name, which may hold anything, in parens. */
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
                return 0;
        unsigned long long start = 0;
        if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                   &start) != 1)
                return 0;
        return start;
}

void oci_now_rfc3339(char *buf, size_t size)
{
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        char base[32];
        strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, size, "%s.%09ldZ", base, ts.tv_nsec);
}

static int open_dir(const char *dir, const char *id, int *ret, struct herr *err)
{
        *ret = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (*ret < 0)
                return errno == ENOENT ? herr_set(err, 0, "container %s does not exist", id)
                                       : herr_set(err, errno, "container %s", id);
        return 0;
}

int oci_state_new(const char *root, const char *id, struct oci_state *st, struct herr *err)
{
        *st = (struct oci_state){ .dirfd = -1 };
        if (oci_check_id(id, err) < 0 || mkdir_p(root, 0700, err) < 0)
                return -1;
        st->id = xstrdup(id);
        st->dir = xasprintf("%s/%s", root, id);
        if (mkdir(st->dir, 0700) < 0)
                return errno == EEXIST ? herr_set(err, 0, "container with id %s already exists", id)
                                       : herr_set(err, errno, "creating %s", st->dir);
        if (open_dir(st->dir, id, &st->dirfd, err) < 0 || flock(st->dirfd, LOCK_EX) < 0)
                return herr_set(err, errno, "locking %s", st->dir);
        return 0;
}

int oci_state_load(const char *root, const char *id, int lock, struct oci_state *st, struct herr *err)
{
        *st = (struct oci_state){ .dirfd = -1 };
        if (oci_check_id(id, err) < 0)
                return -1;
        st->id = xstrdup(id);
        st->dir = xasprintf("%s/%s", root, id);
        if (open_dir(st->dir, id, &st->dirfd, err) < 0)
                return -1;
        if (lock && flock(st->dirfd, LOCK_EX) < 0)
                return herr_set(err, errno, "locking %s", st->dir);
        _cleanup_json_ json_t *j = NULL, *config = NULL;
        if (json_load_path(st->dirfd, "state.json", &j, err) < 0)
                return herr_set(err, 0, "container %s does not exist", id);
        st->pid = (pid_t)json_int(j, "pid", 0);
        st->pid_start = (unsigned long long)json_int(j, "pid_start", 0);
        st->started = json_bool(j, "started", 0);
        const char *b = json_str(j, "bundle"), *c = json_str(j, "created");
        st->bundle = xstrdup(b ? b : "");
        st->created = xstrdup(c ? c : "");
        if (json_load_path(st->dirfd, "config.json", &config, err) < 0 ||
            rt_spec_parse(config, st->bundle, &st->spec, err) < 0)
                return herr_wrap(err, "container %s", id);
        return 0;
}

int oci_state_save(struct oci_state *st, struct herr *err)
{
        _cleanup_json_ json_t *j = json_pack("{s:s, s:i, s:I, s:s, s:s, s:b}", "id", st->id, "pid", (int)st->pid,
                                             "pid_start", (json_int_t)st->pid_start, "bundle", st->bundle,
                                             "created", st->created, "started", st->started);
        if (!j)
                return herr_set(err, ENOMEM, "state");
        return json_write_path(st->dirfd, "state.json", j, 0, err);
}

int oci_state_remove(struct oci_state *st, struct herr *err)
{
        return rm_rf(st->dir, err);
}

void oci_state_free(struct oci_state *st)
{
        free(st->id);
        free(st->dir);
        free(st->bundle);
        free(st->created);
        rt_spec_free(st->spec);
        closep(&st->dirfd);
        *st = (struct oci_state){ .dirfd = -1 };
}

static int alive(const struct oci_state *st)
{
        return st->pid > 0 && oci_proc_start(st->pid) == st->pid_start;
}

enum oci_status oci_state_status(const struct oci_state *st)
{
        if (!alive(st))
                return OCI_STOPPED;
        if (!st->started)
                return OCI_CREATED;
        if (st->spec && st->spec->cgroups_path && rt_cgroup_frozen(st->spec->cgroups_path))
                return OCI_PAUSED;
        return OCI_RUNNING;
}

int oci_state_pidfd(const struct oci_state *st)
{
        if (st->pid <= 0)
                return -1;
        int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
        /* Checked after the pidfd exists: the pid cannot be reused while
         * we hold it, so a matching start time means it is our process. */
        if (fd >= 0 && !alive(st)) {
                close(fd);
                return -1;
        }
        return fd;
}

json_t *oci_state_json(const struct oci_state *st)
{
        enum oci_status s = oci_state_status(st);
        json_t *ann = st->spec ? json_object_get(st->spec->json, "annotations") : NULL;
        ann = json_is_object(ann) ? json_incref(ann) : json_object();
        return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o}", "ociVersion", "1.0.2", "id", st->id,
                         "pid", s == OCI_STOPPED ? 0 : (int)st->pid, "status", oci_status_name(s), "bundle",
                         st->bundle, "rootfs", st->spec ? st->spec->root_path : "", "created", st->created,
                         "owner", "", "annotations", ann);
}
