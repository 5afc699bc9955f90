#!/bin/busybox sh
# Guest stage 2 (/init2 after switch_root): mount what a Debian host mounts,
# load modules, set up the cgroup filesystem the way the mode asks, run the
# bats files between two marker lines on the console, power off.
export PATH=/usr/bin:/usr/sbin:/bin:/sbin HOME=/root LC_ALL=C TERM=dumb
# Debian's mount, dmesg and others replace busybox's applets in the guest;
# the set-up here uses busybox's own, whatever the PATH holds.
bb=/usr/bin/busybox

off() {
  $bb sync
  $bb poweroff -f
  echo o >/proc/sysrq-trigger
  $bb sleep 5
  exit 1   # init exiting panics the kernel, and panic=-1 + -no-reboot end qemu
}
fail() {
  echo "HULL-VM: $*"
  off
}

$bb mount -t proc -o nosuid,nodev,noexec proc /proc || fail "mount proc"
$bb mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || fail "mount sysfs"
$bb mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev || fail "mount devtmpfs"
exec </dev/console >/dev/console 2>&1
# Only emergencies on the console: kernel messages would break TAP lines.
$bb dmesg -n 1

mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts || fail "mount devpts"
$bb mount -t tmpfs -o nosuid,nodev,mode=1777 shm /dev/shm || fail "mount /dev/shm"
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
$bb mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp || fail "mount /tmp"
$bb mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run || fail "mount /run"
mkdir -p /var/lib/hull
$bb hostname hull-vm
$bb ip link set lo up

while read -r m; do
  $bb insmod "$m" || fail "insmod $m"
done </etc/hull-vm-modules

mode=$(cat /etc/hull-vm-mode)
cg=/sys/fs/cgroup
case $mode in
v2)
  # As systemd mounts it; the kernel was booted with cgroup_no_v1=all.
  $bb mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 $cg ||
    fail "mount cgroup2"
  ;;
v1)
  # As systemd's legacy mode mounts it: a tmpfs with one hierarchy per
  # controller (cpu,cpuacct and net_cls,net_prio share one), symlinks for
  # the single names, and the named systemd hierarchy.  No cgroup2 at all.
  $bb mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 tmpfs $cg || fail "mount $cg"
  for c in $(awk '!/^#/ && $4 == 1 {print $1}' /proc/cgroups); do
    case $c in
    cpu|cpuacct) echo cpu,cpuacct ;;
    net_cls|net_prio) echo net_cls,net_prio ;;
    *) echo "$c" ;;
    esac
  done | sort -u >/tmp/hierarchies
  while read -r h; do
    mkdir $cg/$h
    $bb mount -t cgroup -o nosuid,nodev,noexec,$h cgroup $cg/$h || fail "mount cgroup $h"
    case $h in *,*)
      for c in $(echo $h | tr , ' '); do ln -s $h $cg/$c; done ;;
    esac
  done </tmp/hierarchies
  rm /tmp/hierarchies
  mkdir $cg/systemd
  $bb mount -t cgroup -o nosuid,nodev,noexec,none,name=systemd cgroup $cg/systemd || fail "mount name=systemd"
  $bb mount -o remount,ro $cg
  ;;
*) fail "unknown mode $mode" ;;
esac

export HULL_VM_MODE=$mode HULL=/hull/build/src/cli/hull
cd /hull || fail "no /hull"
echo; echo HULL-VM-TAP-BEGIN
echo "# vm: booted in $(cut -d' ' -f1 /proc/uptime)s"
echo "# vm: kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print $2 / 1024}' /proc/meminfo) MiB"
echo "# vm: cmdline $(cat /proc/cmdline)"
awk '$3 ~ /^cgroup/ {print "# vm: mount " $2 " " $3 " " $4}' /proc/mounts
[ -f $cg/cgroup.controllers ] && echo "# vm: cgroup.controllers $(cat $cg/cgroup.controllers)"
bats --tap $(cat /etc/hull-vm-tests) </dev/null 2>&1
rc=$?
echo "# vm: bats exited $rc after $(cut -d' ' -f1 /proc/uptime)s of uptime"
echo HULL-VM-TAP-END
if [ $rc != 0 ]; then
  echo "kernel log (last 40 lines):"
  $bb dmesg | tail -n 40
fi
off
