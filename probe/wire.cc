#include "probe/wire.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <regex>

namespace kensa::probe::wire {

namespace {

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void put32le(std::string& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint32_t get32(std::string_view s, std::size_t i) {
  return (std::uint32_t{byte_at(s, i)} << 24) | (std::uint32_t{byte_at(s, i + 1)} << 16) |
         (std::uint32_t{byte_at(s, i + 2)} << 8) | byte_at(s, i + 3);
}

std::uint32_t get32le(std::string_view s, std::size_t i) {
  return (std::uint32_t{byte_at(s, i + 3)} << 24) | (std::uint32_t{byte_at(s, i + 2)} << 16) |
         (std::uint32_t{byte_at(s, i + 1)} << 8) | byte_at(s, i);
}

void mqtt_string(std::string& out, std::string_view s) {
  put16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}

std::string mqtt_fixed(std::uint8_t first, const std::string& body) {
  std::string out(1, static_cast<char>(first));
  std::size_t n = body.size();
  do {
    std::uint8_t b = n % 128;
    n /= 128;
    if (n > 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (n > 0);
  return out + body;
}

}  // namespace

// ---- Telnet ----

void telnet_feed(TelnetState& st, std::string_view bytes, std::string& text, std::string& replies) {
  constexpr std::uint8_t IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250,
                         SE = 240;
  for (char ch : bytes) {
    const auto b = static_cast<std::uint8_t>(ch);
    switch (st.stage) {
      case 0:
        if (b == IAC) {
          st.stage = 1;
        } else {
          text.push_back(ch);
        }
        break;
      case 1:
        if (b == IAC) {
          text.push_back(ch);
          st.stage = 0;
        } else if (b >= WILL && b <= DONT) {
          st.verb = b;
          st.stage = 2;
        } else if (b == SB) {
          st.stage = 3;
          st.subnegotiation_bytes = 0;
        } else {
          st.stage = 0;  // NOP, GA, ... carry nothing
        }
        break;
      case 2: {
        ++st.negotiations;
        // Refuse everything: the login exchange works in the network virtual terminal's defaults.
        if (st.verb == DO) {
          replies += {static_cast<char>(IAC), static_cast<char>(WONT), ch};
        } else if (st.verb == WILL) {
          replies += {static_cast<char>(IAC), static_cast<char>(DONT), ch};
        }
        st.stage = 0;
        break;
      }
      case 3:
        ++st.subnegotiation_bytes;
        if (b == IAC) st.stage = 4;
        break;
      case 4:
        st.stage = b == SE ? 0 : 3;
        if (b == SE) ++st.negotiations;
        break;
      default:
        st.stage = 0;
    }
  }
}

// ---- Replies ----

Parse parse_reply(std::string_view bytes, Reply& reply, std::size_t& consumed) {
  std::size_t pos = 0;
  int code = -1;
  std::string text;
  while (true) {
    const auto eol = bytes.find('\n', pos);
    if (eol == std::string_view::npos) return Parse::need_more;
    const std::string_view line = bytes.substr(pos, eol - pos + 1);
    pos = eol + 1;
    text.append(line);
    if (line.size() < 4 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) ||
        !std::isdigit(static_cast<unsigned char>(line[2]))) {
      if (code < 0) return Parse::bad;
      continue;  // continuation line of a multi-line reply
    }
    const int line_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code < 0) code = line_code;
    if (line_code == code && line[3] == ' ') break;
    if (line[3] != '-' && line[3] != ' ') return Parse::bad;
  }
  reply.code = code;
  reply.text = std::move(text);
  consumed = pos;
  return Parse::ok;
}

// ---- HTTP ----

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Parse parse_http_response(std::string_view bytes, bool eof, std::size_t max_body,
                          HttpResponse& out) {
  auto end = bytes.find("\r\n\r\n");
  std::size_t sep = 4;
  if (end == std::string_view::npos) {
    end = bytes.find("\n\n");
    sep = 2;
  }
  if (end == std::string_view::npos) {
    if (bytes.size() >= 5 && bytes.substr(0, 5) != "HTTP/" && bytes.substr(0, 5) != "RTSP/")
      return Parse::bad;
    return eof ? Parse::bad : Parse::need_more;
  }
  const std::string_view head = bytes.substr(0, end);
  HttpResponse r;
  std::size_t pos = 0;
  bool first = true;
  while (pos <= head.size()) {
    auto eol = head.find('\n', pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = trim(head.substr(pos, eol - pos));
    pos = eol + 1;
    if (first) {
      first = false;
      if (line.substr(0, 5) != "HTTP/" && line.substr(0, 5) != "RTSP/") return Parse::bad;
      const auto sp = line.find(' ');
      if (sp == std::string_view::npos) return Parse::bad;
      r.version = std::string(line.substr(0, sp));
      std::string_view rest = line.substr(sp + 1);
      int status = 0;
      auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), status);
      if (ec != std::errc() || status < 100 || status > 999) return Parse::bad;
      r.status = status;
      r.reason = std::string(trim(std::string_view(p, rest.data() + rest.size() - p)));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    if (r.headers.size() >= 100) break;
    r.headers.emplace(lower(trim(line.substr(0, colon))),
                      std::string(trim(line.substr(colon + 1))));
  }
  std::string_view body = bytes.substr(end + sep);
  const std::string te = lower(r.header("transfer-encoding"));
  const std::string cl = r.header("content-length");
  if (te.find("chunked") != std::string::npos) {
    std::size_t p = 0;
    while (true) {
      const auto eol = body.find('\n', p);
      if (eol == std::string_view::npos) return eof ? Parse::bad : Parse::need_more;
      std::size_t size = 0;
      std::string_view hex = trim(body.substr(p, eol - p));
      auto [q, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
      (void)q;
      if (ec != std::errc()) return Parse::bad;
      p = eol + 1;
      if (size == 0) break;
      if (r.body.size() >= max_body) break;
      if (body.size() - p < size) {
        r.body.append(body.substr(p, std::min(body.size() - p, max_body - r.body.size())));
        if (r.body.size() >= max_body) break;
        return eof ? Parse::bad : Parse::need_more;
      }
      r.body.append(body.substr(p, std::min(size, max_body - r.body.size())));
      p += size;
      if (p < body.size() && body[p] == '\r') ++p;
      if (p < body.size() && body[p] == '\n') ++p;
    }
  } else if (!cl.empty()) {
    std::size_t length = 0;
    auto [q, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), length);
    (void)q;
    if (ec != std::errc()) return Parse::bad;
    const std::size_t want = std::min(length, max_body);
    if (body.size() < want) {
      if (!eof) return Parse::need_more;
    }
    r.body = std::string(body.substr(0, std::min(body.size(), want)));
  } else if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
    // no body
  } else {
    if (!eof && body.size() < max_body) return Parse::need_more;
    r.body = std::string(body.substr(0, std::min(body.size(), max_body)));
  }
  out = std::move(r);
  return Parse::ok;
}

std::map<std::string, std::string> parse_auth_params(std::string_view v) {
  std::map<std::string, std::string> out;
  const auto sp = v.find(' ');
  out["scheme"] = lower(trim(v.substr(0, sp)));
  if (sp == std::string_view::npos) return out;
  std::size_t p = sp + 1;
  while (p < v.size() && out.size() < 32) {
    while (p < v.size() && (v[p] == ' ' || v[p] == ',')) ++p;
    const auto eq = v.find('=', p);
    if (eq == std::string_view::npos) break;
    std::string name = lower(trim(v.substr(p, eq - p)));
    p = eq + 1;
    std::string value;
    if (p < v.size() && v[p] == '"') {
      ++p;
      while (p < v.size() && v[p] != '"') {
        if (v[p] == '\\' && p + 1 < v.size()) ++p;
        value.push_back(v[p++]);
      }
      ++p;
    } else {
      const auto comma = v.find(',', p);
      value = std::string(
          trim(v.substr(p, comma == std::string_view::npos ? std::string_view::npos : comma - p)));
      p = comma == std::string_view::npos ? v.size() : comma;
    }
    out[name] = value;
  }
  return out;
}

// ---- MQTT ----

Parse parse_mqtt_header(std::string_view bytes, std::uint32_t max_remaining, MqttPacket& out) {
  if (bytes.empty()) return Parse::need_more;
  std::uint32_t value = 0;
  std::uint32_t multiplier = 1;
  for (std::size_t i = 1; i <= 4; ++i) {
    if (i >= bytes.size()) return Parse::need_more;
    const std::uint8_t b = byte_at(bytes, i);
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) == 0) {
      out.type = byte_at(bytes, 0) >> 4;
      out.flags = byte_at(bytes, 0) & 0x0f;
      out.remaining = value;
      out.header_length = i + 1;
      if (out.type == 0 || value > max_remaining) return Parse::bad;
      return Parse::ok;
    }
    multiplier *= 128;
  }
  return Parse::bad;  // a fifth length byte is malformed (MQTT 3.1.1 §2.2.3)
}

