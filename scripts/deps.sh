#!/usr/bin/env bash
# Install the Debian packages hull needs to build, test and benchmark.
# Idempotent and quick when nothing is missing: apt runs only for what is.
set -euo pipefail

packages=(
  # build
  gcc libc6-dev meson ninja-build pkg-config
  libjansson-dev libarchive-dev libseccomp-dev libcap-dev nettle-dev
  libmnl-dev libnftables-dev
  # the built-in busybox image is made from this at build time
  busybox-static
  # tests
  libcmocka-dev bats jq procps util-linux iproute2
  # tests/integration/images.bats: the tools images come from and go to
  podman skopeo umoci python3 zstd gzip
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
  # registries: libcurl for hull-registry.so; a registry, peers and tools for
  # tests/integration/registry.bats and bench/registry.sh
  libcurl4-openssl-dev docker-registry skopeo podman umoci apache2-utils python3 curl
  # hull-runtime's tests: the engines that drive it
  podman containerd
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
