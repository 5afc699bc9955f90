#!/usr/bin/env bats
# Detached containers, their monitors, and the lifecycle commands.
load helpers

state() { hull inspect "$1" | jq -r ".[0].State.$2"; }

@test "run -d prints the id and returns once the container runs" {
  run hull run -d --name web busybox sleep 1000
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  id=$output
  [ "$(state web Status)" = "running" ]
  pid=$(state web Pid)
  [ "$pid" -gt 0 ]
  [ "$(readlink /proc/$pid/exe)" = /bin/busybox ]
  # id prefix, full id and name all work
  [ "$(state "${id:0:8}" Status)" = "running" ]
  [ "$(state "$id" Status)" = "running" ]
}

@test "a start error of a detached container comes back to run -d" {
  run hull run -d busybox nosuchcommand
  [ "$status" -eq 127 ]
  [[ "$output" == *"executable file not found"* ]]
  run hull run -d --rm busybox nosuchcommand
  [ "$status" -eq 127 ]
  sleep 0.3
  [ "$(container_dirs)" -eq 1 ]
}

@test "ps shows running containers, -a all, -q ids, -n and --no-trunc" {
  hull run -d --name one busybox sleep 1000
  hull create --name two busybox true
  run hull ps
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "CONTAINER ID"*IMAGE*COMMAND*CREATED*STATUS*PORTS*NAMES ]]
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[1]}" == *'"sleep 1000"'*"Up "*one ]]
  run hull ps -a
  [ "${#lines[@]}" -eq 3 ]
  [[ "$output" == *Created*two* ]]
  run hull ps -a -q
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
  run hull ps -a -q --no-trunc
  [[ "${lines[0]}" =~ ^[0-9a-f]{64}$ ]]
  run hull ps -n 1 -q
  [ "${#lines[@]}" -eq 1 ]
}

@test "stop, start, restart keep the container's files; exit codes are recorded" {
  hull run -d --name ct busybox sh -c 'echo hi >>/data.txt; trap "exit 3" TERM; while :; do sleep 0.1; done'
  run hull stop -t 5 ct
  [ "$status" -eq 0 ]
  [ "$output" = "ct" ]
  [ "$(state ct Status)" = "exited" ]
  [ "$(state ct ExitCode)" = "3" ]
  run hull start ct
  [ "$output" = "ct" ]
  [ "$(state ct Status)" = "running" ]
  run hull restart ct
  [ "$(state ct Status)" = "running" ]
  # Three runs appended to the same upper layer.
  [ "$(hull exec ct cat /data.txt | wc -l)" = "3" ]
  [ "$(cat "$HULL_TEST_ROOT"/containers/*/upper/data.txt | wc -l)" = "3" ]
}

@test "stop of a PID 1 that ignores SIGTERM ends it with SIGKILL after the timeout" {
  hull run -d --name stubborn busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done'
  start=$(date +%s%N)
  run hull stop -t 1 stubborn
  end=$(date +%s%N)
  [ "$status" -eq 0 ]
  [ "$(state stubborn ExitCode)" = "137" ]
  ms=$(( (end - start) / 1000000 ))
  [ "$ms" -ge 900 ]
  [ "$ms" -lt 8000 ]
}

@test "kill -s, wait prints the exit code" {
  hull run -d --name kk busybox sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done'
  hull kill -s USR1 kk
  run hull wait kk
  [ "$output" = "42" ]
  run hull kill kk
  [ "$status" -ne 0 ]
  [[ "$output" == *"is not running"* ]]
}

@test "rm refuses a running container without -f; rm -f leaves nothing" {
  hull run -d --name rr -m 64m busybox sleep 1000
  pid=$(state rr Pid)
  id=$(hull inspect rr | jq -r '.[0].Id')
  run hull rm rr
  [ "$status" -ne 0 ]
  [[ "$output" == *"stop the container before removing or force remove"* ]]
  run hull rm -f rr
  [ "$status" -eq 0 ]
  [ ! -e /proc/$pid ]
  [ "$(container_dirs)" -eq 0 ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "$id" 2>/dev/null)" ]
  run hull inspect rr
  [ "$status" -ne 0 ]
}

