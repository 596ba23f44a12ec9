#include "verdict/verdict.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/error.h"
#include "base/files.h"

namespace kensa::verdict {
namespace {

using evidence::CheckStatus;

const catalog::Catalog& cat() { return catalog::Catalog::builtin(); }
const RuleSet& rules() { return RuleSet::builtin(cat()); }

evidence::CheckRun run(const std::string& check, std::vector<std::string> kinds,
                       CheckStatus status = CheckStatus::completed) {
  evidence::CheckRun r;
  r.check = check;
  r.target = "10.0.0.1";
  r.status = status;
  r.tests_for = std::move(kinds);
  return r;
}

evidence::Finding finding(const std::string& kind) {
  evidence::Finding f;
  f.check = "test";
  f.kind = kind;
  f.target = "10.0.0.1";
  f.title = kind;
  return f;
}

evidence::Questionnaire questionnaire(const std::string& yaml) {
  return evidence::parse_questionnaire("schema: kensa.questionnaire/1\n" + yaml, "q.yaml");
}

const Verdict& verdict_of(const Assessment& a, const std::string& id) {
  for (const auto& v : a.verdicts) {
    if (v.requirement->qualified() == id) return v;
  }
  throw std::runtime_error("no verdict for " + id);
}

Assessment assess_with(std::vector<evidence::CheckRun> checks,
                       std::vector<evidence::Finding> findings,
                       const evidence::Questionnaire* q = nullptr) {
  evidence::FindingSet set;
  set.origin = "test";
  set.checks = std::move(checks);
  set.findings = std::move(findings);
  return assess(cat(), rules(), {set}, q);
}

// A fleet: one device with a default password, one clean device whose login check completed.
// The whole assessment fails 5.1-1; per device, only the weak one does, and the clean one's
// completed check stays with it.
TEST(Verdict, PerTargetVerdictsKeepEachDevicesEvidenceApart) {
  auto weak = finding("default-credential");
  weak.target = "10.0.0.1";
  auto weak_run = run("probe.telnet.default-login", {"default-credential"});
  auto clean_run = weak_run;
  clean_run.target = "10.0.0.2";
  const Assessment whole = assess_with({weak_run, clean_run}, {finding("open-service"), weak});
  EXPECT_EQ(verdict_of(whole, "en303645:5.1-1").outcome, Outcome::fail);

  const nlohmann::json devices = per_target_json(cat(), rules(), whole);
  ASSERT_EQ(devices.size(), 2U);
  EXPECT_EQ(devices[0]["target"], "10.0.0.1");
  EXPECT_EQ(devices[0]["findings"], nlohmann::json::array({0, 1}));
  EXPECT_EQ(devices[0]["kinds"]["default-credential"], 1);
  const auto& failing = devices[0]["failing"];
  EXPECT_NE(std::find(failing.begin(), failing.end(), "en303645:5.1-1"), failing.end());
  EXPECT_GT(devices[0]["counts"]["en303645"]["FAIL"].get<int>(), 0);

  EXPECT_EQ(devices[1]["target"], "10.0.0.2");
  EXPECT_TRUE(devices[1]["findings"].empty());
  EXPECT_EQ(devices[1]["checks"], 1);
  EXPECT_TRUE(devices[1]["failing"].empty());
  EXPECT_EQ(devices[1]["counts"]["en303645"]["FAIL"], 0);

  // A capture's check runs name the capture file: every device seen in it gets them, and the
  // file is not a device.
  auto capture_run = run("traffic.telnet.credentials", {"cleartext-credential"});
  capture_run.target = "home.pcap";
  capture_run.collector = "traffic";
  auto seen = finding("device-observed");
  seen.target = "10.0.0.3";
  const nlohmann::json captured = per_target_json(
      cat(), rules(), assess_with({capture_run}, {finding("cleartext-credential"), seen}));
  ASSERT_EQ(captured.size(), 2U);
  EXPECT_EQ(captured[0]["checks"], 1);
  EXPECT_EQ(captured[1]["target"], "10.0.0.3");
  EXPECT_EQ(captured[1]["checks"], 1);

  // One target: no per-device section (it would repeat the assessment).
  EXPECT_TRUE(per_target_json(cat(), rules(), assess_with({weak_run}, {weak})).empty());
}

// IoT-SSF measures are decided by the system's documents, but evidence on a component refutes
// them: a default password fails access control (V1-SYS-03) and secure shipment settings
// (V1-SYS-19); log forwarding seen alone does not pass monitoring (V2-SYS-04) without the answer.
TEST(Verdict, IotSsfMeasuresFailOnEvidenceAndPassOnlyWithTheDocument) {
  const Assessment a =
      assess_with({}, {finding("default-credential"), finding("observed-log-forwarding")});
  EXPECT_EQ(verdict_of(a, "iotssf:V1-SYS-03").outcome, Outcome::fail);
  EXPECT_EQ(verdict_of(a, "iotssf:V1-SYS-19").outcome, Outcome::fail);
  EXPECT_EQ(verdict_of(a, "iotssf:V2-SYS-04").outcome, Outcome::needs_evidence);
  EXPECT_EQ(verdict_of(a, "iotssf:V1-ORG-01").outcome, Outcome::needs_evidence);

  // Installation (V1-SYS-20) is about the live configuration: the image's default password does
  // not refute it, the same password accepted by the live device does.
  auto in_image = finding("default-credential");
  in_image.collector = "firmware";
  auto live = finding("default-credential");
  live.collector = "probe";
  EXPECT_EQ(verdict_of(assess_with({}, {in_image}), "iotssf:V1-SYS-20").outcome,
            Outcome::needs_evidence);
  EXPECT_EQ(verdict_of(assess_with({}, {in_image}), "iotssf:V1-SYS-19").outcome, Outcome::fail);
  EXPECT_EQ(verdict_of(assess_with({}, {live}), "iotssf:V1-SYS-20").outcome, Outcome::fail);

  const auto q = questionnaire(
      "answers:\n  iotssf:V2-SYS-04: {status: supported, ixit: logs go to the SIEM and are "
      "reviewed weekly}\n");
  const Assessment with_answer = assess_with({}, {finding("observed-log-forwarding")}, &q);
  EXPECT_EQ(verdict_of(with_answer, "iotssf:V2-SYS-04").outcome, Outcome::pass);
}

TEST(Verdict, EveryAssessableRequirementGetsExactlyOneVerdict) {
  const Assessment a = assess_with({}, {});
  std::size_t assessable = 0;
  for (const auto& fw : cat().frameworks()) assessable += fw.assessable_count();
  EXPECT_EQ(a.verdicts.size(), assessable);
  std::set<std::string> ids;
  for (const auto& v : a.verdicts) EXPECT_TRUE(ids.insert(v.requirement->qualified()).second);
  for (const char* fw : {"en303645", "jcstar1", "iotsg2016", "smarthome"}) {
    EXPECT_GT(cat().framework(fw)->assessable_count(), 0U) << fw;
  }
}

TEST(Verdict, NoEvidenceNeverPasses) {
  const Assessment a = assess_with({}, {});
  for (const auto& v : a.verdicts) {
    EXPECT_NE(v.outcome, Outcome::pass) << v.requirement->qualified() << ": " << v.reason.en;
    EXPECT_NE(v.outcome, Outcome::fail) << v.requirement->qualified();
  }
}

TEST(Verdict, FindingFailsTheProvisionAndEverythingMappedAsEquivalentOrPart) {
  const Assessment a = assess_with({run("probe.telnet.default-login", {"default-credential"})},
                                   {finding("default-credential")});
  const Verdict& v = verdict_of(a, "en303645:5.1-1");
  EXPECT_EQ(v.outcome, Outcome::fail);
  EXPECT_EQ(v.basis, "tested");
  ASSERT_EQ(v.findings.size(), 1U);
  EXPECT_EQ(a.findings[v.findings[0]].kind, "default-credential");
  EXPECT_EQ(verdict_of(a, "jcstar1:S1.1-02").outcome, Outcome::fail);
  EXPECT_EQ(verdict_of(a, "iotsg2016:KP15").outcome, Outcome::fail);
  EXPECT_EQ(verdict_of(a, "smarthome:MO.2").outcome, Outcome::fail);
}

TEST(Verdict, BehaviourSeenInTrafficFailsTheGuidelinesKeyPoint) {
  const Assessment a = assess_with({}, {finding("outbound-scanning")});
  EXPECT_EQ(verdict_of(a, "iotsg2016:KP9").outcome, Outcome::fail);
  // The explicit rule keeps KP9's catalog sources (its requirements KP9.R1 ...).
  EXPECT_FALSE(verdict_of(a, "iotsg2016:KP9").sources.empty());
  EXPECT_EQ(verdict_of(a, "iotsg2016:KP1").outcome, Outcome::needs_evidence);
}

TEST(Verdict, CompletedTestAloneIsNotEnoughWhenTheProvisionNeedsADocument) {
  const Assessment a = assess_with({run("probe.telnet.default-login", {"default-credential"})}, {});
  const Verdict& v = verdict_of(a, "en303645:5.1-1");
  EXPECT_EQ(v.outcome, Outcome::needs_evidence);
  EXPECT_EQ(v.basis, "tested");
  EXPECT_FALSE(v.missing.empty());
}

TEST(Verdict, CompletedTestPlusDetailedAnswerPasses) {
  const auto q = questionnaire(
      "answers:\n  en303645:5.1-1:\n    status: supported\n    ixit: unique per device\n");
  const Assessment a =
      assess_with({run("probe.telnet.default-login", {"default-credential"})}, {}, &q);
  const Verdict& v = verdict_of(a, "en303645:5.1-1");
  EXPECT_EQ(v.outcome, Outcome::pass) << v.reason.en;
  EXPECT_EQ(v.basis, "tested+declared");
  // JC-STAR S1.1-02 is mapped as equivalent to 5.1-1, so it follows.
  EXPECT_EQ(verdict_of(a, "jcstar1:S1.1-02").outcome, Outcome::pass);
}

TEST(Verdict, AnswerWithoutDetailDoesNotPass) {
  const auto q = questionnaire("answers:\n  en303645:5.2-1:\n    status: supported\n");
  const Assessment a = assess_with({}, {}, &q);
  EXPECT_EQ(verdict_of(a, "en303645:5.2-1").outcome, Outcome::needs_evidence);
}

TEST(Verdict, DeclaredDocumentOnlyProvisionPasses) {
  const auto q = questionnaire(
      "answers:\n  en303645:5.2-1:\n    status: supported\n    evidence: "
      "[https://x.invalid/vdp]\n");
  const Assessment a = assess_with({}, {}, &q);
  const Verdict& v = verdict_of(a, "en303645:5.2-1");
  EXPECT_EQ(v.outcome, Outcome::pass);
  EXPECT_EQ(v.basis, "declared");
}

TEST(Verdict, TimeoutIsInconclusiveNotPass) {
  const auto q = questionnaire(
      "answers:\n  en303645:5.1-5:\n    status: supported\n    ixit: lockout after 5 failures\n");
  const Assessment a = assess_with(
      {run("probe.auth.bruteforce", {"no-bruteforce-protection"}, CheckStatus::timeout)}, {}, &q);
  const Verdict& v = verdict_of(a, "en303645:5.1-5");
  EXPECT_EQ(v.outcome, Outcome::inconclusive);
  EXPECT_EQ(verdict_of(a, "jcstar1:S1.1-04").outcome, Outcome::inconclusive);
}

TEST(Verdict, UnreachedTargetKeepsItOpenEvenIfAnotherCompleted) {
  auto done = run("probe.telnet.default-login", {"default-credential"});
  auto unreached =
      run("probe.telnet.default-login", {"default-credential"}, CheckStatus::unreachable);
  unreached.target = "10.0.0.2";
  const Assessment a = assess_with({done, unreached}, {});
  EXPECT_EQ(verdict_of(a, "en303645:5.1-1").outcome, Outcome::inconclusive);
}

TEST(Verdict, NotApplicableNeedsAJustification) {
  const auto with = questionnaire(
      "answers:\n  en303645:5.8-3:\n    status: not-applicable\n    justification: no sensors\n");
  EXPECT_EQ(verdict_of(assess_with({}, {}, &with), "en303645:5.8-3").outcome,
            Outcome::not_applicable);
  const auto without = questionnaire("answers:\n  en303645:5.8-3:\n    status: not-applicable\n");
  const Assessment a = assess_with({}, {}, &without);
  const Verdict& v = verdict_of(a, "en303645:5.8-3");
  EXPECT_EQ(v.outcome, Outcome::needs_evidence);
}

TEST(Verdict, EvidenceBeatsAClaimOfNotApplicable) {
  const auto q = questionnaire(
      "answers:\n  en303645:5.5-4:\n    status: not-applicable\n    justification: no network "
      "functions\n");
  const Assessment a = assess_with({run("probe.mqtt.anonymous", {"mqtt-anonymous"})},
                                   {finding("mqtt-anonymous")}, &q);
  const Verdict& v = verdict_of(a, "en303645:5.5-4");
  EXPECT_EQ(v.outcome, Outcome::fail);
  EXPECT_NE(v.reason.en.find("contradicts"), std::string::npos) << v.reason.en;
  EXPECT_NE(v.reason.ja.find("矛盾"), std::string::npos) << v.reason.ja;
}

TEST(Verdict, ConstrainedDeviceMakesConditionalProvisionsNotApplicable) {
  const auto q = questionnaire("constrained: true\n");
  const Assessment a = assess_with({}, {}, &q);
  EXPECT_EQ(verdict_of(a, "en303645:5.1-5").outcome, Outcome::not_applicable);
  EXPECT_EQ(verdict_of(a, "en303645:5.1-5").basis, "condition");
  EXPECT_EQ(verdict_of(a, "en303645:5.3-2").outcome, Outcome::not_applicable);
}

TEST(Verdict, UnverifiedJcStarRowsNeverClaimAVerdict) {
  const Assessment a =
      assess_with({run("firmware.secrets", {"private-key-embedded", "hardcoded-credential"})},
                  {finding("private-key-embedded")});
  for (const auto& v : a.verdicts) {
    if (v.requirement->framework != "jcstar1" || v.requirement->verified) continue;
    EXPECT_EQ(v.outcome, Outcome::needs_evidence) << v.requirement->id;
    EXPECT_EQ(v.basis, "unverified");
  }
  EXPECT_EQ(verdict_of(a, "en303645:5.4-3").outcome, Outcome::fail);
}

TEST(Verdict, ScopeExcludesRequirementsAddressedToOthers) {
  const auto q = questionnaire("scope:\n  roles: [manufacturer]\n");
  const Assessment a = assess_with({}, {}, &q);
  const Verdict& resident = verdict_of(a, "smarthome:CO.1");
  EXPECT_EQ(resident.outcome, Outcome::not_applicable);
  EXPECT_EQ(resident.basis, "scope");
  EXPECT_NE(verdict_of(a, "smarthome:MO.1").outcome, Outcome::not_applicable);
}

TEST(Verdict, ReportingImplementationNeedsJustifiedRecommendations) {
  // 5.6-8 is a recommendation; declared not supported without a justification fails 4-1.
  const auto bad = questionnaire("answers:\n  en303645:5.6-8:\n    status: not-supported\n");
  const Assessment a = assess_with({}, {}, &bad);
  const Verdict& v = verdict_of(a, "en303645:4-1");
  EXPECT_EQ(v.outcome, Outcome::fail);
  EXPECT_NE(v.reason.en.find("5.6-8"), std::string::npos);
  const auto good = questionnaire(
      "answers:\n  en303645:5.6-8:\n    status: not-supported\n    justification: no MMU\n");
  EXPECT_NE(verdict_of(assess_with({}, {}, &good), "en303645:4-1").outcome, Outcome::fail);
}

TEST(Verdict, UnknownOrNonAssessableAnswerIsAnInputError) {
  const auto unknown = questionnaire("answers:\n  5.1-1:\n    status: supported\n");
  try {
    assess_with({}, {}, &unknown);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean en303645:5.1-1"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.line(), 3U);
  }
  const auto clause = questionnaire("answers:\n  en303645:5.1:\n    status: supported\n");
  EXPECT_THROW(assess_with({}, {}, &clause), InputError);
}

TEST(Verdict, BundledExampleGivesTheExpectedVerdicts) {
  const std::string dir = std::string(KENSA_SOURCE_DIR) + "/examples/bench-camera/";
  const auto set = evidence::parse_findings(read_file(dir + "findings.json"), "findings.json");
  const auto q = evidence::parse_questionnaire(read_file(dir + "ics.yaml"), "ics.yaml");
  const Assessment a = assess(cat(), rules(), {set}, &q);
  EXPECT_EQ(verdict_of(a, "en303645:5.1-1").outcome, Outcome::fail);  // telnet root/admin
  EXPECT_EQ(verdict_of(a, "en303645:5.5-1").outcome, Outcome::fail);  // TLS 1.0, telnet
  EXPECT_EQ(verdict_of(a, "en303645:5.5-4").outcome, Outcome::fail);  // anonymous MQTT
  EXPECT_EQ(verdict_of(a, "en303645:5.1-5").outcome,
            Outcome::inconclusive);                                   // brute-force check timed out
  EXPECT_EQ(verdict_of(a, "en303645:5.2-1").outcome, Outcome::pass);  // declared with evidence
  EXPECT_EQ(verdict_of(a, "en303645:5.6-2").outcome,
            Outcome::needs_evidence);  // tested, undocumented
  EXPECT_EQ(verdict_of(a, "en303645:5.7-1").outcome,
            Outcome::needs_evidence);  // N/A without reason
  EXPECT_EQ(verdict_of(a, "en303645:5.3-14").outcome, Outcome::not_applicable);
  EXPECT_EQ(verdict_of(a, "jcstar1:S1.1-05").outcome, Outcome::pass);
  // 5.6-5 (a recommendation) fails on telnetd at boot and the ICS records no justification.
  const Verdict& reporting = verdict_of(a, "en303645:4-1");
  EXPECT_EQ(reporting.outcome, Outcome::fail);
  EXPECT_NE(reporting.reason.en.find("5.6-5"), std::string::npos) << reporting.reason.en;
}

TEST(Rules, BadRuleFilesAreRejectedWithPosition) {
  const std::string unknown = "rules:\n  - requirement: en303645:9.9-9\n";
  try {
    RuleSet::parse({{"x.yaml", unknown}}, cat());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("verdict/rules/x.yaml:2:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      RuleSet::parse(
          {{"x.yaml", "rules:\n  - requirement: en303645:5.1-1\n    fail_kinds: [nope]\n"}}, cat()),
      InputError);
  EXPECT_THROW(RuleSet::parse({{"x.yaml", "rules:\n  - requirement: en303645:5.1\n"}}, cat()),
               InputError);
}

}  // namespace
}  // namespace kensa::verdict
