#!/usr/bin/env bats
# Volumes, bind mounts and tmpfs: data that outlives containers and is never
# lost by them; mounts that no symlink in an image can redirect.
load helpers

# The shared teardown, plus the host mounts a test made itself.
eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"
teardown() {
  local m
  for m in "${HOST_MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  [[ -n ${ESCAPE:-} ]] && rm -rf "$ESCAPE"
  helpers_teardown
}
HOST_MOUNTS=()

mountpoint_of() { hull volume inspect --format '{{.Mountpoint}}' "$1"; }
mounts_json() { hull inspect "$1" | jq -c ".[0].Mounts"; }
volume_dirs() { find "$HULL_TEST_ROOT/volumes" -mindepth 1 -maxdepth 1 -not -name '.lock' 2>/dev/null | wc -l; }

# make_image NAME DIR [VOLUMES-JSON]: a new image in the store, busybox
# plus DIR as one more layer (taken as it is: whiteouts as 0:0 devices,
# opaque directories by xattr), with config.Volumes set.
make_image() {
  local name=$1 dir=$2 vols=${3:-null} img=$HULL_TEST_ROOT/image
  hull images >/dev/null
  local base; base=$(jq -r '.tags["busybox:latest"]' "$img/repositories.json")
  local rec="$img/images/${base#sha256:}.json"
  local chain; chain=$(echo "$name $RANDOM" | sha256sum | cut -d' ' -f1)
  mkdir -p "$img/layers/$chain"
  cp -a "$dir" "$img/layers/$chain/diff"
  printf '{"chain_id":"sha256:%s","diff_id":"sha256:%s","size":0}' "$chain" "$chain" >"$img/layers/$chain/layer.json"
  local cfg; cfg=$(jq -c --argjson v "$vols" --arg d "sha256:$chain" \
    '.config.Volumes = $v | .rootfs.diff_ids += [$d]' "$img/blobs/sha256/${base#sha256:}")
  local id; id=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  printf '%s' "$cfg" >"$img/blobs/sha256/$id"
  jq -c --arg id "sha256:$id" --arg c "sha256:$chain" '.id = $id | .layers += [$c]' "$rec" >"$img/images/$id.json"
  jq -c --arg n "$name:latest" --arg id "sha256:$id" '.tags[$n] = $id' "$img/repositories.json" >"$img/repositories.json.new"
  mv "$img/repositories.json.new" "$img/repositories.json"
}

@test "data written through a named volume is there for the next container and on the host" {
  run hull run --rm -v data:/data busybox sh -c 'echo kept > /data/f'
  [ "$status" -eq 0 ]
  mp=$(mountpoint_of data)
  [ "$mp" = "$HULL_TEST_ROOT/volumes/data/_data" ]
  [ "$(cat "$mp/f")" = kept ]
  run hull run --rm -v data:/elsewhere busybox cat /elsewhere/f
  [ "$output" = kept ]
  # --mount spells the same volume
  run hull run --rm --mount type=volume,source=data,target=/m busybox cat /m/f
  [ "$output" = kept ]
}

