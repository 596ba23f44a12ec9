#!/usr/bin/env bash
# make_capture.sh OUT.pcap MEGABYTES: a large capture from the real captures in ../shared/data/pcap
# (Ethernet ones; rtsp.pcap is Linux-cooked and mergecap cannot mix link types). Every copy gets
# its addresses rewritten (tcprewrite --seed) and its times shifted (editcap -t), so that copies
# are new flows one after the other in time, as a long capture of a busy network would be.
set -euo pipefail
out=$1; megabytes=$2
here=$(cd "$(dirname "$0")" && pwd)
data=${KENSA_SHARED:-$here/../../../shared}/data/pcap
for tool in editcap mergecap tcprewrite capinfos; do
  command -v $tool >/dev/null || { echo "missing $tool (bash scripts/install-deps.sh)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. One base capture: each real capture moved to start 10 s after the previous one.
t0=1767225600  # 2026-01-01T00:00:00Z
k=0
parts=()
for f in "$data"/*.pcap "$data"/*.pcapng; do
  [ "$(capinfos -T -E "$f" | tail -1 | cut -f2)" = ether ] || continue
  start=$(capinfos -T -S -a "$f" | tail -1 | cut -f2 | cut -d. -f1)
  editcap -F pcap -t $((t0 + k * 10 - start)) "$f" "$work/part$k.pcap"
  parts+=("$work/part$k.pcap")
  k=$((k + 1))
done
mergecap -F pcap -a -w "$work/base.pcap" "${parts[@]}"
base_bytes=$(stat -c %s "$work/base.pcap")
span=$((k * 10 + 60))

# 2. Copies with new addresses and later times, concatenated.
copies=$(( megabytes * 1024 * 1024 / base_bytes + 1 ))
list=()
for i in $(seq 1 "$copies"); do
  tcprewrite --seed="$i" --infile="$work/base.pcap" --outfile="$work/r.pcap"
  editcap -F pcap -t $((i * span)) "$work/r.pcap" "$work/copy$i.pcap"
  list+=("$work/copy$i.pcap")
  # Concatenate in batches so the temporary space stays small.
  if [ ${#list[@]} -ge 200 ] || [ "$i" = "$copies" ]; then
    if [ -f "$work/acc.pcap" ]; then
      mergecap -F pcap -a -w "$work/acc2.pcap" "$work/acc.pcap" "${list[@]}"
      mv "$work/acc2.pcap" "$work/acc.pcap"
    else
      mergecap -F pcap -a -w "$work/acc.pcap" "${list[@]}"
    fi
    rm -f "${list[@]}"
    list=()
  fi
done
mv "$work/acc.pcap" "$out"
echo "$out: $(stat -c %s "$out") bytes from $copies copies of $base_bytes bytes"
