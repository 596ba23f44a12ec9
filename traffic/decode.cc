#include "traffic/decode.h"

#include <pcap/dlt.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace kensa::traffic {

namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

constexpr std::uint16_t kEtherIPv4 = 0x0800, kEtherIPv6 = 0x86dd, kEtherVlan = 0x8100,
                        kEtherQinQ = 0x88a8, kEtherVlanOld = 0x9100;

}  // namespace

bool decode_transport(std::uint8_t proto, Bytes data, Packet& p) {
  if (proto == 6) {
    if (data.size() < 20) return false;
    const std::size_t header = (data[12] >> 4) * 4u;
    if (header < 20 || header > data.size()) return false;
    p.transport = Transport::tcp;
    p.src_port = be16(&data[0]);
    p.dst_port = be16(&data[2]);
    p.seq = be32(&data[4]);
    p.ack = be32(&data[8]);
    p.tcp_flags = data[13];
    p.payload = data.subspan(header);
    return true;
  }
  if (proto == 17) {
    if (data.size() < 8) return false;
    p.transport = Transport::udp;
    p.src_port = be16(&data[0]);
    p.dst_port = be16(&data[2]);
    std::size_t length = be16(&data[4]);
    if (length < 8) length = data.size();  // jumbo or bogus length: trust the capture
    p.payload = data.subspan(8, std::min(length, data.size()) - 8);
    return true;
  }
  p.transport = Transport::other;
  p.payload = {};
  return true;
}

namespace {

bool decode_ipv4(Bytes data, Packet& p) {
  if (data.size() < 20 || (data[0] >> 4) != 4) return false;
  const std::size_t header = (data[0] & 0x0f) * 4u;
  if (header < 20 || header > data.size()) return false;
  std::size_t total = be16(&data[2]);
  if (total < header || total > data.size()) total = data.size();  // TSO or truncated snaplen
  p.src = address_v4(&data[12]);
  p.dst = address_v4(&data[16]);
  const std::uint16_t frag = be16(&data[6]);
  if ((frag & 0x3fff) != 0) {  // more fragments, or an offset: reassembled by the analyzer
    p.fragment = true;
    p.frag_more = frag & 0x2000;
    p.frag_offset = (frag & 0x1fffu) * 8u;
    p.frag_id = be16(&data[4]);
    p.frag_protocol = data[9];
    p.transport = Transport::other;
    p.payload = data.subspan(header, total - header);
    return true;
  }
  return decode_transport(data[9], data.subspan(header, total - header), p);
}

bool decode_ipv6(Bytes data, Packet& p) {
  if (data.size() < 40 || (data[0] >> 4) != 6) return false;
  std::size_t total = 40u + be16(&data[4]);
  if (total > data.size() || total == 40) total = data.size();
  p.src = address_v6(&data[8]);
  p.dst = address_v6(&data[24]);
  std::uint8_t next = data[6];
  std::size_t offset = 40;
  // Walk the extension headers (bounded: at most 8 of them).
  for (int i = 0; i < 8; ++i) {
    if (next == 0 || next == 43 || next == 60) {  // hop-by-hop, routing, destination options
      if (offset + 8 > total) return false;
      const std::uint8_t following = data[offset];
      offset += (data[offset + 1] + 1u) * 8u;
      next = following;
    } else if (next == 44) {  // fragment
      if (offset + 8 > total) return false;
      const std::uint16_t frag = be16(&data[offset + 2]);
      const std::uint32_t id = be32(&data[offset + 4]);
      const std::uint8_t following = data[offset];
      offset += 8;
      if ((frag & 0xfff9) != 0) {  // more fragments, or an offset: reassembled by the analyzer
        p.fragment = true;
        p.frag_more = frag & 1;
        p.frag_offset = frag & 0xfff8u;
        p.frag_id = id;
        p.frag_protocol = following;
        p.transport = Transport::other;
        p.payload = data.subspan(offset, total - offset);
        return true;
      }
      next = following;  // an atomic fragment (RFC 6946): the datagram is whole
    } else {
      break;
    }
    if (offset > total) return false;
  }
  return decode_transport(next, data.subspan(offset, total - offset), p);
}

bool decode_ip(Bytes data, Packet& p) {
  if (data.empty()) return false;
  switch (data[0] >> 4) {
    case 4:
      return decode_ipv4(data, p);
    case 6:
      return decode_ipv6(data, p);
    default:
      return false;
  }
}

bool decode_ethertype(std::uint16_t type, Bytes data, Packet& p) {
  // Up to two VLAN tags (802.1Q, 802.1ad QinQ).
  for (int i = 0; i < 2 && (type == kEtherVlan || type == kEtherQinQ || type == kEtherVlanOld);
       ++i) {
    if (data.size() < 4) return false;
    if (p.vlan == 0) p.vlan = be16(&data[0]) & 0x0fff;
    type = be16(&data[2]);
    data = data.subspan(4);
  }
  if (type == kEtherIPv4) return decode_ipv4(data, p);
  if (type == kEtherIPv6) return decode_ipv6(data, p);
  return false;
}

}  // namespace