@test "a bind mount shows host files and keeps what the container writes; -v creates a missing source" {
  mkdir "$HULL_TEST_ROOT/host"
  echo from-host >"$HULL_TEST_ROOT/host/in"
  run hull run --rm -v "$HULL_TEST_ROOT/host:/h" busybox sh -c 'cat /h/in; echo out > /h/out'
  [ "$status" -eq 0 ]
  [ "$output" = from-host ]
  [ "$(cat "$HULL_TEST_ROOT/host/out")" = out ]
  run hull run --rm -v "$HULL_TEST_ROOT/made/by/v:/m" busybox true
  [ "$status" -eq 0 ]
  [ -d "$HULL_TEST_ROOT/made/by/v" ]
  # a file on a file
  run hull run --rm -v "$HULL_TEST_ROOT/host/in:/etc/motd:ro" busybox cat /etc/motd
  [ "$output" = from-host ]
  # mount points the image lacks come from a shared cached layer, not from
  # the container's own upper directory
  id=$(hull run -d -v "$HULL_TEST_ROOT/host:/new/mount/point" busybox sleep 1000)
  [ "$(hull exec "$id" cat /new/mount/point/in)" = from-host ]
  [ ! -e "$HULL_TEST_ROOT/containers/$id/upper/new" ]
  ls -d "$HULL_TEST_ROOT"/cache/mountpoints/*/new/mount/point
  # the image's directories on the way keep their modes (busybox's /tmp is
  # 1777, /root 700)
  run hull run --rm -v "$HULL_TEST_ROOT/host:/tmp/a/b" -v vol:/root/c busybox stat -c %a /tmp /tmp/a /root /root/c
  [ "$output" = "1777"$'\n'"755"$'\n'"700"$'\n'"755" ]
  ls -d "$HULL_TEST_ROOT"/cache/mountpoints/*/tmp/a/b
}

@test "--mount type=bind refuses a missing source and creates nothing" {
  run hull run --rm --mount "type=bind,source=$HULL_TEST_ROOT/missing,target=/m" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"bind source path does not exist: $HULL_TEST_ROOT/missing"* ]]
  [ ! -e "$HULL_TEST_ROOT/missing" ]
  [ "$(container_dirs)" -eq 0 ]
}

@test ":ro is enforced (EROFS), recursively into submounts, and --read-only leaves volumes and tmpfs writable" {
  mkdir -p "$HULL_TEST_ROOT/host/sub"
  mount -t tmpfs -o size=1m hull-test-sub "$HULL_TEST_ROOT/host/sub"
  HOST_MOUNTS+=("$HULL_TEST_ROOT/host/sub")
  run hull run --rm -v "$HULL_TEST_ROOT/host:/h:ro" busybox sh -c 'echo x > /h/f'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  run hull run --rm -v "$HULL_TEST_ROOT/host:/h:ro" busybox sh -c 'echo x > /h/sub/f'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  run hull run --rm --mount "type=bind,src=$HULL_TEST_ROOT/host,dst=/h,readonly" busybox touch /h/f
  [[ "$output" == *"Read-only file system"* ]]
  run hull run --rm -v vol:/v:ro busybox touch /v/f
  [[ "$output" == *"Read-only file system"* ]]
  [ ! -e "$HULL_TEST_ROOT/host/f" ] && [ ! -e "$HULL_TEST_ROOT/host/sub/f" ]
  umount "$HULL_TEST_ROOT/host/sub"
  HOST_MOUNTS=()
  run hull run --rm --read-only -v vol:/v --tmpfs /t busybox sh -c 'touch /v/ok /t/ok && echo fine; touch /nope'
  [[ "${lines[0]}" = fine ]]
  [[ "$output" == *"Read-only file system"* ]]
}

@test "two containers share a named volume" {
  hull run -d --name writer -v shared:/s busybox sh -c 'echo hello > /s/msg; sleep 1000'
  for _ in $(seq 50); do [ -e "$HULL_TEST_ROOT/volumes/shared/_data/msg" ] && break; sleep 0.1; done
  run hull run --rm -v shared:/other busybox cat /other/msg
  [ "$output" = hello ]
  # both at once, either way round
  hull run -d --name reader -v shared:/s busybox sleep 1000
  hull exec reader sh -c 'echo back > /s/reply'
  run hull exec writer cat /s/reply
  [ "$output" = back ]
}

@test "containers started at once on a new named volume share one volume, filled once" {
  pids=()
  for i in 1 2 3 4 5; do
    hull run --rm -v racy:/etc busybox sh -c "test -s /etc/passwd && echo $i > /etc/c$i" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  [ "$(hull volume ls -q)" = racy ]
  [ "$(ls "$HULL_TEST_ROOT/volumes/racy/_data" | sort | tr '\n' ' ')" = "c1 c2 c3 c4 c5 group passwd " ]
}

