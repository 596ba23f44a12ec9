// Plain-text views for terminals: the summary, the JC-STAR ★1 checklist and the smart-home
// guideline per stakeholder.
#include <fmt/format.h>

#include <map>

#include "report/labels.h"
#include "report/report.h"

namespace kensa::report {

using nlohmann::json;

namespace {

std::string product_line(const json& a) {
  const json& p = a["product"];
  std::string line = p.value("vendor", "") + " " + p.value("name", "") + " " + p.value("model", "");
  if (!p.value("firmware_version", "").empty())
    line += " (firmware " + p.value("firmware_version", "") + ")";
  return line;
}

}  // namespace

std::string render_text(const json& a, std::string_view lang) {
  const Labels& l = labels(lang);
  std::string out = fmt::format("{}\n{}: {}\n\n", l.title, l.product, product_line(a));
  out += fmt::format("{:<38} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}\n", l.framework, "total", "PASS",
                     "FAIL", "N/A", "NEEDS", "INCONC");
  for (const auto& fw : a["frameworks"]) {
    const json& c = fw["counts"];
    out += fmt::format("{:<38} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}\n", fw.value("short", ""),
                       fw.value("requirements", 0), c.value("PASS", 0), c.value("FAIL", 0),
                       c.value("NOT_APPLICABLE", 0), c.value("NEEDS_EVIDENCE", 0),
                       c.value("INCONCLUSIVE", 0));
  }
  out += fmt::format("\n{}: {}   {}: {}\n", l.findings, a["findings"].size(), l.checks_run,
                     a["checks"].size());
  bool first = true;
  for (const auto& v : a["verdicts"]) {
    if (v.value("verdict", "") != "FAIL") continue;
    if (first) out += fmt::format("\n{}:\n", l.fail);
    first = false;
    out += fmt::format("  {:<22} {}\n      {}\n", v.value("requirement", ""), label(v, lang, 90),
                       reason(v, lang));
  }
  out += render_devices_text(a, lang);
  out += render_system_text(a, lang);
  return out;
}

std::string render_jcstar(const json& a, std::string_view lang) {
  const Labels& l = labels(lang);
  std::string out = fmt::format("{}\n{}: {}\n\n", l.jcstar_view, l.product, product_line(a));
  for (const auto& v : a["verdicts"]) {
    if (v.value("framework", "") != "jcstar1") continue;
    const std::string eval = v.value("eval", "unknown");
    const std::string_view eval_label = eval == "document" ? l.document
                                        : eval == "device" ? l.device
                                                           : l.unknown;
    out += fmt::format(
        "[{:<14}] {:<8} {} ({}: {}){}\n    {}\n", verdict_label(l, v.value("verdict", "")),
        v.value("id", ""), label(v, lang), l.eval, eval_label,
        v.value("unverified", false) ? std::string(" — ") + std::string(l.unverified) : "",
        reason(v, lang));
  }
  return out;
}

std::string render_stakeholders(const json& a, std::string_view lang) {
  const Labels& l = labels(lang);
  std::string out = fmt::format("{}\n{}: {}\n", l.stakeholder_view, l.product, product_line(a));
  std::map<std::string, std::vector<const json*>> by_stakeholder;
  for (const auto& v : a["verdicts"]) {
    if (v.value("framework", "") != "smarthome") continue;
    if (!v.contains("stakeholders")) {
      by_stakeholder["?"].push_back(&v);
      continue;
    }
    for (const auto& s : v["stakeholders"]) by_stakeholder[s.get<std::string>()].push_back(&v);
  }
  for (const auto& [stakeholder, verdicts] : by_stakeholder) {
    std::string name = stakeholder;
    const std::string key = "smarthome:" + stakeholder;
    if (a.contains("stakeholders") && a["stakeholders"].contains(key)) {
      name += " " + pick(a["stakeholders"][key], "title", lang);
    }
    std::map<std::string, int> counts;
    for (const json* v : verdicts) ++counts[v->value("verdict", "")];
    out += fmt::format("\n{}  (PASS {}, FAIL {}, N/A {}, NEEDS {}, INCONC {})\n", name,
                       counts["PASS"], counts["FAIL"], counts["NOT_APPLICABLE"],
                       counts["NEEDS_EVIDENCE"], counts["INCONCLUSIVE"]);
    for (const json* v : verdicts) {
      out += fmt::format("  [{:<14}] {:<6} {}\n", verdict_label(l, v->value("verdict", "")),
                         v->value("id", ""), label(*v, lang, 100));
    }
  }
  return out;
}

}  // namespace kensa::report
