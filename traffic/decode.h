#pragma once
// Link, network and transport decoding of one captured frame, without copying. Written by hand
// because libpcap delivers raw frames and the decoders needed here are a few bounds-checked
// header reads; a general dissection library (libwireshark) would cost the throughput target.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kensa::traffic {

using Bytes = std::span<const std::uint8_t>;

// An IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d) so both families share one key type.
struct Address {
  std::array<std::uint8_t, 16> bytes{};
  bool is_v4() const;
  bool is_private() const;  // RFC 1918, loopback, link-local, ULA, multicast/broadcast excluded
  bool is_multicast_or_broadcast() const;
  std::string to_string() const;
  auto operator<=>(const Address&) const = default;
};
Address address_v4(const std::uint8_t* four);
Address address_v6(const std::uint8_t* sixteen);

enum class Transport : std::uint8_t { other = 0, tcp = 6, udp = 17 };

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

struct Packet {
  bool has_mac = false;
  std::array<std::uint8_t, 6> src_mac{}, dst_mac{};
  std::uint16_t vlan = 0;
  Address src, dst;
  Transport transport = Transport::other;
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint8_t tcp_flags = 0;
  std::uint32_t seq = 0, ack = 0;
  // An IP fragment (offset > 0 or more fragments to follow): `transport` is other, `payload`
  // holds the fragment's bytes and the frag_ fields say where they belong (traffic/defrag.h).
  bool fragment = false;
  bool frag_more = false;
  std::uint8_t frag_protocol = 0;  // IPv4 protocol, or the IPv6 fragment header's next header
  std::uint32_t frag_id = 0;
  std::uint32_t frag_offset = 0;  // bytes
  Bytes payload;                  // transport payload (captured part), or the fragment's bytes
};

// Decodes a frame of libpcap link type `linktype`. Returns false when the frame carries no
// IPv4/IPv6 packet that can be decoded (then `packet` is unspecified).
bool decode(int linktype, Bytes frame, Packet& packet);
// Decodes the transport header of IP protocol `protocol` over `data` (a reassembled datagram):
// sets transport, ports, flags and payload of `packet`.
bool decode_transport(std::uint8_t protocol, Bytes data, Packet& packet);

}  // namespace kensa::traffic
