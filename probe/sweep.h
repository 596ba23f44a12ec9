#pragma once
// The port sweep (internal to the probe component): which (address, port) pairs of the scan's
// permutation have an open TCP port. Two ways of asking, one scheduler:
//  - connect: non-blocking connect() batches on one epoll set, no coroutine or timer per port;
//  - syn: raw SYN packets from one raw socket, answers (SYN/ACK = open, RST = closed) read back
//  from
//    it and matched by a keyed cookie in the sequence number; the handshake is never completed (the
//    kernel resets the SYN/ACK, as it has no socket for it). Needs CAP_NET_RAW.
// Both obey the scan's limits: global and per-target concurrency (probes in flight), global and
// per-target rate, retries after a timeout (never after a refusal), the connect timeout. Only the
// pairs of `order` are ever contacted.
#include <cstdint>
#include <functional>
#include <vector>

#include "probe/probe.h"

namespace kensa::probe {

struct OpenPort {
  Ipv4 address;
  std::uint16_t port;
};

struct SweepInput {
  const ScanOptions* options = nullptr;
  const std::vector<Ipv4>* targets = nullptr;
  const std::vector<std::uint16_t>* ports = nullptr;
  // Indices into targets × ports (index / ports.size() is the target), in the order to probe.
  const std::vector<std::uint32_t>* order = nullptr;
  std::function<bool()> stop;  // polled between batches: true ends the sweep early
  std::function<void(std::size_t probes, std::size_t open)> progress;  // every ~200 ms
};

struct SweepResult {
  std::vector<OpenPort> open;  // sorted by (address, port), no duplicates
  std::size_t probes = 0;      // connects or SYNs sent, retries included
  std::size_t timeouts = 0;    // pairs that never answered (filtered), after all retries
  bool stopped = false;
};

// Throws InputError when the raw socket cannot be opened (no CAP_NET_RAW), before anything is sent.
SweepResult connect_sweep(const SweepInput& input);
SweepResult syn_sweep(const SweepInput& input);

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::size_t raise_fd_limit();

}  // namespace kensa::probe
