#include "base/yaml_reader.h"

#include <algorithm>

namespace kensa {

namespace {
std::string one_of(std::initializer_list<std::string_view> allowed) {
  std::string out;
  for (auto a : allowed) out += (out.empty() ? "" : ", ") + std::string(a);
  return out;
}
}  // namespace

InputError to_input_error(const YAML::Exception& e, const std::string& origin) {
  return {origin, e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.line) + 1,
          e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.column) + 1, e.msg};
}

YAML::Node load_yaml(std::string_view text, const std::string& origin) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw to_input_error(e, origin);
  }
}

void YamlReader::fail(const YAML::Node& node, const std::string& what) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) throw InputError(origin_, 0, 0, what);
  throw InputError(origin_, static_cast<std::size_t>(mark.line) + 1,
                   static_cast<std::size_t>(mark.column) + 1, what);
}

void YamlReader::only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                           const std::string& context) const {
  if (!map.IsMap()) fail(map, context + ": expected a mapping");
  for (const auto& kv : map) {
    const auto key = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(kv.first,
           context + ": unknown field '" + key + "' (expected one of: " + one_of(allowed) + ")");
    }
  }
}

std::string YamlReader::string(const YAML::Node& map, const char* key, const std::string& context,
                               bool required) const {
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) {
    if (required) fail(map, context + ": missing required field '" + key + "'");
    return {};
  }
  if (!value.IsScalar()) fail(value, context + ": field '" + key + "' must be a string");
  return value.as<std::string>();
}

std::vector<std::string> YamlReader::strings(const YAML::Node& map, const char* key,
                                             const std::string& context) const {
  std::vector<std::string> out;
  const YAML::Node value = map[key];
  if (!value || value.IsNull()) return out;
  if (value.IsScalar()) return {value.as<std::string>()};
  if (!value.IsSequence()) fail(value, context + ": field '" + key + "' must be a list of strings");
  for (const auto& v : value) {
    if (!v.IsScalar()) fail(v, context + ": field '" + key + "' must be a list of strings");
    out.push_back(v.as<std::string>());
  }
  return out;
}

bool YamlReader::boolean(const YAML::Node& map, const char* key, const std::string& context) const {
  const YAML::Node value = map[key];
  if (!value) return false;
  try {
    return value.as<bool>();
  } catch (const YAML::Exception&) {
    fail(value, context + ": field '" + key + "' must be true or false");
  }
}

}  // namespace kensa
