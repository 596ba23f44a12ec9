#pragma once
// Strict reading of user- and contributor-written YAML (catalogs, rules, questionnaires): unknown
// keys are errors, so a typo can never silently drop data, and every error names file, line and
// column of the offending node.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace kensa {

class YamlReader {
 public:
  explicit YamlReader(std::string origin) : origin_(std::move(origin)) {}

  const std::string& origin() const { return origin_; }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const;
  // Fails unless `map` is a mapping whose keys are all in `allowed`.
  void only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                 const std::string& context) const;
  // A scalar field; empty when absent (or an error when `required`).
  std::string string(const YAML::Node& map, const char* key, const std::string& context,
                     bool required = false) const;
  // A list of scalars (a single scalar counts as a list of one); empty when absent.
  std::vector<std::string> strings(const YAML::Node& map, const char* key,
                                   const std::string& context) const;
  bool boolean(const YAML::Node& map, const char* key, const std::string& context) const;

 private:
  std::string origin_;
};

// Parses `text`; a syntax error becomes an InputError at its position.
YAML::Node load_yaml(std::string_view text, const std::string& origin);
// yaml-cpp's own exceptions (e.g. a list where a scalar belongs) as an InputError.
InputError to_input_error(const YAML::Exception& e, const std::string& origin);

}  // namespace kensa
