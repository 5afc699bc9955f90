#!/usr/bin/env bash
# What mounts cost at container start: `run --rm busybox true` with and
# without five bind mounts and one named volume (already created, so no
# copy-up is measured), side by side in one hyperfine run; the same pair
# for podman when it is installed (NO_PODMAN=1 leaves it out).
# Target: the mounts add under 1 ms to hull's start.
#
#   sudo bash bench/volumes.sh       # after: scripts/build.sh build
#
# Environment: HULL (default build/src/cli/hull), RUNS (50), WARMUP (5),
# RESULTS (default bench/volumes-results.md).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL=${HULL:-$REPO/build/src/cli/hull}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
RESULTS=${RESULTS:-$REPO/bench/volumes-results.md}
MODE=${VB_MODE:-main}

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $HULL ]] || die "no hull executable at $HULL (build it, or set HULL=)"
command -v hyperfine >/dev/null || die "hyperfine is required"

podman_env() {
	CONTAINERS_CONF=$TMP/podman/containers.conf CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf "$@"
}

# Five host directories and the flags that mount them.
mount_flags() {         # prefix for the volume's name
	local i f=""
	for i in 1 2 3 4 5; do f+=" -v $TMP/host$i:/mnt/b$i"; done
	printf '%s -v %s:/data' "$f" "$1"
}

# The podman half runs in a child, in a private mount namespace without the
# cgroup2 mount on hybrid hosts (Debian's crun 1.8.1 refuses those).
if [[ $MODE == podman ]]; then
	d=$TMP/podman r=$TMP/rootfs
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/volumes" "$r"/{bin,etc,dev,proc,sys,tmp,root,data}
	cp /bin/busybox "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\n' >"$r/etc/group"
	tar -C "$r" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$d/busybox.tar" .
	cat >"$d/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		[engine]
		cgroup_manager = "cgroupfs"
		tmp_dir = "$d/tmp"
		volume_path = "$d/volumes"
		static_dir = "$d/root/libpod"
		events_logger = "none"
	EOF
	printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/root"\nrunroot = "%s/runroot"\n' "$d" "$d" >"$d/storage.conf"
	if [[ -d /sys/fs/cgroup/unified ]] && mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
	podman_env podman import "$d/busybox.tar" localhost/busybox:latest >/dev/null
	podman_env podman volume create pvol >/dev/null
	p="env CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf podman run --rm --network none"
	hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" --export-json "$TMP/podman.json" \
		-n "podman, no mounts" "$p localhost/busybox true" \
		-n "podman, 5 binds + 1 volume" "$p $(mount_flags pvol) localhost/busybox true" >&2
	podman_env podman rm -af -t 0 >/dev/null 2>&1 || true
	podman_env podman volume rm -af >/dev/null 2>&1 || true
	podman_env podman rmi -af >/dev/null 2>&1 || true
	exit 0
fi

TMP=$(mktemp -d /tmp/hull-volbench.XXXXXX)
export TMP
cleanup() {
	local rc=$?
	set +e
	local id
	for id in $("$HULL" --root "$TMP/hullroot" ps -aq --no-trunc 2>/dev/null); do
		"$HULL" --root "$TMP/hullroot" rm -f "$id" >/dev/null 2>&1
	done
	awk -v r="$TMP/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$TMP"
	exit "$rc"
}
trap cleanup EXIT

for i in 1 2 3 4 5; do mkdir -p "$TMP/host$i" && echo "$i" >"$TMP/host$i/f"; done
H="$HULL --root $TMP/hullroot"
$H volume create hvol >/dev/null
# The first run adds the built-in image to the new root: not measured.
$H run --rm --network none $(mount_flags hvol) busybox true
hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" --export-json "$TMP/hull.json" \
	-n "hull, no mounts" "$H run --rm --network none busybox true" \
	-n "hull, 5 binds + 1 volume" "$H run --rm --network none $(mount_flags hvol) busybox true" >&2

