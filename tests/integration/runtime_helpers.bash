# Shared set-up for the hull-runtime tests: every test gets its own state
# root, bundle directory and cgroup parent, and leaves none of them behind.
# (helpers.bash is hull's; these files load this one instead.)

: "${HULL:=$BATS_TEST_DIRNAME/../../build/src/cli/hull}"
: "${HULL_RUNTIME:=$(dirname "$HULL")/../oci/hull-runtime}"
: "${HULL_RECVTTY:=$(dirname "$HULL_RUNTIME")/hull-recvtty}"

busybox_tar() {
  local t
  for t in "${HULL_BUSYBOX_TAR:-}" "$(dirname "$HULL")/../../tools/busybox.tar" /usr/local/share/hull/busybox.tar \
    /usr/share/hull/busybox.tar; do
    [[ -n $t && -f $t ]] && { echo "$t"; return 0; }
  done
  return 1
}

# One busybox rootfs per file, shared read-only by the tests' bundles.
setup_file() {
  RT_FILE_DIR=$(mktemp -d /tmp/hull-rt-file.XXXXXX)
  # Reachable for a user namespace's root (an unmapped host uid).
  chmod 755 "$RT_FILE_DIR"
  export RT_FILE_DIR
  mkdir "$RT_FILE_DIR/rootfs"
  tar -C "$RT_FILE_DIR/rootfs" -xf "$(busybox_tar)"
}

teardown_file() {
  [[ -n ${RT_FILE_DIR:-} ]] && rm -rf "$RT_FILE_DIR"
}

setup() {
  RT_TEST_DIR=$(mktemp -d /tmp/hull-rt.XXXXXX)
  chmod 755 "$RT_TEST_DIR"
  RT_ROOT=$RT_TEST_DIR/state
  RT_CGROUP=hull-rt-test-$(basename "$RT_TEST_DIR")
  BUNDLE=$RT_TEST_DIR/bundle
  export RT_TEST_DIR RT_ROOT RT_CGROUP BUNDLE
  make_bundle "$BUNDLE"
}

# hull-runtime on this test's root.
rt() {
  "$HULL_RUNTIME" --root "$RT_ROOT" "$@"
}

# A bundle over the shared rootfs: runc's default config from `spec`, no
# terminal, a cgroup below this test's parent.  $2: a jq filter applied on top.
make_bundle() {
  local dir=$1 filter=${2:-.}
  mkdir -p "$dir"
  ln -sfn "$RT_FILE_DIR/rootfs" "$dir/rootfs"
  rm -f "$dir/config.json"
  "$HULL_RUNTIME" spec -b "$dir"
  jq --arg cg "/$RT_CGROUP/$(basename "$dir")" \
    '.process.terminal = false | .linux.cgroupsPath = $cg' "$dir/config.json" | jq "$filter" > "$dir/config.new"
  mv "$dir/config.new" "$dir/config.json"
}

# Change this test's bundle config with a jq filter.
config() {
  jq "$1" "$BUNDLE/config.json" > "$BUNDLE/config.new" && mv "$BUNDLE/config.new" "$BUNDLE/config.json"
}

# The command the container runs.
cmd() {
  local args a
  args=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -sc .)
  config ".process.args = $args"
}

status_of() {
  rt state "$1" | jq -r .status
}

# Bounded wait (20 s: the machine may be loaded) for a condition to hold.
wait_for() {
  local i
  for ((i = 0; i < 400; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}

teardown() {
  local id
  if [[ -d $RT_ROOT ]]; then
    for id in $("$HULL_RUNTIME" --root "$RT_ROOT" list -q 2>/dev/null); do
      "$HULL_RUNTIME" --root "$RT_ROOT" delete -f "$id" >/dev/null 2>&1
    done
  fi
  # The cgroup parent stays after delete, as runc leaves it.
  find /sys/fs/cgroup -maxdepth 2 -name "$RT_CGROUP" -type d 2>/dev/null |
    while read -r d; do rmdir "$d"/* "$d" 2>/dev/null; done
  # Whatever a failed test left mounted below its directory.
  awk -v r="$RT_TEST_DIR/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  local left
  left=$(find /sys/fs/cgroup -maxdepth 2 -name "$RT_CGROUP" -type d 2>/dev/null)
  rm -rf "$RT_TEST_DIR"
  if [[ -n $left ]]; then
    echo "cgroups left behind: $left" >&2
    return 1
  fi
}
