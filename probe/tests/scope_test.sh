#!/usr/bin/env bash
# Scope safety of `kensa scan`, measured by listeners that count every connection they receive, in a
# network namespace this test creates:
#  - an excluded address inside the scanned CIDR is never contacted, while its neighbour is;
#  - a public address is refused (exit 2) before anything is sent, also when mixed with private ones;
#  - with --allow-public the same address is contacted (so the listeners can see a scan at all).
#   usage: scope_test.sh KENSA_BINARY
set -euo pipefail
kensa=$1
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the scope test needs root (network namespaces)"; exit 1; }
ns="kprobe-scope$$"
work=$(mktemp -d)
listener_pid=""
cleanup() {
    [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add s0 type veth peer name s1
ip -n "$ns" link set s0 up
ip -n "$ns" link set s1 up
for a in 10.99.0.1/24 10.99.0.2/24 10.99.0.3/24 198.51.100.7/24; do ip -n "$ns" addr add "$a" dev s0; done
ip netns exec "$ns" python3 -u - "$work" <<'PY' &
import os, selectors, socket, sys
work = sys.argv[1]
sel = selectors.DefaultSelector()
for addr in ("10.99.0.2", "10.99.0.3", "198.51.100.7"):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 2323)); s.listen(64); sel.register(s, selectors.EVENT_READ, addr)
open(os.path.join(work, "ready"), "w").close()
while True:
    for key, _ in sel.select():
        c, peer = key.fileobj.accept(); c.close()
        with open(os.path.join(work, key.data), "a") as f: f.write(peer[0] + "\n")
PY
listener_pid=$!
for _ in $(seq 50); do [ -e "$work/ready" ] && break; sleep 0.1; done
[ -e "$work/ready" ] || { echo "FAIL: listeners did not start"; exit 1; }
count() { [ -f "$work/$1" ] && wc -l <"$work/$1" || echo 0; }
failures=0 passes=0
check() { if eval "$2"; then passes=$((passes + 1)); else echo "FAIL: $1"; failures=$((failures + 1)); fi; }
run() { ip netns exec "$ns" "$kensa" scan "$@" -p 2323 --sweep-only --quiet --timeout 300 -o "$work/out.json" \
        >"$work/stdout" 2>"$work/stderr"; }

run 10.99.0.0/29 --exclude 10.99.0.2 && rc=0 || rc=$?
check "scan of 10.99.0.0/29 exits 0 (got $rc)" '[ "$rc" -eq 0 ]'
check "the neighbour 10.99.0.3 was scanned ($(count 10.99.0.3) connections)" '[ "$(count 10.99.0.3)" -ge 1 ]'
check "the excluded 10.99.0.2 was never contacted ($(count 10.99.0.2) connections)" '[ "$(count 10.99.0.2)" -eq 0 ]'
before=$(count 10.99.0.3)

run 198.51.100.7 && rc=0 || rc=$?
check "a public target is refused with exit 2 (got $rc)" '[ "$rc" -eq 2 ]'
check "the refusal names --allow-public" 'grep -q -- "--allow-public" "$work/stderr"'
check "the public address was not contacted" '[ "$(count 198.51.100.7)" -eq 0 ]'

run 10.99.0.3,198.51.100.7 && rc=0 || rc=$?
check "a public address among private ones is refused (got $rc)" '[ "$rc" -eq 2 ]'
check "nothing was sent before the refusal" '[ "$(count 10.99.0.3)" -eq "$before" ] && [ "$(count 198.51.100.7)" -eq 0 ]'

run 198.51.100.7 --allow-public && rc=0 || rc=$?
check "--allow-public scans the public address (exit $rc, $(count 198.51.100.7) connections)" \
    '[ "$rc" -eq 0 ] && [ "$(count 198.51.100.7)" -ge 1 ]'

run 10.99.0.0/29 --exclude 10.99.0.0/30 && rc=0 || rc=$?
check "a CIDR exclusion keeps 10.99.0.2 untouched" '[ "$(count 10.99.0.2)" -eq 0 ]'
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
