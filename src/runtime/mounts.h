/* The container's filesystem: rootfs, the config's mounts, devices, masked
 * and read-only paths, pivot_root.  Runs in the container child, inside its
 * private mount namespace. */
#pragma once
#include "base/err.h"
#include "runtime/spec.h"

/* Everything up to (and including) pivot_root; afterwards "/" is the
 * container's root. */
int rt_rootfs_setup(const struct oci_spec *s, struct herr *err);
/* The same in two steps, for hooks that run between them: every mount,
 * device and sysctl; then pivot_root (or, with no_pivot, a move of the
 * root onto / and chroot). */
int rt_rootfs_prepare(const struct oci_spec *s, struct herr *err);
int rt_rootfs_pivot(const struct oci_spec *s, int no_pivot, struct herr *err);
/* After pivot_root: masked and read-only paths, read-only root, final
 * root propagation. */
int rt_rootfs_finish(const struct oci_spec *s, struct herr *err);
/* Resolve path inside the tree at rootfd (symlinks cannot leave it),
 * creating what is missing: directories, and the last component as a file
 * when as_file is set.  Returns an O_PATH fd. */
int rt_open_in_root(int rootfd, const char *path, int create, int as_file, struct herr *err);
/* A detached mount of a filesystem of type, configured from comma-separated
 * data ("mode=755,size=64k") with MS_* flags turned into mount attributes;
 * returns its fd (attach it with rt_attach). */
int rt_fs_mount_fd(const char *type, const char *source, const char *data, unsigned long flags,
                   struct herr *err);
/* move_mount the detached mount mfd onto targetfd. */
int rt_attach(int mfd, int targetfd, const char *what, struct herr *err);
/* Bind mount the host path src over dst inside the container (after
 * pivot_root, dst is an absolute container path). */
int rt_bind_over(const char *src, const char *dst, int readonly, struct herr *err);
