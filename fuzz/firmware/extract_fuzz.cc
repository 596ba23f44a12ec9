// The whole identification and extraction pass over arbitrary bytes: every signature scanner, the
// hand-written readers (cramfs, uImage, FIT, TRX, TP-Link) and the library-backed ones (squashfs,
// tar/cpio/zip, the stream decoders) must end with chunks and errors, never a crash. Small limits
// keep one input cheap.
#include <cstddef>
#include <cstdint>

#include "firmware/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kensa::firmware::Limits limits;
  limits.max_total_bytes = 64ULL << 20;
  limits.max_file_bytes = 16ULL << 20;
  limits.max_files = 20000;
  limits.max_depth = 4;
  kensa::firmware::Analysis analysis;
  kensa::firmware::detail::Extractor extractor(limits, analysis);
  extractor.run(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& c : analysis.chunks) {
    if (c.parent.empty()) continue;
    (void)c.end;
  }
  return 0;
}
