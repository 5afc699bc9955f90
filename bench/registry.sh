#!/usr/bin/env bash
# Pull from a local registry: hull against podman pull and skopeo copy of
# the same image, in one run (hyperfine), plus peak memory for two layer
# sizes (streaming: it must not grow with the layer), and the cost of the
# registry module for `hull run` (none expected: it is dlopen'd by pull only).
#
#   sudo bash bench/registry.sh        # after: scripts/build.sh build
#
# Environment: HULL (default build/src/cli/hull), BASE_HULL (a hull built
# from main, to compare `hull run` start-up; optional), RUNS (5),
# LAYER_MB (25: four layers of it, incompressible), RESULTS
# (bench/registry-results.md).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HULL=${HULL:-$REPO/build/src/cli/hull}
RUNS=${RUNS:-5}
LAYER_MB=${LAYER_MB:-25}
RESULTS=${RESULTS:-$REPO/bench/registry-results.md}
TMP=$(mktemp -d /tmp/hull-bench-reg.XXXXXX)
REG_PID=

cleanup() {
	if [[ -n $REG_PID ]]; then
		kill "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '== %s\n' "$*" >&2; }

for tool in hyperfine docker-registry skopeo umoci podman /usr/bin/time python3 curl; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done

# A registry on a free loopback port, its storage in $TMP.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$TMP/reg"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/reg\nhttp:\n  addr: 127.0.0.1:%s\n' \
	"$TMP" "$PORT" >"$TMP/reg.yml"
docker-registry serve "$TMP/reg.yml" >"$TMP/reg.log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && break; sleep 0.1; done

# image NAME N MB: N layers of MB incompressible megabytes on a busybox base.
image() {
	local name=$1 n=$2 mb=$3 i
	umoci new --image "$TMP/oci:$name"
	umoci raw add-layer --image "$TMP/oci:$name" "$TMP/base.tar"
	for i in $(seq 1 "$n"); do
		mkdir -p "$TMP/l/$name$i"
		head -c "$((mb << 20))" /dev/urandom >"$TMP/l/$name$i/data"
		tar -C "$TMP/l/$name$i" -cf "$TMP/l/$name$i.tar" .
		umoci raw add-layer --image "$TMP/oci:$name" "$TMP/l/$name$i.tar"
		rm -rf "$TMP/l/$name$i" "$TMP/l/$name$i.tar"
	done
	umoci config --image "$TMP/oci:$name" --os linux --architecture amd64 --config.cmd /bin/true
	skopeo copy -q --dest-tls-verify=false "oci:$TMP/oci:$name" "docker://127.0.0.1:$PORT/bench/$name:1"
}
log "building images"
mkdir -p "$TMP/rootfs/bin" "$TMP/l"
cp /bin/busybox "$TMP/rootfs/bin/"
tar -C "$TMP/rootfs" -cf "$TMP/base.tar" .
umoci init --layout "$TMP/oci"
image multi 4 "$LAYER_MB"               # ~100 MB in four layers
image small 1 "$LAYER_MB"               # one layer of LAYER_MB
image large 1 "$((LAYER_MB * 4))"       # one layer four times as large
REF=127.0.0.1:$PORT/bench/multi:1

cat >"$TMP/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF
printf '[storage]\ndriver = "overlay"\nrunroot = "%s/pm/run"\ngraphroot = "%s/pm/graph"\n' "$TMP" "$TMP" \
	>"$TMP/storage.conf"
export CONTAINERS_CONF=$TMP/containers.conf CONTAINERS_STORAGE_CONF=$TMP/storage.conf

log "pull of $REF (4 x $LAYER_MB MiB)"
# Each run starts with nothing dirty in the page cache (sync): otherwise a
# run pays for the writeback of what the one before it wrote, twice as
# much after hull or podman (blobs and unpacked layers) as after skopeo.
hyperfine --runs "$RUNS" --export-json "$TMP/pull.json" \
	--command-name "hull pull" --prepare "rm -rf $TMP/h; sync" "$HULL --root $TMP/h pull -q $REF" \
	--command-name "podman pull" --prepare "podman rmi -af >/dev/null 2>&1; rm -rf $TMP/pm; sync" \
	"podman pull -q --tls-verify=false $REF" \
	--command-name "skopeo copy (no unpack)" --prepare "rm -rf $TMP/sk; sync" \
	"skopeo copy -q --src-tls-verify=false docker://$REF oci:$TMP/sk:x" >&2

# Peak RSS of the largest single process, one run each.
peak() {
	rm -rf "$TMP/h"
	/usr/bin/time -f %M -o "$TMP/rss" "$HULL" --root "$TMP/h" pull -q "$1" >/dev/null
	cat "$TMP/rss"
}
log "peak memory"
rss_small=$(peak "127.0.0.1:$PORT/bench/small:1")
rss_large=$(peak "127.0.0.1:$PORT/bench/large:1")
rm -rf "$TMP/pm"
/usr/bin/time -f %M -o "$TMP/rss" podman pull -q --tls-verify=false "$REF" >/dev/null
rss_podman=$(cat "$TMP/rss")

row() { jq -r --arg n "$1" '.results[] | select(.command == $n) |
	"| \(.command) | \(.median * 1000 | floor) ms | \(.mean * 1000 | floor) ± \(.stddev * 1000 | floor) ms |"' "$TMP/pull.json"; }

run_rows=
if [[ -n ${BASE_HULL:-} ]]; then
	log "hull run start-up: main vs this branch"
	"$BASE_HULL" --root "$TMP/rb" images >/dev/null
	"$HULL" --root "$TMP/rh" images >/dev/null
	hyperfine --warmup 5 --runs 50 --shell=none --export-json "$TMP/run.json" \
		--command-name "hull run (main)" "$BASE_HULL --root $TMP/rb run --rm --network none busybox true" \
		--command-name "hull run (registry)" "$HULL --root $TMP/rh run --rm --network none busybox true" \
		--command-name "hull run (main, again)" "$BASE_HULL --root $TMP/rb run --rm --network none busybox true" >&2
	run_rows=$(jq -r '.results[] | "| \(.command) | \(.min * 1000 * 10 | floor / 10) ms | \(.median * 1000 * 10 | floor / 10) ms | \(.mean * 1000 * 10 | floor / 10) ± \(.stddev * 1000 * 10 | floor / 10) ms |"' "$TMP/run.json")
fi

{
	echo "# Registry pull benchmark"
	echo
	echo "$(date -u +%Y-%m-%d) on $(nproc) cores; local docker-registry on 127.0.0.1 (plain HTTP);"
	echo "image: busybox base + 4 layers of $LAYER_MB MiB random data (gzip by umoci); $RUNS runs each."
	echo "hull and podman pull and unpack into an empty store; skopeo only downloads into an OCI layout."
	echo
	echo "| command | median | mean ± sd |"
	echo "|---|---|---|"
	row "hull pull"
	row "podman pull"
	row "skopeo copy (no unpack)"
	echo
	echo "Peak RSS (largest single process, GNU time %M):"
	echo
	echo "| pull | peak RSS |"
	echo "|---|---|"
	echo "| hull, one $LAYER_MB MiB layer | $rss_small KiB |"
	echo "| hull, one $((LAYER_MB * 4)) MiB layer | $rss_large KiB |"
	echo "| podman, 4 x $LAYER_MB MiB | $rss_podman KiB |"
	if [[ -n $run_rows ]]; then
		echo
		echo "\`hull run --rm --network none busybox true\` (hyperfine, 50 runs, --shell=none):"
		echo
		echo "| build | min | median | mean ± sd |"
		echo "|---|---|---|---|"
		echo "$run_rows"
		echo
		echo "(main is measured before and after this branch's build, to show the drift of a loaded machine.)"
	fi
} >"$RESULTS"
cat "$RESULTS"
