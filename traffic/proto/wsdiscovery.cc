// WS-Discovery (SOAP over UDP 3702; ONVIF cameras, printers): what a device probes for or
// announces, for the inventory.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

// Text of the first element whose local name is `name` (any namespace prefix).
std::string_view element(std::string_view xml, std::string_view name) {
  for (std::size_t pos = 0; (pos = xml.find(name, pos)) != std::string_view::npos;
       pos += name.size()) {
    if (pos == 0 || (xml[pos - 1] != ':' && xml[pos - 1] != '<')) continue;
    const auto open_end = xml.find('>', pos);
    if (open_end == std::string_view::npos || xml[open_end - 1] == '/') continue;
    const auto close = xml.find("</", open_end);
    if (close == std::string_view::npos) return {};
    return xml.substr(open_end + 1, close - open_end - 1);
  }
  return {};
}

class WsDiscoverySession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (++messages_ > 64) return;
    const std::string_view xml = as_text(data);
    const Address& sender = dir == kToServer ? ctx.flow.client : ctx.flow.server;
    const auto* mac = ctx.flow.has_mac
                          ? (dir == kToServer ? &ctx.flow.client_mac : &ctx.flow.server_mac)
                          : nullptr;
    const std::string_view types = element(xml, "Types");
    std::string_view action = element(xml, "Action");
    if (const auto slash = action.rfind('/'); slash != std::string_view::npos)
      action.remove_prefix(slash + 1);
    ctx.observer.device_attribute(sender, mac, "wsd_message", printable(action, 40));
    if (xml.find("ProbeMatch") != std::string_view::npos ||
        xml.find("Hello") != std::string_view::npos) {
      ctx.observer.device_attribute(sender, mac, "wsd_types", printable(types, 120));
      ctx.observer.device_attribute(sender, mac, "wsd_xaddrs",
                                    printable(element(xml, "XAddrs"), 120));
    } else if (xml.find("Probe") != std::string_view::npos) {
      ctx.observer.device_attribute(sender, mac, "wsd_probe",
                                    printable(types.empty() ? "(any)" : types, 120));
    }
  }
  int messages_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {3702}) || data.size() < 16 ||
      as_text(data).find("Envelope") == std::string_view::npos) {
    return nullptr;
  }
  return std::make_unique<WsDiscoverySession>();
}

}  // namespace

extern const Dissector kWsDiscovery{"ws-discovery", Transport::udp, &accept};

}  // namespace kensa::traffic
