#!/usr/bin/env bash
# The issue's drift case (not part of the test suite): a device 50 ppm fast
# (384019 Hz relabelled as 384000 Hz) for 10 minutes; every segment's start
# time within 1 ms of the truth, where counting samples would be 30 ms off.
#   bash tests/bench/run-drift.sh [rate in Hz] [seconds]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
bash scripts/setup.sh >/dev/null
export FFC_DRIFT_RATE=${1:-384019} FFC_DRIFT_SECONDS=${2:-601}
GST_PLUGIN_PATH_1_0="$top/build/gst" exec /usr/bin/python3 \
  tests/integration/test_time.py drift
