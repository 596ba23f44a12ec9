#!/usr/bin/env bash
# Scale benchmark of `kensa risk` (load + rate + threats + requirement set + attack paths + blast
# radius + JSON output) on generated models, side by side with the NetworkX anchor doing only the
# graph step on the same file. Not a ctest: run by hand, numbers go in the report.
#
#   bash bench/risk/run.sh [BUILD_DIR=build/release] [SIZES="1000 10000 100000"]
#
# Prints one line per size: CPU seconds (user+sys; the machine is shared, so wall time is noisy),
# wall seconds and peak RSS of kensa and of the anchor, and the CPU-time ratio anchor/kensa.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build/release}
sizes=${2:-"1000 10000 100000"}
kensa=$build/cli/kensa
[ -x "$kensa" ] || { echo "no $kensa: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
python3 -c 'import networkx' 2>/dev/null || { echo "needs python3-networkx" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-9s %-9s %-11s %-9s %-9s %-12s %-9s %-10s %-7s %s\n' components flows kensa_cpu_s wall_s kensa_MB anchor_cpu_s wall_s anchor_MB ratio paths
for n in $sizes; do
  python3 "$here/gen_model.py" "$n" > "$work/m.json"
  flows=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['connections']))" "$work/m.json")
  /usr/bin/time -f '%e %U %S %M' -o "$work/k.time" "$kensa" risk "$work/m.json" --json > "$work/k.json"
  read -r kw ku kss kkb < "$work/k.time"
  ks=$(python3 -c "print(f'{$ku+$kss:.2f}')")
  paths=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['attack_paths']))" "$work/k.json")
  /usr/bin/time -f '%e %U %S %M' -o "$work/a.time" python3 "$here/anchor_networkx.py" "$work/m.json" > "$work/a.json"
  read -r aw au ass akb < "$work/a.time"
  as=$(python3 -c "print(f'{$au+$ass:.2f}')")
  apaths=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['paths'])" "$work/a.json")
  # kensa also enters through common-mode siblings of exposed devices, which the anchor does not
  # model, so it may find a few more paths; never fewer.
  [ "$paths" -ge "$apaths" ] || echo "error: kensa found $paths attack paths, the anchor $apaths" >&2
  ratio=$(python3 -c "print(f'{$as/max($ks,0.01):.1f}x')")
  printf '%-9s %-9s %-11s %-9s %-9s %-12s %-9s %-10s %-7s %s\n' "$n" "$flows" "$ks" "$kw" "$((kkb / 1024))" "$as" "$aw" "$((akb / 1024))" "$ratio" "$paths"
done
