// One dissector family per binary (TRAFFIC_FUZZ_PORTS): the input becomes a TCP conversation or
// UDP datagrams to one of the family's ports. Byte 0 picks the port, byte 1 the segment size,
// byte 2 the transport and direction pattern; the rest is payload. With TRAFFIC_FUZZ_REASSEMBLY
// the sequence numbers come from the input too (overlaps, holes, wrap-around).
#include <pcap/dlt.h>

#include <string>
#include <vector>

#include "traffic/analyzer.h"
#include "traffic/tests/packets.h"

using kensa::traffic::testing::ethernet_frame;
using kensa::traffic::testing::FrameSpec;

static const std::uint16_t kPorts[] = {TRAFFIC_FUZZ_PORTS};

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::uint16_t port = kPorts[data[0] % (sizeof kPorts / sizeof kPorts[0])];
  const std::size_t segment = 1 + data[1] % 64 * 23;
  const std::uint8_t pattern = data[2];
  const bool tcp = !(pattern & 1) || TRAFFIC_FUZZ_TCP_ONLY;
  const std::string payload(reinterpret_cast<const char*>(data + 3), size - 3);
  kensa::traffic::Analyzer analyzer({}, "fuzz");
  double t = 1700000000;
  auto feed = [&](const FrameSpec& spec) {
    const auto frame = ethernet_frame(spec);
    analyzer.packet(DLT_EN10MB, kensa::traffic::Bytes(frame), t += 0.001);
  };
  const kensa::traffic::testing::Endpoint client{"192.168.9.2", 40000}, server{"192.168.9.1", port};
  std::uint32_t seq[2] = {1000, 9000};
  if (tcp) {
    feed({client, server, true, 0x02, seq[0] - 1, 0, 0, ""});
    feed({server, client, true, 0x12, seq[1] - 1, seq[0], 0, ""});
  }
  std::size_t i = 0;
  for (std::size_t pos = 0; pos < payload.size(); pos += segment, ++i) {
    const bool to_server = !((pattern >> (1 + i % 7)) & 1);
    const std::string piece = payload.substr(pos, segment);
    auto& s = seq[to_server ? 0 : 1];
#ifdef TRAFFIC_FUZZ_REASSEMBLY
    const std::uint32_t sent =
        s + static_cast<std::uint32_t>(static_cast<std::int8_t>(piece.empty() ? 0 : piece[0])) * 7;
#else
    const std::uint32_t sent = s;
#endif
    feed({to_server ? client : server, to_server ? server : client, tcp, 0x18, sent,
          seq[to_server ? 1 : 0], 0, piece});
    s += static_cast<std::uint32_t>(piece.size());
  }
  if (tcp) {
    feed({client, server, true, 0x11, seq[0], seq[1], 0, ""});
    feed({server, client, true, 0x11, seq[1], seq[0] + 1, 0, ""});
  }
  (void)analyzer.finish();
  return 0;
}
