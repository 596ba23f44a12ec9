// DTLS 1.0/1.2 over UDP: several records per datagram, handshake messages with fragment offsets.
#include "traffic/proto/tls_messages.h"

namespace kensa::traffic {

namespace {

constexpr std::size_t kMaxMessage = 64 * 1024;
constexpr int kMaxDatagrams = 32;

class DtlsSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    if (done_[dir] || ++datagrams_[dir] > kMaxDatagrams) return;
    std::size_t pos = 0;
    while (pos + 13 <= data.size()) {
      const std::uint8_t type = data[pos];
      const std::size_t length = static_cast<std::size_t>(data[pos + 11] << 8 | data[pos + 12]);
      if (data[pos + 1] != 0xfe || pos + 13 + length > data.size()) return;
      const std::uint16_t epoch = static_cast<std::uint16_t>(data[pos + 3] << 8 | data[pos + 4]);
      if (type == 22 && epoch == 0) handshake(ctx, dir, data.subspan(pos + 13, length));
      if (type == 20 || type == 23) done_[dir] = true;
      pos += 13 + length;
    }
  }

  std::size_t extra_bytes() const override {
    return message_[0].capacity() + message_[1].capacity();
  }

 private:
  void handshake(Context& ctx, Dir dir, Bytes record) {
    std::size_t pos = 0;
    while (pos + 12 <= record.size()) {
      auto u24 = [&](std::size_t at) {
        return std::size_t{record[at]} << 16 | std::size_t{record[at + 1]} << 8 | record[at + 2];
      };
      const std::uint8_t type = record[pos];
      const std::size_t length = u24(pos + 1);
      const std::size_t offset = u24(pos + 6);
      const std::size_t frag = u24(pos + 9);
      if (pos + 12 + frag > record.size() || length > kMaxMessage || offset + frag > length) return;
      const Bytes piece = record.subspan(pos + 12, frag);
      pos += 12 + frag;
      // Reassemble fragments that arrive in order; out-of-order fragments restart the message.
      auto& m = message_[dir];
      if (offset == 0) {
        m.assign(piece.begin(), piece.end());
        type_[dir] = type;
      } else if (type == type_[dir] && offset == m.size()) {
        m.insert(m.end(), piece.begin(), piece.end());
      } else {
        continue;
      }
      if (m.size() != length) continue;
      const Bytes body(m);
      if (type == 1 && dir == kToServer) {
        TlsHello hello;
        if (parse_hello(body, true, true, hello)) ctx.observer.tls_hello(ctx, hello);
      } else if (type == 2 && dir == kToClient) {
        TlsHello hello;
        if (parse_hello(body, false, true, hello)) ctx.observer.tls_hello(ctx, hello);
      } else if (type == 11 && dir == kToClient) {
        report_certificates(ctx, body, true);
      }
      std::vector<std::uint8_t>().swap(m);
    }
  }

  std::vector<std::uint8_t> message_[2];
  std::uint8_t type_[2] = {0, 0};
  int datagrams_[2] = {0, 0};
  bool done_[2] = {false, false};
};

std::unique_ptr<Session> accept(const FlowInfo&, Dir, Bytes data) {
  if (data.size() < 13 || data[0] != 22 || data[1] != 0xfe) return nullptr;
  if (data[2] != 0xff && data[2] != 0xfd && data[2] != 0xfc) return nullptr;
  return std::make_unique<DtlsSession>();
}

}  // namespace

extern const Dissector kDtls{"dtls", Transport::udp, &accept};

}  // namespace kensa::traffic