@test "removing containers in every order loses nothing of a bind or a volume" {
  mkdir "$HULL_TEST_ROOT/host"
  echo precious >"$HULL_TEST_ROOT/host/keep"
  hull run -d --name ca -v "$HULL_TEST_ROOT/host:/h" -v vol:/v busybox sh -c 'echo v > /v/keep; sleep 1000'
  for _ in $(seq 50); do [ -e "$HULL_TEST_ROOT/volumes/vol/_data/keep" ] && break; sleep 0.1; done
  # rm -f of a running container
  run hull rm -f ca
  [ "$status" -eq 0 ]
  [ "$(cat "$HULL_TEST_ROOT/host/keep")" = precious ]
  [ "$(cat "$HULL_TEST_ROOT/volumes/vol/_data/keep")" = v ]
  # rm -f after the monitor was killed with SIGKILL
  hull run -d --name cb -v "$HULL_TEST_ROOT/host:/h" -v vol:/v busybox sleep 1000
  pid=$(hull inspect cb | jq -r '.[0].State.Pid')
  mon=$(awk '{print $4}' /proc/$pid/stat)
  kill -9 "$mon"
  run hull rm -f cb
  [ "$status" -eq 0 ]
  [ "$(cat "$HULL_TEST_ROOT/host/keep")" = precious ]
  [ "$(cat "$HULL_TEST_ROOT/volumes/vol/_data/keep")" = v ]
  # rm -v keeps a named volume; a stopped container still holds its volume
  cc=$(hull create --name cc -v vol:/v busybox true)
  run hull volume rm vol
  [ "$status" -ne 0 ]
  [[ "$output" == *"volume is in use by container ${cc:0:12}"* ]]
  hull rm -v cc
  [ "$(cat "$HULL_TEST_ROOT/volumes/vol/_data/keep")" = v ]
  # --rm, foreground and detached
  hull run --rm -v "$HULL_TEST_ROOT/host:/h" -v vol:/v busybox true
  hull run -d --rm --name cd -v "$HULL_TEST_ROOT/host:/h" -v vol:/v busybox true
  for _ in $(seq 50); do [ "$(container_dirs)" -eq 0 ] && break; sleep 0.1; done
  [ "$(container_dirs)" -eq 0 ]
  [ "$(cat "$HULL_TEST_ROOT/host/keep")" = precious ]
  [ "$(cat "$HULL_TEST_ROOT/volumes/vol/_data/keep")" = v ]
  # only volume rm takes the data
  run hull volume rm vol
  [ "$status" -eq 0 ]
  [ ! -e "$HULL_TEST_ROOT/volumes/vol" ]
  [ "$(cat "$HULL_TEST_ROOT/host/keep")" = precious ]
}

@test "removing a container never crosses a mount found in its directory" {
  mkdir "$HULL_TEST_ROOT/host"
  echo precious >"$HULL_TEST_ROOT/host/keep"
  id=$(hull create busybox true)
  # Something (another tool, an old bug) left a bind mount of user data
  # inside the container's directory, on the same filesystem.
  mkdir "$HULL_TEST_ROOT/containers/$id/rootfs/mnt"
  mount --bind "$HULL_TEST_ROOT/host" "$HULL_TEST_ROOT/containers/$id/rootfs/mnt"
  HOST_MOUNTS+=("$HULL_TEST_ROOT/containers/$id/rootfs/mnt")
  run hull rm "$id"
  [ "$status" -ne 0 ]
  [[ "$output" == *"mount point"* ]]
  [ "$(cat "$HULL_TEST_ROOT/host/keep")" = precious ]
  umount "$HULL_TEST_ROOT/containers/$id/rootfs/mnt"
  HOST_MOUNTS=()
  run hull rm "$id"
  [ "$status" -eq 0 ]
  [ "$(cat "$HULL_TEST_ROOT/host/keep")" = precious ]
}

