#!/usr/bin/env bats
# hull run: commands, environment, users, exit codes, --rm and names.
load helpers

@test "echo hello from the built-in busybox on a fresh root" {
  run hull run --rm busybox echo hello
  [ "$status" -eq 0 ]
  [ "$output" = "hello" ]
}

@test "the container's exit status is hull's" {
  run hull run --rm busybox sh -c 'exit 3'
  [ "$status" -eq 3 ]
  run hull run --rm busybox false
  [ "$status" -eq 1 ]
}

@test "-e, -w, -u uid:gid and -h as in the README" {
  run hull run --rm -e FOO=bar -w /tmp -u 1000:1000 -h box busybox sh -c 'echo $FOO; pwd; id; hostname'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "bar" ]
  [ "${lines[1]}" = "/tmp" ]
  [ "${lines[2]}" = "uid=1000(user) gid=1000(user) groups=1000(user)" ]
  [ "${lines[3]}" = "box" ]
}

@test "-u by name resolves from the image's passwd and sets supplementary groups" {
  run hull run --rm -u user busybox id
  [ "$status" -eq 0 ]
  [[ "$output" == "uid=1000(user) gid=1000(user) groups="* ]]
  [[ "$output" == *"100(users)"* ]]
  run hull run --rm -u user busybox sh -c 'echo $HOME'
  [ "$output" = "/home/user" ]
  run hull run --rm -u nobody busybox id -u
  [ "$output" = "65534" ]
}

@test "-u with a numeric uid that the image does not know" {
  run hull run --rm -u 4242 busybox sh -c 'id -u; id -g; echo $HOME'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "4242" ]
  [ "${lines[1]}" = "0" ]
  [ "${lines[2]}" = "/" ]
}

@test "the environment is the image's plus -e, never the host's" {
  export HULL_SECRET_FROM_HOST=leak
  run hull run --rm busybox env
  [ "$status" -eq 0 ]
  [[ "$output" != *HULL_SECRET_FROM_HOST* ]]
  [[ "$output" == *"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"* ]]
  [[ "$output" == *"HOME=/root"* ]]
  [[ "$output" == *"HOSTNAME="* ]]
  # A bare -e NAME takes the host's value, as in Docker.
  run hull run --rm -e HULL_SECRET_FROM_HOST -e A=1 -e A=2 busybox sh -c 'echo $HULL_SECRET_FROM_HOST $A'
  [ "$output" = "leak 2" ]
}

@test "--env-file" {
  f=$HULL_TEST_ROOT/env
  printf '# comment\nONE=1\n\nTWO=two words\n' >"$f"
  run hull run --rm --env-file "$f" -e TWO=2 busybox sh -c 'echo "$ONE $TWO"'
  [ "$status" -eq 0 ]
  [ "$output" = "1 2" ]
}

@test "--entrypoint replaces the image's entrypoint and command" {
  run hull run --rm --entrypoint echo busybox hi there
  [ "$status" -eq 0 ]
  [ "$output" = "hi there" ]
  run hull run --rm --entrypoint /bin/hostname -h named busybox
  [ "$output" = "named" ]
}

@test "the image's Cmd runs when no command is given" {
  run hull run --rm -i busybox <<<'echo from-default-sh'
  [ "$status" -eq 0 ]
  [ "$output" = "from-default-sh" ]
}

@test "-i passes stdin; without -i the container reads end of file" {
  run bash -c "echo data | '$HULL' --root '$HULL_TEST_ROOT' run --rm -i busybox cat"
  [ "$output" = "data" ]
  run bash -c "echo data | '$HULL' --root '$HULL_TEST_ROOT' run --rm busybox cat"
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
}

@test "--rm removes the container; without it the container stays" {
  run hull run --rm busybox true
  [ "$(container_dirs)" -eq 0 ]
  run hull run busybox true
  [ "$status" -eq 0 ]
  [ "$(container_dirs)" -eq 1 ]
}

@test "names are unique and must be valid" {
  run hull run --name web busybox true
  [ "$status" -eq 0 ]
  run hull run --name web busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'name "web" is already in use'* ]]
  [ "$(container_dirs)" -eq 1 ]
  run hull run --rm --name 'bad name!' busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid container name"* ]]
  # --rm frees the name again.
  run hull run --rm --name once busybox true
  run hull run --rm --name once busybox true
  [ "$status" -eq 0 ]
}

@test "a signal sent to hull reaches the container" {
  "$HULL" --root "$HULL_TEST_ROOT" run --rm busybox sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$HULL_TEST_ROOT/out" &
  pid=$!
  for _ in $(seq 50); do grep -q ready "$HULL_TEST_ROOT/out" 2>/dev/null && break; sleep 0.1; done
  kill -TERM "$pid"
  wait "$pid" || status=$?
  [ "${status:-0}" -eq 7 ]
  grep -q got-term "$HULL_TEST_ROOT/out"
}

@test "a container killed by a signal exits 128+N" {
  hull images >/dev/null   # the busybox import happens now, not during the run
  "$HULL" --root "$HULL_TEST_ROOT" run --rm busybox sleep 30 &
  pid=$!
  for _ in $(seq 50); do
    child=$(cat /proc/$pid/task/*/children 2>/dev/null | awk '{print $1}')
    # The container's PID 1 once it has exec'd sleep (busybox) in its root.
    [ -n "$child" ] && [ "$(readlink /proc/$child/exe 2>/dev/null)" = /bin/busybox ] && break
    sleep 0.1
  done
  kill -KILL "$child"
  wait "$pid" || status=$?
  [ "${status:-0}" -eq 137 ]
  # Through --init: hull-init passes on the status of the process it runs.
  run hull run --rm --init busybox sh -c 'kill -KILL $$'
  [ "$status" -eq 137 ]
  "$HULL" --root "$HULL_TEST_ROOT" run --rm --init busybox sleep 30 &
  pid=$!
  sleep 0.5
  kill -TERM "$pid"
  wait "$pid" || status=$?
  [ "${status:-0}" -eq 143 ]
}

@test "--dry-run prints the OCI config and runs nothing" {
  run hull run --dry-run -u 1000 --read-only busybox echo x
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.ociVersion and .process.args == ["echo","x"] and .process.user.uid == 1000' >/dev/null
  echo "$output" | jq -e '.root.readonly == true and (.linux.namespaces | map(.type) | sort) == ["cgroup","ipc","mount","network","pid","uts"]' >/dev/null
  echo "$output" | jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and (.linux.maskedPaths | index("/proc/kcore"))' >/dev/null
  [ "$(container_dirs)" -eq 0 ]
}

@test "parallel runs on a fresh root: one busybox import, every container fine" {
  for i in $(seq 8); do
    "$HULL" --root "$HULL_TEST_ROOT" run --rm busybox sh -c "echo run-$i" >"$HULL_TEST_ROOT/out.$i" 2>&1 &
  done
  wait
  for i in $(seq 8); do
    [ "$(cat "$HULL_TEST_ROOT/out.$i")" = "run-$i" ]
  done
  [ "$(hull images -q | wc -l)" -eq 1 ]
  [ "$(ls "$HULL_TEST_ROOT/image/layers" | wc -l)" -eq 1 ]
  [ "$(container_dirs)" -eq 0 ]
}
