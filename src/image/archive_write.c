/* Writing tar streams: a directory tree (export, commit), a list of files
 * (save), and plain decompression.  Part of hull-archive.so.
 *
 * The tree is walked with *at() calls from one directory fd and nothing
 * is followed: a symlink is written as a symlink, and a directory that is
 * a mount point of something else (st_dev differs) is written empty, so
 * that no path ever leads outside the tree being archived. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/sha256.h"
#include "image/archive_module.h"
#include "image/archive_write.h"
#include "image/whiteout.h"

#define BUF_SIZE (128 * 1024)

struct out_sink {
        int fd;
        struct sha256 hash;
        long long size;
};

static void write_freep(struct archive **a)
{
        if (*a)
                archive_write_free(*a);
}
#define _cleanup_archive_write_ _cleanup_(write_freep)

static void resolver_freep(struct archive_entry_linkresolver **r)
{
        if (*r)
                archive_entry_linkresolver_free(*r);
}

static void entry_freep(struct archive_entry **e)
{
        if (*e)
                archive_entry_free(*e);
}
#define _cleanup_entry_ _cleanup_(entry_freep)

static la_ssize_t sink_write(struct archive *a, void *data, const void *buf, size_t len)
{
        struct out_sink *s = data;
        const char *p = buf;
        size_t left = len;
        while (left > 0) {
                ssize_t n = write(s->fd, p, left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        archive_set_error(a, errno, "writing tar");
                        return -1;
                }
                p += n;
                left -= (size_t)n;
        }
        sha256_add(&s->hash, buf, len);
        s->size += (long long)len;
        return (la_ssize_t)len;
}

static int write_fail(struct archive *a, const char *what, struct herr *err)
{
        int e = archive_errno(a);
        if (e == EILSEQ || e == EINVAL || e < 0)
                e = 0;
        return herr_set(err, e, "%s: %s", what, archive_error_string(a) ?: "unknown error");
}

/* Plain (PAX where needed) tar with one 512-byte record at the end: the
 * stream's digest is the layer's diff_id, so it must not depend on
 * libarchive's block padding choices more than necessary. */
static int open_writer(struct out_sink *s, struct archive **ret, struct herr *err)
{
        _cleanup_archive_write_ struct archive *a = archive_write_new();
        if (!a)
                return herr_set(err, ENOMEM, "writing tar");
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_set_bytes_per_block(a, 10240) != ARCHIVE_OK ||
            archive_write_open2(a, s, NULL, sink_write, NULL, NULL) != ARCHIVE_OK)
                return write_fail(a, "opening tar", err);
        *ret = TAKE_PTR(a);
        return 0;
}

/* Copy exactly size bytes from fd: a file that shrank while we read it
 * is padded with zeros, one that grew is cut, so the header stays true. */
static int copy_data(struct archive *a, int fd, long long size, struct herr *err)
{
        _cleanup_free_ char *buf = malloc(BUF_SIZE);
        long long done = 0;
        if (!buf)
                return herr_set(err, ENOMEM, "writing tar");
        while (done < size) {
                size_t want = size - done < BUF_SIZE ? (size_t)(size - done) : BUF_SIZE;
                ssize_t n = read(fd, buf, want);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return herr_set(err, errno, "reading file");
                if (n == 0) {
                        memset(buf, 0, want);
                        n = (ssize_t)want;
                }
                if (archive_write_data(a, buf, (size_t)n) < 0)
                        return write_fail(a, "writing tar", err);
                done += n;
        }
        return 0;
}

struct walk {
        struct archive *a;
        struct archive_entry_linkresolver *links;
        unsigned flags;
        dev_t dev;
};

static int add_xattrs(struct archive_entry *e, int fd, struct herr *err)
{
        char names[8192];
        ssize_t n = flistxattr(fd, names, sizeof names);
        if (n < 0)
                return errno == ENOTSUP || errno == EBADF ? 0 : herr_set(err, errno, "listing xattrs");
        for (char *k = names; k < names + n; k += strlen(k) + 1) {
                char val[4096];
                if (!strncmp(k, "trusted.overlay.", 16))
                        continue;       /* overlayfs bookkeeping, not content */
                ssize_t vl = fgetxattr(fd, k, val, sizeof val);
                if (vl >= 0)
                        archive_entry_xattr_add_entry(e, k, val, (size_t)vl);
        }
        return 0;
}

static int is_opaque(int fd)
{
        char v[2];
        return fgetxattr(fd, OVERLAY_OPAQUE_XATTR, v, sizeof v) == 1 && v[0] == 'y';
}

