/* Content by digest: blobs/sha256/<hex>. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "image/store.h"

char *blob_path(struct image_store *s, const char *digest)
{
        return xasprintf("%s/blobs/sha256/%s", s->dir, digest_hex(digest));
}

int blob_open(struct image_store *s, const char *digest, struct herr *err)
{
        _cleanup_free_ char *p = blob_path(s, digest);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening blob %s", digest);
        return fd;
}

static void unlink_tmp(char **p)
{
        if (*p) {
                unlink(*p);
                free(*p);
        }
}

int blob_exists(struct image_store *s, const char *digest)
{
        _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", digest_hex(digest));
        return faccessat(s->dirfd, rel, F_OK, 0) == 0;
}

static int blob_rename(struct image_store *s, const char *tmp, const char *digest, struct herr *err)
{
        _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", digest_hex(digest));
        int existed = faccessat(s->dirfd, rel, F_OK, 0) == 0;
        if (renameat(AT_FDCWD, tmp, s->dirfd, rel) < 0)
                return herr_set(err, errno, "storing blob %s", digest);
        if (!existed)
                store_txn_note(s, rel);
        return 0;
}

/* A blob is named by its digest only once all of it is on disk: synced,
 * then renamed into place.  Renaming over an existing blob of the same
 * name changes nothing, since the content is the same. */
static int blob_commit(struct image_store *s, int fd, const char *tmp, struct sha256 *h,
                       char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        char hex[SHA256_HEX_LEN + 1];
        sha256_end_hex(h, hex);
        if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
                return herr_set(err, errno, "writing blob %s", tmp);
        snprintf(ret_digest, IMAGE_DIGEST_LEN + 1, "sha256:%s", hex);
        return blob_rename(s, tmp, ret_digest, err);
}

int blob_put_fd(struct image_store *s, int fd, char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        _cleanup_(unlink_tmp) char *tmp = store_tmp_template(s, "blob");
        _cleanup_close_ int out = mkostemp(tmp, O_CLOEXEC);
        _cleanup_free_ char *buf = malloc(128 * 1024);
        struct sha256 h;
        if (out < 0)
                return herr_set(err, errno, "creating %s", tmp);
        if (!buf)
                return herr_set(err, ENOMEM, "copying blob");
        sha256_begin(&h);
        for (;;) {
                ssize_t n = read(fd, buf, 128 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return herr_set(err, errno, "reading blob");
                if (n == 0)
                        break;
                sha256_add(&h, buf, (size_t)n);
                if (fd_write_all(out, buf, (size_t)n) < 0)
                        return herr_set(err, errno, "writing %s", tmp);
        }
        if (blob_commit(s, out, tmp, &h, ret_digest, err) < 0)
                return -1;
        free(TAKE_PTR(tmp));
        return 0;
}

int blob_put(struct image_store *s, const void *data, size_t len, char ret_digest[IMAGE_DIGEST_LEN + 1],
             struct herr *err)
{
        _cleanup_(unlink_tmp) char *tmp = store_tmp_template(s, "blob");
        _cleanup_close_ int out = mkostemp(tmp, O_CLOEXEC);
        struct sha256 h;
        if (out < 0)
                return herr_set(err, errno, "creating %s", tmp);
        sha256_begin(&h);
        sha256_add(&h, data, len);
        if (fd_write_all(out, data, len) < 0)
                return herr_set(err, errno, "writing %s", tmp);
        if (blob_commit(s, out, tmp, &h, ret_digest, err) < 0)
                return -1;
        free(TAKE_PTR(tmp));
        return 0;
}

int blob_adopt(struct image_store *s, const char *path, char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *buf = malloc(128 * 1024);
        struct sha256 h;
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return herr_set(err, errno, "opening %s", path);
        if (!S_ISREG(st.st_mode))
                return herr_set(err, 0, "%s is not a regular file", path);
        if (!buf)
                return herr_set(err, ENOMEM, "reading %s", path);
        sha256_begin(&h);
        for (;;) {
                ssize_t n = read(fd, buf, 128 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return herr_set(err, errno, "reading %s", path);
                if (n == 0)
                        break;
                sha256_add(&h, buf, (size_t)n);
        }
        return blob_commit(s, fd, path, &h, ret_digest, err);
}

/* Hash fd; when expect is given the content must match it. */
static int hash_fd(int fd, struct sha256 *h, struct herr *err)
{
        _cleanup_free_ char *buf = malloc(128 * 1024);
        if (!buf)
                return herr_set(err, ENOMEM, "reading blob");
        sha256_begin(h);
        for (;;) {
                ssize_t n = read(fd, buf, 128 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return herr_set(err, errno, "reading blob");
                if (n == 0)
                        return 0;
                sha256_add(h, buf, (size_t)n);
        }
}

int blob_put_file(struct image_store *s, int fd, const char *expect, int may_link,
                  char ret_digest[IMAGE_DIGEST_LEN + 1], struct herr *err)
{
        struct sha256 h;
        char hex[SHA256_HEX_LEN + 1];
        if (lseek(fd, 0, SEEK_SET) < 0 || hash_fd(fd, &h, err) < 0)
                return herr_wrap(err, "%s", expect ? expect : "blob");
        sha256_end_hex(&h, hex);
        snprintf(ret_digest, IMAGE_DIGEST_LEN + 1, "sha256:%s", hex);
        if (expect && strcmp(expect, ret_digest) != 0)
                return herr_set(err, 0, "digest mismatch: blob %s hashes to %s", expect, ret_digest);
        if (blob_exists(s, ret_digest))
                return 0;
        if (may_link) {
                /* A file unpacked into tmp/ becomes the blob without a copy. */
                _cleanup_free_ char *rel = xasprintf("blobs/sha256/%s", hex);
                _cleanup_free_ char *src = xasprintf("/proc/self/fd/%d", fd);
                if (fchmod(fd, 0644) == 0 && fsync(fd) == 0 &&
                    linkat(AT_FDCWD, src, s->dirfd, rel, AT_SYMLINK_FOLLOW) == 0) {
                        store_txn_note(s, rel);
                        return 0;
                }
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return herr_set(err, errno, "reading blob");
        char got[IMAGE_DIGEST_LEN + 1];
        if (blob_put_fd(s, fd, got, err) < 0)
                return -1;
        if (strcmp(got, ret_digest) != 0)
                return herr_set(err, 0, "blob %s changed while it was read", ret_digest);
        return 0;
}
