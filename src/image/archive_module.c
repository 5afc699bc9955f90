/* hull-archive.so: the one place libarchive is used (see archive_module.h).
 *
 * A layer is read through two libarchive readers stacked by callbacks:
 * "raw" undoes the compression of the blob's bytes, and "tar" parses what
 * raw yields.  Each callback hashes the bytes it hands on, so one pass
 * gives both the blob digest (compressed) and the diff_id (uncompressed)
 * while the files are written. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/sha256.h"
#include "image/archive_module.h"
#include "image/archive_write.h"
#include "image/unpack.h"

#define BUF_SIZE (128 * 1024)

struct blob_src {               /* the blob's bytes, as read */
        int fd;
        int tee_fd;             /* -1, or where a copy of them goes */
        int tee_failed;
        long long flushed;      /* tee_fd: writeback started up to here */
        struct sha256 hash;
        long long done, total;  /* for the progress line; total 0: no line */
        struct timespec shown;
        char buf[BUF_SIZE];
};

/* A progress line on a terminal, at most ten times a second, for blobs
 * large enough that the wait is noticeable. */
static void progress(struct blob_src *s, int last)
{
        struct timespec now;
        if (!s->total)
                return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long ms = (now.tv_sec - s->shown.tv_sec) * 1000 + (now.tv_nsec - s->shown.tv_nsec) / 1000000;
        if (!last && ms < 100)
                return;
        s->shown = now;
        fprintf(stderr, "\rUnpacking %7.1fMB / %.1fMB%s", s->done / 1e6, s->total / 1e6, last ? "\n" : "");
}

static void progress_begin(struct blob_src *s)
{
        struct stat st;
        if (isatty(STDERR_FILENO) && fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 16 * 1000 * 1000)
                s->total = st.st_size;
}

struct tar_src {                /* the uncompressed tar stream */
        struct archive *raw;
        struct sha256 hash;
        la_int64_t next;        /* offset of the next byte */
};

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}
#define _cleanup_archive_ _cleanup_(archive_freep)

/* libarchive borrows EILSEQ and EINVAL to mean "bad format" and "misuse";
 * its message says more than their strerror() would. */
static int archive_fail(struct archive *a, const char *what, struct herr *err)
{
        int e = archive_errno(a);
        if (e == EILSEQ || e == EINVAL || e < 0)
                e = 0;
        return herr_set(err, e, "%s: %s", what, archive_error_string(a) ?: "unknown error");
}

/* The copy is fsync()ed before it is named by its digest. */
static int copy_out(struct blob_src *s, size_t n)
{
        if (fd_pwrite_all(s->tee_fd, s->buf, n, s->done) < 0) {
                s->tee_failed = 1;
                return -1;
        }
        fd_writeback(s->tee_fd, &s->flushed, s->done + (long long)n);
        return 0;
}

static la_ssize_t blob_read(struct archive *a, void *data, const void **buf)
{
        struct blob_src *s = data;
        ssize_t n;
        do
                n = read(s->fd, s->buf, sizeof s->buf);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                archive_set_error(a, errno, "reading layer blob");
                return -1;
        }
        if (s->tee_fd >= 0 && copy_out(s, (size_t)n) < 0) {
                archive_set_error(a, errno, "writing layer blob");
                return -1;
        }
        sha256_add(&s->hash, s->buf, (size_t)n);
        s->done += n;
        progress(s, 0);
        *buf = s->buf;
        return n;
}

/* Hands on the decompressor's own buffer (valid until the next call),
 * not a copy of it. */
static la_ssize_t tar_read(struct archive *a, void *data, const void **buf)
{
        struct tar_src *t = data;
        const void *p;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(t->raw, &p, &len, &off);
        if (r == ARCHIVE_EOF)
                return 0;
        if (r < ARCHIVE_WARN) {
                archive_set_error(a, archive_errno(t->raw), "decompressing layer: %s",
                                  archive_error_string(t->raw) ?: "unknown error");
                return -1;
        }
        /* The raw format has no holes; one would be bytes the hash missed. */
        if (off != t->next) {
                archive_set_error(a, EIO, "decompressing layer: a gap at byte %lld", (long long)t->next);
                return -1;
        }
        t->next += (la_int64_t)len;
        sha256_add(&t->hash, p, len);
        *buf = p;
        return (la_ssize_t)len;
}

/* No skip callbacks are given to libarchive, so every byte passes through
 * the read callbacks and into the hashes. */
