/* What cgroup filesystems this host has: unified cgroup2 at /sys/fs/cgroup
 * (one statfs, the common case), or v1 hierarchies read from
 * /proc/self/mountinfo, with or without a cgroup2 mount beside them. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

static const char *const ctrl_names[CG_NCTRL] = {
        [CG_CPU] = "cpu",         [CG_CPUACCT] = "cpuacct",   [CG_CPUSET] = "cpuset",
        [CG_MEMORY] = "memory",   [CG_DEVICES] = "devices",   [CG_FREEZER] = "freezer",
        [CG_BLKIO] = "blkio",     [CG_PIDS] = "pids",         [CG_HUGETLB] = "hugetlb",
        [CG_NET_CLS] = "net_cls", [CG_NET_PRIO] = "net_prio", [CG_PERF_EVENT] = "perf_event",
        [CG_RDMA] = "rdma",       [CG_MISC] = "misc",         [CG_IO] = "io",
};

const char *cg_ctrl_name(enum cg_ctrl c)
{
        return (unsigned)c < CG_NCTRL ? ctrl_names[c] : "?";
}

int cg_ctrl_from_name(const char *name, size_t len)
{
        for (int c = 0; c < CG_NCTRL; c++)
                if (strlen(ctrl_names[c]) == len && !memcmp(ctrl_names[c], name, len))
                        return c;
        return -1;
}

const char *rt_cgroup_mode_name(enum rt_cgroup_mode m)
{
        switch (m) {
        case RT_CGROUP_V1:
                return "v1";
        case RT_CGROUP_V2:
                return "v2";
        case RT_CGROUP_HYBRID:
                return "hybrid";
        default:
                return "none";
        }
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
        char *o = s;
        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else {
                        *o++ = *s;
                }
        }
        *o = '\0';
}

struct mi_entry {
        char *mnt, *fstype, *superopts;
};

/* "36 35 98:0 / /mnt rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
static int mi_split(char *line, struct mi_entry *e)
{
        char *f[64];
        size_t n = 0, sep = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, " ", &save); t && n < ARRAY_SIZE(f); t = strtok_r(NULL, " ", &save)) {
                if (!sep && n >= 6 && !strcmp(t, "-"))
                        sep = n;
                f[n++] = t;
        }
        if (!sep || n < sep + 4)
                return -1;
        e->mnt = f[4];
        e->fstype = f[sep + 1];
        e->superopts = f[sep + 3];
        unescape(e->mnt);
        return 0;
}

static void append(char *buf, size_t size, const char *s, size_t len)
{
        size_t l = strlen(buf);
        if (l + (l ? 1 : 0) + len + 1 > size)
                return;
        if (l)
                buf[l++] = ',';
        memcpy(buf + l, s, len);
        buf[l + len] = '\0';
}

/* The directory name a hierarchy has below /sys/fs/cgroup. */
static void hier_name(struct cg_hier *h, const char *fallback)
{
        const char *slash = strrchr(h->mnt, '/');
        if (slash && (size_t)(slash - h->mnt) == strlen(CGROUP_ROOT) && !strncmp(h->mnt, CGROUP_ROOT, strlen(CGROUP_ROOT)))
                snprintf(h->name, sizeof h->name, "%s", slash + 1);
        else
                snprintf(h->name, sizeof h->name, "%s", fallback);
}

/* The super options that select a v1 hierarchy when mounting it again:
 * its controllers, its name, and the root flags the kernel compares
 * (others would only make it log a mismatch). */
