#!/usr/bin/env bats
# hull-runtime: runc's command line, the lifecycle and its error paths.

bats_require_minimum_version 1.5.0
load runtime_helpers

@test "runtime: spec writes runc's default config and will not overwrite it" {
  mkdir "$RT_TEST_DIR/s"
  run "$HULL_RUNTIME" spec -b "$RT_TEST_DIR/s"
  [ "$status" -eq 0 ]
  run jq -r '.ociVersion, .root.path, .process.args[0], .hostname' "$RT_TEST_DIR/s/config.json"
  [ "$output" = $'1.0.2\nrootfs\nsh\nrunc' ]
  run "$HULL_RUNTIME" spec -b "$RT_TEST_DIR/s"
  [ "$status" -ne 0 ]
  [[ $output == *"config.json exists"* ]]
}

@test "runtime: run passes the exit status on and removes its state" {
  cmd sh -c 'echo hello; exit 7'
  run rt run -b "$BUNDLE" c1
  [ "$status" -eq 7 ]
  [ "$output" = hello ]
  run rt state c1
  [ "$status" -ne 0 ]
  [[ $output == *"does not exist"* ]]
}

@test "runtime: run -b with a relative bundle, and from the bundle directory" {
  cmd echo ok
  cd "$RT_TEST_DIR"
  run rt run -b bundle c1
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  cd "$BUNDLE"
  run rt run c2
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
}

@test "runtime: create -> created -> start -> running -> kill -> stopped -> delete" {
  cmd sh -c 'echo started > /dev/shm/x; echo started; exec sleep 1000'
  rt create -b "$BUNDLE" --pid-file "$RT_TEST_DIR/pid" c1 > "$RT_TEST_DIR/out" 2>&1
  run rt state c1
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<<"$output")" = created ]
  [ "$(jq -r .id <<<"$output")" = c1 ]
  [ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
  pid=$(jq -r .pid <<<"$output")
  [ "$pid" = "$(cat "$RT_TEST_DIR/pid")" ]
  # Created: set up, its process waiting, the user's program not run yet.
  [ -d /proc/$pid ]
  [ ! -s "$RT_TEST_DIR/out" ]
  rt start c1
  [ "$(status_of c1)" = running ]
  wait_for grep -q started "$RT_TEST_DIR/out"
  [ "$(rt state c1 | jq -r .pid)" = "$pid" ]
  rt kill c1 KILL
  wait_for [ "$(status_of c1)" = stopped ]
  [ "$(rt state c1 | jq -r .pid)" = 0 ]
  rt delete c1
  run rt state c1
  [ "$status" -ne 0 ]
  [ ! -d "$RT_ROOT/c1" ]
  [ -z "$(find /sys/fs/cgroup -path "*/$RT_CGROUP/bundle" 2>/dev/null)" ]
}

@test "runtime: a created container can be deleted without -f" {
  cmd true
  rt create -b "$BUNDLE" c1
  pid=$(rt state c1 | jq -r .pid)
  rt delete c1
  [ ! -d "$RT_ROOT/c1" ]
  wait_for [ ! -e /proc/$pid ] || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
}

@test "runtime: kill takes names and numbers, --all reaches every process" {
  cmd sh -c 'trap "echo got-usr1" USR1; sleep 1000 & sleep 1000 & while :; do wait; done'
  rt create -b "$BUNDLE" c1 > "$RT_TEST_DIR/out" 2>&1
  rt start c1
  wait_for [ "$(rt ps --format json c1 | jq length)" -ge 3 ]
  rt kill c1 SIGUSR1
  wait_for grep -q got-usr1 "$RT_TEST_DIR/out"
  rt kill c1 10
  run rt kill c1 NOSUCHSIG
  [ "$status" -ne 0 ]
  [[ $output == *"unknown signal"* ]]
  rt kill --all c1 9
  wait_for [ "$(status_of c1)" = stopped ]
  rt delete c1
}

@test "runtime: errors: unknown id, start twice, delete running without -f, duplicate and bad ids" {
  for c in state start delete kill pause resume ps; do
    run rt "$c" nosuch
    [ "$status" -ne 0 ]
    [[ $output == *"nosuch does not exist"* ]]
  done
  run rt exec nosuch true
  [ "$status" -ne 0 ]
  cmd sleep 1000
  rt create -b "$BUNDLE" c1
  run rt create -b "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ $output == *"already exists"* ]]
  [ "$(status_of c1)" = created ]
  rt start c1
  run rt start c1
  [ "$status" -ne 0 ]
  [[ $output == *"cannot start a container that is running"* ]]
  run rt delete c1
  [ "$status" -ne 0 ]
  [[ $output == *"running"* ]]
  [ "$(status_of c1)" = running ]
  rt delete -f c1
  run rt state c1
  [ "$status" -ne 0 ]
  # delete -f of what is not there is no error (containerd relies on it).
  rt delete -f c1
  run rt create -b "$BUNDLE" ../evil
  [ "$status" -ne 0 ]
  [[ $output == *"invalid container id"* ]]
  run rt foo
  [ "$status" -ne 0 ]
  [[ $output == *"unknown command"* ]]
  run rt create --bogus -b "$BUNDLE" c2
  [ "$status" -ne 0 ]
  [[ $output == *"unknown option --bogus"* ]]
}

