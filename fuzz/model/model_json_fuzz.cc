// Differential target of the JSON model reader: load() reads the common form of components,
// connections and responsibilities with the hand-written bulk reader and hands anything else to
// nlohmann and the strict reader. Whatever the input, it must read the same model, with the same
// positions, as the strict reader alone, or fail with the same message; so must load() reading
// the components and connections on two threads.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"
#include "model/model.h"

namespace {

struct Outcome {
  std::optional<kensa::model::Model> model;
  std::string error;
};

template <typename Load>
Outcome attempt(Load&& load) {
  Outcome o;
  try {
    o.model = load();
  } catch (const kensa::InputError& e) {
    o.error = e.what();
  }
  return o;
}

template <typename T>
bool same_positions(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].at.line != b[i].at.line || a[i].at.column != b[i].at.column) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto bulk = attempt([&] { return kensa::model::load(text, "fuzz.json"); });
  const auto strict =
      attempt([&] { return kensa::model::testing::load_without_bulk_reader(text, "fuzz.json"); });
  // Sections read on two threads (from a few MB; here whatever the size).
  const auto split =
      attempt([&] { return kensa::model::testing::load_splitting_sections(text, "fuzz.json"); });
  for (const Outcome* o : {&bulk, &split}) {
    if (o->model.has_value() != strict.model.has_value()) __builtin_trap();
    if (!o->model) {
      if (o->error != strict.error) __builtin_trap();
      continue;
    }
    const auto& a = *o->model;
    const auto& b = *strict.model;
    if (kensa::model::to_json(a) != kensa::model::to_json(b)) __builtin_trap();
    if (!same_positions(a.components, b.components) ||
        !same_positions(a.connections, b.connections) ||
        !same_positions(a.responsibilities, b.responsibilities)) {
      __builtin_trap();
    }
  }
  return 0;
}
