// One libFuzzer target per response parser of the prober (probe/wire.h): the device on the other
// end is untrusted, so any bytes must parse or be refused, within bounds, never crash or allocate
// past the input. The parser is chosen at compile time (KENSA_FUZZ_PARSER) so that each has its own
// target, corpus and ctest.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "probe/wire.h"

namespace wire = kensa::probe::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view b(reinterpret_cast<const char*>(data), size);
#if KENSA_FUZZ_PARSER == 1  // banners and line replies
  wire::Reply reply;
  std::size_t consumed = 0;
  if (wire::parse_reply(b, reply, consumed) == wire::Parse::ok && consumed > b.size())
    __builtin_trap();
  (void)wire::components_in(b);
  (void)wire::printable(b, 64);
  std::string protocol, software;
  (void)wire::parse_ssh_identification(b, protocol, software, consumed);
#elif KENSA_FUZZ_PARSER == 2  // HTTP and SSDP responses
  wire::HttpResponse r;
  (void)wire::parse_http_response(b, false, 4096, r);
  if (wire::parse_http_response(b, true, 4096, r) == wire::Parse::ok && r.body.size() > 4096)
    __builtin_trap();
  (void)wire::parse_auth_params(b);
#elif KENSA_FUZZ_PARSER == 3  // MQTT
  wire::MqttPacket p;
  if (wire::parse_mqtt_header(b, 1024, p) == wire::Parse::ok) {
    if (p.remaining > 1024) __builtin_trap();
    wire::MqttPublish pub;
    if (b.size() >= p.header_length)
      (void)wire::parse_mqtt_publish(p.flags, b.substr(p.header_length), pub);
  }
#elif KENSA_FUZZ_PARSER == 4  // CoAP
  wire::CoapMessage m;
  if (wire::parse_coap(b, m)) (void)wire::parse_link_format(m.payload);
#elif KENSA_FUZZ_PARSER == 5  // SNMP / BER
  wire::SnmpResponse r;
  (void)wire::parse_snmp(b, r);
#elif KENSA_FUZZ_PARSER == 6  // TLS records and ADB
  wire::TlsRecord t;
  (void)wire::parse_tls_record(b, t);
  wire::AdbMessage a;
  (void)wire::parse_adb(b, a);
#elif KENSA_FUZZ_PARSER == 7  // telnet option negotiation
  wire::TelnetState st;
  std::string text, replies;
  wire::telnet_feed(st, b, text, replies);
  if (text.size() > b.size() || replies.size() > 3 * b.size()) __builtin_trap();
#elif KENSA_FUZZ_PARSER == 8  // SSH KEXINIT
  wire::SshKexInit k;
  std::size_t consumed = 0;
  (void)wire::parse_ssh_kexinit(b, k, consumed);
#elif KENSA_FUZZ_PARSER == 9  // HTML login forms
  if (auto form = wire::parse_login_form(b)) {
    if (form->password_field.empty() || form->fixed.size() > 64 || form->action.size() > b.size())
      __builtin_trap();
  }
  (void)wire::parse_tag_attributes(b);
  (void)wire::form_urlencode(b.substr(0, 256));
#endif
  return 0;
}
