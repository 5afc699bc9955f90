/* Tar streams, behind a module loaded on demand.  (Not named archive.h:
 * meson puts this directory on the include path, where it would shadow
 * libarchive's <archive.h>.)
 *
 * Every use of libarchive lives in hull-archive.so.  Linking libarchive
 * into hull would cost about 3.5 MiB of RSS on every start (it pulls in
 * libxml2, libicu and libstdc++), while only the commands that read or
 * write tar streams need it; `hull run` of a stored image never does.
 * The module exports one table, HULL_ARCHIVE_SYMBOL, of this type. */
#pragma once
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"
#include "image/ref.h"

#define HULL_ARCHIVE_ABI 2
#define HULL_ARCHIVE_SYMBOL "hull_archive_ops"
#define HULL_ARCHIVE_MODULE "hull-archive.so"

struct hull_unpack_result {
        char diff_id[IMAGE_DIGEST_LEN + 1];     /* sha256 of the uncompressed tar stream */
        char blob_digest[IMAGE_DIGEST_LEN + 1]; /* sha256 of the bytes read from the blob */
        long long size;                         /* bytes of regular-file content written */
        long long blob_size;                    /* bytes read from the blob */
};

struct hull_unpack_opts {
        /* >= 0: every byte read from the blob is first written here, from
         * offset 0 (a pull keeps the blob as it unpacks it from a pipe).
         * The blob is then read to its end even when the layer in it is
         * bad, so that blob_digest and blob_size are set on failure too,
         * unless writing here failed. */
        int tee_fd;
};

#define HULL_TAR_LAYER 1u
/* Leave out etc/hostname, etc/hosts and etc/resolv.conf when they are empty
 * files: the mount points hull made for its own files, not the user's. */
#define HULL_TAR_SKIP_MOUNT_TARGETS 2u

struct hull_tar_result {
        char digest[IMAGE_DIGEST_LEN + 1];      /* sha256 of the tar stream written */
        long long size;                         /* its length */
};

struct hull_tar_member {
        const char *name;       /* path inside the tar */
        int fd;                 /* content read from here when >= 0 (its size by fstat) */
        const void *data;       /* else this */
        size_t len;
};

struct hull_archive_ops {
        unsigned abi;   /* HULL_ARCHIVE_ABI: a module from another hull is refused */
        size_t size;    /* sizeof the module's table: members are only ever appended */
        /* Unpack the layer read from blob_fd (plain tar, gzip, zstd, xz or
         * bzip2, detected from the bytes) into the empty directory dest_dirfd,
         * as an overlay lower directory: OCI whiteouts ".wh.NAME" become
         * character devices 0:0 and ".wh..wh..opq" the xattr
         * trusted.overlay.opaque=y on its directory.  Owners, modes, times,
         * xattrs, hard links and device nodes are kept.  No entry can reach
         * outside dest_dirfd: ".." and absolute names are refused and every
         * path is resolved with RESOLVE_IN_ROOT.  blob_fd is read to its end
         * so that both digests cover every byte; it may be a pipe. */
        int (*unpack_layer)(int blob_fd, int dest_dirfd, const struct hull_unpack_opts *o,
                            struct hull_unpack_result *ret, struct herr *err);
        /* Write the tree below dirfd as an uncompressed tar to out_fd, names
         * sorted, no trusted.overlay.* xattr.  With HULL_TAR_LAYER the tree is
         * an overlay upper directory and is written as a layer: character
         * devices 0:0 become ".wh.NAME" and opaque directories get a
         * ".wh..wh..opq" entry.  ret gets the stream's digest and length. */
        int (*tar_tree)(int dirfd, int out_fd, unsigned flags, struct hull_tar_result *ret, struct herr *err);
        /* An uncompressed tar of regular files, mode 0644, in the given order. */
        int (*tar_members)(int out_fd, const struct hull_tar_member *m, size_t n, struct herr *err);
        /* Copy in_fd to out_fd undoing gzip, zstd, xz or bzip2 (plain data is copied). */
        int (*decompress)(int in_fd, int out_fd, struct herr *err);
};

/* Load the module once: beside the running binary, then in the build
 * tree's src/image/, then in HULL_LIBEXECDIR.  The error names every path
 * tried. */
int archive_ops_get(const struct hull_archive_ops **ret, struct herr *err);
/* Load the module from one path; the first one loaded is kept for
 * archive_ops_get() too (tests point it into the build tree). */
int archive_ops_load(const char *path, const struct hull_archive_ops **ret, struct herr *err);

/* ops->unpack_layer, run in a child process: libarchive (and the RSS it
 * costs) never enters this process, which may go on to supervise a
 * container for hours, and a crash on a hostile layer is reported as an
 * error instead of taking hull down. */
int archive_unpack_layer(int blob_fd, int dest_dirfd, struct hull_unpack_result *ret, struct herr *err);

/* Run fn(ops, arg, res) in a child process with the module loaded; res
 * (res_size bytes, as fn left it, on failure too) and the error come back
 * over a pipe.  fn may change
 * the child as it likes (a private mount namespace, say): it exits after. */
typedef int (*archive_child_fn)(const struct hull_archive_ops *ops, void *arg, void *res, struct herr *err);
int archive_call(archive_child_fn fn, void *arg, void *res, size_t res_size, struct herr *err);

/* The same in two steps, for work that overlaps with the caller's: the
 * child runs from archive_start() on, and archive_finish() waits for its
 * result (into the res given to archive_start) or archive_kill() ends it.
 * With keep, the child closes every fd but stdio and those (at most 8). */
struct archive_job {
        pid_t pid;
        int reply;
        void *res;
        size_t res_size;
};
#define ARCHIVE_JOB_INIT { .pid = 0, .reply = -1 }
int archive_start(archive_child_fn fn, void *arg, void *res, size_t res_size, const int *keep, size_t n_keep,
                  struct archive_job *job, struct herr *err);
int archive_finish(struct archive_job *job, struct herr *err);
void archive_kill(struct archive_job *job);
/* ops->unpack_layer reading in_fd (a pipe the caller writes) and keeping
 * a copy in tee_fd, started in the background; *ret is filled by
 * archive_finish(), on failure too (see hull_unpack_opts). */
int archive_unpack_layer_start(int in_fd, int tee_fd, int dest_dirfd, struct hull_unpack_result *ret,
                               struct archive_job *job, struct herr *err);
int archive_tar_tree(int dirfd, int out_fd, unsigned flags, struct hull_tar_result *ret, struct herr *err);
int archive_tar_members(int out_fd, const struct hull_tar_member *m, size_t n, struct herr *err);
int archive_decompress(int in_fd, int out_fd, struct herr *err);

/* The table itself: defined by the module only. */
extern const struct hull_archive_ops hull_archive_ops;
