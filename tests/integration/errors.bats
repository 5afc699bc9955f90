#!/usr/bin/env bats
# Failures reach the user as one line with Docker's exit codes, and leave nothing behind.
load helpers

no_leftovers() {
  [ "$(container_dirs)" -eq 0 ]
  [ -z "$(mounts_under_root)" ]
  [ -z "$(ls "$HULL_TEST_ROOT/names" 2>/dev/null)" ]
}

@test "a missing executable exits 127" {
  run hull run --rm busybox nosuchcommand
  [ "$status" -eq 127 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *'exec "nosuchcommand": executable file not found in $PATH'* ]]
  run hull run --rm busybox /no/such/path
  [ "$status" -eq 127 ]
  no_leftovers
}

@test "a file that cannot be executed exits 126" {
  run hull run --rm busybox /etc/passwd
  [ "$status" -eq 126 ]
  [[ "$output" == *"permission denied"* || "$output" == *"Permission denied"* ]]
  no_leftovers
}

@test "a working directory that is a file" {
  run hull run --rm -w /etc/passwd busybox true
  [ "$status" -eq 126 ]
  [[ "$output" == *"/etc/passwd"* ]]
  [ "${#lines[@]}" -eq 1 ]
  no_leftovers
  run hull run --rm -w relative busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"absolute path"* ]]
}

@test "an unknown user or group" {
  run hull run --rm -u ghost busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"unable to find user ghost"* ]]
  run hull run --rm -u user:nogroup2 busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"unable to find group nogroup2"* ]]
  no_leftovers
}

@test "an image that is not there" {
  run hull run --rm --pull never nosuchimage true
  [ "$status" -eq 125 ]
  [[ "$output" == *nosuchimage* ]]
  [ "${#lines[@]}" -eq 1 ]
  # By default run tries to pull it (from Docker Hub, unreachable here):
  # Docker's "Unable to find image" line, then the pull's one-line error.
  run hull run --rm nosuchimage true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"Unable to find image 'nosuchimage:latest' locally"* ]]
  [[ "${lines[-1]}" == *"pulling nosuchimage:latest"* ]]
  run hull run --rm 'UPPER/case' true
  [ "$status" -eq 125 ]
  no_leftovers
}

@test "bad flags and usage" {
  run hull run --bogus busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"unknown flag: --bogus"* ]]
  run hull run
  [ "$status" -eq 125 ]
  run hull frobnicate
  [ "$status" -eq 125 ]
  run hull run --network nosuchnetwork busybox true
  [ "$status" -eq 125 ]
  run hull run --security-opt bogus busybox true
  [ "$status" -eq 125 ]
  no_leftovers
}

@test "a failed start without --rm leaves the container, but no mount or process" {
  run hull run busybox nosuchcommand
  [ "$status" -eq 127 ]
  [ "$(container_dirs)" -eq 1 ]
  [ -z "$(mounts_under_root)" ]
}

@test "an unreadable image layer is an engine error" {
  run hull run --rm busybox true
  [ "$status" -eq 0 ]
  layer=$(find "$HULL_TEST_ROOT/image" -type d -name diff | head -1)
  [ -n "$layer" ]
  mv "$layer" "$layer.moved"
  run hull run --rm busybox true
  mv "$layer.moved" "$layer"
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 1 ]
  no_leftovers
}
