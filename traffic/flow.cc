#include "traffic/flow.h"

#include <cstring>

namespace kensa::traffic {

namespace {
constexpr std::size_t kFlowOverhead = sizeof(Flow) + 64;  // node and bucket of the hash map
}

std::size_t FlowKeyHash::operator()(const FlowKey& k) const {
  // Word-wise multiply-xorshift over the key (flows are keyed on addresses an attacker may
  // choose, but the table is bounded, so collisions cost time, never memory).
  std::uint64_t w[4];
  std::memcpy(&w[0], k.a.bytes.data(), 16);
  std::memcpy(&w[2], k.b.bytes.data(), 16);
  std::uint64_t h = (std::uint64_t{k.port_a} << 24 | std::uint64_t{k.port_b} << 8 |
                     static_cast<std::uint8_t>(k.transport)) *
                    0x9e3779b97f4a7c15ull;
  for (std::uint64_t x : w) {
    h ^= x;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return static_cast<std::size_t>(h);
}

FlowKey flow_key(const Packet& p) {
  FlowKey k;
  k.transport = p.transport;
  if (std::tie(p.src, p.src_port) < std::tie(p.dst, p.dst_port)) {
    k.a = p.src, k.port_a = p.src_port, k.b = p.dst, k.port_b = p.dst_port;
  } else {
    k.a = p.dst, k.port_a = p.dst_port, k.b = p.src, k.port_b = p.src_port;
  }
  return k;
}

FlowTable::FlowTable(std::size_t memory_cap, double tcp_timeout, double udp_timeout)
    : cap_(memory_cap), tcp_timeout_(tcp_timeout), udp_timeout_(udp_timeout) {
  flows_.reserve(4096);
}

void FlowTable::unlink(Flow& f) {
  List& l = list_of(f);
  (f.prev ? f.prev->next : l.head) = f.next;
  (f.next ? f.next->prev : l.tail) = f.prev;
  f.prev = f.next = nullptr;
}

void FlowTable::push_back(Flow& f) {
  List& l = list_of(f);
  f.prev = l.tail;
  f.next = nullptr;
  (l.tail ? l.tail->next : l.head) = &f;
  l.tail = &f;
}

Flow& FlowTable::lookup(const Packet& p, double time, bool& created) {
  FlowKey key = flow_key(p);
  auto [it, inserted] = flows_.try_emplace(key);
  Flow& f = it->second;
  created = inserted;
  if (inserted) {
    f.key = key;
    f.accounted = kFlowOverhead;
    memory_ += kFlowOverhead;
  } else {
    unlink(f);
  }
  f.last_seen = time;
  push_back(f);
  return f;
}

void FlowTable::recount(Flow& f) {
  std::size_t bytes = kFlowOverhead;
  for (const auto& s : f.tcp) bytes += s.pending.capacity() + s.early_bytes + s.early.size() * 64;
  if (f.session) bytes += 128 + f.session->extra_bytes();
  memory_ = memory_ - f.accounted + bytes;
  f.accounted = bytes;
}

void FlowTable::erase(Flow& f) {
  unlink(f);
  memory_ -= f.accounted;
  flows_.erase(f.key);
}

std::size_t FlowTable::expire(double now, const std::function<void(Flow&, bool)>& on_end) {
  for (auto [list, timeout] : {std::pair{&tcp_, tcp_timeout_}, std::pair{&other_, udp_timeout_}}) {
    while (list->head && list->head->last_seen + timeout < now) {
      Flow& f = *list->head;
      on_end(f, false);
      erase(f);
    }
  }
  std::size_t evicted = 0;
  if (memory_ > cap_) {
    const std::size_t target = cap_ - cap_ / 8;
    while (memory_ > target && (tcp_.head || other_.head)) {
      Flow* oldest =
          !tcp_.head ? other_.head
          : !other_.head
              ? tcp_.head
              : (tcp_.head->last_seen <= other_.head->last_seen ? tcp_.head : other_.head);
      on_end(*oldest, true);
      erase(*oldest);
      ++evicted;
    }
  }
  return evicted;
}

void FlowTable::for_each(const std::function<void(Flow&)>& fn) {
  for (auto& [key, flow] : flows_) fn(flow);
}

}  // namespace kensa::traffic
