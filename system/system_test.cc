// system::assess on a small model. Evidence: the bundled example findings document
// (examples/bench-camera/findings.json, the shape the collectors emit; the collectors themselves
// run for real in tests/system_assess_test.sh and tests/system_lab_test.sh).
#include "system/system.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace kensa::system {
namespace {

using nlohmann::json;

constexpr const char* kModel = R"yaml(
kensa-model: 1
system: {id: t, name: test home}
zones:
  - {id: home, name: home, kind: home, trust: 1}
components:
  - {id: camera, name: camera, layer: device, kind: camera, zone: home, has_accounts: true}
  - {id: hub, name: hub, layer: device, kind: gateway, zone: home, has_accounts: true}
  - {id: lock, name: lock, layer: device, kind: actuator, zone: home, physical_actuation: true, constrained: true}
  - {id: app, name: app, layer: service, kind: app, zone: home}
connections:
  - {from: camera, to: hub, protocol: ip}
  - {from: hub, to: lock, protocol: zigbee}
stakeholders:
  - {id: vendor, name: vendor, role: developer, smarthome: "(1)"}
  - {id: resident, name: resident, role: user, smarthome: "(8)", applying_entity: true}
responsibilities:
  - {stakeholder: vendor, components: [camera, hub, lock], duties: [update]}
  - {stakeholder: resident, components: [camera, hub, lock], duties: [operate]}
evidence:
  - {component: camera, address: 192.0.2.10}
  - {component: hub, address: 192.0.2.20}
)yaml";

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct SystemAssess : ::testing::Test {
  const catalog::Catalog& cat = catalog::Catalog::builtin();
  const verdict::RuleSet& rules = verdict::RuleSet::builtin(cat);
  model::Model m = model::load(kModel, "model.yaml");
  evidence::FindingSet example = evidence::parse_findings(
      read(KENSA_SOURCE_DIR "/examples/bench-camera/findings.json"), "findings.json");

  static const json& component(const json& section, const std::string& id) {
    for (const auto& c : section["components"]) {
      if (c["id"] == id) return c;
    }
    throw std::runtime_error("no component " + id);
  }
  static const json* row(const json& c, const std::string& requirement) {
    for (const auto& r : c["requirements"]) {
      if (r["requirement"] == requirement) return &r;
    }
    return nullptr;
  }
};

// The example's probe findings are for 192.0.2.10: the camera's address.
TEST_F(SystemAssess, DefaultPasswordFailsTheCameraOnlyAndNamesItsEvidence) {
  Evidence ev;
  ev.sets.push_back({"", "findings", example});
  const Result r = assess(m, cat, rules, ev);
  const json& camera = component(r.section, "camera");
  const json* fail = row(camera, "en303645:5.1-1");
  ASSERT_NE(fail, nullptr);
  EXPECT_EQ((*fail)["verdict"], "FAIL");
  // Selected because the risk step gives the vendor's smart-home requirement MO.2 to the camera,
  // of which EN 303 645 5.1-1 is a part.
  EXPECT_EQ((*fail)["origin"], "mapped");
  EXPECT_NE(std::find((*fail)["from"].begin(), (*fail)["from"].end(), "smarthome:MO.2"),
            (*fail)["from"].end());
  // Its findings index into the sets in Result::sets order, and are the camera's default password.
  std::vector<evidence::Finding> all;
  for (const auto& s : r.sets) all.insert(all.end(), s.findings.begin(), s.findings.end());
  ASSERT_FALSE((*fail)["findings"].empty());
  bool default_credential = false;
  for (const auto& i : (*fail)["findings"]) {
    const auto& f = all.at(i.get<std::size_t>());
    EXPECT_EQ(f.target, "192.0.2.10");
    default_credential = default_credential || f.kind == "default-credential";
  }
  EXPECT_TRUE(default_credential);

  const json& hub = component(r.section, "hub");
  const json* hub_row = row(hub, "en303645:5.1-1");
  ASSERT_NE(hub_row, nullptr);
  EXPECT_EQ((*hub_row)["verdict"], "NEEDS_EVIDENCE");
  EXPECT_TRUE(hub["findings"].empty());

  // Roll-up: worst over the components, naming the failing one.
  bool rolled = false;
  for (const auto& q : r.section["requirements"]) {
    if (q["requirement"] != "en303645:5.1-1") continue;
    rolled = true;
    EXPECT_EQ(q["verdict"], "FAIL");
    EXPECT_EQ(q["failing"], json::array({"camera"}));
  }
  EXPECT_TRUE(rolled);

  // The vendor owns MO.2, hence the failing 5.1-1 on the camera; the app has no owner.
  bool vendor_owns = false;
  for (const auto& s : r.section["stakeholders"]) {
    if (s["id"] != "vendor") continue;
    for (const auto& f : s["failing"]) {
      vendor_owns =
          vendor_owns || (f["component"] == "camera" && f["requirement"] == "en303645:5.1-1");
    }
  }
  EXPECT_TRUE(vendor_owns);
}

