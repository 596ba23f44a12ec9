#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <map>

#include "base/error.h"

namespace kensa::catalog {
namespace {

const Catalog& cat() { return Catalog::builtin(); }

// Item counts per framework and type, as encoded from the seeds. A change here is a change of
// the catalogs against the seeds: update it only together with the data and say why.
const std::map<std::string, std::map<std::string, std::size_t>> kExpectedCounts = {
    {"iotsg2016", {{"guideline", 5}, {"key-point", 21}, {"requirement", 139}, {"user-rule", 4}}},
    {"smarthome", {{"stakeholder", 8}, {"scene", 4}, {"vulnerability", 71}, {"requirement", 42}}},
    {"iotssf",
     {{"axis", 3}, {"axis-level", 6}, {"viewpoint", 4}, {"threat", 13}, {"requirement", 41}}},
    {"en303645", {{"clause", 15}, {"provision", 68}}},
    {"jcstar1", {{"requirement", 16}}},
    {"cpsf", {{"layer", 3}, {"component", 6}, {"category", 20}, {"measure", 88}}},
    {"owasp-iot-2014", {{"category", 10}, {"threat-view", 3}, {"threat", 9}}},
    {"owasp-iot-2018", {{"category", 10}}},
    {"enisa-iot", {{"category", 3}, {"measure", 30}}},
    {"iso27402", {{"standard", 1}, {"requirement", 10}}},
    {"nistir8259", {{"capability", 10}}},
    {"dmf",
     {{"event", 5},
      {"transfer-unit", 4},
      {"attribute", 10},
      {"place", 6},
      {"threat-actor", 4},
      {"threat", 12},
      {"measure", 38},
      {"risk", 71}}},
};

TEST(Catalog, CountsPerFrameworkMatchTheSeeds) {
  std::set<std::string> seen;
  for (const auto& fw : cat().frameworks()) {
    seen.insert(fw.id);
    auto expected = kExpectedCounts.find(fw.id);
    if (expected == kExpectedCounts.end()) continue;  // checked below
    std::map<std::string, std::size_t> actual;
    for (const Item* i : fw.items) ++actual[i->type];
    EXPECT_EQ(actual, expected->second) << fw.id;
  }
  for (const auto& [id, counts] : kExpectedCounts)
    EXPECT_TRUE(seen.count(id)) << "missing framework " << id;
}

TEST(Catalog, EveryFrameworkIsPinned) {
  for (const auto& fw : cat().frameworks()) {
    EXPECT_TRUE(kExpectedCounts.count(fw.id)) << "framework " << fw.id << " has no pinned counts";
  }
}

TEST(Catalog, En303645HasEveryProvisionWithLevelTestsAndJapaneseText) {
  const Framework* fw = cat().framework("en303645");
  ASSERT_NE(fw, nullptr);
  std::size_t mandatory = 0, recommended = 0;
  for (const Item* i : fw->items) {
    if (i->type != "provision") continue;
    EXPECT_TRUE(i->assessable) << i->id;
    mandatory += i->level == "mandatory";
    recommended += i->level == "recommended";
    EXPECT_FALSE(i->tests.empty()) << i->id << " has no TS 103 701 test case";
    if (i->id != "4-1")
      EXPECT_FALSE(i->text_ja.empty()) << i->id;  // 4-1 has no Japanese text in the seed
    EXPECT_FALSE(i->text_en.empty()) << i->id;
  }
  EXPECT_EQ(mandatory, 33U);
  EXPECT_EQ(recommended, 35U);
  for (const char* id : {"4-1", "5.1-1", "5.1-5", "5.3-16", "5.13-1", "6.1", "6.5"}) {
    EXPECT_NE(cat().find(std::string("en303645:") + id), nullptr) << id;
  }
}

TEST(Catalog, SeedWordingIsKept) {
  const Item* p = cat().find("en303645:5.1-1");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->text_ja.find("パスワード"), std::string::npos);
  const Item* kp15 = cat().find("iotsg2016:KP15");
  ASSERT_NE(kp15, nullptr);
  EXPECT_EQ(kp15->title_ja, "初期設定に留意する");
  const Item* kp1 = cat().find("iotsg2016:KP1");
  EXPECT_EQ(kp1->title_ja, "経営者がIoTセキュリティにコミットする");
}

TEST(Catalog, NoKangxiRadicalsLeftFromThePdfExtraction) {
  for (const auto& fw : cat().frameworks()) {
    for (const Item* i : fw.items) {
      for (const std::string* text : {&i->title_ja, &i->text_ja}) {
        // U+2E80..U+2FDF encode in UTF-8 as E2 BA 80 .. E2 BF 9F.
        for (std::size_t k = 0; k + 1 < text->size(); ++k) {
          const auto b0 = static_cast<unsigned char>((*text)[k]);
          const auto b1 = static_cast<unsigned char>((*text)[k + 1]);
          EXPECT_FALSE(b0 == 0xE2 && b1 >= 0xBA && b1 <= 0xBF) << i->qualified() << " byte " << k;
        }
      }
    }
  }
}

TEST(Catalog, JcStarUnverifiedRowsClaimNoEquivalence) {
  std::size_t unverified = 0;
  for (const Item* i : cat().framework("jcstar1")->items) {
    if (i->verified) continue;
    ++unverified;
    for (const auto& r : i->refs) {
      if (r.reverse) continue;
      EXPECT_EQ(r.relation, Relation::related) << i->id << " → " << r.to;
    }
  }
  EXPECT_EQ(unverified, 9U);  // S1.1-06 and S1.1-08 … S1.1-15
  EXPECT_EQ(cat().find("jcstar1:S1.1-04")->eval, "device");
}

TEST(Catalog, ReferencesResolveInBothDirections) {
  std::size_t forward = 0, reverse = 0;
  for (const auto& fw : cat().frameworks()) {
    for (const Item* i : fw.items) {
      for (const auto& r : i->refs) {
        const Item* target = cat().find(r.to);
        ASSERT_NE(target, nullptr) << i->qualified() << " → " << r.to;
        (r.reverse ? reverse : forward)++;
        const bool back = std::any_of(
            target->refs.begin(), target->refs.end(),
            [&](const Reference& b) { return b.to == i->qualified() && b.reverse != r.reverse; });
        EXPECT_TRUE(back) << i->qualified() << " → " << r.to << " has no reverse";
      }
    }
  }
  EXPECT_EQ(forward, reverse);
  EXPECT_GT(forward, 300U);
}

TEST(Catalog, MapCrossesFromKp15ToEveryDeviceFramework) {
  const auto mapped = cat().map(*cat().find("iotsg2016:KP15"));
  std::set<std::string> ids;
  for (const auto& m : mapped) ids.insert(m.item->qualified());
  EXPECT_TRUE(ids.count("en303645:5.1-1"));
  EXPECT_TRUE(ids.count("jcstar1:S1.1-02"));
  EXPECT_TRUE(ids.count("smarthome:MO.2"));
}

TEST(Catalog, ResolveSearchAndChildren) {
  EXPECT_EQ(cat().resolve("kp15").size(), 1U);
  EXPECT_EQ(cat().resolve("en303645:5.1-1").size(), 1U);
  EXPECT_TRUE(cat().resolve("no-such").empty());
  EXPECT_EQ(cat().children(*cat().find("en303645:5.1")).size(), 5U);
  const auto hits = cat().search("brute force");
  EXPECT_TRUE(std::any_of(hits.begin(), hits.end(),
                          [](const Item* i) { return i->qualified() == "en303645:5.1-5"; }));
  const auto ja = cat().search("総当たり");
  EXPECT_FALSE(ja.empty());
}

std::string error_of(const std::string& yaml) {
  try {
    Catalog::parse({{"t.yaml", yaml}});
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

const char* kHeader = "framework: {id: t, short: T, name_en: Test}\nitems:\n";

TEST(CatalogParse, BadDataIsRejectedWithFileLineAndColumn) {
  EXPECT_NE(error_of(std::string(kHeader) +
                     "  - {id: a, type: x, title_en: A}\n  - {id: a, type: x, title_en: B}\n")
                .find("catalog/data/t.yaml:4:"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) + "  - {id: a, type: x, title_en: A, lvel: mandatory}\n")
                .find("unknown field 'lvel'"),
            std::string::npos);
  EXPECT_NE(
      error_of(std::string(kHeader) +
               "  - {id: a, type: x, title_en: A, refs: [{to: 'z:1', rel: related, source: s}]}\n")
          .find("reference to unknown item 'z:1'"),
      std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) + "  - {id: a, type: x, title_en: A, parent: b}\n")
                .find("parent 'b'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHeader) + "  - {id: a, type: x, title_en: A, level: should}\n")
                .find("expected one of: mandatory, recommended"),
            std::string::npos);
  EXPECT_NE(
      error_of(std::string(kHeader) + "  - {id: a, type: x}\n").find("needs a title or a text"),
      std::string::npos);
  EXPECT_NE(error_of("framework: {id: t, short: T, name_en: Test}\nitems: [\n")
                .find("catalog/data/t.yaml:"),
            std::string::npos);
}

}  // namespace
}  // namespace kensa::catalog
