#!/usr/bin/env bash
# bench/firmware/run.sh [KENSA_BINARY]
# kensa's full firmware analysis (extraction, every check, SBOM, CVE match) against binwalk -Me
# extraction alone, on the same real images, in one run. Prints wall time, files recovered and peak
# RSS per tool and the ratios. Needs binwalk (Debian) and GNU time; the images are read in place
# from ../shared/data/firmware.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kensa=${1:-$root/build/release/cli/kensa}
data=$root/../shared/data/firmware
runs=${RUNS:-3}
if [ ! -x "$kensa" ]; then
  echo "building release kensa" >&2
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target kensa >/dev/null)
fi
for tool in binwalk /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps/firmware.txt)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/kensa-fw-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$kensa" cve import --db "$work/cve.sqlite" "$data"/cve/nvd-api2__*.json "$data"/cve/cve5__*.json >/dev/null

# Best-of-N by CPU time (user+sys, children included: binwalk runs unsquashfs, sasquatch, 7z...),
# with that run's wall time and peak RSS. CPU time is the fair measure on a shared machine; wall
# time is printed too.
measure() {  # measure OUTDIR cmd...  → "cpu wall rss_kib"
  local out=$1; shift
  local best="" wall="" rss=""
  for _ in $(seq "$runs"); do
    rm -rf "$out"; mkdir -p "$out"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || true
    read -r w u s kib < <(tail -1 "$work/time")
    local cpu
    cpu=$(awk "BEGIN{printf \"%.2f\", $u + $s}")
    if [ -z "$best" ] || awk "BEGIN{exit !($cpu < $best)}"; then best=$cpu; wall=$w; rss=$kib; fi
  done
  echo "$best $wall $rss"
}

printf '%-32s | %-34s | %-34s | %s\n' "" "binwalk -Me (extraction only)" "kensa firmware (full analysis)" "kensa vs binwalk"
printf '%-32s | %6s %6s %7s %6s %6s | %6s %6s %7s %6s %6s | %7s %7s %7s\n' image "cpu s" "wall s" "RSS MiB" files entries \
  "cpu s" "wall s" "RSS MiB" files entries "cpu ×" "wall ×" "entries×"
for image in tplink-mt7628-rootfs.squashfs tplink-mt7628-kernel.bin esp32s3-buildroot-rootfs.cramfs esp32s3-buildroot-etc.jffs2; do
  [ -f "$data/$image" ] || { echo "missing $data/$image" >&2; exit 1; }
  cp "$data/$image" "$work/$image"  # binwalk writes beside its input's name; keep ../shared untouched
  read -r bw_cpu bw_wall bw_rss < <(measure "$work/bw" binwalk -Me --run-as=root -q -C "$work/bw" "$work/$image")
  bw_files=$(find "$work/bw" -type f | wc -l)
  bw_entries=$(find "$work/bw" -mindepth 1 ! -type d | wc -l)  # files and links, as kensa counts
  read -r k_cpu k_wall k_rss < <(measure "$work/k" "$kensa" firmware "$work/$image" --extract "$work/k" \
    --cve-db "$work/cve.sqlite" --sbom "$work/sbom.json" -o "$work/findings.json" --json)
  k_files=$(find "$work/k" -type f | wc -l)
  k_entries=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for _ in []) + d['files_extracted'])" "$work/stdout" 2>/dev/null || echo 0)
  ratio() { awk "BEGIN{printf \"%.1f\", $1 / ($2 > 0 ? $2 : 0.01)}"; }
  printf '%-32s | %6s %6s %7.1f %6s %6s | %6s %6s %7.1f %6s %6s | %6sx %6sx %7sx\n' "$image" \
    "$bw_cpu" "$bw_wall" "$(awk "BEGIN{print $bw_rss/1024}")" "$bw_files" "$bw_entries" \
    "$k_cpu" "$k_wall" "$(awk "BEGIN{print $k_rss/1024}")" "$k_files" "$k_entries" \
    "$(ratio "$bw_cpu" "$k_cpu")" "$(ratio "$bw_wall" "$k_wall")" "$(ratio "$k_entries" "$bw_entries")"
done
echo "(best of $runs runs by CPU time; kensa = extraction + all checks + SBOM + CVE match, writing the"
echo " extracted tree like binwalk; entries = files + links (+ dirs for kensa's filesystem entries))"
