#!/usr/bin/env bats
# hull exec, top, stats, pause and unpause on detached containers.  Runs on
# this hybrid host and, through tests/vm/, on pure cgroup v2 and v1.
load helpers
bats_require_minimum_version 1.5.0

pid1() { hull inspect "$1" | jq -r '.[0].State.Pid'; }

# The counter a looping container writes (the loop may be between the
# truncation and the write: read again).
count() {
  local n
  for _ in $(seq 100); do
    n=$(cat "$1/tmp/n" 2>/dev/null)
    [ -n "$n" ] && { echo "$n"; return; }
    sleep 0.01
  done
}

# The status lines that say how a process is confined.
confinement() { grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "$1"; }

@test "exec runs in the container's namespaces, beside its PID 1" {
  hull run -d --name box busybox sleep 1000
  pid=$(pid1 box)
  for ns in pid mnt net ipc uts cgroup; do
    run hull exec box readlink /proc/self/ns/$ns
    [ "$status" -eq 0 ]
    [ "$output" = "$(readlink /proc/$pid/ns/$ns)" ]
  done
  run hull exec box ps -o pid,args
  [[ "${lines[1]}" =~ ^\ *1\ +sleep\ 1000$ ]]
  [ "$(hull exec box hostname)" = "$(hull inspect box | jq -r '.[0].Config.Hostname')" ]
}

@test "the exit status passes through; 127 and 126 as run gives them" {
  hull run -d --name box busybox sleep 1000
  run hull exec box sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run hull exec box sh -c 'kill -9 $$'
  [ "$status" -eq 137 ]
  run -127 hull exec box nosuchcommand
  [[ "$output" == *'exec "nosuchcommand": executable file not found in $PATH'* ]]
  run hull exec box /etc
  [ "$status" -eq 126 ]
  run hull exec -w /nonexistent box true
  [ "$status" -eq 126 ]
  [[ "$output" == *"/nonexistent"* ]]
}

@test "-u takes a uid or a name from the container's own passwd, with its groups" {
  hull run -d --name box busybox sleep 1000
  [ "$(hull exec -u 1000 box id)" = "uid=1000(user) gid=1000(user) groups=100(users),1000(user)" ]
  [ "$(hull exec -u user box id -G)" = "1000 100" ]
  [ "$(hull exec -u nobody:users box id)" = "uid=65534(nobody) gid=100(users) groups=100(users)" ]
  [ "$(hull exec -u 4242 box id -u)" = "4242" ]
  [ "$(hull exec -u user box sh -c 'echo $HOME')" = "/home/user" ]
  # The container's files count, not the image's: a user added at run time.
  hull exec box sh -c 'echo "late:x:2000:2000::/late:/bin/sh" >> /etc/passwd'
  [ "$(hull exec -u late box sh -c 'id -u; echo $HOME')" = "$(printf '2000\n/late')" ]
  run hull exec -u nosuchuser box true
  [ "$status" -eq 125 ]
  [[ "$output" == *"unable to find user nosuchuser"* ]]
}

@test "-e, --env-file and -w, over the container's environment and working directory" {
  hull run -d --name box -e FROM_RUN=1 -e KEEP=run -w /tmp busybox sleep 1000
  run hull exec box sh -c 'pwd; echo $FROM_RUN $KEEP; echo $HOSTNAME'
  [ "${lines[0]}" = /tmp ]
  [ "${lines[1]}" = "1 run" ]
  [ -n "${lines[2]}" ]
  echo "FROM_FILE=f" >"$HULL_TEST_ROOT/env"
  run hull exec -e KEEP=exec --env-file "$HULL_TEST_ROOT/env" -w /etc box sh -c 'pwd; echo $KEEP $FROM_FILE'
  [ "${lines[0]}" = /etc ]
  [ "${lines[1]}" = "exec f" ]
  run hull exec -w relative box true
  [ "$status" -eq 125 ]
}

