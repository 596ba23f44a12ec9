#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "base/error.h"
#include "verdict/verdict.h"

namespace kensa {
extern const EmbeddedFile kRuleFiles[];
extern const std::size_t kRuleFiles_count;
}  // namespace kensa

namespace kensa::verdict {

namespace {

[[noreturn]] void fail(const std::string& file, const YAML::Node& node, const std::string& what) {
  const YAML::Mark mark = node.Mark();
  throw InputError(file, mark.is_null() ? 0 : static_cast<std::size_t>(mark.line) + 1,
                   mark.is_null() ? 0 : static_cast<std::size_t>(mark.column) + 1, what);
}

std::vector<std::string> strings(const std::string& file, const YAML::Node& map, const char* key) {
  std::vector<std::string> out;
  const YAML::Node v = map[key];
  if (!v) return out;
  if (!v.IsSequence()) fail(file, v, std::string("'") + key + "' must be a list");
  for (const auto& s : v) out.push_back(s.as<std::string>());
  return out;
}

}  // namespace

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
    throw InputError(current, e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.line) + 1,
                     e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.column) + 1, e.msg);
  }
}

RuleSet RuleSet::parse_unchecked(const std::vector<EmbeddedFile>& files,
                                 const catalog::Catalog& catalog, std::string& current) {
  RuleSet set;
  for (const auto& f : files) {
    const std::string file = "verdict/rules/" + std::string(f.name);
    current = file;
    YAML::Node root;
    try {
      root = YAML::Load(std::string(f.contents));
    } catch (const YAML::ParserException& e) {
      throw InputError(file, static_cast<std::size_t>(e.mark.line) + 1,
                       static_cast<std::size_t>(e.mark.column) + 1, e.msg);
    }
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence()) fail(file, root, "expected 'rules:' with a list");
    for (const auto& node : rules) {
      for (const auto& kv : node) {
        static const std::vector<std::string> allowed = {
            "requirement", "fail_kinds", "pass_kinds", "related_kinds", "evidence", "document",
            "not_applicable_if", "complete_from", "partial_from", "special", "note"};
        const auto key = kv.first.as<std::string>();
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
          fail(file, kv.first, "unknown rule field '" + key + "'");
        }
      }
      Rule rule;
      rule.origin = file;
      rule.requirement = node["requirement"] ? node["requirement"].as<std::string>() : "";
      const catalog::Item* item = catalog.find(rule.requirement);
      if (!item) fail(file, node, "rule for unknown requirement '" + rule.requirement + "'");
      if (!item->assessable) fail(file, node, rule.requirement + " is not assessable");
      rule.fail_kinds = strings(file, node, "fail_kinds");
      rule.pass_kinds = strings(file, node, "pass_kinds");
      rule.related_kinds = strings(file, node, "related_kinds");
      for (const auto* list : {&rule.fail_kinds, &rule.pass_kinds, &rule.related_kinds}) {
        for (const auto& k : *list) {
          if (!evidence::find_kind(k)) fail(file, node, "unknown finding kind '" + k + "'");
        }
      }
      const std::string ev = node["evidence"] ? node["evidence"].as<std::string>() : "";
      if (!ev.empty() && ev != "required" && ev != "optional") {
        fail(file, node["evidence"], "evidence must be required or optional");
      }
      rule.evidence_required = ev.empty() ? !rule.fail_kinds.empty() : ev == "required";
      rule.complete_from = strings(file, node, "complete_from");
      rule.partial_from = strings(file, node, "partial_from");
      rule.sources_from_catalog = !node["complete_from"] && !node["partial_from"];
      const std::string doc = node["document"] ? node["document"].as<std::string>() : "";
      if (!doc.empty() && doc != "required" && doc != "optional") {
        fail(file, node["document"], "document must be required or optional");
      }
      rule.document_required = doc.empty() ? (rule.sources_from_catalog ? !has_catalog_sources(*item, catalog)
                                                                         : rule.complete_from.empty())
                                           : doc == "required";
      for (const auto* list : {&rule.complete_from, &rule.partial_from}) {
        for (const auto& id : *list) {
          const catalog::Item* source = catalog.find(id);
          if (!source || !source->assessable) {
            fail(file, node, "source '" + id + "' is not an assessable catalog requirement");
          }
        }
      }
      rule.not_applicable_if = node["not_applicable_if"] ? node["not_applicable_if"].as<std::string>() : "";
      if (!rule.not_applicable_if.empty() && rule.not_applicable_if != "constrained" &&
          rule.not_applicable_if != "unconstrained") {
        fail(file, node["not_applicable_if"], "not_applicable_if must be constrained or unconstrained");
      }
      rule.special = node["special"] ? node["special"].as<std::string>() : "";
      if (!rule.special.empty() && rule.special != "en303645-4-1") {
        fail(file, node["special"], "unknown special rule '" + rule.special + "'");
      }
      rule.note = node["note"] ? node["note"].as<std::string>() : "";
      if (!set.rules_.emplace(rule.requirement, rule).second) {
        fail(file, node, "second rule for " + rule.requirement);
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
