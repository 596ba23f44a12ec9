// Multicast DNS (RFC 6762) and DNS-SD: the names and services a device announces.
#include "traffic/checks.h"
#include "traffic/dissector.h"
#include "traffic/proto/dns_names.h"

namespace kensa::traffic {

namespace {

class MdnsSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (++messages_ > 64) return;
    bool response = false;
    std::vector<DnsRecord> questions, answers;
    if (!parse_dns(data, response, questions, answers, 16)) return;
    const Address& sender = dir == kToServer ? ctx.flow.client : ctx.flow.server;
    const auto* mac = ctx.flow.has_mac
                          ? (dir == kToServer ? &ctx.flow.client_mac : &ctx.flow.server_mac)
                          : nullptr;
    for (const auto& a : answers) {
      if (a.type == 1 || a.type == 28)
        ctx.observer.device_attribute(sender, mac, "mdns_name", a.name);
      if (a.type == 12 && !a.target.empty())
        ctx.observer.device_attribute(sender, mac, "mdns_service", a.target);
    }
    if (!response) {
      for (const auto& q : questions)
        ctx.observer.device_attribute(sender, mac, "mdns_query", q.name);
    }
  }
  int messages_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {5353}) || data.size() < 12) return nullptr;
  return std::make_unique<MdnsSession>();
}

}  // namespace

extern const Dissector kMdns{"mdns", Transport::udp, &accept};

}  // namespace kensa::traffic
