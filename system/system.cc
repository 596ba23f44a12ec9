#include "system/system.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

namespace kensa::system {

using nlohmann::json;

namespace {

template <class T, class U>
bool contains(const std::vector<T>& v, const U& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!contains(v, s)) v.push_back(s);
}

// A requirement selected for a component, and why.
struct Selection {
  std::string origin;  // risk | mapped | evidence
  int priority = 3;
  bool high_impact = false;
  std::vector<std::string> from;  // risk requirements it was mapped from
  std::vector<std::string> threats, stakeholders;
};

// Findings and check runs split among components (see system.h, "attribution").
struct Attribution {
  std::unordered_map<std::string, std::string> owner_of_target;

  explicit Attribution(const model::Model& m) {
    for (const auto& c : m.components) {
      owner_of_target.emplace(c.id, c.id);
      if (!c.firmware.image.empty()) owner_of_target.emplace(c.firmware.image, c.id);
    }
    for (const auto& e : m.evidence) {
      if (e.component.empty()) continue;
      for (const auto* t : {&e.address, &e.firmware, &e.capture}) {
        if (!t->empty()) owner_of_target.emplace(*t, e.component);
      }
    }
  }

  std::string owner(const std::string& target, const std::string& fallback) const {
    const auto it = owner_of_target.find(target);
    return it == owner_of_target.end() ? fallback : it->second;
  }
};

std::string verdict_name(verdict::Outcome o) { return std::string(verdict::to_string(o)); }

json zero_counts() {
  json c = json::object();
  for (auto o : verdict::kAllOutcomes) c[verdict_name(o)] = 0;
  return c;
}

std::vector<std::size_t> global_findings(const verdict::Verdict& v,
                                         const std::vector<std::size_t>& local_to_global) {
  std::vector<std::size_t> out;
  for (auto i : v.findings) {
    if (i < local_to_global.size()) out.push_back(local_to_global[i]);
  }
  return out;
}

}  // namespace

int severity_rank(std::string_view v) {
  if (v == "FAIL") return 0;
  if (v == "INCONCLUSIVE") return 1;
  if (v == "NEEDS_EVIDENCE") return 2;
  if (v == "PASS") return 3;
  return 4;  // NOT_APPLICABLE
}

