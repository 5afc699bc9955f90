#!/usr/bin/env bash
# Containers that outlive the command, side by side with podman:
#   (a) how long `run -d` takes, against hull's own foreground run and
#       against `podman run -d`;
#   (b) `ps -a` with NPS (1000) containers in the store (made with
#       `create`), hull against podman;
#   (c) the memory of NMEM (100) idle detached containers' monitors:
#       hull's monitors against podman's conmon processes (PSS and RSS
#       from /proc/PID/smaps_rollup).
# See bench/README.md.
#
#   sudo bash bench/lifecycle.sh       # after: meson setup build && ninja -C build
#
# Environment: HULL (default build/src/cli/hull), RUNS (20), WARMUP (3),
# NPS (1000), NMEM (100), RESULTS (default bench/lifecycle-results.md),
# NO_PODMAN=1 to leave podman out.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL=${HULL:-$REPO/build/src/cli/hull}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
NPS=${NPS:-1000}
NMEM=${NMEM:-100}
RESULTS=${RESULTS:-$REPO/bench/lifecycle-results.md}

TMP=
CHILD=          # the one long-running process we started, if any

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $HULL ]] || die "no hull executable at $HULL (build it, or set HULL=)"

# Debian 12's crun (podman's runtime) refuses every container on a
# hybrid-cgroup host; as in bench/run.sh the whole benchmark runs in a
# private mount namespace without the cgroup2 mount, for both engines.
if [[ -z ${HULL_BENCH_PRIVATE_NS:-} ]] && mountpoint -q /sys/fs/cgroup/unified &&
	[[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]]; then
	export HULL_BENCH_PRIVATE_NS=1
	# shellcheck disable=SC2016  # expanded by the inner bash
	exec unshare -m --propagation private bash -c \
		'umount /sys/fs/cgroup/unified && exec bash "$0" "$@"' "${BASH_SOURCE[0]}" "$@"
fi

PODMAN=1
if [[ -n ${NO_PODMAN:-} ]]; then
	PODMAN=
elif ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
	log "installing podman and conmon from Debian"
	DEBIAN_FRONTEND=noninteractive apt-get install -y podman conmon >/dev/null || PODMAN=
fi
for tool in hyperfine jq busybox unshare chroot; do
	command -v "$tool" >/dev/null || die "$tool is required"
done

# ---------------------------------------------------------------- clean-up

hull_cmd() { "$HULL" --root "$TMP/hullroot" "$@"; }
podman_env() {
	CONTAINERS_CONF=$TMP/podman/containers.conf \
		CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf "$@"
}

# A process we started, still the one we mean: same pid and command name.
kill_if() {     # pid comm
	[[ -r /proc/$1/comm && $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]] && kill -KILL "$1" 2>/dev/null
	return 0
}

