/* A container's cgroup across the host's hierarchies.
 *
 * The same cgroup path is made in every hierarchy the host has (every v1
 * one, so /proc/PID/cgroup and the container's own view agree, plus the v2
 * tree on hybrid hosts, for CLONE_INTO_CGROUP and cgroup.kill).  Each
 * controller's values go to exactly one directory: the v1 hierarchy that
 * carries it, else the v2 tree when that has it; the writers behind
 * struct cg_ops are the only place v1 and v2 differ. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/fs.h"
#include "base/strv.h"

/* Controllers enabled in the v2 tree even when nothing is limited:
 * memory.events (OOM kills) and pids.current need them, and they are
 * cheap.  v1 hierarchies are all joined anyway. */
#define ALWAYS (CG_BIT(CG_MEMORY) | CG_BIT(CG_PIDS))
/* Names that cgroup.subtree_control takes (devices is a BPF program). */
#define V2_ENABLEABLE (~CG_BIT(CG_DEVICES))
/* How long destroy waits for processes to die and directories to go. */
#define DESTROY_TIMEOUT_NS (2 * 1000000000LL)

struct cg_dir {
        char *path;             /* absolute, as the host sees it */
        int fd;                 /* O_DIRECTORY; -1 when it does not exist */
        const struct cg_ops *ops;
        unsigned hier_ctrls;    /* everything the hierarchy carries */
        unsigned ctrls;         /* controllers whose files we use here */
        unsigned optional;      /* v2: those of ctrls nothing asked for (ALWAYS) */
};

struct rt_cgroup {
        struct cg_dir d[CG_MAX_HIER];
        size_t n;
        int unified;            /* index of the v2 directory, or -1 */
        int destroyed;
};

/* ---- small file helpers shared by the v1 and v2 writers ---- */

int cg_write(int dir, const char *file, const char *value, struct herr *err)
{
        int fd = openat(dir, file, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "%s \"%s\"", file, value);
        /* One write: cgroup files take a value per write(2). */
        ssize_t n = write(fd, value, strlen(value));
        int e = errno;
        close(fd);
        if (n < 0)
                return herr_set(err, e, "%s \"%s\"", file, value);
        return 0;
}

int cg_write_i64(int dir, const char *file, int64_t v, struct herr *err)
{
        char buf[32];
        snprintf(buf, sizeof buf, "%" PRId64, v);
        return cg_write(dir, file, buf, err);
}

ssize_t cg_read(int dir, const char *file, char *buf, size_t size)
{
        int fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, size - 1);
        int e = errno;
        close(fd);
        errno = e;
        if (n < 0)
                return -1;
        while (n > 0 && buf[n - 1] == '\n')
                n--;
        buf[n] = '\0';
        return n;
}

int64_t cg_read_key(int dir, const char *file, const char *key)
{
        char buf[4096];
        size_t kl = strlen(key);
        if (cg_read(dir, file, buf, sizeof buf) < 0)
                return -1;
        for (char *line = buf; line && *line;) {
                if (!strncmp(line, key, kl) && line[kl] == ' ')
                        return strtoll(line + kl + 1, NULL, 10);
                line = strchr(line, '\n');
                if (line)
                        line++;
        }
        return -1;
}

int cg_file_exists(int dir, const char *file)
{
        return faccessat(dir, file, F_OK, 0) == 0;
}

int cg_set_pids(int dir, const struct cg_resources *r, struct herr *err)
{
        if (!r->has_pids)
                return 0;
        if (r->pids_limit <= 0)
                return cg_write(dir, "pids.max", "max", err);
        return cg_write_i64(dir, "pids.max", r->pids_limit, err);
}

int cg_set_hugetlb(int dir, int v2, const struct cg_resources *r, struct herr *err)
{
        size_t i;
        json_t *h;
        json_array_foreach(r->hugepages, i, h) {
                char file[64];
                snprintf(file, sizeof file, "hugetlb.%s.%s", json_str(h, "pageSize"), v2 ? "max" : "limit_in_bytes");
                if (cg_write_i64(dir, file, (int64_t)json_integer_value(json_object_get(h, "limit")), err) < 0)
                        return -1;
        }
        return 0;
}

