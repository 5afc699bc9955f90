#!/usr/bin/env bats
# hull-runtime: each config.json field's effect, seen from inside the
# container.

bats_require_minimum_version 1.5.0
load runtime_helpers

# Run the bundle and keep its output.
run_bundle() {
  run rt run -b "$BUNDLE" c1
}

@test "config: process user (uid, gid, additionalGids, umask), env, cwd" {
  config '.process.user = {"uid": 1000, "gid": 100, "additionalGids": [10, 20], "umask": 63} | .process.env += ["FOO=bar"] | .process.cwd = "/tmp"'
  cmd sh -c 'id -u; id -g; id -G; umask; echo $FOO; pwd'
  run_bundle
  [ "$status" -eq 0 ]
  [ "$output" = $'1000\n100\n100 10 20\n0077\nbar\n/tmp' ]
}

@test "config: the five capability sets" {
  config '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities = {
    "bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
    "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
  cmd grep ^Cap /proc/self/status
  run_bundle
  [ "$status" -eq 0 ]
  [[ $output == *"CapInh:	0000000000000020"* ]]
  [[ $output == *"CapPrm:	0000000000000020"* ]]
  [[ $output == *"CapEff:	0000000000000020"* ]]
  [[ $output == *"CapBnd:	0000000000000021"* ]]
  [[ $output == *"CapAmb:	0000000000000020"* ]]
}

@test "config: rlimits, noNewPrivileges, oomScoreAdj" {
  config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]
    | .process.noNewPrivileges = true | .process.oomScoreAdj = 123'
  cmd sh -c 'ulimit -Sn; ulimit -Hn; ulimit -c; grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj'
  run_bundle
  [ "$status" -eq 0 ]
  [ "$output" = $'512\n1024\n0\nNoNewPrivs:\t1\n123' ]
  config '.process.noNewPrivileges = false'
  cmd grep NoNewPrivs /proc/self/status
  run_bundle
  [ "$output" = $'NoNewPrivs:\t0' ]
}

@test "config: root readonly, hostname, domainname" {
  config '.root.readonly = true | .hostname = "box1" | .domainname = "example.org"'
  cmd sh -c 'hostname; cat /proc/sys/kernel/domainname; touch /x 2>&1 || echo refused'
  run_bundle
  [ "${lines[0]}" = box1 ]
  [ "${lines[1]}" = example.org ]
  [[ $output == *"Read-only file system"* ]]
  [ "${lines[-1]}" = refused ]
  # Writable: on a copy, so the shared rootfs stays clean.
  cp -a "$RT_FILE_DIR/rootfs" "$RT_TEST_DIR/rw"
  config ".root = {\"path\": \"$RT_TEST_DIR/rw\", \"readonly\": false}"
  cmd sh -c 'touch /x && echo wrote'
  run_bundle
  [ "$output" = wrote ]
  [ -f "$RT_TEST_DIR/rw/x" ]
}

