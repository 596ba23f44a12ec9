// Modbus/TCP: an industrial protocol with no authentication at all; write functions are noted.
#include <fmt/format.h>

#include <set>

#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

class ModbusSession final : public Session {
 public:
  std::size_t stream(Context& ctx, Dir dir, Bytes d) override {
    if (d.size() < 8) return 0;
    const std::size_t length = static_cast<std::size_t>(d[4] << 8 | d[5]);
    if (d[2] != 0 || d[3] != 0 || length < 2 || length > 254) {
      wants[dir] = false;
      return 0;
    }
    if (d.size() < 6 + length) return 0;
    if (dir == kToServer) {
      const std::uint8_t function = d[7];
      if (functions_.size() < 32) functions_.insert(function);
      if (++requests_ >= 64) wants[0] = wants[1] = false;
    }
    (void)ctx;
    return 6 + length;
  }
  void end(Context& ctx) override {
    if (functions_.empty()) return;
    std::string list;
    bool writes = false;
    for (auto f : functions_) {
      list += fmt::format("{}{}", list.empty() ? "" : ",", f);
      writes = writes || f == 5 || f == 6 || f == 15 || f == 16 || f == 22 || f == 23;
    }
    ctx.observer.cleartext_service(ctx, "modbus",
                                   fmt::format("function codes {}{}", list,
                                               writes ? " including writes, unauthenticated" : ""));
  }
  std::set<std::uint8_t> functions_;
  int requests_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {502}) || data.size() < 8 || data[2] != 0 || data[3] != 0) return nullptr;
  return std::make_unique<ModbusSession>();
}

}  // namespace

extern const Dissector kModbus{"modbus", Transport::tcp, &accept};

}  // namespace kensa::traffic
