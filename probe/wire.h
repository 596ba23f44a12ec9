#pragma once
// Parsers and builders of the protocol bytes the prober exchanges with devices. Every parser takes
// untrusted bytes, never allocates more than a bound derived from its input, never throws, and has
// a libFuzzer target (fuzz/probe/). Internal to the probe component (the public header is probe.h);
// the fuzz targets include it directly.
//
// Written by hand because no Debian library parses these protocols' wire formats incrementally and
// without a connection object of its own (libmosquitto, libcoap and net-snmp each own the socket).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kensa::probe::wire {

enum class Parse { need_more, ok, bad };

// ---- Telnet (RFC 854/855) ----
// Strips option negotiation from the stream, refusing every option (DO→WONT, WILL→DONT), and counts
// negotiations so that a caller can stop an endless negotiation loop.
struct TelnetState {
  int stage = 0;  // 0 data, 1 after IAC, 2 after DO/DONT/WILL/WONT, 3 in SB, 4 IAC in SB
  std::uint8_t verb = 0;
  std::size_t negotiations = 0;
  std::size_t subnegotiation_bytes = 0;
};
// Appends the plain text to `text` and the replies to send to `replies`.
void telnet_feed(TelnetState& state, std::string_view bytes, std::string& text,
                 std::string& replies);

// ---- Line-oriented replies (FTP, SMTP style "220-..." / "220 ...") ----
struct Reply {
  int code = 0;
  std::string text;  // all lines, CRLF kept
};
// Parses one complete reply at the start of `bytes`; `consumed` is how many bytes it took.
Parse parse_reply(std::string_view bytes, Reply& reply, std::size_t& consumed);

// ---- HTTP/1.x, RTSP/1.0 and SSDP responses ----
struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& lower_name) const;  // first value or ""
};
// need_more until the header block and the body (Content-Length, chunked, or to end when `eof`)
// are complete. The body is cut at max_body bytes (then ok).
Parse parse_http_response(std::string_view bytes, bool eof, std::size_t max_body,
                          HttpResponse& out);
// "WWW-Authenticate: Digest realm=..., nonce=..." → parameters (lower-cased names).
std::map<std::string, std::string> parse_auth_params(std::string_view header_value);

// ---- HTML login forms ----
// Attributes of one start tag ("<input type=password name='pw'>"), names lower-cased, values with
// the common character references decoded; at most 64.
std::map<std::string, std::string> parse_tag_attributes(std::string_view tag);
struct LoginForm {
  std::string action;      // as written (empty: the page itself)
  std::string method;      // "post" or "get"
  std::string user_field;  // empty when the form asks only for a password
  std::string password_field;
  std::vector<std::pair<std::string, std::string>> fixed;  // hidden, submit and other text fields
};
// The first <form> with a password input (at most 32 forms and 64 inputs each are looked at).
// Hand-written: a device page is untrusted and often broken HTML, and only a handful of tags and
// attributes matter; no Debian HTML parser is a fit for a bounded, allocation-light pass.
std::optional<LoginForm> parse_login_form(std::string_view html);
std::string form_urlencode(std::string_view s);

// ---- MQTT 3.1.1 ----
struct MqttPacket {
  std::uint8_t type = 0;  // high nibble of the fixed header
  std::uint8_t flags = 0;
  std::uint32_t remaining = 0;
  std::size_t header_length = 0;  // fixed header bytes
};
// Parses the fixed header. bad for a malformed remaining length, or one above max_remaining (a
// hostile broker announcing 256 MiB must not make the caller wait for or allocate it).
Parse parse_mqtt_header(std::string_view bytes, std::uint32_t max_remaining, MqttPacket& out);
std::string mqtt_connect(std::string_view client_id, std::string_view user,
                         std::string_view password, bool with_credentials);
std::string mqtt_subscribe(std::uint16_t packet_id, const std::vector<std::string>& topics);
std::string mqtt_disconnect();
struct MqttPublish {
  std::string topic;
  std::string payload;
  bool retained = false;
};
// Parses the variable part of a PUBLISH (after the fixed header).
bool parse_mqtt_publish(std::uint8_t flags, std::string_view body, MqttPublish& out);

// ---- CoAP (RFC 7252) ----
struct CoapMessage {
  int type = 0;
  int code = 0;  // class*32 + detail, e.g. 69 = 2.05 Content
  std::uint16_t message_id = 0;
  std::string token;
  std::vector<std::pair<int, std::string>> options;
  std::string payload;
};
std::string coap_get(std::uint16_t message_id, std::string_view token, std::string_view path);
bool parse_coap(std::string_view bytes, CoapMessage& out);
// "</a>;rt=x,</b>" → {"/a", "/b"}
std::vector<std::string> parse_link_format(std::string_view payload, std::size_t max_links = 256);

// ---- SNMP v1/v2c (BER) ----
std::string snmp_get(int version, std::string_view community, std::int32_t request_id,
                     const std::vector<std::string>& oids);
struct SnmpResponse {
  int version = 0;
  std::string community;
  std::int32_t request_id = 0;
  int error_status = 0;
  std::vector<std::pair<std::string, std::string>> bindings;  // OID text, value as text
};
bool parse_snmp(std::string_view bytes, SnmpResponse& out);

// ---- TLS records ----
struct TlsRecord {
  std::uint8_t content_type = 0;  // 22 handshake, 21 alert
  std::uint16_t version = 0;
  std::uint16_t length = 0;
  std::uint8_t handshake_type = 0;  // first handshake message type, when content_type == 22
};
// ok when the bytes start with a plausible TLS record header (type 20..24, version 3.x, length ≤
// 2^14+2048).
Parse parse_tls_record(std::string_view bytes, TlsRecord& out);
// A TLS 1.2-compatible ClientHello offering common suites, used to recognise TLS by its answer.
std::string tls_client_hello();

// ---- SSH ----
// "SSH-2.0-dropbear_2022.83\r\n" → software "dropbear_2022.83"; need_more without a line end.
Parse parse_ssh_identification(std::string_view bytes, std::string& protocol, std::string& software,
                               std::size_t& consumed);
struct SshKexInit {
  std::vector<std::string> kex, host_key, cipher_c2s, cipher_s2c, mac_c2s, mac_s2c;
};
// Parses an unencrypted binary packet carrying SSH_MSG_KEXINIT.
Parse parse_ssh_kexinit(std::string_view bytes, SshKexInit& out, std::size_t& consumed);
std::string ssh_client_kexinit_packet();

// ---- ADB ----
std::string adb_connect_message();
struct AdbMessage {
  std::string command;  // "CNXN", "AUTH"
  std::uint32_t arg0 = 0, arg1 = 0, length = 0;
};
bool parse_adb(std::string_view bytes, AdbMessage& out);

// ---- Banners ----
struct Component {
  std::string name, version;
};
// Product/version pairs named in a banner or header ("vsFTPd 3.0.3", "lighttpd/1.4.69",
// "dropbear_2022.83", "BusyBox v1.35.0", "firmware 2.4.1"), at most 8.
std::vector<Component> components_in(std::string_view banner);
// Printable excerpt for evidence (control bytes escaped, cut at max_chars).
std::string printable(std::string_view bytes, std::size_t max_chars = 160);

}  // namespace kensa::probe::wire
