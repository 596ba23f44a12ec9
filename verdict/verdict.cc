#include "verdict/verdict.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include "base/error.h"

namespace kensa::verdict {

using catalog::Item;
using evidence::AnswerStatus;
using evidence::CheckStatus;

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass:
      return "PASS";
    case Outcome::fail:
      return "FAIL";
    case Outcome::not_applicable:
      return "NOT_APPLICABLE";
    case Outcome::needs_evidence:
      return "NEEDS_EVIDENCE";
    case Outcome::inconclusive:
      return "INCONCLUSIVE";
  }
  return "NEEDS_EVIDENCE";
}

namespace {

enum class Part { none, pass, fail, inconclusive };

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Sentences in both report languages, joined with the language's own separator.
Text join(const std::vector<Text>& parts) {
  Text out;
  for (const auto& p : parts) {
    out.en += (out.en.empty() ? "" : " ") + p.en;
    out.ja += p.ja;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

struct EvidencePart {
  Part state = Part::none;
  std::vector<std::size_t> findings;
  std::vector<std::size_t> checks;
  Text summary;
};

class Engine {
 public:
  Engine(const catalog::Catalog& catalog, const RuleSet& rules, Assessment& out)
      : catalog_(catalog), rules_(rules), out_(out) {}

  void run() {
    for (const auto& fw : catalog_.frameworks()) {
      for (const Item* item : fw.items) {
        if (item->assessable) order_.push_back(item);
      }
    }
    for (const Item* item : order_) evaluate(*item);
    for (const Item* item : order_) out_.verdicts.push_back(done_.at(item->qualified()));
  }

 private:
  const Verdict& evaluate(const Item& item) {
    const std::string id = item.qualified();
    if (auto it = done_.find(id); it != done_.end()) return it->second;
    if (!in_progress_.insert(id).second) {
      throw std::logic_error("verdict rules form a cycle through " + id);
    }
    Verdict v = decide(item);
    in_progress_.erase(id);
    return done_.emplace(id, std::move(v)).first->second;
  }

  EvidencePart evidence_for(const Rule& rule) const {
    EvidencePart part;
    if (rule.fail_kinds.empty() && rule.pass_kinds.empty()) return part;
    auto counts = [&](const std::string& collector) {
      return rule.collectors.empty() || contains(rule.collectors, collector);
    };
    for (std::size_t i = 0; i < out_.findings.size(); ++i) {
      if (contains(rule.fail_kinds, out_.findings[i].kind) && counts(out_.findings[i].collector))
        part.findings.push_back(i);
    }
    if (!part.findings.empty()) {
      part.state = Part::fail;
      std::set<std::string> kinds;
      for (auto i : part.findings) kinds.insert(out_.findings[i].kind);
      const std::string list = join({kinds.begin(), kinds.end()}, ", ");
      part.summary = {
          std::to_string(part.findings.size()) + " finding(s) of kind " + list,
          list + " の検出事項 " + std::to_string(part.findings.size()) + " 件が見つかった"};
      return part;
    }
    std::size_t completed = 0;
    std::size_t incomplete = 0;
    for (std::size_t i = 0; i < out_.checks.size(); ++i) {
      const auto& run = out_.checks[i];
      const bool relevant =
          counts(run.collector) &&
          std::any_of(run.tests_for.begin(), run.tests_for.end(),
                      [&](const auto& k) { return contains(rule.fail_kinds, k); });
      if (!relevant) continue;
      part.checks.push_back(i);
      if (run.status == CheckStatus::completed) {
        ++completed;
      } else if (run.status != CheckStatus::skipped) {
        ++incomplete;
      }
    }
    std::size_t observed = 0;
    for (std::size_t i = 0; i < out_.findings.size(); ++i) {
      if (contains(rule.pass_kinds, out_.findings[i].kind) && counts(out_.findings[i].collector)) {
        part.findings.push_back(i);
        ++observed;
      }
    }
    // A test that could not finish anywhere it was needed leaves the question open, even when
    // the same check completed on another target: the unreached target may be the weak one.
    if (incomplete > 0) {
      part.state = Part::inconclusive;
      part.summary = {std::to_string(incomplete) + " relevant check(s) could not complete",
                      "関連する検査 " + std::to_string(incomplete) + " 件が完了しなかった"};
    } else if (completed > 0 || observed > 0) {
      part.state = Part::pass;
      part.summary = {
          std::to_string(completed) + " relevant check(s) completed without a failing finding",
          "関連する検査 " + std::to_string(completed) + " 件が不適合の検出なしで完了"};
      if (observed > 0) {
        part.summary.en += ", " + std::to_string(observed) + " positive observation(s)";
        part.summary.ja += "、肯定的な観測 " + std::to_string(observed) + " 件";
      }
    }
    return part;
  }

  const evidence::Answer* answer_for(const Item& item) const {
    if (!out_.has_questionnaire) return nullptr;
    auto it = out_.questionnaire.answers.find(item.qualified());
    return it == out_.questionnaire.answers.end() ? nullptr : &it->second;
  }

  bool in_scope(const Item& item) const {
    const auto& roles = out_.questionnaire.roles;
    if (roles.empty() || item.audience.empty()) return true;
    return std::any_of(item.audience.begin(), item.audience.end(),
                       [&](const auto& a) { return contains(roles, a); });
  }

  Verdict decide(const Item& item) {
    const Rule rule = rules_.rule_for(item, catalog_);
    Verdict v;
    v.requirement = &item;
    v.rule = rule.origin == "default" ? "default: derived from catalog children and references"
                                      : rule.origin + " (" + rule.requirement + ")";
    v.answer = answer_for(item);
    const EvidencePart ev = evidence_for(rule);
    v.findings = ev.findings;
    v.checks = ev.checks;
    for (std::size_t i = 0; i < out_.findings.size(); ++i) {
      if (contains(rule.related_kinds, out_.findings[i].kind)) v.findings.push_back(i);
    }

    std::vector<Source> complete;
    std::vector<Source> partial;
    for (const auto& id : rule.complete_from) {
      const Verdict& s = evaluate(*catalog_.find(id));
      complete.push_back({id, s.outcome, true});
    }
    for (const auto& id : rule.partial_from) {
      const Verdict& s = evaluate(*catalog_.find(id));
      partial.push_back({id, s.outcome, false});
    }
    v.sources = complete;
    v.sources.insert(v.sources.end(), partial.begin(), partial.end());
    auto sources_with = [&](Outcome o) {
      std::vector<std::string> ids;
      for (const auto& s : v.sources) {
        if (s.outcome == o) ids.push_back(s.requirement);
      }
      return ids;
    };

    const bool answered = v.answer != nullptr;
    const bool answer_detailed =
        answered && (!v.answer->ixit.empty() || !v.answer->evidence.empty());

    // 1. Criteria whose wording is not verified can never be decided by kensa.
    if (!item.verified) {
      v.outcome = Outcome::needs_evidence;
      v.basis = "unverified";
      v.reason = {
          "The wording of this criterion is not verified in any available source, so kensa "
          "reports related evidence only and claims no verdict.",
          "この基準の文言は入手できた資料で確認できていないため、kensa "
          "は関連する証拠のみを示し、判定はしない。"};
      if (ev.state == Part::fail || !sources_with(Outcome::fail).empty()) {
        v.reason.en += " Related evidence shows problems (see findings and sources).";
        v.reason.ja += "関連する証拠には問題が見つかっている（検出事項と導出元を参照）。";
      }
      v.missing.push_back({"the criterion's authoritative wording and a decision by an assessor",
                           "基準の正式な文言と評価者による判断"});
      return v;
    }
    // 2. Addressed to someone outside the assessment's declared scope.
    if (!in_scope(item)) {
      v.outcome = Outcome::not_applicable;
      v.basis = "scope";
      v.reason = {"Addressed to " + join(item.audience, ", ") +
                      "; the questionnaire limits the assessment to " +
                      join(out_.questionnaire.roles, ", ") + ".",
                  "対象は " + join(item.audience, ", ") + "。質問票は評価範囲を " +
                      join(out_.questionnaire.roles, ", ") + " に限定している。"};
      return v;
    }
    // 3. A condition of applicability declared in the questionnaire.
    if ((rule.not_applicable_if == "constrained" && out_.questionnaire.constrained) ||
        (rule.not_applicable_if == "unconstrained" && out_.has_questionnaire &&
         !out_.questionnaire.constrained)) {
      v.outcome = Outcome::not_applicable;
      v.basis = "condition";
      const bool for_unconstrained = rule.not_applicable_if == "constrained";
      v.reason = {
          std::string("Applies only to ") +
              (for_unconstrained ? "devices that are not constrained" : "constrained devices") +
              "; the questionnaire declares the device " +
              (out_.questionnaire.constrained ? "constrained." : "not constrained."),
          std::string(for_unconstrained ? "制約のない機器" : "制約のある機器") +
              "にのみ適用される。質問票は機器を" +
              (out_.questionnaire.constrained ? "制約のある機器" : "制約のない機器") +
              "と申告している。"};
      return v;
    }
    if (rule.special == "en303645-4-1") return decide_reporting_implementation(item, std::move(v));

    // 4. FAIL: any negative evidence wins over any claim.
    const auto failed_sources = sources_with(Outcome::fail);
    if (ev.state == Part::fail || (answered && v.answer->status == AnswerStatus::not_supported) ||
        !failed_sources.empty()) {
      v.outcome = Outcome::fail;
      std::vector<Text> why;
      std::vector<std::string> basis;
      if (ev.state == Part::fail) {
        why.push_back({"Tests found " + ev.summary.en + ".", "試験で" + ev.summary.ja + "。"});
        basis.emplace_back("tested");
      }
      if (answered && v.answer->status == AnswerStatus::not_supported) {
        const std::string& j = v.answer->justification;
        why.push_back(
            {"The maker declares it not supported" + (j.empty() ? std::string(".") : ": " + j),
             "メーカーは未対応と申告している" + (j.empty() ? std::string("。") : "：" + j)});
        basis.emplace_back("declared");
      }
      if (!failed_sources.empty()) {
        // Say why in the reader's terms: the first failed source's own reason.
        const Text& first = evaluate(*catalog_.find(failed_sources.front())).reason;
        why.push_back({"Failed: " + join(failed_sources, ", ") + " (" + failed_sources.front() +
                           ": " + first.en + ")",
                       "不適合：" + join(failed_sources, ", ") + "（" + failed_sources.front() +
                           "：" + first.ja + "）"});
        basis.emplace_back("derived");
      }
      if (answered && v.answer->status != AnswerStatus::not_supported && ev.state == Part::fail) {
        const std::string status(evidence::to_string(v.answer->status));
        why.push_back({"This contradicts the questionnaire's answer '" + status + "'.",
                       "これは質問票の回答「" + status + "」と矛盾する。"});
      }
      v.basis = join(basis, "+");
      v.reason = join(why);
      return v;
    }
    // 5. Declared not applicable, with the justification TS 103 701 requires.
    if (answered && v.answer->status == AnswerStatus::not_applicable) {
      v.basis = "declared";
      if (!v.answer->justification.empty()) {
        v.outcome = Outcome::not_applicable;
        v.reason = {"Declared not applicable: " + v.answer->justification,
                    "対象外と申告：" + v.answer->justification};
        return v;
      }
      v.outcome = Outcome::needs_evidence;
      v.reason = {"Declared not applicable without the justification TS 103 701 requires.",
                  "対象外と申告されているが、TS 103 701 が求める正当化の理由がない。"};
      v.missing.push_back({"a justification for 'not-applicable'", "対象外とする理由"});
      return v;
    }
    // 6. Every complete source is not applicable.
    if (!complete.empty() && ev.state == Part::none && !answered &&
        std::all_of(complete.begin(), complete.end(),
                    [](const Source& s) { return s.outcome == Outcome::not_applicable; })) {
      v.outcome = Outcome::not_applicable;
      v.basis = "derived";
      v.reason = {"Every requirement it derives from is not applicable.",
                  "導出元の要求事項がすべて対象外である。"};
      return v;
    }
    // 7. A test that should decide it could not run.
    const auto open_sources = sources_with(Outcome::inconclusive);
    if (ev.state == Part::inconclusive || !open_sources.empty()) {
      v.outcome = Outcome::inconclusive;
      v.basis = ev.state == Part::inconclusive ? "tested" : "derived";
      v.reason =
          ev.state == Part::inconclusive
              ? Text{"Could not be tested: " + ev.summary.en + ".",
                     "試験できなかった：" + ev.summary.ja + "。"}
              : Text{"Could not be decided: " + join(open_sources, ", ") + " could not be tested.",
                     "判定できない：" + join(open_sources, ", ") + " が試験できなかった。"};
      v.missing.push_back({"re-run the checks that timed out or could not reach the target",
                           "時間切れ又は到達不能だった検査の再実行"});
      return v;
    }
    // 8. PASS only when every part the rule needs is positively shown.
    std::vector<std::string> basis;
    std::vector<Text> reasons;
    bool positive = false;
    if (rule.evidence_required || ev.state != Part::none) {
      if (ev.state == Part::pass) {
        basis.emplace_back("tested");
        reasons.push_back({"Tests: " + ev.summary.en + ".", "試験：" + ev.summary.ja + "。"});
        positive = true;
      } else if (rule.evidence_required) {
        v.missing.push_back(
            {"a test of the device, firmware or traffic for " + join(rule.fail_kinds, ", "),
             join(rule.fail_kinds, ", ") + " を調べる実機・ファームウェア・通信の試験"});
      }
    }
    if (rule.document_required || answered) {
      if (answered && answer_detailed) {
        basis.emplace_back("declared");
        const bool ixit = !v.answer->ixit.empty();
        reasons.push_back(
            {std::string("Declared supported with ") + (ixit ? "IXIT details." : "evidence."),
             std::string(ixit ? "IXIT の説明" : "証拠") + "付きで対応済みと申告。"});
        positive = true;
      } else if (rule.document_required) {
        v.missing.push_back(
            answered ? Text{"IXIT details or evidence for the 'supported' answer",
                            "「対応」の回答を裏付ける IXIT の説明又は証拠"}
                     : Text{"an ICS answer (supported / not-applicable with justification)",
                            "ICS の回答（対応／理由付きの対象外）"});
      }
    }
    if (!complete.empty()) {
      const bool all_ok = std::all_of(complete.begin(), complete.end(), [](const Source& s) {
        return s.outcome == Outcome::pass || s.outcome == Outcome::not_applicable;
      });
      if (all_ok) {
        basis.emplace_back("derived");
        reasons.push_back(
            {"Every requirement it derives from passes: " + join(rule.complete_from, ", ") + ".",
             "導出元の要求事項がすべて適合：" + join(rule.complete_from, ", ") + "。"});
        positive = true;
      } else {
        const auto pending = sources_with(Outcome::needs_evidence);
        v.missing.push_back(
            {"decisions on " + join(pending, ", "), join(pending, ", ") + " の判定"});
      }
    } else if (!rule.partial_from.empty() && !rule.document_required && !answered) {
      v.missing.push_back({"an ICS answer: the related requirements cover only part of this one",
                           "ICS の回答（関連する要求事項はこの要求の一部しか扱わない）"});
    }
    if (positive && v.missing.empty()) {
      v.outcome = Outcome::pass;
      v.basis = join(basis, "+");
      v.reason = join(reasons);
      return v;
    }
    v.outcome = Outcome::needs_evidence;
    v.basis = basis.empty() ? "none" : join(basis, "+");
    std::vector<std::string> missing_en, missing_ja;
    for (const auto& m : v.missing) {
      missing_en.push_back(m.en);
      missing_ja.push_back(m.ja);
    }
    reasons.push_back({"Still needed: " + join(missing_en, "; ") + ".",
                       "不足：" + join(missing_ja, "、") + "。"});
    v.reason = join(reasons);
    return v;
  }

  // EN 303 645 4-1: a justification is recorded for every recommendation considered not
  // applicable or not fulfilled.
  Verdict decide_reporting_implementation(const Item& item, Verdict v) {
    const catalog::Framework* fw = catalog_.framework(item.framework);
    std::vector<std::string> unjustified;
    std::vector<std::string> undecided;
    for (const Item* other : fw->items) {
      if (!other->assessable || other == &item || other->level != "recommended") continue;
      const Verdict& s = evaluate(*other);
      const evidence::Answer* a = answer_for(*other);
      const bool justified = a && !a->justification.empty();
      if (s.outcome == Outcome::fail || s.outcome == Outcome::not_applicable) {
        if (!justified && s.basis != "condition" && s.basis != "scope")
          unjustified.push_back(other->id);
      } else if (s.outcome != Outcome::pass) {
        undecided.push_back(other->id);
      }
      v.sources.push_back({other->qualified(), s.outcome, false});
    }
    v.basis = "derived";
    if (!unjustified.empty()) {
      v.outcome = Outcome::fail;
      v.reason = {
          "Recommendations not fulfilled or not applicable without a recorded justification: " +
              join(unjustified, ", ") + ".",
          "満たされていない又は対象外の推奨事項に、理由の記録がない：" + join(unjustified, ", ") +
              "。"};
    } else if (!undecided.empty()) {
      v.outcome = Outcome::needs_evidence;
      v.reason = {"Not yet decidable: recommendations still open: " + join(undecided, ", ") + ".",
                  "まだ判定できない：未決の推奨事項 " + join(undecided, ", ") + "。"};
      v.missing.push_back({"decisions on every recommended provision", "すべての推奨事項の判定"});
    } else {
      v.outcome = Outcome::pass;
      v.reason = {"Every recommendation not fulfilled or not applicable carries a justification.",
                  "満たされていない又は対象外の推奨事項には、すべて理由が記録されている。"};
    }
    return v;
  }

  const catalog::Catalog& catalog_;
  const RuleSet& rules_;
  Assessment& out_;
  std::vector<const Item*> order_;
  std::map<std::string, Verdict> done_;
  std::set<std::string> in_progress_;
};

}  // namespace

Assessment assess(const catalog::Catalog& catalog, const RuleSet& rules,
                  const std::vector<evidence::FindingSet>& findings,
                  const evidence::Questionnaire* questionnaire) {
  Assessment out;
  for (const auto& set : findings) {
    out.inputs.push_back(set.origin);
    out.findings.insert(out.findings.end(), set.findings.begin(), set.findings.end());
    out.checks.insert(out.checks.end(), set.checks.begin(), set.checks.end());
  }
  if (questionnaire) {
    out.questionnaire = *questionnaire;
    out.has_questionnaire = true;
    out.inputs.push_back(questionnaire->origin);
    for (const auto& [id, answer] : questionnaire->answers) {
      const Item* item = catalog.find(id);
      if (!item) {
        const auto candidates = catalog.resolve(id);
        std::string hint;
        for (const Item* c : candidates)
          hint += (hint.empty() ? " (did you mean " : ", ") + c->qualified();
        if (!hint.empty()) hint += "?)";
        throw InputError(questionnaire->origin, answer.line, 1,
                         "unknown requirement '" + id + "'; answers use framework:id" + hint);
      }
      if (!item->assessable) {
        throw InputError(questionnaire->origin, answer.line, 1,
                         "'" + id + "' is a " + item->type + ", not an assessable requirement");
      }
    }
    for (const auto& role : questionnaire->roles) {
      static const std::vector<std::string> known = {"manufacturer",     "developer",
                                                     "service-provider", "remote-manager",
                                                     "home-supplier",    "maintenance-provider",
                                                     "building-manager", "operator",
                                                     "executive",        "user"};
      if (!contains(known, role)) {
        throw InputError(questionnaire->origin, 0, 0,
                         "scope.roles: unknown role '" + role +
                             "' (expected one of: " + join(known, ", ") + ")");
      }
    }
  }
  Engine(catalog, rules, out).run();
  return out;
}

nlohmann::json to_json(const Assessment& a, const catalog::Catalog& catalog) {
  using nlohmann::json;
  json j;
  j["schema"] = kAssessmentSchema;
  const auto& q = a.questionnaire;
  j["product"] = {{"name", q.product_name},
                  {"model", q.product_model},
                  {"vendor", q.product_vendor},
                  {"firmware_version", q.firmware_version},
                  {"constrained", q.constrained}};
  j["scope"] = {{"roles", q.roles}};
  j["inputs"] = a.inputs;
  j["warnings"] = a.warnings;
  j["findings"] = json::array();
  for (const auto& f : a.findings) j["findings"].push_back(evidence::to_json(f));
  j["checks"] = json::array();
  for (const auto& c : a.checks) j["checks"].push_back(evidence::to_json(c));

  json frameworks = json::array();
  for (const auto& fw : catalog.frameworks()) {
    if (fw.assessable_count() == 0) continue;
    json counts = json::object();
    for (auto o : kAllOutcomes) counts[std::string(to_string(o))] = 0;
    for (const auto& v : a.verdicts) {
      if (v.requirement->framework == fw.id)
        counts[std::string(to_string(v.outcome))] =
            counts[std::string(to_string(v.outcome))].get<int>() + 1;
    }
    frameworks.push_back({{"id", fw.id},
                          {"short", fw.short_name},
                          {"name_en", fw.name_en},
                          {"name_ja", fw.name_ja},
                          {"version", fw.version},
                          {"requirements", fw.assessable_count()},
                          {"counts", counts}});
  }
  j["frameworks"] = frameworks;

  json verdicts = json::array();
  for (const auto& v : a.verdicts) {
    const Item& r = *v.requirement;
    std::vector<std::string> missing_en, missing_ja;
    for (const auto& m : v.missing) {
      missing_en.push_back(m.en);
      missing_ja.push_back(m.ja);
    }
    json item = {{"requirement", r.qualified()},
                 {"framework", r.framework},
                 {"id", r.id},
                 {"type", r.type},
                 {"parent", r.parent},
                 {"title_en", r.title_en},
                 {"title_ja", r.title_ja},
                 {"text_en", r.text_en},
                 {"text_ja", r.text_ja},
                 {"verdict", to_string(v.outcome)},
                 {"basis", v.basis},
                 {"reason", v.reason.en},
                 {"reason_ja", v.reason.ja},
                 {"rule", v.rule},
                 {"findings", v.findings},
                 {"checks", v.checks},
                 {"missing", missing_en},
                 {"missing_ja", missing_ja}};
    if (!r.level.empty()) item["level"] = r.level;
    if (!r.eval.empty()) item["eval"] = r.eval;
    if (!r.verified) item["unverified"] = true;
    if (!r.stakeholders.empty()) item["stakeholders"] = r.stakeholders;
    if (!r.audience.empty()) item["audience"] = r.audience;
    json sources = json::array();
    for (const auto& s : v.sources) {
      sources.push_back({{"requirement", s.requirement},
                         {"verdict", to_string(s.outcome)},
                         {"complete", s.complete}});
    }
    item["sources"] = sources;
    if (v.answer) {
      item["answer"] = {{"status", evidence::to_string(v.answer->status)},
                        {"justification", v.answer->justification},
                        {"ixit", v.answer->ixit},
                        {"evidence", v.answer->evidence}};
    }
    verdicts.push_back(std::move(item));
  }
  j["verdicts"] = std::move(verdicts);

  // Names of stakeholder items, so the per-stakeholder view needs no catalog.
  json stakeholders = json::object();
  for (const auto& fw : catalog.frameworks()) {
    for (const Item* item : fw.items) {
      if (item->type == "stakeholder") {
        stakeholders[item->qualified()] = {{"title_en", item->title_en},
                                           {"title_ja", item->title_ja}};
      }
    }
  }
  j["stakeholders"] = stakeholders;
  return j;
}

nlohmann::json per_target_json(const catalog::Catalog& catalog, const RuleSet& rules,
                               const Assessment& whole) {
  using nlohmann::json;
  std::vector<std::string> order;
  std::map<std::string, std::size_t> index;
  std::vector<evidence::FindingSet> per_target;
  std::vector<std::vector<std::size_t>> global;  // per target: local finding → whole.findings
  auto slot = [&](const std::string& target) -> std::size_t {
    auto [it, added] = index.try_emplace(target, order.size());
    if (added) {
      order.push_back(target);
      per_target.emplace_back().origin = target;
      global.emplace_back();
    }
    return it->second;
  };
  for (std::size_t i = 0; i < whole.findings.size(); ++i) {
    const std::size_t t = slot(whole.findings[i].target);
    per_target[t].findings.push_back(whole.findings[i]);
    global[t].push_back(i);
  }
  // A capture's check runs name the capture, not a device: they examined every device in it, so
  // each device gets them. Every other collector's check runs belong to the target they name.
  std::vector<const evidence::CheckRun*> whole_capture;
  for (const auto& c : whole.checks) {
    if (c.collector == "traffic") {
      whole_capture.push_back(&c);
    } else {
      per_target[slot(c.target)].checks.push_back(c);
    }
  }
  for (auto& set : per_target) {
    for (const auto* c : whole_capture) set.checks.push_back(*c);
  }
  json devices = json::array();
  if (order.size() < 2) return devices;

  for (std::size_t t = 0; t < order.size(); ++t) {
    const Assessment a = assess(catalog, rules, {per_target[t]}, nullptr);
    json counts = json::object();
    json failing = json::array();
    json inconclusive = json::array();
    for (const auto& v : a.verdicts) {
      json& c = counts[v.requirement->framework];
      if (c.is_null()) {
        for (auto o : kAllOutcomes) c[std::string(to_string(o))] = 0;
      }
      const std::string outcome(to_string(v.outcome));
      c[outcome] = c[outcome].get<int>() + 1;
      if (v.outcome == Outcome::fail) failing.push_back(v.requirement->qualified());
      if (v.outcome == Outcome::inconclusive) inconclusive.push_back(v.requirement->qualified());
    }
    std::map<std::string, int> kinds;
    for (const auto& f : per_target[t].findings) ++kinds[f.kind];
    devices.push_back({{"target", order[t]},
                       {"findings", global[t]},
                       {"checks", per_target[t].checks.size()},
                       {"kinds", kinds},
                       {"counts", counts},
                       {"failing", failing},
                       {"inconclusive", inconclusive}});
  }
  return devices;
}

}  // namespace kensa::verdict
