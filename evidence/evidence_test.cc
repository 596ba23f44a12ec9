#include "evidence/evidence.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/files.h"

namespace kensa::evidence {
namespace {

TEST(Findings, ParsesTheBundledExample) {
  const std::string path = std::string(KENSA_SOURCE_DIR) + "/examples/bench-camera/findings.json";
  const FindingSet set = parse_findings(read_file(path), path);
  EXPECT_EQ(set.collector, "probe");
  ASSERT_EQ(set.findings.size(), 6U);
  EXPECT_EQ(set.findings[0].kind, "default-credential");
  EXPECT_EQ(set.findings[0].severity, Severity::critical);
  EXPECT_EQ(set.findings[0].port, 23);
  // Severity and title default from the taxonomy.
  EXPECT_EQ(set.findings[2].severity, Severity::high);
  EXPECT_EQ(set.findings[2].title, find_kind("mqtt-anonymous")->title);
  // Collector is inherited from the document unless the entry names its own.
  EXPECT_EQ(set.findings[5].collector, "firmware");
  EXPECT_EQ(set.checks[6].status, CheckStatus::timeout);
}

TEST(Findings, RoundTripsThroughJson) {
  const std::string path = std::string(KENSA_SOURCE_DIR) + "/examples/bench-camera/findings.json";
  const FindingSet set = parse_findings(read_file(path), path);
  const FindingSet again = parse_findings(to_json(set).dump(), "again");
  ASSERT_EQ(again.findings.size(), set.findings.size());
  ASSERT_EQ(again.checks.size(), set.checks.size());
  for (std::size_t i = 0; i < set.findings.size(); ++i) {
    EXPECT_EQ(to_json(again.findings[i]), to_json(set.findings[i]));
  }
}

std::string error_of(std::string_view text) {
  try {
    parse_findings(text, "f.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Findings, MalformedJsonNamesLineAndColumn) {
  const std::string e = error_of("{\n  \"schema\": \"kensa.findings/1\",\n  \"findings\": [ }\n");
  EXPECT_EQ(e.rfind("f.json:3:", 0), 0U) << e;
}

TEST(Findings, RejectsUnknownKindsStatusesAndFields) {
  EXPECT_NE(
      error_of(
          R"({"schema":"kensa.findings/1","findings":[{"check":"c","kind":"defualt-credential","target":"t"}]})")
          .find("unknown finding kind 'defualt-credential'"),
      std::string::npos);
  EXPECT_NE(
      error_of(
          R"({"schema":"kensa.findings/1","checks":[{"check":"c","target":"t","status":"done"}]})")
          .find("$.checks[0].status"),
      std::string::npos);
  EXPECT_NE(
      error_of(
          R"({"schema":"kensa.findings/1","findings":[{"check":"c","kind":"ftp-anonymous","target":"t","prot":1}]})")
          .find("$.findings[0].prot"),
      std::string::npos);
  EXPECT_NE(
      error_of(R"({"schema":"kensa.findings/2"})").find("this kensa reads 'kensa.findings/1'"),
      std::string::npos);
  EXPECT_NE(
      error_of(
          R"({"schema":"kensa.findings/1","findings":[{"check":"c","kind":"ftp-anonymous","target":"t","port":70000}]})")
          .find("0-65535"),
      std::string::npos);
  EXPECT_NE(error_of("[]").find("expected an object"), std::string::npos);
}

TEST(Kinds, AreUniqueAndLowerCase) {
  std::set<std::string_view> seen;
  for (const auto& k : kinds()) {
    EXPECT_TRUE(seen.insert(k.id).second) << k.id;
    EXPECT_EQ(k.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"),
              std::string_view::npos)
        << k.id;
  }
  EXPECT_GE(kinds().size(), 20U);
}

TEST(Kinds, EveryKindHasAJapaneseTitle) {
  for (const auto& k : kinds()) {
    const std::string_view ja = kind_title_ja(k.id);
    EXPECT_NE(ja, k.title) << k.id << " has no Japanese title in evidence/kinds_ja.cc";
    EXPECT_FALSE(ja.empty()) << k.id;
  }
  EXPECT_EQ(kind_title_ja("no-such-kind"), "");
}

TEST(Questionnaire, ParsesTheBundledExample) {
  const std::string path = std::string(KENSA_SOURCE_DIR) + "/examples/bench-camera/ics.yaml";
  const Questionnaire q = parse_questionnaire(read_file(path), path);
  EXPECT_EQ(q.product_model, "EX-CAM-200");
  EXPECT_FALSE(q.constrained);
  EXPECT_EQ(q.roles, std::vector<std::string>{"manufacturer"});
  ASSERT_TRUE(q.answers.count("en303645:5.6-8"));
  EXPECT_EQ(q.answers.at("en303645:5.6-8").status, AnswerStatus::not_supported);
  EXPECT_GT(q.answers.at("en303645:5.1-1").line, 10U);
}

std::string q_error_of(std::string_view text) {
  try {
    parse_questionnaire(text, "q.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Questionnaire, BadInputNamesLineColumnAndExpectation) {
  EXPECT_EQ(q_error_of("schema: kensa.questionnaire/1\nanswers:\n  a: [\n").rfind("q.yaml:", 0),
            0U);
  const std::string status =
      q_error_of("schema: kensa.questionnaire/1\nanswers:\n  en303645:5.1-1:\n    status: maybe\n");
  EXPECT_NE(status.find("q.yaml:4:"), std::string::npos) << status;
  EXPECT_NE(status.find("expected supported, not-supported or not-applicable"), std::string::npos);
  const std::string field = q_error_of("schema: kensa.questionnaire/1\nanswerz: {}\n");
  EXPECT_NE(field.find("q.yaml:2:1: questionnaire: unknown field 'answerz'"), std::string::npos)
      << field;
  EXPECT_NE(q_error_of("answers: {}\n").find("expected 'kensa.questionnaire/1'"),
            std::string::npos);
}

}  // namespace
}  // namespace kensa::evidence
