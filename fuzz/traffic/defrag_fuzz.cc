// IP fragment reassembly (traffic/defrag.h) through the analyzer: the input is a series of
// IPv4 or IPv6 fragments of a few datagrams (offsets, flags, identifiers and bytes from the input:
// overlaps, holes, duplicates, oversize ends), as raw IP frames (LINKTYPE_RAW). The reassembled
// datagrams then go through the UDP/TCP dissectors.
#include <algorithm>
#include <cstring>
#include <vector>

#include "traffic/analyzer.h"

namespace {

void put16(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
  v[at] = static_cast<std::uint8_t>(x >> 8);
  v[at + 1] = static_cast<std::uint8_t>(x);
}

// Record: [flags][offset hi][offset lo][length] then `length` bytes. flags bit 0: IPv6, bit 1:
// more fragments, bits 2-3: datagram id, bit 4: TCP instead of UDP.
std::vector<std::uint8_t> fragment(std::uint8_t flags, std::uint16_t offset8,
                                   const std::uint8_t* data, std::size_t n) {
  const bool v6 = flags & 1, more = flags & 2;
  const std::uint8_t id = (flags >> 2) & 3;
  const std::uint8_t protocol = flags & 16 ? 6 : 17;
  std::vector<std::uint8_t> f;
  if (!v6) {
    f.assign(20 + n, 0);
    f[0] = 0x45;
    put16(f, 2, static_cast<std::uint32_t>(20 + n));
    put16(f, 4, 0x100u + id);
    put16(f, 6, (more ? 0x2000u : 0u) | (offset8 & 0x1fffu));
    f[8] = 64;
    f[9] = protocol;
    const std::uint8_t src[4] = {10, 0, 0, 2}, dst[4] = {10, 0, 0, 1};
    std::memcpy(&f[12], src, 4);
    std::memcpy(&f[16], dst, 4);
    if (n) std::memcpy(&f[20], data, n);
  } else {
    f.assign(48 + n, 0);
    f[0] = 0x60;
    put16(f, 4, static_cast<std::uint32_t>(8 + n));
    f[6] = 44;
    f[7] = 64;
    f[23] = 2;
    f[39] = 1;
    f[40] = protocol;
    put16(f, 42, static_cast<std::uint32_t>(offset8 & 0x1fffu) << 3 | (more ? 1u : 0u));
    f[47] = id;
    if (n) std::memcpy(&f[48], data, n);
  }
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kensa::traffic::Options options;
  options.fragment_memory_bytes = 64 * 1024;  // small, so the cap is exercised too
  kensa::traffic::Analyzer analyzer(options, "fuzz");
  double t = 1700000000;
  std::size_t pos = 0;
  while (pos + 4 <= size) {
    const std::uint8_t flags = data[pos];
    const auto offset8 = static_cast<std::uint16_t>(data[pos + 1] << 8 | data[pos + 2]);
    const std::size_t n = std::min<std::size_t>(data[pos + 3] * 8u, size - pos - 4);
    const auto frame = fragment(flags, offset8, data + pos + 4, n);
    analyzer.packet(101, kensa::traffic::Bytes(frame), t += (flags & 32) ? 20.0 : 0.001);
    pos += 4 + n;
  }
  (void)analyzer.finish();
  return 0;
}
