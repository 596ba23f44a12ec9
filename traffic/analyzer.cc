#include "traffic/analyzer.h"

#include <algorithm>

namespace kensa::traffic {

namespace {

// Ports on which the listening side is the server, whatever the SYN said (for flows whose start
// was not captured) or for UDP, where there is no SYN.
bool service_port(std::uint16_t port) {
  switch (port) {
    case 1883:
    case 8883:
    case 5683:
    case 5684:
    case 47808:
    case 1900:
    case 5353:
    case 8080:
    case 8443:
    case 8554:
    case 6514:
    case 2323:
    case 7547:
    case 5060:
    case 3478:
    case 6666:
    case 6667:
    case 8888:
    case 9000:
    case 10001:
    case 1935:
    case 4840:
      return true;
    default:
      return port < 1024;
  }
}

constexpr std::size_t kObserverReserve = 16u << 20;  // findings, inventory, behaviour tables

}  // namespace

Analyzer::Analyzer(const Options& options, std::string capture_name)
    : options_(options),
      capture_(capture_name),
      observer_(options, std::move(capture_name)),
      flows_(options.memory_cap_bytes > 2 * kObserverReserve
                 ? options.memory_cap_bytes - kObserverReserve
                 : options.memory_cap_bytes / 2,
             options.tcp_idle_timeout_s, options.udp_idle_timeout_s),
      defrag_(options.fragment_memory_bytes, options.fragment_timeout_s) {}

Analyzer::~Analyzer() = default;

void Analyzer::packet(int linktype, Bytes frame, double time) {
  ++stats_.packets;
  stats_.bytes += frame.size();
  if (!decode(linktype, frame, packet_)) {
    ++stats_.undecoded;
    return;
  }
  observer_.behaviour(packet_, time);
  if (packet_.fragment) {
    bool conflict = false;
    const Bytes whole = defrag_.add(packet_, time, conflict);
    if (conflict) observer_.fragment_conflict(packet_, time);
    if (whole.empty() || !decode_transport(packet_.frag_protocol, whole, packet_)) return;
    packet_.fragment = false;
  }
  if (packet_.transport == Transport::other) return;
  stats_.flows_evicted += flows_.expire(time, [&](Flow& f, bool) { end_flow(f, time); });
  bool created = false;
  Flow& flow = flows_.lookup(packet_, time, created);
  if (created) {
    ++stats_.flows;
    const Packet& p = packet_;
    bool sender_is_client;
    if (p.transport == Transport::tcp && (p.tcp_flags & tcp_flag::syn)) {
      sender_is_client = !(p.tcp_flags & tcp_flag::ack);
    } else {
      sender_is_client = service_port(p.dst_port) || !service_port(p.src_port);
      if (service_port(p.dst_port) && service_port(p.src_port))
        sender_is_client = p.dst_port <= p.src_port;
      if (p.dst.is_multicast_or_broadcast()) sender_is_client = true;
    }
    FlowInfo& info = flow.info;
    info.transport = p.transport;
    info.has_mac = p.has_mac;
    if (sender_is_client) {
      info.client = p.src, info.client_port = p.src_port, info.server = p.dst,
      info.server_port = p.dst_port;
      info.client_mac = p.src_mac, info.server_mac = p.dst_mac;
    } else {
      info.client = p.dst, info.client_port = p.dst_port, info.server = p.src,
      info.server_port = p.src_port;
      info.client_mac = p.dst_mac, info.server_mac = p.src_mac;
    }
    if (p.has_mac && info.client.is_private() && !info.client.is_multicast_or_broadcast()) {
      observer_.device_attribute(info.client, &info.client_mac, "seen", "client");
    }
    observer_.examined("traffic.cleartext-services", p.transport == Transport::tcp ? "tcp" : "udp");
    observer_.new_flow(info, time);
  }
  on_flow_packet(flow, packet_, time);
}

void Analyzer::on_flow_packet(Flow& flow, const Packet& p, double time) {
  const Dir dir =
      (p.src == flow.info.client && p.src_port == flow.info.client_port) ? kToServer : kToClient;
  if (p.transport == Transport::udp) {
    if (!p.payload.empty() && !flow.dissection_over) {
      deliver(flow, dir, p.payload, time);
      if (flow.session) flows_.recount(flow);  // datagram sessions buffer too (DTLS messages)
    }
    return;
  }
  TcpStream& s = flow.tcp[dir];
  std::uint32_t seq = p.seq;
  if (p.tcp_flags & tcp_flag::syn) {
    s.seq_known = true;
    s.next_seq = p.seq + 1;
    seq = p.seq + 1;
  } else if (!s.seq_known) {
    s.seq_known = true;
    s.next_seq = p.seq;
  }
  if (p.tcp_flags & tcp_flag::rst) flow.rst = true;
  if (!p.payload.empty() && !flow.dissection_over) {
    Bytes data = p.payload;
    auto rel = static_cast<std::int32_t>(seq - s.next_seq);
    if (rel < 0) {  // retransmitted or overlapping: keep only what is new
      const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(rel));
      data = old >= data.size() ? Bytes{} : data.subspan(old);
      rel = 0;
    }
    if (!data.empty() && rel > 0) {
      if (s.early_bytes + data.size() > FlowTable::kEarlyLimit || rel > (1 << 20)) {
        // The hole is not going to be filled within bounds: the direction lost sync.
        stats_.reassembly_dropped += data.size() + s.early_bytes;
        s.early.clear();
        s.early_bytes = 0;
        s.pending.clear();
        if (flow.session) {
          Context ctx{flow.info, observer_, time};
          flow.session->gap(ctx, dir);
        }
      } else if (!s.early.count(seq)) {
        s.early_bytes += data.size();
        s.early.emplace(seq, std::vector<std::uint8_t>(data.begin(), data.end()));
      }
    } else if (!data.empty()) {
      deliver(flow, dir, data, time);
      s.next_seq += static_cast<std::uint32_t>(data.size());
      while (!s.early.empty() && !flow.dissection_over) {
        auto it = s.early.begin();
        const auto r = static_cast<std::int32_t>(it->first - s.next_seq);
        if (r > 0) break;
        const auto skip = static_cast<std::size_t>(-static_cast<std::int64_t>(r));
        std::vector<std::uint8_t> bytes = std::move(it->second);
        s.early_bytes -= bytes.size();
        s.early.erase(it);
        if (skip < bytes.size()) {
          deliver(flow, dir, Bytes(bytes).subspan(skip), time);
          s.next_seq += static_cast<std::uint32_t>(bytes.size() - skip);
        }
      }
    }
    if (flow.dissection_over) {
      for (auto& t : flow.tcp) {
        t.early.clear();
        t.early_bytes = 0;
        std::vector<std::uint8_t>().swap(t.pending);
      }
    }
    flows_.recount(flow);
  }
  if (p.tcp_flags & tcp_flag::fin) s.fin = true;
  if (flow.rst || (flow.tcp[0].fin && flow.tcp[1].fin)) {
    end_flow(flow, time);
    flows_.erase(flow);
  }
}

