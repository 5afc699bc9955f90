#!/usr/bin/env bats
# Pull and push against Debian's docker-registry (and a small fake registry
# for the Bearer flow and misbehaviour) on 127.0.0.1, started and stopped by
# this file.  Images are made without a network: a busybox rootfs tarred
# reproducibly, laid out with umoci, pushed by skopeo.
load helpers
bats_require_minimum_version 1.5.0

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait (bounded) until URL answers at all.
wait_http() {
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

# start_registry NAME [HTPASSWD]: docker-registry with its storage in $RD/NAME.
start_registry() {
  local dir=$RD/$1 port
  port=$(free_port)
  mkdir -p "$dir/storage"
  {
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\n' "$dir"
    printf '  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' "$port"
    [[ -n ${2:-} ]] && printf 'auth:\n  htpasswd:\n    realm: hull-test\n    path: %s\n' "$2"
  } >"$dir/config.yml"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  echo "$port" >"$dir/port"
  wait_http "http://127.0.0.1:$port/v2/"
}

stop_pid() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

tar_tree() {
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$1" -cf "$2" .
}

# Two single-platform images (amd64 runs "cat /etc/hello"; arm64), an OCI
# index over both, and a copy of the first with zstd layers.
make_images() {
  local r=$RD/rootfs c
  mkdir -p "$r/bin" "$r/etc" "$RD/l2/etc" "$RD/l3/data"
  cp /bin/busybox "$r/bin/busybox"
  for c in sh true echo cat ls uname sleep; do ln -s busybox "$r/bin/$c"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
  echo 'root:x:0:' >"$r/etc/group"
  echo hello >"$RD/l2/etc/hello"
  # Incompressible, so that a slowed-down pull of it takes a while.
  head -c 3000000 /dev/urandom >"$RD/l3/data/random"
  tar_tree "$r" "$RD/base.tar"
  tar_tree "$RD/l2" "$RD/l2.tar"
  tar_tree "$RD/l3" "$RD/l3.tar"
  cd "$RD"
  umoci init --layout oci
  umoci new --image oci:img
  umoci raw add-layer --image oci:img base.tar
  umoci raw add-layer --image oci:img l2.tar
  umoci config --image oci:img --os linux --architecture amd64 --config.cmd /bin/sh --config.cmd -c \
    --config.cmd "cat /etc/hello"
  umoci new --image oci:arm
  umoci raw add-layer --image oci:arm l2.tar
  umoci config --image oci:arm --os linux --architecture arm64 --config.cmd /bin/false
  umoci new --image oci:big
  umoci raw add-layer --image oci:big base.tar
  umoci raw add-layer --image oci:big l3.tar
  umoci config --image oci:big --os linux --architecture amd64 --config.cmd /bin/true
  python3 - <<'PY'
import hashlib, json
idx = json.load(open("oci/index.json"))
refs = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in idx["manifests"]}
def entry(ref, arch):
    d = dict(refs[ref]); d.pop("annotations", None)
    d["platform"] = {"architecture": arch, "os": "linux"}
    return d
body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": [entry("arm", "arm64"), entry("img", "amd64")]}).encode()
h = hashlib.sha256(body).hexdigest()
open("oci/blobs/sha256/" + h, "wb").write(body)
idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + h,
                         "size": len(body), "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(idx, open("oci/index.json", "w"))
PY
  skopeo copy -q --dest-compress-format zstd --dest-compress oci:oci:img oci:zoci:img
}

push_fixtures() {
  local to=docker://127.0.0.1:$PORT
  skopeo copy -q --dest-tls-verify=false oci:"$RD"/oci:img "$to/test/img:oci"
  skopeo copy -q --dest-tls-verify=false --format v2s2 oci:"$RD"/oci:img "$to/test/img:v2s2"
  skopeo copy -q --dest-tls-verify=false --preserve-digests oci:"$RD"/zoci:img "$to/test/zimg:zstd"
  skopeo copy -q --dest-tls-verify=false --all oci:"$RD"/oci:multi "$to/test/multi:oci"
  skopeo copy -q --dest-tls-verify=false --all --format v2s2 oci:"$RD"/oci:multi "$to/test/multi:list"
  skopeo copy -q --dest-tls-verify=false oci:"$RD"/oci:big "$to/test/big:1"
}

