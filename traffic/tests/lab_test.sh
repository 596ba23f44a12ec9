#!/usr/bin/env bash
# Lab capture test: real clients against a real broker inside a network namespace this test
# creates; tcpdump records the loopback of that namespace, then `kensa pcap` must find the MQTT
# password in clear (masked), the anonymous attempt, and `kensa watch` must find it live.
# Needs root, ip, mosquitto, mosquitto_pub and tcpdump (scripts/deps/traffic.txt); fails if missing.
set -euo pipefail
kensa=$1
source "$(dirname "$0")/netns.sh" kensa-traffic mosquitto mosquitto_pub mosquitto_passwd python3
chmod 755 "$work"  # mosquitto drops root for its own user and must read its files

password='Lab-Secret-4242'
mosquitto_passwd -b -c "$work/passwd" sensor "$password" 2>/dev/null
chmod 644 "$work/passwd"
cat > "$work/mosquitto.conf" <<CONF
listener 1883 127.0.0.1
allow_anonymous false
password_file $work/passwd
CONF
background mosquitto -c "$work/mosquitto.conf"
capture "$work/lab.pcap" tcp port 1883
for _ in $(seq 50); do
  grep -q "running" "$work/mosquitto.log" && break
  sleep 0.1
done

ip netns exec "$ns" "$kensa" watch lo --duration 6 --interval 1 --out "$work/watch.json" >"$work/watch.log" 2>&1 &
watch_pid=$!
pids+=($watch_pid)
sleep 1.5

in_ns mosquitto_pub -h 127.0.0.1 -p 1883 -u sensor -P "$password" -i lab-thermo-1 -t home/lab/temp -m 21.5 || fail "publish failed: $(cat "$work/mosquitto.log")"
in_ns mosquitto_pub -h 127.0.0.1 -p 1883 -i lab-anon -t home/lab/anon -m x 2>/dev/null && fail "anonymous publish was accepted"
sleep 1
kill -INT "$capture_pid"
wait "$capture_pid" 2>/dev/null || true
wait "$watch_pid" || fail "kensa watch exited with $?: $(cat "$work/watch.log")"

"$kensa" pcap "$work/lab.pcap" --json >"$work/pcap.json" || fail "kensa pcap failed"
python3 - "$work/pcap.json" "$work/watch.json" "$password" <<'PY'
import json, sys
pcap, watch, password = sys.argv[1], sys.argv[2], sys.argv[3]
for name in (pcap, watch):
    text = open(name).read()
    assert password not in text, f"{name}: the password appears unmasked"
    doc = json.loads(text)
    creds = [f for f in doc["findings"] if f["kind"] == "cleartext-credential" and f.get("service") == "mqtt"]
    assert creds, f"{name}: no MQTT clear-text credential found: {doc['findings']}"
    assert creds[0]["evidence"]["user"] == "sensor", creds[0]
    assert creds[0]["evidence"]["secret_masked"].startswith("L*"), creds[0]
    runs = {c["check"]: c for c in doc["checks"]}
    assert runs["traffic.mqtt.credentials"]["status"] == "completed", runs["traffic.mqtt.credentials"]
    assert "over 2 mqtt connections" in runs["traffic.mqtt.credentials"]["detail"], runs["traffic.mqtt.credentials"]
    anon = [f for f in doc["findings"] if f["kind"] == "mqtt-anonymous"]
    assert not anon, f"{name}: the broker refused the anonymous client, yet mqtt-anonymous was reported"
print("lab: MQTT credentials found in the recorded capture and live; secret masked")
PY
echo "1 passed, 0 failed"
