// Findings documents come from collectors on other machines and from users: any bytes must give a
// FindingSet or an InputError, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "evidence/evidence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto set = kensa::evidence::parse_findings(text, "fuzz.json");
    (void)kensa::evidence::to_json(set).dump();
  } catch (const kensa::InputError&) {
  }
  return 0;
}