setup_file() {
  RD=$(mktemp -d /tmp/hull-reg.XXXXXX)
  export RD
  (make_images) >"$RD/make.log" 2>&1 || { cat "$RD/make.log" >&2; return 1; }
  start_registry plain
  PORT=$(cat "$RD/plain/port")
  export PORT
  push_fixtures
  htpasswd -Bbc "$RD/htpasswd" alice secret 2>/dev/null
  start_registry auth "$RD/htpasswd"
  APORT=$(cat "$RD/auth/port")
  export APORT
  python3 "$BATS_TEST_DIRNAME/fake-registry.py" "$RD/oci" "$RD/fake.port" --bearer alice:secret \
    >"$RD/fake.log" 2>&1 &
  echo $! >"$RD/fake.pid"
  local i
  for i in $(seq 1 100); do [ -s "$RD/fake.port" ] && break; sleep 0.1; done
  FPORT=$(cat "$RD/fake.port")
  export FPORT
}

teardown_file() {
  stop_pid "$RD/plain/pid"
  stop_pid "$RD/auth/pid"
  stop_pid "$RD/fake.pid"
  rm -rf "$RD"
}

# The image records in the store (the built-in busybox only once asked for).
records() {
  find "$HULL_TEST_ROOT/image/images" -name '*.json' 2>/dev/null | wc -l
}

# Nothing half-made: tmp/ empty, no image recorded.
store_clean() {
  [ "$(records)" -eq 0 ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/tmp" 2>/dev/null)" ]
}

tagged_id() {
  jq -r --arg k "$1" '.tags[$k]' "$HULL_TEST_ROOT/image/repositories.json"
}

@test "hull itself does not link libcurl: the registry module is loaded on demand" {
  run ldd "$HULL"
  [ "$status" -eq 0 ]
  [[ "$output" != *curl* ]]
  [[ "$output" != *ssl* && "$output" != *gnutls* ]]
}

@test "pull a Docker schema 2 image and run it" {
  run hull pull "127.0.0.1:$PORT/test/img:v2s2"
  [ "$status" -eq 0 ]
  [[ "$output" == *"v2s2: Pulling from test/img"* ]]
  [[ "$output" == *"Pull complete"* ]]
  [[ "$output" == *"Digest: sha256:"* ]]
  [[ "${lines[-1]}" == "127.0.0.1:$PORT/test/img:v2s2" ]]
  run hull run --rm --network none "127.0.0.1:$PORT/test/img:v2s2"
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  run hull images
  [[ "$output" == *"127.0.0.1:$PORT/test/img"*v2s2* ]]
}

@test "pull an OCI image; its repository digest is recorded and runs by name@digest" {
  run hull pull -q "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 0 ]
  [ "$output" = "127.0.0.1:$PORT/test/img:oci" ]
  local digest
  digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$PORT/test/img:oci")
  run jq -r --arg k "127.0.0.1:$PORT/test/img@$digest" '.digests[$k]' "$HULL_TEST_ROOT/image/repositories.json"
  [ "$output" = "$(tagged_id "127.0.0.1:$PORT/test/img:oci")" ]
  # The manifest is kept as a blob.
  [ -f "$HULL_TEST_ROOT/image/blobs/sha256/${digest#sha256:}" ]
  run hull run --rm --pull never --network none "127.0.0.1:$PORT/test/img@$digest"
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
}

@test "pull by digest checks the manifest digest" {
  local digest
  digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$PORT/test/img:v2s2")
  run hull pull -q "127.0.0.1:$PORT/test/img@$digest"
  [ "$status" -eq 0 ]
  run hull pull -q "127.0.0.1:$PORT/test/img@sha256:$(printf '0%.0s' $(seq 64))"
  [ "$status" -eq 125 ]
  [[ "$output" == *"manifest unknown"* || "$output" == *"not found"* ]]
}

