#pragma once
// Assessment of a system model (`kensa assess --model MODEL`): the risk step's requirement set
// meets the collectors' evidence, per component.
//
//  - attribution: every finding and check run of the collectors named by the model's evidence
//    links belongs to one component: the component whose address, firmware image, capture or id
//    is the finding's target, else the component whose link produced it, else none;
//  - risk with evidence: the risk step (risk::assess) reads the attributed findings, so a
//    component found with a default password is compromised-by-assumption and the attack paths
//    and blast radius start from it;
//  - per component: verdicts from the component's own evidence only, restricted to the
//    requirements the risk step derived for that component, completed by what those requirements
//    are equivalent to or part of in the other frameworks (catalog references `equivalent`,
//    `part`), and by every requirement the component's own evidence fails or leaves
//    inconclusive (a failure is never hidden by the restriction);
//  - roll-up per framework: a requirement's system verdict is its worst verdict over the
//    components it applies to;
//  - per stakeholder: who owns each failing requirement, from the risk step's implementers and
//    the model's responsibilities (smart-home types included).
// The result is the `system` section of the assessment document (report/SCHEMA.md).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "evidence/evidence.h"
#include "model/model.h"
#include "risk/risk.h"
#include "verdict/verdict.h"

namespace kensa::system {

// One collector run named by an evidence link (or a findings file).
struct CollectedSet {
  std::string component;  // component of the link; empty for a link covering several
  std::string link;       // what the link named, e.g. "address 10.77.0.10", "firmware img.bin"
  evidence::FindingSet set;
};

struct Evidence {
  std::vector<CollectedSet> sets;
  // By component id; "*" = the system's own questionnaire (the applying entity's answers), which
  // decides the requirements the risk step applies to the system as a whole.
  std::map<std::string, evidence::Questionnaire> questionnaires;
};

struct Result {
  // Every finding set after attribution, each belonging to at most one component. The assessment
  // document's `findings`/`checks` must list these sets first and in this order: the `system`
  // section's finding indexes point into them.
  std::vector<evidence::FindingSet> sets;
  std::vector<std::string> owners;  // component of each set in `sets` ("" = none)
  risk::Assessment risk;            // with the evidence; views the model (see risk::assess)
  nlohmann::json section;           // the assessment document's `system` section
};

Result assess(const model::Model& model, const catalog::Catalog& catalog,
              const verdict::RuleSet& rules, const Evidence& evidence);

// Worst-first order used by the roll-up: FAIL, INCONCLUSIVE, NEEDS_EVIDENCE, PASS,
// NOT_APPLICABLE.
int severity_rank(std::string_view verdict);

}  // namespace kensa::system
