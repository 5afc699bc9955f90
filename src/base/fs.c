#include "base/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"

char *xasprintf(const char *fmt, ...)
{
        char *s;
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return s;
}

char *xstrdup(const char *s)
{
        char *d = strdup(s);
        if (!d)
                abort();
        return d;
}

int mkdir_p(const char *path, mode_t mode, struct herr *err)
{
        _cleanup_free_ char *p = xstrdup(path);
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return herr_set(err, errno, "creating directory %s", p);
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return herr_set(err, errno, "creating directory %s", p);
        return 0;
}

int fd_write_all(int fd, const void *data, size_t len)
{
        const char *p = data;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int fd_pwrite_all(int fd, const void *data, size_t len, off_t off)
{
        const char *p = data;
        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (n == 0)
                                errno = EIO;
                        return -1;
                }
                p += n;
                off += n;
                len -= (size_t)n;
        }
        return 0;
}

void fd_writeback(int fd, long long *flushed, long long written)
{
        if (written - *flushed < FD_WRITEBACK_STEP)
                return;
        sync_file_range(fd, *flushed, written - *flushed, SYNC_FILE_RANGE_WRITE);
        *flushed = written;
}

int fd_read_all(int fd, void *data, size_t len)
{
        char *p = data;
        while (len > 0) {
                ssize_t n = read(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (n == 0)
                                errno = EPIPE;
                        return -1;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int write_file_new(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                   struct herr *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return herr_set(err, errno, "creating %s", name);
        if (fd_write_all(fd, data, len) < 0)
                return herr_set(err, errno, "writing %s", name);
        return 0;
}

int write_file_atomic(int dirfd, const char *name, const void *data, size_t len,
                      mode_t mode, int durable, struct herr *err)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", name, (int)getpid());
        _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return herr_set(err, errno, "creating %s", tmp);
        if (fd_write_all(fd, data, len) < 0) {
                int e = errno;
                unlinkat(dirfd, tmp, 0);
                return herr_set(err, e, "writing %s", tmp);
        }
        if (durable && fsync(fd) < 0) {
                int e = errno;
                unlinkat(dirfd, tmp, 0);
                return herr_set(err, e, "syncing %s", tmp);
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                int e = errno;
                unlinkat(dirfd, tmp, 0);
                return herr_set(err, e, "renaming %s", tmp);
        }
        return 0;
}

int read_fd(int fd, char **ret, size_t *ret_len, struct herr *err)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return herr_set(err, ENOMEM, "reading");
        for (;;) {
                if (len + 1 >= cap) {
                        char *nb = realloc(buf, cap *= 2);
                        if (!nb)
                                return herr_set(err, ENOMEM, "reading");
                        buf = nb;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return herr_set(err, errno, "reading");
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_file_at(int dirfd, const char *name, char **ret, size_t *ret_len, struct herr *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", name);
        if (read_fd(fd, ret, ret_len, err) < 0)
                return herr_wrap(err, "%s", name);
        return 0;
}

/* Where a directory sits: its device and, where the kernel tells
 * (STATX_MNT_ID, Linux 5.8), its mount.  A bind mount of a directory of
 * the same filesystem has the same device, so the device alone would
 * not see it. */
struct mnt_key {
        dev_t dev;
        uint64_t mnt_id;        /* 0 when unknown */
};

static int mnt_key_at(int dirfd, const char *name, struct mnt_key *ret)
{
        struct statx stx;
        if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH), STATX_MNT_ID, &stx) < 0)
                return -1;
        ret->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
        ret->mnt_id = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
        return 0;
}

static int rm_children(int dfd, const struct mnt_key *top, struct herr *err)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return herr_set(err, errno, "listing directory");
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return herr_set(err, errno, "inspecting %s", de->d_name);
                }
                if (S_ISDIR(st.st_mode)) {
                        struct mnt_key k = { st.st_dev, 0 };
                        if (top->mnt_id && mnt_key_at(dirfd(d), de->d_name, &k) < 0)
                                return herr_set(err, errno, "inspecting %s", de->d_name);
                        if (k.dev != top->dev || (top->mnt_id && k.mnt_id != top->mnt_id))
                                return herr_set(err, EBUSY, "refusing to remove %s: a mount point",
                                                de->d_name);
                        int cfd = openat(dirfd(d), de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (cfd < 0)
                                return herr_set(err, errno, "opening %s", de->d_name);
                        if (rm_children(cfd, top, err) < 0)
                                return herr_wrap(err, "%s", de->d_name);
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0)
                                return herr_set(err, errno, "removing %s", de->d_name);
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                        return herr_set(err, errno, "removing %s", de->d_name);
                }
        }
        return 0;
}

int rm_rf_at(int dirfd, const char *name, struct herr *err)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return herr_set(err, errno, "inspecting %s", name);
        }
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                        return herr_set(err, errno, "removing %s", name);
                return 0;
        }
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", name);
        struct mnt_key top = { st.st_dev, 0 };
        if (mnt_key_at(fd, "", &top) < 0)
                top.dev = st.st_dev;
        if (rm_children(fd, &top, err) < 0)
                return herr_wrap(err, "removing %s", name);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return herr_set(err, errno, "removing %s", name);
        return 0;
}

int rm_rf(const char *path, struct herr *err)
{
        return rm_rf_at(AT_FDCWD, path, err);
}

const char *self_dir(void)
{
        static char dir[PATH_MAX];
        if (dir[0])
                return dir;
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        if (n <= 0) {
                strcpy(dir, ".");
                return dir;
        }
        dir[n] = '\0';
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir)
                *slash = '\0';
        return dir;
}