@test "an OCI index and a Docker manifest list resolve to this host's platform, or to --platform" {
  run hull pull -q "127.0.0.1:$PORT/test/multi:oci"
  [ "$status" -eq 0 ]
  run hull run --rm --network none "127.0.0.1:$PORT/test/multi:oci"
  [ "$output" = hello ]
  run hull pull -q "127.0.0.1:$PORT/test/multi:list"
  [ "$status" -eq 0 ]
  id=$(tagged_id "127.0.0.1:$PORT/test/multi:list")
  [ "$(jq -r .architecture "$HULL_TEST_ROOT/image/blobs/sha256/${id#sha256:}")" = amd64 ]
  run hull pull -q --platform linux/arm64 "127.0.0.1:$PORT/test/multi:list"
  [ "$status" -eq 0 ]
  id=$(tagged_id "127.0.0.1:$PORT/test/multi:list")
  [ "$(jq -r .architecture "$HULL_TEST_ROOT/image/blobs/sha256/${id#sha256:}")" = arm64 ]
  run hull pull --platform linux/s390x "127.0.0.1:$PORT/test/multi:oci"
  [ "$status" -eq 125 ]
  [[ "$output" == *"no matching manifest for linux/s390x"* ]]
  run hull pull --platform nonsense "127.0.0.1:$PORT/test/multi:oci"
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid platform"* ]]
}

@test "pull an image with zstd layers and run it" {
  run hull pull "127.0.0.1:$PORT/test/zimg:zstd"
  [ "$status" -eq 0 ]
  run hull run --rm --network none "127.0.0.1:$PORT/test/zimg:zstd"
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
}

@test "layers already in the store are not fetched again" {
  run hull pull "127.0.0.1:$PORT/test/img:v2s2"
  [ "$status" -eq 0 ]
  run hull pull "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Already exists"* ]]
  [[ "$output" != *Downloading* ]]
}

@test "run --pull missing pulls, never refuses, always pulls again" {
  run hull run --rm --pull never --network none "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 125 ]
  [[ "$output" == *"No such image"* ]]
  run hull run --rm --network none "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Unable to find image"* ]]
  [[ "${lines[-1]}" == hello ]]
  run --separate-stderr hull run --rm --pull always --network none "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  [[ "$stderr" == *"Pulling from"* ]]
  run hull run --rm --pull sometimes busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid pull option"* ]]
}

@test "run -d of an image it must pull keeps libcurl and libarchive out of the monitor" {
  local id pid
  id=$(hull run -d --network none "127.0.0.1:$PORT/test/big:1" sleep 100)
  pid=$(jq -r .MonitorPid "$HULL_TEST_ROOT/containers/$id/state.json")
  [ "$pid" -gt 0 ]
  grep -q hull-monitor "/proc/$pid/comm"
  run grep -E 'libcurl|libarchive|hull-registry|hull-archive' "/proc/$pid/maps"
  [ "$status" -eq 1 ]
  hull rm -f "$id" >/dev/null
}

@test "push by hull, then pull by skopeo and podman; existing blobs are not sent again" {
  run hull push busybox "127.0.0.1:$PORT/hull/bb:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Pushed"* ]]
  [[ "${lines[-1]}" =~ ^1:\ digest:\ sha256:[0-9a-f]{64}\ size:\ [0-9]+$ ]]
  pushed=$(echo "${lines[-1]}" | awk '{print $3}')
  run skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$PORT/hull/bb:1"
  [ "$output" = "$pushed" ]
  run skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$PORT/hull/bb:1" "oci:$HULL_TEST_ROOT/sk:x"
  [ "$status" -eq 0 ]
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n' \
    >"$HULL_TEST_ROOT/containers.conf"
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s/pm/run"\ngraphroot = "%s/pm/graph"\n' \
    "$HULL_TEST_ROOT" "$HULL_TEST_ROOT" >"$HULL_TEST_ROOT/storage.conf"
  CONTAINERS_CONF=$HULL_TEST_ROOT/containers.conf CONTAINERS_STORAGE_CONF=$HULL_TEST_ROOT/storage.conf \
    run podman pull -q --tls-verify=false "127.0.0.1:$PORT/hull/bb:1"
  [ "$status" -eq 0 ]
  run hull push busybox "127.0.0.1:$PORT/hull/bb:2"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Layer already exists"* ]]
  [[ "$output" != *"Pushed"* ]]
}

