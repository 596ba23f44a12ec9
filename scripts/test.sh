#!/usr/bin/env bash
# The test command (README, .ci/run): installs dependencies, builds once with clang +
# AddressSanitizer + UndefinedBehaviorSanitizer (the `asan` preset, which also builds the libFuzzer
# targets), then runs every test: unit, golden, end-to-end, lab and short fuzz runs. The release
# `kensa` (GCC -O2, what the README's demo runs) is built first and the lab scan and the offline
# system assessment run with it too: a GCC-only miscompile is invisible to the clang build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
preset=${KENSA_PRESET:-asan}
other=  # KENSA_OTHER_BUILD=none skips the second build (quicker local runs)
if [ "${KENSA_OTHER_BUILD:-release}" != none ] && [ "$preset" != release ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target kensa
  other=$PWD/build/release/cli/kensa
fi
cmake --preset "$preset" -DKENSA_OTHER_BUILD="$other" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --preset "$preset" -j "$(nproc)" --timeout 600