@test "a symlink in the image cannot redirect a mount outside the root" {
  ESCAPE=$(mktemp -d /tmp/hull-escape.XXXXXX)
  layer=$HULL_TEST_ROOT/layer
  mkdir -p "$layer"
  ln -s /etc "$layer/data"
  ln -s ../../../../../../.. "$layer/up"
  ln -s "$ESCAPE" "$layer/abs"
  ln -s "../../../../../..$ESCAPE/x" "$layer/rel"
  make_image links "$layer"
  mkdir "$HULL_TEST_ROOT/host"
  echo mine >"$HULL_TEST_ROOT/host/f"
  # The host's mounts at the places a redirected mount could land (other
  # programs on this machine may mount elsewhere meanwhile).
  watched() { awk '{print $5}' /proc/self/mountinfo | grep -E "^($ESCAPE|/etc|/tmpfs-here|/data|/abs|/rel|/up)(/|$)" || true; }
  before=$(watched)
  # /data -> /etc lands on the container's /etc, not the host's
  run hull run --rm -v "$HULL_TEST_ROOT/host:/data" links cat /etc/f
  [ "$status" -eq 0 ]
  [ "$output" = mine ]
  [ ! -e /etc/f ]
  # Absolute and relative links to a host directory that the image lacks:
  # the runtime resolves them inside the root and refuses the dangling
  # link (it does not create the target); either way the host directory
  # stays untouched.
  for t in abs rel; do
    run hull run --rm -v "vol-$t:/$t" links sh -c "echo in > /$t/w"
    [ "$status" -eq 0 ] || [[ "$output" == *"resolving $t in the container: No such file or directory"* ]]
    [ -z "$(ls -A "$ESCAPE")" ]
    [ "$status" -ne 0 ] || [ "$(cat "$HULL_TEST_ROOT/volumes/vol-$t/_data/w")" = in ]
  done
  # a link to the top of everything resolves to the container's own root
  run hull run --rm --tmpfs /up/tmpfs-here links sh -c 'grep -c " /tmpfs-here " /proc/self/mountinfo'
  [ "$output" = 1 ]
  [ ! -e /tmpfs-here ]
  [ "$(watched)" = "$before" ]
}

@test "bind propagation: rslave and rshared see host mounts made later, rshared shows its own to the host, rprivate neither" {
  prop=$HULL_TEST_ROOT/prop
  mkdir -p "$prop"
  mount -t tmpfs hull-test-prop "$prop"
  HOST_MOUNTS+=("$prop")
  mount --make-rshared "$prop"
  mkdir "$prop/later" "$prop/from-ctr" "$prop/from-slave"
  hull run -d --name slv -v "$prop:/p:rslave" busybox sleep 1000
  hull run -d --name shr --mount "type=bind,src=$prop,dst=/p,bind-propagation=rshared" busybox sleep 1000
  hull run -d --name prv -v "$prop:/p" busybox sleep 1000
  mount -t tmpfs hull-test-later "$prop/later"
  HOST_MOUNTS=("$prop/later" "$prop/from-ctr" "${HOST_MOUNTS[@]}")
  [ "$(hull exec slv grep -c ' /p/later ' /proc/self/mountinfo)" = 1 ]
  [ "$(hull exec shr grep -c ' /p/later ' /proc/self/mountinfo)" = 1 ]
  run hull exec prv grep -c ' /p/later ' /proc/self/mountinfo
  [ "$output" = 0 ]
  hull run --rm --privileged -v "$prop:/p:rshared" busybox mount -t tmpfs x /p/from-ctr
  grep -q " $prop/from-ctr " /proc/self/mountinfo
  hull run --rm --privileged -v "$prop:/p:rslave" busybox mount -t tmpfs x /p/from-slave
  ! grep -q " $prop/from-slave " /proc/self/mountinfo
  hull rm -f slv shr prv
  umount "$prop/from-ctr" "$prop/later" "$prop"
  HOST_MOUNTS=()
}

