# Shared set-up for the integration tests: every test gets its own --root
# and must leave no mount, process or directory behind.

: "${HULL:=$BATS_TEST_DIRNAME/../../build/src/cli/hull}"

setup() {
  HULL_TEST_ROOT=$(mktemp -d /tmp/hull-it.XXXXXX)
  export HULL_TEST_ROOT
  HULL_TEST_LINKS=$(hull_links)
}

# hull's bridges and host-side veths (hv...) on the host: a test may leave none behind, also
# from a second root of its own (their names are machine-wide).
hull_links() {
  ip -o link show 2>/dev/null | grep -cE '^[0-9]+: (hull[0-9a-f]{11}|hv[0-9a-f]+@)' || true
}

# hull on this test's root.
hull() {
  "$HULL" --root "$HULL_TEST_ROOT" "$@"
}

mounts_under_root() {
  grep -F "$HULL_TEST_ROOT" /proc/self/mountinfo || true
}

# Every container a test made goes (detached ones and their monitors too),
# also when the test failed.
remove_containers() {
  local d
  [ -d "$HULL_TEST_ROOT/containers" ] || return 0
  for d in "$HULL_TEST_ROOT"/containers/*/; do
    [ -d "$d" ] && "$HULL" --root "$HULL_TEST_ROOT" rm -f "$(basename "$d")" >/dev/null 2>&1
  done
  return 0
}

# Bridges and nftables tables are machine-wide: a root's networks (the
# default one too) go with it.
remove_networks() {
  [ -d "$HULL_TEST_ROOT/networks" ] || return 0
  "$HULL" --root "$HULL_TEST_ROOT" network reset >&2 || { echo "networks left behind" >&2; return 1; }
}

teardown() {
  remove_containers
  local net_ok=0
  remove_networks || net_ok=1
  local leaked
  leaked=$(mounts_under_root)
  if [[ -n $leaked ]]; then
    echo "mounts left behind: $leaked" >&2
    # Clean up anyway so one failure does not cascade into the others.
    awk -v r="$HULL_TEST_ROOT" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
  fi
  rm -rf "$HULL_TEST_ROOT"
  local links_ok=0
  if [[ -n ${HULL_TEST_LINKS:-} ]] && (($(hull_links) > HULL_TEST_LINKS)); then
    echo "network links left behind: $(ip -o link show | grep -oE '(hull[0-9a-f]{11}|hv[0-9a-f]+)' | tr '\n' ' ')" >&2
    links_ok=1
  fi
  [[ -z $leaked ]] && ((net_ok == 0)) && ((links_ok == 0))
}

# Number of containers in the store.
container_dirs() {
  find "$HULL_TEST_ROOT/containers" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l
}

# Run a command under a pseudo-terminal (util-linux script), feeding stdin.
in_pty() {
  script -qefc "$1" /dev/null
}
