#!/usr/bin/env bats
# hull-runtime driven by the real engines: Podman (through conmon) and
# containerd (through its runc v2 shim), each with all of its state in a
# temporary directory, stopped and removed afterwards.

bats_require_minimum_version 1.5.0

: "${HULL:=$BATS_TEST_DIRNAME/../../build/src/cli/hull}"
: "${HULL_RUNTIME:=$(dirname "$HULL")/../oci/hull-runtime}"
HULL_RUNTIME=$(realpath "$HULL_RUNTIME")

busybox_tar() {
  local t
  for t in "${HULL_BUSYBOX_TAR:-}" "$(dirname "$HULL")/../../tools/busybox.tar" /usr/local/share/hull/busybox.tar \
    /usr/share/hull/busybox.tar; do
    [[ -n $t && -f $t ]] && { echo "$t"; return 0; }
  done
  return 1
}

pod() {
  CONTAINERS_CONF=$ENG_DIR/podman/containers.conf CONTAINERS_STORAGE_CONF=$ENG_DIR/podman/storage.conf \
    podman --runtime "$HULL_RUNTIME" "$@"
}

ctr_() {
  ctr --address "$ENG_DIR/ctd/containerd.sock" --namespace hulltest "$@"
}

# Podman: ulimits this host allows (shared/PEERS.md), cgroupfs, no events
# file; state under ENG_DIR.  containerd: its own root, state and socket,
# the CRI plugin off.  One busybox image for both (podman save -> ctr import).
setup_file() {
  ENG_DIR=$(mktemp -d /tmp/hull-rt-eng.XXXXXX)
  export ENG_DIR
  command -v podman >/dev/null || return 0
  local d=$ENG_DIR/podman
  mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/volumes"
  printf '%s\n' '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' '[engine]' \
    "tmp_dir = \"$d/tmp\"" "volume_path = \"$d/volumes\"" "static_dir = \"$d/root/libpod\"" \
    'events_logger = "none"' 'cgroup_manager = "cgroupfs"' > "$d/containers.conf"
  printf '%s\n' '[storage]' 'driver = "overlay"' "graphroot = \"$d/root\"" "runroot = \"$d/runroot\"" > "$d/storage.conf"
  pod import "$(busybox_tar)" localhost/busybox:latest >/dev/null
  pod save --format oci-archive -o "$ENG_DIR/busybox-oci.tar" localhost/busybox:latest >/dev/null
  command -v containerd >/dev/null || return 0
  local c=$ENG_DIR/ctd
  mkdir -p "$c"
  printf '%s\n' 'version = 2' "root = \"$c/root\"" "state = \"$c/state\"" \
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]' '[grpc]' "  address = \"$c/containerd.sock\"" \
    '[ttrpc]' "  address = \"$c/containerd.sock.ttrpc\"" '[debug]' "  address = \"$c/debug.sock\"" > "$c/config.toml"
  containerd --config "$c/config.toml" > "$c/log" 2>&1 &
  echo $! > "$c/pid"
  local i
  for ((i = 0; i < 100; i++)); do
    ctr_ version >/dev/null 2>&1 && break
    sleep 0.1
  done
  ctr_ image import --base-name localhost/busybox "$ENG_DIR/busybox-oci.tar" >/dev/null
}

