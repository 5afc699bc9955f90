#!/usr/bin/env bats
# Per-container cgroups and Docker's resource flags.  Runs on this hybrid
# host and, through tests/vm/, on kernels booted with pure cgroup v2 and
# pure v1: every check reads the files of whichever kind the host has.
load helpers

# The cgroup tree of each test lives under its own parent, so leftovers
# are easy to see and to clean.
setup() {
  HULL_TEST_ROOT=$(mktemp -d /tmp/hull-it.XXXXXX)
  export HULL_TEST_ROOT
  CGP=/hull-test-$$-$BATS_TEST_NUMBER
}

cg_dirs() {   # every directory of $CGP in every hierarchy
  for h in /sys/fs/cgroup /sys/fs/cgroup/*/; do
    [ -d "$h$CGP" ] && echo "$h$CGP"
  done 2>/dev/null | sed 's|//|/|g'
}

teardown() {
  remove_containers
  local net_ok=0
  remove_networks || net_ok=1
  local left
  left=$(for d in $(cg_dirs); do find "$d" -mindepth 1 -type d; done)
  for d in $(cg_dirs); do rmdir "$d" 2>/dev/null || true; done
  rm -rf "$HULL_TEST_ROOT"
  [ -z "$left" ] || { echo "cgroups left behind: $left" >&2; return 1; }
  ((net_ok == 0))
}

is_v2() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

# Read a cgroup file from inside the container: the v1 name, then the v2 name.
cg_read() {   # v1-file v2-file [run flags...]
  local v1=$1 v2=$2
  shift 2
  hull run --rm --cgroup-parent "$CGP" "$@" busybox sh -c "
    if [ -e /sys/fs/cgroup/cgroup.controllers ]; then cat /sys/fs/cgroup/$v2; else cat /sys/fs/cgroup/$v1; fi"
}

@test "the container runs in its own cgroup, which is gone afterwards" {
  hull images >/dev/null   # the busybox import happens now, not during the run
  "$HULL" --root "$HULL_TEST_ROOT" run --rm --cgroup-parent "$CGP" busybox sleep 3 &
  pid=$!
  # Once PID 1 has exec'd sleep, it was in every hierarchy before its own
  # code ran (set-up waits for that).
  for _ in $(seq 100); do
    child=$(cat /proc/$pid/task/*/children 2>/dev/null | awk '{print $1}')
    [ -n "$child" ] && [ "$(readlink /proc/$child/exe 2>/dev/null)" = /bin/busybox ] && break
    sleep 0.05
  done
  # Every hierarchy the host has puts it under $CGP/<id>.
  run cat /proc/$child/cgroup
  echo "$output"
  while read -r line; do
    case $line in
      *:name=systemd:*|*:misc:*|*:rdma:*|*:net_cls*|*:perf_event:*|*:hugetlb:*) ;;
      *) [[ $line == *"$CGP/"* ]] ;;
    esac
  done <<<"$output"
  wait "$pid"
  [ -z "$(for d in $(cg_dirs); do find "$d" -mindepth 1 -type d; done)" ]
}

@test "/sys/fs/cgroup inside is read-only and shows the container's own limit" {
  run cg_read memory/memory.limit_in_bytes memory.max -m 64m
  [ "$status" -eq 0 ]
  [ "$output" = "67108864" ]
  run hull run --rm --cgroup-parent "$CGP" busybox sh -c 'touch /sys/fs/cgroup/x'
  [[ "$output" == *"Read-only file system"* ]]
}

@test "the memory limit holds: past it the container is OOM-killed, exit 137, and hull says so" {
  run hull run --rm --cgroup-parent "$CGP" -m 32m --memory-swap 32m busybox sh -c 'a=x; while :; do a="$a$a"; done'
  [ "$status" -eq 137 ]
  [[ "$output" == *"killed by the OOM killer"* ]]
}

