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
# NO_PODMAN=1 to leave podman out, STATE_FS (ext4: every engine's state on
# a journaled ext4 made for the run, as on a usual host; tmp: in /tmp as
# it is).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL=${HULL:-$REPO/build/src/cli/hull}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
NPS=${NPS:-1000}
NMEM=${NMEM:-100}
RESULTS=${RESULTS:-$REPO/bench/lifecycle-results.md}
# "main": hull on the host as it is, then the podman part in a child;
# "podman": that child (in a private mount namespace on hybrid hosts).
MODE=${LC_MODE:-main}

TMP=
FSDIR=          # the journaled ext4 mounted for the run (main mode, STATE_FS=ext4)
STATE_FS=${STATE_FS:-ext4}
CHILD=          # the one long-running process we started, if any
HROOT=          # hull's --root for the current phase

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $HULL ]] || die "no hull executable at $HULL (build it, or set HULL=)"
for tool in hyperfine jq busybox unshare chroot; do
	command -v "$tool" >/dev/null || die "$tool is required"
done

# ---------------------------------------------------------------- clean-up

hull_cmd() { "$HULL" --root "$HROOT" "$@"; }
podman_env() {
	CONTAINERS_CONF=$TMP/podman/containers.conf \
		CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf "$@"
}

# A process we started, still the one we mean: same pid and command name.
kill_if() {     # pid comm
	[[ -r /proc/$1/comm && $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]] && kill -KILL "$1" 2>/dev/null
	return 0
}