# Wall time moves with whatever else the machine runs; CPU time (perf's
# task-clock over hull and everything it starts) much less.  Interleaved
# pairs, one without and one with the mounts, and the median of the
# differences.
PAIRED=""
if command -v perf >/dev/null; then
	flags=$(mount_flags hvol)
	for _ in $(seq "${PAIRS:-100}"); do
		t0=$(date +%s%N)
		a=$(perf stat -x, -e task-clock $H run --rm --network none busybox true 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}')
		t1=$(date +%s%N)
		b=$(perf stat -x, -e task-clock $H run --rm --network none $flags busybox true 2>&1 >/dev/null |
			awk -F, '/task-clock/ {print $1}')
		t2=$(date +%s%N)
		echo "$a $b $(((t1 - t0) / 1000)) $(((t2 - t1) / 1000))"
	done >"$TMP/pairs.txt"
	PAIRED=$(sort -n -k1,1 "$TMP/pairs.txt" | awk '{print $1}' | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
	PAIRED+=" $(sort -n -k2,2 "$TMP/pairs.txt" | awk '{print $2}' | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')"
	PAIRED+=" $(awk '{print $2 - $1}' "$TMP/pairs.txt" | sort -g | awk '{v[NR]=$1} END {print v[int(NR/4)+1], v[int((NR+1)/2)], v[int(3*NR/4)]}')"
	PAIRED+=" $(awk '{print ($4 - $3) / 1000}' "$TMP/pairs.txt" | sort -g | awk '{v[NR]=$1} END {print v[int(NR/4)+1], v[int((NR+1)/2)], v[int(3*NR/4)]}')"
fi

PODMAN_NOTE=""
if [[ -z ${NO_PODMAN:-} ]] && command -v podman >/dev/null; then
	if ! VB_MODE=podman unshare -m --propagation private bash "${BASH_SOURCE[0]}" 2>"$TMP/podman.err"; then
		PODMAN_NOTE="podman: failed ($(tail -c 300 "$TMP/podman.err" | tr '\n' ' '))"
	fi
else
	PODMAN_NOTE="podman: not measured (not installed, or NO_PODMAN)"
fi

# name median mean sd min (ms) from one hyperfine json
rows() {
	jq -r '.results[] | [.command, (.median*1000), (.mean*1000), (.stddev*1000), (.min*1000)] | @tsv' "$1"
}
table() {       # json
	local base_med="" base_min=""
	while IFS=$'\t' read -r name med mean sd min; do
		if [[ -z $base_med ]]; then
			base_med=$med base_min=$min
			printf '| %s | %.2f | %.2f ± %.2f | %.2f | - | - |\n' "$name" "$med" "$mean" "$sd" "$min"
		else
			printf '| %s | %.2f | %.2f ± %.2f | %.2f | %+.2f | %+.2f |\n' "$name" "$med" "$mean" "$sd" "$min" \
				"$(echo "$med - $base_med" | bc -l)" "$(echo "$min - $base_min" | bc -l)"
		fi
	done < <(rows "$1")
}

{
	echo "# Mounts at container start"
	echo
	echo "\`bench/volumes.sh\`, $(date -u +%Y-%m-%d), $(nproc) CPUs, kernel $(uname -r); hyperfine --shell=none, $WARMUP warm-up runs, $RUNS runs."
	echo "Each pair ran side by side in one hyperfine call: \`run --rm --network none busybox true\`, without and with"
	echo "five bind mounts (\`-v DIR:/mnt/bN\`) and one named volume (created beforehand, \`-v NAME:/data\`)."
	echo "Target: the mounts add under 1 ms to hull's start.  On a busy machine the minimum is the steadier"
	echo "estimate of what the work itself costs; the median carries the other load's noise."
	echo
	echo "| command | median ms | mean ± sd ms | min ms | added (median) ms | added (min) ms |"
	echo "|---|---|---|---|---|---|"
	table "$TMP/hull.json"
	[[ -f $TMP/podman.json ]] && table "$TMP/podman.json"
	echo
	if [[ -n $PAIRED ]]; then
		read -r ca cb p25 p50 p75 w25 w50 w75 <<<"$PAIRED"
		echo "${PAIRS:-100} interleaved pairs (one run without, one with the mounts): CPU time (perf stat"
		echo "task-clock of hull and everything it starts) and wall time, the median of the pairs' differences:"
		echo
		echo "| CPU, no mounts | CPU, 5 binds + 1 volume | CPU added: median (p25, p75) | wall added: median (p25, p75) |"
		echo "|---|---|---|---|"
		printf '| %.2f ms | %.2f ms | %+.2f ms (%+.2f, %+.2f) | %+.2f ms (%+.2f, %+.2f) |\n' \
			"$ca" "$cb" "$p50" "$p25" "$p75" "$w50" "$w25" "$w75"
		echo
	fi
	[[ -n $PODMAN_NOTE ]] && echo "- $PODMAN_NOTE"
	[[ -f $TMP/podman.json ]] && echo "- podman ran in a private mount namespace with /sys/fs/cgroup/unified unmounted (Debian's crun 1.8.1 refuses hybrid cgroups); hull ran on the host as it is."
	true
} >"$RESULTS"
cat "$RESULTS"
