#!/usr/bin/env bash
# Builds gst-ffcapture (installing what it needs) and runs the whole test suite.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh

set +e
meson test -C build --print-errorlogs --num-processes 2 "$@" | tee build/meson-test.out
rc=${PIPESTATUS[0]}
set -e

# One closing line any CI can read.
ok=$(awk '/^Ok:/ {print $2}' build/meson-test.out)
fail=$(awk '/^Fail:/ {print $2}' build/meson-test.out)
skip=$(awk '/^Skipped:/ {print $2}' build/meson-test.out)
timeout_n=$(awk '/^Timeout:/ {print $2}' build/meson-test.out)
echo "${ok:-0} passed, $(( ${fail:-0} + ${timeout_n:-0} )) failed, ${skip:-0} skipped"
exit "$rc"