@test "push in chunks (PATCH, then PUT ?digest=)" {
  HULL_PUSH_CHUNK=100000 run hull push busybox "127.0.0.1:$PORT/hull/chunked:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Pushed"* ]]
  run skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$PORT/hull/chunked:1" "oci:$HULL_TEST_ROOT/sk:x"
  [ "$status" -eq 0 ]
  rm -rf "$HULL_TEST_ROOT/image"
  run hull pull -q "127.0.0.1:$PORT/hull/chunked:1"
  [ "$status" -eq 0 ]
  run hull run --rm --network none "127.0.0.1:$PORT/hull/chunked:1" echo ok
  [ "$output" = ok ]
}

@test "push of a pulled image mounts its blobs from the repository it came from, as schema 2" {
  run hull pull -q "127.0.0.1:$PORT/test/img:v2s2"
  [ "$status" -eq 0 ]
  run hull push "127.0.0.1:$PORT/test/img:v2s2" "127.0.0.1:$PORT/other/img:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Mounted from another repository"* ]]
  run curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$PORT/v2/other/img/manifests/1"
  [ "$(echo "$output" | jq -r .mediaType)" = application/vnd.docker.distribution.manifest.v2+json ]
  [ "$(echo "$output" | jq -r '.layers[0].mediaType')" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
  run skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$PORT/other/img:1" "oci:$HULL_TEST_ROOT/sk:x"
  [ "$status" -eq 0 ]
}

@test "push of an image with zstd layers goes as an OCI manifest with zstd media types" {
  run hull pull -q "127.0.0.1:$PORT/test/zimg:zstd"
  [ "$status" -eq 0 ]
  run hull push "127.0.0.1:$PORT/test/zimg:zstd" "127.0.0.1:$PORT/z2/img:1"
  [ "$status" -eq 0 ]
  run curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://127.0.0.1:$PORT/v2/z2/img/manifests/1"
  [ "$(echo "$output" | jq -r .mediaType)" = application/vnd.oci.image.manifest.v1+json ]
  [ "$(echo "$output" | jq -r '.config.mediaType')" = application/vnd.oci.image.config.v1+json ]
  [ "$(echo "$output" | jq -r '[.layers[].mediaType] | unique | .[]')" = application/vnd.oci.image.layer.v1.tar+zstd ]
  # The built-in busybox layer is a plain tar.
  run hull push busybox "127.0.0.1:$PORT/z2/bb:1"
  run curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://127.0.0.1:$PORT/v2/z2/bb/manifests/1"
  [ "$(echo "$output" | jq -r '.layers[0].mediaType')" = application/vnd.oci.image.layer.v1.tar ]
}

@test "basic auth: 401 without credentials, a wrong password refused, login then push and pull" {
  run hull push busybox "127.0.0.1:$APORT/a/bb:1"
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 2 ]
  [[ "$output" == *"unauthorized: authentication required"* ]]
  run hull login -u alice -p wrong "127.0.0.1:$APORT"
  [ "$status" -eq 125 ]
  [[ "$output" == *"wrong user name or password"* ]]
  [ ! -e "$HULL_TEST_ROOT/auth.json" ]
  run bash -c "echo secret | '$HULL' --root '$HULL_TEST_ROOT' login -u alice --password-stdin 127.0.0.1:$APORT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Login Succeeded"* ]]
  [ "$(stat -c %a "$HULL_TEST_ROOT/auth.json")" = 600 ]
  [ "$(jq -r ".auths[\"127.0.0.1:$APORT\"].auth" "$HULL_TEST_ROOT/auth.json" | base64 -d)" = alice:secret ]
  run hull push busybox "127.0.0.1:$APORT/a/bb:1"
  [ "$status" -eq 0 ]
  run hull pull -q "127.0.0.1:$APORT/a/bb:1"
  [ "$status" -eq 0 ]
  run hull logout "127.0.0.1:$APORT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Removing login credentials"* ]]
  run hull pull -q "127.0.0.1:$APORT/a/bb:1"
  [ "$status" -eq 125 ]
}

