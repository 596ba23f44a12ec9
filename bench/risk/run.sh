#!/usr/bin/env bash
# Scale benchmark of `kensa risk` (load + rate + threats + requirement set + attack paths + blast
# radius + streamed JSON output) on generated models, side by side with the NetworkX anchor doing
# only the graph step on the same file. Not a ctest: run by hand, numbers go in the report.
#
#   bash bench/risk/run.sh [BUILD_DIR=build/release] [SIZES="10000 100000 1000000"] [RUNS=3]
#                          [ANCHOR_MAX=100000] [ANCHOR_RUNS=RUNS]
#
# Runs are interleaved (run 1 of every size, then run 2 ...) so that load from other users of a
# shared machine spreads over all sizes; each cell is the median of RUNS. Prints per size: CPU
# seconds (user+sys), wall seconds and peak RSS of kensa and of the anchor (sizes up to
# ANCHOR_MAX: NetworkX needs tens of GB beyond), the CPU ratio anchor/kensa, and the number of
# reachable safety-relevant targets both found.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build/release}
sizes=${2:-"10000 100000 1000000"}
runs=${3:-3}
anchor_max=${4:-100000}
anchor_runs=${5:-$runs}  # the anchor is slow: on a busy machine, fewer runs of it
# `kensa risk M --json`, or the same steps in risk_bench when only model/risk are built
# (cmake --build --preset release --target risk_bench).
if [ -x "$build/cli/kensa" ]; then
  kensa=("$build/cli/kensa" risk)
elif [ -x "$build/risk/risk_bench" ]; then
  kensa=("$build/risk/risk_bench")
else
  echo "no $build/cli/kensa or $build/risk/risk_bench: cmake --preset release && cmake --build --preset release" >&2
  exit 2
fi
json_flag=(); [ "${kensa[1]:-}" = risk ] && json_flag=(--json)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
python3 -c 'import networkx' 2>/dev/null || { echo "needs python3-networkx" >&2; exit 2; }
work=${BENCH_WORK:-$(mktemp -d)}
[ -n "${BENCH_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
for n in $sizes; do
  [ -s "$work/m$n.json" ] || python3 "$here/gen_model.py" "$n" > "$work/m$n.json" 2> "$work/m$n.counts"
done
for r in $(seq "$runs"); do
  for n in $sizes; do
    /usr/bin/time -f '%e %U %S %M' -o "$work/k$n.$r" "${kensa[@]}" "$work/m$n.json" "${json_flag[@]}" > "$work/k$n.json" 2> "$work/k$n.log"
    grep -o '"reachable_targets":[0-9]*' "$work/k$n.json" | cut -d: -f2 > "$work/k$n.targets"
    if [ "$n" -le "$anchor_max" ] && [ "$r" -le "$anchor_runs" ]; then
      /usr/bin/time -f '%e %U %S %M' -o "$work/a$n.$r" python3 "$here/anchor_networkx.py" "$work/m$n.json" > "$work/a$n.json"
    fi
  done
done
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# field: 1 wall, 2 cpu (user+sys), 3 peak RSS MB
stat() {  # prefix size field
  for r in $(seq "$runs"); do
    [ -s "$work/$1$2.$r" ] || continue
    awk -v f="$3" '{ if (f == 1) print $1; else if (f == 2) printf "%.2f\n", $2 + $3; else printf "%d\n", $4 / 1024 }' "$work/$1$2.$r"
  done | median
}
printf '%-10s %-9s | %-8s %-7s %-8s | %-8s %-7s %-8s | %-9s %s\n' components flows \
  kensa_cpu wall_s peak_MB anchor_cpu wall_s peak_MB cpu_ratio targets
for n in $sizes; do
  read -r _ flows < "$work/m$n.counts"
  kt=$(cat "$work/k$n.targets")
  if [ -s "$work/a$n.1" ]; then
    ac=$(stat a "$n" 2); aw=$(stat a "$n" 1); am=$(stat a "$n" 3)
    at=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['paths'])" "$work/a$n.json")
    [ "$kt" -ge "$at" ] || echo "error: kensa reached $kt safety-relevant targets, the anchor $at" >&2
    ratio=$(python3 -c "print(f'{$ac/max($(stat k "$n" 2),0.01):.1f}x')")
  else
    ac=-; aw=-; am=-; ratio=-; at=-
  fi
  printf '%-10s %-9s | %-8s %-7s %-8s | %-8s %-7s %-8s | %-9s %s/%s\n' "$n" "$flows" \
    "$(stat k "$n" 2)" "$(stat k "$n" 1)" "$(stat k "$n" 3)" "$ac" "$aw" "$am" "$ratio" "$kt" "$at"
done
