#!/usr/bin/env bash
# The main job: builds gst-ffcapture (installing what it needs) and runs the
# field recorder's triple stream (raw + processed segments + live Opus to a
# local icecast2) from a mock source: no sound hardware, ends by itself.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh
export GST_PLUGIN_PATH="$top/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec /usr/bin/python3 scripts/demo.py "${1:-$top/_demo}"
