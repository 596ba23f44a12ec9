// Catalog files are data a contributor edits; the loader must reject any malformed file with an
// InputError (yaml-cpp's own exceptions included) and never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "catalog/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)kensa::catalog::Catalog::parse({{"fuzz.yaml", text}});
  } catch (const kensa::InputError&) {
  }
  return 0;
}
