#include "traffic/defrag.h"

#include <algorithm>
#include <cstring>

namespace kensa::traffic {

namespace {
constexpr std::size_t kDatagramOverhead = sizeof(void*) * 16 + 128;  // node, ranges, age entry
}

std::size_t Defragmenter::KeyHash::operator()(const Key& k) const {
  std::uint64_t h = 1469598103934665603ull ^ k.id ^ (std::uint64_t{k.protocol} << 32);
  auto mix = [&h](const Address& a) {
    std::uint64_t w[2];
    std::memcpy(w, a.bytes.data(), 16);
    h = (h ^ w[0]) * 1099511628211ull;
    h = (h ^ w[1]) * 1099511628211ull;
  };
  mix(k.src);
  mix(k.dst);
  return static_cast<std::size_t>(h ^ (h >> 29));
}

Defragmenter::Defragmenter(std::size_t memory_cap, double timeout_s)
    : cap_(memory_cap), timeout_(timeout_s) {}

void Defragmenter::drop(std::unordered_map<Key, Datagram, KeyHash>::iterator it) {
  memory_ -= it->second.accounted;
  by_age_.erase(it->second.age);
  datagrams_.erase(it);
}

void Defragmenter::expire(double now) {
  while (!by_age_.empty()) {
    auto it = datagrams_.find(by_age_.front());
    if (it->second.first_seen + timeout_ >= now && memory_ <= cap_) break;
    ++stats_.dropped;
    drop(it);
  }
}

Bytes Defragmenter::add(const Packet& p, double time, bool& overlap_conflict) {
  overlap_conflict = false;
  ++stats_.fragments;
  expire(time);
  const Key key{p.src, p.dst, p.frag_id, p.frag_protocol, !p.src.is_v4()};
  auto it = datagrams_.find(key);
  if (it == datagrams_.end()) {
    it = datagrams_.emplace(key, Datagram{}).first;
    it->second.first_seen = time;
    it->second.accounted = kDatagramOverhead;
    memory_ += kDatagramOverhead;
    it->second.age = by_age_.insert(by_age_.end(), key);
  }
  Datagram& d = it->second;
  const std::size_t begin = p.frag_offset;
  const std::size_t end = begin + p.payload.size();
  const bool bad_end =
      (d.total_known && (end > d.total || (!p.frag_more && end != d.total))) ||
      (!p.frag_more && !d.total_known && !d.ranges.empty() && d.ranges.back().second > end);
  if (end > kMaxDatagram || bad_end || d.ranges.size() >= kMaxFragments) {
    ++stats_.dropped;
    drop(it);
    return {};
  }
  if (!p.frag_more) {
    d.total_known = true;
    d.total = static_cast<std::uint32_t>(end);
  }
  if (d.bytes.size() < end) d.bytes.resize(end);
  // Copy only the bytes not held yet (first arrival wins); compare the ones already held.
  bool overlapped = false;
  std::size_t cursor = begin;
  auto copy_new = [&](std::size_t from, std::size_t to) {
    if (from < to) std::memcpy(&d.bytes[from], &p.payload[from - begin], to - from);
  };
  for (const auto& [held_begin, held_end] : d.ranges) {
    if (held_end <= cursor) continue;
    if (held_begin >= end) break;
    copy_new(cursor, std::max<std::size_t>(cursor, held_begin));
    const std::size_t o_begin = std::max<std::size_t>(cursor, held_begin);
    const std::size_t o_end = std::min<std::size_t>(end, held_end);
    if (o_begin < o_end) {
      overlapped = true;
      if (std::memcmp(&d.bytes[o_begin], &p.payload[o_begin - begin], o_end - o_begin) != 0)
        overlap_conflict = true;
    }
    cursor = std::max<std::size_t>(cursor, o_end);
  }
  copy_new(cursor, end);
  if (begin < end) {
    d.ranges.emplace_back(static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end));
    std::sort(d.ranges.begin(), d.ranges.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> merged;
    for (const auto& r : d.ranges) {
      if (!merged.empty() && r.first <= merged.back().second)
        merged.back().second = std::max(merged.back().second, r.second);
      else
        merged.push_back(r);
    }
    d.ranges = std::move(merged);
  }
  if (overlapped) ++stats_.overlapping;
  if (overlap_conflict) {
    ++stats_.conflicting;
    d.conflict = true;
  }
  if (overlapped && key.v6) {  // RFC 5722: a datagram with overlapping fragments is discarded
    ++stats_.dropped;
    drop(it);
    return {};
  }
  const std::size_t accounted = kDatagramOverhead + d.bytes.capacity() + d.ranges.capacity() * 8;
  memory_ = memory_ - d.accounted + accounted;
  d.accounted = accounted;
  if (d.total_known && d.ranges.size() == 1 && d.ranges[0].first == 0 &&
      d.ranges[0].second == d.total) {
    done_.swap(d.bytes);
    drop(it);
    ++stats_.reassembled;
    return Bytes(done_);
  }
  if (memory_ > cap_) expire(time);
  return {};
}

}  // namespace kensa::traffic
