#pragma once
// The verdict engine: evidence (findings, check runs, questionnaire answers) in, one verdict per
// assessable requirement of every catalog out. Rules are data (verdict/rules/*.yaml, format in
// verdict/RULES.md); a requirement without a rule is decided by its children and by the
// `equivalent`/`part` references its catalog entry declares, else by the questionnaire alone.
//
// Outcomes, and the only ways to reach them:
//   FAIL            a finding of a failing kind, an answer "not-supported", or a failed part;
//   PASS            every part the rule needs is positively shown: a check that tests for the
//                   failing kinds completed without finding any, an answer "supported" with IXIT
//                   or evidence, sources that all pass. Never from the absence of evidence;
//   NOT_APPLICABLE  an answer "not-applicable" with a justification, a declared condition
//                   (constrained device) or an audience outside the declared scope;
//   INCONCLUSIVE    a check that should decide it could not run (timeout, unreachable, error);
//   NEEDS_EVIDENCE  everything else: only a document or a person can decide, and none was given.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "evidence/evidence.h"

namespace kensa::verdict {

enum class Outcome { pass, fail, not_applicable, needs_evidence, inconclusive };
std::string_view to_string(Outcome outcome);  // "PASS", "FAIL", ...
inline constexpr Outcome kAllOutcomes[] = {Outcome::pass, Outcome::fail, Outcome::not_applicable,
                                           Outcome::needs_evidence, Outcome::inconclusive};

struct Rule {
  std::string requirement;  // qualified id
  std::vector<std::string> fail_kinds;
  std::vector<std::string> pass_kinds;     // positive observations that count as a completed test
  std::vector<std::string> related_kinds;  // shown as supporting evidence, never decide
  // Collectors whose findings and check runs count for this rule (probe, traffic, firmware,
  // document); empty = all. A measure about the live configuration is not refuted by what the
  // firmware image ships with, nor shown by it.
  std::vector<std::string> collectors;
  bool evidence_required = false;  // PASS needs a completed test (default: fail_kinds given)
  bool document_required = true;   // PASS needs a supported answer with IXIT or evidence
  std::string not_applicable_if;   // "constrained" | "unconstrained" | ""
  std::vector<std::string> complete_from;  // sources that together fully cover the requirement
  std::vector<std::string> partial_from;   // sources whose failure fails this requirement
  // Without explicit complete_from/partial_from, sources come from the catalog (children,
  // `equivalent` and `part` references) as for a requirement without a rule.
  bool sources_from_catalog = true;
  std::string special;  // a built-in decision, e.g. "en303645-4-1"
  std::string note;
  std::string origin;  // rules file, or "default"
};

class RuleSet {
 public:
  static const RuleSet& builtin(const catalog::Catalog& catalog);
  static RuleSet parse(const std::vector<EmbeddedFile>& files, const catalog::Catalog& catalog);
  // The explicit rule, or the default one derived from the catalog.
  Rule rule_for(const catalog::Item& item, const catalog::Catalog& catalog) const;
  std::size_t size() const { return rules_.size(); }

 private:
  static RuleSet parse_unchecked(const std::vector<EmbeddedFile>& files,
                                 const catalog::Catalog& catalog, std::string& current);
  std::map<std::string, Rule, std::less<>> rules_;
};

// A sentence in both report languages.
struct Text {
  std::string en;
  std::string ja;
};

struct Source {
  std::string requirement;
  Outcome outcome;
  bool complete;
};

struct Verdict {
  const catalog::Item* requirement = nullptr;
  Outcome outcome = Outcome::needs_evidence;
  std::string
      basis;    // tested | declared | tested+declared | derived | scope | condition | unverified
  Text reason;  // one or two sentences a non-specialist can read
  std::string rule;                   // where the rule came from
  std::vector<std::size_t> findings;  // indexes into Assessment::findings
  std::vector<std::size_t> checks;    // indexes into Assessment::checks
  std::vector<Source> sources;
  const evidence::Answer* answer = nullptr;
  std::vector<Text> missing;  // what would decide a NEEDS_EVIDENCE / INCONCLUSIVE verdict
};

struct Assessment {
  evidence::Questionnaire questionnaire;  // empty when none was given
  bool has_questionnaire = false;
  std::vector<std::string> inputs;  // files read
  std::vector<evidence::Finding> findings;
  std::vector<evidence::CheckRun> checks;
  std::vector<Verdict> verdicts;  // every assessable item of every framework, in catalog order
  std::vector<std::string> warnings;
};

// Throws InputError when the questionnaire answers an unknown or non-assessable requirement.
Assessment assess(const catalog::Catalog& catalog, const RuleSet& rules,
                  const std::vector<evidence::FindingSet>& findings,
                  const evidence::Questionnaire* questionnaire);

// Per-device verdicts for an assessment that covers several targets (a fleet scan, a capture of
// a home network): each target's findings and check runs, taken from `whole`, decided on their
// own (a capture's check runs count for every device, as they examined all its traffic). No
// questionnaire: it describes one product, not every device on the network, so a device's verdicts
// come from its evidence only. Returns the assessment document's `devices` array
// (report/SCHEMA.md) with finding indexes into `whole.findings`, targets in first-seen order;
// empty when the evidence names fewer than two targets.
nlohmann::json per_target_json(const catalog::Catalog& catalog, const RuleSet& rules,
                               const Assessment& whole);

inline constexpr std::string_view kAssessmentSchema = "kensa.assessment/1";
// The versioned assessment document every report renders from (schema: report/SCHEMA.md).
nlohmann::json to_json(const Assessment& assessment, const catalog::Catalog& catalog);

}  // namespace kensa::verdict
