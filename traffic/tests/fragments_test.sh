#!/usr/bin/env bash
# Lab capture test of IP fragment reassembly on real fragmented packets: inside a network
# namespace this test creates, the loopback MTU is lowered to 1280 and the kernel fragments
# what Python's socket layer sends: a 3.6 KB SSDP NOTIFY over IPv4 and over IPv6 (whose SERVER
# header sits past the first fragment). tcpdump records them; `kensa pcap` must reassemble both
# datagrams and read the SERVER headers.
# Needs root, ip, tcpdump and python3 (scripts/deps/traffic.txt); fails if one is missing.
set -euo pipefail
kensa=$1
source "$(dirname "$0")/netns.sh" kensa-frag python3
in_ns ip link set lo mtu 1280
capture "$work/frag.pcap"

send() {
  in_ns python3 - <<'PY'
import socket
pad = "p" * 3500
for family, host, server in ((socket.AF_INET, "127.0.0.1", "FragLab4/1.0 UPnP/1.0"),
                             (socket.AF_INET6, "::1", "FragLab6/1.0 UPnP/1.0")):
    text = ("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nX-Padding: " + pad +
            "\r\nSERVER: " + server + "\r\nLOCATION: http://device/desc.xml\r\nNTS: ssdp:alive\r\n\r\n")
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.sendto(text.encode(), (host, 1900))
    s.close()
PY
}
# "listening" can come before the capture is live: send until packets reach the file (with -U
# tcpdump writes each packet at once).
for _ in $(seq 10); do
  send
  sleep 0.5
  [ "$(stat -c %s "$work/frag.pcap" 2>/dev/null || echo 0)" -gt 24 ] && break
done
kill -INT "$capture_pid"
wait "$capture_pid" 2>/dev/null || true

"$kensa" pcap "$work/frag.pcap" --json >"$work/out.json" || fail "kensa pcap failed"
"$kensa" pcap "$work/frag.pcap" >"$work/out.txt" || fail "kensa pcap (text) failed"
python3 - "$work/out.json" "$work/out.txt" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
servers = sorted(f["evidence"].get("server_header", "") for f in doc["findings"] if f["kind"] == "upnp-exposed")
assert servers == ["FragLab4/1.0 UPnP/1.0", "FragLab6/1.0 UPnP/1.0"], (servers, text)
m = re.search(r"ip-fragments (\d+) reassembled (\d+) overlapping (\d+) conflicting (\d+) datagrams-dropped (\d+)", text)
assert m, text
fragments, reassembled, overlapping, conflicting, dropped = map(int, m.groups())
assert fragments >= 6, text  # 3.6 KB over a 1280-byte MTU: 3 fragments per NOTIFY
assert reassembled >= 2 and reassembled * 3 == fragments, text  # every datagram, once each
assert (overlapping, conflicting, dropped) == (0, 0, 0), text
assert not [f for f in doc["findings"] if f["kind"] == "ip-fragment-overlap"], text
runs = {c["check"]: c for c in doc["checks"]}
assert runs["traffic.ip-fragments"]["status"] == "completed", runs["traffic.ip-fragments"]
print("lab: fragmented IPv4/IPv6 datagrams reassembled:", m.group(0))
PY
echo "1 passed, 0 failed"