# Every monitor hull recorded in the state files under one root.
hull_monitor_pids() {   # root
	local f
	for f in "$1"/containers/*/state.json; do
		[[ -f $f ]] && jq -r 'select(.MonitorPid > 0) | .MonitorPid' "$f" 2>/dev/null
	done
	return 0
}

hull_remove_all() {     # root
	local root=$1 ids pid
	ids=$("$HULL" --root "$root" ps -aq --no-trunc 2>/dev/null) || true
	# One rm call for many ids keeps 1000 removals quick.
	if [[ -n $ids ]] && ! xargs -r -n 200 "$HULL" --root "$root" rm -f <<<"$ids" >/dev/null 2>"$TMP/rm.err"; then
		NOTES+=("hull rm -f failed for some containers: $(head -c 300 "$TMP/rm.err" | tr '\n' ' ')")
	fi
	for pid in $(hull_monitor_pids "$root"); do kill_if "$pid" hull-monitor; done
	return 0
}

podman_remove_all() {
	[[ -f $TMP/podman/containers.conf ]] || return 0
	podman_env podman rm -af -t 0 >/dev/null 2>&1 || true
}

fs_cleanup() {
	[[ -n $FSDIR ]] || return 0
	mountpoint -q "$FSDIR/run" && umount "$FSDIR/run"
	mountpoint -q "$FSDIR" && umount "$FSDIR"
	rm -f "$FSDIR.img"
	rmdir "$FSDIR"
}

cleanup() {
	local rc=$? m r
	set +e
	trap - EXIT INT TERM
	[[ -n $CHILD ]] && kill "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	[[ -n $TMP && -d $TMP ]] || { fs_cleanup; exit "$rc"; }
	for r in "$TMP"/hullroot-*; do [[ -d $r ]] && hull_remove_all "$r"; done
	if [[ -f $TMP/podman/containers.conf ]]; then
		podman_remove_all
		podman_env podman rmi -af >/dev/null 2>&1
		[[ -f $TMP/conmon.pids ]] && while read -r m; do kill_if "$m" conmon; done < "$TMP/conmon.pids"
	fi
	awk -v r="$TMP/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$TMP"
	fs_cleanup
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

# Where the state goes.  This project's machine has an ext4 root without a
# journal, and there every new inode skips those freed in the last seconds
# (the no-journal path of ext4's inode allocator reads each one's inode
# block to see when it was deleted): a start then costs more the more
# files anything deleted just before, which says more about the order of
# the rows than about the engines.  A journaled ext4, as hosts usually
# have, has no such cost.  The podman child inherits the mount.
if [[ $MODE == main && $STATE_FS == ext4 ]]; then
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is required (or STATE_FS=tmp)"
	FSDIR=$(mktemp -d /tmp/hull-lifecycle-fs.XXXXXX)
	truncate -s 8G "$FSDIR.img"
	mkfs.ext4 -q -F "$FSDIR.img"
	mount -o loop "$FSDIR.img" "$FSDIR"
	# podman's runroot and tmp_dir on a tmpfs, as /run is on a host
	# (podman 4.3 with them on this loop-mounted ext4 waited 20 s for
	# every `run --rm` after the first: "Exceeded conmon timeout").
	mkdir "$FSDIR/run"
	mount -t tmpfs -o size=1g,mode=0700 tmpfs "$FSDIR/run"
	export LC_BASE=$FSDIR LC_RUN=$FSDIR/run
fi
TMP=$(mktemp -d "${LC_BASE:-/tmp}/hull-lifecycle.XXXXXX")

# ------------------------------------------------------------ measurement

NOTES=()
declare -A MED MEAN SD

# hyperfine one command into MED/MEAN/SD[name] (milliseconds).
NJSON=0
time_cmd() {
	local name=$1 cmd=$2 json=$TMP/hyperfine-$((++NJSON)).json
	log "timing: $name"
	if ! run_child hyperfine --shell=none --warmup "$WARMUP" --runs "$RUNS" \
		--export-json "$json" --command-name "$name" "$cmd" >&2; then
		# shellcheck disable=SC2086  # the command's words, as hyperfine split them
		NOTES+=("$name: failed: $(eval $cmd 2>&1 >/dev/null | head -c 300 | tr '\n' ' ')")
		return 1
	fi
	MED[$name]=$(jq -r '.results[0].median * 1000' "$json")
	MEAN[$name]=$(jq -r '.results[0].mean * 1000' "$json")
	SD[$name]=$(jq -r '.results[0].stddev * 1000' "$json")
}

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

# The pids among these whose command is $1.
alive_as() {    # comm pid...
	local comm=$1 p
	shift
	for p in "$@"; do [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$comm" ]] && echo "$p"; done
	return 0
}

# Start $NMEM detached containers with the given command; "n" on error.
start_many() {  # what command...
	local what=$1 i
	shift
	log "starting $NMEM detached $what containers"
	for ((i = 0; i < NMEM; i++)); do
		"$@" >/dev/null 2>"$TMP/run.err" || {
			NOTES+=("$what run -d failed after $i containers: $(head -c 300 "$TMP/run.err")")
			return 0
		}
	done
	sleep 2         # let every monitor reach its idle loop
}

# ms each for $NPS creates with the given command.
create_many() { # what command...
	local what=$1 i t0 t1
	shift
	log "creating $NPS containers with $what create"
	t0=$(now_ns)
	for ((i = 0; i < NPS; i++)); do "$@" >/dev/null; done
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" -v n="$NPS" 'BEGIN { printf "%.1f", (b - a) / 1e6 / n }'
}

# ----------------------------------------------------------------- hull

# A new root gets the built-in busybox image on its first run: not what
# is measured.
hull_warm() {
	hull_cmd run --rm --network none busybox true >/dev/null 2>&1 || true
}

hull_latency() {        # suffix for the row names, root's name
	HROOT=$TMP/hullroot-$2
	hull_warm
	time_cmd "hull run --rm (foreground)$1" "$HULL --root $HROOT run --rm --network none busybox true" || true
	time_cmd "hull run -d$1" "$HULL --root $HROOT run -d --network none busybox sleep 1000" || true
	hull_remove_all "$HROOT"
}

MEM_HULL=''
hull_memory() {
	HROOT=$TMP/hullroot-memory
	hull_warm
	start_many hull hull_cmd run -d --network none busybox sleep 1000
	local pids
	mapfile -t pids < <(hull_monitor_pids "$HROOT")
	mapfile -t pids < <(alive_as hull-monitor "${pids[@]}")
	((${#pids[@]} == NMEM)) || NOTES+=("hull: ${#pids[@]} monitors alive for $NMEM containers")
	MEM_HULL="${#pids[@]} $(mem_sum "${pids[@]}")"
	hull_remove_all "$HROOT"
}

CREATE_HULL=''
hull_ps() {
	HROOT=$TMP/hullroot-ps
	hull_warm
	CREATE_HULL=$(create_many hull hull_cmd create --network none busybox true)
	local n
	n=$(hull_cmd ps -a | wc -l)
	[[ $n == $((NPS + 1)) ]] || NOTES+=("hull ps -a printed $n lines for $NPS containers")
	time_cmd "hull ps -a" "$HULL --root $HROOT ps -a" || true
	time_cmd "hull ps -a --format" "$HULL --root $HROOT ps -a --format '{{.ID}}\t{{.Names}}\t{{.Status}}'" || true
	time_cmd "hull ps -a -f name=x" "$HULL --root $HROOT ps -a -f name=x" || true
	hull_remove_all "$HROOT"
}

# --------------------------------------------------------------- podman

# Podman on its own storage and config under $TMP, with the busybox tree
# bench/run.sh uses; cgroupfs since there is no systemd here, and ulimits
# that fit this host's hard limit.
podman_setup() {
	local d=$TMP/podman r=$TMP/rootfs t=${LC_RUN:-$TMP/podman}
	mkdir -p "$d/root" "$t/runroot" "$t/tmp" "$d/volumes"
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
		tmp_dir = "$t/tmp"
		volume_path = "$d/volumes"
		static_dir = "$d/root/libpod"
		events_logger = "none"
	EOF
	cat > "$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/root"
		runroot = "$t/runroot"
	EOF
	podman_env podman import "$d/busybox.tar" localhost/busybox:latest >/dev/null 2>"$d/import.err" &&
		podman_env podman run --rm --network none localhost/busybox true 2>>"$d/import.err"
}

podman_all() {
	if ! podman_setup; then
		NOTES+=("podman: skipped, set-up failed: $(head -c 300 "$TMP/podman/import.err" | tr '\n' ' ')")
		return 0
	fi
	local p="env CONTAINERS_CONF=$TMP/podman/containers.conf CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf podman"
	time_cmd "podman run --rm (foreground)" "$p run --rm --network none localhost/busybox true" || true
	time_cmd "podman run -d" "$p run -d --network none localhost/busybox sleep 1000" || true
	podman_remove_all

	start_many podman podman_env podman run -d --network none localhost/busybox sleep 1000
	local ids pids
	ids=$(podman_env podman ps -q --no-trunc)
	# shellcheck disable=SC2086  # one word per id
	[[ -n $ids ]] && podman_env podman inspect --format '{{.State.ConmonPid}}' $ids > "$TMP/conmon.pids"
	pids=()
	[[ -f $TMP/conmon.pids ]] && mapfile -t pids < "$TMP/conmon.pids"
	mapfile -t pids < <(alive_as conmon "${pids[@]}")
	((${#pids[@]} == NMEM)) || NOTES+=("podman: ${#pids[@]} conmon processes for $NMEM containers")
	MEM_PODMAN="${#pids[@]} $(mem_sum "${pids[@]}")"
	podman_remove_all

	CREATE_PODMAN=$(create_many podman podman_env podman create --network none localhost/busybox true)
	time_cmd "podman ps -a" "$p ps -a" || true
	podman_remove_all
}

# The podman half: in a private mount namespace without the cgroup2 mount
# when this host has hybrid cgroups, which Debian's crun 1.8.1 refuses.
# hull's run -d and foreground run are timed there too, like for like.
if [[ $MODE == podman ]]; then
	MEM_PODMAN='' CREATE_PODMAN=''
	# hull first: podman_all creates and removes 1,100 containers, and on
	# an ext4 without a journal (STATE_FS=tmp on this machine) the inodes
	# they free make every file created in the next seconds slower (see
	# above), which would be charged to whichever start is timed next.
	[[ -n ${LC_NS:-} ]] && hull_latency " (podman's namespace)" latency-ns
	podman_all
	{
		for k in "${!MED[@]}"; do
			printf 'MED[%q]=%q; MEAN[%q]=%q; SD[%q]=%q\n' "$k" "${MED[$k]}" "$k" "${MEAN[$k]}" "$k" "${SD[$k]}"
		done
		printf 'MEM_PODMAN=%q\nCREATE_PODMAN=%q\n' "$MEM_PODMAN" "$CREATE_PODMAN"
		for k in "${NOTES[@]}"; do printf 'NOTES+=(%q)\n' "$k"; done
	} > "$LC_OUT"
	exit 0
fi

podman_child() {
	local out=$TMP/podman.vars
	local pass=(LC_MODE=podman LC_OUT="$out" HULL="$HULL" RUNS="$RUNS" WARMUP="$WARMUP" NPS="$NPS" NMEM="$NMEM")
	if [[ -n ${NO_PODMAN:-} ]]; then
		NOTES+=("podman: not measured (NO_PODMAN)")
		return 0
	fi
	if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
		log "installing podman and conmon from Debian"
		DEBIAN_FRONTEND=noninteractive apt-get install -y podman conmon >/dev/null ||
			{ NOTES+=("podman: not installed, and apt-get install failed"); return 0; }
	fi
	if mountpoint -q /sys/fs/cgroup/unified && [[ $(stat -fc %T /sys/fs/cgroup) != cgroup2fs ]]; then
		NOTES+=("This host has hybrid cgroups, which Debian's crun 1.8.1 (podman's runtime) refuses: podman ran in a private mount namespace with /sys/fs/cgroup/unified unmounted (hull's rows marked \"podman's namespace\" ran there too); every other hull row ran on the host as it is.")
		# shellcheck disable=SC2016  # expanded by the inner bash
		run_child env "${pass[@]}" LC_NS=1 unshare -m --propagation private bash -c \
			'umount /sys/fs/cgroup/unified && exec bash "$0"' "${BASH_SOURCE[0]}" || true
	else
		run_child env "${pass[@]}" bash "${BASH_SOURCE[0]}" || true
	fi
	# shellcheck disable=SC1090  # written by the child above
	[[ -f $out ]] && source "$out"
	[[ -f $out ]] || NOTES+=("podman: the podman part failed")
}

# ---------------------------------------------------------------- results

ms() { awk -v v="$1" 'BEGIN { printf "%.1f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

RESULT_LINES=()
row() {         # measurement hull podman ratio target
	RESULT_LINES+=("| $1 | $2 | $3 | $4 | $5 |")
}

timing() {      # name -> "median (mean ± sd)"
	local n=$1
	[[ -n ${MED[$n]:-} ]] || { echo "n/a"; return; }
	echo "$(ms "${MED[$n]}") ($(ms "${MEAN[$n]}") ± $(ms "${SD[$n]}"))"
}

mem_cells() {   # "count pss rss" -> "total PSS MiB (per container KiB; RSS)"
	[[ -n $1 ]] || { echo "n/a"; return; }
	awk -v s="$1" 'BEGIN { split(s, v, " "); if (v[1] == 0) { print "n/a"; exit }
		printf "%.1f MiB PSS (%.0f KiB each; RSS %.0f KiB each)", v[2] / 1024, v[2] / v[1], v[3] / v[1] }'
}

latency_rows() {        # suffix
	local s=$1 fg det pfg pdet
	fg=${MED["hull run --rm (foreground)$s"]:-0} det=${MED["hull run -d$s"]:-0}
	pfg=${MED["podman run --rm (foreground)"]:-0} pdet=${MED["podman run -d"]:-0}
	row "\`run -d --network none busybox sleep 1000\`$s, median ms (mean ± σ)" "$(timing "hull run -d$s")" \
		"$(timing "podman run -d")" "podman/hull $(ratio "$pdet" "$det")" "-"
	row "foreground \`run --rm --network none busybox true\`$s" "$(timing "hull run --rm (foreground)$s")" \
		"$(timing "podman run --rm (foreground)")" "podman/hull $(ratio "$pfg" "$fg")" "-"
	row "detached / foreground$s" "$(ratio "$det" "$fg")" "$(ratio "$pdet" "$pfg")" "-" "hull <= 2"
}

write_results() {
	local hps=${MED["hull ps -a"]:-0} pps=${MED["podman ps -a"]:-0} hpss=0 ppss=0
	latency_rows ""
	[[ -n ${MED["hull run -d (podman's namespace)"]:-} ]] && latency_rows " (podman's namespace)"
	row "\`create\`, ms each ($NPS in a row)" "${CREATE_HULL:-n/a}" "${CREATE_PODMAN:-n/a}" \
		"podman/hull $(ratio "${CREATE_PODMAN:-0}" "${CREATE_HULL:-0}")" "-"
	row "\`ps -a\` with $NPS containers, median ms (mean ± σ)" "$(timing "hull ps -a")" \
		"$(timing "podman ps -a")" "podman/hull $(ratio "$pps" "$hps")" "hull < 50 ms, >= 10x"
	row "\`ps -a --format '{{.ID}}\\t{{.Names}}\\t{{.Status}}'\`" "$(timing "hull ps -a --format")" "-" "-" "-"
	row "\`ps -a -f name=x\` (no match)" "$(timing "hull ps -a -f name=x")" "-" "-" "-"
	[[ -n $MEM_HULL ]] && hpss=$(cut -d' ' -f2 <<<"$MEM_HULL")
	[[ -n ${MEM_PODMAN:-} ]] && ppss=$(cut -d' ' -f2 <<<"$MEM_PODMAN")
	row "$NMEM idle detached containers: monitors (hull), conmon (podman)" "$(mem_cells "$MEM_HULL")" \
		"$(mem_cells "${MEM_PODMAN:-}")" "podman/hull $(ratio "$ppss" "$hpss")" "-"
	{
		echo "# hull lifecycle benchmark"
		echo
		echo "$(date -u +%Y-%m-%dT%H:%MZ), $(uname -sr), $(nproc) CPUs; hyperfine --warmup $WARMUP --runs $RUNS."
		echo "Versions: hull $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" \
			"(uncommitted changes in $(git -C "$REPO" status --porcelain 2>/dev/null | wc -l) files);" \
			"$(podman --version 2>/dev/null || echo 'no podman'); $(conmon --version 2>/dev/null | head -1 || true)."
		echo
		echo "| measurement | hull | podman | ratio | target |"
		echo "|---|---|---|---|---|"
		printf '%s\n' "${RESULT_LINES[@]}"
		echo
		if [[ $STATE_FS == ext4 ]]; then
			echo "State: every engine's under one temporary directory on a journaled ext4 made for the run (a loop-mounted image), podman's runroot and tmp_dir on a tmpfs as /run is on a host; \`STATE_FS=tmp\` puts it all in /tmp as it is."
		else
			echo "State: every engine's under one temporary directory in /tmp ($(stat -f -c %T /tmp))."
		fi
		echo
		echo "Commands (podman with its own storage, cgroupfs):"
		echo
		echo "- hull: \`hull --root \$TMP/hullroot-PHASE run -d --network none busybox sleep 1000\`, \`run --rm --network none busybox true\`, \`create --network none busybox true\`, \`ps -a\`"
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

hull_latency "" latency
hull_memory
hull_ps
podman_child
write_results