std::string mqtt_connect(std::string_view client_id, std::string_view user,
                         std::string_view password, bool with_credentials) {
  std::string body;
  mqtt_string(body, "MQTT");
  body.push_back(4);          // protocol level 3.1.1
  std::uint8_t flags = 0x02;  // clean session
  if (with_credentials) flags |= 0xc0;
  body.push_back(static_cast<char>(flags));
  put16(body, 30);  // keep alive
  mqtt_string(body, client_id);
  if (with_credentials) {
    mqtt_string(body, user);
    mqtt_string(body, password);
  }
  return mqtt_fixed(0x10, body);
}

std::string mqtt_subscribe(std::uint16_t packet_id, const std::vector<std::string>& topics) {
  std::string body;
  put16(body, packet_id);
  for (const auto& t : topics) {
    mqtt_string(body, t);
    body.push_back(0);
  }
  return mqtt_fixed(0x82, body);
}

std::string mqtt_disconnect() { return std::string("\xe0\x00", 2); }

bool parse_mqtt_publish(std::uint8_t flags, std::string_view body, MqttPublish& out) {
  if (body.size() < 2) return false;
  const std::size_t len = (std::size_t{byte_at(body, 0)} << 8) | byte_at(body, 1);
  if (body.size() < 2 + len) return false;
  out.topic = std::string(body.substr(2, len));
  std::size_t p = 2 + len;
  if ((flags & 0x06) != 0) {
    if (body.size() < p + 2) return false;
    p += 2;  // packet identifier for QoS 1/2
  }
  out.payload = std::string(body.substr(p));
  out.retained = (flags & 0x01) != 0;
  return true;
}

