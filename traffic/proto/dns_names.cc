#include "traffic/proto/dns_names.h"

#include <vector>

namespace kensa::traffic {

bool read_dns_name(Bytes m, std::size_t& pos, std::string& name) {
  name.clear();
  std::size_t at = pos;
  bool jumped = false;
  for (int steps = 0; steps < 128; ++steps) {
    if (at >= m.size()) return false;
    const std::uint8_t len = m[at];
    if (len == 0) {
      if (!jumped) pos = at + 1;
      return true;
    }
    if ((len & 0xc0) == 0xc0) {
      if (at + 1 >= m.size()) return false;
      if (!jumped) pos = at + 2;
      jumped = true;
      at = static_cast<std::size_t>((len & 0x3f) << 8 | m[at + 1]);
      continue;
    }
    if ((len & 0xc0) != 0 || at + 1 + len > m.size()) return false;
    if (!name.empty()) name += '.';
    for (std::size_t i = 0; i < len; ++i) {
      const char c = static_cast<char>(m[at + 1 + i]);
      name += (c > 0x20 && c < 0x7f) ? c : '?';
    }
    if (name.size() > 255) return false;
    at += 1 + len;
  }
  return false;
}

bool parse_dns(Bytes m, bool& response, std::vector<DnsRecord>& questions,
               std::vector<DnsRecord>& answers, std::size_t limit) {
  if (m.size() < 12) return false;
  response = m[2] & 0x80;
  const std::size_t qd = static_cast<std::size_t>(m[4] << 8 | m[5]);
  const std::size_t an =
      static_cast<std::size_t>(m[6] << 8 | m[7]) + static_cast<std::size_t>(m[10] << 8 | m[11]);
  std::size_t pos = 12;
  for (std::size_t i = 0; i < qd && i < limit; ++i) {
    DnsRecord q;
    if (!read_dns_name(m, pos, q.name) || pos + 4 > m.size()) return false;
    q.type = static_cast<std::uint16_t>(m[pos] << 8 | m[pos + 1]);
    pos += 4;
    questions.push_back(std::move(q));
  }
  if (qd > limit) return true;
  for (std::size_t i = 0; i < an && i < limit; ++i) {
    DnsRecord a;
    if (!read_dns_name(m, pos, a.name) || pos + 10 > m.size()) return false;
    a.type = static_cast<std::uint16_t>(m[pos] << 8 | m[pos + 1]);
    const std::size_t rdlength = static_cast<std::size_t>(m[pos + 8] << 8 | m[pos + 9]);
    pos += 10;
    if (pos + rdlength > m.size()) return false;
    std::size_t rd = pos;
    if (a.type == 12 || a.type == 5) {
      read_dns_name(m, rd, a.target);
    } else if (a.type == 1 && rdlength == 4) {
      a.has_address = true;
      a.address = address_v4(&m[rd]);
    } else if (a.type == 28 && rdlength == 16) {
      a.has_address = true;
      a.address = address_v6(&m[rd]);
    } else if (a.type == 33 && rdlength > 6) {
      rd += 6;
      read_dns_name(m, rd, a.target);
    }
    pos += rdlength;
    answers.push_back(std::move(a));
  }
  return true;
}

}  // namespace kensa::traffic
