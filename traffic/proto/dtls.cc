// DTLS 1.0/1.2 over UDP: several records per datagram, handshake messages split in fragments
// that may arrive out of order, repeated or overlapping (RFC 6347 4.2.3).
#include <algorithm>

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
    std::size_t n = 0;
    for (const auto& side : pending_)
      for (const auto& m : side) n += m.bytes.capacity() + m.ranges.capacity() * 16;
    return n;
  }

 private:
  // A handshake message being put together from fragments that may arrive in any order, repeated
  // or overlapping (retransmissions): first arrival wins, complete when every byte is covered.
  struct Message {
    std::uint16_t seq = 0;
    std::uint8_t type = 0;
    std::vector<std::uint8_t> bytes;
    std::vector<std::pair<std::size_t, std::size_t>> ranges;  // held [begin, end), merged
  };
  static constexpr std::size_t kMaxPending = 3;  // messages in progress per direction

  void handshake(Context& ctx, Dir dir, Bytes record) {
    std::size_t pos = 0;
    while (pos + 12 <= record.size()) {
      auto u24 = [&](std::size_t at) {
        return std::size_t{record[at]} << 16 | std::size_t{record[at + 1]} << 8 | record[at + 2];
      };
      const std::uint8_t type = record[pos];
      const std::size_t length = u24(pos + 1);
      const auto seq = static_cast<std::uint16_t>(record[pos + 4] << 8 | record[pos + 5]);
      const std::size_t offset = u24(pos + 6);
      const std::size_t frag = u24(pos + 9);
      if (pos + 12 + frag > record.size() || length > kMaxMessage || offset + frag > length) return;
      const Bytes piece = record.subspan(pos + 12, frag);
      pos += 12 + frag;
      if (done_seq(dir, seq)) continue;
      auto& side = pending_[dir];
      auto it =
          std::find_if(side.begin(), side.end(), [&](const Message& m) { return m.seq == seq; });
      if (it == side.end()) {
        if (side.size() >= kMaxPending) side.erase(side.begin());  // the oldest gives way
        side.push_back(Message{seq, type, std::vector<std::uint8_t>(length), {}});
        it = side.end() - 1;
      }
      Message& m = *it;
      if (m.type != type || m.bytes.size() != length) continue;  // contradicts the first fragment
      add_piece(m, offset, piece);
      if (!(m.ranges.size() == 1 && m.ranges[0].first == 0 && m.ranges[0].second == length) &&
          length != 0)
        continue;
      const std::vector<std::uint8_t> body = std::move(m.bytes);
      side.erase(it);
      completed_[dir].push_back(seq);
      if (completed_[dir].size() > 8) completed_[dir].erase(completed_[dir].begin());
      message(ctx, dir, type, Bytes(body));
    }
  }

  static void add_piece(Message& m, std::size_t offset, Bytes piece) {
    const std::size_t end = offset + piece.size();
    std::size_t cursor = offset;
    for (const auto& [b, e] : m.ranges) {  // copy only the bytes not held yet
      if (e <= cursor) continue;
      if (b >= end) break;
      if (b > cursor)
        std::copy(piece.begin() + (cursor - offset), piece.begin() + (b - offset),
                  m.bytes.begin() + cursor);
      cursor = std::max(cursor, std::min(e, end));
    }
    if (cursor < end)
      std::copy(piece.begin() + (cursor - offset), piece.end(), m.bytes.begin() + cursor);
    if (piece.empty()) return;
    m.ranges.emplace_back(offset, end);
    std::sort(m.ranges.begin(), m.ranges.end());
    std::vector<std::pair<std::size_t, std::size_t>> merged;
    for (const auto& r : m.ranges) {
      if (!merged.empty() && r.first <= merged.back().second)
        merged.back().second = std::max(merged.back().second, r.second);
      else
        merged.push_back(r);
    }
    m.ranges = std::move(merged);
  }

  bool done_seq(Dir dir, std::uint16_t seq) const {
    return std::find(completed_[dir].begin(), completed_[dir].end(), seq) != completed_[dir].end();
  }

  void message(Context& ctx, Dir dir, std::uint8_t type, Bytes body) {
    if (type == 1 && dir == kToServer) {
      TlsHello hello;
      if (parse_hello(body, true, true, hello)) ctx.observer.tls_hello(ctx, hello);
    } else if (type == 2 && dir == kToClient) {
      TlsHello hello;
      if (parse_hello(body, false, true, hello)) ctx.observer.tls_hello(ctx, hello);
    } else if (type == 11 && dir == kToClient) {
      report_certificates(ctx, body, true);
    }
  }

  std::vector<Message> pending_[2];
  std::vector<std::uint16_t> completed_[2];  // message_seq already handled (retransmissions)
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