/* ---- layout: which directory, which writer, which controllers ---- */

/* "/hull/abc" -> "hull/abc"; nothing may climb out of the hierarchy. */
static int rel_path(const char *path, char **ret, struct herr *err)
{
        _cleanup_free_ char *p = xstrdup(path);
        _cleanup_free_ char *out = calloc(1, strlen(path) + 1);
        char *save = NULL;
        if (!out)
                return herr_set(err, ENOMEM, "cgroup path");
        for (char *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (!strcmp(c, ".") || !strcmp(c, ".."))
                        return herr_set(err, 0, "cgroup path %s: \".\" and \"..\" are not allowed", path);
                if (*out)
                        strcat(out, "/");
                strcat(out, c);
        }
        if (!*out)
                return herr_set(err, 0, "cgroup path \"%s\" names no cgroup", path);
        *ret = TAKE_PTR(out);
        return 0;
}

static int find_hier(const struct cg_host *h, int c)
{
        for (size_t i = 0; i < h->n; i++)
                if (!h->h[i].v2 && (h->h[i].ctrls & CG_BIT(c)))
                        return (int)i;
        for (size_t i = 0; i < h->n; i++)
                if (h->h[i].v2 && (h->h[i].ctrls & CG_BIT(c)))
                        return (int)i;
        return -1;
}

static void cg_free_dirs(struct rt_cgroup *cg)
{
        for (size_t i = 0; i < cg->n; i++) {
                if (cg->d[i].fd >= 0)
                        close(cg->d[i].fd);
                free(cg->d[i].path);
        }
        cg->n = 0;
}

void rt_cgroup_free(struct rt_cgroup *cg)
{
        if (!cg)
                return;
        cg_free_dirs(cg);
        free(cg);
}

static void cg_freep(struct rt_cgroup **cg)
{
        rt_cgroup_free(*cg);
}

/* want: controllers the resources need (an error when missing). */
static int layout(const struct cg_host *h, const char *rel, unsigned want, struct rt_cgroup **ret,
                  struct herr *err)
{
        if (h->mode == RT_CGROUP_NONE)
                return herr_set(err, 0, "the host has no cgroup filesystem mounted at /sys/fs/cgroup");
        struct rt_cgroup *cg = calloc(1, sizeof *cg);
        if (!cg)
                return herr_set(err, ENOMEM, "cgroup");
        cg->unified = -1;
        for (size_t i = 0; i < h->n; i++) {
                cg->d[i] = (struct cg_dir){
                        .path = xasprintf("%s/%s", h->h[i].mnt, rel),
                        .fd = -1,
                        .ops = h->h[i].v2 ? &cg_v2_ops : &cg_v1_ops,
                        .hier_ctrls = h->h[i].ctrls,
                };
                if (h->h[i].v2)
                        cg->unified = (int)i;
        }
        cg->n = h->n;
        for (int c = 0; c < CG_NCTRL; c++) {
                if (!((want | ALWAYS) & CG_BIT(c)))
                        continue;
                int i = find_hier(h, c);
                if (i >= 0) {
                        cg->d[i].ctrls |= CG_BIT(c);
                        if (h->h[i].v2 && !(want & CG_BIT(c)))
                                cg->d[i].optional |= CG_BIT(c);
                } else if (want & CG_BIT(c)) {
                        rt_cgroup_free(cg);
                        return herr_set(err, 0, "the resources need the %s controller, which this host does not have",
                                        cg_ctrl_name(c));
                }
        }
        /* Devices: the v1 controller when mounted, else a BPF program in
         * the v2 tree; a v1 host without the controller has no way. */
        int dev = find_hier(h, CG_DEVICES);
        if (dev < 0)
                dev = cg->unified;
        if (dev >= 0)
                cg->d[dev].ctrls |= CG_BIT(CG_DEVICES);
        *ret = cg;
        return 0;
}

