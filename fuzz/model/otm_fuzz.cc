// OTM files come from other threat-modelling tools. import_otm must reject malformed input with an
// InputError and never crash; a model it accepts must survive export and re-import unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "model/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto m = kensa::model::import_otm(text, "fuzz.otm.json");
    const auto again =
        kensa::model::import_otm(kensa::model::export_otm(m).dump(), "again.otm.json");
    if (kensa::model::to_json(again) != kensa::model::to_json(m)) __builtin_trap();
  } catch (const kensa::InputError&) {
  }
  return 0;
}
