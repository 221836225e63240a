#!/usr/bin/env bash
# Runs the unit and element tests under valgrind memcheck: any invalid access
# or definite leak fails. Suppressions: GLib's glib.supp and
# tests/valgrind/ffcapture.supp (each entry explained there).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh >/dev/null
supp=(--suppressions=/usr/share/glib-2.0/valgrind/glib.supp
      --suppressions="$top/tests/valgrind/ffcapture.supp")
export G_SLICE=always-malloc G_DEBUG=gc-friendly
# one process: no fork for gst-check, in-process plugin scan
export CK_FORK=no GST_REGISTRY_FORK=no CK_DEFAULT_TIMEOUT=600
meson test -C build --suite unit --suite check --num-processes 1 \
  --timeout-multiplier 4 --print-errorlogs \
  --wrapper "valgrind -q --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --error-exitcode=1 --num-callers=40 \
    ${supp[*]}" "$@"