// ---- CoAP ----

std::string coap_get(std::uint16_t message_id, std::string_view token, std::string_view path) {
  std::string out;
  const auto tkl = std::min<std::size_t>(token.size(), 8);
  out.push_back(static_cast<char>(0x40 | tkl));  // version 1, confirmable
  out.push_back(1);                              // GET
  put16(out, message_id);
  out.append(token.substr(0, tkl));
  int last = 0;
  std::size_t p = 0;
  while (p <= path.size()) {
    auto slash = path.find('/', p);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view seg = path.substr(p, slash - p);
    p = slash + 1;
    if (seg.empty()) continue;
    const int number = 11;  // Uri-Path
    const int delta = number - last;
    last = number;
    const std::size_t len = seg.size();
    std::uint8_t head = static_cast<std::uint8_t>(delta << 4);
    std::string ext;
    if (len < 13) {
      head |= static_cast<std::uint8_t>(len);
    } else if (len < 269) {
      head |= 13;
      ext.push_back(static_cast<char>(len - 13));
    } else {
      head |= 14;
      put16(ext, static_cast<std::uint16_t>(len - 269));
    }
    out.push_back(static_cast<char>(head));
    out += ext;
    out.append(seg);
  }
  return out;
}

bool parse_coap(std::string_view b, CoapMessage& out) {
  if (b.size() < 4) return false;
  const std::uint8_t first = byte_at(b, 0);
  if ((first >> 6) != 1) return false;
  out.type = (first >> 4) & 3;
  const std::size_t tkl = first & 0x0f;
  if (tkl > 8) return false;
  out.code = byte_at(b, 1);
  out.message_id = static_cast<std::uint16_t>((byte_at(b, 2) << 8) | byte_at(b, 3));
  if (b.size() < 4 + tkl) return false;
  out.token = std::string(b.substr(4, tkl));
  std::size_t p = 4 + tkl;
  int number = 0;
  out.options.clear();
  while (p < b.size()) {
    const std::uint8_t head = byte_at(b, p++);
    if (head == 0xff) {
      if (p >= b.size()) return false;  // payload marker without payload is a format error
      out.payload = std::string(b.substr(p));
      return true;
    }
    auto extended = [&](int nibble, int& value) {
      if (nibble < 13) {
        value = nibble;
      } else if (nibble == 13) {
        if (p >= b.size()) return false;
        value = 13 + byte_at(b, p++);
      } else if (nibble == 14) {
        if (p + 1 >= b.size()) return false;
        value = 269 + ((byte_at(b, p) << 8) | byte_at(b, p + 1));
        p += 2;
      } else {
        return false;
      }
      return true;
    };
    int delta = 0, length = 0;
    if (!extended(head >> 4, delta) || !extended(head & 0x0f, length)) return false;
    number += delta;
    if (b.size() - p < static_cast<std::size_t>(length)) return false;
    if (out.options.size() < 64) out.options.emplace_back(number, std::string(b.substr(p, length)));
    p += length;
  }
  return true;
}

