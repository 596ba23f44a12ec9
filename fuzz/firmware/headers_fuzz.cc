// Firmware headers parsed by hand: legacy uImage, FIT (device tree), TRX, TP-Link. Every part a
// header reports must lie inside the input.
#include <cstddef>
#include <cstdint>

#include "firmware/internal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kensa::firmware::detail;
  const Bytes bytes(reinterpret_cast<const char*>(data), size);
  for (auto parse : {parse_uimage, parse_trx, parse_fit, parse_tplink}) {
    const Parsed p = parse(bytes);
    for (const auto& part : p.parts) {
      if (part.offset > size || part.size > size - part.offset) __builtin_trap();
    }
  }
  return 0;
}
