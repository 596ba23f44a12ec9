#include "report/report.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/error.h"
#include "base/files.h"
#include "verdict/verdict.h"

namespace kensa::report {
namespace {

using nlohmann::json;

const json& example() {
  static const json doc = [] {
    const std::string dir = std::string(KENSA_SOURCE_DIR) + "/examples/bench-camera/";
    const auto& cat = catalog::Catalog::builtin();
    const auto set = evidence::parse_findings(read_file(dir + "findings.json"), "findings.json");
    const auto q = evidence::parse_questionnaire(read_file(dir + "ics.yaml"), "ics.yaml");
    return verdict::to_json(verdict::assess(cat, verdict::RuleSet::builtin(cat), {set}, &q), cat);
  }();
  return doc;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
}

TEST(Report, AssessmentDocumentCountsMatchVerdicts) {
  const json& a = example();
  EXPECT_EQ(a["schema"], "kensa.assessment/1");
  std::size_t total = 0;
  for (const auto& fw : a["frameworks"]) {
    int sum = 0;
    for (const auto& [k, v] : fw["counts"].items()) sum += v.get<int>();
    EXPECT_EQ(sum, fw["requirements"].get<int>()) << fw["id"];
    total += static_cast<std::size_t>(sum);
  }
  EXPECT_EQ(total, a["verdicts"].size());
}

TEST(Report, SarifHasOneResultPerRequirementWithKinds) {
  const json sarif = json::parse(render(example(), Format::sarif, "en"));
  EXPECT_EQ(sarif["version"], "2.1.0");
  const json& run = sarif["runs"][0];
  EXPECT_EQ(run["results"].size(), example()["verdicts"].size());
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), example()["verdicts"].size());
  std::size_t fails = 0;
  for (const auto& r : run["results"]) {
    const std::string kind = r["kind"];
    if (kind == "fail") {
      ++fails;
      EXPECT_NE(r["level"], "none");
    } else {
      EXPECT_EQ(r["level"], "none");  // SARIF: level is none unless kind is fail
    }
    EXPECT_EQ(run["tool"]["driver"]["rules"][r["ruleIndex"].get<std::size_t>()]["id"], r["ruleId"]);
  }
  std::size_t expected = 0;
  for (const auto& v : example()["verdicts"]) expected += v["verdict"] == "FAIL";
  EXPECT_EQ(fails, expected);
  EXPECT_GT(fails, 0U);
}

TEST(Report, JunitCountsAgreeWithVerdicts) {
  const std::string xml = render(example(), Format::junit, "en");
  std::size_t fails = 0, inconclusive = 0;
  for (const auto& v : example()["verdicts"]) {
    fails += v["verdict"] == "FAIL";
    inconclusive += v["verdict"] == "INCONCLUSIVE";
  }
  EXPECT_EQ(count(xml, "<testcase "), example()["verdicts"].size());
  EXPECT_EQ(count(xml, "<failure "), fails);
  EXPECT_EQ(count(xml, "<error "), inconclusive);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      xml, m, std::regex("<testsuites name=\"kensa\" tests=\"(\\d+)\" failures=\"(\\d+)\"")));
  EXPECT_EQ(std::stoul(m[1]), example()["verdicts"].size());
  EXPECT_EQ(std::stoul(m[2]), fails);
}

TEST(Report, EscapesHostileEvidence) {
  json doc = example();
  doc["findings"][0]["evidence_text"] = "<script>alert(1)</script>\x01\"'&";
  const std::string html = render(doc, Format::html, "en");
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;\\x01&quot;&#39;&amp;"),
            std::string::npos);
  const std::string xml = render(doc, Format::junit, "en");
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(Report, HtmlIsSelfContainedAndBilingual) {
  const std::string en = render(example(), Format::html, "en");
  EXPECT_EQ(en.find("src=\"http"), std::string::npos);
  EXPECT_EQ(en.find("href=\"http"), std::string::npos);
  EXPECT_NE(en.find("<svg"), std::string::npos);
  EXPECT_NE(en.find("JC-STAR ★1 checklist"), std::string::npos);
  const std::string ja = render(example(), Format::html, "ja");
  EXPECT_NE(ja.find("<html lang=\"ja\">"), std::string::npos);
  EXPECT_NE(ja.find("不適合"), std::string::npos);
  EXPECT_NE(ja.find("パスワード"), std::string::npos);  // requirement texts in Japanese
  // Findings lead with their kind's Japanese title; the collector's English wording follows.
  EXPECT_NE(ja.find("MQTT ブローカーが匿名クライアントを受け入れる（<span lang=\"en\">"),
            std::string::npos);
  EXPECT_EQ(en.find("MQTT ブローカー"), std::string::npos);
}

TEST(Report, TextViews) {
  const std::string jc = render(example(), Format::jcstar, "en");
  EXPECT_EQ(count(jc, "S1.1-"), 16U);
  const std::string sh = render(example(), Format::stakeholders, "ja");
  EXPECT_NE(sh.find("(1)"), std::string::npos);
  EXPECT_NE(sh.find("MO.1"), std::string::npos);
}

TEST(Report, RejectsDocumentsThatAreNotAssessments) {
  EXPECT_THROW(check_assessment(json::parse(R"({"schema":"kensa.findings/1"})"), "x.json"),
               InputError);
  EXPECT_NO_THROW(check_assessment(example(), "x.json"));
}

}  // namespace
}  // namespace kensa::report
