#!/usr/bin/env bats
# hull logs and hull attach: the json-file log of detached containers, its
# rotation, and attaching to a running container through its monitor.
load helpers

# Until the container has stopped and its monitor wrote the last of the
# log: logs -f ends exactly then.
settle() {
  timeout 20 "$HULL" --root "$HULL_TEST_ROOT" logs -f "$1" >/dev/null 2>&1
}

log_dir() {
  echo "$HULL_TEST_ROOT/containers/$(hull inspect "$1" | jq -r '.[0].Id')"
}

@test "logs of a detached container" {
  hull run -d --name lg busybox sh -c 'echo one; echo two; printf "no newline"'
  settle lg
  run hull logs lg
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "one" ]
  [ "${lines[1]}" = "two" ]
  [ "${lines[2]}" = "no newline" ]
  # Docker's json-file format, one object per line.
  f="$(log_dir lg)/$(hull inspect lg | jq -r '.[0].Id')-json.log"
  [ "$(head -1 "$f" | jq -r .log)" = "one" ]
  [ "$(head -1 "$f" | jq -r .stream)" = "stdout" ]
  [[ "$(head -1 "$f" | jq -r .time)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$ ]]
}

@test "stdout and stderr entries go back to stdout and stderr" {
  hull run -d --name st busybox sh -c 'echo out; echo err >&2; echo out2'
  settle st
  [ "$(hull logs st 2>/dev/null)" = "$(printf 'out\nout2')" ]
  [ "$(hull logs st 2>&1 >/dev/null)" = "err" ]
}

@test "-t prefixes each line with its RFC 3339 time" {
  hull run -d --name ts busybox sh -c 'echo a; echo b >&2'
  settle ts
  run hull logs -t ts
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  for l in "${lines[@]}"; do
    [[ "$l" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z\ [ab]$ ]]
  done
}

@test "--tail N, --tail 0, --tail all, --since and --until" {
  hull run -d --name tl busybox seq 1 100
  settle tl
  [ "$(hull logs --tail 3 tl)" = "$(printf '98\n99\n100')" ]
  [ "$(hull logs -n 1 tl)" = "100" ]
  [ -z "$(hull logs --tail 0 tl)" ]
  [ "$(hull logs --tail all tl | wc -l)" -eq 100 ]
  [ "$(hull logs --since 1h tl | wc -l)" -eq 100 ]
  [ -z "$(hull logs --since 2099-01-01T00:00:00Z tl)" ]
  [ -z "$(hull logs --until 2000-01-01 tl)" ]
  [ "$(hull logs --until "$(($(date +%s) + 1))" --tail 1 tl)" = "100" ]
  run hull logs --since yesterday tl
  [ "$status" -eq 125 ]
  [[ "$output" == *'failed to parse value as time or duration: "yesterday"'* ]]
  run hull logs --tail x tl
  [ "$status" -eq 125 ]
}

@test "logs -f follows the output and ends when the container exits" {
  hull run -d --name fo busybox sh -c 'echo first; sleep 2; echo second'
  start=$SECONDS
  run timeout 20 "$HULL" --root "$HULL_TEST_ROOT" logs -f fo
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'first\nsecond')" ]
  (( SECONDS - start >= 1 ))
  # On a stopped container -f prints and returns.
  run timeout 5 "$HULL" --root "$HULL_TEST_ROOT" logs -f --tail 1 fo
  [ "$status" -eq 0 ]
  [ "$output" = "second" ]
}

