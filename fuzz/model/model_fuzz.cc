// System models come from users and other tools: the loader must reject any malformed model with
// an InputError and never crash; every model it accepts must go through the risk assessment and
// its outputs without crashing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "catalog/catalog.h"
#include "model/model.h"
#include "risk/risk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto m = kensa::model::load(text, "fuzz.yaml");
    const auto a = kensa::risk::assess(m, kensa::catalog::Catalog::builtin());
    // The streamed JSON parses (to_json is write_json's text parsed; a parse error throws
    // nlohmann's parse_error, which libFuzzer reports as a crash).
    const auto j = kensa::risk::to_json(a);
    (void)j.dump();
    (void)kensa::risk::summary(a, m);
    (void)kensa::risk::to_dot(a, m);
  } catch (const kensa::InputError&) {
  }
  return 0;
}
