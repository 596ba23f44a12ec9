#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "base/error.h"
#include "base/yaml_reader.h"
#include "verdict/verdict.h"

namespace kensa {
extern const EmbeddedFile kRuleFiles[];
extern const std::size_t kRuleFiles_count;
}  // namespace kensa

namespace kensa::verdict {

// The sources a requirement has in the catalog: its assessable children and the assessable
// targets of its forward `equivalent` (complete) and `part` (partial) references. Derivation
// follows the direction the catalog wrote a reference, never the loader's reverse.
void add_catalog_sources(Rule& rule, const catalog::Item& item, const catalog::Catalog& catalog);
bool has_catalog_sources(const catalog::Item& item, const catalog::Catalog& catalog);

RuleSet RuleSet::parse(const std::vector<EmbeddedFile>& files, const catalog::Catalog& catalog) {
  std::string current = "verdict/rules";
  try {
    return parse_unchecked(files, catalog, current);
  } catch (const YAML::Exception& e) {
    throw to_input_error(e, current);
  }
}

RuleSet RuleSet::parse_unchecked(const std::vector<EmbeddedFile>& files,
                                 const catalog::Catalog& catalog, std::string& current) {
  RuleSet set;
  for (const auto& f : files) {
    const std::string file = "verdict/rules/" + std::string(f.name);
    current = file;
    const YamlReader reader(file);
    const YAML::Node root = load_yaml(f.contents, file);
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence()) reader.fail(root, "expected 'rules:' with a list");
    for (const auto& node : rules) {
      const std::string context = "rule";
      reader.only_keys(
          node,
          {"requirement", "fail_kinds", "pass_kinds", "related_kinds", "collectors", "evidence",
           "document", "not_applicable_if", "complete_from", "partial_from", "special", "note"},
          context);
      Rule rule;
      rule.origin = file;
      rule.requirement = reader.string(node, "requirement", context, true);
      const catalog::Item* item = catalog.find(rule.requirement);
      if (!item) reader.fail(node, "rule for unknown requirement '" + rule.requirement + "'");
      if (!item->assessable) reader.fail(node, rule.requirement + " is not assessable");
      rule.fail_kinds = reader.strings(node, "fail_kinds", context);
      rule.pass_kinds = reader.strings(node, "pass_kinds", context);
      rule.related_kinds = reader.strings(node, "related_kinds", context);
      for (const auto* list : {&rule.fail_kinds, &rule.pass_kinds, &rule.related_kinds}) {
        for (const auto& k : *list) {
          if (!evidence::find_kind(k)) reader.fail(node, "unknown finding kind '" + k + "'");
        }
      }
      rule.collectors = reader.strings(node, "collectors", context);
      for (const auto& c : rule.collectors) {
        if (c != "probe" && c != "traffic" && c != "firmware" && c != "document")
          reader.fail(node["collectors"], "unknown collector '" + c +
                                              "' (expected probe, traffic, firmware or document)");
      }
      const std::string ev = reader.string(node, "evidence", context);
      if (!ev.empty() && ev != "required" && ev != "optional") {
        reader.fail(node["evidence"], "evidence must be required or optional");
      }
      rule.evidence_required = ev.empty() ? !rule.fail_kinds.empty() : ev == "required";
      rule.complete_from = reader.strings(node, "complete_from", context);
      rule.partial_from = reader.strings(node, "partial_from", context);
      rule.sources_from_catalog = !node["complete_from"] && !node["partial_from"];
      const std::string doc = reader.string(node, "document", context);
      if (!doc.empty() && doc != "required" && doc != "optional") {
        reader.fail(node["document"], "document must be required or optional");
      }
      rule.document_required =
          doc.empty() ? (rule.sources_from_catalog ? !has_catalog_sources(*item, catalog)
                                                   : rule.complete_from.empty())
                      : doc == "required";
      for (const auto* list : {&rule.complete_from, &rule.partial_from}) {
        for (const auto& id : *list) {
          const catalog::Item* source = catalog.find(id);
          if (!source || !source->assessable) {
            reader.fail(node, "source '" + id + "' is not an assessable catalog requirement");
          }
        }
      }
      rule.not_applicable_if =
          node["not_applicable_if"] ? node["not_applicable_if"].as<std::string>() : "";
      if (!rule.not_applicable_if.empty() && rule.not_applicable_if != "constrained" &&
          rule.not_applicable_if != "unconstrained") {
        reader.fail(node["not_applicable_if"],
                    "not_applicable_if must be constrained or unconstrained");
      }
      rule.special = reader.string(node, "special", context);
      if (!rule.special.empty() && rule.special != "en303645-4-1") {
        reader.fail(node["special"], "unknown special rule '" + rule.special + "'");
      }
      rule.note = reader.string(node, "note", context);
      if (!set.rules_.emplace(rule.requirement, rule).second) {
        reader.fail(node, "second rule for " + rule.requirement);
      }
    }
  }
  return set;
}

const RuleSet& RuleSet::builtin(const catalog::Catalog& catalog) {
  static const RuleSet rules = [&] {
    std::vector<EmbeddedFile> files(kRuleFiles, kRuleFiles + kRuleFiles_count);
    return parse(files, catalog);
  }();
  return rules;
}

Rule RuleSet::rule_for(const catalog::Item& item, const catalog::Catalog& catalog) const {
  if (auto it = rules_.find(item.qualified()); it != rules_.end()) {
    Rule rule = it->second;
    if (rule.sources_from_catalog) add_catalog_sources(rule, item, catalog);
    return rule;
  }
  Rule rule;
  rule.requirement = item.qualified();
  rule.origin = "default";
  add_catalog_sources(rule, item, catalog);
  rule.document_required = rule.complete_from.empty();
  return rule;
}

void add_catalog_sources(Rule& rule, const catalog::Item& item, const catalog::Catalog& catalog) {
  for (const catalog::Item* child : catalog.children(item)) {
    if (child->assessable) rule.complete_from.push_back(child->qualified());
  }
  for (const auto& ref : item.refs) {
    if (ref.reverse) continue;
    const catalog::Item* target = catalog.find(ref.to);
    if (!target || !target->assessable) continue;
    if (ref.relation == catalog::Relation::equivalent) rule.complete_from.push_back(ref.to);
    if (ref.relation == catalog::Relation::part) rule.partial_from.push_back(ref.to);
  }
}

bool has_catalog_sources(const catalog::Item& item, const catalog::Catalog& catalog) {
  Rule probe;
  add_catalog_sources(probe, item, catalog);
  return !probe.complete_from.empty();
}

}  // namespace kensa::verdict