@test "-it gives a terminal of the container's own devpts; -t its size" {
  hull run -d --name box busybox sleep 1000
  run in_pty "'$HULL' --root '$HULL_TEST_ROOT' exec -t box sh -c 'tty; test -t 0 && echo is-tty; echo \$TERM'"
  [[ "$output" == *"/dev/pts/"* ]]
  [[ "$output" == *"is-tty"* ]]
  [[ "$output" == *"xterm"* ]]
  run in_pty "stty rows 33 cols 99; '$HULL' --root '$HULL_TEST_ROOT' exec -it box stty size"
  [[ "$output" == *"33 99"* ]]
  run bash -c "{ sleep 0.5; printf 'echo in-\$((40+2))\n'; sleep 0.3; printf 'exit 4\n'; sleep 1; } | script -qefc \"'$HULL' --root '$HULL_TEST_ROOT' exec -it box sh\" /dev/null"
  [ "$status" -eq 4 ]
  [[ "$output" == *"in-42"* ]]
  # In a container with a terminal, /dev/console stays its first one.
  hull run -dit --name tbox busybox sh
  run in_pty "'$HULL' --root '$HULL_TEST_ROOT' exec -t tbox tty"
  [[ "$output" == *"/dev/pts/1"* ]]
  [ "$(hull exec tbox stat -L -c '%t:%T' /dev/console)" = "$(hull exec tbox stat -L -c '%t:%T' /dev/pts/0)" ]
}

@test "exec into a created, stopped or paused container is a clear error (125)" {
  hull create --name made busybox sleep 1000
  run hull exec made true
  [ "$status" -eq 125 ]
  [[ "$output" == "hull: container "*" is not running" ]]
  hull run -d --name box busybox sleep 1000
  hull stop -t 0 box
  run hull exec box true
  [ "$status" -eq 125 ]
  [[ "$output" == *"is not running"* ]]
  hull start box
  hull pause box
  run hull exec box true
  [ "$status" -eq 125 ]
  [[ "$output" == *"is paused"* ]]
  hull unpause box
  run hull exec nosuchbox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"No such container: nosuchbox"* ]]
  run hull exec box
  [ "$status" -eq 125 ]
  [[ "$output" == *"requires at least 2 arguments"* ]]
}

@test "the exec'd process is confined exactly as PID 1: capabilities, no_new_privs, seccomp" {
  hull run -d --name box --cap-drop NET_RAW --cap-add SYS_TIME --security-opt no-new-privileges busybox sleep 1000
  pid=$(pid1 box)
  want=$(confinement /proc/$pid/status)
  [[ "$want" == *"NoNewPrivs:"*1* ]]
  [[ "$want" == *"Seccomp:"*2* ]]
  [ "$(hull exec box cat /proc/self/status | confinement /dev/stdin)" = "$want" ]
  [ "$(hull exec -u 1000 box cat /proc/self/status | grep -E '^(CapBnd|NoNewPrivs|Seccomp):')" = \
    "$(grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/$pid/status)" ]
  # --privileged: every capability hull has; the filter stays the container's.
  hull run -d --name plain busybox sleep 1000
  run hull exec --privileged plain grep -E '^(CapEff|Seccomp):' /proc/self/status
  [[ "$output" == *"CapEff:"*"$(awk '/^CapBnd/ {print $2}' /proc/self/status)"* ]]
  [[ "$output" == *"Seccomp:"*2* ]]
}

@test "the exec'd process is in the container's cgroup" {
  hull run -d --name box -m 64m busybox sleep 1000
  pid=$(pid1 box)
  [ "$(hull exec box cat /proc/self/cgroup)" = "$(hull exec box cat /proc/1/cgroup)" ]
  # From the host: the same cgroup in every hierarchy as PID 1.
  hull exec -d box sleep 3131
  for _ in $(seq 50); do
    child=$(pgrep -xf 'sleep 3131')
    [ -n "$child" ] && break
    sleep 0.1
  done
  [ -n "$child" ]
  [ "$(cat /proc/$child/cgroup)" = "$(cat /proc/$pid/cgroup)" ]
  [ "$(hull exec box cat /sys/fs/cgroup/memory.max 2>/dev/null || hull exec box cat /sys/fs/cgroup/memory/memory.limit_in_bytes)" = 67108864 ]
}

