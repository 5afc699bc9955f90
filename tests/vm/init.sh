#!/bin/busybox sh
# Guest stage 1, /init in the initramfs.  hull pivot_roots into every
# container, and pivot_root(2) refuses to move away from the initramfs root
# (rootfs): copy everything onto a tmpfs and switch_root to it, so the
# guest's root is a mount of its own as on a real system.
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
fail() {
  echo "HULL-VM: stage 1 failed: $*"
  busybox poweroff -f
}
busybox mount -t tmpfs -o mode=0755 root /newroot || fail "tmpfs"
for e in /*; do
  [ "$e" = /newroot ] || busybox cp -a "$e" /newroot/ || fail "copy $e"
done
exec busybox switch_root /newroot /init2