std::vector<std::string> parse_link_format(std::string_view payload, std::size_t max_links) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (out.size() < max_links) {
    const auto open = payload.find('<', p);
    if (open == std::string_view::npos) break;
    const auto close = payload.find('>', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(payload.substr(open + 1, close - open - 1));
    p = close + 1;
  }
  return out;
}

// ---- SNMP / BER ----

namespace {

void ber_length(std::string& out, std::size_t n) {
  if (n < 128) {
    out.push_back(static_cast<char>(n));
  } else if (n < 256) {
    out.push_back(static_cast<char>(0x81));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(0x82));
    put16(out, static_cast<std::uint16_t>(n));
  }
}

std::string tlv(std::uint8_t tag, const std::string& value) {
  std::string out(1, static_cast<char>(tag));
  ber_length(out, value.size());
  return out + value;
}

std::string ber_int(std::int64_t v) {
  std::string bytes;
  for (int i = 7; i >= 0; --i) bytes.push_back(static_cast<char>((v >> (i * 8)) & 0xff));
  std::size_t start = 0;
  while (start < 7 && ((byte_at(bytes, start) == 0 && !(byte_at(bytes, start + 1) & 0x80)) ||
                       (byte_at(bytes, start) == 0xff && (byte_at(bytes, start + 1) & 0x80)))) {
    ++start;
  }
  return tlv(0x02, bytes.substr(start));
}

std::string ber_oid(std::string_view text) {
  std::vector<std::uint32_t> arcs;
  std::size_t p = 0;
  while (p < text.size()) {
    auto dot = text.find('.', p);
    if (dot == std::string_view::npos) dot = text.size();
    std::uint32_t v = 0;
    std::from_chars(text.data() + p, text.data() + dot, v);
    arcs.push_back(v);
    p = dot + 1;
  }
  std::string out;
  if (arcs.size() < 2) return tlv(0x06, out);
  out.push_back(static_cast<char>(arcs[0] * 40 + arcs[1]));
  for (std::size_t i = 2; i < arcs.size(); ++i) {
    std::string enc;
    std::uint32_t v = arcs[i];
    enc.push_back(static_cast<char>(v & 0x7f));
    while (v >>= 7) enc.push_back(static_cast<char>(0x80 | (v & 0x7f)));
    std::reverse(enc.begin(), enc.end());
    out += enc;
  }
  return tlv(0x06, out);
}

// Reads one TLV at `p`; false if it does not fit.
bool read_tlv(std::string_view b, std::size_t& p, std::uint8_t& tag, std::string_view& value) {
  if (p + 2 > b.size()) return false;
  tag = byte_at(b, p++);
  std::size_t len = byte_at(b, p++);
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0 || n > 4 || p + n > b.size()) return false;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | byte_at(b, p++);
  }
  if (len > b.size() - p) return false;
  value = b.substr(p, len);
  p += len;
  return true;
}

bool ber_to_int(std::string_view v, std::int64_t& out) {
  if (v.empty() || v.size() > 8) return false;
  std::int64_t r = (byte_at(v, 0) & 0x80) ? -1 : 0;
  for (char c : v)
    r = static_cast<std::int64_t>((static_cast<std::uint64_t>(r) << 8) |
                                  static_cast<std::uint8_t>(c));
  out = r;
  return true;
}

std::string oid_text(std::string_view v) {
  if (v.empty()) return "";
  std::string out = std::to_string(byte_at(v, 0) / 40) + "." + std::to_string(byte_at(v, 0) % 40);
  std::uint64_t arc = 0;
  for (std::size_t i = 1; i < v.size(); ++i) {
    arc = (arc << 7) | (byte_at(v, i) & 0x7f);
    if (arc > 0xffffffffu) return out + ".?";
    if (!(byte_at(v, i) & 0x80)) {
      out += "." + std::to_string(arc);
      arc = 0;
    }
  }
  return out;
}

}  // namespace

