#!/usr/bin/env bash
# tests/vm/run.sh MODE [BATS_FILE...]
#
# Boot Debian 12's own kernel (linux-image-amd64, never installed on this
# host) under qemu/TCG with a generated initramfs holding hull's build, bash,
# bats and busybox, mount the cgroup filesystem the way MODE asks, run bats
# files inside the guest and print the guest's TAP here.
#
#   MODE v2: cgroup2 only, at /sys/fs/cgroup, kernel booted with
#            cgroup_no_v1=all so every controller is on the v2 tree.
#   MODE v1: one cgroup v1 mount per controller under a tmpfs /sys/fs/cgroup
#            (cpu,cpuacct and net_cls,net_prio combined, plus name=systemd),
#            no cgroup2 mount anywhere.
#
# BATS_FILEs are paths relative to the repository; the default is
# tests/vm/smoke.bats followed by tests/integration/cgroups.bats and
# exec.bats.  The smoke file always runs first.
#
# Environment:
#   HULL_BUILD      hull build dir (default: <repo>/build)
#   HULL_VM_CACHE   kernel .deb and extracted tree (default /var/cache/hull-vm)
#   HULL_VM_TIMEOUT seconds before qemu is killed (default 900)
#   HULL_VM_BOOT_WAIT seconds for the guest to start its tests before it is
#                   booted once more (default 240)
#   HULL_VM_MODULES extra kernel modules to load in the guest
#   HULL_VM_PACKAGES extra Debian packages whose programs go into the guest
#   HULL_VM_BINS    extra host programs to copy into the guest (with libraries)
#   HULL_VM_KEEP=1  keep the work dir (initramfs, console log) and say where
#
# Exit status 0 only if the guest reported a TAP plan and no "not ok".  When
# the guest did not report (panic, timeout) a "not ok" line says why.
# Without qemu-system-x86_64, or without the kernel package, prints one
# skipped test and exits 0.
set -uo pipefail

mode=${1:-}
case $mode in
v1|v2) shift ;;
*) echo "usage: $0 v1|v2 [BATS_FILE...]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${HULL_BUILD:-$repo/build}" 2>/dev/null && pwd) || build=${HULL_BUILD:-$repo/build}
cache=${HULL_VM_CACHE:-/var/cache/hull-vm}
# The guest's userland: busybox, then these Debian packages' programs over
# it, then these programs (awk is Debian's mawk; jq for the tests).
guest_packages="coreutils grep sed findutils procps util-linux bsdutils mount ${HULL_VM_PACKAGES:-}"
guest_bins="awk jq ${HULL_VM_BINS:-}"
vm_timeout=${HULL_VM_TIMEOUT:-900}
t_start=$SECONDS

