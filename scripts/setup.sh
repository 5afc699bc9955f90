#!/usr/bin/env bash
# Quick start, step one: install what is needed, build, install hull, and
# run a container from the built-in busybox image.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "setup: run as root" >&2; exit 1; }
scripts/deps.sh
scripts/build.sh build --prefix=/usr/local
meson install -C build --quiet >/dev/null
hull run --rm busybox echo "hello from a hull container"
