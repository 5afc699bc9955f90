/* Extraction with *at() calls relative to the layer root.
 *
 * Why not archive_write_disk(): it works on paths relative to the current
 * directory and checks for symlinks before it opens them, which is racy
 * and process-global.  Here every directory is opened with openat2()
 * RESOLVE_IN_ROOT, so a symlink in the layer ("/etc", "../../..") is
 * followed the way the container will follow it, inside the layer, and
 * the final component is always created relative to that directory fd
 * without following anything. */
#include "image/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "image/whiteout.h"

struct dir_meta {
        char *path;
        mode_t mode;
        struct timespec mtime;
};

struct unpack {
        int rootfd;
        long long size;
        struct dir_meta *dirs;  /* modes and times applied last: creating */
        size_t ndirs, cap;      /* entries inside a directory changes its mtime */
};

int unpack_new(int rootfd, struct unpack **ret, struct herr *err)
{
        struct unpack *u = calloc(1, sizeof *u);
        if (!u)
                return herr_set(err, ENOMEM, "unpacking");
        u->rootfd = rootfd;
        *ret = u;
        return 0;
}

void unpack_free(struct unpack *u)
{
        if (!u)
                return;
        for (size_t i = 0; i < u->ndirs; i++)
                free(u->dirs[i].path);
        free(u->dirs);
        free(u);
}

long long unpack_size(const struct unpack *u)
{
        return u->size;
}

/* Resolve path as if the layer root were "/".  NO_MAGICLINKS keeps
 * /proc-style links from jumping out; NO_XDEV keeps us on the store's
 * filesystem. */
static int open_in_root(int rootfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (unsigned long long)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* "./a//b/" -> "a/b"; "" for the root itself.  ".." and absolute names
 * are refused, not clamped: no sane layer builder makes them, and an
 * entry that means something else than it says is an attack. */
static int clean_path(const char *in, char *out, size_t size, struct herr *err)
{
        if (in[0] == '/')
                return herr_set(err, 0, "refusing absolute path");
        size_t n = 0;
        for (const char *c = in; *c;) {
                const char *end = strchrnul(c, '/');
                size_t len = (size_t)(end - c);
                if (len == 2 && c[0] == '.' && c[1] == '.')
                        return herr_set(err, 0, "refusing path containing \"..\"");
                if (len > 0 && !(len == 1 && c[0] == '.')) {
                        if (n + len + 2 > size)
                                return herr_set(err, ENAMETOOLONG, "path");
                        if (n)
                                out[n++] = '/';
                        memcpy(out + n, c, len);
                        n += len;
                }
                c = *end ? end + 1 : end;
        }
        out[n] = '\0';
        return 0;
}

/* mkdirat(), then mode 0755 whatever the umask.  EEXIST is left to the
 * caller's next lookup; the mode is set through an O_NOFOLLOW fd, since
 * what exists under that name may be a symlink pointing anywhere (it is
 * resolved on the host, not in the layer, by anything but openat2). */
static int mkdir_fixed(int dirfd, const char *name)
{
        if (mkdirat(dirfd, name, 0755) < 0)
                return errno == EEXIST ? 0 : -1;
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchmod(fd, 0755) < 0)
                return -1;
        return 0;
}

/* Tars may leave parent directories out; make them 0755 as Docker does.
 * Each prefix is resolved in the root, and mkdirat() never follows its
 * last component, so an existing symlink cannot lead outside. */
static int mkdir_in_root(int rootfd, const char *dir)
{
        _cleanup_free_ char *p = strdup(dir);
        if (!p) {
                errno = ENOMEM;
                return -1;
        }
        _cleanup_close_ int prev = open_in_root(rootfd, ".", O_PATH | O_DIRECTORY);
        if (prev < 0)
                return -1;
        for (char *comp = p;;) {
                char *slash = strchr(comp, '/');
                if (slash)
                        *slash = '\0';
                int fd = open_in_root(rootfd, p, O_PATH | O_DIRECTORY);
                if (fd < 0 && errno == ENOENT) {
                        if (mkdir_fixed(prev, comp) < 0)
                                return -1;
                        fd = open_in_root(rootfd, p, O_PATH | O_DIRECTORY);
                }
                if (fd < 0)
                        return -1;
                close(prev);
                prev = fd;
                if (!slash)
                        return TAKE_FD(prev);
                *slash = '/';
                comp = slash + 1;
        }
}