@test "config: mounts: tmpfs options, bind ro/rw, relative bind source, propagation" {
  mkdir -p "$RT_TEST_DIR/data" "$BUNDLE/rel"
  echo host-data > "$RT_TEST_DIR/data/f"
  echo rel-data > "$BUNDLE/rel/f"
  config ".mounts += [
    {\"destination\": \"/mnt/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"size=1m\", \"mode=700\", \"noexec\", \"nosuid\"]},
    {\"destination\": \"/mnt/ro\", \"type\": \"bind\", \"source\": \"$RT_TEST_DIR/data\", \"options\": [\"rbind\", \"ro\"]},
    {\"destination\": \"/mnt/rw\", \"type\": \"none\", \"source\": \"$RT_TEST_DIR/data\", \"options\": [\"bind\", \"rw\"]},
    {\"destination\": \"/mnt/rel\", \"type\": \"bind\", \"source\": \"rel\", \"options\": [\"bind\", \"ro\"]}]"
  cmd sh -c 'stat -c %a /mnt/t; grep " /mnt/t " /proc/self/mountinfo; cat /mnt/ro/f; touch /mnt/ro/x 2>/dev/null || echo ro-refused;
    echo from-container > /mnt/rw/g; grep -c " /mnt/rw " /proc/self/mountinfo; cat /mnt/rel/f'
  run_bundle
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 700 ]
  [[ ${lines[1]} == *nosuid*noexec*tmpfs* ]]
  [[ ${lines[1]} == *size=1024k* ]]
  [ "${lines[2]}" = host-data ]
  [ "${lines[3]}" = ro-refused ]
  [ "${lines[4]}" = 1 ]
  [ "${lines[5]}" = rel-data ]
  [ "$(cat "$RT_TEST_DIR/data/g")" = from-container ]
}

@test "config: mount propagation: rslave receives the host's later mounts, rprivate does not" {
  mkdir -p "$RT_TEST_DIR/shared/sub"
  mount --bind "$RT_TEST_DIR/shared" "$RT_TEST_DIR/shared"
  mount --make-shared "$RT_TEST_DIR/shared"
  config ".mounts += [
    {\"destination\": \"/mnt/slave\", \"type\": \"bind\", \"source\": \"$RT_TEST_DIR/shared\", \"options\": [\"rbind\", \"rslave\"]},
    {\"destination\": \"/mnt/priv\", \"type\": \"bind\", \"source\": \"$RT_TEST_DIR/shared\", \"options\": [\"rbind\", \"rprivate\"]}]"
  cmd sleep 1000
  rt run -d -b "$BUNDLE" c1
  mount -t tmpfs late "$RT_TEST_DIR/shared/sub"
  run rt exec c1 sh -c 'grep -c " /mnt/slave/sub " /proc/self/mountinfo; grep -c " /mnt/priv/sub " /proc/self/mountinfo'
  umount "$RT_TEST_DIR/shared/sub"
  rt delete -f c1
  umount "$RT_TEST_DIR/shared"
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = 0 ]
}

@test "config: namespaces: new ones, the host's when not listed, joined by path" {
  cmd sleep 1000
  rt run -d -b "$BUNDLE" c1
  pid=$(rt state c1 | jq -r .pid)
  make_bundle "$RT_TEST_DIR/b2" ".linux.namespaces = [{\"type\": \"mount\"}, {\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/proc/$pid/ns/net\"}, {\"type\": \"uts\", \"path\": \"/proc/$pid/ns/uts\"}] | .hostname = null"
  jq '.process.args = ["sh", "-c", "for n in net uts ipc; do readlink /proc/self/ns/$n; done"]' "$RT_TEST_DIR/b2/config.json" > "$RT_TEST_DIR/b2/c" && mv "$RT_TEST_DIR/b2/c" "$RT_TEST_DIR/b2/config.json"
  run rt run -b "$RT_TEST_DIR/b2" c2
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/$pid/ns/net)" ]
  [ "${lines[1]}" = "$(readlink /proc/$pid/ns/uts)" ]
  # ipc was not listed: the host's.
  [ "${lines[2]}" = "$(readlink /proc/self/ns/ipc)" ]
  [ "$(readlink /proc/$pid/ns/ipc)" != "$(readlink /proc/self/ns/ipc)" ]
  rt delete -f c1
}

@test "config: user namespace with uidMappings and gidMappings" {
  config '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}] | del(.mounts[] | select(.type == "cgroup"))'
  cmd sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin'
  run_bundle
  [ "$status" -eq 0 ]
  [ "$(echo ${lines[0]})" = "0 200000 65536" ]
  [ "$(echo ${lines[1]})" = "0 300000 65536" ]
  [ "${lines[2]}" = 0 ]
  # The rootfs is the host's root's: unmapped, so the overflow id.
  [ "${lines[3]}" = 65534 ]
}

@test "config: devices, and the device cgroup's rules" {
  config '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 5, "gid": 6},
    {"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 420}]'
  cmd sh -c 'stat -c "%t:%T %a %u:%g" /dev/mynull; echo x > /dev/mynull && echo null-ok; head -c 1 /dev/kmsg >/dev/null 2>&1 || echo kmsg-denied'
  run_bundle
  [ "$status" -eq 0 ]
  [ "$output" = $'1:3 666 5:6\nnull-ok\nkmsg-denied' ]
}

@test "config: cgroupsPath and resources: memory, pids, cpu" {
  config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 20}
    | .linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000}'
  cmd sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us; cat /proc/self/cgroup | grep :pids:'
  run_bundle
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 33554432 ]
  [ "${lines[1]}" = 20 ]
  [ "${lines[2]}" = 512 ]
  [ "${lines[3]}" = 50000 ]
  # A cgroup namespace: the container's own cgroup is its root.
  [ "${lines[4]}" = "8:pids:/" ] || [[ ${lines[4]} == *":pids:/" ]]
  [ -z "$(find /sys/fs/cgroup -path "*/$RT_CGROUP/bundle" 2>/dev/null)" ]
}

@test "config: resources.hugepageLimits" {
  grep -qw hugetlb /proc/cgroups || skip "no hugetlb controller"
  config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
  cmd sh -c 'cat /sys/fs/cgroup/hugetlb/hugetlb.2MB.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/unified/hugetlb.2MB.max 2>/dev/null || cat /sys/fs/cgroup/hugetlb.2MB.max'
  run_bundle
  [ "$status" -eq 0 ]
  [ "$output" = 4194304 ]
  config '.linux.resources.hugepageLimits = [{"pageSize": "../x", "limit": 1}]'
  run_bundle
  [ "$status" -ne 0 ]
  [[ $output == *"hugepageLimits[0].pageSize"* ]]
}

@test "config: sysctl" {
  config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}'
  cmd cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced
  run_bundle
  [ "$status" -eq 0 ]
  [ "$output" = $'1\n1' ]
  config '.linux.sysctl = {"kernel.no_such_knob": "1"}'
  run_bundle
  [ "$status" -ne 0 ]
  [[ $output == *"kernel.no_such_knob"* ]]
}

