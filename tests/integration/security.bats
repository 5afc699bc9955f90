#!/usr/bin/env bats
# Capabilities, seccomp, no_new_privs, read-only root, and the known escapes.
load helpers

capfield() { grep "^$1:" | awk '{print $2}'; }

@test "Docker's default capability set, bounding set reduced to match" {
  run hull run --rm busybox cat /proc/self/status
  [ "$(echo "$output" | capfield CapEff)" = "00000000a80425fb" ]
  [ "$(echo "$output" | capfield CapPrm)" = "00000000a80425fb" ]
  [ "$(echo "$output" | capfield CapBnd)" = "00000000a80425fb" ]
  [ "$(echo "$output" | capfield CapInh)" = "0000000000000000" ]
}

@test "a non-root user has no effective capabilities" {
  run hull run --rm -u 1000 busybox cat /proc/self/status
  [ "$(echo "$output" | capfield CapEff)" = "0000000000000000" ]
  [ "$(echo "$output" | capfield CapBnd)" = "00000000a80425fb" ]
}

@test "--cap-add and --cap-drop" {
  run hull run --rm --cap-drop ALL busybox cat /proc/self/status
  [ "$(echo "$output" | capfield CapEff)" = "0000000000000000" ]
  run hull run --rm --cap-add SYS_ADMIN --cap-drop net_raw busybox cat /proc/self/status
  [ "$(echo "$output" | capfield CapEff)" = "00000000a82405fb" ]
  run hull run --rm --cap-add CAP_BOGUS busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *CAP_BOGUS* ]]
}

@test "--privileged has every capability, no seccomp, no masks, writable /sys" {
  # Every capability hull itself may hold (this host withholds some).
  want=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  run hull run --rm --privileged busybox sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; wc -c </proc/timer_list | grep -qv "^0$" && echo unmasked; ls /dev | grep -c .'
  [ "$(echo "$output" | capfield CapEff)" = "$want" ]
  [ "$(echo "$output" | capfield Seccomp)" = "0" ]
  [[ "$output" == *unmasked* ]]
  run hull run --rm --privileged busybox sh -c 'touch /sys/kernel/x 2>&1; grep " /sys " /proc/mounts'
  [[ "$output" == *"sysfs rw,"* ]]
}

@test "the default seccomp filter is on and denies what Docker's denies" {
  run hull run --rm busybox grep '^Seccomp:' /proc/self/status
  [[ "$output" == *"2" ]]
  run hull run --rm busybox unshare -U true
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  # With CAP_SYS_ADMIN, Docker's profile allows mount; without, seccomp denies it.
  run hull run --rm --cap-add SYS_ADMIN busybox sh -c 'mount -t tmpfs none /tmp && echo mounted'
  [ "$output" = "mounted" ]
  run hull run --rm busybox swapoff -a
  [ "$status" -ne 0 ]
}

@test "--security-opt seccomp=unconfined and seccomp=FILE" {
  run hull run --rm --security-opt seccomp=unconfined busybox grep '^Seccomp:' /proc/self/status
  [[ "$output" == *"0" ]]
  cat >"$HULL_TEST_ROOT/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON
  run hull run --rm --security-opt seccomp="$HULL_TEST_ROOT/profile.json" busybox mkdir /newdir
  [ "$status" -ne 0 ]
  [[ "$output" == *"Permission denied"* ]]
  echo '{"defaultAction": "SCMP_ACT_NOPE"}' >"$HULL_TEST_ROOT/bad.json"
  run hull run --rm --security-opt seccomp="$HULL_TEST_ROOT/bad.json" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"SCMP_ACT_NOPE"* ]]
  [ "$(container_dirs)" -eq 0 ]
}

@test "--security-opt no-new-privileges" {
  run hull run --rm busybox grep NoNewPrivs /proc/self/status
  [[ "$output" == *"0" ]]
  run hull run --rm --security-opt no-new-privileges busybox grep NoNewPrivs /proc/self/status
  [[ "$output" == *"1" ]]
}

@test "--read-only root keeps /dev/shm writable" {
  run hull run --rm --read-only busybox touch /x
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  run hull run --rm --read-only busybox sh -c 'touch /dev/shm/ok && echo ok'
  [ "$output" = "ok" ]
}

@test "no host fd leaks into the container" {
  # hull is started with extra fds open (some on host directories).  ls
  # runs as PID 1 and its own directory fd takes the lowest free number,
  # so anything but "0 1 2 3" means an inherited fd.
  run bash -c "exec 3</ 7</tmp 8>'$HULL_TEST_ROOT/f'; '$HULL' --root '$HULL_TEST_ROOT' run --rm busybox ls /proc/self/fd"
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "0 1 2 3" ]
}

@test "a working directory cannot resolve outside the root (CVE-2024-21626 class)" {
  run bash -c "exec 7</; '$HULL' --root '$HULL_TEST_ROOT' run --rm -w /proc/self/fd/7 busybox pwd"
  [ "$status" -ne 0 ]
  [[ "$output" != "/" ]]
  [ "$(container_dirs)" -eq 0 ]
  # A symlink to the host's root in the image resolves inside the container.
  run hull run --rm -w /../../../../tmp busybox pwd
  [ "$output" = "/tmp" ]
}

@test "the host's hull binary is not reachable from the container (CVE-2019-5736 class)" {
  # PID 1 is the container's own program by the time anything in it runs,
  # and no process in its PID namespace has hull as its executable.
  run hull run --rm busybox sh -c 'for p in /proc/[0-9]*; do readlink $p/exe; done | sort -u'
  [ "$status" -eq 0 ]
  [[ "$output" != *hull* ]]
  hull_bin=$(readlink -f "$HULL")
  sum_before=$(sha256sum "$hull_bin")
  run hull run --rm busybox sh -c 'echo pwned >/proc/1/exe'
  [ "$status" -ne 0 ]
  [ "$(sha256sum "$hull_bin")" = "$sum_before" ]
}