@test "tmpfs size limits hold, with --tmpfs and --mount" {
  run hull run --rm --tmpfs /t:size=1m busybox sh -c 'dd if=/dev/zero of=/t/big bs=1k count=2048'
  [ "$status" -ne 0 ]
  [[ "$output" == *"No space left on device"* ]]
  run hull run --rm --mount type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770 busybox sh -c \
    'stat -c %a /t; dd if=/dev/zero of=/t/big bs=1k count=2048'
  [ "${lines[0]}" = 1770 ]
  [[ "$output" == *"No space left on device"* ]]
  run hull run --rm --tmpfs /t busybox sh -c 'grep " /t " /proc/self/mountinfo'
  [[ "$output" == *nosuid,nodev,noexec* ]]
}

@test "anonymous volumes go with rm -v and --rm, stay with plain rm" {
  run hull run --rm -v /anon busybox touch /anon/x
  [ "$status" -eq 0 ]
  [ "$(volume_dirs)" -eq 0 ]
  id=$(hull create -v /anon -v named:/n busybox true)
  [ "$(volume_dirs)" -eq 2 ]
  anon=$(mounts_json "$id" | jq -r '.[] | select(.Destination == "/anon") | .Name')
  [[ "$anon" =~ ^[0-9a-f]{64}$ ]]
  hull volume inspect "$anon" | jq -e '.[0].Labels["com.docker.volume.anonymous"] == ""'
  hull inspect "$id" | jq -e '.[0].Config.Volumes == {"/anon": {}}'
  hull rm -v "$id"
  [ ! -e "$HULL_TEST_ROOT/volumes/$anon" ]
  [ -d "$HULL_TEST_ROOT/volumes/named/_data" ]
  id=$(hull create -v /anon busybox true)
  hull rm "$id"
  [ "$(volume_dirs)" -eq 2 ]
  hull run -d --rm -v /anon2 busybox true
  for _ in $(seq 50); do [ "$(container_dirs)" -eq 0 ] && break; sleep 0.1; done
  [ "$(volume_dirs)" -eq 2 ]
  # --rm whose monitor was killed: rm -f takes its anonymous volume
  hull run -d --rm --name dead -v /anon3 busybox sleep 1000
  anon3=$(mounts_json dead | jq -r '.[0].Name')
  pid=$(hull inspect dead | jq -r '.[0].State.Pid')
  kill -9 "$(awk '{print $4}' /proc/$pid/stat)"
  hull rm -f dead
  [ ! -e "$HULL_TEST_ROOT/volumes/$anon3" ]
  run hull volume prune -f
  [ "${lines[0]}" = "Deleted Volumes:" ]
  [ "$(volume_dirs)" -eq 1 ]
  run hull volume prune -a -f
  [ "${lines[1]}" = named ]
  [ "$(volume_dirs)" -eq 0 ]
}