skip() { echo "1..1"; echo "ok 1 # skip $*"; exit 0; }
fail() { echo "1..1"; echo "not ok 1 - vm cgroup $mode: $*"; exit 1; }
note() { echo "# vm: $*"; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
for t in cpio gzip dpkg-deb ldd; do
  command -v "$t" >/dev/null || skip "$t not installed"
done

# The tests: the smoke test first, then the ones asked for.
tests=(tests/vm/smoke.bats)
if (($#)); then
  for f in "$@"; do [[ $f == tests/vm/smoke.bats ]] || tests+=("$f"); done
else
  # The cgroup tests, and exec/pause, which join and freeze cgroups.
  for f in tests/integration/cgroups.bats tests/integration/exec.bats; do
    [[ -f $repo/$f ]] && tests+=("$f")
  done
fi
for f in "${tests[@]}"; do
  [[ -f $repo/$f ]] || fail "no test file $f"
done

for f in src/cli/hull src/image/hull-archive.so src/init/hull-init tools/busybox.tar; do
  [[ -f $build/$f ]] || fail "hull build incomplete: no $build/$f (run scripts/build.sh)"
done

# ---------------------------------------------------------------- kernel
# Debian's kernel package: resolve the ABI package that linux-image-amd64
# points at, download it once, extract it once.  Everything lives under
# $cache; a lock keeps concurrent runs from extracting twice.
kernel_tree() {
  mkdir -p "$cache" || return 1
  exec 9>"$cache/.lock"
  flock 9
  local pkg ver dir
  resolve() {
    apt-cache depends linux-image-amd64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
  }
  pkg=$(resolve)
  if [[ -z $pkg ]] && ! ls -d "$cache"/linux-image-*/.done >/dev/null 2>&1; then
    # No package lists yet (a fresh container image): fetch them once.
    apt-get update -qq >"$cache/download.log" 2>&1
    pkg=$(resolve)
  fi
  if [[ -n $pkg ]]; then
    ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
    dir=$cache/$pkg-$ver
    if [[ ! -f $dir/.done ]]; then
      local deb
      deb=$(ls "$cache/${pkg}_${ver/:/%3a}_amd64.deb" 2>/dev/null)
      if [[ -z $deb ]]; then
        (cd "$cache" && apt-get download "$pkg=$ver") >"$cache/download.log" 2>&1
        deb=$(ls "$cache/${pkg}_${ver/:/%3a}_amd64.deb" 2>/dev/null)
      fi
      if [[ -n $deb ]]; then
        rm -rf "$dir"
        # The package has no modules.dep (its postinst runs depmod).
        if mkdir -p "$dir" && dpkg-deb -x "$deb" "$dir" &&
           busybox depmod -b "$dir" "$(basename "$dir"/lib/modules/*)"; then
          touch "$dir/.done"
        else
          rm -rf "$dir"
        fi
        if [[ -f $dir/.done ]]; then
          # One kernel in the cache: drop the ones the archive moved on from.
          local old
          for old in "$cache"/linux-image-*; do
            [[ $old == "$dir" || $old == "$deb" ]] || rm -rf "$old"
          done
        fi
      fi
    fi
  fi
  # Offline, or the archive moved on: fall back on the newest tree cached.
  if [[ -z ${dir:-} || ! -f $dir/.done ]]; then
    dir=$(ls -d "$cache"/linux-image-*/.done 2>/dev/null | sort -V | tail -n 1)
    dir=${dir%/.done}
  fi
  exec 9>&-
  [[ -n $dir ]] && echo "$dir"
}

command -v busybox >/dev/null || skip "busybox not installed (needed for depmod and the guest)"
ktree=$(kernel_tree) ||
  skip "cannot get Debian's kernel package: $(tail -n 1 "$cache/download.log" 2>/dev/null)"
[[ -n $ktree ]] ||
  skip "cannot get Debian's kernel package: $(tail -n 1 "$cache/download.log" 2>/dev/null)"
vmlinuz=$(ls "$ktree"/boot/vmlinuz-* | head -n 1)
kver=$(basename "$ktree"/lib/modules/*)
moddir=$ktree/lib/modules/$kver

# ---------------------------------------------------------------- initramfs
work=$(mktemp -d "${TMPDIR:-/tmp}/hull-vm.XXXXXX") || fail "mktemp"
qpid=
cleanup() {
  [[ -n $qpid ]] && kill "$qpid" 2>/dev/null
  if [[ ${HULL_VM_KEEP:-} == 1 ]]; then echo "# vm: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
root=$work/root
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,tmp,run,etc,newroot,hull,var/lib,root}
# Debian 12 layout: merged /usr.
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done

# Copy a host file to the same path in the guest, resolving symlinks (and
# replacing a busybox applet link of that name).
put() {
  local src=$1 dst=${2:-$1}
  mkdir -p "$root$(dirname "$dst")" && rm -f "$root$dst" && cp -L "$src" "$root$dst"
}
# A dynamically linked file and every library it needs.
put_elf() {
  put "$1" "${2:-$1}" || return 1
  local lib
  for lib in $(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
    [[ -e $root$lib ]] || put "$lib" || return 1
  done
}

userland() {
  local a f pkg files b p
  put /bin/busybox /usr/bin/busybox || return 1
  for a in $(busybox --list); do
    [[ -e $root/usr/bin/$a ]] || ln -s busybox "$root/usr/bin/$a" || return 1
  done
  put_elf /bin/bash /usr/bin/bash || return 1
  # Debian's own userland over busybox's applets, so that the tests see the
  # tools a Debian host has (busybox stat, for one, does not know cgroup2fs).
  for pkg in $guest_packages; do
    files=$(dpkg -L "$pkg") || { echo "package $pkg is not installed" >&2; return 1; }
    for f in $files; do
      if [[ $f == */bin/* || $f == */sbin/* ]] && [[ -f $f && -x $f ]]; then
        put_elf "$f" || return 1
      fi
    done
  done
  for b in $guest_bins; do
    p=$(command -v "$b") || { echo "no $b on this host" >&2; return 1; }
    put_elf "$p" || return 1
  done
  # bats, as Debian packages it.
  files=$(dpkg -L bats) || return 1
  for f in $files; do
    if [[ -f $f && $f != /usr/share/* ]]; then put "$f" || return 1; fi
  done
}
userland || fail "could not assemble the guest's programs"

# hull's build, keeping its relative layout under /hull/build.
{
  put_elf "$build/src/cli/hull" /hull/build/src/cli/hull &&
    put_elf "$build/src/image/hull-archive.so" /hull/build/src/image/hull-archive.so &&
    put_elf "$(ldconfig -p | awk '/libnftables\.so\.1 / {print $NF; exit}')" &&
    put "$build/src/init/hull-init" /hull/build/src/init/hull-init &&
    put "$build/tools/busybox.tar" /hull/build/tools/busybox.tar
} || fail "could not copy hull's build from $build"

# The tests, with their relative layout (helpers.bash next to them).
mkdir -p "$root/hull/tests/integration" "$root/hull/tests/vm"
cp -a "$repo"/tests/integration/. "$root/hull/tests/integration/"
cp -a "$repo"/tests/vm/*.bats "$root/hull/tests/vm/"
for f in "${tests[@]}"; do
  mkdir -p "$root/hull/$(dirname "$f")" && cp "$repo/$f" "$root/hull/$f"
done
printf '%s\n' "${tests[@]}" >"$root/etc/hull-vm-tests"

# Kernel modules and their dependencies, in load order, from modules.dep.
# overlay: hull's rootfs.  Everything else a container run needs (namespaces,
# seccomp, cgroups, tmpfs, devpts, mqueue) is built into Debian's kernel.
: >"$root/etc/hull-vm-modules"
declare -A loaded=()
add_module() {
  local name=${1//-/_} line path dep
  line=$(awk -v n="$name" '{ m = $1; sub(/:$/, "", m); b = m; sub(/.*\//, "", b);
           sub(/\.ko(\.[a-z]+)?$/, "", b); gsub(/-/, "_", b); if (b == n) { print; exit } }' \
           "$moddir/modules.dep")
  if [[ -z $line ]]; then
    grep -qE "/${1}\.ko" "$moddir/modules.builtin" && return 0
    echo "no module $1 in $kver" >&2; return 1
  fi
  path=${line%%:*}
  [[ -n ${loaded[$path]:-} ]] && return 0
  # modules.dep lists dependencies so that the last one loads first.
  local deps i
  read -ra deps <<<"${line#*:}"
  for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
    dep=$(basename "${deps[i]}"); add_module "${dep%%.ko*}" || return 1
  done
  local dst=/usr/lib/modules/$kver/${path%.ko*}.ko
  mkdir -p "$root$(dirname "$dst")"
  case $path in
  *.ko) cp "$moddir/$path" "$root$dst" ;;
  *.ko.xz) xz -dc "$moddir/$path" >"$root$dst" ;;
  *.ko.zst) zstd -qdc "$moddir/$path" >"$root$dst" ;;
  *.ko.gz) gzip -dc "$moddir/$path" >"$root$dst" ;;
  esac || return 1
  loaded[$path]=1
  echo "$dst" >>"$root/etc/hull-vm-modules"
}
# bridge, veth and nf_tables with NAT: the default bridge network (libcrc32c,
# which conntrack needs, asks the crypto API for crc32c when it loads).
for m in overlay bridge veth crc32c_generic nf_tables nft_chain_nat nft_nat nft_masq nft_ct nft_fib_ipv4 ${HULL_VM_MODULES:-}; do
  add_module "$m" || fail "kernel module $m"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo "127.0.0.1 localhost hull-vm" >"$root/etc/hosts"
echo "$mode" >"$root/etc/hull-vm-mode"

install -m 755 "$repo/tests/vm/init.sh" "$root/init"
install -m 755 "$repo/tests/vm/init2.sh" "$root/init2"
# The kernel opens /dev/console for init before anything is mounted.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
   cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$work/initrd.gz" ||
  fail "could not build the initramfs"
t_built=$SECONDS

# ---------------------------------------------------------------- boot
append="console=ttyS0 quiet panic=-1 rdinit=/init hull.mode=$mode"
[[ $mode == v2 ]] && append+=" cgroup_no_v1=all"

log=$work/console.log
# A guest that never reaches its tests within boot_wait seconds is booted
# once more.  Seen here: SeaBIOS, then nothing at all until the 900 s
# timeout, in one boot of many, with the same kernel and initramfs that
# booted in seconds before and after.
boot_wait=${HULL_VM_BOOT_WAIT:-240}
for attempt in 1 2; do
  timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
    -accel tcg -cpu max -m 1024 -smp 2 -nographic -no-reboot -nic none \
    -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$append" \
    </dev/null >"$log" 2>&1 &
  qpid=$!
  started=
  for ((i = 0; i < boot_wait; i++)); do
    grep -q 'HULL-VM-TAP-BEGIN' "$log" && { started=1; break; }
    kill -0 "$qpid" 2>/dev/null || break
    sleep 1
  done
  if [[ -n $started ]] || ! kill -0 "$qpid" 2>/dev/null || ((attempt == 2)); then
    wait "$qpid"
    qrc=$?
    qpid=
    break
  fi
  note "the guest did not start its tests within ${boot_wait}s: booting it again"
  kill "$qpid" 2>/dev/null
  wait "$qpid" 2>/dev/null
  qpid=
  mv "$log" "$log.stalled"
done
t_end=$SECONDS

# ---------------------------------------------------------------- report
# Carriage returns, and the terminal resets SeaBIOS sends, out.
tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' >"$log.lf"
awk -v tap="$work/tap" -v rest="$work/rest" '
  /HULL-VM-TAP-BEGIN$/ {on = 1; next}
  /^HULL-VM-TAP-END$/ {on = 0; next}
  {print >(on ? tap : rest)}' "$log.lf"
touch "$work/tap" "$work/rest"
began=$(grep -c 'HULL-VM-TAP-BEGIN$' "$log.lf")
ended=$(grep -c '^HULL-VM-TAP-END$' "$log.lf")
boot=$(awk -F'[ =]' '/^# vm: booted in / {print $5}' "$log.lf" | head -n 1)

cat "$work/tap"
note "mode $mode, kernel $kver, initramfs $(du -k "$work/initrd.gz" | cut -f1) KiB built in $((t_built - t_start))s"
note "qemu ran $((t_end - t_built))s (guest boot to test start ${boot:-?}), total $((t_end - t_start))s"

problem=
if ((began == 0)); then
  problem="the guest never started its tests"
elif ((ended == 0)); then
  problem="the guest did not finish its tests"
elif ! grep -qE '^1\.\.[0-9]+' "$work/tap"; then
  problem="no TAP plan from the guest"
fi
if ((qrc == 124 || qrc == 137)); then
  problem="${problem:-the guest did not power off}: qemu killed after ${vm_timeout}s"
fi
# The "not ok" first, then the console as its diagnostics (scripts/test.sh
# shows the comment lines that follow a failure).
status=0
if [[ -n $problem ]]; then
  n=$(grep -cE '^(ok|not ok) ' "$work/tap")
  echo "not ok $((n + 1)) - vm cgroup $mode: $problem (qemu status $qrc)"
  status=1
elif grep -q '^not ok ' "$work/tap"; then
  status=1
fi
if ((status)); then
  echo "# vm: console outside the TAP (last 60 lines):"
  tail -n 60 "$work/rest" | sed 's/^/#   /'
fi
exit $status
