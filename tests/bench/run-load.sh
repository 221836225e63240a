#!/usr/bin/env bash
# Capture integrity under load (not part of the test suite).
#   bash tests/bench/run-load.sh [--seconds 120] [--dir /tmp]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
bash scripts/setup.sh >/dev/null
GST_PLUGIN_PATH="$top/build/gst" exec /usr/bin/python3 tests/bench/load.py "$@"