@test "a new volume starts with a copy of the image's files: owners, modes, xattrs; whiteouts honoured" {
  layer=$HULL_TEST_ROOT/layer
  mkdir -p "$layer/data/sub" "$layer/decl" "$layer/etc"
  echo hello >"$layer/data/sub/f"
  chown 123:456 "$layer/data/sub/f"
  chmod 0640 "$layer/data/sub/f"
  chmod 0750 "$layer/data"
  setfattr -n user.hull -v kept "$layer/data/sub/f"
  ln -s sub/f "$layer/data/link"
  echo declared >"$layer/decl/f"
  chmod 0711 "$layer/decl" && chown 7:8 "$layer/decl"
  # /etc merges busybox's /etc with this layer's, where a whiteout
  # deletes busybox's /etc/group
  echo mine >"$layer/etc/added"
  mknod "$layer/etc/group" c 0 0
  make_image copyup "$layer" '{"/decl": {}}'
  hull create --name cc -v vol:/data -v etcvol:/etc copyup true
  mp=$HULL_TEST_ROOT/volumes/vol/_data
  [ "$(cat "$mp/sub/f")" = hello ]
  [ "$(stat -c '%u:%g %a' "$mp/sub/f")" = "123:456 640" ]
  [ "$(stat -c '%a' "$mp")" = 750 ]
  [ "$(getfattr --only-values -n user.hull "$mp/sub/f")" = kept ]
  [ "$(readlink "$mp/link")" = sub/f ]
  etc=$HULL_TEST_ROOT/volumes/etcvol/_data
  [ "$(cat "$etc/added")" = mine ]
  grep -q '^root:' "$etc/passwd"
  [ ! -e "$etc/group" ]
  # the image's VOLUME made an anonymous volume, filled the same way
  decl=$(mounts_json cc | jq -r '.[] | select(.Destination == "/decl") | .Name')
  [ "$(cat "$HULL_TEST_ROOT/volumes/$decl/_data/f")" = declared ]
  # a volume with content is not filled again; nocopy fills nothing
  rm "$mp/link"
  echo mine >"$mp/mine"
  hull run --rm -v vol:/data copyup true
  [ ! -e "$mp/link" ]
  hull run --rm -v fresh:/data:nocopy copyup true
  [ -z "$(ls -A "$HULL_TEST_ROOT/volumes/fresh/_data")" ]
  # a mount point made below an image directory leaves that directory as
  # the image has it
  mkdir "$HULL_TEST_ROOT/host"
  run hull run --rm -v "$HULL_TEST_ROOT/host:/decl/new/mp" copyup stat -c '%a %u' /decl /decl/new /decl/new/mp
  [ "$output" = "$(stat -c '%a %u' "$layer/decl")"$'\n'"755 0"$'\n'"755 0" ]
}

@test "inspect shows Mounts as Docker does" {
  mkdir "$HULL_TEST_ROOT/host"
  hull create --name cc -v "$HULL_TEST_ROOT/host:/h:ro,rslave" -v vol:/v --mount type=tmpfs,target=/t busybox true
  run mounts_json cc
  bind=$(echo "$output" | jq -c '.[] | select(.Type == "bind")')
  [ "$bind" = "{\"Type\":\"bind\",\"Source\":\"$HULL_TEST_ROOT/host\",\"Destination\":\"/h\",\"Mode\":\"ro,rslave\",\"RW\":false,\"Propagation\":\"rslave\"}" ]
  vol=$(echo "$output" | jq -c '.[] | select(.Type == "volume")')
  [ "$vol" = "{\"Type\":\"volume\",\"Name\":\"vol\",\"Source\":\"$HULL_TEST_ROOT/volumes/vol/_data\",\"Destination\":\"/v\",\"Driver\":\"local\",\"Mode\":\"z\",\"RW\":true,\"Propagation\":\"\"}" ]
  echo "$output" | jq -e '.[] | select(.Type == "tmpfs") | .Destination == "/t" and .RW'
  hull inspect cc | jq -e --arg b "$HULL_TEST_ROOT/host:/h:ro,rslave" '.[0].HostConfig.Binds == [$b, "vol:/v"]'
  # and the OCI config carries them for the runtime
  jq -e --arg s "$HULL_TEST_ROOT/host" '.mounts[] | select(.destination == "/h") | .source == $s and (.options | index("rro")) and (.options | index("rslave"))' \
    "$HULL_TEST_ROOT/containers/$(hull inspect cc | jq -r '.[0].Id')/config.json"
}

@test "--volumes-from shares binds and volumes, :ro makes them read-only" {
  mkdir "$HULL_TEST_ROOT/host"
  hull create --name src -v "$HULL_TEST_ROOT/host:/h" -v vol:/v busybox true
  run hull run --rm --volumes-from src busybox sh -c 'echo a > /h/a && echo b > /v/b && echo ok'
  [ "$output" = ok ]
  [ -e "$HULL_TEST_ROOT/host/a" ] && [ -e "$HULL_TEST_ROOT/volumes/vol/_data/b" ]
  run hull run --rm --volumes-from src:ro busybox touch /v/c
  [[ "$output" == *"Read-only file system"* ]]
  run hull run --rm --volumes-from nosuch busybox true
  [ "$status" -eq 125 ]
}

