#!/usr/bin/env bash
# Benchmark of the passive verification against the tools a user would otherwise run, on one
# core each, reported as ratios (not a ctest):
#   kensa pcap FILE --json          all dissectors and checks, findings document
#   ndpiReader -i FILE              nDPI's reference reader (Debian libndpi-bin)
#   tshark -r FILE -T fields ...    extracting the same credential fields
#   tcpdump -r FILE -w /dev/null    reading floor
# Usage: bench/traffic/run.sh [KENSA_BINARY]   (default: build/release/cli/kensa, else
# build/release/traffic/kensa_pcap_bench: the same `pcap FILE --json` path linked alone)
# Environment: ROUNDS (default 3) interleaved rounds on the 200 MB capture, where each round runs
# every tool once in turn, so a load change on the shared machine hits all of them alike; the
# median of the rounds is reported, by CPU time (user + system) and by wall time. Peak RSS of
# kensa and ndpiReader is then measured on a 100 MB and a 1 GB capture: it must not grow.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kensa=${1:-$root/build/release/cli/kensa}
[ -n "${1:-}" ] || [ -x "$kensa" ] || kensa=$root/build/release/traffic/kensa_pcap_bench
echo "kensa binary: $kensa"
rounds=${ROUNDS:-3}
for tool in ndpiReader tshark tcpdump capinfos editcap mergecap /usr/bin/time taskset; do
  command -v $tool >/dev/null || { echo "missing $tool (bash scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$kensa" ] || { echo "no kensa binary at $kensa (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
work=${KENSA_BENCH_DIR:-/tmp/kensa-bench}
mkdir -p "$work"

# The captures: 200 MB from make_capture.sh (fresh addresses per copy); 100 MB its first half;
# 1 GB five time-shifted copies of it.
c200=$work/c200.pcap
[ -f "$c200" ] || bash "$here/make_capture.sh" "$c200" 200 >&2
if [ ! -f "$work/c100.pcap" ]; then
  half=$(( $(capinfos -T -c -M "$c200" | tail -1 | cut -f2) / 2 ))
  editcap -F pcap -r "$c200" "$work/c100.pcap" "1-$half"
fi
if [ ! -f "$work/c1000.pcap" ]; then
  copies=()
  for i in 0 1 2 3 4; do
    editcap -F pcap -t $((i * 86400)) "$c200" "$work/shift$i.pcap"
    copies+=("$work/shift$i.pcap")
  done
  mergecap -F pcap -a -w "$work/c1000.pcap" "${copies[@]}"
  rm -f "${copies[@]}"
fi

# run TOOL FILE: one measured run on core 0; prints "wall cpu rss_kb".
run() {
  local tool=$1 file=$2 out=$work/$1.out
  local cmd
  case $tool in
    kensa) cmd=("$kensa" pcap "$file" --json) ;;
    ndpiReader) cmd=(ndpiReader -i "$file" -q) ;;
    tcpdump) cmd=(tcpdump -r "$file" -w /dev/null) ;;
    tshark) cmd=(tshark -r "$file" -T fields -e telnet.data -e ftp.request.command
                 -e ftp.request.arg -e http.authorization -e mqtt.username -e mqtt.passwd) ;;
  esac
  /usr/bin/time -f '%e %U %S %M' -o "$work/$tool.time" taskset -c 0 "${cmd[@]}" >"$out" 2>"$work/$tool.err" || true
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/$tool.time"
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

bytes=$(stat -c %s "$c200")
packets=$(capinfos -T -c -M "$c200" | tail -1 | cut -f2)
tools=(kensa ndpiReader tshark tcpdump)
declare -A walls cpus rss
for r in $(seq 1 "$rounds"); do
  for t in "${tools[@]}"; do
    read -r w c m < <(run "$t" "$c200")
    walls[$t]+="$w "; cpus[$t]+="$c "; rss[$t]=$m
    echo "round $r $t: wall $w s, cpu $c s, peak RSS $((m / 1024)) MB" >&2
  done
done
grep -c '"kind"' "$work/kensa.out" | xargs echo "kensa findings:" >&2
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s MB, %s packets, median of %s interleaved rounds\n' "$((bytes / 1048576))" "$packets" "$rounds"
printf '%-11s %8s %8s %10s %12s %10s %12s\n' tool cpu-s wall-s MB/s-cpu packets/s-cpu MB/s-wall peak-RSS-MB
declare -A cpu wall
for t in "${tools[@]}"; do
  cpu[$t]=$(tr ' ' '\n' <<<"${cpus[$t]}" | grep . | median)
  wall[$t]=$(tr ' ' '\n' <<<"${walls[$t]}" | grep . | median)
  awk -v t="$t" -v c="${cpu[$t]}" -v w="${wall[$t]}" -v b="$bytes" -v p="$packets" -v m="${rss[$t]}" \
    'BEGIN {printf "%-11s %8.2f %8.2f %10.1f %12.0f %10.1f %12.1f\n", t, c, w, b/1048576/c, p/c, b/1048576/w, m/1024}'
done
awk -v kc="${cpu[kensa]}" -v nc="${cpu[ndpiReader]}" -v tc="${cpu[tshark]}" \
    -v kw="${wall[kensa]}" -v nw="${wall[ndpiReader]}" -v tw="${wall[tshark]}" \
    -v kr="${rss[kensa]}" -v nr="${rss[ndpiReader]}" \
  'BEGIN {printf "ratios: kensa %.2fx ndpiReader (wall %.2fx) at %.2f of its peak RSS; %.1fx tshark (wall %.1fx)\n", nc/kc, nw/kw, kr/nr, tc/kc, tw/kw}'

for size in 100 1000; do
  file=$work/c$size.pcap
  for t in kensa ndpiReader; do
    read -r w c m < <(run "$t" "$file")
    awk -v s="$size" -v t="$t" -v c="$c" -v w="$w" -v m="$m" -v b="$(stat -c %s "$file")" \
      'BEGIN {printf "%s MB file: %-10s cpu %.2f s (%.1f MB/s), wall %.2f s, peak RSS %.1f MB\n", s, t, c, b/1048576/c, w, m/1024}'
  done
done
