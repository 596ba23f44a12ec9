#!/usr/bin/env bash
# Probe benchmarks, side by side with nmap in the same run, inside network namespaces this script
# creates (the lab's, plus aliases on its interface for the fleet). Needs root, the lab's packages
# and nmap. Not a test: prints a table and writes bench/probe/results/ (ratios go in the notes).
#   usage: bench/probe/run.sh [KENSA_BINARY]   (default build/release/cli/kensa)
#   KENSA_BENCH_SKIP=lab,fleet,ports skips parts.
#   KENSA_BENCH_RUNS=3 alternating kensa/nmap runs per benchmark (medians are reported, so that a
#   shared, noisy machine loads both tools alike); KENSA_BENCH_LAB_RUNS (default 1: nmap takes
#   minutes there) and KENSA_BENCH_FLEET_RUNS (default KENSA_BENCH_RUNS) override it per part.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kensa=$(realpath "${1:-$root/build/release/cli/kensa}")
here="$root/bench/probe"
out="$here/results"
mkdir -p "$out"
export KENSA_LAB_NS=${KENSA_LAB_NS:-kprobe-bench}
skip=${KENSA_BENCH_SKIP:-}
runs=${KENSA_BENCH_RUNS:-3}
rm -f "$out"/*.json "$out"/*.json.log
command -v nmap >/dev/null || { echo "nmap is not installed (scripts/deps/probe.txt)"; exit 1; }
fleet_pid=""
cleanup() {
    [ -n "$fleet_pid" ] && kill "$fleet_pid" 2>/dev/null || true
    bash "$root/lab/lab.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
bash "$root/lab/lab.sh" up >/dev/null
in_ns() { ip netns exec "$KENSA_LAB_NS" "$@"; }
# m NAME RUN CMD...: one measured run, written to $out/NAME-RUN.json (the summary takes medians).
m() { local name=$1 run=$2; shift 2; in_ns python3 "$here/measure.py" "$out/$name-$run.json" "$@"; }

tcp=21,22,23,80,81,443,554,1883,2323,5000,5555,7547,8000,8080,8081,8443,8883,49152
udp=161,1900,5683
scripts=telnet-brute,http-default-accounts,http-brute,mqtt-subscribe,ssl-enum-ciphers,ssl-cert,coap-resources,snmp-info,snmp-brute,ftp-anon,ssh-auth-methods,ssh2-enum-algos

if [[ $skip != *lab* ]]; then
    echo "== the lab: 13 devices, $tcp + U:$udp"
    for r in $(seq "${KENSA_BENCH_LAB_RUNS:-1}"); do
        m lab-kensa "$r" "$kensa" scan 10.77.0.10-34 --intrusive --quiet -o "$out/lab-kensa-findings.json"
        # nmap's -sV and brute scripts against the hostile devices can run for a very long time: it is
        # cut at KENSA_BENCH_NMAP_TIMEOUT seconds (then the ratio is a lower bound and coverage is
        # nmap's partial output).
        m lab-nmap "$r" timeout "${KENSA_BENCH_NMAP_TIMEOUT:-900}" nmap -n -Pn -sT -sU -sV -p "T:$tcp,U:$udp" \
            --script "$scripts" --host-timeout 600s -oX "$out/lab-nmap.xml" 10.77.0.10-34
    done
    python3 "$here/coverage.py" "$out/lab-kensa-findings.json" "$out/lab-nmap.xml" | tee "$out/lab-coverage.txt" || true
fi

if [[ $skip != *fleet* ]]; then
    echo "== fleet: 1024 addresses (10.78.0.0/22 aliases), MQTT brokers on 16 of them"
    for i in $(seq 0 1023); do echo "address add 10.78.$((i / 256)).$((i % 256))/16 dev lab0"; done |
        in_ns ip -batch -
    conf="$out/fleet-mosquitto.conf"
    { echo "allow_anonymous true"; echo "per_listener_settings false"; echo "persistence false"; echo "user root"
      for i in $(seq 1 16); do echo "listener 1883 10.78.$((i % 4)).$((i * 13 % 256))"; done; } >"$conf"
    in_ns mosquitto -c "$conf" >/dev/null 2>&1 &
    fleet_pid=$!
    sleep 1
    for r in $(seq "${KENSA_BENCH_FLEET_RUNS:-$runs}"); do
        m fleet-kensa "$r" "$kensa" scan 10.78.0.0/22 --quiet --ports "$tcp" --timeout 500 --retries 0 \
            -o "$out/fleet-kensa-findings-$r.json"
        m fleet-nmap "$r" nmap -n -Pn -sT -p "$tcp" --script mqtt-subscribe -oX "$out/fleet-nmap-$r.xml" 10.78.0.0/22
    done
    kill "$fleet_pid" 2>/dev/null || true
    fleet_pid=""
fi

if [[ $skip != *ports* ]]; then
    echo "== one host, all 65535 TCP ports"
    for r in $(seq "$runs"); do
        m ports-kensa "$r" "$kensa" scan 10.77.0.16 --ports 1-65535 --sweep-only --quiet --retries 0 -o "$out/ports-kensa-$r.out"
        m ports-nmap-sT "$r" nmap -n -Pn -sT -p- 10.77.0.16 -oX "$out/ports-nmap-sT-$r.xml"
        m ports-kensa-syn "$r" "$kensa" scan 10.77.0.16 --syn --ports 1-65535 --sweep-only --quiet --retries 0 \
            -o "$out/ports-kensa-syn-$r.out"
        m ports-nmap-sS "$r" nmap -n -Pn -sS -p- 10.77.0.16 -oX "$out/ports-nmap-sS-$r.xml"
    done
fi

python3 "$here/summary.py" "$out" | tee "$out/summary.txt"
