// SNMP v1/v2c (RFC 1157, 3416): the community string travels in clear in every message.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

// One BER tag-length-value; returns false when it does not fit.
bool tlv(Bytes data, std::size_t& pos, std::uint8_t& tag, Bytes& value) {
  if (pos + 2 > data.size()) return false;
  tag = data[pos++];
  std::size_t length = data[pos++];
  if (length & 0x80) {
    const std::size_t n = length & 0x7f;
    if (n == 0 || n > 3 || pos + n > data.size()) return false;
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = length << 8 | data[pos++];
  }
  if (pos + length > data.size()) return false;
  value = data.subspan(pos, length);
  pos += length;
  return true;
}

class SnmpSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    std::size_t pos = 0;
    std::uint8_t tag = 0;
    Bytes message, version, community;
    if (!tlv(data, pos, tag, message) || tag != 0x30) return;
    pos = 0;
    if (!tlv(message, pos, tag, version) || tag != 0x02 || version.size() != 1) return;
    if (version[0] > 1) return;  // SNMPv3 has no community
    if (!tlv(message, pos, tag, community) || tag != 0x04 || pos >= message.size()) return;
    const std::uint8_t pdu = message[pos];
    const bool response = pdu == 0xa2;
    ctx.observer.examined("traffic.snmp.credentials", "snmp message");
    ctx.observer.snmp_community(ctx, as_text(community), response && dir == kToClient, version[0]);
  }
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {161, 162}) || data.empty() || data[0] != 0x30) return nullptr;
  return std::make_unique<SnmpSession>();
}

}  // namespace

extern const Dissector kSnmp{"snmp", Transport::udp, &accept};

}  // namespace kensa::traffic
