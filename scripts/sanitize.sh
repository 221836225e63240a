#!/usr/bin/env bash
# Builds the project with AddressSanitizer and UndefinedBehaviorSanitizer into
# ./build-asan and runs the unit and gst-check tests there. Any report fails.
# (The integration tests run external programs — python3, gst-inspect-1.0 —
# that cannot load an ASan-built plugin, so they run in the plain build.)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-asan
# Leaks are valgrind's job (scripts/valgrind.sh): GLib and GStreamer keep
# one-time allocations that LeakSanitizer cannot tell apart.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# scan plugins in-process: gst-plugin-scanner is not built with ASan
export GST_REGISTRY_FORK=no
meson test -C build-asan --print-errorlogs --num-processes 2 \
  --suite unit --suite check "$@"
