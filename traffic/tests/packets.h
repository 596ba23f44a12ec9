#pragma once
// Builds real frames (Ethernet, 802.1Q, IPv4/IPv6, TCP/UDP) for the unit tests and fuzz targets.
#include <cstdint>
#include <string>
#include <vector>

namespace kensa::traffic::testing {

struct Endpoint {
  std::string address;  // dotted IPv4 or IPv6 text
  std::uint16_t port;
};

struct FrameSpec {
  Endpoint src, dst;
  bool tcp = true;
  std::uint8_t flags = 0x18;  // PSH|ACK
  std::uint32_t seq = 0, ack = 0;
  std::uint16_t vlan = 0;  // 0 = untagged
  std::string payload;
};

std::vector<std::uint8_t> ethernet_frame(const FrameSpec& spec);

// Splits an untagged Ethernet frame made by ethernet_frame into IP fragments carrying at most
// `piece` bytes (a multiple of 8) of the IP payload each, as a host would (RFC 791; RFC 8200 with
// a fragment header), all with identification `id`.
std::vector<std::vector<std::uint8_t>> fragments(const std::vector<std::uint8_t>& frame,
                                                 std::size_t piece, std::uint32_t id);

// A TCP conversation: SYN, SYN/ACK, ACK, then the data in segments with correct sequence numbers.
class Conversation {
 public:
  Conversation(Endpoint client, Endpoint server, std::uint16_t vlan = 0);
  std::vector<std::vector<std::uint8_t>> handshake();
  // One segment of `data` in the given direction (advances that side's sequence number).
  std::vector<std::uint8_t> segment(bool from_client, const std::string& data);
  // The same bytes as several segments of at most `size` bytes.
  std::vector<std::vector<std::uint8_t>> segments(bool from_client, const std::string& data,
                                                  std::size_t size);
  std::vector<std::vector<std::uint8_t>> close();

 private:
  Endpoint client_, server_;
  std::uint16_t vlan_;
  std::uint32_t client_seq_ = 1000, server_seq_ = 5000;
};

}  // namespace kensa::traffic::testing