std::string snmp_get(int version, std::string_view community, std::int32_t request_id,
                     const std::vector<std::string>& oids) {
  std::string bindings;
  for (const auto& oid : oids) bindings += tlv(0x30, ber_oid(oid) + std::string("\x05\x00", 2));
  const std::string pdu =
      tlv(0xa0, ber_int(request_id) + ber_int(0) + ber_int(0) + tlv(0x30, bindings));
  return tlv(0x30, ber_int(version) + tlv(0x04, std::string(community)) + pdu);
}

bool parse_snmp(std::string_view b, SnmpResponse& out) {
  std::size_t p = 0;
  std::uint8_t tag = 0;
  std::string_view msg, v;
  if (!read_tlv(b, p, tag, msg) || tag != 0x30) return false;
  std::size_t q = 0;
  std::int64_t n = 0;
  if (!read_tlv(msg, q, tag, v) || tag != 0x02 || !ber_to_int(v, n)) return false;
  out.version = static_cast<int>(n);
  if (!read_tlv(msg, q, tag, v) || tag != 0x04) return false;
  out.community = std::string(v);
  std::string_view pdu;
  if (!read_tlv(msg, q, tag, pdu) || (tag & 0xe0) != 0xa0) return false;
  std::size_t r = 0;
  if (!read_tlv(pdu, r, tag, v) || tag != 0x02 || !ber_to_int(v, n)) return false;
  out.request_id = static_cast<std::int32_t>(n);
  if (!read_tlv(pdu, r, tag, v) || tag != 0x02 || !ber_to_int(v, n)) return false;
  out.error_status = static_cast<int>(n);
  if (!read_tlv(pdu, r, tag, v) || tag != 0x02) return false;
  std::string_view list;
  if (!read_tlv(pdu, r, tag, list) || tag != 0x30) return false;
  std::size_t s = 0;
  while (s < list.size() && out.bindings.size() < 64) {
    std::string_view bind, oid, value;
    if (!read_tlv(list, s, tag, bind) || tag != 0x30) return false;
    std::size_t t = 0;
    if (!read_tlv(bind, t, tag, oid) || tag != 0x06) return false;
    if (!read_tlv(bind, t, tag, value)) return false;
    std::string text;
    if (tag == 0x04) {
      text = printable(value, 512);
    } else if (tag == 0x02 || tag == 0x41 || tag == 0x42 || tag == 0x43) {
      std::int64_t iv = 0;
      text = ber_to_int(value, iv) ? std::to_string(iv) : "?";
    } else if (tag == 0x06) {
      text = oid_text(value);
    } else if (tag == 0x80 || tag == 0x81 || tag == 0x82) {
      text = "";  // noSuchObject / noSuchInstance / endOfMibView
    } else {
      text = printable(value, 64);
    }
    out.bindings.emplace_back(oid_text(oid), text);
  }
  return true;
}

// ---- TLS ----

Parse parse_tls_record(std::string_view b, TlsRecord& out) {
  if (b.size() < 5) return Parse::need_more;
  const std::uint8_t type = byte_at(b, 0);
  if (type < 20 || type > 24 || byte_at(b, 1) != 3 || byte_at(b, 2) > 4) return Parse::bad;
  out.content_type = type;
  out.version = static_cast<std::uint16_t>((byte_at(b, 1) << 8) | byte_at(b, 2));
  out.length = static_cast<std::uint16_t>((byte_at(b, 3) << 8) | byte_at(b, 4));
  if (out.length == 0 || out.length > 16384 + 2048) return Parse::bad;
  if (type == 22) {
    if (b.size() < 6) return Parse::need_more;
    out.handshake_type = byte_at(b, 5);
    if (out.handshake_type != 2 && out.handshake_type != 11 && out.handshake_type != 14)
      return Parse::bad;
  }
  return Parse::ok;
}

