#!/usr/bin/env bash
# Quick start, step two: run every test.  Unit tests (cmocka, TAP) and
# integration tests (bats, TAP) against a normal build, then again against
# an ASan+UBSan build.  Ends with "N passed, N failed[, N skipped]" and
# exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "test: run as root" >&2; exit 1; }
scripts/deps.sh || exit 1

log=$(mktemp -d /tmp/hull-test.XXXXXX)
# The tests' containers go under the default cgroup parent, /hull.  The
# parent directories they make (one per hierarchy) go again at the end,
# unless they were there before (a user's containers may live in them).
had_parents=$(ls -d /sys/fs/cgroup/*/hull 2>/dev/null)
cleanup() {
  rm -rf "$log"
  [[ -n $had_parents ]] || rmdir /sys/fs/cgroup/*/hull 2>/dev/null || true
}
trap cleanup EXIT
status=0

# Every suite writes TAP; count its result lines.
run_tap() {
  local name=$1; shift
  "$@" >"$log/cur.tap" 2>&1
  local rc=$?
  local ok fail
  ok=$(grep -cE '^ok ' "$log/cur.tap")
  fail=$(grep -E '^not ok ' "$log/cur.tap" | grep -cvE '# (skip|SKIP)')
  echo "== $name: $ok ok, $fail not ok"
  # Show each failure with the diagnostics that follow it.
  awk '/^not ok / && !/# (skip|SKIP)/{show=1; print; next} /^(ok|not ok) /{show=0} show && /^#/' "$log/cur.tap"
  cat "$log/cur.tap" >>"$log/all.tap"
  if ((rc != 0)); then
    status=1
    if ((fail == 0)); then
      # A crash or sanitizer report without a failed test line still fails.
      tail -n 20 "$log/cur.tap"
      echo "not ok - $name exited with status $rc" >>"$log/all.tap"
    fi
  fi
}

suite() {
  local dir=$1
  for t in "$dir"/tests/unit/test_*; do
    [[ -x $t && ! $t == *.p ]] || continue
    run_tap "unit $(basename "$t") ($dir)" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
  done
  run_tap "integration ($dir)" env HULL="$PWD/$dir/src/cli/hull" bats --tap tests/integration
}

if ! scripts/build.sh build; then echo "build failed"; echo "0 passed, 1 failed"; exit 1; fi
suite build
run_tap "vm cgroup v2" tests/vm/run.sh v2
run_tap "vm cgroup v1" tests/vm/run.sh v1

if [[ ${HULL_SKIP_ASAN:-} != 1 ]]; then
  if ! scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
    echo "asan build failed"; echo "0 passed, 1 failed"; exit 1
  fi
  # Leaks are errors too; halt on the first UBSan report.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
  suite build-asan
fi

# TAP: a "# SKIP" directive makes a test skipped whether it says ok or not ok.
skipped=$(grep -cE '^(not )?ok .*# (skip|SKIP)' "$log/all.tap" || true)
passed=$(grep -E '^ok ' "$log/all.tap" | grep -cvE '# (skip|SKIP)' || true)
failed=$(grep -E '^not ok ' "$log/all.tap" | grep -cvE '# (skip|SKIP)' || true)
((failed == 0)) || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
