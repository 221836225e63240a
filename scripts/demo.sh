#!/usr/bin/env bash
# The main job: builds gst-ffcapture (installing what it needs) and runs the
# live capture demo, which needs no sound hardware and ends by itself.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bash scripts/setup.sh
export GST_PLUGIN_PATH="$top/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
exec /usr/bin/python3 scripts/demo.py "${1:-$top/_demo}"