@test "push of a multi-layer image sends its layers in parallel to another registry" {
  run hull pull -q "127.0.0.1:$PORT/test/big:1"
  [ "$status" -eq 0 ]
  run hull login -u alice -p secret "127.0.0.1:$APORT"
  [ "$status" -eq 0 ]
  run hull push "127.0.0.1:$PORT/test/big:1" "127.0.0.1:$APORT/a/big:1"
  [ "$status" -eq 0 ]
  [ "$(grep -c ': Pushed$' <<<"$output")" -eq 2 ]
  run skopeo inspect --tls-verify=false --creds alice:secret --format '{{len .Layers}}' \
    "docker://127.0.0.1:$APORT/a/big:1"
  [ "$output" = 2 ]
  rm -rf "$HULL_TEST_ROOT/image"
  run hull pull -q "127.0.0.1:$APORT/a/big:1"
  [ "$status" -eq 0 ]
  run hull run --rm --network none "127.0.0.1:$APORT/a/big:1" sh -c 'wc -c </data/random'
  [ "$output" = 3000000 ]
}

@test "Docker's config.json is read when hull has no credentials" {
  mkdir -p "$HULL_TEST_ROOT/docker"
  printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}' "$APORT" "$(printf alice:secret | base64)" \
    >"$HULL_TEST_ROOT/docker/config.json"
  DOCKER_CONFIG=$HULL_TEST_ROOT/docker run hull push busybox "127.0.0.1:$APORT/a/bb:2"
  [ "$status" -eq 0 ]
}

@test "bearer tokens: no token without credentials, then login and pull" {
  run hull pull "127.0.0.1:$FPORT/x/img:img"
  [ "$status" -eq 125 ]
  [[ "$output" == *"getting a token"*"401"* ]]
  run hull login -u alice -p wrong "127.0.0.1:$FPORT"
  [ "$status" -eq 125 ]
  run hull login -u alice -p secret "127.0.0.1:$FPORT"
  [ "$status" -eq 0 ]
  run hull pull -q "127.0.0.1:$FPORT/x/img:img"
  [ "$status" -eq 0 ]
  run hull run --rm --network none "127.0.0.1:$FPORT/x/img:img"
  [ "$output" = hello ]
}

@test "5xx answers are retried with back-off" {
  run hull login -u alice -p secret "127.0.0.1:$FPORT"
  [ "$status" -eq 0 ]
  run hull pull "127.0.0.1:$FPORT/flaky/img:img"
  [ "$status" -eq 0 ]
  run hull run --rm --network none "127.0.0.1:$FPORT/flaky/img:img"
  [ "$output" = hello ]
}

@test "a connection dropped mid-blob is retried from where it broke, with a Range request" {
  run hull login -u alice -p secret "127.0.0.1:$FPORT"
  [ "$status" -eq 0 ]
  rm -f "$RD/fake.ranges"
  run hull pull "127.0.0.1:$FPORT/cut/img:img"
  [ "$status" -eq 0 ]
  [[ "$output" == *Retrying* ]]
  # Each layer was asked for again from a point past its start.
  [ -s "$RD/fake.ranges" ]
  run awk '$2 > 0' "$RD/fake.ranges"
  [ -n "$output" ]
  run hull run --rm --network none "127.0.0.1:$FPORT/cut/img:img"
  [ "$output" = hello ]
}

