// Questionnaires are user-written YAML: any bytes give a Questionnaire or an InputError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/error.h"
#include "evidence/evidence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)kensa::evidence::parse_questionnaire(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const kensa::InputError&) {
  }
  return 0;
}