teardown_file() {
  [[ -n ${ENG_DIR:-} && -d $ENG_DIR ]] || return 0
  if [[ -f $ENG_DIR/podman/containers.conf ]]; then
    pod rm -af -t 0 >/dev/null 2>&1
    pod rmi -af >/dev/null 2>&1
  fi
  if [[ -f $ENG_DIR/ctd/pid ]]; then
    local t pid
    for t in $(ctr_ task ls -q 2>/dev/null); do ctr_ task kill -s KILL "$t"; ctr_ task rm -f "$t"; done >/dev/null 2>&1
    for t in $(ctr_ container ls -q 2>/dev/null); do ctr_ container rm "$t"; done >/dev/null 2>&1
    ctr_ image rm localhost/busybox:latest >/dev/null 2>&1
    pid=$(cat "$ENG_DIR/ctd/pid")
    kill "$pid" 2>/dev/null
    for ((t = 0; t < 100; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  # The engines' cgroup parents (containerd's namespace, podman's
  # cgroupfs parent) stay behind as with runc; removed when empty.
  local n d
  for n in hulltest libpod_parent; do
    for d in /sys/fs/cgroup/*/"$n"; do [[ -d $d ]] && rmdir "$d"/*/ "$d" 2>/dev/null; done
  done
  awk -v r="$ENG_DIR/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -rf --one-file-system "$ENG_DIR"
}

need_podman() {
  command -v podman >/dev/null || skip "podman is not installed"
}

need_containerd() {
  command -v containerd >/dev/null || skip "containerd is not installed"
}

teardown() {
  if command -v podman >/dev/null; then
    pod rm -af -t 0 >/dev/null 2>&1 || true
  fi
}

task_status() {
  ctr_ task ls | awk -v id="$1" '$1 == id {print $3}'
}

@test "podman: run --rm echo through hull-runtime" {
  need_podman
  run pod run --rm --network none localhost/busybox echo hi
  [ "$status" -eq 0 ]
  [ "$output" = hi ]
  [ "$(pod ps -aq | wc -l)" -eq 0 ]
  run pod run --rm --network none localhost/busybox sh -c 'exit 3'
  [ "$status" -eq 3 ]
  run -127 pod run --rm --network none localhost/busybox nosuchcmd
  [[ $output == *"executable file not found"* ]]
}

@test "podman: the container really runs under hull-runtime" {
  need_podman
  pod create --name rtcheck --network none localhost/busybox true >/dev/null
  [ "$(pod inspect rtcheck --format '{{.OCIRuntime}}')" = "$HULL_RUNTIME" ]
  pod rm rtcheck >/dev/null
}

@test "podman: -d, exec, stop, rm" {
  need_podman
  pod run -d --name t1 --network none localhost/busybox sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
  [ "$(pod inspect t1 --format '{{.State.Status}}')" = running ]
  run pod exec t1 sh -c 'echo in-exec; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = in-exec ]
  run pod exec -e X=1 -w /tmp t1 sh -c 'echo $X; pwd'
  [ "$output" = $'1\n/tmp' ]
  pod stop -t 10 t1
  [ "$(pod inspect t1 --format '{{.State.Status}} {{.State.ExitCode}}')" = "exited 0" ]
  pod rm t1
  [ "$(pod ps -aq | wc -l)" -eq 0 ]
}

@test "podman: -m and --pids-limit reach the container's cgroup" {
  need_podman
  run pod run --rm --network none -m 64m --pids-limit 50 localhost/busybox \
    sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null ||
           cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'
  [ "$status" -eq 0 ]
  [ "$output" = $'67108864\n50' ]
}

@test "podman: -it gets a terminal through the console socket" {
  need_podman
  run timeout 60 script -qefc "printf 'tty; exit 5\n' | CONTAINERS_CONF=$ENG_DIR/podman/containers.conf \
    CONTAINERS_STORAGE_CONF=$ENG_DIR/podman/storage.conf podman --runtime $HULL_RUNTIME run --rm -i -t --network none localhost/busybox sh" /dev/null
  [ "$status" -eq 5 ]
  [[ $output == */dev/pts/0* ]]
}

@test "podman: exec -it" {
  need_podman
  pod run -d --name t2 --network none localhost/busybox sleep 1000
  run timeout 60 script -qefc "printf '[ -t 0 ] && echo is-a-tty; exit 6\n' | CONTAINERS_CONF=$ENG_DIR/podman/containers.conf \
    CONTAINERS_STORAGE_CONF=$ENG_DIR/podman/storage.conf podman --runtime $HULL_RUNTIME exec -it t2 sh" /dev/null
  [ "$status" -eq 6 ]
  [[ $output == *is-a-tty* ]]
  pod rm -f -t 0 t2
}

@test "containerd: ctr run with hull-runtime as the runc v2 shim's binary" {
  need_containerd
  run ctr_ run --rm --runc-binary "$HULL_RUNTIME" localhost/busybox:latest c1 sh -c 'echo hi from ctr; exit 3'
  [ "$status" -eq 3 ]
  [ "$output" = "hi from ctr" ]
  [ -z "$(ctr_ container ls -q)" ]
}

@test "containerd: run -d, task exec, ps, pause, resume, kill" {
  need_containerd
  ctr_ run -d --runc-binary "$HULL_RUNTIME" --memory-limit 67108864 localhost/busybox:latest c2 sleep 1000
  [ "$(task_status c2)" = RUNNING ]
  run ctr_ task exec --exec-id e1 c2 sh -c 'echo exec-ok; exit 2'
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = exec-ok ]
  pid=$(ctr_ task ls | awk '$1 == "c2" {print $2}')
  [ "$(ctr_ task ps c2 | awk 'NR > 1 {print $1}')" = "$pid" ]
  [ "$(awk -F: '$2 == "memory" {print $3}' /proc/$pid/cgroup)" = /hulltest/c2 ]
  [ "$(cat /sys/fs/cgroup/memory/hulltest/c2/memory.limit_in_bytes)" = 67108864 ]
  ctr_ task pause c2
  [ "$(task_status c2)" = PAUSED ]
  ctr_ task resume c2
  [ "$(task_status c2)" = RUNNING ]
  ctr_ task kill -s KILL c2
  for ((i = 0; i < 100; i++)); do
    [ "$(task_status c2)" = STOPPED ] && break
    sleep 0.1
  done
  [ "$(task_status c2)" = STOPPED ]
  ctr_ task rm c2
  ctr_ container rm c2
  [ ! -d /sys/fs/cgroup/memory/hulltest/c2 ]
}

@test "containerd: ctr run -t gets a terminal" {
  need_containerd
  # ctr takes the terminal from its stdin: the input goes through script's pty.
  run bash -c "printf 'tty; exit 4\n' | timeout 60 script -qefc 'ctr --address $ENG_DIR/ctd/containerd.sock \
    --namespace hulltest run --rm -t --runc-binary $HULL_RUNTIME localhost/busybox:latest c3 sh' /dev/null"
  [ "$status" -eq 4 ]
  [[ $output == */dev/pts/0* ]]
}
