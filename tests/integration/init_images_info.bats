#!/usr/bin/env bats
# --init, hull images, info, version and help.
load helpers

@test "--init puts hull-init at PID 1, which reaps zombies" {
  run hull run --rm --init busybox sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; (sleep 0.1 &); sleep 0.6; ps -o stat= | grep -c Z'
  [ "$status" -eq 1 ]   # grep -c found no zombie, so it printed 0 and exited 1
  [[ "${lines[0]}" == "/sbin/hull-init -- sh -c"* ]]
  [ "${lines[1]}" = "0" ]
}

@test "--init passes the exit status on" {
  run hull run --rm --init busybox sh -c 'exit 9'
  [ "$status" -eq 9 ]
}

@test "hull images lists busybox with id, age and size" {
  run hull images
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == REPOSITORY*TAG*"IMAGE ID"*CREATED*SIZE ]]
  [[ "${lines[1]}" =~ ^busybox\ +latest\ +[0-9a-f]{12}\ +.+\ +[0-9.]+[kMG]?B$ ]]
  run hull images -q
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
}

@test "the built-in image is the same image in every store" {
  run hull images -q --no-trunc
  id1=$output
  other=$(mktemp -d)
  id2=$("$HULL" --root "$other" images -q --no-trunc)
  rm -rf "$other"
  [ -n "$id1" ]
  [ "$id1" = "$id2" ]
}

@test "hull info, version and help" {
  run hull info
  [ "$status" -eq 0 ]
  [[ "$output" == *"Storage Driver: overlay"* ]]
  [[ "$output" == *"Cgroup Version:"* ]]
  [[ "$output" == *"Kernel Version: $(uname -r)"* ]]
  [[ "$output" == *"Hull Root Dir: $HULL_TEST_ROOT"* ]]
  run hull version
  [[ "$output" == "hull version "* ]]
  run hull --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage:  hull [OPTIONS] COMMAND"* ]]
  run hull run --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage:  hull run [OPTIONS] IMAGE [COMMAND] [ARG...]"* ]]
  [[ "$output" == *"--cap-add"* ]]
}

@test "HULL_ROOT moves the state like --root" {
  HULL_ROOT=$HULL_TEST_ROOT run "$HULL" run --rm busybox true
  [ "$status" -eq 0 ]
  [ -d "$HULL_TEST_ROOT/image" ]
}
