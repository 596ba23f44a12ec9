#!/usr/bin/env bash
# The test command (README, .ci/run): installs dependencies, builds once with clang +
# AddressSanitizer + UndefinedBehaviorSanitizer (the `asan` preset, which also builds the libFuzzer
# targets), then runs every test: unit, golden, end-to-end, lab and short fuzz runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
preset=${KENSA_PRESET:-asan}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --preset "$preset" -j "$(nproc)" --timeout 600
