/* Copying a directory of the image's merged view (as overlayfs would show
 * it: upper layers first, whiteouts and opaque directories honoured) into
 * a new volume, keeping owners, modes, times and xattrs.  Nothing is
 * mounted and no symlink is followed: every source is opened relative to
 * its layer with O_NOFOLLOW, every destination relative to the volume. */
#include "image/image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strv.h"
#include "image/whiteout.h"

#define MAX_LAYERS 128

static int open_in(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
        };
        return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static int is_whiteout_st(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static int is_opaque(int fd)
{
        char v[2];
        return fgetxattr(fd, OVERLAY_OPAQUE_XATTR, v, sizeof v) == 1 && v[0] == 'y';
}

/* Whether this layer hides path in the layers below it: a whiteout or a
 * non-directory on the way, or an opaque directory at or above it. */
static int layer_hides(int layerfd, const char *path)
{
        _cleanup_free_ char *p = xstrdup(path);
        for (char *s = p;; s++) {
                char save = *s;
                if (save != '/' && save != '\0')
                        continue;
                *s = '\0';
                struct stat st;
                _cleanup_close_ int fd = open_in(layerfd, *p ? p : ".", O_PATH | O_NOFOLLOW);
                if (fd >= 0 && fstat(fd, &st) == 0) {
                        if (!S_ISDIR(st.st_mode))
                                return 1;
                        _cleanup_close_ int rd = open_in(layerfd, *p ? p : ".", O_RDONLY | O_DIRECTORY);
                        if (*p && rd >= 0 && is_opaque(rd))
                                return 1;
                }
                *s = save;
                if (!save)
                        return 0;
        }
}

static int copy_xattrs(int src, int dst)
{
        char list[4096], val[4096];
        ssize_t n = flistxattr(src, list, sizeof list);
        for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
                const char *k = list + off;
                if (!strncmp(k, "trusted.overlay.", 16))
                        continue;
                ssize_t vl = fgetxattr(src, k, val, sizeof val);
                if (vl >= 0 && fsetxattr(dst, k, val, (size_t)vl, 0) < 0 && errno != ENOTSUP)
                        return -1;
        }
        return 0;
}

static int copy_meta(int dst, const struct stat *st, int src)
{
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        /* chown before chmod: a chown clears set-id bits. */
        if (fchown(dst, st->st_uid, st->st_gid) < 0 || fchmod(dst, st->st_mode & 07777) < 0 ||
            (src >= 0 && copy_xattrs(src, dst) < 0))
                return -1;
        return futimens(dst, ts);
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
        _cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (in < 0 || out < 0)
                return -1;
        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
                if (n == 0)
                        break;
                if (n < 0) {
                        char buf[65536];
                        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL)
                                return -1;
                        ssize_t r;
                        while ((r = read(in, buf, sizeof buf)) > 0)
                                if (write(out, buf, (size_t)r) != r)
                                        return -1;
                        if (r < 0)
                                return -1;
                        break;
                }
        }
        return copy_meta(out, st, in);
}

static int copy_entry(int *srcs, size_t n, size_t top, int ddir, const char *name, const struct stat *st);

/* srcs: this directory in each contributing layer, top first. */
static int copy_merged(int *srcs, size_t n, int ddir)
{
        _cleanup_strv_ char **seen = calloc(1, sizeof(char *));
        for (size_t li = 0; li < n; li++) {
                int fd = dup(srcs[li]);
                if (fd < 0)
                        return -1;
                lseek(fd, 0, SEEK_SET);
                _cleanup_closedir_ DIR *d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        return -1;
                }
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                            !strncmp(de->d_name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) ||
                            strv_contains(seen, de->d_name))
                                continue;
                        strv_push(&seen, de->d_name);
                        struct stat st;
                        if (fstatat(srcs[li], de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return -1;
                        if (is_whiteout_st(&st))
                                continue;
                        if (copy_entry(srcs, n, li, ddir, de->d_name, &st) < 0)
                                return -1;
                }
        }
        return 0;
}

static int copy_dir_into(int *sub, size_t k, int ddir, const char *name, const struct stat *st)
{
        if (mkdirat(ddir, name, 0700) < 0)
                return -1;
        _cleanup_close_ int dfd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 || copy_merged(sub, k, dfd) < 0 || copy_meta(dfd, st, k ? sub[0] : -1) < 0)
                return -1;
        return 0;
}

