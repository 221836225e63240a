#!/usr/bin/env bash
# The triggergate benchmark (not part of the test suite): builds first.
#   bash tests/bench/run-trigger.sh [--rounds N] [--minutes M]
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
bash scripts/setup.sh >/dev/null
exec /usr/bin/python3 tests/bench/trigger.py --plugin-path "$top/build/gst" "$@"
