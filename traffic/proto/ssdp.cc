// SSDP (UPnP discovery): devices announcing themselves (NOTIFY, M-SEARCH answers).
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

std::string_view header(std::string_view text, std::string_view name) {
  for (std::size_t pos = text.find("\r\n");
       pos != std::string_view::npos && pos + 2 < text.size();) {
    const auto next = text.find("\r\n", pos + 2);
    std::string_view line = text.substr(
        pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
    if (line.size() > name.size() && line[name.size()] == ':' && starts_with_nocase(line, name)) {
      line.remove_prefix(name.size() + 1);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      return line;
    }
    pos = next;
  }
  return {};
}

class SsdpSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (++messages_ > 64) return;
    const std::string_view text = as_text(data);
    if (starts_with_nocase(text, "NOTIFY ")) {
      ctx.observer.upnp(ctx, dir, "notify", header(text, "SERVER"), header(text, "LOCATION"));
    } else if (starts_with_nocase(text, "HTTP/1.1 200")) {
      ctx.observer.upnp(ctx, dir, "m-search response", header(text, "SERVER"),
                        header(text, "LOCATION"));
    } else if (starts_with_nocase(text, "M-SEARCH ")) {
      const Address& sender = dir == kToServer ? ctx.flow.client : ctx.flow.server;
      ctx.observer.examined("traffic.upnp", "ssdp");
      ctx.observer.device_attribute(sender, nullptr, "ssdp_search",
                                    printable(header(text, "ST"), 100));
      ctx.observer.device_attribute(sender, nullptr, "ssdp_user_agent",
                                    printable(header(text, "USER-AGENT"), 100));
    }
  }
  int messages_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  const std::string_view text = as_text(data);
  if (!port_is(flow, {1900}) && !starts_with_nocase(text, "M-SEARCH * HTTP/1.1") &&
      !starts_with_nocase(text, "NOTIFY * HTTP/1.1")) {
    return nullptr;
  }
  if (!starts_with_nocase(text, "M-SEARCH") && !starts_with_nocase(text, "NOTIFY") &&
      !starts_with_nocase(text, "HTTP/1.1")) {
    return nullptr;
  }
  return std::make_unique<SsdpSession>();
}

}  // namespace

extern const Dissector kSsdp{"ssdp", Transport::udp, &accept};

}  // namespace kensa::traffic