@test "no hull binary is reachable through /proc/*/exe while execs are set up" {
  hull run -d --name box busybox sleep 1000
  hash_before=$(sha256sum "$HULL" | cut -d' ' -f1)
  # Inside: read every exe link and try to open it, over and over.
  hull exec -d box sh -c 'while :; do for p in /proc/[0-9]*; do
      l=$(readlink $p/exe 2>/dev/null) && echo "$p $l"; cat $p/exe >/dev/null 2>&1 && echo "opened $p"
    done; done >/tmp/exe.log 2>&1'
  sleep 0.3
  for _ in $(seq 20); do hull exec box true; done
  hull exec box sh -c 'kill $(pgrep -f "while :")' || true
  run hull exec box cat /tmp/exe.log
  [ -n "$output" ]
  # Every exe link it could read was the container's busybox (the links of
  # exec's set-up processes were not readable at all).
  [ -z "$(grep -v ' /bin/busybox$' <<<"$output" | grep -v '^opened ' || true)" ]
  [ "$(sha256sum "$HULL" | cut -d' ' -f1)" = "$hash_before" ]
}

@test "-d returns at once and the command runs; signals reach a foreground exec" {
  hull run -d --name box busybox sleep 1000
  start=$(date +%s%N)
  hull exec -d box sh -c 'sleep 1; echo done >/tmp/d'
  [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 900 ]
  sleep 1.5
  [ "$(hull exec box cat /tmp/d)" = done ]
  "$HULL" --root "$HULL_TEST_ROOT" exec box sleep 30 &
  hp=$!
  sleep 0.5
  kill -TERM $hp
  st=0
  wait $hp || st=$?
  [ "$st" -eq 143 ]
  # hull exec reaped its process: no zombie sleep in the container's pid
  # namespace.  (The -d one is reaped by whoever inherits it: the host's
  # init, or a subreaper above hull.)
  [ -z "$(hull exec box ps -o stat,args | awk '$1 ~ /^Z/ && /sleep/')" ]
}

@test "top lists the container's processes as ps -ef" {
  hull run -d --name box busybox sleep 1000
  hull exec -d box sleep 77
  sleep 0.3
  run hull top box
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]]
  [[ "$output" == *"sleep 1000"* ]]
  [[ "$output" == *"sleep 77"* ]]
  [[ "${lines[1]}" =~ ^root\ +$(pid1 box)\ + ]]
  run hull top box -o pid
  [ "$status" -eq 0 ]
}

@test "stats --no-stream shows the container with its memory limit" {
  # (NET I/O: on the default bridge the host may already have sent a frame)
  hull run -d --name box -m 64m busybox sleep 1000
  run hull stats --no-stream
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]]
  [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +box\ +[0-9.]+%\ +[0-9.]+[KMG]?i?B\ /\ 64MiB\ +[0-9.]+%\ +[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B\ +.*\ 1$ ]]
  run hull stats --no-stream --format '{{.Name}}: {{.PIDs}}' box
  [ "$output" = "box: 1" ]
  # A busy container uses CPU.
  hull run -d --name busy busybox sh -c 'while :; do :; done'
  run hull stats --no-stream --format '{{.CPUPerc}}' busy
  [[ "$output" =~ ^[0-9]+\.[0-9]{2}%$ ]]
  [ "${output%%.*}" -ge 20 ]
}

@test "pause stops a counting loop, unpause resumes it; ps says Paused" {
  hull run -d --name box busybox sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; sleep 0.02; done'
  root=/proc/$(pid1 box)/root
  sleep 0.3
  run hull pause box
  [ "$status" -eq 0 ]
  [ "$output" = box ]
  [[ "$(hull ps)" == *"(Paused)"* ]]
  [ "$(hull inspect box | jq -r '.[0].State.Status')" = paused ]
  a=$(count $root); sleep 0.5; b=$(count $root)
  [ -n "$a" ] && [ "$a" = "$b" ]
  run hull pause box
  [ "$status" -ne 0 ]
  [[ "$output" == *"is already paused"* ]]
  hull unpause box
  sleep 0.3
  c=$(count $root)
  [ "$c" -gt "$b" ]
  [[ "$(hull ps)" != *"(Paused)"* ]]
  run hull unpause box
  [ "$status" -ne 0 ]
  [[ "$output" == *"is not paused"* ]]
  # A paused container still stops.
  hull pause box
  hull stop -t 1 box
  [ "$(hull inspect box | jq -r '.[0].State.Status')" = exited ]
}