@test "--log-opt max-size and max-file rotate the log" {
  hull run -d --name rot --log-opt max-size=1k --log-opt max-file=3 busybox \
    sh -c 'for i in $(seq 1 300); do echo line $i; done'
  settle rot
  d=$(log_dir rot)
  id=$(basename "$d")
  [ -f "$d/$id-json.log" ]
  [ -f "$d/$id-json.log.1" ]
  [ -f "$d/$id-json.log.2" ]
  [ ! -e "$d/$id-json.log.3" ]
  for f in "$d/$id-json.log"*; do
    [ "$(stat -c %s "$f")" -le 1024 ]
  done
  # hull logs reads the rotated files in order: what is left is the end,
  # without a gap.
  run hull logs rot
  [ "${lines[-1]}" = "line 300" ]
  first=${lines[0]#line }
  [ "${#lines[@]}" -eq $((300 - first + 1)) ]
  run hull run -d --log-opt max-size=abc busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid --log-opt max-size "abc"'* ]]
}

@test "a container's output is never held up by its log or a client" {
  # 5 MB with nobody attached, then the same with a client that never
  # reads: the container ends on its own time both times.
  hull run -d --name big busybox sh -c 'yes 0123456789 | head -n 500000; echo end'
  run timeout 30 sh -c "'$HULL' --root '$HULL_TEST_ROOT' logs -f big | tail -n 1"
  [ "$status" -eq 0 ]
  [ "$output" = "end" ]
  [ "$(hull inspect big | jq -r '.[0].State.ExitCode')" -eq 0 ]
  # attach's stdout is a fifo that nobody reads: it stops reading its
  # socket, and the monitor drops it rather than wait.
  mkfifo "$BATS_TEST_TMPDIR/stuck"
  exec 7<>"$BATS_TEST_TMPDIR/stuck"
  hull run -d --name big2 busybox sh -c 'sleep 1; yes 0123456789 | head -n 500000; echo end'
  "$HULL" --root "$HULL_TEST_ROOT" attach --no-stdin big2 >"$BATS_TEST_TMPDIR/stuck" 2>/dev/null 3>&- 7>&- &
  apid=$!
  run timeout 30 sh -c "'$HULL' --root '$HULL_TEST_ROOT' logs -f big2 | tail -n 1"
  [ "$status" -eq 0 ]
  [ "$output" = "end" ]
  # Still stuck writing; with the container gone, --sig-proxy's SIGTERM
  # is attach's own again.
  kill -TERM "$apid"
  st=0
  wait "$apid" || st=$?
  exec 7>&-
  [ "$st" -eq 143 ]
}

@test "a tty container's log is its pty output, all stdout" {
  hull run -d -t --name tt busybox sh -c 'echo hi; echo err >&2'
  settle tt
  [ "$(hull logs tt 2>/dev/null | od -An -c | tr -s ' ')" = " h i \r \n e r r \r \n" ]
  [ -z "$(hull logs tt 2>&1 >/dev/null)" ]
}

@test "attach receives output and sends stdin; its status is the container's" {
  hull run -d -i --name att busybox sh -c 'read x; echo "got $x"; echo oops >&2; cat'
  out=$BATS_TEST_TMPDIR/out
  err=$BATS_TEST_TMPDIR/err
  # (set +e: attach ends with the container's 137.)
  (set +e; echo hi | "$HULL" --root "$HULL_TEST_ROOT" attach att >"$out" 2>"$err"; echo $? >"$out.status") 3>&- &
  for _ in $(seq 50); do grep -q "got hi" "$out" 2>/dev/null && break; sleep 0.1; done
  [ "$(cat "$out")" = "got hi" ]
  [ "$(cat "$err")" = "oops" ]
  # cat still runs: the end of attach's stdin does not end the container's
  # (run -d -i is not StdinOnce), so attach waits for the container.
  [ ! -e "$out.status" ]
  hull kill att
  for _ in $(seq 50); do [ -s "$out.status" ] && break; sleep 0.1; done
  [ "$(cat "$out.status")" -eq 137 ]
  # What went by is in the log as well.
  [ "$(hull logs att 2>/dev/null)" = "got hi" ]
}

@test "attach --no-stdin only watches; a second client sends" {
  hull run -d -i --name two busybox sh -c 'while read x; do echo "line $x"; [ "$x" = stop ] && exit 3; done'
  out=$BATS_TEST_TMPDIR/watch
  (set +e; "$HULL" --root "$HULL_TEST_ROOT" attach --no-stdin two >"$out" 2>&1; echo $? >"$out.status") 3>&- </dev/null &
  sleep 0.5
  printf 'a\nstop\n' | "$HULL" --root "$HULL_TEST_ROOT" attach two >/dev/null || [ $? -eq 3 ]
  for _ in $(seq 50); do [ -s "$out.status" ] && break; sleep 0.1; done
  [ "$(cat "$out")" = "$(printf 'line a\nline stop')" ]
  [ "$(cat "$out.status")" -eq 3 ]
}

@test "attach to a tty container relays raw bytes" {
  hull run -d -i -t --name ta busybox sh -c 'read x; echo "got $x"'
  run timeout 10 sh -c "echo hi | '$HULL' --root '$HULL_TEST_ROOT' attach ta"
  [ "$status" -eq 0 ]
  [[ "$output" == *"got hi"$'\r' ]]
}

@test "attach to a stopped container, logs of an unknown one: Docker's errors" {
  hull run -d --name done busybox true
  settle done
  run hull attach done
  [ "$status" -eq 1 ]
  [ "$output" = "hull: You cannot attach to a stopped container, start it first" ]
  run hull logs nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "hull: No such container: nosuch" ]
  run hull attach nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "hull: No such container: nosuch" ]
  run hull logs
  [ "$status" -eq 125 ]
}