# Every monitor hull recorded in its state files (pid and start time), so
# that clean-up kills exactly those processes and nothing else.
hull_monitor_pids() {
	local f
	for f in "$TMP"/hullroot/containers/*/state.json; do
		[[ -f $f ]] && jq -r 'select(.MonitorPid > 0) | .MonitorPid' "$f" 2>/dev/null
	done
	return 0
}

hull_remove_all() {
	local ids
	ids=$(hull_cmd ps -aq --no-trunc 2>/dev/null) || true
	# One rm call for many ids keeps 1000 removals quick.
	[[ -n $ids ]] && xargs -r -n 200 "$HULL" --root "$TMP/hullroot" rm -f <<<"$ids" >/dev/null 2>&1
	local pid
	for pid in $(hull_monitor_pids); do kill_if "$pid" hull-monitor; done
	# hull keeps each container's attach socket under /run/hull/<id>.
	for id in $ids; do [[ -d /run/hull/$id ]] && rm -rf --one-file-system "/run/hull/$id"; done
	return 0
}

podman_remove_all() {
	[[ -n $PODMAN && -f $TMP/podman/containers.conf ]] || return 0
	podman_env podman rm -af -t 0 >/dev/null 2>&1 || true
}

cleanup() {
	local rc=$? m
	set +e
	trap - EXIT INT TERM
	[[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	[[ -n $TMP && -d $TMP ]] || exit "$rc"
	hull_remove_all
	if [[ -f $TMP/podman/containers.conf ]]; then
		podman_remove_all
		podman_env podman rmi -af >/dev/null 2>&1
		while read -r m; do kill_if "$m" conmon; done < "$TMP/conmon.pids" 2>/dev/null
	fi
	awk -v r="$TMP/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
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

TMP=$(mktemp -d /tmp/hull-lifecycle.XXXXXX)

# ------------------------------------------------------------- podman set-up

# Podman on its own storage and config under $TMP, with the busybox tree
# bench/run.sh uses; cgroupfs since there is no systemd here, and ulimits
# that fit this host's hard limit.
podman_setup() {
	local d=$TMP/podman r=$TMP/rootfs
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/volumes"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root}
	cp /bin/busybox "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$r/etc/passwd"
	printf 'root:x:0:\n' > "$r/etc/group"
	tar -C "$r" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$d/busybox.tar" .
	cat > "$d/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		[engine]
		cgroup_manager = "cgroupfs"
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
	podman_env podman import "$d/busybox.tar" localhost/busybox:latest >/dev/null 2>"$d/import.err" &&
		podman_env podman run --rm --network none localhost/busybox true 2>>"$d/import.err"
}
PODMAN_CMD=     # podman with its environment, as hyperfine runs it

# ------------------------------------------------------------ measurement

RESULT_LINES=()
NOTES=()
declare -A MED MEAN SD

# hyperfine one command into MED/MEAN/SD[name] (milliseconds).
NJSON=0
time_cmd() {
	local name=$1 cmd=$2 json=$TMP/hyperfine-$((++NJSON)).json
	log "timing: $name"
	run_child hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" \
		--export-json "$json" --command-name "$name" "$cmd" >&2 || return 1
	MED[$name]=$(jq -r '.results[0].median * 1000' "$json")
	MEAN[$name]=$(jq -r '.results[0].mean * 1000' "$json")
	SD[$name]=$(jq -r '.results[0].stddev * 1000' "$json")
}

ms() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
now_ns() { date +%s%N; }

# Sum of Pss and Rss (KiB) over the given pids, from smaps_rollup.
mem_sum() {
	local pid pss=0 rss=0 p r
	for pid in "$@"; do
		read -r p r < <(awk '/^Pss:/ {p = $2} /^Rss:/ {r = $2} END {print p + 0, r + 0}' \
			"/proc/$pid/smaps_rollup" 2>/dev/null || echo "0 0")
		pss=$((pss + p))
		rss=$((rss + r))
	done
	echo "$pss $rss"
}

# ------------------------------------------------------------ (a) latency

bench_latency() {
	time_cmd "hull run --rm (foreground)" \
		"$HULL --root $TMP/hullroot run --rm --network none busybox true" || NOTES+=("hull foreground run failed")
	time_cmd "hull run -d" "$HULL --root $TMP/hullroot run -d busybox sleep 1000" ||
		NOTES+=("hull run -d failed: $(hull_cmd run -d busybox sleep 1000 2>&1 | head -c 300)")
	hull_remove_all
	[[ -n $PODMAN ]] || return 0
	time_cmd "podman run --rm (foreground)" "$PODMAN_CMD run --rm --network none localhost/busybox true" || true
	time_cmd "podman run -d" "$PODMAN_CMD run -d --network none localhost/busybox sleep 1000" || true
	podman_remove_all
}

# ------------------------------------------------------------- (b) ps -a

CREATE_HULL=''
CREATE_PODMAN=''
create_many() {        # engine: "hull" or "podman"; sets CREATE_<ENGINE> to ms per create
	local engine=$1 i t0 t1
	log "creating $NPS containers with $engine create"
	t0=$(now_ns)
	for ((i = 0; i < NPS; i++)); do
		if [[ $engine == hull ]]; then
			hull_cmd create busybox true >/dev/null
		else
			podman_env podman create --network none localhost/busybox true >/dev/null
		fi
	done
	t1=$(now_ns)
	local per
	per=$(awk -v a="$t0" -v b="$t1" -v n="$NPS" 'BEGIN { printf "%.1f", (b - a) / 1e6 / n }')
	if [[ $engine == hull ]]; then CREATE_HULL=$per; else CREATE_PODMAN=$per; fi
}

bench_ps() {
	create_many hull
	local n
	n=$(hull_cmd ps -a | wc -l)
	[[ $n == $((NPS + 1)) ]] || NOTES+=("hull ps -a printed $n lines for $NPS containers")
	time_cmd "hull ps -a" "$HULL --root $TMP/hullroot ps -a" || true
	time_cmd "hull ps -a --format" "$HULL --root $TMP/hullroot ps -a --format '{{.ID}}\t{{.Names}}\t{{.Status}}'" || true
	time_cmd "hull ps -a -f name=x" "$HULL --root $TMP/hullroot ps -a -f name=x" || true
	hull_remove_all
	[[ -n $PODMAN ]] || return 0
	create_many podman
	time_cmd "podman ps -a" "$PODMAN_CMD ps -a" || true
	podman_remove_all
}

# ---------------------------------------------------------- (c) memory

MEM_HULL=''
MEM_PODMAN=''
wait_settled() { sleep 2; }     # let every monitor reach its idle loop

bench_memory() {
	local i pids=()
	log "starting $NMEM detached hull containers"
	for ((i = 0; i < NMEM; i++)); do hull_cmd run -d busybox sleep 1000 >/dev/null; done
	wait_settled
	mapfile -t pids < <(hull_monitor_pids)
	local alive=() p
	for p in "${pids[@]}"; do [[ $(cat "/proc/$p/comm" 2>/dev/null) == hull-monitor ]] && alive+=("$p"); done
	((${#alive[@]} == NMEM)) || NOTES+=("hull: ${#alive[@]} monitors alive for $NMEM containers")
	MEM_HULL="${#alive[@]} $(mem_sum "${alive[@]}")"
	hull_remove_all
	[[ -n $PODMAN ]] || return 0
	log "starting $NMEM detached podman containers"
	for ((i = 0; i < NMEM; i++)); do
		podman_env podman run -d --network none localhost/busybox sleep 1000 >/dev/null
	done
	wait_settled
	local ids
	ids=$(podman_env podman ps -q --no-trunc)
	# shellcheck disable=SC2086  # one word per id
	[[ -n $ids ]] && podman_env podman inspect --format '{{.State.ConmonPid}}' $ids > "$TMP/conmon.pids"
	mapfile -t pids < "$TMP/conmon.pids"
	alive=()
	for p in "${pids[@]}"; do [[ $(cat "/proc/$p/comm" 2>/dev/null) == conmon ]] && alive+=("$p"); done
	((${#alive[@]} == NMEM)) || NOTES+=("podman: ${#alive[@]} conmon processes for $NMEM containers")
	MEM_PODMAN="${#alive[@]} $(mem_sum "${alive[@]}")"
	podman_remove_all
}

# ---------------------------------------------------------------- results

row() {         # measurement hull podman ratio target
	RESULT_LINES+=("| $1 | $2 | $3 | $4 | $5 |")
}

timing() {      # name -> "median (mean ± sd)"
	local n=$1
	[[ -n ${MED[$n]:-} ]] || { echo "n/a"; return; }
	echo "$(ms "${MED[$n]}") ($(ms "${MEAN[$n]}") ± $(ms "${SD[$n]}"))"
}

mem_cells() {   # "count pss rss" -> "total PSS MiB; per container KiB (RSS)"
	[[ -n $1 ]] || { echo "n/a"; return; }
	awk -v s="$1" 'BEGIN { split(s, v, " "); if (v[1] == 0) { print "n/a"; exit }
		printf "%.1f MiB PSS (%.0f KiB each; RSS %.0f KiB each)", v[2] / 1024, v[2] / v[1], v[3] / v[1] }'
}

write_results() {
	local fg=${MED["hull run --rm (foreground)"]:-0} det=${MED["hull run -d"]:-0}
	local pdet=${MED["podman run -d"]:-0} hps=${MED["hull ps -a"]:-0} pps=${MED["podman ps -a"]:-0}
	local hp=${MEM_HULL:-} pp=${MEM_PODMAN:-}
	row "\`run -d busybox sleep 1000\`, median ms (mean ± σ)" "$(timing "hull run -d")" \
		"$(timing "podman run -d")" "hull/podman $(ratio "$det" "$pdet")" "-"
	row "foreground \`run --rm --network none busybox true\`" "$(timing "hull run --rm (foreground)")" \
		"$(timing "podman run --rm (foreground)")" "-" "-"
	row "detached / foreground" "$(ratio "$det" "$fg")" \
		"$(ratio "$pdet" "${MED["podman run --rm (foreground)"]:-0}")" "-" "hull <= 2"
	row "\`create\`, ms each ($NPS in a row)" "${CREATE_HULL:-n/a}" "${CREATE_PODMAN:-n/a}" \
		"$(ratio "${CREATE_PODMAN:-0}" "${CREATE_HULL:-0}")x faster" "-"
	row "\`ps -a\` with $NPS containers, median ms" "$(timing "hull ps -a")" "$(timing "podman ps -a")" \
		"$(ratio "$pps" "$hps")x faster" "hull < 50 ms, >= 10x"
	row "\`ps -a --format '{{.ID}}\\t{{.Names}}\\t{{.Status}}'\`" "$(timing "hull ps -a --format")" "-" "-" "-"
	row "\`ps -a -f name=x\` (no match)" "$(timing "hull ps -a -f name=x")" "-" "-" "-"
	local hpss=0 ppss=0
	[[ -n $hp ]] && hpss=$(cut -d' ' -f2 <<<"$hp")
	[[ -n $pp ]] && ppss=$(cut -d' ' -f2 <<<"$pp")
	row "$NMEM idle detached containers: monitors (hull) / conmon (podman)" "$(mem_cells "$hp")" \
		"$(mem_cells "$pp")" "podman/hull $(ratio "$ppss" "$hpss")" "-"
	{
		echo "# hull lifecycle benchmark"
		echo
		echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -sr), $(nproc) CPUs; hyperfine --warmup $WARMUP --runs $RUNS."
		echo "Versions: hull $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" \
			"(plus uncommitted changes: $(git -C "$REPO" status --porcelain 2>/dev/null | wc -l) files);" \
			"$(podman --version 2>/dev/null || echo 'no podman'); $(conmon --version 2>/dev/null | head -1 || true)."
		echo
		echo "| measurement | hull | podman | ratio | target |"
		echo "|---|---|---|---|---|"
		printf '%s\n' "${RESULT_LINES[@]}"
		echo
		echo "Commands (state under a temporary directory; podman with its own storage, cgroupfs):"
		echo
		echo "- hull: \`hull --root \$TMP/hullroot run -d busybox sleep 1000\`, \`run --rm --network none busybox true\`, \`create busybox true\`, \`ps -a\`"
		echo "- podman: \`podman run -d --network none localhost/busybox sleep 1000\`, \`run --rm --network none localhost/busybox true\`, \`create --network none localhost/busybox true\`, \`ps -a\`"
		echo "- memory: the sum of \`Pss\` (and \`Rss\`) in \`/proc/PID/smaps_rollup\` over every \`hull-monitor\` (pids from each container's state.json) or every \`conmon\` (\`podman inspect --format '{{.State.ConmonPid}}'\`), 2 s after the last start."
		if ((${#NOTES[@]})); then
			echo
			echo "Notes:"
			echo
			local n
			for n in "${NOTES[@]}"; do echo "- ${n//"$TMP"/\$TMP}"; done
		fi
	} > "$RESULTS"
	cat "$RESULTS"
}

# -------------------------------------------------------------------- main

if [[ -n $PODMAN ]] && ! podman_setup; then
	NOTES+=("podman: skipped, set-up failed: $(head -c 300 "$TMP/podman/import.err" | tr '\n' ' ')")
	PODMAN=
fi
PODMAN_CMD="env CONTAINERS_CONF=$TMP/podman/containers.conf CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf podman"
[[ -n $PODMAN ]] || NOTES+=("podman: not measured")
[[ -n ${HULL_BENCH_PRIVATE_NS:-} ]] &&
	NOTES+=("This host has hybrid cgroups, which Debian's crun 1.8.1 (podman's runtime) refuses; the whole benchmark ran in a private mount namespace with /sys/fs/cgroup/unified unmounted, for both engines.")

bench_latency
bench_memory
bench_ps
write_results