static int v1_hier(const struct mi_entry *e, struct cg_hier *h)
{
        _cleanup_free_ char *o = xstrdup(e->superopts);
        char ident[64] = "";
        char *save = NULL;
        memset(h, 0, sizeof *h);
        for (char *t = strtok_r(o, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int c = cg_ctrl_from_name(t, strlen(t));
                if (c >= 0) {
                        h->ctrls |= CG_BIT(c);
                        append(ident, sizeof ident, t, strlen(t));
                } else if (!strncmp(t, "name=", 5)) {
                        append(ident, sizeof ident, t + 5, strlen(t + 5));
                } else if (strcmp(t, "noprefix") && strcmp(t, "xattr") && strcmp(t, "cpuset_v2_mode") &&
                           strcmp(t, "favordynmods")) {
                        continue;
                }
                append(h->opts, sizeof h->opts, t, strlen(t));
        }
        if (!ident[0])
                return -1;
        snprintf(h->mnt, sizeof h->mnt, "%s", e->mnt);
        hier_name(h, ident);
        return 0;
}

static int have_opts(const struct cg_host *host, const char *opts)
{
        for (size_t i = 0; i < host->n; i++)
                if (!host->h[i].v2 && !strcmp(host->h[i].opts, opts))
                        return 1;
        return 0;
}

int cg_host_parse(const char *mountinfo, struct cg_host *host, struct herr *err)
{
        _cleanup_free_ char *buf = xstrdup(mountinfo);
        struct cg_hier v2 = { .v2 = 1 };
        char *save = NULL;
        memset(host, 0, sizeof *host);
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct mi_entry e;
                struct cg_hier h;
                if (mi_split(line, &e) < 0)
                        continue;
                if (!strcmp(e.fstype, "cgroup2")) {
                        /* The one at /sys/fs/cgroup wins over any other. */
                        if (!v2.mnt[0] || !strcmp(e.mnt, CGROUP_ROOT))
                                snprintf(v2.mnt, sizeof v2.mnt, "%s", e.mnt);
                } else if (!strcmp(e.fstype, "cgroup") && v1_hier(&e, &h) == 0 && !have_opts(host, h.opts)) {
                        if (host->n == CG_MAX_HIER - 1)
                                return herr_set(err, 0, "too many cgroup v1 hierarchies in /proc/self/mountinfo");
                        host->h[host->n++] = h;
                }
        }
        if (v2.mnt[0] && (!strcmp(v2.mnt, CGROUP_ROOT) || host->n == 0)) {
                host->mode = RT_CGROUP_V2;
                host->n = 0;
        } else if (host->n) {
                host->mode = v2.mnt[0] ? RT_CGROUP_HYBRID : RT_CGROUP_V1;
        } else {
                host->mode = RT_CGROUP_NONE;
        }
        if (v2.mnt[0]) {
                hier_name(&v2, "unified");
                host->h[host->n++] = v2;
        }
        return 0;
}

static unsigned v2_controllers(const char *mnt)
{
        _cleanup_close_ int dir = open(mnt, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        char buf[512];
        unsigned m = 0;
        if (dir < 0 || cg_read(dir, "cgroup.controllers", buf, sizeof buf) < 0)
                return 0;
        for (char *p = buf; *p;) {
                size_t len = strcspn(p, " ");
                int c = cg_ctrl_from_name(p, len);
                if (c >= 0)
                        m |= CG_BIT(c);
                p += len + (p[len] == ' ');
        }
        return m;
}

static int detect(struct cg_host *host, struct herr *err)
{
        struct statfs sf;
        if (statfs(CGROUP_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
                /* Unified: nothing else matters, and no mountinfo to read. */
                *host = (struct cg_host){ .mode = RT_CGROUP_V2, .n = 1 };
                host->h[0] = (struct cg_hier){ .mnt = CGROUP_ROOT, .name = "cgroup", .v2 = 1 };
        } else {
                _cleanup_free_ char *mi = NULL;
                if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, err) < 0 ||
                    cg_host_parse(mi, host, err) < 0)
                        return -1;
        }
        for (size_t i = 0; i < host->n; i++)
                if (host->h[i].v2)
                        host->h[i].ctrls = v2_controllers(host->h[i].mnt);
        return 0;
}

/* Detected once: the engine asks many times, the answer cannot change
 * under a running container. */
static struct cg_host host_cache;
static int host_known;

const struct cg_host *cg_host_get(struct herr *err)
{
        if (!host_known) {
                if (detect(&host_cache, err) < 0)
                        return NULL;
                host_known = 1;
        }
        return &host_cache;
}

enum rt_cgroup_mode rt_cgroup_mode(void)
{
        struct herr err;
        const struct cg_host *h = cg_host_get(&err);
        return h ? h->mode : RT_CGROUP_NONE;
}
