// DNS (RFC 1035): the names a device looks up, for the inventory of whom it talks to.
#include "traffic/checks.h"
#include "traffic/dissector.h"
#include "traffic/proto/dns_names.h"

namespace kensa::traffic {

namespace {

class DnsSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (data.size() < 12) return;
    const bool is_response = data[2] & 0x80;
    bool response = false;
    std::vector<DnsRecord> questions, answers;
    if (is_response) {
      // Addresses the device learnt for names: what a name-based allow-list admits.
      if (dir != kToClient || ++responses_ > 16 ||
          !parse_dns(data, response, questions, answers, 16))
        return;
      for (const auto& a : answers) {
        if (!a.has_address) continue;
        ctx.observer.dns_answer(ctx, a.name, a.address);
        for (const auto& q : questions) {
          if (q.name != a.name) ctx.observer.dns_answer(ctx, q.name, a.address);  // via CNAMEs
        }
      }
      return;
    }
    if (dir != kToServer || ++queries_ > 16) return;
    if (!parse_dns(data, response, questions, answers, 4)) return;
    for (const auto& q : questions) {
      ctx.observer.device_attribute(
          ctx.flow.client, ctx.flow.has_mac ? &ctx.flow.client_mac : nullptr, "dns_query", q.name);
    }
  }
  int queries_ = 0, responses_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {53}) || data.size() < 12) return nullptr;
  return std::make_unique<DnsSession>();
}

}  // namespace

extern const Dissector kDns{"dns", Transport::udp, &accept};

}  // namespace kensa::traffic
