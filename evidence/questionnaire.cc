#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "base/error.h"
#include "evidence/evidence.h"

namespace kensa::evidence {

std::string_view to_string(AnswerStatus status) {
  switch (status) {
    case AnswerStatus::supported:
      return "supported";
    case AnswerStatus::not_supported:
      return "not-supported";
    case AnswerStatus::not_applicable:
      return "not-applicable";
  }
  return "supported";
}

namespace {

class YamlReader {
 public:
  explicit YamlReader(const std::string& origin) : origin_(origin) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) throw InputError(origin_, 0, 0, what);
    throw InputError(origin_, static_cast<std::size_t>(mark.line) + 1,
                     static_cast<std::size_t>(mark.column) + 1, what);
  }

  void only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                 const std::string& context) const {
    if (!map.IsMap()) fail(map, context + ": expected a mapping");
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string expected;
        for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
        fail(kv.first,
             context + ": unknown field '" + key + "' (expected one of: " + expected + ")");
      }
    }
  }

  std::string string(const YAML::Node& map, const char* key, const std::string& context) const {
    const YAML::Node v = map[key];
    if (!v || v.IsNull()) return {};
    if (!v.IsScalar()) fail(v, context + ": '" + key + "' must be a string");
    return v.as<std::string>();
  }

  std::vector<std::string> strings(const YAML::Node& map, const char* key,
                                   const std::string& context) const {
    std::vector<std::string> out;
    const YAML::Node v = map[key];
    if (!v || v.IsNull()) return out;
    if (v.IsScalar()) return {v.as<std::string>()};
    if (!v.IsSequence()) fail(v, context + ": '" + key + "' must be a list of strings");
    for (const auto& s : v) {
      if (!s.IsScalar()) fail(s, context + ": '" + key + "' must be a list of strings");
      out.push_back(s.as<std::string>());
    }
    return out;
  }

 private:
  const std::string& origin_;
};

}  // namespace

namespace {
Questionnaire parse_unchecked(std::string_view yaml_text, const std::string& origin);
}  // namespace

Questionnaire parse_questionnaire(std::string_view yaml_text, const std::string& origin) {
  try {
    return parse_unchecked(yaml_text, origin);
  } catch (const YAML::Exception& e) {
    // Type mismatches found by yaml-cpp itself (a list where a string belongs).
    throw InputError(origin, e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.line) + 1,
                     e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.column) + 1, e.msg);
  }
}

namespace {
Questionnaire parse_unchecked(std::string_view yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    throw InputError(origin, static_cast<std::size_t>(e.mark.line) + 1,
                     static_cast<std::size_t>(e.mark.column) + 1, e.msg);
  }
  YamlReader reader(origin);
  if (!root.IsMap()) reader.fail(root, "expected a mapping with 'schema' and 'answers'");
  reader.only_keys(root, {"schema", "product", "constrained", "scope", "answers"}, "questionnaire");
  const std::string schema = reader.string(root, "schema", "questionnaire");
  if (schema != kQuestionnaireSchema) {
    reader.fail(root["schema"] ? root["schema"] : root,
                "schema is '" + schema + "', expected '" + std::string(kQuestionnaireSchema) + "'");
  }
  Questionnaire q;
  q.origin = origin;
  if (const YAML::Node product = root["product"]) {
    reader.only_keys(product, {"name", "model", "vendor", "firmware_version"}, "product");
    q.product_name = reader.string(product, "name", "product");
    q.product_model = reader.string(product, "model", "product");
    q.product_vendor = reader.string(product, "vendor", "product");
    q.firmware_version = reader.string(product, "firmware_version", "product");
  }
  if (const YAML::Node constrained = root["constrained"]) {
    try {
      q.constrained = constrained.as<bool>();
    } catch (const YAML::Exception&) {
      reader.fail(constrained, "'constrained' must be true or false");
    }
  }
  if (const YAML::Node scope = root["scope"]) {
    reader.only_keys(scope, {"roles"}, "scope");
    q.roles = reader.strings(scope, "roles", "scope");
  }
  const YAML::Node answers = root["answers"];
  if (answers && !answers.IsNull()) {
    if (!answers.IsMap()) reader.fail(answers, "'answers' must map requirement ids to answers");
    for (const auto& kv : answers) {
      Answer a;
      a.requirement = kv.first.as<std::string>();
      a.line = static_cast<std::size_t>(kv.first.Mark().line) + 1;
      const std::string context = "answer " + a.requirement;
      const YAML::Node body = kv.second;
      reader.only_keys(body, {"status", "justification", "ixit", "evidence"}, context);
      const std::string status = reader.string(body, "status", context);
      if (status == "supported" || status == "yes") {
        a.status = AnswerStatus::supported;
      } else if (status == "not-supported" || status == "no") {
        a.status = AnswerStatus::not_supported;
      } else if (status == "not-applicable" || status == "n/a") {
        a.status = AnswerStatus::not_applicable;
      } else {
        reader.fail(body["status"] ? body["status"] : body,
                    context + ": status '" + status +
                        "', expected supported, not-supported or not-applicable");
      }
      a.justification = reader.string(body, "justification", context);
      a.ixit = reader.string(body, "ixit", context);
      a.evidence = reader.strings(body, "evidence", context);
      if (!q.answers.emplace(a.requirement, a).second) {
        reader.fail(kv.first, context + ": answered twice");
      }
    }
  }
  return q;
}

}  // namespace

}  // namespace kensa::evidence
