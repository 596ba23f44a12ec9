# Shared set-up of the traffic lab tests (sourced): a network namespace of this test's own with
# its loopback up, a work directory, background processes killed and everything removed on exit,
# and tcpdump on the namespace's loopback.
#   source netns.sh PREFIX TOOL...   → $ns, $work, in_ns CMD..., background CMD...,
#                                      capture FILE [FILTER...] (then $capture_pid)
# Fails (exit 1, "FAIL: ...") without root or without one of the tools: CI runs as root with
# scripts/install-deps.sh, so a missing tool is a defect to see, not a test to skip.
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
for tool in ip tcpdump "${@:2}"; do
  command -v "$tool" >/dev/null || fail "missing $tool (bash scripts/install-deps.sh)"
done
ns=$1-$$
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
in_ns() { ip netns exec "$ns" "$@"; }
# Runs CMD in the namespace in the background; killed on exit. Output to $work/<name>.log.
background() {
  local log=$work/$(basename "$1").log
  ip netns exec "$ns" "$@" >"$log" 2>&1 &
  pids+=($!)
}
# Records the namespace's loopback into FILE and returns once tcpdump listens; $capture_pid
# stops it (kill -INT, then wait).
capture() {
  local file=$1; shift
  ip netns exec "$ns" tcpdump -i lo -U -s 0 -Z root -w "$file" "$@" >"$work/tcpdump.log" 2>&1 &
  capture_pid=$!
  pids+=($!)
  for _ in $(seq 50); do
    grep -q "listening on lo" "$work/tcpdump.log" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "tcpdump did not start: $(cat "$work/tcpdump.log")"
}
