#!/usr/bin/env bash
# Images side by side with podman:
#   (a) import of a Debian minbase rootfs tarball (about 200 MB): hull
#       import against podman import of the same file;
#   (b) load of the same rootfs as a Docker archive: hull load against
#       podman load of the same file;
#   (c) hull commit of a container that changed one file, on the minbase
#       image and on busybox (the target: under 50 ms whatever the size);
#   (d) start of a container from a three-layer image against one from a
#       one-layer image.
# The rootfs is made once with debootstrap and cached under /var/cache.
#
#   sudo bash bench/images.sh       # after: scripts/build.sh build
#
# Environment: HULL (default build/src/cli/hull), RUNS (5 for import/load),
# RUNS_FAST (30), CACHE (/var/cache/hull-bench), RESULTS
# (bench/images-results.md), NO_PODMAN=1 to leave podman out.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL=${HULL:-$REPO/build/src/cli/hull}
RUNS=${RUNS:-5}
RUNS_FAST=${RUNS_FAST:-30}
CACHE=${CACHE:-/var/cache/hull-bench}
RESULTS=${RESULTS:-$REPO/bench/images-results.md}

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"
[[ -x $HULL ]] || die "no hull executable at $HULL (build it, or set HULL=)"
for tool in hyperfine jq debootstrap; do
	command -v "$tool" >/dev/null || die "$tool is required"
done
PODMAN=1
[[ ${NO_PODMAN:-} == 1 ]] || ! command -v podman >/dev/null && PODMAN=0

TMP=$(mktemp -d /var/tmp/hull-bench-images.XXXXXX)
HROOT=$TMP/hull
cleanup() {
	"$HULL" --root "$HROOT" rm -f bench-c1 bench-c2 >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# ---- the rootfs, made once ----
mirror() {
	awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
		echo http://deb.debian.org/debian
}
TARBALL=$CACHE/minbase.tar
if [[ ! -f $TARBALL ]]; then
	log "debootstrap --variant=minbase bookworm (once; cached in $CACHE)"
	mkdir -p "$CACHE"
	rm -rf "$CACHE/rootfs"
	debootstrap --variant=minbase bookworm "$CACHE/rootfs" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1
	tar -C "$CACHE/rootfs" --numeric-owner -cf "$TARBALL.tmp" .
	mv "$TARBALL.tmp" "$TARBALL"
fi
SIZE=$(du -m "$TARBALL" | cut -f1)
log "rootfs tarball: $TARBALL (${SIZE} MB)"

# podman on its own storage under $TMP (PEERS.md: ulimits, storage.conf)
P=$TMP/podman
mkdir -p "$P"
cat >"$P/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$P/tmp"
EOF
cat >"$P/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$P/graph"
runroot = "$P/run"
EOF
export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf

h() { "$HULL" --root "$HROOT" "$@"; }

mean_ms() { jq -r '.results[] | "\(.command)\t\(.mean * 1000)\t\(.stddev * 1000)"' "$1"; }

ROWS=()
row() { ROWS+=("$1"); }

bench() { # NAME RUNS PREPARE... -- COMMANDS
	local name=$1 runs=$2
	shift 2
	hyperfine --shell=none --runs "$runs" --export-json "$TMP/$name.json" "$@" >&2
	while IFS=$'\t' read -r cmd mean sd; do
		row "| $name | \`$cmd\` | $(printf '%.1f' "$mean") ± $(printf '%.1f' "$sd") |"
	done < <(mean_ms "$TMP/$name.json")
}

# ---- (a) import ----
log "import"
h images >/dev/null
CMDS=(--prepare "$HULL --root $HROOT image prune -a -f" "$HULL --root $HROOT import $TARBALL deb:import")
if ((PODMAN)); then
	CMDS+=(--prepare "podman rmi -a -f" "podman import -q $TARBALL localhost/deb:import")
fi
bench import "$RUNS" "${CMDS[@]}"

# ---- (b) load of a Docker archive of the same rootfs ----
log "load"
h import "$TARBALL" deb:1 >/dev/null
h save -o "$TMP/deb-docker.tar" deb:1
CMDS=(--prepare "$HULL --root $HROOT image prune -a -f" "$HULL --root $HROOT load -q -i $TMP/deb-docker.tar")
if ((PODMAN)); then
	CMDS+=(--prepare "podman rmi -a -f" "podman load -q -i $TMP/deb-docker.tar")
fi
bench load "$RUNS" "${CMDS[@]}"
((PODMAN)) && podman rmi -a -f >/dev/null 2>&1 || true

# ---- (c) commit of one changed file ----
log "commit"
h load -q -i "$TMP/deb-docker.tar"
h run --name bench-c1 --network none deb:1 sh -c 'echo changed >/etc/one-file'
h run --name bench-c2 --network none busybox sh -c 'echo changed >/etc/one-file'
bench commit "$RUNS_FAST" "$HULL --root $HROOT commit bench-c1" "$HULL --root $HROOT commit bench-c2"

# ---- (d) start from three layers against one ----
log "start: 3 layers vs 1"
h run --name l2 --network none busybox sh -c 'echo 2 >/two' && h commit l2 two:1 >/dev/null && h rm l2 >/dev/null
h run --name l3 --network none two:1 sh -c 'rm /two; echo 3 >/three' && h commit l3 three:1 >/dev/null &&
	h rm l3 >/dev/null
[[ $(h image inspect three:1 | jq '.[0].RootFS.Layers | length') == 3 ]] || die "three:1 has not 3 layers"
bench start "$RUNS_FAST" --warmup 3 "$HULL --root $HROOT run --rm --network none busybox true" \
	"$HULL --root $HROOT run --rm --network none three:1 true"

{
	echo "# Image benchmarks"
	echo
	echo "\`bench/images.sh\`, $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r)."
	echo "Rootfs: Debian bookworm minbase from debootstrap, ${SIZE} MB tar."
	echo "hull import/load: fresh image each run (\`image prune -a\` before);"
	echo "podman: overlay storage in a temporary graphroot (\`rmi -a\` before)."
	echo
	echo "| bench | command | mean ± sd (ms) |"
	echo "|---|---|---|"
	printf '%s\n' "${ROWS[@]}"
} | sed "s#$HROOT#ROOT#g; s#$TMP#TMP#g" >"$RESULTS"
cat "$RESULTS"