std::string tls_client_hello() {
  std::string hello;
  put16(hello, 0x0303);
  for (int i = 0; i < 32; ++i) hello.push_back(static_cast<char>(i * 7 + 1));  // fixed "random"
  hello.push_back(0);                                                          // session id
  const std::uint16_t suites[] = {0xc02f, 0xc030, 0xc02b, 0xc02c, 0x009c, 0x009d, 0xc013, 0xc014,
                                  0x002f, 0x0035, 0x000a, 0x0005, 0x1301, 0x1302, 0x00ff};
  put16(hello, sizeof(suites));
  for (auto s : suites) put16(hello, s);
  hello += std::string("\x01\x00", 2);  // null compression
  std::string ext;
  // supported_groups, ec_point_formats, signature_algorithms
  ext += std::string("\x00\x0a\x00\x08\x00\x06\x00\x17\x00\x18\x00\x1d", 12);
  ext += std::string("\x00\x0b\x00\x02\x01\x00", 6);
  ext += std::string("\x00\x0d\x00\x0c\x00\x0a\x04\x01\x05\x01\x02\x01\x04\x03\x08\x04", 16);
  put16(hello, static_cast<std::uint16_t>(ext.size()));
  hello += ext;
  std::string hs;
  hs.push_back(1);
  hs.push_back(0);
  put16(hs, static_cast<std::uint16_t>(hello.size()));
  hs += hello;
  std::string rec("\x16\x03\x01", 3);
  put16(rec, static_cast<std::uint16_t>(hs.size()));
  return rec + hs;
}

// ---- SSH ----

Parse parse_ssh_identification(std::string_view b, std::string& protocol, std::string& software,
                               std::size_t& consumed) {
  // RFC 4253 §4.2: lines before the identification are allowed; the identification is ≤ 255 bytes.
  std::size_t p = 0;
  for (int lines = 0; lines < 32; ++lines) {
    const auto eol = b.find('\n', p);
    if (eol == std::string_view::npos) {
      if (b.size() - p > 255) return Parse::bad;
      return Parse::need_more;
    }
    std::string_view line = trim(b.substr(p, eol - p));
    p = eol + 1;
    if (line.substr(0, 4) != "SSH-") continue;
    line.remove_prefix(4);
    const auto dash = line.find('-');
    if (dash == std::string_view::npos) return Parse::bad;
    protocol = std::string(line.substr(0, dash));
    auto sw = line.substr(dash + 1);
    software = std::string(sw.substr(0, sw.find(' ')));
    consumed = p;
    return Parse::ok;
  }
  return Parse::bad;
}

Parse parse_ssh_kexinit(std::string_view b, SshKexInit& out, std::size_t& consumed) {
  if (b.size() < 6) return Parse::need_more;
  const std::uint32_t length = get32(b, 0);
  if (length < 2 || length > 35000) return Parse::bad;
  if (b.size() < 4 + length) return Parse::need_more;
  const std::uint8_t padding = byte_at(b, 4);
  if (padding >= length) return Parse::bad;
  std::string_view payload = b.substr(5, length - 1 - padding);
  consumed = 4 + length;
  if (payload.empty() || byte_at(payload, 0) != 20) return Parse::bad;  // SSH_MSG_KEXINIT
  std::size_t p = 17;                                                   // type + cookie
  std::vector<std::string>* lists[] = {&out.kex,        &out.host_key, &out.cipher_c2s,
                                       &out.cipher_s2c, &out.mac_c2s,  &out.mac_s2c};
  for (auto* list : lists) {
    if (p + 4 > payload.size()) return Parse::bad;
    const std::uint32_t n = get32(payload, p);
    p += 4;
    if (n > payload.size() - p) return Parse::bad;
    std::string_view names = payload.substr(p, n);
    p += n;
    std::size_t q = 0;
    while (q < names.size() && list->size() < 64) {
      auto comma = names.find(',', q);
      if (comma == std::string_view::npos) comma = names.size();
      list->emplace_back(names.substr(q, comma - q));
      q = comma + 1;
    }
  }
  return Parse::ok;
}

