#!/usr/bin/env bash
# The whole test suite: builds gst-ffcapture (installing what it needs), runs
# every test with meson, then the unit and element tests again under
# AddressSanitizer and UndefinedBehaviorSanitizer and under valgrind
# memcheck, then each fuzz target for a bounded time. FFC_QUICK=1 runs the
# first part only.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh || exit 1

passed=0 failed=0 skipped=0
count() {   # meson's summary lines -> totals
  local out=$1
  passed=$((passed + $(awk '/^Ok:/ {print $2}' "$out" | tail -1)))
  failed=$((failed + $(awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $2} END {print s+0}' "$out")))
  skipped=$((skipped + $(awk '/^Skipped:/ {print $2}' "$out" | tail -1)))
}

status=0
echo "== tests"
meson test -C build --print-errorlogs --num-processes 2 "$@" | tee build/meson-test.out
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count build/meson-test.out

if [ -z "${FFC_QUICK:-}" ]; then
  echo "== tests under ASan and UBSan"
  bash scripts/sanitize.sh | tee build/sanitize.out
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count build/sanitize.out

  echo "== tests under valgrind memcheck"
  bash scripts/valgrind.sh | tee build/valgrind.out
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count build/valgrind.out

  echo "== fuzzing"
  bash scripts/fuzz.sh | tee build/fuzz.out
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  passed=$((passed + $(sed -n 's/^fuzz: \([0-9]*\) passed.*/\1/p' build/fuzz.out | tail -1)))
  failed=$((failed + $(sed -n 's/^fuzz: [0-9]* passed, \([0-9]*\) failed/\1/p' build/fuzz.out | tail -1)))
fi

# One closing line any CI can read.
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