static int open_raw(struct blob_src *src, struct archive **ret, struct herr *err)
{
        _cleanup_archive_ struct archive *a = archive_read_new();
        struct archive_entry *e;
        if (!a)
                return herr_set(err, ENOMEM, "reading layer");
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_xz(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_format_raw(a);
        if (archive_read_open(a, src, NULL, blob_read, NULL) != ARCHIVE_OK)
                return archive_fail(a, "opening layer", err);
        if (archive_read_next_header(a, &e) != ARCHIVE_OK)
                return archive_fail(a, "reading layer", err);
        *ret = TAKE_PTR(a);
        return 0;
}

static int open_tar(struct tar_src *src, struct archive **ret, struct herr *err)
{
        _cleanup_archive_ struct archive *a = archive_read_new();
        if (!a)
                return herr_set(err, ENOMEM, "reading layer");
        archive_read_support_format_tar(a);
        if (archive_read_open(a, src, NULL, tar_read, NULL) != ARCHIVE_OK)
                return archive_fail(a, "opening layer tar", err);
        *ret = TAKE_PTR(a);
        return 0;
}

static int unpack_entries(struct archive *tar, struct unpack *u, struct herr *err)
{
        for (;;) {
                struct archive_entry *e;
                int r = archive_read_next_header(tar, &e);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)   /* a warning (say, an unknown pax key) still gives the entry */
                        return archive_fail(tar, "reading layer tar", err);
                if (unpack_entry(u, tar, e, err) < 0)
                        return herr_wrap(err, "layer entry %s", archive_entry_pathname(e) ?: "?");
        }
}

/* The tar reader stops at the end-of-archive blocks; the digests cover
 * the padding after them, and whatever follows the compressed stream. */
static int drain(struct archive *tar, struct tar_src *t, struct blob_src *b, struct herr *err)
{
        const void *buf;
        la_ssize_t n;
        while ((n = tar_read(tar, t, &buf)) > 0)
                ;
        if (n < 0)
                return archive_fail(tar, "reading layer", err);
        while ((n = blob_read(tar, b, &buf)) > 0)
                ;
        if (n < 0)
                return archive_fail(tar, "reading layer", err);
        return 0;
}

static void digest_string(struct sha256 *h, char out[IMAGE_DIGEST_LEN + 1])
{
        char hex[SHA256_HEX_LEN + 1];
        sha256_end_hex(h, hex);
        memcpy(out, "sha256:", 7);
        memcpy(out + 7, hex, SHA256_HEX_LEN + 1);
}

/* A bad layer in a blob that is being kept: read (and copy) the rest
 * anyway, so that the caller learns the blob's digest. */
static void drain_blob(struct blob_src *b, struct hull_unpack_result *ret)
{
        const void *buf;
        la_ssize_t n;
        _cleanup_archive_ struct archive *a = archive_read_new();
        if (!a || b->tee_fd < 0)
                return;
        while (!b->tee_failed && (n = blob_read(a, b, &buf)) > 0)
                ;
        if (!b->tee_failed) {
                digest_string(&b->hash, ret->blob_digest);
                ret->blob_size = b->done;
        }
}

static int unpack_stream(struct blob_src *b, struct tar_src *t, int dest_dirfd, struct hull_unpack_result *ret,
                         struct herr *err)
{
        _cleanup_archive_ struct archive *raw = NULL;
        _cleanup_archive_ struct archive *tar = NULL;
        _cleanup_(unpack_freep) struct unpack *u = NULL;
        if (open_raw(b, &raw, err) < 0)
                return -1;
        t->raw = raw;
        if (open_tar(t, &tar, err) < 0 || unpack_new(dest_dirfd, &u, err) < 0)
                return -1;
        if (unpack_entries(tar, u, err) < 0 || unpack_finish(u, err) < 0)
                return -1;
        if (drain(tar, t, b, err) < 0)
                return -1;
        ret->size = unpack_size(u);
        return 0;
}

static int unpack_layer(int blob_fd, int dest_dirfd, const struct hull_unpack_opts *o,
                        struct hull_unpack_result *ret, struct herr *err)
{
        _cleanup_free_ struct blob_src *b = calloc(1, sizeof *b);
        _cleanup_free_ struct tar_src *t = calloc(1, sizeof *t);
        memset(ret, 0, sizeof *ret);
        if (!b || !t)
                return herr_set(err, ENOMEM, "reading layer");
        b->fd = blob_fd;
        b->tee_fd = o->tee_fd;
        sha256_begin(&b->hash);
        progress_begin(b);
        sha256_begin(&t->hash);
        if (unpack_stream(b, t, dest_dirfd, ret, err) < 0) {
                drain_blob(b, ret);
                return -1;
        }
        progress(b, 1);
        digest_string(&t->hash, ret->diff_id);
        digest_string(&b->hash, ret->blob_digest);
        ret->blob_size = b->done;
        return 0;
}

__attribute__((visibility("default")))
const struct hull_archive_ops hull_archive_ops = {
        .abi = HULL_ARCHIVE_ABI,
        .size = sizeof(struct hull_archive_ops),
        .unpack_layer = unpack_layer,
        .tar_tree = tar_tree,
        .tar_members = tar_members,
        .decompress = decompress,
};
