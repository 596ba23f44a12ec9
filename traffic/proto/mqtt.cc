// MQTT 3.1, 3.1.1 and 5.0: CONNECT (client id, user name, password), CONNACK (anonymous access
// accepted), SUBSCRIBE and PUBLISH topics.
#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

constexpr std::size_t kMaxPacket = 256 * 1024;  // buffered whole; larger PUBLISH bodies are skipped
constexpr int kMaxPackets = 256;                // per direction, then the flow is left alone

// Bounds-checked reader over one MQTT packet body.
struct Reader {
  Bytes data;
  std::size_t pos = 0;
  bool ok = true;
  std::uint8_t u8() {
    if (pos + 1 > data.size()) return ok = false, 0;
    return data[pos++];
  }
  std::uint16_t u16() {
    if (pos + 2 > data.size()) return ok = false, 0;
    const std::uint16_t v = static_cast<std::uint16_t>(data[pos] << 8 | data[pos + 1]);
    pos += 2;
    return v;
  }
  std::string_view bytes(std::size_t n) {
    if (pos + n > data.size()) return ok = false, std::string_view();
    const std::string_view v = as_text(data.subspan(pos, n));
    pos += n;
    return v;
  }
  std::string_view string() { return bytes(u16()); }
  std::uint32_t varint() {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint8_t b = u8();
      value |= std::uint32_t{b & 0x7fu} << (7 * i);
      if (!(b & 0x80)) return value;
    }
    ok = false;
    return 0;
  }
  void skip_properties() { bytes(varint()); }
};

// Fixed header: packet type and flags, then the remaining length as a variable byte integer.
// Returns the header size, 0 when more bytes are needed, or -1 when malformed.
int fixed_header(Bytes data, std::uint32_t& remaining) {
  remaining = 0;
  for (std::size_t i = 1; i < 5; ++i) {
    if (i >= data.size()) return 0;
    remaining |= std::uint32_t{data[i] & 0x7fu} << (7 * (i - 1));
    if (!(data[i] & 0x80)) return static_cast<int>(i + 1);
  }
  return -1;
}

class MqttSession final : public Session {
 public:
  std::size_t stream(Context& ctx, Dir dir, Bytes data) override {
    std::uint32_t remaining = 0;
    const int header = fixed_header(data, remaining);
    if (header < 0 || (data[0] >> 4) == 0) {
      wants[dir] = false;
      return 0;
    }
    if (header == 0) return 0;
    const std::size_t total = static_cast<std::size_t>(header) + remaining;
    const int type = data[0] >> 4;
    if (++packets_[dir] > kMaxPackets) wants[dir] = false;
    if (total > data.size()) {
      if (type == 3 && data.size() >= static_cast<std::size_t>(header) + 2) {
        // A large PUBLISH: the topic is at the front; the payload need not be buffered.
        Reader r{data.subspan(header)};
        const std::string_view topic = r.string();
        if (r.ok) {
          ctx.observer.mqtt_topic(ctx, "publish", topic);
          skip[dir] = total - data.size();
          return data.size();
        }
      }
      if (total > kMaxPacket) wants[dir] = false;
      return 0;
    }
    Reader r{data.subspan(header, remaining)};
    switch (type) {
      case 1:
        if (dir == kToServer) connect(ctx, r);
        break;
      case 2:
        if (dir == kToClient) connack(ctx, r);
        break;
      case 3: {
        const std::string_view topic = r.string();
        if (r.ok) ctx.observer.mqtt_topic(ctx, "publish", topic);
        break;
      }
      case 8:
        if (dir == kToServer) subscribe(ctx, r);
        break;
      default:
        break;
    }
    return total;
  }

 private:
  void connect(Context& ctx, Reader& r) {
    const std::string_view protocol = r.string();
    const std::uint8_t level = r.u8();
    const std::uint8_t flags = r.u8();
    r.u16();  // keep alive
    if (!r.ok || (protocol != "MQTT" && protocol != "MQIsdp")) return;
    version_ = level;
    if (level == 5) r.skip_properties();
    const std::string_view client_id = r.string();
    if (flags & 0x04) {  // will message
      if (level == 5) r.skip_properties();
      r.string();
      r.string();
    }
    std::string_view user, password;
    const bool has_user = flags & 0x80, has_password = flags & 0x40;
    if (has_user) user = r.string();
    if (has_password) password = r.string();
    if (!r.ok) return;
    ctx.observer.examined("traffic.mqtt.credentials", "mqtt connection");
    ctx.observer.cleartext_service(ctx, "mqtt");
    ctx.observer.device_attribute(ctx.flow.client,
                                  ctx.flow.has_mac ? &ctx.flow.client_mac : nullptr,
                                  "mqtt_client_id", client_id);
    const std::string method = level == 5   ? "CONNECT v5"
                               : level == 4 ? "CONNECT v3.1.1"
                                            : "CONNECT v3.1";
    if (has_user || has_password) {
      ctx.observer.credential(ctx, "mqtt", method, user, password,
                              has_password ? "" : "user name without password");
    } else {
      anonymous_connect_ = true;
    }
  }

  void connack(Context& ctx, Reader& r) {
    r.u8();  // acknowledge flags
    const std::uint8_t code = r.u8();
    if (r.ok && code == 0 && anonymous_connect_) ctx.observer.mqtt_anonymous(ctx);
    anonymous_connect_ = false;
  }

  void subscribe(Context& ctx, Reader& r) {
    r.u16();  // packet identifier
    if (version_ == 5) r.skip_properties();
    for (int i = 0; i < 16 && r.ok && r.pos < r.data.size(); ++i) {
      const std::string_view filter = r.string();
      r.u8();  // options
      if (r.ok) ctx.observer.mqtt_topic(ctx, "subscribe", filter);
    }
  }

  int packets_[2] = {0, 0};
  int version_ = 4;
  bool anonymous_connect_ = false;
};

std::unique_ptr<Session> accept(const FlowInfo& flow, Dir dir, Bytes data) {
  if (port_is(flow, {1883, 1884})) return std::make_unique<MqttSession>();
  // Elsewhere: a CONNECT whose protocol name is MQTT or MQIsdp.
  std::uint32_t remaining = 0;
  if (dir != kToServer || data.empty() || data[0] != 0x10) return nullptr;
  const int header = fixed_header(data, remaining);
  if (header <= 0 || data.size() < static_cast<std::size_t>(header) + 8) return nullptr;
  const std::string_view name =
      as_text(data.subspan(header + 2, std::min<std::size_t>(6, data.size() - header - 2)));
  if (name.starts_with("MQTT") || name.starts_with("MQIsdp"))
    return std::make_unique<MqttSession>();
  return nullptr;
}

}  // namespace

extern const Dissector kMqtt{"mqtt", Transport::tcp, &accept};

}  // namespace kensa::traffic