Address address_v4(const std::uint8_t* four) {
  Address a;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  std::memcpy(&a.bytes[12], four, 4);
  return a;
}

Address address_v6(const std::uint8_t* sixteen) {
  Address a;
  std::memcpy(a.bytes.data(), sixteen, 16);
  return a;
}

bool Address::is_v4() const {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes.data(), prefix, 12) == 0;
}

bool Address::is_multicast_or_broadcast() const {
  if (is_v4()) {
    // Multicast, limited broadcast, and x.x.x.255 (the directed broadcast of the common /24).
    return (bytes[12] & 0xf0) == 0xe0 || bytes[15] == 255;
  }
  return bytes[0] == 0xff;
}

bool Address::is_private() const {
  if (is_v4()) {
    const std::uint8_t a = bytes[12], b = bytes[13];
    return a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) || a == 127 ||
           (a == 169 && b == 254) || (a == 100 && (b & 0xc0) == 64);
  }
  return (bytes[0] & 0xfe) == 0xfc || (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) ||
         (std::all_of(bytes.begin(), bytes.end() - 1, [](std::uint8_t x) { return x == 0; }) &&
          bytes[15] == 1);
}

std::string Address::to_string() const {
  char text[64];
  if (is_v4()) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", bytes[12], bytes[13], bytes[14], bytes[15]);
    return text;
  }
  // RFC 5952 form: lower case, longest run of zero groups (2+) as "::".
  std::uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = be16(&bytes[i * 2]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(text, sizeof text, "%x", groups[i]);
    out += text;
  }
  return out;
}

bool decode(int linktype, Bytes frame, Packet& p) {
  p = Packet{};
  switch (linktype) {
    case DLT_EN10MB: {
      if (frame.size() < 14) return false;
      p.has_mac = true;
      std::memcpy(p.dst_mac.data(), &frame[0], 6);
      std::memcpy(p.src_mac.data(), &frame[6], 6);
      return decode_ethertype(be16(&frame[12]), frame.subspan(14), p);
    }
    case DLT_LINUX_SLL: {  // 16-byte cooked header, protocol at 14
      if (frame.size() < 16) return false;
      if (be16(&frame[4]) == 6) {
        p.has_mac = true;
        std::memcpy(p.src_mac.data(), &frame[6], 6);
      }
      return decode_ethertype(be16(&frame[14]), frame.subspan(16), p);
    }
    case DLT_LINUX_SLL2: {  // 20-byte cooked header v2, protocol at 0
      if (frame.size() < 20) return false;
      if (frame[11] == 6) {
        p.has_mac = true;
        std::memcpy(p.src_mac.data(), &frame[12], 6);
      }
      return decode_ethertype(be16(&frame[0]), frame.subspan(20), p);
    }
    case DLT_RAW:
    case 101:
      return decode_ip(frame, p);
    case DLT_IPV4:
      return decode_ipv4(frame, p);
    case DLT_IPV6:
      return decode_ipv6(frame, p);
    case DLT_NULL:
    case DLT_LOOP: {  // BSD loopback: 4-byte address family
      if (frame.size() < 4) return false;
      return decode_ip(frame.subspan(4), p);
    }
    default:
      return false;
  }
}

}  // namespace kensa::traffic
