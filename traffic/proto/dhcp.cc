// DHCP (RFC 2131/2132): client host name, vendor class and hardware address, for the inventory.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

class DhcpSession final : public Session {
 public:
  void datagram(Context& ctx, Dir, Bytes d) override {
    if (d.size() < 240 || d[0] != 1 || d[1] != 1 || d[2] != 6) return;  // BOOTREQUEST over Ethernet
    if (!(d[236] == 99 && d[237] == 130 && d[238] == 83 && d[239] == 99)) return;
    std::array<std::uint8_t, 6> mac{};
    std::copy(d.begin() + 28, d.begin() + 34, mac.begin());
    Address device = address_v4(&d[12]);  // ciaddr
    std::string host, vendor, fqdn;
    for (std::size_t pos = 240; pos < d.size();) {
      const std::uint8_t code = d[pos];
      if (code == 255) break;
      if (code == 0) {
        ++pos;
        continue;
      }
      if (pos + 2 > d.size() || pos + 2 + d[pos + 1] > d.size()) break;
      const Bytes value = d.subspan(pos + 2, d[pos + 1]);
      if (code == 12) host = as_text(value);
      if (code == 60) vendor = as_text(value);
      if (code == 81 && value.size() > 3) fqdn = as_text(value.subspan(3));
      if (code == 50 && value.size() == 4) device = address_v4(value.data());
      pos += 2 + value.size();
    }
    if (device == address_v4(std::array<std::uint8_t, 4>{}.data())) {
      // No address yet: name the device by its IPv6 link-local address derived from the MAC
      // (modified EUI-64), the one address it is sure to have.
      std::array<std::uint8_t, 16> ll{0xfe, 0x80};
      ll[8] = mac[0] ^ 0x02, ll[9] = mac[1], ll[10] = mac[2], ll[11] = 0xff;
      ll[12] = 0xfe, ll[13] = mac[3], ll[14] = mac[4], ll[15] = mac[5];
      device = address_v6(ll.data());
    }
    ctx.observer.device_attribute(device, &mac, "dhcp_hostname", printable(host, 64));
    ctx.observer.device_attribute(device, &mac, "dhcp_vendor_class", printable(vendor, 64));
    ctx.observer.device_attribute(device, &mac, "dhcp_fqdn", printable(fqdn, 64));
  }
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {67, 68}) || data.size() < 240) return nullptr;
  return std::make_unique<DhcpSession>();
}

}  // namespace

extern const Dissector kDhcp{"dhcp", Transport::udp, &accept};

}  // namespace kensa::traffic
