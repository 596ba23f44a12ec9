#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "base/error.h"
#include "base/yaml_reader.h"
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
Questionnaire parse_unchecked(std::string_view yaml_text, const std::string& origin);
}  // namespace

Questionnaire parse_questionnaire(std::string_view yaml_text, const std::string& origin) {
  try {
    return parse_unchecked(yaml_text, origin);
  } catch (const YAML::Exception& e) {
    // Type mismatches found by yaml-cpp itself (a list where a string belongs).
    throw to_input_error(e, origin);
  }
}

namespace {
Questionnaire parse_unchecked(std::string_view yaml_text, const std::string& origin) {
  const YAML::Node root = load_yaml(yaml_text, origin);
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