@test "hull volume create, ls, inspect, rm" {
  run hull volume create --label team=a one
  [ "$output" = one ]
  hull volume create two
  anon=$(hull volume create)
  [[ "$anon" =~ ^[0-9a-f]{64}$ ]]
  run hull volume create one
  [ "$status" -eq 0 ]
  run hull volume inspect one
  echo "$output" | jq -e '.[0] | .Name == "one" and .Driver == "local" and .Scope == "local" and .Labels.team == "a" and (.CreatedAt | test("^[0-9]{4}-")) and (.Mountpoint | endswith("/volumes/one/_data")) and has("Options")'
  run hull volume ls
  [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
  [ "${#lines[@]}" -eq 4 ]
  run hull volume ls -q --filter label=team=a
  [ "$output" = one ]
  hull create -v two:/x busybox true
  run hull volume ls -q --filter dangling=true
  [ "${#lines[@]}" -eq 2 ]
  [[ "$output" != *two* ]]
  run hull volume rm one nosuch
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = one ]
  run hull volume rm -f nosuch
  [ "$status" -eq 0 ]
  run hull volume inspect one
  [ "$status" -eq 1 ]
  [[ "$output" == *"no such volume: one"* ]]
  run hull volume create -d other x
  [ "$status" -eq 125 ]
}

@test "bad input: one clear error, exit 125, nothing created" {
  mkdir "$HULL_TEST_ROOT/host"
  touch "$HULL_TEST_ROOT/host/file"
  for args in "-v rel:ctr" "-v vol:relative" "-v /a/b:/c:rx" "-v $HULL_TEST_ROOT/host:/x:ro,rw" \
    "--mount type=bind,source=$HULL_TEST_ROOT/host,target=/x,bogus=1" "--mount type=nfs,target=/x" \
    "-v bad!name:/x" "-v _x:/x" "--mount type=volume,source=a/b,target=/x" \
    "-v $HULL_TEST_ROOT/host/file:/etc" "-v $HULL_TEST_ROOT/host:/etc/passwd" \
    "-v $HULL_TEST_ROOT/host/file/sub:/x" "--tmpfs /t:bogus" "--tmpfs rel" "-v vol:/" \
    "-v a1:/x -v a2:/x" "--volumes-from nosuch" "--mount type=tmpfs,source=x,target=/t" \
    "-v vol:/x --cap-add bogus" "-v $HULL_TEST_ROOT/made:/x -u nosuchuser" \
    "-v vol:/x --restart on-failure:x" "-v $HULL_TEST_ROOT/made:/x --log-opt max-size=abc"; do
    # shellcheck disable=SC2086
    run hull run --rm $args busybox true
    [ "$status" -eq 125 ] || { echo "not 125: $args: $output"; false; }
    [ "${#lines[@]}" -eq 1 ] || { echo "not one line: $args: $output"; false; }
    [ "$(container_dirs)" -eq 0 ] || { echo "left a container: $args"; false; }
    [ "$(volume_dirs)" -eq 0 ] || { echo "left a volume: $args"; false; }
    run hull create $args busybox true
    [ "$status" -eq 125 ]
  done
  [ ! -e "$HULL_TEST_ROOT/host/file/sub" ] && [ ! -e "$HULL_TEST_ROOT/made" ]
  [ ! -e "$HULL_TEST_ROOT/volumes/vol" ]
  run hull volume create 'bad!name'
  [ "$status" -eq 125 ]
  [[ "$output" == *'"bad!name" includes invalid characters for a local volume name'* ]]
  [ "$(volume_dirs)" -eq 0 ]
}