@test "two pulls of one image at once both succeed and share the work" {
  local ref=127.0.0.1:$PORT/test/big:1
  HULL_PULL_RATE=2000000 "$HULL" --root "$HULL_TEST_ROOT" pull -q "$ref" >"$HULL_TEST_ROOT/a.out" 2>&1 &
  local a=$!
  HULL_PULL_RATE=2000000 "$HULL" --root "$HULL_TEST_ROOT" pull -q "$ref" >"$HULL_TEST_ROOT/b.out" 2>&1 &
  local b=$!
  local sa=0 sb=0
  wait "$a" || sa=$?
  wait "$b" || sb=$?
  cat "$HULL_TEST_ROOT/a.out" "$HULL_TEST_ROOT/b.out"
  [ "$sa" -eq 0 ]
  [ "$sb" -eq 0 ]
  [ "$(records)" -eq 1 ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/downloads")" ]
  run hull run --rm --network none "$ref" sh -c 'wc -c </data/random'
  [ "$output" = 3000000 ]
}

@test "--tls-verify=true refuses a plain-HTTP registry, even on loopback" {
  run hull pull --tls-verify=true "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 125 ]
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[-1]}" == *"pinging registry 127.0.0.1:$PORT"* ]]
  run hull pull --tls-verify=false -q "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 0 ]
  run hull pull --tls-verify=maybe "127.0.0.1:$PORT/test/img:oci"
  [ "$status" -eq 125 ]
  store_clean_but_one() { [ "$(records)" -eq 1 ]; }
  store_clean_but_one
}

@test "a pull killed midway resumes from its partial download" {
  local ref=127.0.0.1:$PORT/test/big:1 i partial size
  HULL_PULL_RATE=300000 "$HULL" --root "$HULL_TEST_ROOT" pull -q "$ref" >/dev/null 2>&1 &
  local pid=$!
  size=0
  for i in $(seq 1 100); do
    partial=$(find "$HULL_TEST_ROOT/image/downloads" -name '*.partial' -size +300k 2>/dev/null | head -1)
    [ -n "$partial" ] && break
    sleep 0.1
  done
  kill -9 "$pid"
  wait "$pid" || true
  [ -n "$partial" ]
  size=$(stat -c %s "$partial")
  [ "$size" -gt 0 ]
  [ "$(records)" -eq 0 ]
  run hull pull -q "$ref"
  [ "$status" -eq 0 ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/downloads")" ]
  # A partial download that went bad on disk costs a second fetch, not the pull.
  rm -rf "$HULL_TEST_ROOT/image"
  HULL_PULL_RATE=300000 "$HULL" --root "$HULL_TEST_ROOT" pull -q "$ref" >/dev/null 2>&1 &
  pid=$!
  partial=
  for i in $(seq 1 100); do
    partial=$(find "$HULL_TEST_ROOT/image/downloads" -name '*.partial' -size +300k 2>/dev/null | head -1)
    [ -n "$partial" ] && break
    sleep 0.1
  done
  kill -9 "$pid"
  wait "$pid" || true
  [ -n "$partial" ]
  printf 'XXXX' | dd of="$partial" bs=1 seek=10 conv=notrunc 2>/dev/null
  run hull pull "$ref"
  [ "$status" -eq 0 ]
  [[ "$output" == *Retrying* ]]
  run hull run --rm --network none "$ref" sh -c 'wc -c </data/random'
  [ "$output" = 3000000 ]
}

