#!/usr/bin/env bash
# bench/firmware/run.sh [KENSA_BINARY]
# kensa's full firmware analysis (extraction, every check, SBOM, CVE match, writing the extracted
# tree) against binwalk -Me extraction alone, on the same real images, in one run. The two tools
# run interleaved (binwalk, kensa, binwalk, kensa, ...) so that a change in the machine's load hits
# both; each figure is the median of RUNS runs (default 5). Prints wall and CPU time (user+sys,
# children included: binwalk runs unsquashfs, sasquatch, 7z...), peak RSS, files recovered, and
# the ratios binwalk/kensa. Files are counted like with like: what each tool decoded or extracted
# out of the image. binwalk also leaves a raw copy of every chunk it carved (0.squashfs, 200.7z:
# named <hex offset>.<type> at the top of an _*.extracted directory, the input's own bytes); those
# are counted apart, in the "carved" column, not as files recovered. The load average is printed
# before and after: on a shared machine wall time says more about the neighbours than about the
# tools, CPU time less so.
# Needs binwalk (Debian) and GNU time; the images are read in place from ../shared/data/firmware.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kensa=${1:-$root/build/release/cli/kensa}
data=$root/../shared/data/firmware
runs=${RUNS:-5}
if [ ! -x "$kensa" ]; then
  echo "building release kensa" >&2
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target kensa >/dev/null)
fi
for tool in binwalk /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/deps/firmware.txt)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/kensa-fw-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$kensa" cve import --db "$work/cve.sqlite" "$data"/cve/nvd-api2__*.json "$data"/cve/cve5__*.json >/dev/null

# run_once TIMES OUTDIR cmd... → creates OUTDIR, appends "wall cpu rss_kib" to TIMES
# Every run writes a tree of its own and no tree is deleted until the end: creating files where
# many were just deleted costs ext4 up to 0.35 s of kernel time per run here (it scans for
# recently deleted inodes under the directory lock; kensa on the TP-Link rootfs: 0.03 s sys into
# a fresh directory, 0.30 s after `rm -rf` of the previous tree), which would land on whichever
# tool ran next. Dirty pages are flushed before each run, outside the timed command.
run_once() {
  local times=$1 out=$2; shift 2
  mkdir -p "$out"
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || true
  read -r w u s kib < <(tail -1 "$work/time")
  awk -v w="$w" -v u="$u" -v s="$s" -v k="$kib" 'BEGIN{printf "%s %.2f %s\n", w, u + s, k}' >>"$times"
}
median() {  # median COLUMN FILE
  sort -g -k"$1","$1" "$2" | awk -v c="$1" '{v[NR]=$c} END{print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; median of $runs interleaved runs"
printf '%-32s | %-37s | %-30s | %s\n' "" "binwalk -Me (extraction only)" "kensa firmware (full analysis)" "binwalk / kensa"
printf '%-32s | %6s %6s %7s %5s %7s | %6s %6s %7s %7s | %6s %6s\n' image "wall s" "cpu s" "RSS MiB" files carved \
  "wall s" "cpu s" "RSS MiB" files "wall" "cpu"
for image in tplink-mt7628-rootfs.squashfs tplink-mt7628-kernel.bin esp32s3-buildroot-rootfs.cramfs esp32s3-buildroot-etc.jffs2; do
  [ -f "$data/$image" ] || { echo "missing $data/$image" >&2; exit 1; }
  cp "$data/$image" "$work/$image"  # binwalk writes beside its input's name; keep ../shared untouched
  rm -f "$work/bw.times" "$work/k.times"
  for r in $(seq "$runs"); do
    run_once "$work/bw.times" "$work/bw.$image.$r" \
      binwalk -Me --run-as=root -q -C "$work/bw.$image.$r" "$work/$image"
    run_once "$work/k.times" "$work/k.$image.$r" "$kensa" firmware "$work/$image" \
      --extract "$work/k.$image.$r" --cve-db "$work/cve.sqlite" --sbom "$work/sbom.json" \
      -o "$work/findings.json" --json
  done
  bw_carved=$(find "$work/bw.$image.1" -type f -regextype posix-extended \
    -regex '.*/_[^/]*\.extracted/[0-9A-F]+\.[A-Za-z0-9]+' | wc -l)
  bw_files=$(( $(find "$work/bw.$image.1" -type f | wc -l) - bw_carved ))
  k_files=$(find "$work/k.$image.1" -type f | wc -l)
  row=()
  for t in bw k; do
    row+=("$(median 1 "$work/$t.times")" "$(median 2 "$work/$t.times")" \
          "$(awk -v k="$(median 3 "$work/$t.times")" 'BEGIN{printf "%.1f", k / 1024}')")
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a / (b > 0 ? b : 0.01)}'; }
  printf '%-32s | %6s %6s %7s %5s %7s | %6s %6s %7s %7s | %6s %6s\n' "$image" \
    "${row[0]}" "${row[1]}" "${row[2]}" "$bw_files" "$bw_carved" "${row[3]}" "${row[4]}" "${row[5]}" "$k_files" \
    "$(ratio "${row[0]}" "${row[3]}")" "$(ratio "${row[1]}" "${row[4]}")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(files = regular files each tool decoded or extracted out of the image: filesystem files and"
echo " decoded streams (kensa: <chunk>.bin); carved = binwalk's raw copies of carved chunks, not counted"
echo " as recovered. kensa records links and device nodes without creating them; binwalk may create a"
echo " device node as an empty regular file)"
