#include "traffic/proto/tls_messages.h"

namespace kensa::traffic {

namespace {

struct Reader {
  Bytes data;
  std::size_t pos = 0;
  bool ok = true;
  std::size_t take(std::size_t width) {
    if (pos + width > data.size()) return ok = false, 0;
    std::size_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = v << 8 | data[pos + i];
    pos += width;
    return v;
  }
  Bytes bytes(std::size_t n) {
    if (pos + n > data.size()) return ok = false, Bytes();
    Bytes v = data.subspan(pos, n);
    pos += n;
    return v;
  }
  Bytes vector(std::size_t width) { return bytes(take(width)); }
};

}  // namespace

bool parse_hello(Bytes body, bool client, bool dtls, TlsHello& h) {
  Reader r{body};
  h.dtls = dtls;
  h.from_client = client;
  h.legacy_version = static_cast<std::uint16_t>(r.take(2));
  r.bytes(32);  // random
  r.vector(1);  // session id
  if (client) {
    if (dtls) r.vector(1);  // cookie
    Reader suites{r.vector(2)};
    while (suites.ok && suites.pos + 2 <= suites.data.size()) {
      h.cipher_suites.push_back(static_cast<std::uint16_t>(suites.take(2)));
    }
    r.vector(1);  // compression methods
  } else {
    h.cipher_suites.push_back(static_cast<std::uint16_t>(r.take(2)));
    r.take(1);  // compression method
  }
  if (!r.ok) return false;
  if (r.pos == body.size()) return true;  // no extensions
  Reader exts{r.vector(2)};
  while (exts.ok && exts.pos + 4 <= exts.data.size()) {
    const auto type = exts.take(2);
    Reader ext{exts.vector(2)};
    if (!exts.ok) break;
    switch (type) {
      case 0: {  // server_name
        if (!client) break;
        Reader list{ext.vector(2)};
        while (list.ok && list.pos < list.data.size()) {
          const auto name_type = list.take(1);
          const Bytes name = list.vector(2);
          if (list.ok && name_type == 0) {
            h.sni = printable(as_text(name), 255);
            break;
          }
        }
        break;
      }
      case 16: {  // application_layer_protocol_negotiation
        Reader list{ext.vector(2)};
        while (list.ok && list.pos < list.data.size() && h.alpn.size() < 8) {
          const Bytes proto = list.vector(1);
          if (list.ok) h.alpn.push_back(printable(as_text(proto), 32));
        }
        break;
      }
      case 43: {  // supported_versions
        if (client) {
          Reader list{ext.vector(1)};
          while (list.ok && list.pos + 2 <= list.data.size()) {
            h.supported_versions.push_back(static_cast<std::uint16_t>(list.take(2)));
          }
        } else {
          const auto v = ext.take(2);
          if (ext.ok) h.supported_versions.push_back(static_cast<std::uint16_t>(v));
        }
        break;
      }
      default:
        break;
    }
  }
  return true;
}

void report_certificates(Context& ctx, Bytes body, bool dtls) {
  Reader r{body};
  Reader list{r.vector(3)};
  for (int index = 0; list.ok && list.pos + 3 <= list.data.size() && index < 10; ++index) {
    const Bytes der = list.vector(3);
    if (!list.ok) break;
    ctx.observer.tls_certificate(ctx, der, dtls, index);
  }
}

}  // namespace kensa::traffic
