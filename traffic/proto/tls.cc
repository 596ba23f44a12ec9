// TLS over TCP: records, handshake messages spanning records, ClientHello, ServerHello and the
// certificate chain (TLS 1.2 and earlier send it in clear; TLS 1.3 encrypts it).
#include "traffic/proto/tls_messages.h"

namespace kensa::traffic {

namespace {

constexpr std::size_t kMaxRecord = 18432;          // 2^14 + 2048 (RFC 5246 6.2.3)
constexpr std::size_t kMaxHandshake = 128 * 1024;  // a long certificate chain fits

class TlsSession final : public Session {
 public:
  std::size_t stream(Context& ctx, Dir dir, Bytes data) override {
    if (data.size() < 5) return 0;
    const std::uint8_t type = data[0];
    const std::size_t length = static_cast<std::size_t>(data[3] << 8 | data[4]);
    if (type < 20 || type > 24 || data[1] != 3 || length > kMaxRecord) {
      wants[dir] = false;  // not (or no longer) TLS
      return 0;
    }
    if (data.size() < 5 + length) return 0;
    const Bytes fragment = data.subspan(5, length);
    if (type == 22 && !encrypted_[dir]) {
      auto& hs = handshake_[dir];
      if (hs.size() + fragment.size() > kMaxHandshake) {
        wants[dir] = false;
        return 0;
      }
      hs.insert(hs.end(), fragment.begin(), fragment.end());
      messages(ctx, dir);
    } else if (type == 20 || type == 23) {
      // ChangeCipherSpec or application data: nothing in clear follows.
      encrypted_[dir] = true;
      wants[dir] = false;
    }
    return 5 + length;
  }

  std::size_t extra_bytes() const override {
    return handshake_[0].capacity() + handshake_[1].capacity();
  }

 private:
  void messages(Context& ctx, Dir dir) {
    auto& hs = handshake_[dir];
    std::size_t pos = 0;
    while (pos + 4 <= hs.size()) {
      const std::uint8_t type = hs[pos];
      const std::size_t length =
          std::size_t{hs[pos + 1]} << 16 | std::size_t{hs[pos + 2]} << 8 | hs[pos + 3];
      if (length > kMaxHandshake) {
        wants[dir] = false;
        hs.clear();
        return;
      }
      if (pos + 4 + length > hs.size()) break;
      const Bytes body(hs.data() + pos + 4, length);
      if (type == 1 && dir == kToServer) {
        TlsHello hello;
        if (parse_hello(body, true, false, hello)) ctx.observer.tls_hello(ctx, hello);
      } else if (type == 2 && dir == kToClient) {
        TlsHello hello;
        if (parse_hello(body, false, false, hello)) {
          ctx.observer.tls_hello(ctx, hello);
          for (auto v : hello.supported_versions) tls13_ = tls13_ || v == 0x0304;
          if (tls13_) wants[dir] = false;  // the rest of the server's handshake is encrypted
        }
      } else if (type == 11 && dir == kToClient) {
        report_certificates(ctx, body, false);
        wants[dir] = false;
      }
      pos += 4 + length;
      if (!wants[dir]) break;
    }
    hs.erase(hs.begin(), hs.begin() + static_cast<std::ptrdiff_t>(std::min(pos, hs.size())));
    if (dir == kToServer && pos > 0) wants[dir] = false;  // the ClientHello is all a client shows
  }

  std::vector<std::uint8_t> handshake_[2];
  bool encrypted_[2] = {false, false};
  bool tls13_ = false;
};

std::unique_ptr<Session> accept(const FlowInfo&, Dir, Bytes data) {
  if (data.size() < 5 || data[0] != 22 || data[1] != 3 || data[2] > 4) return nullptr;
  return std::make_unique<TlsSession>();
}

}  // namespace

extern const Dissector kTls{"tls", Transport::tcp, &accept};

}  // namespace kensa::traffic