/* Split path (cleaned, not empty) into its directory, opened O_PATH, and
 * *ret_base pointing at the last component inside path. */
static int open_parent(int rootfd, char *path, bool create, const char **ret_base, struct herr *err)
{
        char *slash = strrchr(path, '/');
        const char *dir = ".";
        *ret_base = path;
        if (slash) {
                *slash = '\0';
                dir = path;
                *ret_base = slash + 1;
        }
        int fd = open_in_root(rootfd, dir, O_PATH | O_DIRECTORY);
        if (fd < 0 && errno == ENOENT && create)
                fd = mkdir_in_root(rootfd, dir);
        int e = errno;
        if (fd < 0)
                herr_set(err, e, "opening directory %s", dir);
        if (slash)
                *slash = '/';
        return fd < 0 ? -e : fd;
}

/* A later entry replaces an earlier one of the same name, except that a
 * directory meets a directory by merging.  Returns 1 when an existing
 * directory is kept. */
static int make_room(int pfd, const char *name, bool want_dir, struct herr *err)
{
        struct stat st;
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return herr_set(err, errno, "inspecting %s", name);
        }
        if (want_dir && S_ISDIR(st.st_mode))
                return 1;
        return rm_rf_at(pfd, name, err);
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
        ts[1].tv_sec = archive_entry_mtime(e);
        ts[1].tv_nsec = archive_entry_mtime_nsec(e);
        ts[0] = ts[1];
        if (archive_entry_atime_is_set(e)) {
                ts[0].tv_sec = archive_entry_atime(e);
                ts[0].tv_nsec = archive_entry_atime_nsec(e);
        }
}

/* trusted.overlay.* from a tar would let a layer steer overlayfs itself
 * (redirects, metacopy, forged opaque directories): only whiteout
 * entries may produce those. */
static bool xattr_allowed(const char *key)
{
        return strncmp(key, "trusted.overlay.", 16) != 0;
}

/* fd >= 0: set on it; otherwise on pfd/name without following it.
 * ENOTSUP and EPERM are ignored as Docker does: not every filesystem
 * takes every namespace (user.* on a symlink, say), and the file is still
 * right without them. */
static int set_xattrs(int fd, int pfd, const char *name, struct archive_entry *e, struct herr *err)
{
        const char *key;
        const void *val;
        size_t len;
        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &key, &val, &len) == ARCHIVE_OK) {
                if (!xattr_allowed(key))
                        continue;
                int r;
                if (fd >= 0) {
                        r = fsetxattr(fd, key, val, len, 0);
                } else {
                        char p[PATH_MAX];
                        snprintf(p, sizeof p, "/proc/self/fd/%d/%s", pfd, name);
                        r = lsetxattr(p, key, val, len, 0);
                }
                if (r < 0 && errno != ENOTSUP && errno != EPERM)
                        return herr_set(err, errno, "setting xattr %s", key);
        }
        return 0;
}

/* Owner before xattrs and mode: chown() clears security.capability and
 * the set-id bits. */
