#!/usr/bin/env bats
# Images: load/save/import/export/commit/tag/rmi/history/inspect/prune, the
# interop with podman, skopeo and umoci, and bad input.  Every peer's state
# (podman's storage, skopeo's and umoci's layouts) lives under the test's
# root and goes with it.

load helpers

CRAFT="$BATS_TEST_DIRNAME/images-craft.py"

busybox_tar() {
  local t
  for t in "$(dirname "$HULL")/../../tools/busybox.tar" "$BATS_TEST_DIRNAME/../../build/tools/busybox.tar"; do
    [[ -f $t ]] && { echo "$t"; return 0; }
  done
  hull save -o "$HULL_TEST_ROOT/bb-save.tar" busybox >/dev/null &&
    mkdir -p "$HULL_TEST_ROOT/bb-x" && tar -C "$HULL_TEST_ROOT/bb-x" -xf "$HULL_TEST_ROOT/bb-save.tar" &&
    echo "$HULL_TEST_ROOT"/bb-x/*/layer.tar
}

# What the store holds, tmp/ aside: equal before and after a refused input.
store_state() {
  (cd "$HULL_TEST_ROOT/image" && find . -path ./tmp -prune -o -print | sort && cat repositories.json 2>/dev/null) |
    md5sum
}

# podman with all its state under the test root: vfs storage (no mounts to
# leave behind), and the ulimits this host allows (see PEERS.md).
podman_setup() {
  command -v podman >/dev/null || skip "podman not installed"
  P=$HULL_TEST_ROOT/podman
  mkdir -p "$P"
  cat >"$P/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$P/tmp"
runtime = "runc"
[network]
network_backend = "netavark"
EOF
  cat >"$P/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$P/graph"
runroot = "$P/run"
EOF
  export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf
}

pm() {
  podman "$@"
}

need() {
  command -v "$1" >/dev/null || skip "$1 not installed"
}

# An image in podman's store made from the busybox layer.
podman_busybox() {
  podman_setup
  pm import "$(busybox_tar)" localhost/pbb:1 >/dev/null
}

@test "load: docker archive saved by podman runs" {
  podman_busybox
  pm save -o "$HULL_TEST_ROOT/p-docker.tar" localhost/pbb:1
  run hull load -i "$HULL_TEST_ROOT/p-docker.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/pbb:1" ]
  run hull run --rm localhost/pbb:1 echo from-podman-docker
  [ "$status" -eq 0 ]
  [ "$output" = "from-podman-docker" ]
}

@test "load: OCI archive saved by podman (gzip layers) runs" {
  podman_busybox
  pm save --format oci-archive -o "$HULL_TEST_ROOT/p-oci.tar" localhost/pbb:1
  run hull load -i "$HULL_TEST_ROOT/p-oci.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/pbb:1" ]
  run hull run --rm localhost/pbb:1 echo from-podman-oci
  [ "$output" = "from-podman-oci" ]
  # the manifest's digest is the repository digest, and a reference
  digest=$(tar -xOf "$HULL_TEST_ROOT/p-oci.tar" index.json | jq -r '.manifests[0].digest')
  [ "$(hull image inspect localhost/pbb:1 | jq -r '.[0].RepoDigests[0]')" = "localhost/pbb@$digest" ]
  run hull run --rm "localhost/pbb@$digest" echo by-digest
  [ "$output" = by-digest ]
  run hull images --digests localhost/pbb
  [[ ${lines[1]} == *"$digest"* ]]
}

@test "load: OCI layout and docker archive written by skopeo, zstd layers" {
  need skopeo
  hull save -o "$HULL_TEST_ROOT/h.tar" busybox
  skopeo --insecure-policy copy -q docker-archive:"$HULL_TEST_ROOT/h.tar" oci:"$HULL_TEST_ROOT/layout:v1"
  skopeo --insecure-policy copy -q --dest-compress-format zstd docker-archive:"$HULL_TEST_ROOT/h.tar" \
    oci:"$HULL_TEST_ROOT/zlayout:v1"
  skopeo --insecure-policy copy -q docker-archive:"$HULL_TEST_ROOT/h.tar" \
    docker-archive:"$HULL_TEST_ROOT/s-docker.tar:skopeo/bb:2"
  hull rmi busybox
  run hull load -i "$HULL_TEST_ROOT/layout"
  [ "$status" -eq 0 ]
  [[ $output == "Loaded image ID: sha256:"* ]]
  id=${output#Loaded image ID: }
  run hull run --rm "$id" echo from-skopeo-layout
  [ "$output" = "from-skopeo-layout" ]
  hull rmi "$id"
  run hull load -i "$HULL_TEST_ROOT/zlayout"
  [ "$status" -eq 0 ]
  grep -rq zstd "$HULL_TEST_ROOT/zlayout/blobs"
  run hull run --rm "${output#Loaded image ID: }" echo from-zstd
  [ "$output" = "from-zstd" ]
  run hull load -i "$HULL_TEST_ROOT/s-docker.tar"
  [ "$output" = "Loaded image: skopeo/bb:2" ]
  run hull run --rm skopeo/bb:2 echo from-skopeo-archive
  [ "$output" = "from-skopeo-archive" ]
}

# Three layers made by umoci: the top one deletes a file and a whole
# directory of the bottom one and replaces a file by a directory.
@test "load: three-layer image made by umoci runs with exactly the expected tree" {
  need umoci
  local L=$HULL_TEST_ROOT/umoci B=$HULL_TEST_ROOT/bundle
  umoci init --layout "$L"
  umoci new --image "$L:t"
  umoci unpack --image "$L:t" "$B"
  tar -C "$B/rootfs" -xf "$(busybox_tar)"
  mkdir -p "$B/rootfs/data/gone-dir/sub"
  echo keep >"$B/rootfs/data/keep"
  echo gone >"$B/rootfs/data/gone-file"
  echo a >"$B/rootfs/data/gone-dir/a"
  echo b >"$B/rootfs/data/gone-dir/sub/b"
  echo f >"$B/rootfs/data/becomes-dir"
  umoci repack --image "$L:t" "$B"
  rm -rf "$B" && umoci unpack --image "$L:t" "$B"
  echo two >"$B/rootfs/data/l2file"
  umoci repack --image "$L:t" "$B"
  rm -rf "$B" && umoci unpack --image "$L:t" "$B"
  rm "$B/rootfs/data/gone-file" "$B/rootfs/data/becomes-dir"
  rm -r "$B/rootfs/data/gone-dir"
  mkdir "$B/rootfs/data/becomes-dir"
  echo in >"$B/rootfs/data/becomes-dir/inner"
  umoci repack --image "$L:t" "$B"
  umoci config --image "$L:t" --config.cmd sh
  rm -rf "$B"
  run hull load -i "$L"
  [ "$status" -eq 0 ]
  id=${output#Loaded image ID: }
  run hull image inspect "$id"
  [ "$(echo "$output" | jq '.[0].RootFS.Layers | length')" -eq 3 ]
  run hull run --rm "$id" sh -c 'cd /data && find . | sort && cat becomes-dir/inner keep l2file'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '.\n./becomes-dir\n./becomes-dir/inner\n./keep\n./l2file\nin\nkeep\ntwo')" ]
  # Its gzip layers go out decompressed in a Docker archive and as they
  # are in an OCI archive; both come back as the same image.
  hull save -o "$HULL_TEST_ROOT/u-d.tar" "$id"
  hull save --format oci-archive -o "$HULL_TEST_ROOT/u-o.tar" "$id"
  for f in u-d u-o; do
    R2=$HULL_TEST_ROOT/r-$f
    run "$HULL" --root "$R2" load -i "$HULL_TEST_ROOT/$f.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image ID: $id" ]
    run "$HULL" --root "$R2" run --rm --network none "$id" sh -c 'cd /data && find . | sort | tr "\n" " "'
    [ "$output" = ". ./becomes-dir ./becomes-dir/inner ./keep ./l2file " ]
    rm -rf "$R2"
  done
}

@test "load: opaque directory whiteout hides the lower directory's content" {
  python3 "$CRAFT" layer "$HULL_TEST_ROOT/l1.tar" \
    '[{"name":"d","type":"dir"},{"name":"d/a","type":"file","data":"a"},{"name":"d/b","type":"file","data":"b"}]'
  python3 "$CRAFT" layer "$HULL_TEST_ROOT/l2.tar" \
    '[{"name":"d","type":"dir"},{"name":"d/.wh..wh..opq","type":"file"},{"name":"d/c","type":"file","data":"c"}]'
  python3 "$CRAFT" docker "$HULL_TEST_ROOT/a.tar" --tag opq:1 "$(busybox_tar)" "$HULL_TEST_ROOT/l1.tar" \
    "$HULL_TEST_ROOT/l2.tar"
  hull load -i "$HULL_TEST_ROOT/a.tar"
  run hull run --rm opq:1 ls /d
  [ "$status" -eq 0 ]
  [ "$output" = "c" ]
}

@test "save: docker and OCI archives load and run in podman, skopeo reads them" {
  need skopeo
  podman_setup
  hull tag busybox hullsaved:v1
  hull save -o "$HULL_TEST_ROOT/d.tar" hullsaved:v1
  hull save --format oci-archive -o "$HULL_TEST_ROOT/o.tar" hullsaved:v1
  id=$(hull image inspect hullsaved:v1 | jq -r '.[0].Id')
  run skopeo inspect docker-archive:"$HULL_TEST_ROOT/d.tar"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.Layers | length')" -eq 1 ]
  run skopeo inspect --config oci-archive:"$HULL_TEST_ROOT/o.tar"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r '.config.Cmd[0]')" = sh ]
  run pm load -i "$HULL_TEST_ROOT/d.tar"
  [ "$status" -eq 0 ]
  [ "$(pm image inspect hullsaved:v1 --format '{{.Id}}')" = "${id#sha256:}" ]
  run pm run --rm --network none hullsaved:v1 echo hull-in-podman
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "hull-in-podman" ]
  pm rmi -f hullsaved:v1 >/dev/null
  run pm load -i "$HULL_TEST_ROOT/o.tar"
  [ "$status" -eq 0 ]
  run pm run --rm --network none hullsaved:v1 echo oci-in-podman
  [ "${lines[-1]}" = "oci-in-podman" ]
}

@test "save and load round-trip keeps the image id, also for several images and through stdout" {
  id=$(hull image inspect busybox | jq -r '.[0].Id')
  hull tag busybox a:1
  hull save a:1 busybox >"$HULL_TEST_ROOT/two.tar"
  R2=$HULL_TEST_ROOT/r2
  run "$HULL" --root "$R2" load -i "$HULL_TEST_ROOT/two.tar"
  [ "$status" -eq 0 ]
  [[ $output == *"Loaded image: a:1"* ]]
  [[ $output == *"Loaded image: busybox:latest"* ]]
  [ "$("$HULL" --root "$R2" image inspect a:1 | jq -r '.[0].Id')" = "$id" ]
  run "$HULL" --root "$R2" load <"$HULL_TEST_ROOT/two.tar"
  [ "$status" -eq 0 ]
  rm -rf "$R2"
  # `docker save | gzip` and `| zstd`, read from a pipe
  for z in gzip zstd; do
    command -v $z >/dev/null || continue
    run sh -c "$z -c '$HULL_TEST_ROOT/two.tar' | '$HULL' --root '$R2' load"
    [ "$status" -eq 0 ]
    [[ $output == *"Loaded image: a:1"* ]]
    rm -rf "$R2"
  done
}

@test "import: file and stdin, with -c and -m, runs" {
  run hull import -c 'CMD ["echo","imported"]' -c 'ENV FOO=bar BAZ="a b"' -c 'WORKDIR /etc' -m "first import" \
    "$(busybox_tar)" imp:1
  [ "$status" -eq 0 ]
  [[ $output == sha256:* ]]
  run hull run --rm imp:1
  [ "$output" = "imported" ]
  run hull run --rm imp:1 sh -c 'echo $FOO-$BAZ; pwd'
  [ "$output" = "$(printf 'bar-a b\n/etc')" ]
  run hull history imp:1
  [[ $output == *"first import"* ]]
  gzip -c "$(busybox_tar)" | hull import - imp:gz
  run hull run --rm imp:gz /bin/echo from-stdin
  [ "$output" = "from-stdin" ]
  # the same layer is stored once
  [ "$(ls "$HULL_TEST_ROOT/image/layers" | wc -l)" -eq 1 ]
}

@test "commit: one new layer holding exactly the changes, whiteouts included" {
  hull run --name c1 busybox sh -c \
    'echo new >/etc/newfile; rm /etc/group; rm -rf /usr; rm /bin/arch; mkdir /bin/arch; echo d >/bin/arch/x'
  run hull commit -m "my change" -c 'ENV C=1' c1 committed:1
  [ "$status" -eq 0 ]
  [[ $output == sha256:* ]]
  run hull image inspect committed:1
  [ "$(echo "$output" | jq '.[0].RootFS.Layers | length')" -eq 2 ]
  [ "$(echo "$output" | jq -r '.[0].RootFS.Layers[0]')" = \
    "$(hull image inspect busybox | jq -r '.[0].RootFS.Layers[0]')" ]
  run hull run --rm committed:1 sh -c 'cat /etc/newfile; ls /etc/group /usr 2>&1 | wc -l; cat /bin/arch/x; echo $C'
  [ "$output" = "$(printf 'new\n2\nd\n1')" ]
  # The new layer is the changes, not a re-tar of the root.
  hull save -o "$HULL_TEST_ROOT/c.tar" committed:1
  top=$(tar -xOf "$HULL_TEST_ROOT/c.tar" manifest.json | jq -r '.[0].Layers[1]')
  run sh -c "tar -xOf '$HULL_TEST_ROOT/c.tar' '$top' | tar -t"
  [[ $output == *"etc/.wh.group"* ]]
  [[ $output == *".wh.usr"* ]]
  [[ $output == *"etc/newfile"* ]]
  [[ $output == *"bin/arch/x"* ]]
  [[ $output != *"bin/busybox"* ]]
  run hull history committed:1
  [[ $output == *"my change"* ]]
}

@test "commit: a running container (paused while read) keeps running; its command becomes the image's" {
  id=$(hull run -d busybox sh -c 'echo hi >/marker; exec sleep 1000')
  for _ in $(seq 50); do hull exec "$id" test -f /marker && break; sleep 0.1; done
  run hull commit "$id" live:1
  [ "$status" -eq 0 ]
  [ "$(hull inspect "$id" | jq -r '.[0].State.Status')" = running ]
  run hull image inspect live:1
  [ "$(echo "$output" | jq -r '.[0].Config.Cmd[0]')" = sh ]
  run hull run --rm live:1 cat /marker
  [ "$output" = hi ]
  run hull image inspect live:1
  [[ $output != *HOSTNAME=* ]]
}

@test "export: flat tar of the container's filesystem, without what is mounted in it" {
  hull run --name e1 --privileged busybox sh -c \
    'echo x >/etc/exported; rm /etc/group; mkdir -p /mnt/vol; mount -t tmpfs t /mnt/vol; echo secret >/mnt/vol/in-mount'
  hull export -o "$HULL_TEST_ROOT/e.tar" e1
  run tar -tf "$HULL_TEST_ROOT/e.tar"
  [[ $output == *"etc/exported"* ]]
  [[ $output == *"bin/busybox"* ]]
  [[ $output != *"etc/group"* ]]
  [[ $output != *"in-mount"* ]]
  [[ $output != *".wh."* ]]
  # what export writes, import reads back
  hull import "$HULL_TEST_ROOT/e.tar" exported:1
  run hull run --rm exported:1 cat /etc/exported
  [ "$output" = x ]
}

@test "export of a running container sees its changes so far" {
  id=$(hull run -d busybox sh -c 'echo live >/livefile; exec sleep 1000')
  for _ in $(seq 50); do hull exec "$id" test -f /livefile && break; sleep 0.1; done
  run sh -c "'$HULL' --root '$HULL_TEST_ROOT' export '$id' | tar -xOf - livefile"
  [ "$status" -eq 0 ]
  [ "$output" = live ]
  [ -z "$(mounts_under_root)" ]
}

@test "tag and rmi: refused while a container uses the image, shared layers stay" {
  hull tag busybox base:1
  hull run --name keep busybox sh -c 'echo k >/k'
  hull commit keep derived:1 >/dev/null
  hull rm keep
  hull run --name user derived:1 true
  run hull rmi derived:1
  [ "$status" -eq 125 ]
  [[ $output == *"container is using"* ]]
  hull rm user
  run hull rmi derived:1
  [ "$status" -eq 0 ]
  [[ $output == *"Untagged: derived:1"* ]]
  [[ $output == *"Deleted: sha256:"* ]]
  [ "$(ls "$HULL_TEST_ROOT/image/layers" | wc -l)" -eq 1 ]
  run hull run --rm base:1 echo still-here
  [ "$output" = still-here ]
  # an id with two tags needs -f; a name removes only that tag
  bbid=$(hull images -q busybox)
  [ -n "$bbid" ]
  run hull rmi "$bbid"
  [ "$status" -eq 125 ]
  [[ $output == *"must be forced"* ]]
  run hull rmi base:1
  [ "$output" = "Untagged: base:1" ]
  run hull run --rm busybox echo ok
  [ "$output" = ok ]
}

@test "rmi -f of an image a container uses untags it; the container still runs" {
  hull tag busybox mine:1
  hull run --name u1 mine:1 true
  hull rmi busybox
  run hull rmi -f mine:1
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: mine:1" ]
  run hull start -a u1
  [ "$status" -eq 0 ]
}

@test "images, image inspect, history, image ls: Docker's shapes" {
  run hull images --digests -a
  [[ ${lines[0]} == REPOSITORY*TAG*DIGEST*"IMAGE ID"* ]]
  run hull image ls -q --no-trunc
  [[ $output == sha256:* ]]
  hull tag busybox some/repo:v2
  run hull images some/repo
  [ "${#lines[@]}" -eq 2 ]
  [[ ${lines[1]} == some/repo*v2* ]]
  [ "$(hull images -q some/repo:v2)" = "$(hull images -q busybox:latest)" ]
  [ -z "$(hull images -q some/repo:nope)" ]
  run hull image inspect busybox
  [ "$status" -eq 0 ]
  for k in Id RepoTags RepoDigests Created Config RootFS Size; do
    echo "$output" | jq -e ".[0] | has(\"$k\")" >/dev/null
  done
  [ "$(echo "$output" | jq -r '.[0].RepoTags[0]')" = busybox:latest ]
  run hull history busybox
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == IMAGE*CREATED*"CREATED BY"*SIZE*COMMENT ]]
  run hull image inspect nosuch:1
  [ "$status" -ne 0 ]
}

@test "image prune removes dangling images, -a every unused one; system df" {
  hull run --name p1 busybox sh -c 'echo 1 >/x'
  hull commit p1 >/dev/null
  hull run --name p2 busybox sh -c 'echo 2 >/x'
  hull commit p2 kept:1 >/dev/null
  run hull system df
  [ "$status" -eq 0 ]
  [[ ${lines[1]} == Images*3* ]]
  run hull image prune -f
  [ "$status" -eq 0 ]
  [[ $output == *Deleted* ]]
  [ "$(hull images -q | wc -l)" -eq 2 ]
  run hull image prune -a
  [ "$status" -eq 0 ]
  # busybox is used by p1 and p2; kept:1 is not
  [ "$(hull images -q | wc -l)" -eq 1 ]
  [ "$(ls "$HULL_TEST_ROOT/image/layers" | wc -l)" -eq 1 ]
}

# ---- bad input: one clear line, 125, the store unchanged ----

refused() {
  local before after
  hull images >/dev/null
  before=$(store_state)
  run "$@"
  echo "$output"
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ ${lines[0]} == "hull: "* ]]
  after=$(store_state)
  [ "$before" = "$after" ]
}

craft_bad() { # NAME JSON: a docker archive whose second layer holds these entries
  python3 "$CRAFT" layer "$HULL_TEST_ROOT/$1.layer" "$2"
  python3 "$CRAFT" docker "$HULL_TEST_ROOT/$1.tar" --tag bad:1 "$(busybox_tar)" "$HULL_TEST_ROOT/$1.layer"
}

@test "bad input: tar entries with ../ or an absolute path" {
  craft_bad dotdot '[{"name":"../../escaped","type":"file","data":"x"}]'
  refused hull load -i "$HULL_TEST_ROOT/dotdot.tar"
  [[ $output == *'".."'* ]]
  craft_bad abs '[{"name":"/abs-escaped","type":"file","data":"x"}]'
  refused hull load -i "$HULL_TEST_ROOT/abs.tar"
  python3 "$CRAFT" layer "$HULL_TEST_ROOT/imp.tar" '[{"name":"a/../../x","type":"file","data":"x"}]'
  refused hull import "$HULL_TEST_ROOT/imp.tar" x:1
}

@test "bad input: links out of the layer write nothing outside the store" {
  local out=$HULL_TEST_ROOT/outside
  mkdir -p "$out"
  craft_bad hl '[{"name":"passwd-link","type":"hardlink","target":"../../../../etc/passwd"}]'
  refused hull load -i "$HULL_TEST_ROOT/hl.tar"
  # A symlink pointing out, then a file written through it: the symlink is
  # resolved inside the layer, where nothing is there, and the layer refused.
  craft_bad sl "[{\"name\":\"esc\",\"type\":\"symlink\",\"target\":\"$out\"},{\"name\":\"esc/pwned\",\"type\":\"file\",\"data\":\"x\"},{\"name\":\"rel\",\"type\":\"symlink\",\"target\":\"../../../../../../$out\"},{\"name\":\"rel/pwned2\",\"type\":\"file\",\"data\":\"y\"}]"
  refused hull load -i "$HULL_TEST_ROOT/sl.tar"
  [ -z "$(ls -A "$out")" ]
  # A symlink to a directory inside the layer may be written through.
  craft_bad in '[{"name":"real","type":"dir"},{"name":"via","type":"symlink","target":"/real"},{"name":"via/f","type":"file","data":"in"}]'
  hull load -i "$HULL_TEST_ROOT/in.tar"
  run hull run --rm bad:1 cat /real/f
  [ "$output" = in ]
  [ -z "$(ls -A "$out")" ]
}

@test "bad input: truncated or corrupt gzip and zstd layers" {
  need zstd
  local bb
  bb=$(busybox_tar)
  gzip -c "$bb" | head -c 300000 >"$HULL_TEST_ROOT/t.gz"
  python3 "$CRAFT" docker "$HULL_TEST_ROOT/tgz.tar" --tag bad:1 "$HULL_TEST_ROOT/t.gz"
  refused hull load -i "$HULL_TEST_ROOT/tgz.tar"
  zstd -q -c "$bb" >"$HULL_TEST_ROOT/c.zst"
  python3 - "$HULL_TEST_ROOT/c.zst" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
for i in range(len(b) // 2, len(b) // 2 + 64): b[i] ^= 0xff
open(p, "wb").write(b)
EOF
  python3 "$CRAFT" docker "$HULL_TEST_ROOT/czst.tar" --tag bad:1 "$HULL_TEST_ROOT/c.zst"
  refused hull load -i "$HULL_TEST_ROOT/czst.tar"
  refused hull import "$HULL_TEST_ROOT/t.gz"
  refused hull import "$HULL_TEST_ROOT/c.zst"
}

@test "bad input: digest mismatch, a missing blob, malformed JSON" {
  need skopeo
  hull save -o "$HULL_TEST_ROOT/h.tar" busybox
  local L=$HULL_TEST_ROOT/lay
  skopeo --insecure-policy copy -q docker-archive:"$HULL_TEST_ROOT/h.tar" oci:"$L:v1"
  layer=$(jq -r '.layers[0].digest' "$L/blobs/sha256/$(jq -r '.manifests[0].digest' "$L/index.json" | cut -d: -f2)")
  cp -a "$L" "$L.mis" && printf 'X' >>"$L.mis/blobs/sha256/${layer#sha256:}"
  refused hull load -i "$L.mis"
  [[ $output == *"digest mismatch"* ]]
  cp -a "$L" "$L.miss" && rm "$L.miss/blobs/sha256/${layer#sha256:}"
  refused hull load -i "$L.miss"
  [[ $output == *"missing blob"* ]]
  cp -a "$L" "$L.json" && echo '{"manifests": [' >"$L.json/index.json"
  refused hull load -i "$L.json"
  [[ $output == *"malformed JSON"* ]]
  # and a Docker archive whose config is not the one its name says
  mkdir "$HULL_TEST_ROOT/dx" && tar -C "$HULL_TEST_ROOT/dx" -xf "$HULL_TEST_ROOT/h.tar"
  cfg=$(jq -r '.[0].Config' "$HULL_TEST_ROOT/dx/manifest.json")
  sed -i 's/"sh"/"ls"/' "$HULL_TEST_ROOT/dx/$cfg"
  tar -C "$HULL_TEST_ROOT/dx" -cf "$HULL_TEST_ROOT/dx.tar" .
  refused hull load -i "$HULL_TEST_ROOT/dx.tar"
  [[ $output == *"digest mismatch"* ]]
}

@test "bad input: a layer that is not a tar, an empty file, a file that is no archive" {
  head -c 20000 /dev/urandom >"$HULL_TEST_ROOT/noise"
  python3 "$CRAFT" docker "$HULL_TEST_ROOT/noise.tar" --tag bad:1 "$HULL_TEST_ROOT/noise"
  refused hull load -i "$HULL_TEST_ROOT/noise.tar"
  : >"$HULL_TEST_ROOT/empty"
  refused hull load -i "$HULL_TEST_ROOT/empty"
  [[ $output == *empty* ]]
  refused hull import "$HULL_TEST_ROOT/empty"
  refused hull load -i "$HULL_TEST_ROOT/noise"
  tar -C "$HULL_TEST_ROOT" -cf "$HULL_TEST_ROOT/plain.tar" noise
  refused hull load -i "$HULL_TEST_ROOT/plain.tar"
  [[ $output == *"neither a Docker archive"* ]]
  refused hull load -i "$HULL_TEST_ROOT/does-not-exist"
  # a "layer" that is a device node (reading /dev/zero would never end)
  python3 - "$HULL_TEST_ROOT/dev.tar" <<'EOF'
import io, json, sys, tarfile
cfg = json.dumps({"os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]}}).encode()
man = json.dumps([{"Config": "c.json", "RepoTags": ["dev:1"], "Layers": ["l/layer.tar"]}]).encode()
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in (("c.json", cfg), ("manifest.json", man)):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    ti = tarfile.TarInfo("l/layer.tar"); ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 5; t.addfile(ti)
EOF
  refused hull load -i "$HULL_TEST_ROOT/dev.tar"
  [[ $output == *"not a regular file"* ]]
}

@test "kill -9 during load, import and commit leaves a store the next command uses" {
  local big=$HULL_TEST_ROOT/big
  mkdir -p "$big/rootfs"
  tar -C "$big/rootfs" -xf "$(busybox_tar)"
  for i in $(seq 30); do head -c 1000000 /dev/urandom >"$big/rootfs/blob$i"; done
  tar -C "$big/rootfs" -cf "$big/root.tar" .
  python3 "$CRAFT" docker "$big/a.tar" --tag big:1 "$big/root.tar"
  hull images >/dev/null
  for d in 0.05 0.2 0.4; do
    "$HULL" --root "$HULL_TEST_ROOT" load -i "$big/a.tar" >/dev/null 2>&1 &
    pid=$!
    sleep "$d"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" || true
    "$HULL" --root "$HULL_TEST_ROOT" import "$big/root.tar" imp:1 >/dev/null 2>&1 &
    pid=$!
    sleep "$d"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" || true
  done
  run hull load -i "$big/a.tar"
  [ "$status" -eq 0 ]
  run hull run --rm big:1 sh -c 'ls /blob30 && echo ok'
  [ "${lines[-1]}" = ok ]
  hull run --name k1 busybox sh -c 'echo z >/z'
  "$HULL" --root "$HULL_TEST_ROOT" commit k1 k:1 >/dev/null 2>&1 &
  pid=$!
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" || true
  run hull commit k1 k:2
  [ "$status" -eq 0 ]
  run hull run --rm k:2 cat /z
  [ "$output" = z ]
  # what the killed commands left unreferenced, prune removes
  hull image prune -a >/dev/null
  run hull images -q
  [ "$status" -eq 0 ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/tmp")" ]
}
