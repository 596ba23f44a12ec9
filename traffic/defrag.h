#pragma once
// IPv4 (RFC 791) and IPv6 (RFC 8200) fragment reassembly, bounded.
//
// Contract:
//  - a datagram is reassembled from fragments keyed on (source, destination, identification,
//    protocol, family); it is handed back once the last fragment (more = false) is in and every
//    byte from 0 to its end is covered;
//  - a datagram larger than kMaxDatagram (65 535 bytes of IP payload) is dropped, as is one whose
//    first fragment is older than the timeout, and the oldest datagrams go first when the
//    buffered bytes exceed the memory cap;
//  - overlapping fragments are resolved the same way on every run: the bytes that arrived first
//    are kept (the policy of BSD and of Linux for IPv4). A fragment that overlaps bytes already
//    held with *different* content is counted as conflicting (an evasion attempt, Teardrop and
//    its kind); for IPv6, RFC 5722 requires dropping the whole datagram when fragments overlap,
//    and so it is.
// Written by hand: libpcap hands over raw frames and no Debian library reassembles IP fragments
// outside a packet-dissection framework (libwireshark would cost the throughput target).
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "traffic/decode.h"

namespace kensa::traffic {

struct FragmentStats {
  std::uint64_t fragments = 0;    // fragments offered
  std::uint64_t reassembled = 0;  // datagrams completed
  std::uint64_t overlapping = 0;  // fragments overlapping bytes already held
  std::uint64_t conflicting = 0;  // ... with different content
  std::uint64_t dropped = 0;      // datagrams dropped (timeout, size, memory, v6 overlap)
};

class Defragmenter {
 public:
  static constexpr std::size_t kMaxDatagram = 65535;
  static constexpr std::size_t kMaxFragments = 256;  // per datagram (64 KB / 8-byte minimum)

  Defragmenter(std::size_t memory_cap, double timeout_s);

  // Offers one fragment: `offset` in bytes of the fragmentable part, `more` the more-fragments
  // flag, `data` its bytes. Returns the whole reassembled payload when this fragment completed
  // its datagram (valid until the next call), an empty span otherwise; `overlap_conflict` is set
  // when this fragment carried bytes that contradict ones held for the same datagram.
  Bytes add(const Packet& packet, double time, bool& overlap_conflict);

  const FragmentStats& stats() const { return stats_; }
  std::size_t memory_bytes() const { return memory_; }
  std::size_t pending() const { return datagrams_.size(); }

 private:
  struct Key {
    Address src, dst;
    std::uint32_t id = 0;
    std::uint8_t protocol = 0;
    bool v6 = false;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Datagram {
    std::vector<std::uint8_t> bytes;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // held [begin, end), sorted
    std::uint32_t total = 0;                                      // known once more = false
    bool total_known = false;
    bool conflict = false;
    double first_seen = 0;
    std::size_t accounted = 0;
    std::list<Key>::iterator age;
  };

  void drop(std::unordered_map<Key, Datagram, KeyHash>::iterator it);
  void expire(double now);

  std::unordered_map<Key, Datagram, KeyHash> datagrams_;
  std::list<Key> by_age_;  // oldest first
  std::vector<std::uint8_t> done_;
  std::size_t memory_ = 0;
  std::size_t cap_;
  double timeout_;
  FragmentStats stats_;
};

}  // namespace kensa::traffic
