/* File helpers: every write that others read is atomic. */
#pragma once
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"

/* asprintf that aborts on ENOMEM: paths are tiny and an engine out of
 * memory for a path has nothing sensible left to do. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xstrdup(const char *s);

int mkdir_p(const char *path, mode_t mode, struct herr *err);
/* Write data to dir/name through a temporary file + rename.  dirfd may be
 * AT_FDCWD.  fsync when durable is set. */
int write_file_atomic(int dirfd, const char *name, const void *data, size_t len,
                      mode_t mode, int durable, struct herr *err);
/* Create dir/name, which must not exist yet, with data (O_EXCL, no
 * symlink followed).  For files in a directory nobody else reads yet. */
int write_file_new(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                   struct herr *err);
/* Read a whole file (NUL-terminated; *ret_len excludes the NUL). */
int read_file_at(int dirfd, const char *name, char **ret, size_t *ret_len, struct herr *err);
int read_fd(int fd, char **ret, size_t *ret_len, struct herr *err);
/* All of len, retrying EINTR and short transfers; -1 (errno set) on an
 * error, and for reading also when the end comes first. */
int fd_write_all(int fd, const void *p, size_t len);
int fd_read_all(int fd, void *p, size_t len);
int fd_pwrite_all(int fd, const void *p, size_t len, off_t off);
/* A file written front to back: once `written` is FD_WRITEBACK_STEP past
 * *flushed, start writing it back (sync_file_range, not waiting), so that
 * the fsync that ends it finds little left to do. */
#define FD_WRITEBACK_STEP (4LL << 20)
void fd_writeback(int fd, long long *flushed, long long written);
/* Remove a tree without following symlinks or crossing mount points:
 * a container's directory may still have something mounted below it, and
 * a recursive delete must never reach into a user's data through it. */
int rm_rf_at(int dirfd, const char *name, struct herr *err);
int rm_rf(const char *path, struct herr *err);
/* Directory of the running executable (for files installed beside it). */
const char *self_dir(void);