Result assess(const model::Model& m, const catalog::Catalog& cat, const verdict::RuleSet& rules,
              const Evidence& ev) {
  Result result;
  const Attribution attribution(m);

  // ---- attribution: one set per (collected set, owner), the link's own component first
  for (const auto& cs : ev.sets) {
    std::vector<std::pair<std::string, evidence::FindingSet>> parts;
    auto part = [&](const std::string& owner) -> evidence::FindingSet& {
      for (auto& [o, s] : parts) {
        if (o == owner) return s;
      }
      evidence::FindingSet s;
      s.origin = cs.set.origin;
      s.collector = cs.set.collector;
      s.tool = cs.set.tool;
      parts.emplace_back(owner, std::move(s));
      return parts.back().second;
    };
    part(cs.component);
    for (const auto& f : cs.set.findings)
      part(attribution.owner(f.target, cs.component)).findings.push_back(f);
    for (const auto& c : cs.set.checks)
      part(attribution.owner(c.target, cs.component)).checks.push_back(c);
    for (auto& [owner, s] : parts) {
      if (s.findings.empty() && s.checks.empty() && (owner != cs.component || owner.empty()))
        continue;
      result.owners.push_back(owner);
      result.sets.push_back(std::move(s));
    }
  }

  // ---- risk with the evidence: attributed findings name their component
  std::vector<evidence::FindingSet> risk_sets = result.sets;
  for (std::size_t i = 0; i < risk_sets.size(); ++i) {
    if (result.owners[i].empty()) continue;
    for (auto& f : risk_sets[i].findings) f.target = result.owners[i];
  }
  result.risk = risk::assess(m, cat, risk_sets);
  const risk::Assessment& ra = result.risk;

  // Global index of every set's first finding.
  std::vector<std::size_t> offset(result.sets.size() + 1, 0);
  for (std::size_t i = 0; i < result.sets.size(); ++i)
    offset[i + 1] = offset[i] + result.sets[i].findings.size();

  // Responsible stakeholders per component.
  std::map<std::string, std::vector<std::string>> responsible;
  for (const auto& r : m.responsibilities) {
    for (const auto& c : r.components) add_unique(responsible[c], r.stakeholder);
  }

  // A smart-home requirement is owned by the stakeholders of the types it is addressed to, among
  // those the risk step names as implementers (when any of them has that type).
  auto owners_of = [&](const catalog::Item& item, const std::vector<std::string>& implementers) {
    if (item.framework != "smarthome" || item.stakeholders.empty()) return implementers;
    std::vector<std::string> typed;
    for (const auto& id : implementers) {
      const model::Stakeholder* s = m.stakeholder(id);
      if (s && contains(item.stakeholders, s->smarthome)) typed.push_back(id);
    }
    return typed.empty() ? implementers : typed;
  };
  // Who answers for what a component's own evidence fails: the stakeholders responsible for it
  // who make or update it (developers, or duties design/build/develop/update/maintain), else
  // everyone responsible for it.
  auto makers = [&](const std::string& component_id) {
    std::vector<std::string> out;
    for (const auto& r : m.responsibilities) {
      if (!contains(r.components, component_id)) continue;
      const model::Stakeholder* s = m.stakeholder(r.stakeholder);
      bool makes = s && s->role == model::Role::developer;
      for (const auto& d : r.duties) {
        makes = makes || d == "design" || d == "build" || d == "develop" || d == "update" ||
                d == "maintain";
      }
      if (makes) add_unique(out, r.stakeholder);
    }
    if (out.empty() && responsible.count(component_id)) out = responsible.at(component_id);
    return out;
  };

  // The verdicts of a component's own evidence. Components without evidence share one.
  std::unique_ptr<verdict::Assessment> no_evidence;
  auto verdicts_without_evidence = [&]() -> const verdict::Assessment& {
    if (!no_evidence)
      no_evidence = std::make_unique<verdict::Assessment>(verdict::assess(cat, rules, {}, nullptr));
    return *no_evidence;
  };

  json components = json::array();
  // requirement → component → verdict, for the roll-up
  std::map<std::string, std::map<std::string, std::string>> rollup;
  std::vector<std::string> rollup_order;
  struct Owned {
    std::string component, requirement, verdict;
  };
  std::vector<Owned> owned_rows;
  std::map<std::string, std::vector<std::string>> row_owners;  // "component\trequirement" → ids

  // A constrained component (model `constrained: true`) is also checked against the requirements
  // whose rule turns on constrainedness (EN 303 645's exemptions for constrained devices and the
  // provisions only for them, 5.3-14/15): the report then shows which exemptions it takes and what
  // it owes instead, which the risk step's threat-driven selection never names.
  std::set<std::string> constrained_components;
  for (const auto& c : m.components)
    if (c.constrained) constrained_components.insert(c.id);
  std::vector<std::string> constrained_conditional;
  if (!constrained_components.empty()) {
    for (const auto& fw : cat.frameworks()) {
      for (const catalog::Item* item : fw.items) {
        if (item->assessable && !rules.rule_for(*item, cat).not_applicable_if.empty())
          constrained_conditional.push_back(item->qualified());
      }
    }
  }

  auto select_for = [&](const std::string& component_id, const verdict::Assessment& va)
      -> std::pair<std::vector<std::string>, std::map<std::string, Selection>> {
    std::vector<std::string> order;
    std::map<std::string, Selection> sel;
    auto add = [&](const std::string& id, const std::string& origin) -> Selection& {
      auto [it, inserted] = sel.emplace(id, Selection{});
      if (inserted) {
        it->second.origin = origin;
        order.push_back(id);
      }
      return it->second;
    };
    for (const auto& r : ra.requirements) {
      if (!contains(r.components, component_id)) continue;
      const catalog::Item* item = cat.find(r.id);
      if (!item || !item->assessable) continue;
      Selection& s = add(r.id, "risk");
      s.origin = "risk";
      s.priority = std::min(s.priority, r.priority);
      s.high_impact = s.high_impact || r.high_impact;
      for (const auto& t : r.threats) add_unique(s.threats, t);
      for (const auto& h : owners_of(*item, r.stakeholders)) add_unique(s.stakeholders, h);
    }
    // Completed by equivalents and parts in the other frameworks.
    const std::vector<std::string> risk_ids = order;
    for (const auto& id : risk_ids) {
      const Selection source = sel.at(id);
      for (const auto& mapped : cat.map(*cat.find(id), 2)) {
        const bool direct_part = mapped.relation == catalog::Relation::part && mapped.via.empty();
        if (mapped.relation != catalog::Relation::equivalent && !direct_part) continue;
        if (!mapped.item->assessable) continue;
        Selection& s = add(mapped.item->qualified(), "mapped");
        if (s.origin != "mapped") continue;
        if (s.from.empty() || source.priority < s.priority) s.priority = source.priority;
        s.high_impact = s.high_impact || source.high_impact;
        add_unique(s.from, id);
        for (const auto& t : source.threats) add_unique(s.threats, t);
        for (const auto& h : source.stakeholders) add_unique(s.stakeholders, h);
      }
    }
    // Completed by what the component's own evidence fails or leaves open. Verdicts derived from
    // other requirements (basis "derived": guideline groups, cross-framework equivalents) stay in
    // the whole-product view; their sources are listed here.
    for (const auto& v : va.verdicts) {
      if (v.outcome != verdict::Outcome::fail && v.outcome != verdict::Outcome::inconclusive)
        continue;
      if (v.basis == "derived") continue;
      Selection& s = add(v.requirement->qualified(), "evidence");
      if (s.origin == "evidence" && s.stakeholders.empty()) s.stakeholders = makers(component_id);
    }
    if (constrained_components.count(component_id)) {
      for (const auto& id : constrained_conditional) {
        Selection& s = add(id, "constrained");
        if (s.origin == "constrained" && s.stakeholders.empty())
          s.stakeholders = makers(component_id);
      }
    }
    return {order, sel};
  };

  auto row_json = [&](const std::string& id, const Selection& s, const verdict::Verdict& v,
                      const std::vector<std::size_t>& local_to_global) {
    const catalog::Item& item = *v.requirement;
    json missing = json::array();
    for (const auto& t : v.missing) missing.push_back(t.en);
    return json{{"requirement", id},
                {"framework", item.framework},
                {"title_en", item.title("en")},
                {"title_ja", item.title("ja")},
                {"verdict", verdict_name(v.outcome)},
                {"basis", v.basis},
                {"reason", v.reason.en},
                {"reason_ja", v.reason.ja},
                {"origin", s.origin},
                {"from", s.from},
                {"priority", s.priority},
                {"high_impact", s.high_impact},
                {"threats", s.threats},
                {"stakeholders", s.stakeholders},
                {"findings", global_findings(v, local_to_global)},
                {"missing", missing}};
  };

  auto table_of = [](const verdict::Assessment& va) {
    std::unordered_map<std::string, const verdict::Verdict*> by_id;
    for (const auto& v : va.verdicts) by_id.emplace(v.requirement->qualified(), &v);
    return by_id;
  };

  auto assess_unit = [&](const std::string& unit_id, const verdict::Assessment& va,
                         const std::vector<std::size_t>& local_to_global, json& out) {
    const auto by_id = table_of(va);
    auto [order, sel] = select_for(unit_id, va);
    json rows = json::array();
    json counts = zero_counts();
    for (const auto& id : order) {
      const auto it = by_id.find(id);
      if (it == by_id.end()) continue;  // not assessable
      json row = row_json(id, sel.at(id), *it->second, local_to_global);
      const std::string verdict = row["verdict"];
      counts[verdict] = counts[verdict].get<int>() + 1;
      auto [r, inserted] = rollup.try_emplace(id);
      if (inserted) rollup_order.push_back(id);
      r->second[unit_id] = verdict;
      std::vector<std::string> owners = row["stakeholders"];
      if (owners.empty()) owners = makers(unit_id);
      row_owners[unit_id + "\t" + id] = owners;
      owned_rows.push_back({unit_id, id, verdict});
      rows.push_back(std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
      const int ra = severity_rank(a["verdict"].get<std::string>());
      const int rb = severity_rank(b["verdict"].get<std::string>());
      if (ra != rb) return ra < rb;
      return a["priority"].get<int>() < b["priority"].get<int>();
    });
    out["counts"] = counts;
    out["requirements"] = rows;
  };

  std::set<std::string> compromised_ids;
  for (const auto& c : ra.compromised) compromised_ids.insert(c.component);

  for (const auto& c : m.components) {
    json out = {{"id", c.id},
                {"name", c.name},
                {"layer", std::string(model::to_string(c.layer))},
                {"kind", c.kind},
                {"zone", c.zone}};
    json links = json::array();
    for (const auto& e : m.evidence) {
      if (e.component != c.id) continue;
      for (const auto& [kind, value] : {std::pair{"address", &e.address},
                                        {"firmware", &e.firmware},
                                        {"capture", &e.capture},
                                        {"ics", &e.ics},
                                        {"findings", &e.findings}}) {
        if (!value->empty()) links.push_back({{"kind", kind}, {"value", *value}});
      }
    }
    out["evidence"] = links;

    std::vector<evidence::FindingSet> own;
    std::vector<std::size_t> local_to_global;
    json inputs = json::array();
    for (std::size_t i = 0; i < result.sets.size(); ++i) {
      if (result.owners[i] != c.id) continue;
      own.push_back(result.sets[i]);
      inputs.push_back(result.sets[i].origin);
      for (std::size_t k = offset[i]; k < offset[i + 1]; ++k) local_to_global.push_back(k);
    }
    const auto q = ev.questionnaires.find(c.id);
    if (q != ev.questionnaires.end()) inputs.push_back(q->second.origin);
    out["inputs"] = inputs;
    out["findings"] = local_to_global;

    json compromised = json::array();
    for (const auto& k : ra.compromised) {
      if (k.component == c.id)
        compromised.push_back({{"kind", k.finding_kind}, {"check", k.check}, {"origin", k.origin}});
    }
    out["compromised"] = compromised;
    out["entry_point"] = contains(ra.entries, c.id);
    std::size_t on_paths = 0;
    for (const auto& p : ra.paths) {
      for (const auto& h : p.hops) {
        if (h.component == c.id) {
          ++on_paths;
          break;
        }
      }
    }
    out["attack_paths_through"] = on_paths;
    out["responsible"] =
        responsible.count(c.id) ? responsible.at(c.id) : std::vector<std::string>{};

    // The model's `constrained: true` is the system designer's declaration; it counts like the
    // maker's questionnaire saying so (either is enough), so rules with `not_applicable_if:
    // constrained` (EN 303 645's constrained-device exceptions) apply per component.
    std::optional<evidence::Questionnaire> declared;
    if (q != ev.questionnaires.end()) declared = q->second;
    if (c.constrained && !(declared && declared->constrained)) {
      if (!declared) declared.emplace().origin = "model: " + c.id + " constrained: true";
      declared->constrained = true;
    }
    if (own.empty() && !declared) {
      assess_unit(c.id, verdicts_without_evidence(), local_to_global, out);
    } else {
      const verdict::Assessment va =
          verdict::assess(cat, rules, own, declared ? &*declared : nullptr);
      assess_unit(c.id, va, local_to_global, out);
    }
    components.push_back(std::move(out));
  }

  // System-wide requirements ("*"): the applying entity's, decided by the system questionnaire.
  json whole = {{"id", "*"}, {"name", "the system as a whole"}};
  {
    const auto q = ev.questionnaires.find("*");
    if (q == ev.questionnaires.end()) {
      assess_unit("*", verdicts_without_evidence(), {}, whole);
    } else {
      const verdict::Assessment va = verdict::assess(cat, rules, {}, &q->second);
      assess_unit("*", va, {}, whole);
    }
  }

  // ---- roll-up per framework: worst verdict over the components a requirement applies to
  std::map<std::string, json> fw_counts;
  std::map<std::string, int> fw_total;
  json rolled = json::array();
  for (const auto& id : rollup_order) {
    const auto& per = rollup.at(id);
    std::string worst = "NOT_APPLICABLE";
    json failing = json::array();
    for (const auto& [component, verdict] : per) {
      if (severity_rank(verdict) < severity_rank(worst)) worst = verdict;
      if (verdict == "FAIL") failing.push_back(component);
    }
    const catalog::Item* item = cat.find(id);
    auto [it, inserted] = fw_counts.try_emplace(item->framework, zero_counts());
    it->second[worst] = it->second[worst].get<int>() + 1;
    ++fw_total[item->framework];
    rolled.push_back({{"requirement", id},
                      {"framework", item->framework},
                      {"verdict", worst},
                      {"components", per.size()},
                      {"failing", failing}});
  }
  json frameworks = json::array();
  for (const auto& fw : cat.frameworks()) {
    const auto it = fw_counts.find(fw.id);
    if (it == fw_counts.end()) continue;
    frameworks.push_back({{"id", fw.id},
                          {"short", fw.short_name},
                          {"requirements", fw_total.at(fw.id)},
                          {"counts", it->second}});
  }

  // ---- per stakeholder: who owns which requirement, and which of them fail
  json stakeholders = json::array();
  json unowned = json::array();
  std::map<std::string, json> by_stakeholder;
  for (const auto& s : m.stakeholders) {
    json components_of = json::array();
    for (const auto& r : m.responsibilities) {
      if (r.stakeholder != s.id) continue;
      for (const auto& c : r.components) {
        if (!contains(components_of.get<std::vector<std::string>>(), c)) components_of.push_back(c);
      }
    }
    by_stakeholder[s.id] = {{"id", s.id},
                            {"name", s.name},
                            {"role", std::string(model::to_string(s.role))},
                            {"smarthome", s.smarthome},
                            {"components", components_of},
                            {"counts", zero_counts()},
                            {"failing", json::array()}};
  }
  for (const auto& row : owned_rows) {
    const auto& owners = row_owners.at(row.component + "\t" + row.requirement);
    bool any = false;
    for (const auto& o : owners) {
      auto it = by_stakeholder.find(o);
      if (it == by_stakeholder.end()) continue;
      any = true;
      json& sh = it->second;
      sh["counts"][row.verdict] = sh["counts"][row.verdict].get<int>() + 1;
      if (row.verdict == "FAIL") {
        const catalog::Item* item = cat.find(row.requirement);
        sh["failing"].push_back({{"component", row.component},
                                 {"requirement", row.requirement},
                                 {"title_en", item->title("en")},
                                 {"title_ja", item->title("ja")}});
      }
    }
    if (!any && row.verdict == "FAIL")
      unowned.push_back({{"component", row.component}, {"requirement", row.requirement}});
  }
  for (const auto& s : m.stakeholders) stakeholders.push_back(std::move(by_stakeholder[s.id]));

  // ---- risk with the evidence
  const json rj = risk::to_json(ra);
  json risk_section = {{"ratings", rj["ratings"]},
                       {"entries", rj["entries"]},
                       {"compromised", rj["compromised"]},
                       {"attack_paths", rj["attack_paths"]},
                       {"common_mode", rj["common_mode"]},
                       {"blast_radius", rj["blast_radius"]},
                       {"reachable_from_entries", rj["reachable_from_entries"]},
                       {"responsibility_gaps", rj["responsibility_gaps"]}};

  result.section = {{"model", m.origin},
                    {"id", m.id},
                    {"name", m.name},
                    {"components", components},
                    {"system", whole},
                    {"frameworks", frameworks},
                    {"requirements", rolled},
                    {"stakeholders", stakeholders},
                    {"unowned_failures", unowned},
                    {"risk", risk_section}};
  return result;
}

}  // namespace kensa::system