static int copy_dir(int *srcs, size_t n, size_t top, int ddir, const char *name, const struct stat *st)
{
        int sub[MAX_LAYERS];
        size_t k = 0;
        int r = -1;
        for (size_t lj = top; lj < n; lj++) {
                struct stat cst;
                if (fstatat(srcs[lj], name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (!S_ISDIR(cst.st_mode))
                        break;
                int fd = openat(srcs[lj], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        goto out;
                sub[k++] = fd;
                if (is_opaque(fd))
                        break;
        }
        r = copy_dir_into(sub, k, ddir, name, st);
out:
        for (size_t i = 0; i < k; i++)
                close(sub[i]);
        return r;
}

static int copy_entry(int *srcs, size_t n, size_t top, int ddir, const char *name, const struct stat *st)
{
        if (S_ISDIR(st->st_mode))
                return copy_dir(srcs, n, top, ddir, name, st);
        if (S_ISREG(st->st_mode))
                return copy_file(srcs[top], ddir, name, st);
        if (S_ISLNK(st->st_mode)) {
                char target[4096];
                ssize_t l = readlinkat(srcs[top], name, target, sizeof target - 1);
                if (l < 0)
                        return -1;
                target[l] = '\0';
                struct timespec ts[2] = { st->st_atim, st->st_mtim };
                if (symlinkat(target, ddir, name) < 0 ||
                    fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -1;
                return utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
        }
        /* Devices, fifos, sockets. */
        if (mknodat(ddir, name, st->st_mode, st->st_rdev) < 0)
                return -1;
        _cleanup_close_ int fd = openat(ddir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchownat(fd, "", st->st_uid, st->st_gid, AT_EMPTY_PATH) < 0)
                return -1;
        return 0;
}

int image_copy_dir(const struct image *img, const char *path, int dstfd, struct herr *err)
{
        while (*path == '/')
                path++;
        size_t nl = strv_len(img->layers);
        int srcs[MAX_LAYERS];
        size_t n = 0;
        int r = -1;
        if (nl > MAX_LAYERS)
                return herr_set(err, 0, "copying /%s from the image: more than %d layers", path, MAX_LAYERS);
        for (size_t i = nl; i > 0; i--) {
                _cleanup_close_ int layer = open(img->layers[i - 1], O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (layer < 0) {
                        herr_set(err, errno, "opening layer %s", img->layers[i - 1]);
                        goto out;
                }
                struct stat st;
                _cleanup_close_ int p = open_in(layer, path, O_PATH | O_NOFOLLOW);
                if (p >= 0 && fstat(p, &st) == 0) {
                        if (!S_ISDIR(st.st_mode))
                                break;
                        int fd = open_in(layer, path, O_RDONLY | O_DIRECTORY);
                        if (fd < 0) {
                                herr_set(err, errno, "reading /%s from the image", path);
                                goto out;
                        }
                        srcs[n++] = fd;
                        if (is_opaque(fd))
                                break;
                }
                if (layer_hides(layer, path))
                        break;
        }
        struct stat top;
        if (copy_merged(srcs, n, dstfd) < 0 ||
            (n > 0 && (fstat(srcs[0], &top) < 0 || copy_meta(dstfd, &top, srcs[0]) < 0))) {
                herr_set(err, errno, "copying /%s from the image", path);
                goto out;
        }
        r = 0;
out:
        for (size_t i = 0; i < n; i++)
                close(srcs[i]);
        return r;
}

int image_path_stat(const struct image *img, const char *path, struct stat *ret)
{
        while (*path == '/')
                path++;
        for (size_t i = strv_len(img->layers); i > 0; i--) {
                _cleanup_close_ int layer = open(img->layers[i - 1], O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (layer < 0)
                        return -1;
                _cleanup_close_ int p = open_in(layer, path, O_PATH | O_NOFOLLOW);
                if (p >= 0 && fstat(p, ret) == 0)
                        return is_whiteout_st(ret) ? -1 : 0;
                if (layer_hides(layer, path))
                        return -1;
        }
        return -1;
}

int image_path_type(const struct image *img, const char *path)
{
        struct stat st;
        return image_path_stat(img, path, &st) < 0 ? 0 : (int)(st.st_mode & S_IFMT);
}