std::string ssh_client_kexinit_packet() {
  std::string payload(1, 20);
  for (int i = 0; i < 16; ++i) payload.push_back(static_cast<char>(i));
  const char* lists[] = {"curve25519-sha256,diffie-hellman-group14-sha256",
                         "ssh-ed25519,rsa-sha2-256,ecdsa-sha2-nistp256",
                         "aes128-ctr,aes256-ctr,chacha20-poly1305@openssh.com",
                         "aes128-ctr,aes256-ctr,chacha20-poly1305@openssh.com",
                         "hmac-sha2-256",
                         "hmac-sha2-256",
                         "none",
                         "none",
                         "",
                         ""};
  for (const char* l : lists) {
    put32(payload, static_cast<std::uint32_t>(std::char_traits<char>::length(l)));
    payload += l;
  }
  payload.push_back(0);
  put32(payload, 0);
  std::size_t padding = 8 - ((payload.size() + 5) % 8);
  if (padding < 4) padding += 8;
  std::string packet;
  put32(packet, static_cast<std::uint32_t>(payload.size() + padding + 1));
  packet.push_back(static_cast<char>(padding));
  packet += payload;
  packet.append(padding, '\0');
  return packet;
}

// ---- ADB ----

std::string adb_connect_message() {
  const std::string payload = "host::\0";
  std::string out = "CNXN";
  put32le(out, 0x01000000);  // version
  put32le(out, 256 * 1024);  // max data
  put32le(out, static_cast<std::uint32_t>(payload.size()));
  std::uint32_t sum = 0;
  for (char c : payload) sum += static_cast<std::uint8_t>(c);
  put32le(out, sum);
  put32le(out, get32le("CNXN", 0) ^ 0xffffffffu);
  return out + payload;
}

bool parse_adb(std::string_view b, AdbMessage& out) {
  if (b.size() < 24) return false;
  out.command = std::string(b.substr(0, 4));
  if (out.command != "CNXN" && out.command != "AUTH" && out.command != "OPEN" &&
      out.command != "OKAY" && out.command != "CLSE" && out.command != "WRTE" &&
      out.command != "SYNC" && out.command != "STLS") {
    return false;
  }
  out.arg0 = get32le(b, 4);
  out.arg1 = get32le(b, 8);
  out.length = get32le(b, 12);
  return (get32le(b, 20) ^ get32le(b, 0)) == 0xffffffffu;
}

// ---- Banners ----

std::vector<Component> components_in(std::string_view banner) {
  static const std::regex pattern(
      R"((vsFTPd|ProFTPD|Pure-FTPd|lighttpd|nginx|Apache|BusyBox|dropbear|OpenSSH|mosquitto|miniupnpd|MiniUPnPd|Boa|GoAhead-Webs|thttpd|mini_httpd|uhttpd|Net-SNMP|libcoap|[Ff]irmware|Linux)[ /_:v-]{1,3}(?:version )?v?([0-9]+(?:\.[0-9]+)+[a-z0-9]*))",
      std::regex::ECMAScript | std::regex::optimize);
  std::vector<Component> out;
  const std::string text(banner.substr(0, 4096));
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator() && out.size() < 8; ++it) {
    Component c{(*it)[1].str(), (*it)[2].str()};
    if (c.name == "Firmware") c.name = "firmware";
    if (c.name == "MiniUPnPd") c.name = "miniupnpd";
    const bool dup = std::any_of(out.begin(), out.end(), [&](const Component& o) {
      return o.name == c.name && o.version == c.version;
    });
    if (!dup) out.push_back(std::move(c));
  }
  return out;
}

std::string printable(std::string_view bytes, std::size_t max_chars) {
  std::string out;
  for (char c : bytes) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') continue;
    if (c == '\n') {
      out += "\\n";
    } else if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  return out;
}

// ---- HTML login forms ----

