// Whole captures (pcap/pcapng bytes) through libpcap, the decoders, reassembly and every dissector.
#include <cstdio>

#include "base/error.h"
#include "traffic/analyzer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  FILE* f = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (f == nullptr) return 0;
  try {
    kensa::traffic::Options options;
    options.memory_cap_bytes = 40u << 20;
    (void)kensa::traffic::analyze_stream(f, "fuzz", options);
  } catch (const kensa::InputError&) {
  }
  return 0;
}
