#!/usr/bin/env bash
# Configure (once) and build one build directory.
#   scripts/build.sh [DIR [MESON-OPTIONS...]]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [[ ! -f $dir/build.ninja ]]; then
  meson setup "$dir" "$@" >/dev/null
fi
# Quiet when it works; the compiler's errors when it does not.
if ! out=$(ninja -C "$dir" 2>&1); then
  printf '%s\n' "$out" >&2
  exit 1
fi
