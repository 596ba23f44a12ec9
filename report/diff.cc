// What changed between two assessments of the same device or system: the "continuously after
// operation" half of kensa. Works on the saved assessment documents only.
#include <fmt/format.h>

#include <map>
#include <set>

#include "report/labels.h"
#include "report/report.h"

namespace kensa::report {

using nlohmann::json;

namespace {

// A finding's identity across runs: what was found where, not its wording.
std::string finding_key(const json& f) {
  return fmt::format("{}|{}|{}|{}|{}", f.value("kind", ""), f.value("target", ""),
                     f.contains("port") ? f["port"].dump() : "", f.value("path", ""), f.value("check", ""));
}

}  // namespace

json diff(const json& before, const json& after) {
  std::map<std::string, std::string> old_verdicts;
  for (const auto& v : before["verdicts"]) old_verdicts[v.value("requirement", "")] = v.value("verdict", "");
  json changed = json::array();
  json added = json::array();
  for (const auto& v : after["verdicts"]) {
    const std::string id = v.value("requirement", "");
    const std::string now = v.value("verdict", "");
    auto it = old_verdicts.find(id);
    if (it == old_verdicts.end()) {
      added.push_back({{"requirement", id}, {"verdict", now}});
      continue;
    }
    if (it->second != now) {
      changed.push_back({{"requirement", id}, {"before", it->second}, {"after", now},
                         {"reason", v.value("reason", "")}, {"reason_ja", v.value("reason_ja", "")}});
    }
    old_verdicts.erase(it);
  }
  json removed = json::array();
  for (const auto& [id, verdict] : old_verdicts) removed.push_back({{"requirement", id}, {"verdict", verdict}});

  std::set<std::string> old_findings, new_findings;
  for (const auto& f : before["findings"]) old_findings.insert(finding_key(f));
  json new_list = json::array();
  json gone_list = json::array();
  for (const auto& f : after["findings"]) {
    new_findings.insert(finding_key(f));
    if (!old_findings.count(finding_key(f))) new_list.push_back(f);
  }
  for (const auto& f : before["findings"]) {
    if (!new_findings.count(finding_key(f))) gone_list.push_back(f);
  }
  return {{"schema", "kensa.diff/1"},  {"changed", changed},          {"requirements_added", added},
          {"requirements_removed", removed}, {"findings_new", new_list}, {"findings_resolved", gone_list}};
}

std::string render_diff(const json& d, std::string_view lang) {
  const Labels& l = labels(lang);
  std::string out;
  out += fmt::format("{} {} · {} +{} −{}\n", d["changed"].size(), lang == "ja" ? "件の判定が変化" : "verdict(s) changed",
                     l.findings, d["findings_new"].size(), d["findings_resolved"].size());
  for (const auto& c : d["changed"]) {
    const std::string before = c.value("before", "");
    const std::string after = c.value("after", "");
    out += fmt::format("  {:<28} {} → {}\n      {}\n", c.value("requirement", ""), verdict_label(l, before),
                       verdict_label(l, after),
                       lang == "ja" && !c.value("reason_ja", "").empty() ? c.value("reason_ja", "") : c.value("reason", ""));
  }
  for (const auto& f : d["findings_new"]) {
    out += fmt::format("  + [{}] {} {}{}\n", f.value("kind", ""), f.value("title", ""), f.value("target", ""),
                       f.contains("port") ? ":" + f["port"].dump() : "");
  }
  for (const auto& f : d["findings_resolved"]) {
    out += fmt::format("  - [{}] {} {}{}\n", f.value("kind", ""), f.value("title", ""), f.value("target", ""),
                       f.contains("port") ? ":" + f["port"].dump() : "");
  }
  return out;
}

}  // namespace kensa::report