static int finish_fd(int fd, struct archive_entry *e, struct herr *err)
{
        struct timespec ts[2];
        if (fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
                return herr_set(err, errno, "changing owner");
        if (set_xattrs(fd, -1, NULL, e, err) < 0)
                return -1;
        if (fchmod(fd, archive_entry_perm(e)) < 0)
                return herr_set(err, errno, "changing mode");
        entry_times(e, ts);
        if (futimens(fd, ts) < 0)
                return herr_set(err, errno, "setting times");
        return 0;
}

/* The same for what cannot be opened safely (symlinks, devices): by name
 * relative to pfd, never following it. */
static int finish_at(int pfd, const char *name, struct archive_entry *e, bool chmod, struct herr *err)
{
        struct timespec ts[2];
        if (fchownat(pfd, name, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
                return herr_set(err, errno, "changing owner");
        if (set_xattrs(-1, pfd, name, e, err) < 0)
                return -1;
        if (chmod && fchmodat(pfd, name, archive_entry_perm(e), AT_SYMLINK_NOFOLLOW) < 0)
                return herr_set(err, errno, "changing mode");
        entry_times(e, ts);
        if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return herr_set(err, errno, "setting times");
        return 0;
}

/* Blocks carry offsets, so holes of sparse files stay holes. */
static int write_data(struct archive *a, int fd, la_int64_t size, struct herr *err)
{
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(a, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r != ARCHIVE_OK)
                        return herr_set(err, 0, "reading data: %s", archive_error_string(a) ?: "unknown error");
                if (fd_pwrite_all(fd, buf, len, off) < 0)
                        return herr_set(err, errno, "writing data");
        }
        if (ftruncate(fd, size) < 0)
                return herr_set(err, errno, "setting size");
        return 0;
}

static int make_file(struct unpack *u, int pfd, const char *name, struct archive *a,
                     struct archive_entry *e, struct herr *err)
{
        if (make_room(pfd, name, false, err) < 0)
                return -1;
        _cleanup_close_ int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return herr_set(err, errno, "creating file");
        if (write_data(a, fd, archive_entry_size(e), err) < 0)
                return -1;
        u->size += archive_entry_size(e);
        return finish_fd(fd, e, err);
}

static int defer_dir(struct unpack *u, const char *path, struct archive_entry *e, struct herr *err)
{
        if (u->ndirs == u->cap) {
                size_t cap = u->cap ? 2 * u->cap : 64;
                struct dir_meta *d = realloc(u->dirs, cap * sizeof *d);
                if (!d)
                        return herr_set(err, ENOMEM, "unpacking");
                u->dirs = d;
                u->cap = cap;
        }
        struct dir_meta *d = &u->dirs[u->ndirs];
        struct timespec ts[2];
        entry_times(e, ts);
        d->path = strdup(path);
        if (!d->path)
                return herr_set(err, ENOMEM, "unpacking");
        d->mode = archive_entry_perm(e);
        d->mtime = ts[1];
        u->ndirs++;
        return 0;
}

/* Created 0700 and given its real mode at the end, so that a read-only
 * directory can still be filled without CAP_DAC_OVERRIDE. */
static int make_dir(struct unpack *u, int pfd, const char *path, const char *name,
                    struct archive_entry *e, struct herr *err)
{
        int r = make_room(pfd, name, true, err);
        if (r < 0)
                return -1;
        if (r == 0 && mkdirat(pfd, name, 0700) < 0)
                return herr_set(err, errno, "creating directory");
        _cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening directory");
        if (fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
                return herr_set(err, errno, "changing owner");
        if (set_xattrs(fd, -1, NULL, e, err) < 0)
                return -1;
        return defer_dir(u, path, e, err);
}

static int make_symlink(int pfd, const char *name, struct archive_entry *e, struct herr *err)
{
        const char *target = archive_entry_symlink(e);
        if (!target)
                return herr_set(err, 0, "symlink without a target");
        if (make_room(pfd, name, false, err) < 0)
                return -1;
        if (symlinkat(target, pfd, name) < 0)
                return herr_set(err, errno, "creating symlink");
        return finish_at(pfd, name, e, false, err);
}

static int make_node(int pfd, const char *name, struct archive_entry *e, struct herr *err)
{
        mode_t type = archive_entry_filetype(e);
        dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
        if (make_room(pfd, name, false, err) < 0)
                return -1;
        if (mknodat(pfd, name, type | 0600, type == AE_IFIFO ? 0 : dev) < 0)
                return herr_set(err, errno, "creating device node");
        return finish_at(pfd, name, e, true, err);
}

/* The target is resolved in the root like any other path, and linkat()
 * without AT_SYMLINK_FOLLOW links a symlink itself, never what it names. */
static int make_hardlink(struct unpack *u, int pfd, const char *name, const char *target,
                         struct herr *err)
{
        char tpath[PATH_MAX];
        const char *tbase;
        if (clean_path(target, tpath, sizeof tpath, err) < 0)
                return herr_wrap(err, "link target %s", target);
        if (!tpath[0])
                return herr_set(err, 0, "hard link to the layer root");
        _cleanup_close_ int tpfd = open_parent(u->rootfd, tpath, false, &tbase, err);
        if (tpfd < 0)
                return herr_wrap(err, "link target %s", target);
        struct stat a, b;
        if (fstatat(tpfd, tbase, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
            fstatat(pfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                return 0;
        if (make_room(pfd, name, false, err) < 0)
                return -1;
        if (linkat(tpfd, tbase, pfd, name, 0) < 0)
                return herr_set(err, errno, "linking to %s", target);
        return 0;
}

/* ".wh.NAME" -> character device 0:0 "NAME", overlayfs' whiteout. */
static int make_whiteout(int pfd, const char *name, struct archive_entry *e, struct herr *err)
{
        if (make_room(pfd, name, false, err) < 0)
                return -1;
        if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
                return herr_set(err, errno, "creating whiteout for %s", name);
        if (fchownat(pfd, name, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
                return herr_set(err, errno, "changing owner of whiteout %s", name);
        return 0;
}

/* ".wh..wh..opq" -> trusted.overlay.opaque=y on the directory holding it. */
static int make_opaque(int pfd, struct herr *err)
{
        _cleanup_close_ int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening directory");
        if (fsetxattr(fd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
                return herr_set(err, errno, "marking directory opaque");
        return 0;
}

static int make_entry(struct unpack *u, int pfd, const char *path, const char *base,
                      struct archive *a, struct archive_entry *e, struct herr *err)
{
        if (archive_entry_hardlink(e))
                return make_hardlink(u, pfd, base, archive_entry_hardlink(e), err);
        switch (archive_entry_filetype(e)) {
        case AE_IFDIR:
                return make_dir(u, pfd, path, base, e, err);
        case AE_IFREG:
                return make_file(u, pfd, base, a, e, err);
        case AE_IFLNK:
                return make_symlink(pfd, base, e, err);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return make_node(pfd, base, e, err);
        default:
                return 0;       /* sockets and the like: nothing to keep */
        }
}

int unpack_entry(struct unpack *u, struct archive *a, struct archive_entry *e, struct herr *err)
{
        const char *name = archive_entry_pathname(e);
        char path[PATH_MAX];
        if (!name)
                return herr_set(err, 0, "entry without a name");
        if (clean_path(name, path, sizeof path, err) < 0)
                return -1;
        if (!path[0])
                return 0;       /* the root: the layer directory keeps its own attributes */
        const char *base, *hidden = NULL;
        _cleanup_close_ int pfd = open_parent(u->rootfd, path, true, &base, err);
        if (pfd < 0)
                return -1;
        switch (whiteout_classify(base, &hidden)) {
        case WHITEOUT_FILE:
                return make_whiteout(pfd, hidden, e, err);
        case WHITEOUT_DIR_OPAQUE:
                return make_opaque(pfd, err);
        case WHITEOUT_META:
                return 0;
        case WHITEOUT_INVALID:
                return herr_set(err, 0, "bad whiteout name");
        case WHITEOUT_NONE:
                break;
        }
        return make_entry(u, pfd, path, base, a, e, err);
}

static int finish_dir(int rootfd, const struct dir_meta *d, struct herr *err)
{
        /* O_NOFOLLOW: a later entry may have replaced the directory with
         * a symlink, whose target must not get this mode. */
        _cleanup_close_ int fd = open_in_root(rootfd, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                        return 0;       /* replaced by a later entry */
                return herr_set(err, errno, "opening %s", d->path);
        }
        struct timespec ts[2] = { d->mtime, d->mtime };
        if (fchmod(fd, d->mode) < 0)
                return herr_set(err, errno, "changing mode of %s", d->path);
        if (futimens(fd, ts) < 0)
                return herr_set(err, errno, "setting times of %s", d->path);
        return 0;
}

int unpack_finish(struct unpack *u, struct herr *err)
{
        for (size_t i = 0; i < u->ndirs; i++)
                if (finish_dir(u->rootfd, &u->dirs[i], err) < 0)
                        return -1;
        return 0;
}
