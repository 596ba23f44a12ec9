// BACnet/IP (ASHRAE 135 Annex J): building automation without authentication; I-Am device ids.
#include <fmt/format.h>

#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

class BacnetSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes d) override {
    if (d.size() < 6 || d[0] != 0x81 || ++messages_ > 64) return;
    if (!reported_) {
      reported_ = true;
      ctx.observer.cleartext_service(ctx, "bacnet", "BACnet/IP has no transport security");
    }
    // BVLC (4 bytes, 10 more for Forwarded-NPDU), then NPDU version 1 and control.
    std::size_t pos = d[1] == 0x04 ? 10 : 4;
    if (pos + 2 > d.size() || d[pos] != 1) return;
    const std::uint8_t control = d[pos + 1];
    pos += 2;
    if (control & 0x80) return;  // network layer message
    if (control & 0x20) {        // destination present: DNET(2) DLEN(1) DADR
      if (pos + 3 > d.size()) return;
      pos += 3 + d[pos + 2];
    }
    if (control & 0x08) {  // source present: SNET(2) SLEN(1) SADR
      if (pos + 3 > d.size()) return;
      pos += 3 + d[pos + 2];
    }
    if (control & 0x20) ++pos;  // hop count
    // Unconfirmed I-Am: PDU type 0x10, service 0, object identifier (application tag 12).
    if (pos + 7 <= d.size() && d[pos] == 0x10 && d[pos + 1] == 0x00 && d[pos + 2] == 0xc4) {
      const std::uint32_t object = std::uint32_t{d[pos + 3]} << 24 |
                                   std::uint32_t{d[pos + 4]} << 16 |
                                   std::uint32_t{d[pos + 5]} << 8 | d[pos + 6];
      const Address& sender = dir == kToServer ? ctx.flow.client : ctx.flow.server;
      ctx.observer.device_attribute(sender, nullptr, "bacnet_device",
                                    fmt::format("device,{}", object & 0x3fffff));
    }
  }
  int messages_ = 0;
  bool reported_ = false;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (data.size() < 4 || data[0] != 0x81) return nullptr;
  if (!port_is(flow, {47808, 47809}) && !(flow.client_port == 47808)) return nullptr;
  return std::make_unique<BacnetSession>();
}

}  // namespace

extern const Dissector kBacnet{"bacnet", Transport::udp, &accept};

}  // namespace kensa::traffic