@test "runtime: a stopped container cannot be started again" {
  cmd true
  rt create -b "$BUNDLE" c1
  rt start c1
  wait_for [ "$(status_of c1)" = stopped ]
  run rt start c1
  [ "$status" -ne 0 ]
  [[ $output == *"stopped"* ]]
  rt delete c1
}

@test "runtime: a missing executable fails the create with 127 and leaves nothing" {
  cmd /no/such/binary
  run -127 rt create -b "$BUNDLE" c1
  [[ $output == *'exec "/no/such/binary": no such file or directory'* ]]
  [ ! -d "$RT_ROOT/c1" ]
  cmd nosuchcmd
  run -127 rt run -b "$BUNDLE" c1
  [[ $output == *"executable file not found in \$PATH"* ]]
}

@test "runtime: invalid config values are refused naming the field; unknown fields are ignored" {
  config '.process.oomScoreAdj = "high"'
  run rt run -b "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ $output == *"process.oomScoreAdj"* ]]
  make_bundle "$BUNDLE" '.process.rlimits = [{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}]'
  run rt run -b "$BUNDLE" c1
  [[ $output == *"process.rlimits[0]: unknown type"* ]]
  make_bundle "$BUNDLE" '.linux.namespaces += [{"type": "bogus"}]'
  run rt run -b "$BUNDLE" c1
  [[ $output == *"linux.namespaces[6]: unknown type"* ]]
  make_bundle "$BUNDLE" '.hooks = {"prestart": [{"path": "relative"}]}'
  run rt run -b "$BUNDLE" c1
  [[ $output == *"hooks.prestart[0].path"* ]]
  make_bundle "$BUNDLE" '.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 0}] | .linux.namespaces += [{"type": "user"}]'
  run rt run -b "$BUNDLE" c1
  [[ $output == *"linux.uidMappings[0].size"* ]]
  make_bundle "$BUNDLE" '.linux.personality = {"domain": "BSD"}'
  run rt run -b "$BUNDLE" c1
  [[ $output == *"linux.personality.domain"* ]]
  make_bundle "$BUNDLE" '.process.args = ["true"] | .someday = {"x": 1} | .process.fancy = true | .linux.future = []'
  run rt run -b "$BUNDLE" c1
  [ "$status" -eq 0 ]
  [ ! -d "$RT_ROOT/c1" ]
}

@test "runtime: state, list and ps" {
  cmd sleep 1000
  rt create -b "$BUNDLE" c1
  run rt list
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == ID* ]]
  [[ ${lines[1]} == "c1 "*created* ]]
  [ "$(rt list -q)" = c1 ]
  [ "$(rt list --format json | jq -r '.[0].status')" = created ]
  rt start c1
  pid=$(rt state c1 | jq -r .pid)
  [ "$(rt ps --format json c1 | jq -c .)" = "[$pid]" ]
  run rt ps c1
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == *PID* ]]
  [[ $output == *"sleep 1000"* ]]
  [ "${#lines[@]}" -eq 2 ]
  [ "$(rt state c1 | jq -r '.ociVersion, .rootfs' | tail -1)" = "$BUNDLE/rootfs" ]
  rt delete -f c1
  [ -z "$(rt list -q)" ]
}

@test "runtime: pause and resume" {
  cmd sh -c 'while :; do date +%s%N > /dev/shm/t; sleep 0.05; done'
  rt run -d -b "$BUNDLE" c1
  rt pause c1
  [ "$(status_of c1)" = paused ]
  run rt pause c1
  [ "$status" -ne 0 ]
  run rt exec c1 true
  [ "$status" -ne 0 ]
  [[ $output == *paused* ]]
  rt resume c1
  [ "$(status_of c1)" = running ]
  rt exec c1 true
  rt delete -f c1
}

@test "runtime: exec: args, env, cwd, user, exit status" {
  cmd sleep 1000
  rt run -d -b "$BUNDLE" c1
  run rt exec c1 sh -c 'echo $FOO $PATH; pwd; id -u; id -g; exit 3'
  [ "$status" -eq 3 ]
  [ "${lines[0]}" = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
  run rt exec --env FOO=bar --cwd /tmp --user 1000:100 c1 sh -c 'echo $FOO; pwd; id -u; id -g'
  [ "$status" -eq 0 ]
  [ "$output" = $'bar\n/tmp\n1000\n100' ]
  run -127 rt exec c1 nosuchcmd
  # --process FILE, as containerd and conmon call it.
  jq '.process | .args = ["sh", "-c", "echo from-process-file; cat /proc/self/status | grep NoNewPrivs"] | .env += ["A=1"]' \
    "$BUNDLE/config.json" > "$RT_TEST_DIR/process.json"
  run rt exec --process "$RT_TEST_DIR/process.json" c1
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = from-process-file ]
  [[ ${lines[1]} == *1 ]]
  rt delete -f c1
}