/* ---- create ---- */

static int make_dir(int parent, const char *name, const char *full, int leaf, char ***created, struct herr *err)
{
        if (mkdirat(parent, name, 0755) == 0) {
                if (strv_push(created, full) < 0)
                        return herr_set(err, ENOMEM, "cgroup");
                return 0;
        }
        if (errno == EEXIST && leaf)
                return herr_set(err, EEXIST, "cgroup %s", full);
        if (errno != EEXIST)
                return herr_set(err, errno, "creating cgroup %s", full);
        return 0;
}

/* v2: a parent that cannot take the controllers nothing asked for (one
 * with processes of its own, as when hull runs in a container's cgroup)
 * costs only those: OOM reporting, say, not the container. */
static int prepare_level(struct cg_dir *d, int parent, int fd, unsigned need, struct herr *err)
{
        if (d->optional && d->ops->prepare(parent, fd, need | d->optional, err) == 0)
                return 0;
        d->ctrls &= ~d->optional;
        d->optional = 0;
        return d->ops->prepare(parent, fd, need, err);
}

/* Walk rel below the hierarchy's root, making what is missing and letting
 * the writer prepare each level (v1 cpuset values, v2 subtree_control). */
static int make_path(struct cg_dir *d, const char *mnt, const char *rel, char ***created, struct herr *err)
{
        _cleanup_close_ int parent = open(mnt, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (parent < 0)
                return herr_set(err, errno, "opening %s", mnt);
        unsigned need = d->ops == &cg_v2_ops ? d->ctrls & ~d->optional & V2_ENABLEABLE : d->hier_ctrls;
        _cleanup_free_ char *p = xstrdup(rel);
        for (char *c = p; c;) {
                char *slash = strchr(c, '/');
                int upto = (int)(slash ? (size_t)(slash - p) : strlen(rel));
                if (slash)
                        *slash = '\0';
                _cleanup_free_ char *full = xasprintf("%s/%.*s", mnt, upto, rel);
                if (make_dir(parent, c, full, !slash, created, err) < 0)
                        return -1;
                int fd = openat(parent, c, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return herr_set(err, errno, "opening cgroup %s", full);
                if (prepare_level(d, parent, fd, need, err) < 0) {
                        close(fd);
                        return herr_wrap(err, "cgroup %s", full);
                }
                close(parent);
                parent = fd;
                c = slash ? slash + 1 : NULL;
        }
        d->fd = TAKE_FD(parent);
        return 0;
}

static int write_unified(const struct rt_cgroup *cg, const struct cg_resources *r, struct herr *err)
{
        if (!r->unified)
                return 0;
        if (cg->unified < 0)
                return herr_set(err, 0, "resources.unified needs cgroup v2, and this host has only v1");
        const char *k;
        json_t *v;
        json_object_foreach(r->unified, k, v) {
                if (cg_write(cg->d[cg->unified].fd, k, json_string_value(v), err) < 0)
                        return -1;
        }
        return 0;
}

static int apply(struct rt_cgroup *cg, const struct cg_resources *r, struct herr *err)
{
        for (size_t i = 0; i < cg->n; i++) {
                const struct cg_dir *d = &cg->d[i];
                unsigned c = d->ctrls;
                if (((c & CG_BIT(CG_MEMORY)) && d->ops->memory(d->fd, r, err) < 0) ||
                    ((c & CG_BIT(CG_CPU)) && d->ops->cpu(d->fd, r, err) < 0) ||
                    ((c & CG_BIT(CG_CPUSET)) && d->ops->cpuset(d->fd, r, err) < 0) ||
                    ((c & CG_BIT(CG_PIDS)) && cg_set_pids(d->fd, r, err) < 0) ||
                    ((c & CG_BIT(CG_HUGETLB)) && cg_set_hugetlb(d->fd, d->ops == &cg_v2_ops, r, err) < 0) ||
                    ((c & CG_BIT(CG_DEVICES)) && d->ops->devices(d->fd, r, err) < 0))
                        return -1;
        }
        return write_unified(cg, r, err);
}

/* Undo a failed create: newest first, so children go before parents. */
static void remove_created(char **created)
{
        for (size_t i = strv_len(created); i-- > 0;)
                rmdir(created[i]);
}

int rt_cgroup_create(const char *path, json_t *resources, struct rt_cgroup **ret, struct herr *err)
{
        struct cg_resources r;
        _cleanup_free_ char *rel = NULL;
        _cleanup_(cg_freep) struct rt_cgroup *cg = NULL;
        _cleanup_strv_ char **created = calloc(1, sizeof(char *));
        const struct cg_host *h = cg_host_get(err);
        if (!created)
                return herr_set(err, ENOMEM, "cgroup");
        if (!h || rel_path(path, &rel, err) < 0 || cg_resources_parse(resources, &r, err) < 0)
                return -1;
        int rc = layout(h, rel, cg_resources_controllers(&r), &cg, err);
        for (size_t i = 0; rc == 0 && i < cg->n; i++) {
                rc = make_path(&cg->d[i], h->h[i].mnt, rel, &created, err);
                /* Once more when a parent vanished under us: another
                 * create that failed removes the parents it made. */
                if (rc < 0 && err->errnum == ENOENT)
                        rc = make_path(&cg->d[i], h->h[i].mnt, rel, &created, err);
        }
        if (rc == 0)
                rc = apply(cg, &r, err);
        cg_resources_free(&r);
        if (rc < 0) {
                remove_created(created);
                return -1;
        }
        *ret = TAKE_PTR(cg);
        return 0;
}

int rt_cgroup_open(const char *path, struct rt_cgroup **ret, struct herr *err)
{
        _cleanup_free_ char *rel = NULL;
        struct rt_cgroup *cg;
        const struct cg_host *h = cg_host_get(err);
        if (!h || rel_path(path, &rel, err) < 0 || layout(h, rel, 0, &cg, err) < 0)
                return -1;
        /* Some directories may be gone already; destroy copes with that. */
        for (size_t i = 0; i < cg->n; i++)
                cg->d[i].fd = open(cg->d[i].path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        *ret = cg;
        return 0;
}

int rt_cgroup_update(const char *path, json_t *resources, struct herr *err)
{
        struct cg_resources r;
        _cleanup_free_ char *rel = NULL;
        _cleanup_(cg_freep) struct rt_cgroup *cg = NULL;
        const struct cg_host *h = cg_host_get(err);
        if (!h || rel_path(path, &rel, err) < 0 || cg_resources_parse(resources, &r, err) < 0)
                return -1;
        int rc = layout(h, rel, cg_resources_controllers(&r), &cg, err);
        for (size_t i = 0; rc == 0 && i < cg->n; i++) {
                /* An update without device rules keeps the ones there. */
                if (!json_object_get(resources, "devices"))
                        cg->d[i].ctrls &= ~CG_BIT(CG_DEVICES);
                cg->d[i].fd = open(cg->d[i].path, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (cg->d[i].fd < 0)
                        rc = herr_set(err, errno, "cgroup %s", cg->d[i].path);
        }
        if (rc == 0)
                rc = apply(cg, &r, err);
        cg_resources_free(&r);
        return rc;
}

int rt_cgroup_unified_fd(const struct rt_cgroup *cg)
{
        return cg->unified >= 0 ? cg->d[cg->unified].fd : -1;
}

int rt_cgroup_enter(struct rt_cgroup *cg, pid_t pid, int cloned_into_unified, const struct rt_cgroup_self *self,
                    struct herr *err)
{
        char buf[32];
        snprintf(buf, sizeof buf, "%d", (int)pid);
        for (size_t i = 0; i < cg->n; i++) {
                if (cg->d[i].fd < 0 || ((int)i == cg->unified && cloned_into_unified))
                        continue;
                if (self && self->n && cg->d[i].ops == &cg_v1_ops)
                        continue;       /* the child joins these itself */
                if (cg_write(cg->d[i].fd, "cgroup.procs", buf, err) < 0)
                        return herr_wrap(err, "joining cgroup %s", cg->d[i].path);
        }
        return 0;
}

int rt_cgroup_self_open(struct rt_cgroup *cg, struct rt_cgroup_self *self, struct herr *err)
{
        self->n = 0;
        for (size_t i = 0; i < cg->n; i++) {
                if (cg->d[i].fd < 0 || cg->d[i].ops != &cg_v1_ops)
                        continue;
                if (self->n == ARRAY_SIZE(self->fd)) {
                        rt_cgroup_self_close(self);
                        return herr_set(err, 0, "too many cgroup v1 hierarchies");
                }
                int fd = openat(cg->d[i].fd, "tasks", O_WRONLY | O_CLOEXEC);
                if (fd < 0) {
                        rt_cgroup_self_close(self);
                        return herr_set(err, errno, "opening %s/tasks", cg->d[i].path);
                }
                self->fd[self->n++] = fd;
        }
        return 0;
}

int rt_cgroup_self_join(struct rt_cgroup_self *self)
{
        int r = 0;
        for (size_t i = 0; i < self->n; i++)
                if (r == 0 && write(self->fd[i], "0", 1) != 1)
                        r = -1;
        int e = errno;
        rt_cgroup_self_close(self);
        errno = e;
        return r;
}

void rt_cgroup_self_close(struct rt_cgroup_self *self)
{
        for (size_t i = 0; i < self->n; i++)
                close(self->fd[i]);
        self->n = 0;
}

int rt_cgroup_oom_killed(struct rt_cgroup *cg)
{
        for (size_t i = 0; i < cg->n; i++)
                if ((cg->d[i].ctrls & CG_BIT(CG_MEMORY)) && cg->d[i].fd >= 0)
                        return cg->d[i].ops->oom_killed(cg->d[i].fd);
        return 0;
}

/* ---- destroy ---- */

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void kill_procs(int dir)
{
        _cleanup_close_ int fd = openat(dir, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        struct herr ignored;
        if (fd < 0 || read_fd(fd, &buf, NULL, &ignored) < 0)
                return;
        for (char *p = buf; *p;) {
                char *end;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (pid > 0)
                        kill((pid_t)pid, SIGKILL);
                p = end + (*end == '\n');
        }
}

/* rmdir succeeds once no live process is left (zombies do not count);
 * until then, SIGKILL whatever cgroup.procs still lists. */
static int remove_dir(struct cg_dir *d, long long deadline, struct herr *err)
{
        useconds_t pause_us = 50;
        for (;;) {
                if (rmdir(d->path) == 0 || errno == ENOENT)
                        break;
                if (errno != EBUSY)
                        return herr_set(err, errno, "removing cgroup %s", d->path);
                if (now_ns() > deadline)
                        return herr_set(err, EBUSY, "removing cgroup %s: processes still in it", d->path);
                if (d->fd >= 0)
                        kill_procs(d->fd);
                usleep(pause_us);
                if (pause_us < 5000)
                        pause_us *= 2;
        }
        if (d->fd >= 0)
                close(d->fd);
        d->fd = -1;
        return 0;
}

int rt_cgroup_destroy(struct rt_cgroup *cg, struct herr *err)
{
        if (cg->destroyed)
                return 0;
        long long deadline = now_ns() + DESTROY_TIMEOUT_NS;
        /* The v2 tree first: cgroup.kill takes every process at once, and
         * the v1 directories are then empty too. */
        if (cg->unified >= 0 && cg->d[cg->unified].fd >= 0)
                cg->d[cg->unified].ops->kill_all(cg->d[cg->unified].fd);
        int rc = 0;
        for (size_t i = 0; i < cg->n; i++)
                if (remove_dir(&cg->d[i], deadline, err) < 0)
                        rc = -1;
        if (rc == 0)
                cg->destroyed = 1;
        return rc;
}
