#!/usr/bin/env bash
# Benchmark of the passive verification against the tools a user would otherwise run, in one run
# on one core each, reported as ratios (not a ctest):
#   kensa pcap FILE --json          all dissectors and checks, findings document
#   ndpiReader -i FILE              nDPI's reference reader (Debian libndpi-bin)
#   tshark -r FILE -T fields ...    extracting the same credential fields
#   tcpdump -r FILE -w /dev/null    reading floor
# Usage: bench/traffic/run.sh [KENSA_BINARY] [MEGABYTES...]   (default: build/release, 200 and 1000)
# Peak RSS of kensa is measured for each size: it must not grow with the capture.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kensa=${1:-$root/build/release/cli/kensa}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200 1000)
for tool in ndpiReader tshark tcpdump capinfos /usr/bin/time taskset; do
  command -v $tool >/dev/null || { echo "missing $tool (bash scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$kensa" ] || { echo "no kensa binary at $kensa (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
work=${KENSA_BENCH_DIR:-/tmp/kensa-bench}
mkdir -p "$work"

# measure NAME CMD...: wall seconds and peak RSS (KB) on core 0.
measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$work/$name.time" taskset -c 0 "$@" >"$work/$name.out" 2>"$work/$name.err" || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
  echo "$wall $rss"
}

printf '%-8s %-10s %10s %10s %12s %12s\n' size tool seconds MB/s packets/s peak-RSS-MB
for mb in "${sizes[@]}"; do
  file=$work/c$mb.pcap
  [ -f "$file" ] || bash "$here/make_capture.sh" "$file" "$mb" >&2
  bytes=$(stat -c %s "$file")
  packets=$(capinfos -T -c -M "$file" | tail -1 | cut -f2)
  declare -A wall rss
  tools=(kensa ndpiReader tcpdump)
  [ "$mb" -le 300 ] && tools+=(tshark)  # tshark needs minutes per GB; measured on the smaller file
  for t in "${tools[@]}"; do
    case $t in
      kensa) r=$(measure kensa-$mb "$kensa" pcap "$file" --json) ;;
      ndpiReader) r=$(measure ndpi-$mb ndpiReader -i "$file" -q) ;;
      tcpdump) r=$(measure tcpdump-$mb tcpdump -r "$file" -w /dev/null) ;;
      tshark) r=$(measure tshark-$mb tshark -r "$file" -T fields -e telnet.data -e ftp.request.command \
                    -e ftp.request.arg -e http.authorization -e mqtt.username -e mqtt.passwd) ;;
    esac
    wall[$t]=${r% *}; rss[$t]=${r#* }
    awk -v s="$mb" -v t="$t" -v w="${wall[$t]}" -v b="$bytes" -v p="$packets" -v r="${rss[$t]}" \
      'BEGIN {printf "%-8s %-10s %10.2f %10.1f %12.0f %12.1f\n", s"MB", t, w, b/1048576/w, p/w, r/1024}'
  done
  awk -v k="${wall[kensa]}" -v n="${wall[ndpiReader]}" -v kr="${rss[kensa]}" -v nr="${rss[ndpiReader]}" \
    'BEGIN {printf "ratios   %sMB: kensa throughput %.2fx ndpiReader, kensa peak RSS %.2f of ndpiReader\n", "'"$mb"'", n/k, kr/nr}'
  if [ -n "${wall[tshark]:-}" ]; then
    awk -v k="${wall[kensa]}" -v t="${wall[tshark]}" 'BEGIN {printf "ratios   kensa throughput %.1fx tshark\n", t/k}'
  fi
  grep -c '"kind"' "$work/kensa-$mb.out" | xargs echo "kensa findings:" >&2
  unset wall rss
done
