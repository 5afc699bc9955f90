#!/usr/bin/env bats
# Namespaces, the overlay root, /proc, /sys and /dev as production engines set them up.
load helpers

@test "the command is PID 1 and sees only its own processes" {
  run hull run --rm busybox sh -c 'echo $$; ps -o pid= | wc -l'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1" ]
  [ "${lines[1]}" -le 3 ]
}

@test "the hostname is the short id by default, and changes stay inside" {
  host_before=$(hostname)
  run hull run --rm busybox hostname
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
  run hull run --rm --privileged busybox sh -c 'hostname changed-inside; hostname'
  [ "$output" = "changed-inside" ]
  [ "$(hostname)" = "$host_before" ]
}

@test "--network none has only a working loopback" {
  run hull run --rm --network none busybox sh -c 'ls /sys/class/net; ping -c1 -W1 127.0.0.1 >/dev/null && echo ping-ok'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "lo" ]
  [ "${lines[1]}" = "ping-ok" ]
}

@test "--network host shares the host's interfaces" {
  host_count=$(ls /sys/class/net | wc -l)
  run hull run --rm --network host busybox sh -c 'ls /sys/class/net | wc -l'
  [ "$status" -eq 0 ]
  [ "$output" -eq "$host_count" ]
}

@test "the root is overlayfs and writes never reach the image or another container" {
  run hull run --rm busybox sh -c "grep ' / ' /proc/mounts | cut -d' ' -f3"
  [ "$output" = "overlay" ]
  run hull run --name writer busybox sh -c 'echo changed >/etc/motd-test; rm /bin/vi; echo done'
  [ "$output" = "done" ]
  run hull run --rm busybox sh -c 'test -e /etc/motd-test || echo clean; test -e /bin/vi && echo vi-there'
  [ "${lines[0]}" = "clean" ]
  [ "${lines[1]}" = "vi-there" ]
  # The change lives in that container's own upper directory.
  upper=$(ls -d "$HULL_TEST_ROOT"/containers/*/upper)
  [ "$(cat "$upper/etc/motd-test")" = "changed" ]
  ! find "$HULL_TEST_ROOT/image" -name motd-test | grep -q .
}

@test "no mount of the container shows in the host's mount table, during or after" {
  "$HULL" --root "$HULL_TEST_ROOT" run --rm busybox sleep 2 &
  pid=$!
  sleep 0.7
  [ -z "$(mounts_under_root)" ]
  wait "$pid"
  [ -z "$(mounts_under_root)" ]
}

@test "masked and read-only paths in /proc and /sys" {
  # Of Docker's masked paths, those this kernel has must read as empty.
  host_has=0
  for p in /proc/keys /proc/timer_list /proc/interrupts /proc/kcore /proc/sched_debug /proc/acpi /proc/scsi /sys/firmware; do
    [ -e "$p" ] || continue
    host_has=$((host_has + 1))
    run hull run --rm busybox sh -c "if [ -d $p ]; then ls -A $p | wc -l; else cat $p | wc -c; fi"
    [ "$status" -eq 0 ]
    [ "$output" = "0" ]
  done
  [ "$host_has" -ge 3 ]
  run hull run --rm busybox cat /proc/keys
  [ "$output" = "" ]
  run hull run --rm busybox sh -c 'echo 1 >/proc/sys/kernel/domainname'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  run hull run --rm busybox sh -c 'grep -E " /proc/(sys|irq|bus|fs|sysrq-trigger) " /proc/mounts | grep -vc " ro,"'
  [ "$output" = "0" ]
  if [ -e /proc/irq/default_smp_affinity ]; then
    run hull run --rm busybox sh -c 'cat /proc/irq/default_smp_affinity >/proc/irq/default_smp_affinity'
    [[ "$output" == *"Read-only file system"* ]]
  fi
  run hull run --rm busybox touch /sys/kernel/x
  [[ "$output" == *"Read-only file system"* ]]
}

@test "/dev holds the default devices, pts, shm, mqueue and the std links" {
  run hull run --rm busybox sh -c 'cd /dev && ls -1 | sort | tr "\n" " "'
  [ "$output" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " ]
  run hull run --rm busybox sh -c 'grep -E " /dev(/pts|/shm|/mqueue)? " /proc/mounts | cut -d" " -f2,3 | tr "\n" " "'
  [ "$output" = "/dev tmpfs /dev/pts devpts /dev/mqueue mqueue /dev/shm tmpfs " ]
  run hull run --rm busybox sh -c 'echo x >/dev/null && head -c4 /dev/zero | wc -c && readlink /dev/ptmx'
  [ "${lines[0]}" = "4" ]
  [ "${lines[1]}" = "pts/ptmx" ]
}

@test "/etc/hostname, /etc/hosts and /etc/resolv.conf are supplied" {
  run hull run --rm -h myhost busybox sh -c 'cat /etc/hostname; grep -c localhost /etc/hosts; grep -c nameserver /etc/resolv.conf'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "myhost" ]
  [ "${lines[1]}" -ge 1 ]
  [ "${lines[2]}" -ge 1 ]
  run hull run --rm busybox grep -E 'nameserver (127\.|::1)' /etc/resolv.conf
  [ "$status" -ne 0 ]
}

@test "a cgroup namespace makes the container's cgroup its root" {
  run hull run --rm busybox cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  while read -r line; do
    [[ "$line" == *":/" ]]
  done <<<"$output"
}

@test "IPC and mount namespaces are the container's own" {
  host_ipc=$(readlink /proc/self/ns/ipc)
  host_mnt=$(readlink /proc/self/ns/mnt)
  run hull run --rm busybox sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/mnt'
  [ "${lines[0]}" != "$host_ipc" ]
  [ "${lines[1]}" != "$host_mnt" ]
}
