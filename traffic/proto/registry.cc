// The dissector table and the helpers the text protocols share.
#include <algorithm>
#include <cctype>

#include "traffic/dissector.h"

namespace kensa::traffic {

// Each dissector file defines one of these.
extern const Dissector kTelnet, kFtp, kHttp, kRtsp, kMqtt, kTls, kDtls, kModbus, kSnmp, kSyslog,
    kNtp, kDns, kMdns, kDhcp, kSsdp, kCoap, kBacnet, kWsDiscovery, kTuya, kTuyaControl;

std::span<const Dissector> dissectors() {
  static const Dissector table[] = {
      kTelnet, kFtp, kMqtt, kModbus, kRtsp, kHttp,   kTls,         kSnmp, kSyslog,      kNtp,
      kMdns,   kDns, kDhcp, kSsdp,   kCoap, kBacnet, kWsDiscovery, kTuya, kTuyaControl, kDtls};
  return table;
}

std::string_view as_text(Bytes data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool contains_nocase(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

bool port_is(const FlowInfo& flow, std::initializer_list<std::uint16_t> ports) {
  return std::find(ports.begin(), ports.end(), flow.server_port) != ports.end();
}

std::string printable(std::string_view raw, std::size_t max) {
  std::string out;
  for (unsigned char c : raw) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace kensa::traffic
