#pragma once
// The plug-in interface of the dissectors (one file per protocol in traffic/proto/, nDPI style).
//
// Contract: a Dissector's `accept` looks at the first payload of a flow (ports and bytes) and
// returns a Session when the flow is its protocol. The flow then feeds that Session only:
//  - TCP: `stream` receives every in-order byte of one direction not yet consumed (reassembled,
//    bounded); it returns how many bytes it consumed and is offered the rest again together with
//    the next segment. It may set `skip[dir]` to pass over a body without buffering it, and clear
//    `wants[dir]` when it needs nothing more from that direction (the flow then stops buffering).
//  - UDP: `datagram` receives each datagram.
// Sessions report what they see to the Observer (checks.h); they never build findings themselves.
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "traffic/decode.h"

namespace kensa::traffic {

class Observer;

enum Dir : std::uint8_t { kToServer = 0, kToClient = 1 };

struct FlowInfo {
  Address client, server;
  std::uint16_t client_port = 0, server_port = 0;
  Transport transport = Transport::other;
  bool has_mac = false;
  std::array<std::uint8_t, 6> client_mac{}, server_mac{};
};

struct Context {
  const FlowInfo& flow;
  Observer& observer;
  double time = 0;  // capture time of the current packet, seconds since the epoch
};

class Session {
 public:
  virtual ~Session() = default;
  virtual std::size_t stream(Context&, Dir, Bytes data) { return data.size(); }
  virtual void datagram(Context&, Dir, Bytes) {}
  // Bytes of `dir` were lost (capture gap, buffer limit). Default: stop reading that direction.
  virtual void gap(Context&, Dir dir) { wants[dir] = false; }
  virtual void end(Context&) {}
  // Heap bytes this session holds beyond its own size (for the memory cap).
  virtual std::size_t extra_bytes() const { return 0; }

  bool wants[2] = {true, true};
  std::size_t skip[2] = {0, 0};
};

struct Dissector {
  std::string_view name;
  Transport transport;
  std::unique_ptr<Session> (*accept)(const FlowInfo&, Dir dir, Bytes first_payload);
};

// All dissectors, in the order they are asked (port-specific ones before content sniffers).
std::span<const Dissector> dissectors();

// Small helpers shared by the text-protocol dissectors.
std::string_view as_text(Bytes data);
bool starts_with_nocase(std::string_view text, std::string_view prefix);
bool contains_nocase(std::string_view text, std::string_view needle);
bool port_is(const FlowInfo& flow, std::initializer_list<std::uint16_t> ports);
std::string printable(std::string_view raw, std::size_t max = 128);  // escapes control bytes

}  // namespace kensa::traffic