@test "-m 512k still runs true" {
  run hull run --rm --cgroup-parent "$CGP" -m 512k busybox true
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "the pids limit holds" {
  run hull run --rm --cgroup-parent "$CGP" --pids-limit 5 busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done 2>&1; wait'
  [[ "$output" == *"can't fork"* || "$output" == *"Resource temporarily unavailable"* ]]
  run cg_read pids/pids.max pids.max --pids-limit 5
  [ "$output" = "5" ]
}

@test "--cpuset-cpus shows in Cpus_allowed_list and reads back" {
  run hull run --rm --cgroup-parent "$CGP" --cpuset-cpus 0 busybox grep Cpus_allowed_list /proc/self/status
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\t0' ]]
  run cg_read cpuset/cpuset.cpus cpuset.cpus --cpuset-cpus 0
  [ "$output" = "0" ]
  # Without --cpuset-mems, the memory nodes come from the parent.
  run cg_read cpuset/cpuset.mems cpuset.mems.effective --cpuset-cpus 0
  [ "$output" = "0" ]
}

@test "cpu quota and weight are written as computed" {
  run cg_read cpu/cpu.cfs_quota_us cpu.max --cpus 0.5
  if is_v2; then [ "$output" = "50000 100000" ]; else [ "$output" = "50000" ]; fi
  run cg_read cpu/cpu.cfs_period_us cpu.max --cpu-period 20000 --cpu-quota 10000
  if is_v2; then [ "$output" = "10000 20000" ]; else [ "$output" = "20000" ]; fi
  # Shares: as is on v1; on v2 runc's conversion 1 + (512 - 2) * 9999 / 262142 = 20.
  run cg_read cpu/cpu.shares cpu.weight --cpu-shares 512
  if is_v2; then [ "$output" = "20" ]; else [ "$output" = "512" ]; fi
}

@test "memory reservation and swap read back" {
  run cg_read memory/memory.soft_limit_in_bytes memory.low -m 64m --memory-reservation 32m
  [ "$output" = "33554432" ]
  if is_v2; then
    run cg_read memory/x memory.swap.max -m 64m --memory-swap 96m
    [ "$output" = "33554432" ]
  elif [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
    run cg_read memory/memory.memsw.limit_in_bytes x -m 64m --memory-swap 96m
    [ "$output" = "100663296" ]
  fi
}

@test "--oom-kill-disable, --oom-score-adj and --ulimit" {
  if ! is_v2; then
    run cg_read memory/memory.oom_control x -m 64m --oom-kill-disable
    [[ "$output" == *"oom_kill_disable 1"* ]]
  fi
  run hull run --rm --cgroup-parent "$CGP" --oom-score-adj 500 --ulimit nofile=100:200 busybox sh -c 'cat /proc/self/oom_score_adj; ulimit -n; ulimit -Hn'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "500" ]
  [ "${lines[1]}" = "100" ]
  [ "${lines[2]}" = "200" ]
}

@test "devices: a node the image carries is useless inside; --device and --privileged allow" {
  run hull run --rm --cgroup-parent "$CGP" busybox sh -c 'mknod /tmp/kmsg c 1 11 && head -c 1 /tmp/kmsg'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  run hull run --rm --cgroup-parent "$CGP" busybox sh -c 'head -c 1 /dev/zero | wc -c; echo x >/dev/null && echo null-ok'
  [ "${lines[0]}" = "1" ]
  [ "${lines[1]}" = "null-ok" ]
  run hull run --rm --cgroup-parent "$CGP" --device /dev/kmsg busybox sh -c 'test -c /dev/kmsg && echo hello-kmsg >/dev/kmsg && echo wrote'
  [ "$output" = "wrote" ]
  run hull run --rm --cgroup-parent "$CGP" --privileged busybox sh -c 'mknod /tmp/kmsg c 1 11 && echo hello >/tmp/kmsg && echo wrote'
  [ "$output" = "wrote" ]
}

@test "a container that fails to start leaves no cgroup behind" {
  run hull run --rm --cgroup-parent "$CGP" busybox nosuchcommand
  [ "$status" -eq 127 ]
  run hull run --cgroup-parent "$CGP" busybox /etc/passwd
  [ "$status" -eq 126 ]
  run hull run -d --cgroup-parent "$CGP" busybox nosuchcommand
  [ "$status" -eq 127 ]
  [ -z "$(for d in $(cg_dirs); do find "$d" -mindepth 1 -type d; done)" ]
}

@test "bad resource flags: one clear error, exit 125, nothing created" {
  for args in "-m 1x" "-m -5" "--cpus -1" "--cpus abc" "--cpuset-cpus 99" "--pids-limit 0x" "--memory-swap 1g" "--cpu-period 10"; do
    run hull run --rm --cgroup-parent "$CGP" $args busybox true
    echo "$args -> $status: $output"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -le 2 ]
  done
  [ -z "$(cg_dirs)" ]
  [ "$(container_dirs)" -eq 0 ]
}

@test "--cgroups=disabled gives no cgroup and refuses limits" {
  run hull run --rm --cgroups=disabled busybox true
  [ "$status" -eq 0 ]
  run hull run --rm --cgroups=disabled -m 64m busybox true
  [ "$status" -eq 125 ]
}
