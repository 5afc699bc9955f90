/* /sys/fs/cgroup inside the container, shaped like the host's.  Runs in
 * the container child after it joined its cgroup and made its cgroup
 * namespace, so every cgroup mount made here has the container's own
 * cgroup as its root and shows nothing of the host's tree. */
#include "runtime/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/mounts.h"

/* subdir: without a cgroup namespace the new mount's root is the host's
 * root cgroup; then the container's own directory is what is attached
 * (as runc does), so that it sees its limits where it looks for them. */
static int mount_at(int target, const char *type, const char *data, unsigned long flags, const char *subdir,
                    const char *what, struct herr *err)
{
        _cleanup_close_ int mfd = rt_fs_mount_fd(type, type, data, flags, err);
        if (mfd < 0)
                return herr_wrap(err, "%s", what);
        while (subdir && *subdir == '/')
                subdir++;
        if (subdir && *subdir) {
                int sub = open_tree(mfd, subdir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (sub >= 0) {
                        close(mfd);
                        mfd = sub;
                }
        }
        return rt_attach(mfd, target, what, err);
}

static int mount_hier(int tmpfs, const struct cg_hier *h, unsigned long flags, const char *subdir, struct herr *err)
{
        if (mkdirat(tmpfs, h->name, 0755) < 0 && errno != EEXIST)
                return herr_set(err, errno, "creating %s in the cgroup tmpfs", h->name);
        /* A fresh tmpfs of ours: nothing in it can be a symlink yet. */
        _cleanup_close_ int sub = openat(tmpfs, h->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return herr_set(err, errno, "opening %s in the cgroup tmpfs", h->name);
        if (h->v2)
                return mount_at(sub, "cgroup2", NULL, flags, subdir, h->name, err);
        return mount_at(sub, "cgroup", h->opts, flags, subdir, h->name, err);
}

/* The host's aliases ("cpu -> cpu,cpuacct"), where they name one of ours. */
static int copy_symlinks(int tmpfs, const struct cg_host *host, struct herr *err)
{
        _cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
        struct dirent *de;
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                char target[PATH_MAX];
                if (de->d_type != DT_LNK)
                        continue;
                ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof target - 1);
                if (n <= 0)
                        continue;
                target[n] = '\0';
                int ours = 0;
                for (size_t i = 0; i < host->n; i++)
                        ours |= !strcmp(host->h[i].name, target);
                if (ours && symlinkat(target, tmpfs, de->d_name) < 0 && errno != EEXIST)
                        return herr_set(err, errno, "creating the cgroup alias %s", de->d_name);
        }
        return 0;
}

/* v1 and hybrid: a tmpfs holding one mount per hierarchy, made read-only
 * only once everything is in it. */
static int mount_v1(int target, const struct cg_host *host, const struct rt_mount *m, const char *subdir,
                    struct herr *err)
{
        _cleanup_close_ int tmpfs = rt_fs_mount_fd("tmpfs", "tmpfs", "mode=755", m->flags & ~MS_RDONLY, err);
        if (tmpfs < 0 || rt_attach(tmpfs, target, m->destination, err) < 0)
                return -1;
        for (size_t i = 0; i < host->n; i++)
                if (mount_hier(tmpfs, &host->h[i], m->flags, subdir, err) < 0)
                        return -1;
        if (copy_symlinks(tmpfs, host, err) < 0)
                return -1;
        if (m->flags & MS_RDONLY) {
                struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
                if (mount_setattr(tmpfs, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
                        return herr_set(err, errno, "making %s read-only", m->destination);
        }
        return 0;
}

int rt_cgroup_mount(int rootfd, const struct rt_mount *m, struct herr *err)
{
        return rt_cgroup_mount_sub(rootfd, m, NULL, err);
}

int rt_cgroup_mount_sub(int rootfd, const struct rt_mount *m, const char *subdir, struct herr *err)
{
        const struct cg_host *host = cg_host_get(err);
        if (!host)
                return -1;
        _cleanup_close_ int target = rt_open_in_root(rootfd, m->destination, 1, 0, err);
        if (target < 0)
                return -1;
        switch (host->mode) {
        case RT_CGROUP_V2:
                return mount_at(target, "cgroup2", NULL, m->flags, subdir, m->destination, err);
        case RT_CGROUP_V1:
        case RT_CGROUP_HYBRID:
                return mount_v1(target, host, m, subdir, err);
        default:
                /* No cgroups on the host: an empty directory says so. */
                return mount_at(target, "tmpfs", "mode=755", m->flags | MS_RDONLY, NULL, m->destination, err);
        }
}
