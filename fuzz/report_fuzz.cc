// `kensa report` renders a saved assessment.json that may have been edited by hand: once it passes
// check_assessment, every renderer must cope with missing or mistyped fields.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/error.h"
#include "report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto doc = nlohmann::json::parse(data, data + size, nullptr, false);
  if (doc.is_discarded()) return 0;
  try {
    kensa::report::check_assessment(doc, "fuzz.json");
    for (auto name : kensa::report::format_names()) {
      (void)kensa::report::render(doc, *kensa::report::parse_format(name), "ja");
    }
  } catch (const kensa::InputError&) {
  } catch (const nlohmann::json::exception&) {
    // A mistyped field in a hand-edited assessment: reported as an input error by the CLI.
  }
  return 0;
}
