#!/usr/bin/env bash
# Side-by-side start-up benchmark: hull against crun and runc (and podman,
# bwrap and a bare unshare+chroot when available), measured in one run with
# hyperfine so that the ratios are comparable. See bench/README.md.
#
#   sudo bash bench/run.sh            # after: meson setup build && ninja -C build
#
# Environment: HULL (hull binary, default build/src/cli/hull), RUNS (50),
# WARMUP (5), RSS_RUNS (5), RESULTS (default bench/results.md).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL=${HULL:-$REPO/build/src/cli/hull}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
RSS_RUNS=${RSS_RUNS:-5}
RESULTS=${RESULTS:-$REPO/bench/results.md}

TMP=
CHILD=          # the one long-running process we started, if any

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"

# Debian 12's crun 1.8.1 refuses every container on a hybrid-cgroup host
# ("cgroups in hybrid mode not supported, drop all controllers from
# cgroupv2"). Then the whole benchmark runs in a private mount namespace
# without the cgroup2 mount: every engine is measured in the same place,
# and no per-run wrapper has to be timed and subtracted.
if [[ -z ${HULL_BENCH_PRIVATE_NS:-} ]] && mountpoint -q /sys/fs/cgroup/unified &&
	[[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]]; then
	export HULL_BENCH_PRIVATE_NS=1
	# shellcheck disable=SC2016  # expanded by the inner bash
	exec unshare -m --propagation private bash -c \
		'umount /sys/fs/cgroup/unified && exec bash "$0" "$@"' "${BASH_SOURCE[0]}" "$@"
fi
for tool in hyperfine jq /usr/bin/time busybox unshare chroot; do
	command -v "$tool" >/dev/null || die "$tool is required"
done

# ---------------------------------------------------------------- clean-up