@test "config: seccomp: default action, syscalls with argument conditions, errnoRet, flags" {
  config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
                 {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
  cmd sh -c 'mkdir /dev/shm/d 2>&1; kill -0 $$ && echo kill0-ok; kill -USR1 $$ 2>&1 || echo usr1-refused'
  run_bundle
  [[ ${lines[0]} == *"Function not implemented"* ]]
  [ "${lines[1]}" = kill0-ok ]
  [[ $output == *"usr1-refused"* ]]
  config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_BOGUS"]}'
  run_bundle
  [ "$status" -ne 0 ]
  [[ $output == *"SCMP_ARCH_BOGUS"* ]]
  config '.linux.seccomp = {"defaultAction": "SCMP_ACT_WHATEVER"}'
  run_bundle
  [ "$status" -ne 0 ]
  [[ $output == *"SCMP_ACT_WHATEVER"* ]]
}

@test "config: maskedPaths and readonlyPaths" {
  cmd sh -c 'wc -c < /proc/keys; ls /proc/acpi | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo sys-ro; grep " /proc/sys " /proc/self/mountinfo'
  run_bundle
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = sys-ro ]
  [[ ${lines[3]} == *" ro,"* ]]
}

@test "config: rootfsPropagation and personality" {
  config '.linux.rootfsPropagation = "shared" | .linux.personality = {"domain": "LINUX32"}'
  cmd sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo; uname -m'
  run_bundle
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == *shared:* ]]
  [ "${lines[1]}" = i686 ]
}

@test "config: consoleSize sets the terminal's size" {
  config '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
  cmd stty size
  "$HULL_RECVTTY" "$RT_TEST_DIR/console.sock" > "$RT_TEST_DIR/tty.out" &
  recv=$!
  wait_for [ -S "$RT_TEST_DIR/console.sock" ]
  rt run -b "$BUNDLE" --console-socket "$RT_TEST_DIR/console.sock" c1 > "$RT_TEST_DIR/run.out"
  wait "$recv"
  [ ! -s "$RT_TEST_DIR/run.out" ]
  grep -q '30 100' "$RT_TEST_DIR/tty.out"
}

hook() {
  printf '{"path": "%s", "args": ["hook", "%s"%s]}' "$RT_TEST_DIR/hook.sh" "$1" "${2:-}"
}

@test "config: hooks run in order with the state on stdin" {
  cat > "$RT_TEST_DIR/hook.sh" <<EOS
#!/bin/sh
read -r state
echo "\$1 \$(echo "\$state" | jq -c '[.id, .status, .bundle, .annotations.a, (.pid > 0)]')" >> $RT_TEST_DIR/hooks.log
EOS
  chmod +x "$RT_TEST_DIR/hook.sh"
  config ".annotations = {\"a\": \"b\"} | .hooks = {
    \"prestart\": [$(hook prestart)], \"createRuntime\": [$(hook createRuntime)],
    \"createContainer\": [$(hook createContainer)],
    \"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo startContainer-in-container > /dev/shm/sc\"]}],
    \"poststart\": [$(hook poststart)], \"poststop\": [$(hook poststop)]}"
  cmd sh -c 'cat /dev/shm/sc; sleep 1000'
  rt create -b "$BUNDLE" c1 > "$RT_TEST_DIR/out"
  [ "$(wc -l < "$RT_TEST_DIR/hooks.log")" -eq 3 ]
  rt start c1
  wait_for grep -q startContainer-in-container "$RT_TEST_DIR/out"
  rt delete -f c1
  run cat "$RT_TEST_DIR/hooks.log"
  [ "${lines[0]}" = "prestart [\"c1\",\"creating\",\"$BUNDLE\",\"b\",true]" ]
  [ "${lines[1]}" = "createRuntime [\"c1\",\"creating\",\"$BUNDLE\",\"b\",true]" ]
  [ "${lines[2]}" = "createContainer [\"c1\",\"creating\",\"$BUNDLE\",\"b\",true]" ]
  [ "${lines[3]}" = "poststart [\"c1\",\"running\",\"$BUNDLE\",\"b\",true]" ]
  [ "${lines[4]}" = "poststop [\"c1\",\"stopped\",\"$BUNDLE\",\"b\",false]" ]
}

@test "config: a failing or slow hook fails the create and leaves nothing" {
  config '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
  cmd true
  run rt create -b "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ $output == *"hook createRuntime[0] /bin/false: exit status 1"* ]]
  [ ! -d "$RT_ROOT/c1" ]
  config '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}'
  run rt create -b "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ $output == *"timed out"* ]]
  [ ! -d "$RT_ROOT/c1" ]
}
