// UBI and UBIFS readers (hand-written): erase-block headers, volume table, UBIFS index tree,
// inode, directory-entry and data nodes with LZO, zlib and zstd payloads.
#include <cstddef>
#include <cstdint>

#include "firmware/internal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kensa::firmware::Limits limits;
  limits.max_total_bytes = 64ULL << 20;
  limits.max_file_bytes = 16ULL << 20;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  kensa::firmware::detail::Budget ubi_budget(limits);
  const auto ubi = kensa::firmware::detail::read_ubi(bytes, ubi_budget);
  for (const auto& v : ubi.volumes) {
    if (v.data.size() > limits.max_file_bytes) __builtin_trap();
  }
  kensa::firmware::detail::Budget fs_budget(limits);
  const auto fs = kensa::firmware::detail::read_ubifs(bytes, fs_budget);
  for (const auto& e : fs.entries) {
    if (e.path.empty() || e.path[0] != '/') __builtin_trap();  // paths are always normalised
  }
  return 0;
}