static int write_plain(struct walk *w, const char *path, int fd, const struct stat *st, const char *target,
                       struct herr *err)
{
        _cleanup_entry_ struct archive_entry *e = archive_entry_new();
        struct archive_entry *sparse = NULL;
        if (!e)
                return herr_set(err, ENOMEM, "writing tar");
        archive_entry_set_pathname(e, path);
        archive_entry_copy_stat(e, st);
        archive_entry_set_uname(e, "");
        archive_entry_set_gname(e, "");
        if (target)
                archive_entry_set_symlink(e, target);
        if (fd >= 0 && add_xattrs(e, fd, err) < 0)
                return -1;
        if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
                archive_entry_linkify(w->links, &e, &sparse);
                if (!e)
                        return 0;       /* never happens with the tar strategy, kept for safety */
        }
        if (archive_write_header(w->a, e) != ARCHIVE_OK)
                return write_fail(w->a, path, err);
        long long size = archive_entry_size(e);
        if (S_ISREG(st->st_mode) && size > 0 && fd >= 0)
                return copy_data(w->a, fd, size, err);
        return 0;
}

static int write_marker(struct walk *w, const char *path, const struct stat *st, struct herr *err)
{
        _cleanup_entry_ struct archive_entry *e = archive_entry_new();
        if (!e)
                return herr_set(err, ENOMEM, "writing tar");
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 0);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
        if (archive_write_header(w->a, e) != ARCHIVE_OK)
                return write_fail(w->a, path, err);
        return 0;
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(int dfd, char ***ret, struct herr *err)
{
        int fd = dup(dfd);
        if (fd < 0)
                return herr_set(err, errno, "reading directory");
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return herr_set(err, errno, "reading directory");
        }
        size_t n = 0, cap = 16;
        char **v = calloc(cap + 1, sizeof *v);
        struct dirent *de;
        if (!v)
                return herr_set(err, ENOMEM, "reading directory");
        while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                if (n == cap) {
                        char **nv = realloc(v, (2 * cap + 1) * sizeof *v);
                        if (!nv) {
                                strv_free(v);
                                return herr_set(err, ENOMEM, "reading directory");
                        }
                        v = nv;
                        cap *= 2;
                }
                v[n] = strdup(de->d_name);
                if (!v[n]) {
                        strv_free(v);
                        return herr_set(err, ENOMEM, "reading directory");
                }
                v[++n] = NULL;
        }
        qsort(v, n, sizeof *v, cmp_names);
        *ret = v;
        return 0;
}

static int walk_dir(struct walk *w, int dfd, const char *prefix, struct herr *err);

static int path_join(char out[PATH_MAX], const char *a, const char *b, const char *c, struct herr *err)
{
        int n = snprintf(out, PATH_MAX, "%s%s%s", a, b, c);
        if (n < 0 || n >= PATH_MAX)
                return herr_set(err, ENAMETOOLONG, "%s%s", a, b);
        return 0;
}

static int walk_entry(struct walk *w, int dfd, const char *prefix, const char *name, struct herr *err)
{
        char path[PATH_MAX];
        struct stat st;
        if (path_join(path, prefix, name, "", err) < 0)
                return -1;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : herr_set(err, errno, "%s", path);
        if ((w->flags & HULL_TAR_SKIP_MOUNT_TARGETS) && S_ISREG(st.st_mode) && st.st_size == 0 &&
            (!strcmp(path, "etc/hostname") || !strcmp(path, "etc/hosts") || !strcmp(path, "etc/resolv.conf")))
                return 0;
        if ((w->flags & HULL_TAR_LAYER) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                char wh[PATH_MAX];
                if (path_join(wh, prefix, WHITEOUT_PREFIX, name, err) < 0)
                        return -1;
                return write_marker(w, wh, &st, err);
        }
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
                if (n < 0)
                        return herr_set(err, errno, "%s", path);
                target[n] = '\0';
                return write_plain(w, path, -1, &st, target, err);
        }
        if (S_ISSOCK(st.st_mode))
                return 0;       /* a socket has no content to keep */
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
                return write_plain(w, path, -1, &st, NULL, err);
        int oflags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0);
        _cleanup_close_ int fd = openat(dfd, name, oflags);
        if (fd < 0)
                return errno == ENOENT ? 0 : herr_set(err, errno, "opening %s", path);
        if (write_plain(w, path, fd, &st, NULL, err) < 0)
                return -1;
        if (!S_ISDIR(st.st_mode) || st.st_dev != w->dev)
                return 0;       /* a mount point's content belongs to what is mounted there */
        char sub[PATH_MAX];
        if (path_join(sub, path, "/", "", err) < 0)
                return -1;
        if ((w->flags & HULL_TAR_LAYER) && is_opaque(fd)) {
                char opq[PATH_MAX];
                if (path_join(opq, sub, WHITEOUT_OPAQUE, "", err) < 0 || write_marker(w, opq, &st, err) < 0)
                        return -1;
        }
        return walk_dir(w, fd, sub, err);
}