void Analyzer::deliver(Flow& flow, Dir dir, Bytes data, double time) {
  Context ctx{flow.info, observer_, time};
  if (!flow.session) {
    if (flow.dissection_over) return;
    for (const Dissector& d : dissectors()) {
      if (d.transport != flow.info.transport) continue;
      if (auto session = d.accept(flow.info, dir, data)) {
        flow.session = std::move(session);
        flow.dissector = &d;
        observer_.examined("traffic.cleartext-credentials", d.name);
        break;
      }
    }
    if (!flow.session) {
      if (++flow.sniff_attempts >= 4) flow.dissection_over = true;
      return;
    }
  }
  Session& session = *flow.session;
  if (flow.info.transport == Transport::udp) {
    session.datagram(ctx, dir, data);
  } else if (session.wants[dir]) {
    auto feed = [&](Bytes in) -> Bytes {
      while (!in.empty() && session.wants[dir]) {
        if (session.skip[dir] > 0) {
          const std::size_t n = std::min(session.skip[dir], in.size());
          session.skip[dir] -= n;
          in = in.subspan(n);
          continue;
        }
        const std::size_t used = session.stream(ctx, dir, in);
        if (used == 0) break;
        in = in.subspan(std::min(used, in.size()));
      }
      return session.wants[dir] ? in : Bytes{};
    };
    auto& pending = flow.tcp[dir].pending;
    if (pending.empty()) {
      const Bytes rest = feed(data);
      pending.assign(rest.begin(), rest.end());
    } else {
      pending.insert(pending.end(), data.begin(), data.end());
      const Bytes rest = feed(Bytes(pending));
      pending.erase(pending.begin(),
                    pending.begin() + static_cast<std::ptrdiff_t>(pending.size() - rest.size()));
    }
    if (pending.size() > FlowTable::kPendingLimit) {
      stats_.reassembly_dropped += pending.size();
      session.gap(ctx, dir);
      std::vector<std::uint8_t>().swap(pending);
    } else if (pending.empty() && pending.capacity() > 4096) {
      std::vector<std::uint8_t>().swap(pending);
    }
  }
  if (!session.wants[kToServer] && !session.wants[kToClient]) {
    session.end(ctx);
    flow.session.reset();
    flow.dissection_over = true;
  }
}

void Analyzer::end_flow(Flow& flow, double time) {
  if (flow.session) {
    Context ctx{flow.info, observer_, time};
    flow.session->end(ctx);
    flow.session.reset();
  }
  flow.dissection_over = true;
}

Stats Analyzer::stats_with_fragments() const {
  Stats s = stats_;
  const FragmentStats& f = defrag_.stats();
  s.ip_fragments = f.fragments;
  s.ip_reassembled = f.reassembled;
  s.ip_fragments_overlapping = f.overlapping;
  s.ip_fragments_conflicting = f.conflicting;
  s.ip_datagrams_dropped = f.dropped + defrag_.pending();  // still incomplete at the end
  return s;
}

Result Analyzer::snapshot() const {
  Observer copy = observer_;
  Result r;
  r.stats = stats_with_fragments();
  r.findings = copy.finish(r.stats, {});
  return r;
}

Result Analyzer::finish(const std::string& damaged) {
  double last = 0;
  flows_.for_each([&](Flow& f) { last = std::max(last, f.last_seen); });
  flows_.for_each([&](Flow& f) { end_flow(f, f.last_seen); });
  Result r;
  r.stats = stats_with_fragments();
  r.error = damaged;
  r.findings = observer_.finish(r.stats, damaged);
  return r;
}

}  // namespace kensa::traffic