# Everything lives under $TMP: state dirs of every engine, the bundle, the
# rootfs. Clean-up removes leftover containers of each engine by their own
# delete command, unmounts whatever is still mounted below $TMP, then deletes
# the tree without crossing into any mount it could not remove.
cleanup() {
	local rc=$? id m
	set +e
	trap - EXIT INT TERM
	[[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	[[ -n $TMP && -d $TMP ]] || exit "$rc"
	if [[ -d $TMP/crunstate ]]; then
		for id in $(crun_cmd list -q 2>/dev/null); do crun_cmd delete -f "$id"; done
	fi
	if [[ -d $TMP/runcstate ]]; then
		for id in $(runc --root "$TMP/runcstate" list -q 2>/dev/null); do
			runc --root "$TMP/runcstate" delete -f "$id"
		done
	fi
	if [[ -f $TMP/podman/containers.conf ]]; then
		# Not `podman system reset`: that also deletes the host's networks.
		podman_env podman rm -af >/dev/null 2>&1
		podman_env podman rmi -af >/dev/null 2>&1
	fi
	awk -v r="$TMP/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a command in the background and wait for it, so that a signal to this
# script runs the clean-up at once (and kills exactly that command).
run_child() {
	local rc=0
	"$@" &
	CHILD=$!
	wait "$CHILD" || rc=$?
	CHILD=
	return "$rc"
}

TMP=$(mktemp -d /tmp/hull-bench.XXXXXX)
ROOTFS=$TMP/rootfs
BUNDLE=$TMP/bundle

# ------------------------------------------------------------- the images

# A busybox tree: the static busybox, its applet links, passwd and group.
make_rootfs() {
	mkdir -p "$ROOTFS"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root}
	cp /bin/busybox "$ROOTFS/bin/busybox"
	chroot "$ROOTFS" /bin/busybox --install -s
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
		> "$ROOTFS/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' > "$ROOTFS/etc/group"
}

# An OCI bundle around a copy of that tree: `crun spec` with the process set
# to `true` and no terminal. crun's default spec already creates new pid,
# network, ipc, uts and mount namespaces.
make_bundle() {
	mkdir -p "$BUNDLE"
	cp -a "$ROOTFS" "$BUNDLE/rootfs"
	(cd "$BUNDLE" && crun spec)
	jq '.process.args = ["true"] | .process.terminal = false
	    | if any(.linux.namespaces[]; .type == "network") then .
	      else .linux.namespaces += [{"type": "network"}] end' \
		"$BUNDLE/config.json" > "$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# The OCI config hull itself generates for the benchmarked container, as
# a bundle crun can run: a plain copy of the tree as root (crun ignores
# hull's overlay annotation) and the three /etc files beside it.
make_hull_bundle() {
	[[ -x $HULL ]] || return 1
	local hb=$TMP/hullbundle f
	mkdir -p "$hb"
	cp -a "$ROOTFS" "$hb/rootfs"
	for f in hosts hostname resolv.conf; do echo "# bench" > "$hb/$f"; done
	"$HULL" --root "$TMP/hullroot" run --dry-run --network none busybox true |
		jq --arg b "$hb" '.root = {"path": "rootfs", "readonly": false}
		    | del(.annotations)
		    | .mounts |= map(if .type == "bind"
		        then .source = ($b + "/" + (.destination | split("/") | last)) else . end)' \
		> "$hb/config.json"
}

# ------------------------------------------------------------ measurement

# Result rows, one line each: name|command|median_s|mean_s|stddev_s|rss_kib
ROWS=()
NOTES=()

# hyperfine one command; sets TIMES to "median mean stddev" in seconds.
# --shell=none: commands are exec'd directly, so no shell start-up has to be
# estimated and subtracted (which hyperfine cannot do well below ~5 ms).
# Not in a $(...) subshell, so that clean-up can stop hyperfine.
TIMES=
NJSON=0
time_cmd() {
	local name=$1 cmd=$2 json=$TMP/hyperfine-$((++NJSON)).json
	log "timing: $name"
	# --prepare sync: every engine writes some state; flushing it before
	# each timed run keeps one engine's writeback out of the next one's time.
	run_child hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" --prepare sync \
		--export-json "$json" --command-name "$name" "$cmd" >&2 || return 1
	TIMES=$(jq -r '.results[0] | "\(.median) \(.mean) \(.stddev)"' "$json")
}

# Median peak RSS (KiB) of RSS_RUNS runs. GNU time's %M is the largest
# maxrss of any single process in the tree, not a sum.
rss_cmd() {
	local cmd=$1 out=$TMP/rss.txt i
	: > "$out.all"
	for ((i = 0; i < RSS_RUNS; i++)); do
		/usr/bin/time -f %M -o "$out" sh -c "$cmd" >/dev/null
		cat "$out" >> "$out.all"
	done
	sort -n "$out.all" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# Check the command works once (showing its error if not), then time it and
# measure its memory, appending a row. A failing engine becomes a note, not
# a failed benchmark. Commands are plain words and single quotes (hyperfine
# splits them itself); crun and runc reuse one container id because `run`
# deletes the container when it exits and hyperfine stops at the first
# failed run, so runs cannot collide.
bench() {
	local name=$1 cmd=$2 rss err=$TMP/smoke.err
	if ! sh -c "$cmd" >/dev/null 2>"$err"; then
		NOTES+=("$name: skipped, a trial run failed: $(head -c 300 "$err" | tr '\n' ' ')")
		log "skipping $name: $(cat "$err")"
		return 1
	fi
	time_cmd "$name" "$cmd" || { NOTES+=("$name: hyperfine failed"); return 1; }
	rss=$(rss_cmd "$cmd")
	ROWS+=("$name|$cmd|${TIMES// /|}|$rss")
}

# ----------------------------------------------------------------- engines

crun_cmd() {
	crun --root "$TMP/crunstate" "$@"
}

bench_hull() {
	if [[ ! -x $HULL ]]; then
		NOTES+=("hull: skipped, no executable at $HULL (build it, or set HULL=)")
		log "skipping hull: $HULL not found"
		return
	fi
	bench "hull run" "$HULL --root $TMP/hullroot run --rm --network none busybox true" || true
	# The cgroup step alone: creating, joining and removing the container's
	# cgroup is the difference between these two rows.
	bench "hull run --cgroups=disabled" \
		"$HULL --root $TMP/hullroot run --rm --network none --cgroups=disabled busybox true" || true
	local a b
	a=$(row_times "hull run") b=$(row_times "hull run --cgroups=disabled")
	[[ -n $a && -n $b ]] && NOTES+=("$(awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
		printf "The cgroup step alone (create, join, limits, remove; hull run minus hull run --cgroups=disabled): %.2f ms by median, %.2f ms by mean.", (x[1] - y[1]) * 1000, (x[2] - y[2]) * 1000 }')")
}

CRUN_BASE=     # "median mean stddev" of crun, the ratio column's base
bench_crun() {
	command -v crun >/dev/null || { NOTES+=("crun: not installed"); return; }
	bench "crun run" "crun --root $TMP/crunstate run -b $BUNDLE bench-crun" || return 0
	CRUN_BASE=$(row_times "crun run")
	# hull makes no per-container cgroup yet; crun with its cgroup manager
	# disabled does the same work, and is the like-for-like row.
	bench "crun run, no cgroup" \
		"crun --cgroup-manager=disabled --root $TMP/crunstate run -b $BUNDLE bench-crun" || return 0
	make_hull_bundle || return 0
	bench "crun run, hull's config" \
		"crun --root $TMP/crunstate run -b $TMP/hullbundle bench-crun" || true
	bench "crun run, hull's config, no cgroup" \
		"crun --cgroup-manager=disabled --root $TMP/crunstate run -b $TMP/hullbundle bench-crun" || true
	NOTES+=("'hull's config' rows: the OCI config hull generates for this very container (\`hull run --dry-run\`: Docker's default seccomp profile and capabilities, masked and read-only paths, /etc/hosts, /etc/hostname and /etc/resolv.conf binds), with root.path set to a plain copy of the busybox tree because crun does not read hull's overlay annotation. This is the equivalent bundle: the same work but the overlay mount and hull's image and container store.")
	NOTES+=("'crun run' and 'hull run' each create, join and remove a cgroup per container; 'crun run, no cgroup' (crun --cgroup-manager=disabled) pairs with 'hull run --cgroups=disabled'. Neither plain crun row loads a seccomp filter or mounts an overlay; hull loads its default (Docker's) seccomp profile and mounts an overlay root.")
}

bench_runc() {
	command -v runc >/dev/null || { NOTES+=("runc: not installed"); return; }
	bench "runc run" "runc --root $TMP/runcstate run -b $BUNDLE bench-runc" || true
}

# Podman on its own storage, config and image under $TMP. Root lacks
# CAP_SYS_RESOURCE here, so its default ulimits must fit the hard limit.
podman_env() {
	CONTAINERS_CONF=$TMP/podman/containers.conf \
		CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf "$@"
}
bench_podman() {
	if ! command -v podman >/dev/null; then
		NOTES+=("podman: skipped, not installed (apt-get install podman to include it)")
		return
	fi
	local d=$TMP/podman
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/volumes"
	cat > "$d/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		[engine]
		tmp_dir = "$d/tmp"
		volume_path = "$d/volumes"
		static_dir = "$d/root/libpod"
		events_logger = "none"
	EOF
	cat > "$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/root"
		runroot = "$d/runroot"
	EOF
	tar -C "$ROOTFS" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@0 -cf "$d/busybox.tar" .
	if ! podman_env podman import "$d/busybox.tar" localhost/busybox:latest >/dev/null 2>"$d/import.err"; then
		NOTES+=("podman: skipped, import failed: $(head -c 300 "$d/import.err" | tr '\n' ' ')")
		return
	fi
	bench "podman run" "env CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf podman run --rm --network none localhost/busybox true" || true
}

# Floors: what namespaces plus a chroot cost without any engine.
bench_baselines() {
	bench "unshare + chroot (floor)" \
		"unshare -fmupin --mount-proc chroot $ROOTFS /bin/true" || true
	if command -v bwrap >/dev/null; then
		bench "bwrap (floor)" \
			"bwrap --ro-bind $ROOTFS / --proc /proc --dev /dev --unshare-all /bin/true" || true
	fi
}

# ---------------------------------------------------------------- results

row_field() {   # name field-number
	local r
	for r in "${ROWS[@]}"; do
		[[ ${r%%|*} == "$1" ]] && { cut -d'|' -f"$2" <<<"$r"; return; }
	done
}
row_times() { row_field "$1" 3-5 | tr '|' ' '; }

write_results() {
	local r name cmd med mean sd rss base_med=
	[[ -n $CRUN_BASE ]] && base_med=${CRUN_BASE%% *}
	{
		echo "# hull start-up benchmark"
		echo
		echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -sr), $(nproc) CPUs," \
			"hyperfine --warmup $WARMUP --runs $RUNS; peak RSS: median of $RSS_RUNS."
		echo "Versions: $(crun --version 2>/dev/null | head -1 || true);" \
			"$(runc --version 2>/dev/null | head -1 || true);" \
			"hull $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')."
		echo
		echo "| command | median ms | mean ms ± σ | peak RSS KiB | × crun (median) |"
		echo "|---|---:|---:|---:|---:|"
		for r in "${ROWS[@]}"; do
			IFS='|' read -r name cmd med mean sd rss <<<"$r"
			awk -v n="$name" -v m="$med" -v a="$mean" -v s="$sd" -v k="$rss" \
				-v b="$base_med" 'BEGIN {
				ratio = (b != "" && b > 0) ? sprintf("%.2f", m / b) : "n/a"
				printf "| %s | %.1f | %.1f ± %.1f | %s | %s |\n",
					n, m * 1000, a * 1000, s * 1000, k, ratio }'
		done
		echo
		echo "Commands (state and images under a temporary directory):"
		echo
		for r in "${ROWS[@]}"; do
			IFS='|' read -r name cmd _ <<<"$r"
			echo "- $name: \`${cmd//"$TMP"/\$TMP}\`"
		done
		if ((${#NOTES[@]})); then
			echo
			echo "Notes:"
			echo
			for r in "${NOTES[@]}"; do echo "- ${r//"$TMP"/\$TMP}"; done
		fi
	} > "$RESULTS"
	cat "$RESULTS"
}

# -------------------------------------------------------------------- main

log "building the busybox rootfs and OCI bundle in $TMP"
make_rootfs
make_bundle

bench_hull
bench_crun
bench_runc
[[ -n ${HULL_BENCH_PRIVATE_NS:-} ]] &&
	NOTES+=("This host has hybrid cgroups, which Debian's crun 1.8.1 refuses; the whole benchmark ran in a private mount namespace with /sys/fs/cgroup/unified unmounted, for every engine alike.")
bench_podman
bench_baselines

write_results
