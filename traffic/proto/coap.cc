// CoAP (RFC 7252) on the clear port: requests (method, Uri-Path) and whether they were answered.
#include <map>

#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

class CoapSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes d) override {
    if (d.size() < 4 || (d[0] >> 6) != 1 || ++messages_ > 256) return;
    const std::size_t token_length = d[0] & 0x0f;
    if (token_length > 8 || 4 + token_length > d.size()) return;
    const std::uint8_t code = d[1];
    const std::uint16_t id = static_cast<std::uint16_t>(d[2] << 8 | d[3]);
    std::string path;
    bool oscore = false;
    std::size_t pos = 4 + token_length;
    unsigned option = 0;
    while (pos < d.size() && d[pos] != 0xff) {
      unsigned delta = d[pos] >> 4, length = d[pos] & 0x0f;
      ++pos;
      auto extended = [&](unsigned& v) {
        if (v == 13) {
          if (pos >= d.size()) return false;
          v = 13u + d[pos++];
        } else if (v == 14) {
          if (pos + 1 >= d.size()) return false;
          v = 269u + (d[pos] << 8 | d[pos + 1]);
          pos += 2;
        } else if (v == 15) {
          return false;
        }
        return true;
      };
      if (!extended(delta) || !extended(length) || pos + length > d.size()) break;
      option += delta;
      if (option == 11 && path.size() < 200)
        path += (path.empty() ? "" : "/") + std::string(as_text(d.subspan(pos, length)));
      if (option == 9) oscore = true;
      pos += length;
    }
    static constexpr const char* kMethods[] = {"",       "GET",   "POST",  "PUT",
                                               "DELETE", "FETCH", "PATCH", "iPATCH"};
    if (code >= 1 && code <= 7 && dir == kToServer) {
      ctx.observer.examined("traffic.coap", "coap request");
      if (!oscore) ctx.observer.coap(ctx, kMethods[code], path);
      if (pending_.size() < 64 && !oscore) pending_[id] = path;
    } else if ((code >> 5) == 2 && dir == kToClient) {
      auto it = pending_.find(id);
      if (it != pending_.end() && !oscore) ctx.observer.coap_answered(ctx, it->second, code);
    }
  }
  std::map<std::uint16_t, std::string> pending_;
  int messages_ = 0;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {5683}) || data.size() < 4 || (data[0] >> 6) != 1) return nullptr;
  return std::make_unique<CoapSession>();
}

}  // namespace

extern const Dissector kCoap{"coap", Transport::udp, &accept};

}  // namespace kensa::traffic
