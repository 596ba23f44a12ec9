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

# best-of-N wall seconds and the peak RSS (KiB) of that run
measure() {  # measure NAME OUTDIR cmd...
  local name=$1 out=$2; shift 2
  local best="" rss=""
  for _ in $(seq "$runs"); do
    rm -rf "$out"; mkdir -p "$out"
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
    read -r secs kib < <(tail -1 "$work/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; rss=$kib; fi
  done
  echo "$best $rss"
}

printf '%-36s %10s %8s %9s | %10s %8s %9s | %7s %7s\n' image "binwalk s" files "RSS MiB" "kensa s" files "RSS MiB" speedup files×
for image in tplink-mt7628-rootfs.squashfs tplink-mt7628-kernel.bin esp32s3-buildroot-rootfs.cramfs; do
  [ -f "$data/$image" ] || { echo "missing $data/$image" >&2; exit 1; }
  cp "$data/$image" "$work/$image"  # binwalk writes beside its input's name; keep ../shared untouched
  read -r bw_s bw_rss < <(measure binwalk "$work/bw" binwalk -Me --run-as=root -q -C "$work/bw" "$work/$image")
  bw_files=$(find "$work/bw" -type f | wc -l)
  read -r k_s k_rss < <(measure kensa "$work/k" "$kensa" firmware "$work/$image" --extract "$work/k" \
    --cve-db "$work/cve.sqlite" --sbom "$work/k/sbom.json" -o "$work/k/findings.json")
  k_files=$(find "$work/k" -type f ! -name sbom.json ! -name findings.json | wc -l)
  speedup=$(awk "BEGIN{printf \"%.1f\", $bw_s / ($k_s > 0 ? $k_s : 0.01)}")
  ratio=$(awk "BEGIN{printf \"%.1f\", $k_files / ($bw_files > 0 ? $bw_files : 1)}")
  printf '%-36s %10s %8s %9.1f | %10s %8s %9.1f | %6sx %6sx\n' "$image" "$bw_s" "$bw_files" \
    "$(awk "BEGIN{print $bw_rss/1024}")" "$k_s" "$k_files" "$(awk "BEGIN{print $k_rss/1024}")" "$speedup" "$ratio"
done
echo "(best of $runs runs each; kensa = extraction + all checks + SBOM + CVE match, writing the tree like binwalk)"
