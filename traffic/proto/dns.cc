// DNS (RFC 1035): the names a device looks up, for the inventory of whom it talks to.
#include "traffic/checks.h"
#include "traffic/dissector.h"
#include "traffic/proto/dns_names.h"

namespace kensa::traffic {

namespace {

class DnsSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (dir != kToServer || ++queries_ > 16) return;
    bool response = false;
    std::vector<DnsRecord> questions, answers;
    if (!parse_dns(data, response, questions, answers, 4) || response) return;
    for (const auto& q : questions) {
      ctx.observer.device_attribute(
          ctx.flow.client, ctx.flow.has_mac ? &ctx.flow.client_mac : nullptr, "dns_query", q.name);
    }
  }
  int queries_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {53}) || data.size() < 12) return nullptr;
  return std::make_unique<DnsSession>();
}

}  // namespace

extern const Dissector kDns{"dns", Transport::udp, &accept};

}  // namespace kensa::traffic
