#!/usr/bin/env bash
# What a network costs at start-up: `hull run --rm busybox true` on the
# default bridge (a namespace, a veth pair, an address, a route) against
# hull's own --network none (target: at most 3x) and, side by side in the
# same run, `podman run --rm` on its default bridge (netavark) and with
# --network none.  Also hull with one published port (libnftables loaded
# and one map element added and deleted).  Docker is left out: its daemon
# rewrites the host's iptables machine-wide; PEERS.md has a reference.
#
#   sudo bash bench/network.sh       # after: scripts/build.sh build
#
# Environment: HULL (default build/src/cli/hull), RUNS (20), WARMUP (3),
# RESULTS (default bench/network-results.md), NO_PODMAN=1.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL=${HULL:-$REPO/build/src/cli/hull}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
RESULTS=${RESULTS:-$REPO/bench/network-results.md}

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $HULL ]] || die "no hull executable at $HULL"
for tool in hyperfine jq busybox; do command -v "$tool" >/dev/null || die "$tool is required"; done

TMP=$(mktemp -d /tmp/hull-netbench.XXXXXX)
HROOT=$TMP/hull
cleanup() {
	local ids
	ids=$("$HULL" --root "$HROOT" ps -aq --no-trunc 2>/dev/null) || true
	[[ -z $ids ]] || "$HULL" --root "$HROOT" rm -f $ids >/dev/null 2>&1 || true
	"$HULL" --root "$HROOT" network reset >/dev/null 2>&1 || true
	if [[ -f $TMP/podman/containers.conf ]]; then
		CONTAINERS_CONF=$TMP/podman/containers.conf CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf \
			podman rm -af -t 0 >/dev/null 2>&1 || true
		CONTAINERS_CONF=$TMP/podman/containers.conf CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf \
			podman rmi -af >/dev/null 2>&1 || true
	fi
	rm -rf "$TMP" 2>/dev/null || true
}
trap cleanup EXIT

declare -A MEAN SD
NOTES=()
time_cmd() {    # name command
	local json=$TMP/h-$RANDOM.json
	printf '== timing: %s\n' "$1" >&2
	if ! hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" \
		--command-name "$1" "$2" >&2; then
		NOTES+=("$1: failed")
		return 0
	fi
	MEAN[$1]=$(jq -r '.results[0].mean * 1000' "$json")
	SD[$1]=$(jq -r '.results[0].stddev * 1000' "$json")
}

h="$HULL --root $HROOT"
$h run --rm busybox true >/dev/null      # makes the default network
time_cmd "hull --network none" "$h run --rm --network none busybox true"
time_cmd "hull (default bridge)" "$h run --rm busybox true"
time_cmd "hull -p 80 (bridge + published port)" "$h run --rm -p 80 busybox true"

# Podman: own storage and config; on a hybrid-cgroup host Debian's crun
# needs the cgroup2 mount hidden (PEERS.md), so it runs in a private mount
# namespace.
podman_part() {
	local d=$TMP/podman r=$TMP/rootfs
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$r"/{bin,etc,dev,proc,sys,tmp,root}
	cp /bin/busybox "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\n' >"$r/etc/group"
	tar -C "$r" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$d/busybox.tar" .
	cat >"$d/containers.conf" <<-CONF
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		[engine]
		cgroup_manager = "cgroupfs"
		tmp_dir = "$d/tmp"
		events_logger = "none"
	CONF
	cat >"$d/storage.conf" <<-CONF
		[storage]
		driver = "overlay"
		graphroot = "$d/root"
		runroot = "$d/runroot"
	CONF
	export CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf
	podman import "$d/busybox.tar" localhost/busybox:latest >/dev/null
	cat >"$d/run.sh" <<-'SH'
		set -e
		mountpoint -q /sys/fs/cgroup/unified && umount /sys/fs/cgroup/unified
		for mode in none bridge; do
			hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT-$mode.json" \
				"podman run --rm --network $mode localhost/busybox true" >&2
		done
	SH
	WARMUP=$WARMUP RUNS=$RUNS OUT=$TMP/podman unshare -m --propagation private bash "$d/run.sh"
	for mode in none bridge; do
		MEAN["podman --network $mode"]=$(jq -r '.results[0].mean * 1000' "$TMP/podman-$mode.json")
		SD["podman --network $mode"]=$(jq -r '.results[0].stddev * 1000' "$TMP/podman-$mode.json")
	done
}
if [[ -z ${NO_PODMAN:-} ]] && command -v podman >/dev/null; then
	podman_part || NOTES+=("podman: failed")
else
	NOTES+=("podman: not measured")
fi

ms() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }'; }
{
	echo "# Network start-up: hull's default bridge against --network none and podman"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r); hyperfine, $RUNS runs after $WARMUP warm-up. Script: bench/network.sh."
	echo
	echo "| command | mean (ms) | stddev (ms) | vs hull --network none |"
	echo "|---|---|---|---|"
	base=${MEAN["hull --network none"]:-0}
	for k in "hull --network none" "hull (default bridge)" "hull -p 80 (bridge + published port)" \
		"podman --network none" "podman --network bridge"; do
		[[ -n ${MEAN[$k]:-} ]] || continue
		echo "| \`$k\` | $(ms "${MEAN[$k]}") | $(ms "${SD[$k]}") | $(ratio "${MEAN[$k]}" "$base") |"
	done
	if [[ -n ${MEAN["podman --network bridge"]:-} && -n ${MEAN["hull (default bridge)"]:-} ]]; then
		echo
		echo "podman's bridge run takes $(ratio "${MEAN["podman --network bridge"]}" "${MEAN["hull (default bridge)"]}") hull's."
	fi
	for n in "${NOTES[@]}"; do echo; echo "Note: $n"; done
} >"$RESULTS"
cat "$RESULTS"
