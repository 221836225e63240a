#!/usr/bin/env bash
# Runs besteffortsink's element tests (elements_besteffortsink) N times under
# valgrind memcheck, exactly as scripts/valgrind.sh runs them (same options,
# suppressions and environment), two at a time. Stops at the first failure
# or hang (a run taking longer than FFC_STRESS_TIMEOUT seconds, default 600)
# and prints a summary line; the logs of a failed run are kept.
#
#   bash scripts/stress-besteffortsink.sh [N]      (N defaults to 50)
#
# Environment: FFC_STRESS_JOBS (runs at a time, default 2),
# FFC_STRESS_TIMEOUT (seconds per run, default 600), FFC_STRESS_TEST (the
# test, default elements_besteffortsink).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
runs=${1:-50}
jobs=${FFC_STRESS_JOBS:-2}
per_run=${FFC_STRESS_TIMEOUT:-600}
test_name=${FFC_STRESS_TEST:-elements_besteffortsink}
bash scripts/setup.sh >/dev/null || exit 1

supp=(--suppressions=/usr/share/glib-2.0/valgrind/glib.supp
      --suppressions="$top/tests/valgrind/ffcapture.supp")
export G_SLICE=always-malloc G_DEBUG=gc-friendly
export CK_FORK=no GST_REGISTRY_FORK=no CK_DEFAULT_TIMEOUT=600
wrapper="valgrind -q --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --error-exitcode=1 --num-callers=40 \
    ${supp[*]}"

logs=$(mktemp -d "${TMPDIR:-/tmp}/stress-besteffortsink-XXXXXX")
started=$(date +%s)
passed=0 failed=0 hung=0 next=1
declare -A pids=()

# one run; its exit status: 0 pass, 124 (or 137) hang, else failure
one_run() {
  local i=$1
  timeout --kill-after=10 "$per_run" \
    meson test -C build --no-rebuild --num-processes 1 \
      --timeout-multiplier 4 --print-errorlogs \
      --logbase "stress-$$-$i" --wrapper "$wrapper" "$test_name" \
      >"$logs/run-$i.log" 2>&1
}

finish() {
  local status=$1 i=$2
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    rm -f "$logs/run-$i.log" "build/meson-logs/stress-$$-$i"-*
    return 0
  fi
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    hung=$((hung + 1))
    echo "stress: run $i hung (no end within ${per_run} s): $logs/run-$i.log"
  else
    failed=$((failed + 1))
    echo "stress: run $i failed: $logs/run-$i.log," \
      "build/meson-logs/stress-$$-$i-valgrind.txt"
  fi
  return 1
}

stop=0
while [ "$stop" -eq 0 ] && { [ "$next" -le "$runs" ] || [ ${#pids[@]} -gt 0 ]; }; do
  while [ "$stop" -eq 0 ] && [ "$next" -le "$runs" ] \
        && [ ${#pids[@]} -lt "$jobs" ]; do
    one_run "$next" &
    pids[$!]=$next
    next=$((next + 1))
  done
  wait -n -p done_pid
  status=$?
  i=${pids[$done_pid]}
  unset "pids[$done_pid]"
  finish "$status" "$i" || stop=1
done
# after a failure, let the runs still going end (and count them)
for pid in "${!pids[@]}"; do
  wait "$pid"
  finish $? "${pids[$pid]}" || true
done

elapsed=$(($(date +%s) - started))
total=$((passed + failed + hung))
echo "stress-besteffortsink: $total runs of $test_name under valgrind," \
  "$passed passed, $failed failed, $hung hung, ${elapsed} s" \
  "($((elapsed / 60)) min $((elapsed % 60)) s)"
[ "$failed" -eq 0 ] && [ "$hung" -eq 0 ] && rmdir "$logs" 2>/dev/null
[ "$failed" -eq 0 ] && [ "$hung" -eq 0 ]
