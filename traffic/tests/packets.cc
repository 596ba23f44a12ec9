#include "traffic/tests/packets.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace kensa::traffic::testing {

namespace {

void put16(std::vector<std::uint8_t>& v, std::size_t at, std::uint16_t x) {
  v[at] = static_cast<std::uint8_t>(x >> 8);
  v[at + 1] = static_cast<std::uint8_t>(x);
}
void put32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
  put16(v, at, static_cast<std::uint16_t>(x >> 16));
  put16(v, at + 2, static_cast<std::uint16_t>(x));
}

}  // namespace

std::vector<std::vector<std::uint8_t>> fragments(const std::vector<std::uint8_t>& frame,
                                                 std::size_t piece, std::uint32_t id) {
  const bool v6 = frame[12] == 0x86;
  const std::size_t ip = 14, header = v6 ? 40 : 20;
  const std::vector<std::uint8_t> payload(frame.begin() + ip + header, frame.end());
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t offset = 0; offset < payload.size(); offset += piece) {
    const std::size_t n = std::min(piece, payload.size() - offset);
    const bool more = offset + n < payload.size();
    std::vector<std::uint8_t> f(frame.begin(), frame.begin() + ip + header);
    if (v6) {
      const std::uint8_t next = f[ip + 6];
      f[ip + 6] = 44;
      put16(f, ip + 4, static_cast<std::uint16_t>(8 + n));
      f.insert(f.end(), {next, 0, 0, 0, 0, 0, 0, 0});
      put16(f, ip + header + 2, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
      put32(f, ip + header + 4, id);
    } else {
      put16(f, ip + 2, static_cast<std::uint16_t>(header + n));
      put16(f, ip + 4, static_cast<std::uint16_t>(id));
      put16(f, ip + 6, static_cast<std::uint16_t>((more ? 0x2000 : 0) | offset / 8));
    }
    f.insert(f.end(), payload.begin() + static_cast<std::ptrdiff_t>(offset),
             payload.begin() + static_cast<std::ptrdiff_t>(offset + n));
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<std::uint8_t> ethernet_frame(const FrameSpec& s) {
  const bool v6 = s.src.address.find(':') != std::string::npos;
  std::vector<std::uint8_t> f = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  if (s.vlan)
    f.insert(f.end(), {0x81, 0x00, static_cast<std::uint8_t>(s.vlan >> 8),
                       static_cast<std::uint8_t>(s.vlan)});
  f.insert(f.end(), v6 ? std::initializer_list<std::uint8_t>{0x86, 0xdd}
                       : std::initializer_list<std::uint8_t>{0x08, 0x00});
  const std::size_t ip = f.size();
  const std::size_t ip_header = v6 ? 40 : 20;
  const std::size_t l4_header = s.tcp ? 20 : 8;
  f.resize(ip + ip_header + l4_header + s.payload.size());
  if (v6) {
    f[ip] = 0x60;
    put16(f, ip + 4, static_cast<std::uint16_t>(l4_header + s.payload.size()));
    f[ip + 6] = s.tcp ? 6 : 17;
    f[ip + 7] = 64;
    if (inet_pton(AF_INET6, s.src.address.c_str(), &f[ip + 8]) != 1 ||
        inet_pton(AF_INET6, s.dst.address.c_str(), &f[ip + 24]) != 1) {
      throw std::invalid_argument("bad IPv6 address");
    }
  } else {
    f[ip] = 0x45;
    put16(f, ip + 2, static_cast<std::uint16_t>(ip_header + l4_header + s.payload.size()));
    f[ip + 8] = 64;
    f[ip + 9] = s.tcp ? 6 : 17;
    if (inet_pton(AF_INET, s.src.address.c_str(), &f[ip + 12]) != 1 ||
        inet_pton(AF_INET, s.dst.address.c_str(), &f[ip + 16]) != 1) {
      throw std::invalid_argument("bad IPv4 address");
    }
  }
  const std::size_t l4 = ip + ip_header;
  put16(f, l4, s.src.port);
  put16(f, l4 + 2, s.dst.port);
  if (s.tcp) {
    put32(f, l4 + 4, s.seq);
    put32(f, l4 + 8, s.ack);
    f[l4 + 12] = 0x50;
    f[l4 + 13] = s.flags;
    put16(f, l4 + 14, 65535);
  } else {
    put16(f, l4 + 4, static_cast<std::uint16_t>(8 + s.payload.size()));
  }
  std::memcpy(&f[l4 + l4_header], s.payload.data(), s.payload.size());
  return f;
}

Conversation::Conversation(Endpoint client, Endpoint server, std::uint16_t vlan)
    : client_(std::move(client)), server_(std::move(server)), vlan_(vlan) {}

std::vector<std::vector<std::uint8_t>> Conversation::handshake() {
  std::vector<std::vector<std::uint8_t>> out;
  out.push_back(ethernet_frame({client_, server_, true, 0x02, client_seq_ - 1, 0, vlan_, ""}));
  out.push_back(
      ethernet_frame({server_, client_, true, 0x12, server_seq_ - 1, client_seq_, vlan_, ""}));
  out.push_back(
      ethernet_frame({client_, server_, true, 0x10, client_seq_, server_seq_, vlan_, ""}));
  return out;
}

std::vector<std::uint8_t> Conversation::segment(bool from_client, const std::string& data) {
  auto& seq = from_client ? client_seq_ : server_seq_;
  const auto& ack = from_client ? server_seq_ : client_seq_;
  auto frame = ethernet_frame({from_client ? client_ : server_, from_client ? server_ : client_,
                               true, 0x18, seq, ack, vlan_, data});
  seq += static_cast<std::uint32_t>(data.size());
  return frame;
}

std::vector<std::vector<std::uint8_t>> Conversation::segments(bool from_client,
                                                              const std::string& data,
                                                              std::size_t size) {
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t pos = 0; pos < data.size(); pos += size)
    out.push_back(segment(from_client, data.substr(pos, size)));
  return out;
}

std::vector<std::vector<std::uint8_t>> Conversation::close() {
  std::vector<std::vector<std::uint8_t>> out;
  out.push_back(
      ethernet_frame({client_, server_, true, 0x11, client_seq_, server_seq_, vlan_, ""}));
  out.push_back(
      ethernet_frame({server_, client_, true, 0x11, server_seq_, client_seq_ + 1, vlan_, ""}));
  return out;
}

}  // namespace kensa::traffic::testing