@test "kill -9 of the monitor: ps tells the truth and rm -f cleans up" {
  hull run -d --name mm busybox sleep 1000
  pid=$(state mm Pid)
  mon=$(awk '{print $4}' /proc/$pid/stat)   # the monitor is PID 1's parent
  [ "$(cat /proc/$mon/comm)" = "hull-monitor" ]
  kill -9 "$mon"
  for _ in $(seq 50); do [ -e /proc/$pid ] || break; sleep 0.1; done
  [ ! -e /proc/$pid ]
  run hull ps -a
  [[ "$output" == *"Exited (255)"* ]]
  [ "$(state mm Running)" = "false" ]
  run hull rm -f mm
  [ "$status" -eq 0 ]
  [ "$(container_dirs)" -eq 0 ]
}

@test "a simulated reboot leaves every container exited and startable" {
  hull run -d --name aa busybox sleep 1000
  hull run -d --name bb busybox sleep 1000
  for n in aa bb; do
    pid=$(state $n Pid)
    mon=$(awk '{print $4}' /proc/$pid/stat)
    kill -9 "$mon" "$pid"
  done
  rm -rf "$HULL_TEST_ROOT/run"
  sleep 0.3
  [ "$(state aa Status)" = "exited" ]
  [ "$(state bb Status)" = "exited" ]
  run hull start aa bb
  [ "$status" -eq 0 ]
  [ "$(state aa Status)" = "running" ]
  [ "$(state bb Status)" = "running" ]
}

@test "--rm of a detached container: the monitor removes it when it exits" {
  hull run -d --rm --name gone busybox sh -c 'sleep 0.3'
  for _ in $(seq 50); do [ "$(container_dirs)" -eq 0 ] && break; sleep 0.1; done
  [ "$(container_dirs)" -eq 0 ]
}

@test "restart policies: on-failure:N with back-off, always, and no restart after stop" {
  hull run -d --name ff --restart on-failure:2 busybox sh -c 'exit 1'
  # Status and count from one read: read apart, "exited" after the second
  # run and a count of 2 from the restart that follows it look like the end.
  ff() { hull inspect ff | jq -r '.[0] | "\(.State.Status) \(.RestartCount)"'; }
  for _ in $(seq 100); do [ "$(ff)" = "exited 2" ] && break; sleep 0.1; done
  [ "$(ff)" = "exited 2" ]
  sleep 0.5
  [ "$(ff)" = "exited 2" ]
  hull run -d --name al --restart always busybox sh -c 'sleep 0.2'
  for _ in $(seq 100); do [ "$(hull inspect al | jq .[0].RestartCount)" -ge 2 ] && break; sleep 0.1; done
  [ "$(hull inspect al | jq .[0].RestartCount)" -ge 2 ]
  hull stop al
  sleep 1
  [ "$(state al Status)" = "exited" ]
}

@test "rename, and names stay unique" {
  hull create --name old busybox true
  hull create --name taken busybox true
  run hull rename old taken
  [ "$status" -ne 0 ]
  [[ "$output" == *'"taken" is already in use'* ]]
  run hull rename old new
  [ "$status" -eq 0 ]
  [ "$(hull inspect new | jq -r '.[0].Name')" = "/new" ]
  run hull inspect old
  [ "$status" -ne 0 ]
}

@test "inspect has Docker's main fields" {
  hull run -d --name ii --label app=web -e X=1 busybox sleep 1000
  run hull inspect ii
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.[0] | .Id and .Created and .Path == "sleep" and .Args == ["1000"] and .Name == "/ii"' >/dev/null
  echo "$output" | jq -e '.[0].State | .Status == "running" and .Running and .Pid > 0 and (.StartedAt | test("T.*Z$"))' >/dev/null
  echo "$output" | jq -e '.[0].Config | .Image == "busybox" and .Labels.app == "web" and (.Env | index("X=1"))' >/dev/null
  echo "$output" | jq -e '.[0].HostConfig.RestartPolicy.Name == "no"' >/dev/null
}