namespace {

// Case-insensitive find of an ASCII needle written in lower case.
std::size_t find_ci(std::string_view hay, std::string_view needle, std::size_t from) {
  if (needle.empty() || from >= hay.size()) return std::string_view::npos;
  auto it = std::search(
      hay.begin() + static_cast<std::ptrdiff_t>(from), hay.end(), needle.begin(), needle.end(),
      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it == hay.end() ? std::string_view::npos : static_cast<std::size_t>(it - hay.begin());
}

// The common character references of attribute values (&amp; &quot; &lt; &gt; &#39; &#x27;).
std::string decode_entities(std::string_view v) {
  static const std::pair<std::string_view, char> named[] = {{"&amp;", '&'},  {"&quot;", '"'},
                                                            {"&lt;", '<'},   {"&gt;", '>'},
                                                            {"&#39;", '\''}, {"&#x27;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    bool replaced = false;
    if (v[i] == '&') {
      for (const auto& [entity, c] : named) {
        if (v.substr(i, entity.size()) == entity) {
          out.push_back(c);
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(v[i++]);
  }
  return out;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
         c == '.';
}

}  // namespace

std::map<std::string, std::string> parse_tag_attributes(std::string_view tag) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  // Skip the element name.
  while (i < tag.size() && tag[i] == '<') ++i;
  while (i < tag.size() && name_char(tag[i])) ++i;
  while (i < tag.size() && out.size() < 64) {
    while (i < tag.size() && !name_char(tag[i])) ++i;
    const std::size_t name_start = i;
    while (i < tag.size() && name_char(tag[i])) ++i;
    if (i == name_start) break;
    std::string name = lower(tag.substr(name_start, i - name_start));
    while (i < tag.size() && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' || tag[i] == '\r'))
      ++i;
    std::string value;
    if (i < tag.size() && tag[i] == '=') {
      ++i;
      while (i < tag.size() &&
             (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' || tag[i] == '\r'))
        ++i;
      if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
        const char quote = tag[i++];
        const std::size_t end = tag.find(quote, i);
        const std::size_t stop = end == std::string_view::npos ? tag.size() : end;
        value = decode_entities(tag.substr(i, stop - i));
        i = stop == tag.size() ? stop : stop + 1;
      } else {
        const std::size_t start = i;
        while (i < tag.size() && tag[i] != ' ' && tag[i] != '>' && tag[i] != '\t' && tag[i] != '\n')
          ++i;
        value = decode_entities(tag.substr(start, i - start));
      }
    }
    out.emplace(std::move(name), std::move(value));
  }
  return out;
}

std::optional<LoginForm> parse_login_form(std::string_view html) {
  std::size_t pos = 0;
  for (int forms = 0; forms < 32; ++forms) {
    const std::size_t open = find_ci(html, "<form", pos);
    if (open == std::string_view::npos) return std::nullopt;
    const std::size_t open_end = html.find('>', open);
    if (open_end == std::string_view::npos) return std::nullopt;
    std::size_t close = find_ci(html, "</form", open_end);
    if (close == std::string_view::npos) close = html.size();
    pos = close;
    const auto form_attributes = parse_tag_attributes(html.substr(open, open_end - open));
    LoginForm form;
    if (auto it = form_attributes.find("action"); it != form_attributes.end())
      form.action = it->second;
    form.method = "post";
    if (auto it = form_attributes.find("method");
        it != form_attributes.end() && lower(it->second) == "get")
      form.method = "get";
    std::vector<std::pair<std::string, std::string>>
        text_fields;  // name, value (before the password)
    std::size_t at = open_end;
    for (int inputs = 0; inputs < 64; ++inputs) {
      const std::size_t input = find_ci(html.substr(0, close), "<input", at);
      if (input == std::string_view::npos) break;
      const std::size_t input_end = html.find('>', input);
      if (input_end == std::string_view::npos || input_end > close) break;
      at = input_end;
      auto attributes = parse_tag_attributes(html.substr(input, input_end - input));
      const std::string name = attributes.count("name") ? attributes["name"] : "";
      const std::string type = attributes.count("type") ? lower(attributes["type"]) : "text";
      const std::string value = attributes.count("value") ? attributes["value"] : "";
      if (name.empty()) continue;
      if (type == "password") {
        if (form.password_field.empty()) form.password_field = name;
      } else if (type == "text" || type == "email" || type == "tel") {
        text_fields.emplace_back(name, value);
      } else if (type == "hidden" || type == "submit") {
        form.fixed.emplace_back(name, value);
      }
    }
    if (form.password_field.empty()) continue;
    // The user field: one whose name says so, else the first text field.
    for (const auto& [name, value] : text_fields) {
      const std::string n = lower(name);
      if (n.find("user") != std::string::npos || n.find("login") != std::string::npos ||
          n.find("name") != std::string::npos || n.find("account") != std::string::npos ||
          n.find("mail") != std::string::npos || n == "id" || n == "uid") {
        form.user_field = name;
        break;
      }
    }
    if (form.user_field.empty() && !text_fields.empty())
      form.user_field = text_fields.front().first;
    for (const auto& [name, value] : text_fields) {
      if (name != form.user_field) form.fixed.emplace_back(name, value);
    }
    return form;
  }
  return std::nullopt;
}

std::string form_urlencode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace kensa::probe::wire
