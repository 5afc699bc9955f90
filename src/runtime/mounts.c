/* Mounts use the new mount API (fsopen/fsmount/open_tree/move_mount,
 * mount_setattr): a mount is configured while still detached and then
 * attached onto an fd that was resolved inside the container's root with
 * RESOLVE_IN_ROOT, so no symlink in an image can redirect a mount to the
 * host, and read-only or nosuid attributes are in place before anything in
 * the container can see the mount. */
#include "runtime/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "runtime/cgroup.h"
#include "runtime/devices.h"

static int openat2_in(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

int rt_open_in_root(int rootfd, const char *path, int create, int as_file, struct herr *err)
{
        while (*path == '/')
                path++;
        if (!*path) {
                int fd = openat2_in(rootfd, ".", O_PATH | O_DIRECTORY);
                return fd < 0 ? herr_set(err, errno, "opening the container root") : fd;
        }
        int fd = openat2_in(rootfd, path, O_PATH);
        if (fd >= 0 || errno != ENOENT || !create) {
                if (fd < 0)
                        return herr_set(err, errno, "resolving %s in the container", path);
                return fd;
        }
        /* Create the missing components one at a time, each parent resolved
         * inside the root again, so a symlink planted anywhere on the path
         * still resolves inside it. */
        _cleanup_free_ char *p = xstrdup(path);
        char *slash = p;
        for (;;) {
                slash = strchr(slash, '/');
                int last = slash == NULL;
                if (!last)
                        *slash = '\0';
                _cleanup_close_ int cur = openat2_in(rootfd, p, O_PATH);
                if (cur < 0 && errno != ENOENT)
                        return herr_set(err, errno, "resolving %s in the container", p);
                if (cur < 0) {
                        char *name = strrchr(p, '/');
                        _cleanup_close_ int parent = -EBADF;
                        if (name) {
                                *name = '\0';
                                parent = openat2_in(rootfd, p, O_PATH | O_DIRECTORY);
                                *name++ = '/';
                        } else {
                                name = p;
                                parent = openat2_in(rootfd, ".", O_PATH | O_DIRECTORY);
                        }
                        if (parent < 0)
                                return herr_set(err, errno, "resolving the parent of %s", p);
                        int r;
                        if (last && as_file) {
                                /* O_PATH fds cannot create; go through the
                                 * /proc magic link of the resolved parent. */
                                _cleanup_free_ char *dir = xasprintf("/proc/self/fd/%d", parent);
                                _cleanup_close_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                                r = dfd < 0 ? -1
                                            : openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                                if (r >= 0)
                                        close(r);
                        } else {
                                r = mkdirat(parent, name, 0755);
                        }
                        if (r < 0 && errno != EEXIST)
                                return herr_set(err, errno, "creating %s in the container", p);
                }
                if (last)
                        break;
                *slash++ = '/';
        }
        fd = openat2_in(rootfd, path, O_PATH);
        if (fd < 0)
                return herr_set(err, errno, "resolving %s in the container", path);
        return fd;
}

int rt_attach(int mfd, int targetfd, const char *what, struct herr *err)
{
        if (move_mount(mfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return herr_set(err, errno, "attaching %s", what);
        return 0;
}

static uint64_t attr_of(unsigned long flags)
{
        uint64_t a = 0;
        if (flags & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (flags & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (flags & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (flags & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (flags & MS_NOATIME)
                a |= MOUNT_ATTR_NOATIME;
        else if (flags & MS_STRICTATIME)
                a |= MOUNT_ATTR_STRICTATIME;
        if (flags & MS_NODIRATIME)
                a |= MOUNT_ATTR_NODIRATIME;
        return a;
}

/* fsconfig() takes string values of at most 256 bytes, which the
 * lowerdir of an image with a few layers exceeds: such a list is given one
 * directory at a time with "lowerdir+" (Linux 6.8), top layer first as in
 * the colon-separated list. */
static int set_lowerdirs(int fsfd, char *list)
{
        char *save = NULL;
        for (char *dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0)
                        return -1;
        return 0;
}

int rt_fs_mount_fd(const char *type, const char *source, const char *data, unsigned long flags,
                       struct herr *err)
{
        _cleanup_close_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return herr_set(err, errno, "opening a %s filesystem", type);
        if (source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return herr_set(err, errno, "%s: source %s", type, source);
        if (data) {
                _cleanup_free_ char *d = xstrdup(data);
                char *save = NULL;
                for (char *o = strtok_r(d, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                        char *eq = strchr(o, '=');
                        int r;
                        if (eq) {
                                *eq = '\0';
                                if (!strcmp(o, "lowerdir") && strlen(eq + 1) > 255)
                                        r = set_lowerdirs(fsfd, eq + 1);
                                else
                                        r = fsconfig(fsfd, FSCONFIG_SET_STRING, o, eq + 1, 0);
                        } else {
                                r = fsconfig(fsfd, FSCONFIG_SET_FLAG, o, NULL, 0);
                        }
                        if (r < 0)
                                return herr_set(err, errno, "%s: option %s", type, o);
                }
        }
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return herr_set(err, errno, "creating the %s filesystem", type);
        int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)attr_of(flags));
        if (mfd < 0)
                return herr_set(err, errno, "mounting the %s filesystem", type);
        return mfd;
}

static int set_attr(int mfd, uint64_t set, uint64_t propagation, int recursive, struct herr *err)
{
        struct mount_attr a = { .attr_set = set, .propagation = propagation };
        if (!set && !propagation)
                return 0;
        if (mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
                return herr_set(err, errno, "setting mount attributes");
        return 0;
}

static int bind_fd(const char *src, unsigned long flags, int recursive_ro, struct herr *err)
{
        int recursive = (flags & MS_REC) != 0;
        int mfd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (mfd < 0)
                return herr_set(err, errno, "bind source %s", src);
        /* Read-only applies to the whole tree where the kernel lets us: a
         * read-only bind that leaves a writable submount is a surprise. */
        if (set_attr(mfd, attr_of(flags), 0, recursive || recursive_ro, err) < 0) {
                close(mfd);
                return herr_wrap(err, "bind %s", src);
        }
        return mfd;
}

/* A bind that is to stay a slave (or peer) of the host's mount: a copy
 * made by open_tree lives in an anonymous namespace first and drops out
 * of the source's peer group, so this one goes through mount(2), onto
 * the target resolved inside the root (its /proc/self/fd link), and gets
 * its attributes on the new mount, resolved again. */
static int bind_keeping_peers(int rootfd, int target, const struct rt_mount *m, struct herr *err)
{
        _cleanup_free_ char *via = xasprintf("/proc/self/fd/%d", target);
        if (mount(m->source, via, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
                return herr_set(err, errno, "bind %s", m->source);
        _cleanup_close_ int top = rt_open_in_root(rootfd, m->destination, 0, 0, err);
        if (top < 0)
                return -1;
        if (set_attr(top, attr_of(m->flags), 0, (m->flags & MS_REC) || m->recursive_ro, err) < 0)
                return herr_wrap(err, "bind %s", m->source);
        _cleanup_free_ char *top_via = xasprintf("/proc/self/fd/%d", top);
        if (mount(NULL, top_via, NULL, m->propagation, NULL) < 0)
                return herr_set(err, errno, "setting the propagation of %s", m->destination);
        return 0;
}

/* A bind that asks for shared propagation is cloned (open_tree) while the
 * new namespace's mounts are still peers of the host's: a clone of a
 * shared mount joins its peer group, so what the container mounts there
 * reaches the host.  Made after the namespace turned slave, the bind would
 * copy a slave and only ever receive.  premade: that clone, or -1. */
static int wants_host_peer(const struct rt_mount *m)
{
        return (m->flags & MS_BIND) && (m->propagation & MS_SHARED);
}

static int do_mount(int rootfd, const struct oci_spec *s, const struct rt_mount *m, int premade, struct herr *err)
{
        _cleanup_close_ int mfd = premade;
        int is_bind = (m->flags & MS_BIND) != 0;
        int as_file = 0;
        if (is_bind) {
                struct stat st;
                if (stat(m->source, &st) < 0)
                        return herr_set(err, errno, "bind source %s", m->source);
                as_file = !S_ISDIR(st.st_mode);
        }
        _cleanup_close_ int target = rt_open_in_root(rootfd, m->destination, 1, as_file, err);
        if (target < 0)
                return -1;
        if (mfd >= 0)
                ;
        else if (is_bind && (m->propagation & (MS_SLAVE | MS_SHARED)))
                return bind_keeping_peers(rootfd, target, m, err);
        else if (is_bind)
                mfd = bind_fd(m->source, m->flags, m->recursive_ro, err);
        else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))
                return rt_cgroup_mount_sub(rootfd, m, rt_spec_has_ns(s, CLONE_NEWCGROUP) ? NULL : s->cgroups_path, err);
        else
                mfd = rt_fs_mount_fd(m->type, m->source, m->data, m->flags, err);
        if (mfd < 0)
                return -1;
        if (rt_attach(mfd, target, m->destination, err) < 0)
                return -1;
        if (m->propagation && set_attr(mfd, 0, m->propagation & ~MS_REC, (m->propagation & MS_REC) != 0, err) < 0)
                return -1;
        return 0;
}

/* Before Linux 6.8 there is no "lowerdir+", and fsconfig() refuses the
 * lowerdir of an image with more than a few layers (256 bytes at most);
 * mount(2) takes a page of options.  Safe: this runs in the container's
 * private mount namespace, so the mount is never seen on the host. */
static int mount_overlay_legacy(const struct oci_spec *s, struct herr *err)
{
        if (strlen(s->overlay) >= 4096)
                return herr_set(err, E2BIG, "root filesystem: overlay options of %zu bytes (too many layers)",
                                strlen(s->overlay));
        if (mount("overlay", s->root_path, "overlay", 0, s->overlay) < 0)
                return herr_set(err, errno, "root filesystem: mounting overlay");
        return 0;
}

static int mount_rootfs(const struct oci_spec *s, struct herr *err)
{
        _cleanup_close_ int target = open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (target < 0)
                return herr_set(err, errno, "root %s", s->root_path);
        _cleanup_close_ int mfd = -EBADF;
        if (s->overlay) {
                mfd = rt_fs_mount_fd("overlay", "overlay", s->overlay, 0, err);
                if (mfd < 0 && err->errnum == EINVAL && strlen(s->overlay) > 255)
                        return mount_overlay_legacy(s, err);
        } else {
                mfd = bind_fd(s->root_path, MS_BIND | MS_REC, 0, err);
        }
        if (mfd < 0)
                return herr_wrap(err, "root filesystem");
        if (rt_attach(mfd, target, "the root filesystem", err) < 0)
                return -1;
        return 0;
}

static int pivot(const char *root, struct herr *err)
{
        _cleanup_close_ int fd = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fchdir(fd) < 0)
                return herr_set(err, errno, "entering %s", root);
        /* pivot_root(".", ".") stacks the old root under the new one; the
         * detach below then removes every host mount from our view. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return herr_set(err, errno, "pivot_root to %s", root);
        if (umount2(".", MNT_DETACH) < 0)
                return herr_set(err, errno, "detaching the old root");
        if (chdir("/") < 0)
                return herr_set(err, errno, "entering the new root");
        return 0;
}

static int wants_host_events(const struct oci_spec *s)
{
        if (s->rootfs_propagation & (MS_SLAVE | MS_SHARED))
                return 1;
        for (size_t i = 0; i < s->n_mounts; i++)
                if (s->mounts[i].propagation & (MS_SLAVE | MS_SHARED))
                        return 1;
        return 0;
}

static void close_all(int **fds)
{
        for (size_t i = 0; *fds && (*fds)[i] != -2; i++)
                if ((*fds)[i] >= 0)
                        close((*fds)[i]);
        free(*fds);
}

int rt_rootfs_prepare(const struct oci_spec *s, struct herr *err)
{
        __attribute__((cleanup(close_all))) int *early = calloc(s->n_mounts + 1, sizeof(int));
        if (!early)
                return herr_set(err, ENOMEM, "mounts");
        for (size_t i = 0; i < s->n_mounts; i++) {
                early[i] = -1;
                if (wants_host_peer(&s->mounts[i]) &&
                    (early[i] = bind_fd(s->mounts[i].source, s->mounts[i].flags, s->mounts[i].recursive_ro, err)) < 0)
                        return herr_wrap(err, "mount %s", s->mounts[i].destination);
        }
        early[s->n_mounts] = -2;
        /* Private before anything is mounted: nothing we do may propagate
         * back to the host's mount namespace.  A config that asks for
         * slave or shared propagation gets slave instead (as runc's
         * default): the host's mounts still reach the container, nothing
         * travels back. */
        unsigned long first = wants_host_events(s) ? MS_SLAVE : MS_PRIVATE;
        if (mount(NULL, "/", NULL, MS_REC | first, NULL) < 0)
                return herr_set(err, errno, "making the mount namespace private");
        if (mount_rootfs(s, err) < 0)
                return -1;
        if (s->has_rootfs_propagation && !(s->rootfs_propagation & MS_SHARED) &&
            mount(NULL, s->root_path, NULL, s->rootfs_propagation, NULL) < 0)
                return herr_set(err, errno, "setting the root propagation");
        _cleanup_close_ int rootfd = open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return herr_set(err, errno, "opening the root %s", s->root_path);
        for (size_t i = 0; i < s->n_mounts; i++)
                if (do_mount(rootfd, s, &s->mounts[i], TAKE_FD(early[i]), err) < 0)
                        return herr_wrap(err, "mount %s", s->mounts[i].destination);
        if (rt_devices_create(rootfd, s, err) < 0)
                return -1;
        if (s->sysctl && rt_sysctl_apply(rootfd, s->sysctl, err) < 0)
                return -1;
        /* The working directory is made, as root, when the image lacks it
         * (as Docker does); resolving it inside the root means a cwd such as
         * /proc/self/fd/N or ../.. can only ever land inside. */
        _cleanup_close_ int cwd = rt_open_in_root(rootfd, s->process.cwd, 1, 0, err);
        if (cwd < 0)
                return herr_wrap(err, "working directory");
        return 0;
}

/* --no-pivot (a root on a ramdisk, where pivot_root is refused): move the
 * root over / and chroot.  Weaker, as in runc: the old root stays
 * reachable to a process that may chroot again. */
static int move_root(const char *root, struct herr *err)
{
        if (chdir(root) < 0)
                return herr_set(err, errno, "entering %s", root);
        if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
                return herr_set(err, errno, "moving the root %s to /", root);
        if (chroot(".") < 0 || chdir("/") < 0)
                return herr_set(err, errno, "chroot to %s", root);
        return 0;
}

int rt_rootfs_pivot(const struct oci_spec *s, int no_pivot, struct herr *err)
{
        return no_pivot ? move_root(s->root_path, err) : pivot(s->root_path, err);
}

int rt_rootfs_setup(const struct oci_spec *s, struct herr *err)
{
        if (rt_rootfs_prepare(s, err) < 0)
                return -1;
        return rt_rootfs_pivot(s, 0, err);
}

int rt_bind_over(const char *src, const char *dst, int readonly, struct herr *err)
{
        _cleanup_close_ int target = open(dst, O_PATH | O_CLOEXEC);
        if (target < 0)
                return herr_set(err, errno, "%s", dst);
        _cleanup_close_ int mfd = bind_fd(src, MS_BIND | (readonly ? MS_RDONLY : 0), 0, err);
        if (mfd < 0)
                return -1;
        return rt_attach(mfd, target, dst, err);
}

static int mask_path(const char *path, struct herr *err)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : herr_set(err, errno, "masking %s", path);
        _cleanup_close_ int target = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0)
                return herr_set(err, errno, "masking %s", path);
        _cleanup_close_ int mfd = S_ISDIR(st.st_mode)
                                          ? rt_fs_mount_fd("tmpfs", "tmpfs", NULL, MS_RDONLY, err)
                                          : bind_fd("/dev/null", MS_BIND, 0, err);
        if (mfd < 0)
                return herr_wrap(err, "masking %s", path);
        return rt_attach(mfd, target, path, err);
}

static int readonly_path(const char *path, struct herr *err)
{
        _cleanup_close_ int mfd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (mfd < 0)
                return errno == ENOENT ? 0 : herr_set(err, errno, "read-only path %s", path);
        if (set_attr(mfd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0, 1, err) < 0)
                return herr_wrap(err, "read-only path %s", path);
        _cleanup_close_ int target = open(path, O_PATH | O_CLOEXEC);
        if (target < 0)
                return herr_set(err, errno, "read-only path %s", path);
        return rt_attach(mfd, target, path, err);
}

int rt_rootfs_finish(const struct oci_spec *s, struct herr *err)
{
        for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++)
                if (mask_path(s->masked_paths[i], err) < 0)
                        return -1;
        for (size_t i = 0; s->readonly_paths && s->readonly_paths[i]; i++)
                if (readonly_path(s->readonly_paths[i], err) < 0)
                        return -1;
        if (s->root_readonly) {
                /* Only the root mount itself: volumes and tmpfs mounts below
                 * stay writable, as --read-only promises. */
                struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
                if (mount_setattr(AT_FDCWD, "/", 0, &a, sizeof a) < 0)
                        return herr_set(err, errno, "making the root read-only");
        }
        /* Shared only now: pivot_root refuses a shared new root.  The
         * other kinds went on the root before the config's mounts, which
         * keep their own propagation. */
        if (s->has_rootfs_propagation && (s->rootfs_propagation & MS_SHARED) &&
            mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
                return herr_set(err, errno, "setting the root propagation");
        return 0;
}
