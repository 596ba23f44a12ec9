#pragma once
// IoT-SSF assessment of a system model (seed 002 §2-2, use cases §2-3; method summary in
// risk/RISK.md) and risk across its connections (seed 004: system of systems, systemic risk):
//  - ratings: per stakeholder, axis-1 and axis-2 levels from the impacts the model's incidents
//    declare, each with its reasons, compared with the target levels (out-of-bounds flagged);
//  - threats per component, from the component's properties (derived) and from the model
//    (declared, e.g. a seed's threat table), each with its origin;
//  - the requirement set: IoT-SSF requirements (catalog iotssf) per threat and viewpoint, the
//    high-impact policies of out-of-bounds stakeholders, and the seed's prioritisation heuristics
//    (exposed first, fail-safe on actuators, delegate from constrained devices to the upper-level
//    system, protect the most exposed party, legal obligations); smart-home requirements (catalog
//    smarthome) per stakeholder type and the components it is responsible for;
//  - the graph: entry points, compromise-by-evidence, attack paths to safety-relevant
//    components, common-mode groups (shared credentials or firmware), blast radius;
//  - data risks: Data Management Framework risks per data event, transfers across jurisdictions,
//    organisations and systems.
#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "evidence/evidence.h"
#include "model/model.h"

namespace kensa::risk {

inline constexpr std::string_view kRiskSchema = "kensa.risk/1";

struct Rating {
  std::string stakeholder;
  int axis1 = 1, axis2 = 1;  // 1 limited, 2 serious, 3 fatal / catastrophic
  std::vector<std::string> axis1_reasons, axis2_reasons;
  std::vector<std::string> incidents;  // incidents that impact the stakeholder
  bool out_of_bounds = false;          // exceeds the model's target on either axis
};

// The assessment refers to the model it assessed (views of ids and texts, no copies: a million
// components have millions of threats and requirement entries): the model must outlive it.
struct ComponentThreat {
  std::string_view component;  // the component's id
  std::string_view threat;     // IoT-SSF code
  bool declared = false, derived = false;
  // Why it was derived: kensa's static reason texts (derived_reason()), in the order found.
  std::uint8_t reason_count = 0;
  std::array<std::uint8_t, 4> reason_ids{};
  std::string_view incident;  // declared possible incident
};
// The text of a derived threat's reason id.
std::string_view derived_reason(std::uint8_t id);

// One requirement of the set to verify, with where it applies and why.
struct Requirement {
  std::string id;  // qualified catalog id, e.g. "iotssf:V1-SYS-03", "smarthome:MO.1"
  std::string title;
  std::string viewpoint;                     // V1..V4 (IoT-SSF), empty for other frameworks
  std::string target;                        // ORG | PRO | SYS (IoT-SSF)
  std::vector<std::string_view> components;  // component ids; "*" = the system as a whole
  std::vector<std::string> threats;
  std::vector<std::string> stakeholders;  // who implements it (from responsibilities)
  std::vector<std::string> reasons;
  std::vector<std::string> policies;             // high-impact policies it serves
  std::vector<std::string_view> delegated_from;  // constrained components it protects from above
  int priority = 3;  // 1 first (exposed, high-impact), 2, 3 defence in depth
  bool high_impact = false;
};

struct PathHop {
  std::string component;
  std::string connection;  // connection used to reach this hop (empty for the entry)
  bool authenticated = false, encrypted = false;
  std::string boundary;  // trust boundary crossed on this hop, if any
};

struct AttackPath {
  std::string entry, target;
  std::string entry_reason;  // internet-exposed, compromised by evidence, common-mode, ...
  int cost = 0;
  std::vector<PathHop> hops;
};

struct CommonMode {
  std::string kind;  // credential | firmware
  std::string key;
  std::vector<std::string> components;
  bool exposed = false;  // one member is an entry point: all are, by assumption
};

struct BlastRadius {
  std::string component;
  std::size_t reachable = 0;
  std::size_t safety_relevant = 0;
  std::vector<std::string> sample;  // first reachable safety-relevant components
};

struct Compromise {
  std::string component;
  std::string finding_kind;
  std::string check, origin;
};

struct DataRisk {
  std::string data, event, component;
  std::string risk;  // qualified dmf risk id
  std::string aspect;
  std::string text;
  std::vector<std::string> measures;  // qualified dmf measure ids
};

struct Transfer {
  std::string data, from, to;
  std::vector<std::string> units;  // DMF-E3-U1..U4 crossed
  std::vector<std::string> rules;  // what applies
};

struct ResponsibilityGap {
  std::string component;
  std::string issue;  // "no responsible stakeholder", "ambiguous: ..."
};

struct Assessment {
  std::string system;
  model::Target target;
  std::vector<Rating> ratings;
  std::vector<ComponentThreat> threats;
  std::vector<Requirement> requirements;
  std::vector<std::string> entries;  // entry-point components
  std::vector<Compromise> compromised;
  // The cheapest path to each reachable safety-relevant component, cheapest first (ties in model
  // order), at most Options::max_paths of them; reachable_targets counts them all.
  std::vector<AttackPath> paths;
  std::size_t reachable_targets = 0;
  std::vector<CommonMode> common_modes;
  std::vector<BlastRadius> blast;  // per entry point (worst first); sample in model order
  std::vector<DataRisk> data_risks;
  std::vector<Transfer> transfers;
  std::vector<ResponsibilityGap> gaps;
  std::size_t reachable_from_entries = 0;
};

struct Options {
  std::size_t max_blast_sources = 32;  // blast radius of this many entry points (at most 64)
  std::size_t max_paths = 1000;        // attack paths spelled out hop by hop
};

// Throws InputError (at the policy) when a policy names a requirement the iotssf catalog lacks.
void check_policies(const model::Model& model, const catalog::Catalog& catalog);

// Throws InputError (at the policy) when a policy names a requirement the iotssf catalog lacks.
Assessment assess(const model::Model& model, const catalog::Catalog& catalog,
                  const std::vector<evidence::FindingSet>& findings = {},
                  const Options& options = {});
// The assessment views the model: a temporary one would leave it dangling.
Assessment assess(model::Model&& model, const catalog::Catalog& catalog,
                  const std::vector<evidence::FindingSet>& findings = {},
                  const Options& options = {}) = delete;

// Finding kinds that make a component compromised-by-assumption.
bool compromises(std::string_view finding_kind);

// The assessment as JSON, written as it is produced (no tree: a million-component assessment
// stays within its own size).
void write_json(const Assessment& assessment, std::ostream& out);
// The same document as a tree (write_json's text parsed), for small assessments.
nlohmann::json to_json(const Assessment& assessment);
std::string summary(const Assessment& assessment, const model::Model& model);

// The requirement set as the verdict engine's input: one entry per qualified requirement id with
// the components it applies to (see risk/RISK.md "Feeding the verdict engine").
nlohmann::json requirement_set(const Assessment& assessment);

// Graphviz DOT of the system: zones as clusters, exposed components and the cheapest attack paths
// highlighted.
std::string to_dot(const Assessment& assessment, const model::Model& model);

}  // namespace kensa::risk
