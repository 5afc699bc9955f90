#!/usr/bin/env bash
# hull-runtime against crun on one OCI bundle running /bin/true, measured
# in one run with hyperfine (time) and GNU time (peak RSS), side by side.
#
#   sudo bash bench/runtime.sh        # after scripts/build.sh build
#
# Environment: HULL_RUNTIME (default build/src/oci/hull-runtime), RUNS (50),
# WARMUP (5), RSS_RUNS (9), RESULTS (default bench/runtime-results.md).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL_RUNTIME=${HULL_RUNTIME:-$REPO/build/src/oci/hull-runtime}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
RSS_RUNS=${RSS_RUNS:-9}
RESULTS=${RESULTS:-$REPO/bench/runtime-results.md}

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $HULL_RUNTIME ]] || die "no hull-runtime at $HULL_RUNTIME (build first, or set HULL_RUNTIME=)"

# Debian 12's crun refuses every container on a hybrid-cgroup host; as in
# bench/run.sh, everything runs in a private mount namespace without the
# cgroup2 mount, so both runtimes are measured in the same place.
if [[ -z ${HULL_BENCH_PRIVATE_NS:-} ]] && mountpoint -q /sys/fs/cgroup/unified &&
	[[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]]; then
	export HULL_BENCH_PRIVATE_NS=1
	# shellcheck disable=SC2016  # expanded by the inner bash
	exec unshare -m --propagation private bash -c \
		'umount /sys/fs/cgroup/unified && exec bash "$0" "$@"' "${BASH_SOURCE[0]}" "$@"
fi
for tool in hyperfine jq /usr/bin/time busybox crun; do
	command -v "$tool" >/dev/null || die "$tool is required"
done

TMP=$(mktemp -d /tmp/hull-rtbench.XXXXXX)
CHILD=
cleanup() {
	local rc=$? id
	set +e
	trap - EXIT INT TERM
	[[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	for id in $(crun --root "$TMP/crun" list -q 2>/dev/null); do crun --root "$TMP/crun" delete -f "$id"; done
	for id in $("$HULL_RUNTIME" --root "$TMP/hull" list -q 2>/dev/null); do
		"$HULL_RUNTIME" --root "$TMP/hull" delete -f "$id"
	done
	find /sys/fs/cgroup -maxdepth 2 -name hull-bench-runtime -type d -exec rmdir {} + 2>/dev/null
	rm -rf --one-file-system "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

run_child() {
	local rc=0
	"$@" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	return "$rc"
}

# The bundle: a busybox tree, runc's default config (`hull-runtime spec`:
# pid, network, ipc, uts, mount and cgroup namespaces, masked and
# read-only paths, a device cgroup) running /bin/true without a terminal,
# in one cgroup both runtimes make and remove on every run.
BUNDLE=$TMP/bundle
mkdir -p "$BUNDLE/rootfs"/{bin,etc,dev,proc,sys,tmp}
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
chroot "$BUNDLE/rootfs" /bin/busybox --install -s
"$HULL_RUNTIME" spec -b "$BUNDLE"
jq '.process.args = ["/bin/true"] | .process.terminal = false | .linux.cgroupsPath = "/hull-bench-runtime"' \
	"$BUNDLE/config.json" > "$BUNDLE/config.new"
mv "$BUNDLE/config.new" "$BUNDLE/config.json"

ROWS=()
time_cmd() {
	local name=$1 cmd=$2 json=$TMP/$RANDOM.json
	log "timing: $name"
	run_child hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" --prepare sync \
		--export-json "$json" --command-name "$name" "$cmd" >&2
	jq -r '.results[0] | "\(.median) \(.mean) \(.stddev)"' "$json"
}

# Median peak RSS (KiB): GNU time's %M, the largest single process.
rss_cmd() {
	local cmd=$1 i
	for ((i = 0; i < RSS_RUNS; i++)); do
		/usr/bin/time -f %M -o "$TMP/rss" sh -c "$cmd" >/dev/null
		cat "$TMP/rss"
	done | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

bench() {
	local name=$1 cmd=$2 times rss
	sh -c "$cmd" >/dev/null || die "$name: a trial run failed"
	times=$(time_cmd "$name" "$cmd")
	rss=$(rss_cmd "$cmd")
	ROWS+=("$name|$cmd|$times|$rss")
}

bench "hull-runtime run" "$HULL_RUNTIME --root $TMP/hull run -b $BUNDLE bench"
bench "crun run" "crun --root $TMP/crun run -b $BUNDLE bench"

{
	echo "# hull-runtime vs crun: \`run\` of one bundle running /bin/true"
	echo
	echo "Measured by \`bench/runtime.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, kernel $(uname -r),"
	echo "crun $(crun --version | head -1 | awk '{print $3}'), $RUNS runs after $WARMUP warm-up, hyperfine --shell=none;"
	echo "peak RSS: median of $RSS_RUNS runs of GNU time's %M). Both in a private mount namespace"
	echo "without the cgroup2 mount (Debian's crun refuses hybrid hosts)."
	echo
	echo "| runtime | median | mean ± σ | ratio (mean) | peak RSS |"
	echo "|---|---|---|---|---|"
	base=$(echo "${ROWS[1]}" | cut -d'|' -f3 | awk '{print $2}')
	for r in "${ROWS[@]}"; do
		IFS='|' read -r name cmd times rss <<<"$r"
		read -r med mean sd <<<"$times"
		awk -v n="$name" -v m="$med" -v a="$mean" -v s="$sd" -v b="$base" -v r="$rss" 'BEGIN {
			printf "| %s | %.2f ms | %.2f ± %.2f ms | %.2f | %.2f MiB |\n", n, m * 1000, a * 1000, s * 1000, a / b, r / 1024 }'
	done
	echo
	echo "Commands:"
	echo
	for r in "${ROWS[@]}"; do echo "- \`$(echo "$r" | cut -d'|' -f2)\`"; done
	echo
	echo "The bundle is \`hull-runtime spec\`'s default (runc's): new pid, network, ipc, uts, mount and"
	echo "cgroup namespaces, masked and read-only paths, sysfs, a cgroup tmpfs, a device cgroup; no seccomp."
	echo "The machine is shared (other builds and tests ran at the same time): compare the ratio, not"
	echo "the absolute times."
} > "$RESULTS"
cat "$RESULTS"
