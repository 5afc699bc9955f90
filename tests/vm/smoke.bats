#!/usr/bin/env bats
# First thing the VM guest runs (tests/vm/run.sh): the cgroup filesystem is
# the kind asked for, overlayfs is there, and hull runs a container.  Outside
# the VM (no HULL_VM_MODE) the mode checks skip.

load ../integration/helpers

# The type of the filesystem mounted at a path, from /proc/mounts.
fstype() {
  awk -v p="$1" '$2 == p {t = $3} END {print t}' /proc/mounts
}

@test "vm: the cgroup filesystem is the kind the mode asks for" {
  case ${HULL_VM_MODE:-} in
  v2)
    [ "$(fstype /sys/fs/cgroup)" = cgroup2 ]
    read -r -a ctl </sys/fs/cgroup/cgroup.controllers
    for c in cpuset cpu io memory pids; do
      [[ " ${ctl[*]} " == *" $c "* ]] || { echo "no $c in: ${ctl[*]}"; false; }
    done
    # cgroup_no_v1=all: no v1 hierarchy anywhere.
    ! awk '$3 == "cgroup"' /proc/mounts | grep -q .
    ;;
  v1)
    [ "$(fstype /sys/fs/cgroup)" = tmpfs ]
    [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]
    [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]
    for c in cpuset cpu cpuacct memory devices freezer blkio pids; do
      [ -f /sys/fs/cgroup/$c/cgroup.procs ] || { echo "no v1 $c hierarchy"; false; }
    done
    ! awk '$3 == "cgroup2"' /proc/mounts | grep -q .
    # Every line of /proc/self/cgroup names a v1 hierarchy.
    ! grep -q '^0::' /proc/self/cgroup
    ;;
  *) skip "not in the VM (HULL_VM_MODE unset)" ;;
  esac
}

@test "vm: overlayfs is available" {
  grep -qw overlay /proc/filesystems
}

@test "vm: hull run --rm busybox echo ok" {
  run hull run --rm busybox echo ok
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
}

@test "vm: the container reads its /proc/self/cgroup" {
  run hull run --rm busybox cat /proc/self/cgroup
  echo "$output"
  [ "$status" -eq 0 ]
  case ${HULL_VM_MODE:-} in
  v2) [ "${#lines[@]}" -eq 1 ] && [[ ${lines[0]} == 0::/* ]] ;;
  v1) [[ $output == *:memory:/* ]] && [[ $output != *0::* ]] ;;
  esac
  local l
  for l in "${lines[@]}"; do echo "# /proc/self/cgroup: $l" >&3; done
  echo "# hull info: $(hull info 2>&1 | grep -i cgroup | tr -s ' ')" >&3
}

@test "vm: time per hull run" {
  local n=5 t0 t1
  hull run --rm busybox true # the image store is made on the first run
  t0=$EPOCHREALTIME
  for ((i = 0; i < n; i++)); do
    hull run --rm busybox true
  done
  t1=$EPOCHREALTIME
  echo "# $(awk -v a="$t0" -v b="$t1" -v n=$n 'BEGIN {printf "%.2fs per hull run --rm busybox true (mean of %d)", (b - a) / n, n}')" >&3
}
