#!/usr/bin/env bash
# Install the Debian packages hull needs to build, test and benchmark.
# Idempotent and quick when nothing is missing: apt runs only for what is.
set -euo pipefail

packages=(
  # build
  gcc libc6-dev meson ninja-build pkg-config
  libjansson-dev libarchive-dev libseccomp-dev libcap-dev nettle-dev
  libmnl-dev libnftables-dev libcurl4-openssl-dev
  # the built-in busybox image is made from this at build time
  busybox-static
  # tests
  libcmocka-dev bats jq procps util-linux iproute2
  # images, registries and hull-runtime are tested against the real tools:
  # images made and read by podman, skopeo and umoci; podman and containerd
  # driving hull-runtime; a local docker-registry (htpasswd for its auth)
  podman skopeo umoci containerd docker-registry apache2-utils
  python3 zstd gzip curl
  # network.bats reads hull's table back (hull itself never runs nft)
  nftables
  # tests/integration/volumes.bats: xattrs kept by the copy into a new volume
  attr
  # tests/vm: boot Debian's kernel under qemu (TCG) with pure cgroup v2 and
  # pure v1, in an initramfs made with cpio
  qemu-system-x86 cpio
  # benchmarks: the peers hull is measured against
  hyperfine crun runc time
  # bench/images.sh: a Debian minbase rootfs to import and load
  debootstrap
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A failing index (a mirror hiccup, or apt's own temp files on a host whose
  # /tmp is not world-writable) must not stop the install from the lists
  # that did update.
  apt-get update -qq || echo "deps: apt-get update reported errors; installing from the lists there are" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
