// Machine-readable reports for CI systems: SARIF 2.1.0 and JUnit XML.
#include <fmt/format.h>

#include <map>

#include "report/report.h"

namespace kensa::report {

using nlohmann::json;

namespace {

// SARIF result.kind for each verdict (SARIF 2.1.0 §3.27.9).
std::string_view sarif_kind(std::string_view verdict) {
  if (verdict == "PASS") return "pass";
  if (verdict == "FAIL") return "fail";
  if (verdict == "NOT_APPLICABLE") return "notApplicable";
  if (verdict == "INCONCLUSIVE") return "open";
  return "review";  // NEEDS_EVIDENCE: a person must look
}

std::string evidence_lines(const json& assessment, const json& v) {
  std::string out;
  for (const auto& index : v["findings"]) {
    const json& f = assessment["findings"].at(index.get<std::size_t>());
    out += fmt::format("- [{}] {} on {}{}: {}", f.value("kind", ""), f.value("title", ""),
                       f.value("target", ""), f.contains("port") ? ":" + f["port"].dump() : "",
                       f.value("evidence_text", ""));
    out += "\n";
  }
  for (const auto& s : v["sources"]) {
    out += fmt::format("- from {}: {}\n", s.value("requirement", ""), s.value("verdict", ""));
  }
  return out;
}

}  // namespace

std::string render_sarif(const json& assessment, std::string_view lang) {
  json rules = json::array();
  json results = json::array();
  std::size_t index = 0;
  for (const auto& v : assessment["verdicts"]) {
    const std::string id = v.value("requirement", "");
    rules.push_back({{"id", id},
                     {"name", v.value("framework", "") + " " + v.value("id", "")},
                     {"shortDescription", {{"text", label(v, lang, 200)}}},
                     {"fullDescription", {{"text", pick(v, "text", lang).empty() ? id : pick(v, "text", lang)}}},
                     {"properties", {{"framework", v.value("framework", "")},
                                     {"level", v.value("level", "")}}}});
    const std::string verdict = v.value("verdict", "");
    json result = {{"ruleId", id},
                   {"ruleIndex", index},
                   {"kind", sarif_kind(verdict)},
                   {"level", verdict == "FAIL" ? (v.value("level", "mandatory") == "recommended" ? "warning" : "error") : "none"},
                   {"message", {{"text", verdict + ": " + reason(v, lang)}}},
                   {"properties", {{"verdict", verdict}, {"basis", v.value("basis", "")}}}};
    json locations = json::array();
    for (const auto& fi : v["findings"]) {
      const json& f = assessment["findings"].at(fi.get<std::size_t>());
      std::string where = f.value("target", "");
      if (f.contains("port")) where += ":" + f["port"].dump();
      if (!f.value("path", "").empty()) where += " " + f.value("path", "");
      locations.push_back({{"logicalLocations", json::array({{{"name", where}, {"kind", "resource"}}})}});
    }
    if (!locations.empty()) result["locations"] = locations;
    results.push_back(std::move(result));
    ++index;
  }
  json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", json::array({{{"tool", {{"driver", {{"name", "kensa"},
                                                   {"informationUri", "https://example.invalid/kensa"},
                                                   {"version", "0.1.0"},
                                                   {"rules", rules}}}}},
                             {"results", results}}})}};
  return sarif.dump(2) + "\n";
}

std::string render_junit(const json& assessment, std::string_view lang) {
  struct Suite {
    std::string name;
    std::string body;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
  };
  std::map<std::string, Suite> suites;
  std::vector<std::string> order;
  for (const auto& fw : assessment["frameworks"]) {
    const std::string id = fw.value("id", "");
    suites[id].name = fw.value("short", id);
    order.push_back(id);
  }
  for (const auto& v : assessment["verdicts"]) {
    Suite& s = suites[v.value("framework", "")];
    const std::string verdict = v.value("verdict", "");
    const std::string title = label(v, lang, 100);
    ++s.tests;
    s.body += fmt::format("    <testcase classname=\"kensa.{}\" name=\"{}\">\n",
                          xml_escape(v.value("framework", "")),
                          xml_escape(v.value("id", "") + (title.empty() ? "" : " " + title)));
    const std::string message = xml_escape(verdict + ": " + reason(v, lang));
    const std::string details = xml_escape(evidence_lines(assessment, v));
    if (verdict == "FAIL") {
      ++s.failures;
      s.body += fmt::format("      <failure type=\"FAIL\" message=\"{}\">{}</failure>\n", message, details);
    } else if (verdict == "INCONCLUSIVE") {
      ++s.errors;
      s.body += fmt::format("      <error type=\"INCONCLUSIVE\" message=\"{}\">{}</error>\n", message, details);
    } else if (verdict != "PASS") {
      ++s.skipped;
      s.body += fmt::format("      <skipped message=\"{}\"/>\n", message);
    } else {
      s.body += fmt::format("      <system-out>{}</system-out>\n", message);
    }
    s.body += "    </testcase>\n";
  }
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  std::string body;
  for (const auto& id : order) {
    const Suite& s = suites[id];
    tests += s.tests;
    failures += s.failures;
    errors += s.errors;
    skipped += s.skipped;
    body += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n{}  </testsuite>\n",
                        xml_escape(s.name), s.tests, s.failures, s.errors, s.skipped, s.body);
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kensa\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n{}</testsuites>\n",
                     tests, failures, errors, skipped, body);
}

}  // namespace kensa::report
