// NTP (RFC 5905) and SNTP: evidence of time synchronisation.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

class NtpSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (data.size() < 48) return;
    const int mode = data[0] & 7;
    if (mode == 3 && dir == kToServer) requested_ = true;
    if (mode == 4 && dir == kToClient && !reported_) {
      reported_ = true;
      ctx.observer.time_sync(ctx, "ntp", data[1]);
    }
  }
  void end(Context& ctx) override {
    if (requested_ && !reported_) ctx.observer.time_sync(ctx, "ntp (request, no answer seen)", 0);
  }
  bool requested_ = false, reported_ = false;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {123}) || data.size() < 48) return nullptr;
  const int version = (data[0] >> 3) & 7;
  if (version < 1 || version > 4) return nullptr;
  return std::make_unique<NtpSession>();
}

}  // namespace

extern const Dissector kNtp{"ntp", Transport::udp, &accept};

}  // namespace kensa::traffic
