#include "runtime/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "runtime/mounts.h"

static const struct rt_device default_devices[] = {
        { "/dev/null", 'c', 1, 3, 0666, 0, 0 },    { "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
        { "/dev/full", 'c', 1, 7, 0666, 0, 0 },    { "/dev/random", 'c', 1, 8, 0666, 0, 0 },
        { "/dev/urandom", 'c', 1, 9, 0666, 0, 0 }, { "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

static const struct {
        const char *target, *name;
} dev_links[] = {
        { "/proc/self/fd", "fd" },     { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
        { "pts/ptmx", "ptmx" },
};

static int bind_host_node(int dfd, const char *name, const struct rt_device *d, struct herr *err)
{
        _cleanup_close_ int f = openat(dfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f < 0)
                return herr_set(err, errno, "creating %s", d->path);
        _cleanup_close_ int target = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int mfd = open_tree(AT_FDCWD, d->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (target < 0 || mfd < 0)
                return herr_set(err, errno, "binding the host's %s", d->path);
        return rt_attach(mfd, target, d->path, err);
}

static int make_node(int rootfd, const struct rt_device *d, struct herr *err)
{
        const char *slash = strrchr(d->path, '/');
        _cleanup_free_ char *dir = strndup(d->path, (size_t)(slash - d->path));
        _cleanup_close_ int dfd = -EBADF;
        {
                _cleanup_close_ int p = rt_open_in_root(rootfd, *dir ? dir : "/", 1, 0, err);
                if (p < 0)
                        return -1;
                _cleanup_free_ char *via = xasprintf("/proc/self/fd/%d", p);
                dfd = open(via, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (dfd < 0)
                        return herr_set(err, errno, "opening %s", dir);
        }
        const char *name = slash + 1;
        mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
        unlinkat(dfd, name, 0);
        if (mknodat(dfd, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
                /* In a user namespace mknod is refused: the host's node is
                 * bound over an empty file instead, as runc does. */
                if (errno != EPERM)
                        return herr_set(err, errno, "creating device %s", d->path);
                return bind_host_node(dfd, name, d, err);
        }
        /* mknod obeys the umask; the config's mode is what was asked for. */
        if (fchmodat(dfd, name, d->mode & 07777, 0) < 0 ||
            fchownat(dfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return herr_set(err, errno, "setting up device %s", d->path);
        return 0;
}

int rt_devices_create(int rootfd, const struct oci_spec *s, struct herr *err)
{
        for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                int overridden = 0;
                for (size_t k = 0; k < s->n_devices; k++)
                        if (!strcmp(s->devices[k].path, default_devices[i].path))
                                overridden = 1;
                if (!overridden && make_node(rootfd, &default_devices[i], err) < 0)
                        return -1;
        }
        for (size_t k = 0; k < s->n_devices; k++)
                if (make_node(rootfd, &s->devices[k], err) < 0)
                        return -1;
        _cleanup_close_ int p = rt_open_in_root(rootfd, "/dev", 1, 0, err);
        if (p < 0)
                return -1;
        _cleanup_free_ char *via = xasprintf("/proc/self/fd/%d", p);
        _cleanup_close_ int dev = open(via, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (dev < 0)
                return herr_set(err, errno, "opening /dev");
        for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
                unlinkat(dev, dev_links[i].name, 0);
                if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0)
                        return herr_set(err, errno, "linking /dev/%s", dev_links[i].name);
        }
        return 0;
}

int rt_sysctl_apply(int rootfd, json_t *sysctl, struct herr *err)
{
        const char *key;
        json_t *v;
        json_object_foreach(sysctl, key, v) {
                const char *val = json_string_value(v);
                if (!val || strstr(key, ".."))
                        return herr_set(err, 0, "sysctl %s: bad entry", key);
                _cleanup_free_ char *path = xasprintf("proc/sys/%s", key);
                for (char *c = path + 9; *c; c++)
                        if (*c == '.')
                                *c = '/';
                _cleanup_close_ int fd = rt_open_in_root(rootfd, path, 0, 0, err);
                if (fd < 0)
                        return herr_wrap(err, "sysctl %s", key);
                _cleanup_free_ char *via = xasprintf("/proc/self/fd/%d", fd);
                _cleanup_close_ int wfd = open(via, O_WRONLY | O_CLOEXEC);
                if (wfd < 0 || write(wfd, val, strlen(val)) < 0)
                        return herr_set(err, errno, "sysctl %s", key);
        }
        return 0;
}
