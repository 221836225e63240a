#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into ./build-fuzz and runs
# each for FUZZ_SECONDS (default 45) on a copy of its seed corpus in
# tests/fuzz/corpus/. Long runs: FUZZ_SECONDS=3600 bash scripts/fuzz.sh.
# A crash leaves its input in build-fuzz/crashes/ and fails the script.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
seconds=${FUZZ_SECONDS:-45}
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzzing=true \
    -Db_sanitize=address,undefined -Db_lundef=false
fi
targets=$(sed -n "s/^  '\(fuzz-[a-z-]*\)',$/\1/p" tests/fuzz/meson.build)
ninja -C build-fuzz $(for t in $targets; do echo "tests/fuzz/$t"; done)

mkdir -p build-fuzz/crashes
passed=0 failed=0
for t in $targets; do
  corpus=build-fuzz/corpus/${t#fuzz-}
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"${t#fuzz-}"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $t for ${seconds}s"
  if build-fuzz/tests/fuzz/"$t" -max_total_time="$seconds" -max_len=65536 \
      -artifact_prefix=build-fuzz/crashes/"$t"- -print_final_stats=1 \
      "$corpus" > build-fuzz/"$t".log 2>&1; then
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" build-fuzz/"$t".log | tail -1
    passed=$((passed + 1))
  else
    tail -40 build-fuzz/"$t".log
    echo "fuzz: $t FAILED; input in build-fuzz/crashes/"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