@test "a blob whose content does not match its digest is refused and not kept" {
  # A layer of its own, so that corrupting it in the registry's storage
  # touches no other test's image.
  mkdir -p "$HULL_TEST_ROOT/l4/x"
  head -c 100000 /dev/urandom >"$HULL_TEST_ROOT/l4/x/f"
  tar_tree "$HULL_TEST_ROOT/l4" "$HULL_TEST_ROOT/l4.tar"
  cp -a "$RD/oci" "$HULL_TEST_ROOT/oci"
  umoci new --image "$HULL_TEST_ROOT/oci:c"
  umoci raw add-layer --image "$HULL_TEST_ROOT/oci:c" "$HULL_TEST_ROOT/l4.tar"
  skopeo copy -q --dest-tls-verify=false "oci:$HULL_TEST_ROOT/oci:c" "docker://127.0.0.1:$PORT/test/corrupt:1"
  local layer data
  layer=$(skopeo inspect --tls-verify=false --format '{{index .Layers 0}}' "docker://127.0.0.1:$PORT/test/corrupt:1")
  data=$RD/plain/storage/docker/registry/v2/blobs/sha256/${layer:7:2}/${layer#sha256:}/data
  [ -f "$data" ]
  printf 'XXXXXXXX' | dd of="$data" bs=1 seek=1000 conv=notrunc 2>/dev/null
  run hull pull "127.0.0.1:$PORT/test/corrupt:1"
  [ "$status" -eq 125 ]
  [[ "${lines[-1]}" == *"digest mismatch"* ]]
  [ ! -e "$HULL_TEST_ROOT/image/blobs/sha256/${layer#sha256:}" ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/downloads")" ]
  store_clean
}

@test "layers are unpacked while they download" {
  local ref=127.0.0.1:$PORT/test/big:1 i seen=
  HULL_PULL_RATE=1000000 "$HULL" --root "$HULL_TEST_ROOT" pull -q "$ref" >/dev/null 2>&1 &
  local pid=$!
  # The big file, already partly unpacked, in the layer being downloaded.
  for i in $(seq 1 100); do
    if [ -n "$(find "$HULL_TEST_ROOT/image/downloads" -path '*.layer/diff/data/random' -size +100k 2>/dev/null)" ]; then
      seen=1
      break
    fi
    sleep 0.05
  done
  wait "$pid"
  [ -n "$seen" ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/downloads")" ]
  run hull run --rm --network none "$ref" sh -c 'wc -c </data/random'
  [ "$output" = 3000000 ]
}

@test "an unpacker killed mid-layer costs a fresh download, not the pull" {
  local ref=127.0.0.1:$PORT/test/big:1 i kids=
  HULL_PULL_RATE=1000000 "$HULL" --root "$HULL_TEST_ROOT" pull "$ref" >"$HULL_TEST_ROOT/pull.out" 2>&1 &
  local pid=$!
  for i in $(seq 1 100); do
    if [ -n "$(find "$HULL_TEST_ROOT/image/downloads" -path '*.layer/diff/data/random' 2>/dev/null)" ]; then
      kids=$(pgrep -P "$pid" || true)
      [ -n "$kids" ] && break
    fi
    sleep 0.05
  done
  [ -n "$kids" ]
  # shellcheck disable=SC2086  # one pid a word
  kill -9 $kids
  wait "$pid" || { cat "$HULL_TEST_ROOT/pull.out"; false; }
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/downloads")" ]
  run hull run --rm --network none "$ref" sh -c 'wc -c </data/random'
  [ "$output" = 3000000 ]
}

@test "the layer directory of a pull killed after it stored the blob is cleared by the next pull, once free" {
  local ref=127.0.0.1:$PORT/test/img:oci layer dl i
  run hull pull -q "$ref"
  [ "$status" -eq 0 ]
  layer=$(skopeo inspect --tls-verify=false --format '{{index .Layers 0}}' "docker://$ref")
  dl=$HULL_TEST_ROOT/image/downloads/${layer#sha256:}.layer
  mkdir -p "$dl/diff"
  touch "$dl/diff/junk"
  # A pull still publishing it holds the stored blob locked: wait for that.
  flock "$HULL_TEST_ROOT/image/blobs/sha256/${layer#sha256:}" \
    sh -c "touch '$HULL_TEST_ROOT/locked'; sleep 1; touch '$HULL_TEST_ROOT/released'" &
  local holder=$!
  for i in $(seq 1 100); do
    [ -e "$HULL_TEST_ROOT/locked" ] && break
    sleep 0.05
  done
  [ -e "$HULL_TEST_ROOT/locked" ]
  run hull pull -q "$ref"
  wait "$holder"
  [ "$status" -eq 0 ]
  [ -e "$HULL_TEST_ROOT/released" ]
  [ ! -e "$dl" ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/downloads")" ]
}

@test "a layer that is no tar fails the pull with the unpacker's error; nothing half-made is kept" {
  mkdir -p "$HULL_TEST_ROOT/notar"
  cd "$HULL_TEST_ROOT/notar"
  # A gzip of random bytes, its digests all correct: only the content is bad.
  python3 - <<'PY'
import gzip, hashlib, json, os
os.makedirs("oci/blobs/sha256")
def put(b):
    h = hashlib.sha256(b).hexdigest()
    open("oci/blobs/sha256/" + h, "wb").write(b)
    return {"digest": "sha256:" + h, "size": len(b)}
raw = os.urandom(300000)
layer = put(gzip.compress(raw))
cfg = put(json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]}}).encode())
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": dict(cfg, mediaType="application/vnd.oci.image.config.v1+json"),
                  "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar+gzip")]}).encode()
