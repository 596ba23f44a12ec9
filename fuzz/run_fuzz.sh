#!/usr/bin/env bash
# run_fuzz.sh TARGET WORKDIR SECONDS SEED_DIR_OR_FILE... : a short libFuzzer run for CI.
# Seeds are copied into a fresh working corpus so the source tree is never written.
set -euo pipefail
target=$1; work=$2; seconds=$3; shift 3
rm -rf "$work"; mkdir -p "$work"
for seed in "$@"; do
  if [ -d "$seed" ]; then
    find "$seed" -maxdepth 1 -type f -size -1M -exec cp {} "$work/" \;
  elif [ -f "$seed" ]; then
    cp "$seed" "$work/"
  fi
done
exec "$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work"