static int walk_dir(struct walk *w, int dfd, const char *prefix, struct herr *err)
{
        _cleanup_strv_ char **names = NULL;
        if (list_dir(dfd, &names, err) < 0)
                return herr_wrap(err, "%s", *prefix ? prefix : "/");
        for (size_t i = 0; names && names[i]; i++)
                if (walk_entry(w, dfd, prefix, names[i], err) < 0)
                        return -1;
        return 0;
}

static void digest_of(struct out_sink *s, struct hull_tar_result *ret)
{
        char hex[SHA256_HEX_LEN + 1];
        sha256_end_hex(&s->hash, hex);
        snprintf(ret->digest, sizeof ret->digest, "sha256:%s", hex);
        ret->size = s->size;
}

int tar_tree(int dirfd, int out_fd, unsigned flags, struct hull_tar_result *ret, struct herr *err)
{
        struct out_sink sink = { .fd = out_fd };
        _cleanup_archive_write_ struct archive *a = NULL;
        _cleanup_(resolver_freep) struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
        struct stat st;
        if (!links)
                return herr_set(err, ENOMEM, "writing tar");
        archive_entry_linkresolver_set_strategy(links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
        if (fstat(dirfd, &st) < 0)
                return herr_set(err, errno, "reading tree");
        sha256_begin(&sink.hash);
        if (open_writer(&sink, &a, err) < 0)
                return -1;
        struct walk w = { a, links, flags, st.st_dev };
        if (walk_dir(&w, dirfd, "", err) < 0)
                return -1;
        if (archive_write_close(a) != ARCHIVE_OK)
                return write_fail(a, "finishing tar", err);
        digest_of(&sink, ret);
        return 0;
}

int tar_members(int out_fd, const struct hull_tar_member *m, size_t n, struct herr *err)
{
        struct out_sink sink = { .fd = out_fd };
        _cleanup_archive_write_ struct archive *a = NULL;
        sha256_begin(&sink.hash);
        if (open_writer(&sink, &a, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                _cleanup_entry_ struct archive_entry *e = archive_entry_new();
                struct stat st;
                long long size = (long long)m[i].len;
                if (!e)
                        return herr_set(err, ENOMEM, "writing tar");
                if (m[i].fd >= 0) {
                        if (fstat(m[i].fd, &st) < 0 || lseek(m[i].fd, 0, SEEK_SET) < 0)
                                return herr_set(err, errno, "reading %s", m[i].name);
                        size = st.st_size;
                }
                archive_entry_set_pathname(e, m[i].name);
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_perm(e, 0644);
                archive_entry_set_size(e, size);
                archive_entry_set_mtime(e, 0, 0);
                if (archive_write_header(a, e) != ARCHIVE_OK)
                        return write_fail(a, m[i].name, err);
                if (m[i].fd >= 0) {
                        if (copy_data(a, m[i].fd, size, err) < 0)
                                return herr_wrap(err, "%s", m[i].name);
                } else if (m[i].len && archive_write_data(a, m[i].data, m[i].len) < 0) {
                        return write_fail(a, m[i].name, err);
                }
        }
        if (archive_write_close(a) != ARCHIVE_OK)
                return write_fail(a, "finishing tar", err);
        return 0;
}

static void read_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

int decompress(int in_fd, int out_fd, struct herr *err)
{
        __attribute__((cleanup(read_freep))) struct archive *a = archive_read_new();
        _cleanup_free_ char *buf = malloc(BUF_SIZE);
        struct archive_entry *e;
        if (!a || !buf)
                return herr_set(err, ENOMEM, "decompressing");
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        if (archive_read_open_fd(a, in_fd, BUF_SIZE) != ARCHIVE_OK ||
            archive_read_next_header(a, &e) != ARCHIVE_OK)
                return herr_set(err, 0, "decompressing: %s", archive_error_string(a) ?: "unknown error");
        for (;;) {
                la_ssize_t n = archive_read_data(a, buf, BUF_SIZE);
                if (n < 0)
                        return herr_set(err, 0, "decompressing: %s", archive_error_string(a) ?: "unknown error");
                if (n == 0)
                        return 0;
                for (la_ssize_t off = 0; off < n;) {
                        ssize_t w = write(out_fd, buf + off, (size_t)(n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return herr_set(err, errno, "writing decompressed data");
                        off += w;
                }
        }
}