m = put(man)
json.dump({"schemaVersion": 2, "manifests": [dict(m, mediaType="application/vnd.oci.image.manifest.v1+json",
                                                  annotations={"org.opencontainers.image.ref.name": "x"})]},
          open("oci/index.json", "w"))
open("oci/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
PY
  skopeo copy -q --dest-tls-verify=false oci:oci:x "docker://127.0.0.1:$PORT/test/notar:1"
  run hull pull "127.0.0.1:$PORT/test/notar:1"
  [ "$status" -eq 125 ]
  [[ "${lines[-1]}" == *"unpacking layer sha256:"* ]]
  [[ "${lines[-1]}" != *"digest mismatch"* ]]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/downloads")" ]
  [ -z "$(ls -A "$HULL_TEST_ROOT/image/layers")" ]
  store_clean
}

@test "malformed references: one line, exit 125" {
  local ref
  for ref in UPPER/case a:b:c "x:" "x@sha256:abc" ""; do
    run hull pull "$ref"
    [ "$status" -eq 125 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"invalid"* ]]
  done
  run hull push "UPPER/case:1"
  [ "$status" -eq 125 ]
  store_clean
}

@test "a malformed, an oversized manifest, a wrong size, a redirect loop: one error, exit 125, nothing kept" {
  run hull login -u alice -p secret "127.0.0.1:$FPORT"
  [ "$status" -eq 0 ]
  run hull pull "127.0.0.1:$FPORT/bad/malformed"
  [ "$status" -eq 125 ]
  [[ "$output" == *"malformed manifest"* ]]
  run hull pull "127.0.0.1:$FPORT/bad/huge"
  [ "$status" -eq 125 ]
  [[ "$output" == *"larger than 4194304 bytes"* ]]
  run hull pull "127.0.0.1:$FPORT/bad/size"
  [ "$status" -eq 125 ]
  [[ "$output" == *"the manifest says 10"* ]]
  run hull pull "127.0.0.1:$FPORT/bad/loop"
  [ "$status" -eq 125 ]
  [[ "$output" == *"redirect"* ]]
  run hull pull "127.0.0.1:$PORT/no/such:1"
  [ "$status" -eq 125 ]
  [[ "$output" == *"not found"* ]]
  store_clean
}

@test "a registry that accepts and never answers times out" {
  local port
  port=$(free_port)
  # Listens but never accepts: the kernel completes the handshake, nothing answers.
  python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(30)' "$port" &
  local pid=$!
  wait_http_port() { local i; for i in $(seq 1 50); do ss -ltn | grep -q ":$port " && return 0; sleep 0.1; done; return 1; }
  wait_http_port
  HULL_REGISTRY_TIMEOUT=2 run hull pull "127.0.0.1:$port/x:1"
  kill "$pid"
  wait "$pid" || true
  [ "$status" -eq 125 ]
  [[ "$output" == *"timed out"* ]]
  store_clean
}

@test "progress: plain lines off a terminal, live lines on one, nothing but the name with -q" {
  run hull pull "127.0.0.1:$PORT/test/img:oci"
  [[ "$output" == *"Pulling fs layer"* ]]
  [[ "$output" != *$'\033'* ]]
  rm -rf "$HULL_TEST_ROOT/image"
  run in_pty "'$HULL' --root '$HULL_TEST_ROOT' pull 127.0.0.1:$PORT/test/img:v2s2"
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\033['* ]]
  [[ "$output" == *"Pull complete"* ]]
}