TEST_F(SystemAssess, EvidenceCompromisesTheCameraAndOpensAPathToTheLock) {
  const Result before = assess(m, cat, rules, {});
  EXPECT_TRUE(before.risk.compromised.empty());
  EXPECT_TRUE(before.risk.paths.empty()) << "nothing is exposed without evidence";

  Evidence ev;
  ev.sets.push_back({"", "findings", example});
  const Result after = assess(m, cat, rules, ev);
  ASSERT_FALSE(after.risk.compromised.empty());
  EXPECT_EQ(after.risk.compromised.front().component, "camera");
  ASSERT_FALSE(after.risk.paths.empty());
  EXPECT_EQ(after.risk.paths.front().entry, "camera");
  EXPECT_EQ(after.risk.paths.front().target, "lock");
  EXPECT_EQ(component(after.section, "camera")["entry_point"], true);
  EXPECT_GE(component(after.section, "lock")["attack_paths_through"].get<int>(), 1);
  EXPECT_FALSE(after.section["risk"]["attack_paths"].empty());
}

// A set from one component's link (a capture) whose finding names another component's address
// belongs to that component; check runs follow their target the same way.
TEST_F(SystemAssess, FindingsFollowTheirTargetAcrossLinks) {
  evidence::FindingSet capture;
  capture.origin = "capture.pcap";
  capture.collector = "traffic";
  evidence::Finding f;
  f.check = "traffic.telnet";
  f.kind = "cleartext-credential";
  f.target = "192.0.2.20";
  f.collector = "traffic";
  capture.findings.push_back(f);
  f.target = "198.51.100.7";  // nobody's address: stays with the link's component
  f.kind = "cleartext-service";
  capture.findings.push_back(f);
  Evidence ev;
  ev.sets.push_back({"camera", "capture capture.pcap", capture});
  const Result r = assess(m, cat, rules, ev);
  ASSERT_EQ(r.sets.size(), 2u);
  EXPECT_EQ(r.owners[0], "camera");
  EXPECT_EQ(r.sets[0].findings.at(0).kind, "cleartext-service");
  EXPECT_EQ(r.owners[1], "hub");
  EXPECT_EQ(r.sets[1].findings.at(0).kind, "cleartext-credential");
  EXPECT_EQ(component(r.section, "hub")["findings"], json::array({1}));
  ASSERT_FALSE(r.risk.compromised.empty());
  EXPECT_EQ(r.risk.compromised.front().component, "hub");
}

// The model's `constrained: true` reaches the verdict engine: the lock (constrained) is checked
// against the constrained-device provisions, takes EN 303 645's exemptions (NOT_APPLICABLE) and
// owes the provisions only for constrained devices; the hub (not constrained) gets none of them.
TEST_F(SystemAssess, ModelConstrainedComponentGetsTheConstrainedProvisions) {
  const Result r = assess(m, cat, rules, {});
  const json& lock = component(r.section, "lock");
  for (const char* id : {"en303645:5.1-5", "en303645:5.3-2"}) {
    const json* row_ = row(lock, id);
    ASSERT_NE(row_, nullptr) << id;
    EXPECT_EQ((*row_)["verdict"], "NOT_APPLICABLE") << id;
    EXPECT_EQ((*row_)["origin"], "constrained") << id;
  }
  for (const char* id : {"en303645:5.3-14", "en303645:5.3-15"}) {
    const json* row_ = row(lock, id);
    ASSERT_NE(row_, nullptr) << id;
    EXPECT_EQ((*row_)["verdict"], "NEEDS_EVIDENCE") << id;
  }
  const json& hub = component(r.section, "hub");
  for (const char* id : {"en303645:5.1-5", "en303645:5.3-14"}) {
    const json* row_ = row(hub, id);
    if (row_ != nullptr) EXPECT_NE((*row_)["origin"], "constrained") << id;
  }
}

TEST(SystemAssessRank, WorstFirst) {
  EXPECT_LT(severity_rank("FAIL"), severity_rank("INCONCLUSIVE"));
  EXPECT_LT(severity_rank("INCONCLUSIVE"), severity_rank("NEEDS_EVIDENCE"));
  EXPECT_LT(severity_rank("NEEDS_EVIDENCE"), severity_rank("PASS"));
  EXPECT_LT(severity_rank("PASS"), severity_rank("NOT_APPLICABLE"));
}

}  // namespace
}  // namespace kensa::system
