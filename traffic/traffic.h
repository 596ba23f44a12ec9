#pragma once
// Passive verification: one pass over a capture (pcap, pcapng) or a live interface through the
// IoT dissectors, turned into findings of the shared schema (evidence/evidence.h).
//
// Contract:
//  - every packet is read once; memory is bounded by Options::memory_cap_bytes (flow table,
//    reassembly buffers, per-device inventory), whatever the size of the capture;
//  - a capture that cannot be opened throws InputError naming the file;
//  - a capture damaged part way (truncated, corrupt record) does not throw: the result keeps every
//    finding decoded before the damage and `error` names the byte offset of the damaged record;
//    the check runs then end with status `error`, so no verdict can become PASS on partial input.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "evidence/evidence.h"

namespace kensa::traffic {

struct Options {
  std::size_t memory_cap_bytes = 64u << 20;  // flows + reassembly + inventory
  std::uint32_t tcp_idle_timeout_s = 600;
  std::uint32_t udp_idle_timeout_s = 120;
  // IP fragment reassembly (traffic/defrag.h): bytes held for incomplete datagrams, and how long
  // a datagram may wait for its missing fragments (Linux's ipfrag_time is 30 s).
  std::size_t fragment_memory_bytes = 4u << 20;
  std::uint32_t fragment_timeout_s = 30;
  // Distinct destinations a source must probe on a scanned port (23, 2323, 22, 7547, ...) before
  // outbound-scanning is reported.
  std::uint32_t scan_fanout_threshold = 16;
  // Packets per second from one source to one destination that count as a flood burst.
  std::uint32_t ddos_pps_threshold = 1000;
  // Per device (IP address), the destinations it may contact: addresses or CIDR prefixes
  // ("203.0.113.0/24", "2001:db8::/32") and DNS names ("api.example.com", or "*.example.com" for
  // any name under example.com). A name allows the addresses that DNS answers in the capture gave
  // for it, and a TLS/DTLS flow whose SNI is that name. A device listed here that opens a flow to
  // any other destination is reported as unexpected-destination (flows whose name may still come
  // with the TLS ClientHello are decided when the capture ends). Devices not listed are not
  // checked.
  std::map<std::string, std::vector<std::string>> allowed_destinations;
  // OUI table (Wireshark "manuf" format) for MAC vendors; empty = the Debian default if present.
  std::string oui_file;
};

struct Stats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;                     // captured bytes of packets
  std::uint64_t file_bytes = 0;                // bytes of the capture file read
  std::uint64_t flows = 0;                     // flows created
  std::uint64_t flows_evicted = 0;             // flows dropped early to stay under the memory cap
  std::uint64_t undecoded = 0;                 // packets of unsupported link or network layers
  std::uint64_t reassembly_dropped = 0;        // TCP bytes not reassembled (gaps, buffer limits)
  std::uint64_t ip_fragments = 0;              // IPv4/IPv6 fragments seen
  std::uint64_t ip_reassembled = 0;            // datagrams reassembled from them
  std::uint64_t ip_fragments_overlapping = 0;  // fragments overlapping bytes already held
  std::uint64_t ip_fragments_conflicting = 0;  // ... with different content (flagged)
  std::uint64_t ip_datagrams_dropped = 0;      // incomplete at timeout, too large, over the cap
};

struct Result {
  evidence::FindingSet findings;
  Stats stats;
  std::string error;  // non-empty when the capture was damaged; findings before it are kept
};

// Reads a pcap or pcapng file in one pass. Throws InputError when the file cannot be opened or
// is not a capture.
Result analyze_file(const std::string& path, const Options& options = {});

// Captures on a live interface until `stop` becomes true or `duration` elapses (zero = no limit),
// calling `on_report` with the findings so far every `interval` and once at the end. Throws
// InputError when the interface cannot be opened (missing, or no permission).
void watch(const std::string& interface_name, const Options& options,
           std::chrono::milliseconds interval, std::chrono::milliseconds duration,
           const std::atomic<bool>& stop, const std::function<void(const Result&)>& on_report);

// Plain-text rendering of a result, one finding per line, stable across runs (golden files).
std::string render_text(const Result& result);

}  // namespace kensa::traffic