@test "container prune removes the stopped ones" {
  hull create --name p1 busybox true
  hull run --name p2 busybox true
  hull run -d --name p3 busybox sleep 1000
  run hull container prune -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"Deleted Containers:"* ]]
  run hull ps -a -q
  [ "${#lines[@]}" -eq 1 ]
}

@test "50 parallel run -d give 50 running containers with distinct names" {
  hull images >/dev/null
  for i in $(seq 50); do
    "$HULL" --root "$HULL_TEST_ROOT" run -d busybox sleep 1000 >/dev/null &
  done
  wait
  run hull ps -q
  [ "${#lines[@]}" -eq 50 ]
  [ "$(hull ps --format '{{.Names}}' | sort -u | wc -l)" -eq 50 ]
}

@test "two runs racing for one --name give one container and one clear error" {
  "$HULL" --root "$HULL_TEST_ROOT" run -d --name race busybox sleep 1000 >"$HULL_TEST_ROOT/o1" 2>&1 &
  "$HULL" --root "$HULL_TEST_ROOT" run -d --name race busybox sleep 1000 >"$HULL_TEST_ROOT/o2" 2>&1 &
  wait
  [ "$(container_dirs)" -eq 1 ]
  cat "$HULL_TEST_ROOT/o1" "$HULL_TEST_ROOT/o2" | grep -q 'name "race" is already in use'
}

@test "bad input: unknown container, ambiguous prefix, bad names and policies" {
  run hull stop nosuch
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  run hull run -d --restart on-failure:x busybox true
  [ "$status" -eq 125 ]
  run hull run -d --restart sometimes busybox true
  [ "$status" -eq 125 ]
  run hull run --rm --restart always busybox true
  [ "$status" -eq 125 ]
  run hull run -d --name 'no/slash' busybox true
  [ "$status" -eq 125 ]
  [ "$(container_dirs)" -eq 0 ]
  # An id prefix two containers share is refused.
  for i in $(seq 40); do hull create busybox true >/dev/null; done
  prefix=$(ls "$HULL_TEST_ROOT/containers" | cut -c1 | sort | uniq -d | head -1)
  run hull inspect "$prefix"
  [ "$status" -ne 0 ]
  [[ "$output" == *"multiple containers"* || "$output" == *"No such container"* ]]
}

@test "an idle monitor uses no CPU" {
  hull run -d --name idle busybox sleep 1000
  pid=$(state idle Pid)
  mon=$(awk '{print $4}' /proc/$pid/stat)
  t1=$(awk '{print $14 + $15}' /proc/$mon/stat)
  sleep 2
  t2=$(awk '{print $14 + $15}' /proc/$mon/stat)
  [ $((t2 - t1)) -le 1 ]
}

@test "a foreground --rm container is listed by ps while it runs, and gone after it" {
  hull images >/dev/null
  "$HULL" --root "$HULL_TEST_ROOT" run --rm --name fg busybox sleep 1 &
  pid=$!
  for _ in $(seq 50); do hull ps --format '{{.Names}} {{.State}}' | grep -qx 'fg running' && break; sleep 0.05; done
  run hull ps --format '{{.Names}} {{.State}}'
  wait "$pid"
  [ "$output" = "fg running" ]
  [ "$(container_dirs)" -eq 0 ]
}

@test "stop wins over a restart in progress: the container stays exited" {
  # `true` under --restart always spends its life restarting, so stops land
  # in every phase of a restart; each must end it for good.
  hull run -d --name rs --restart always busybox true
  for i in 1 2 3 4 5; do
    sleep 0.$((RANDOM % 4))
    hull stop -t 1 rs
    [ "$(state rs Status)" = "exited" ]
    n=$(hull inspect rs | jq .[0].RestartCount)
    sleep 0.4
    [ "$(state rs Status)" = "exited" ]
    [ "$(hull inspect rs | jq .[0].RestartCount)" = "$n" ]
    hull start rs
  done
}
