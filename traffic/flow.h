#pragma once
// Flow table with idle timeouts and a memory cap, and bounded TCP reassembly per direction.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "traffic/decode.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

struct FlowKey {
  Address a, b;  // canonical order: (a, port_a) < (b, port_b)
  std::uint16_t port_a = 0, port_b = 0;
  Transport transport = Transport::other;
  bool operator==(const FlowKey&) const = default;
};
struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const;
};
FlowKey flow_key(const Packet& packet);

// One direction of a TCP connection. In-order bytes go straight to the session; bytes that are
// not consumed yet wait in `pending`; segments that arrive early wait in `early` (bounded).
struct TcpStream {
  bool seq_known = false;
  bool fin = false;
  std::uint32_t next_seq = 0;
  std::vector<std::uint8_t> pending;
  std::map<std::uint32_t, std::vector<std::uint8_t>> early;
  std::size_t early_bytes = 0;
};

struct Flow {
  FlowKey key;
  FlowInfo info;
  double last_seen = 0;
  std::unique_ptr<Session> session;
  const Dissector* dissector = nullptr;
  std::uint8_t sniff_attempts = 0;
  bool dissection_over = false;  // no dissector took it, or the session needs nothing more
  bool rst = false;
  TcpStream tcp[2];
  std::size_t accounted = 0;  // bytes counted against the memory cap
  Flow* prev = nullptr;       // idle list (least recently seen first)
  Flow* next = nullptr;
};

class FlowTable {
 public:
  static constexpr std::size_t kPendingLimit = 256 * 1024;  // per direction, unconsumed bytes
  static constexpr std::size_t kEarlyLimit = 64 * 1024;     // per direction, out-of-order bytes

  FlowTable(std::size_t memory_cap, double tcp_timeout, double udp_timeout);
  // Finds or creates the flow of `packet`; `created` tells which.
  Flow& lookup(const Packet& packet, double time, bool& created);
  // Expires idle flows and, when over the memory cap, the least recently seen ones; `on_end`
  // runs for each before it is erased. Returns how many were evicted for memory.
  std::size_t expire(double now, const std::function<void(Flow&, bool evicted)>& on_end);
  void erase(Flow& flow);
  void for_each(const std::function<void(Flow&)>& fn);
  void recount(Flow& flow);  // refresh the flow's share of the memory count
  std::size_t memory_bytes() const { return memory_; }
  std::size_t size() const { return flows_.size(); }

 private:
  struct List {
    Flow* head = nullptr;
    Flow* tail = nullptr;
  };
  List& list_of(const Flow& flow) { return flow.key.transport == Transport::tcp ? tcp_ : other_; }
  void unlink(Flow& flow);
  void push_back(Flow& flow);

  std::unordered_map<FlowKey, Flow, FlowKeyHash> flows_;
  List tcp_, other_;
  std::size_t memory_ = 0;
  std::size_t cap_;
  double tcp_timeout_, udp_timeout_;
};

}  // namespace kensa::traffic