@test "runtime: exec --detach writes --pid-file and the process is in the container" {
  cmd sleep 1000
  rt run -d -b "$BUNDLE" c1
  rt exec --detach --pid-file "$RT_TEST_DIR/xpid" c1 sleep 999
  xpid=$(cat "$RT_TEST_DIR/xpid")
  [ -d /proc/$xpid ]
  [ "$(readlink /proc/$xpid/ns/pid)" = "$(readlink /proc/$(rt state c1 | jq -r .pid)/ns/pid)" ]
  rt ps --format json c1 | jq -e "index($xpid)"
  rt delete -f c1
}

@test "runtime: terminal: the pty master goes to --console-socket" {
  config '.process.terminal = true'
  cmd sh -c 'tty; read line; echo "got $line"'
  "$HULL_RECVTTY" "$RT_TEST_DIR/console.sock" $'hello\n' > "$RT_TEST_DIR/tty.out" &
  recv=$!
  wait_for [ -S "$RT_TEST_DIR/console.sock" ]
  rt create -b "$BUNDLE" --console-socket "$RT_TEST_DIR/console.sock" c1
  rt start c1
  wait "$recv"
  grep -q '^/dev/pts/0' "$RT_TEST_DIR/tty.out"
  grep -q 'got hello' "$RT_TEST_DIR/tty.out"
  rt delete -f c1
  run rt create -b "$BUNDLE" c2
  [ "$status" -ne 0 ]
  [[ $output == *"console-socket"* ]]
}

@test "runtime: exec --tty with --console-socket" {
  cmd sleep 1000
  rt run -d -b "$BUNDLE" c1
  "$HULL_RECVTTY" "$RT_TEST_DIR/console.sock" > "$RT_TEST_DIR/tty.out" &
  recv=$!
  wait_for [ -S "$RT_TEST_DIR/console.sock" ]
  rt exec --tty --detach --console-socket "$RT_TEST_DIR/console.sock" c1 sh -c 'tty; [ -t 0 ] && echo stdin-is-tty'
  wait "$recv"
  grep -q '^/dev/pts/' "$RT_TEST_DIR/tty.out"
  grep -q stdin-is-tty "$RT_TEST_DIR/tty.out"
  rt delete -f c1
}

@test "runtime: update changes the limits of a running container" {
  config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 40}'
  cmd sleep 1000
  rt run -d -b "$BUNDLE" c1
  pid=$(rt state c1 | jq -r .pid)
  mem=$(awk -F: '$2 == "memory" {print $3}' /proc/$pid/cgroup)
  [ "$(cat /sys/fs/cgroup/memory$mem/memory.limit_in_bytes)" = 67108864 ]
  rt update --memory 128m --pids-limit 50 c1
  [ "$(cat /sys/fs/cgroup/memory$mem/memory.limit_in_bytes)" = 134217728 ]
  [ "$(rt exec c1 cat /sys/fs/cgroup/pids/pids.max)" = 50 ]
  echo '{"pids": {"limit": 60}}' | rt update -r - c1
  [ "$(rt exec c1 cat /sys/fs/cgroup/pids/pids.max)" = 60 ]
  run rt update --memory lots c1
  [ "$status" -ne 0 ]
  [[ $output == *"--memory"* ]]
  rt delete -f c1
}

@test "runtime: features and --version" {
  run "$HULL_RUNTIME" features
  [ "$status" -eq 0 ]
  jq -e '.hooks | index("createRuntime")' <<<"$output"
  jq -e '.linux.namespaces | index("user")' <<<"$output"
  jq -e '.linux.seccomp.enabled' <<<"$output"
  run "$HULL_RUNTIME" --version
  [ "$status" -eq 0 ]
  [[ $output == *"hull-runtime version"* ]]
}

@test "runtime: --log --log-format json records the error for containerd and conmon" {
  run rt --log "$RT_TEST_DIR/log.json" --log-format json state nosuch
  [ "$status" -ne 0 ]
  [ "$(jq -r .level "$RT_TEST_DIR/log.json")" = error ]
  [[ $(jq -r .msg "$RT_TEST_DIR/log.json") == *"nosuch does not exist"* ]]
  run "$HULL_RUNTIME" --root "$RT_ROOT" --log "$RT_TEST_DIR/log.txt" state nosuch
  grep -q 'level=error msg="container nosuch does not exist"' "$RT_TEST_DIR/log.txt"
  # Accepted for compatibility.
  run "$HULL_RUNTIME" --root "$RT_ROOT" --systemd-cgroup --debug list -q
  [ "$status" -eq 0 ]
}

@test "runtime: --preserve-fds passes the caller's fds on" {
  cmd sh -c 'cat <&3; ls /proc/self/fd | wc -l'
  echo through-fd-3 > "$RT_TEST_DIR/f"
  run rt run -b "$BUNDLE" --preserve-fds 1 c1 3< "$RT_TEST_DIR/f"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = through-fd-3 ]
  # 0, 1, 2, 3 and the one ls opens for the listing.
  [ "${lines[1]}" = 5 ]
  cmd sh -c 'ls /proc/self/fd | wc -l'
  run rt run -b "$BUNDLE" c1 3< "$RT_TEST_DIR/f"
  [ "${lines[0]}" = 4 ]
}
