#!/usr/bin/env bash
# Soak test (not part of the test suite): an hour of 384 kHz audio at 4x
# real time with an ffmpeg kill every minute of audio; see tests/bench/soak.py.
#   bash scripts/soak.sh                 # 60 min of audio, about 15 min
#   SOAK_MINUTES=4 bash scripts/soak.sh  # a short run
# SOAK_SPEED (4), SOAK_DIR (where segments go, $TMPDIR), SOAK_RSS_SLACK_KIB.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh >/dev/null
GST_PLUGIN_PATH="$top/build/gst" exec /usr/bin/python3 tests/bench/soak.py "$@"
