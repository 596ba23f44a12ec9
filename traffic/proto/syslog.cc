// Syslog over UDP (RFC 3164/5424): evidence that logs are forwarded, in clear.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

class SyslogSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (dir != kToServer || reported_) return;
    reported_ = true;
    ctx.observer.log_forwarding(ctx, "syslog", false,
                                as_text(data.first(std::min<std::size_t>(data.size(), 80))));
  }
  bool reported_ = false;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {514}) || data.size() < 4 || data[0] != '<') return nullptr;
  std::size_t i = 1;
  while (i < data.size() && i < 5 && data[i] >= '0' && data[i] <= '9') ++i;
  if (i == 1 || i >= data.size() || data[i] != '>') return nullptr;
  return std::make_unique<SyslogSession>();
}

}  // namespace

extern const Dissector kSyslog{"syslog", Transport::udp, &accept};

}  // namespace kensa::traffic
