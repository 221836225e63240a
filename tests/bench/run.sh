#!/usr/bin/env bash
# Runs the benchmarks (not part of the test suite): builds first.
#   bash tests/bench/run.sh [--rounds N] [--minutes M] [--contenders a,b,c]
#   bash tests/bench/run.sh --live [--rounds N] [--seconds S] [--jobs dual,triple] [--threads]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
bash scripts/setup.sh >/dev/null
exec /usr/bin/python3 tests/bench/bench.py --plugin-path "$top/build/gst" "$@"
