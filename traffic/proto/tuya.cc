// Tuya local protocol: UDP 6666/6667 discovery broadcasts of Tuya devices and the TCP 6668
// local control channel. Frames (v3.1-3.4): 0x000055AA, sequence, command, length, [return
// code], payload, CRC-32 or HMAC, 0x0000AA55; v3.5: 0x00006699 framing with AES-GCM.
// Discovery on 6666 is JSON in clear; on 6667 it is AES-128-ECB under a key derived from a
// constant every Tuya client ships (MD5 of "yGAdlopoPVldABfn"), so anyone on the LAN reads the
// device id, product key and protocol version: the broadcast is reported as a clear-text service.
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "traffic/checks.h"
#include "traffic/dissector.h"

namespace kensa::traffic {

namespace {

constexpr std::uint32_t kPrefix55aa = 0x000055aa, kPrefix6699 = 0x00006699;
constexpr std::size_t kMaxFrame = 4096;

std::uint32_t be32(Bytes d, std::size_t at) {
  return std::uint32_t{d[at]} << 24 | std::uint32_t{d[at + 1]} << 16 |
         std::uint32_t{d[at + 2]} << 8 | d[at + 3];
}

// The published discovery key: MD5("yGAdlopoPVldABfn").
const unsigned char* discovery_key() {
  static unsigned char key[16];
  static const bool ready = [] {
    unsigned int n = 0;
    static const char seed[] = "yGAdlopoPVldABfn";
    return EVP_Digest(seed, sizeof seed - 1, key, &n, EVP_md5(), nullptr) == 1 && n == 16;
  }();
  return ready ? key : nullptr;
}

// AES-128-ECB with PKCS#7 padding, as the 6667 broadcasts use. Empty on failure. The cipher is
// fetched once: an implicit fetch per call (EVP_aes_128_ecb in OpenSSL 3) takes locks and
// lookups that cost more than the decryption.
std::string decrypt_discovery(Bytes cipher) {
  static EVP_CIPHER* const aes = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  const unsigned char* key = discovery_key();
  if (aes == nullptr || key == nullptr || cipher.empty() || cipher.size() % 16 != 0) return {};
  std::string out(cipher.size() + 16, '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return {};
  int n = 0, tail = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  const bool ok =
      EVP_DecryptInit_ex2(ctx, aes, key, nullptr, nullptr) == 1 &&
      EVP_DecryptUpdate(ctx, o, &n, cipher.data(), static_cast<int>(cipher.size())) == 1 &&
      EVP_DecryptFinal_ex(ctx, o + n, &tail) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return {};
  out.resize(static_cast<std::size_t>(n + tail));
  return out;
}

std::string text_field(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return {};
  if (it->is_string()) return printable(it->get<std::string>(), 64);
  if (it->is_number() || it->is_boolean()) return it->dump();
  return {};
}

class TuyaSession final : public Session {
 public:
  void datagram(Context& ctx, Dir dir, Bytes data) override {
    // A device repeats the same broadcast every few seconds: the first readable one says it all.
    if (decoded_ || ++messages_ > 16 || data.size() < 16) return;
    const Address& sender = dir == kToServer ? ctx.flow.client : ctx.flow.server;
    const std::uint16_t port = ctx.flow.server_port;
    const std::uint32_t prefix = be32(data, 0);
    if (prefix == kPrefix6699) {
      ctx.observer.tuya_discovery(ctx, sender, port, "3.5", {}, {}, true);
      return;
    }
    if (prefix != kPrefix55aa) return;
    const std::size_t length = be32(data, 12);
    if (length < 8 || 16 + length > data.size() || length > kMaxFrame) return;
    Bytes payload = data.subspan(16, length - 8);  // before the CRC and the suffix
    if (payload.size() >= 4 && be32(payload, 0) == 0) payload = payload.subspan(4);  // return code
    std::string json_text;
    bool encrypted = false;
    if (!payload.empty() && payload[0] == '{') {
      json_text.assign(as_text(payload));
    } else {
      json_text = decrypt_discovery(payload);
      encrypted = true;
    }
    const auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ctx.observer.tuya_discovery(ctx, sender, port, {}, {}, {}, encrypted);
      return;
    }
    ctx.observer.tuya_discovery(ctx, sender, port, text_field(j, "version"), text_field(j, "gwId"),
                                text_field(j, "productKey"), encrypted);
    decoded_ = true;
  }
  int messages_ = 0;
  bool decoded_ = false;
};

// TCP 6668: the protocol version is all that shows (3.1 and 3.3 prefix their payloads with it;
// 3.4 opens with a session key negotiation, 3.5 uses the 0x6699 framing).
class TuyaControlSession final : public Session {
 public:
  std::size_t stream(Context& ctx, Dir, Bytes data) override {
    if (data.size() < 4) return 0;
    const std::uint32_t prefix = be32(data, 0);
    std::string version;
    if (prefix == kPrefix6699) {
      version = "3.5";
    } else if (prefix == kPrefix55aa && data.size() >= 16) {
      const std::uint32_t command = be32(data, 8);
      const std::size_t length = be32(data, 12);
      if (command == 3 || command == 4 || command == 5) {
        version = "3.4";  // session key negotiation
      } else if (length >= 3 && data.size() >= 19 && data[16] == '3' && data[17] == '.') {
        version = std::string(as_text(data.subspan(16, 3)));
      } else if (length >= 7 && data.size() >= 23 && data[20] == '3' && data[21] == '.') {
        version = std::string(as_text(data.subspan(20, 3)));  // after a return code
      }
    } else {
      wants[kToServer] = wants[kToClient] = false;
      return data.size();
    }
    if (!version.empty()) {
      ctx.observer.device_attribute(ctx.flow.server, nullptr, "tuya_local_protocol",
                                    printable(version, 8));
      wants[kToServer] = wants[kToClient] = false;
    } else if (++frames_ > 8) {
      wants[kToServer] = wants[kToClient] = false;
    }
    return data.size();
  }
  int frames_ = 0;
};

bool tuya_prefix(Bytes data) {
  return data.size() >= 4 && (be32(data, 0) == kPrefix55aa || be32(data, 0) == kPrefix6699);
}

std::unique_ptr<Session> accept_udp(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {6666, 6667}) || !tuya_prefix(data)) return nullptr;
  return std::make_unique<TuyaSession>();
}

std::unique_ptr<Session> accept_tcp(const FlowInfo& flow, Dir, Bytes data) {
  if (!port_is(flow, {6668}) || !tuya_prefix(data)) return nullptr;
  return std::make_unique<TuyaControlSession>();
}

}  // namespace

extern const Dissector kTuya{"tuya", Transport::udp, &accept_udp};
extern const Dissector kTuyaControl{"tuya", Transport::tcp, &accept_tcp};

}  // namespace kensa::traffic