@test "attach forwards signals (--sig-proxy), or not (--sig-proxy=false)" {
  hull run -d --name sp busybox sh -c 'trap "echo got TERM; exit 5" TERM; echo ready; while :; do sleep 0.1; done'
  for _ in $(seq 50); do [ "$(hull logs sp)" = ready ] && break; sleep 0.1; done
  out=$BATS_TEST_TMPDIR/sp
  (set +e; "$HULL" --root "$HULL_TEST_ROOT" attach sp >"$out" 2>&1 </dev/null; echo $? >"$out.status") 3>&- &
  sleep 0.5
  # The subshell's child is hull attach.
  apid=$(pgrep -P $! -f "attach sp")
  kill -TERM "$apid"
  for _ in $(seq 50); do [ -s "$out.status" ] && break; sleep 0.1; done
  [ "$(cat "$out")" = "got TERM" ]
  [ "$(cat "$out.status")" -eq 5 ]

  hull run -d --name np busybox sleep 1000
  "$HULL" --root "$HULL_TEST_ROOT" attach --sig-proxy=false np </dev/null 3>&- &
  apid=$!
  sleep 0.5
  kill -TERM "$apid"
  wait "$apid" || [ $? -eq 143 ]
  [ "$(hull inspect np | jq -r '.[0].State.Status')" = running ]
}

@test "logs of a container that never ran is empty" {
  hull create --name cr busybox echo hi
  run hull logs cr
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "logs -f follows across rotations without a gap" {
  hull run -d --name fr --log-opt max-size=1k --log-opt max-file=5 busybox \
    sh -c 'sleep 0.5; for i in $(seq 1 300); do echo line $i; usleep 5000; done'
  run timeout 30 "$HULL" --root "$HULL_TEST_ROOT" logs -f fr
  [ "$status" -eq 0 ]
  [ "$output" = "$(seq 1 300 | sed 's/^/line /')" ]
  # max-file 1 empties the file instead; -f starts over with it.
  hull run -d --name fr1 --log-opt max-size=1k busybox \
    sh -c 'sleep 0.5; for i in $(seq 1 300); do echo line $i; usleep 5000; done'
  run timeout 30 "$HULL" --root "$HULL_TEST_ROOT" logs -f fr1
  [ "$status" -eq 0 ]
  [ "$output" = "$(seq 1 300 | sed 's/^/line /')" ]
}
