// cramfs reader (hand-written): block pointers, direct/uncompressed flags, directory runs.
#include <cstddef>
#include <cstdint>

#include "firmware/internal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kensa::firmware::Limits limits;
  limits.max_total_bytes = 64ULL << 20;
  kensa::firmware::detail::Budget budget(limits);
  const auto fs = kensa::firmware::detail::read_cramfs(
      std::string_view(reinterpret_cast<const char*>(data), size), budget);
  for (const auto& e : fs.entries) {
    if (e.path.empty() || e.path[0] != '/') __builtin_trap();  // paths are always normalised
  }
  return 0;
}
