#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/files.h"
#include "verdict/verdict.h"

namespace kensa::store {
namespace {

namespace fs = std::filesystem;

nlohmann::json example() {
  const std::string dir = std::string(KENSA_SOURCE_DIR) + "/examples/bench-camera/";
  const auto& cat = catalog::Catalog::builtin();
  const auto set = evidence::parse_findings(read_file(dir + "findings.json"), "findings.json");
  const auto q = evidence::parse_questionnaire(read_file(dir + "ics.yaml"), "ics.yaml");
  return verdict::to_json(verdict::assess(cat, verdict::RuleSet::builtin(cat), {set}, &q), cat);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kensa-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(StoreTest, SavesRunsAndLoadsThemBack) {
  const auto a = example();
  std::int64_t first = 0;
  {
    Store store(dir_ / "k.db");
    first = store.save(a, "before");
  }
  Store store(dir_ / "k.db");  // reopen: data persisted
  const auto second = store.save(a, "after");
  EXPECT_EQ(second, first + 1);
  const auto runs = store.runs();
  ASSERT_EQ(runs.size(), 2U);
  EXPECT_EQ(runs[0].label, "before");
  std::size_t fails = 0;
  for (const auto& v : a["verdicts"]) fails += v["verdict"] == "FAIL";
  EXPECT_EQ(static_cast<std::size_t>(runs[1].fail), fails);
  EXPECT_EQ(runs[1].fail + runs[1].pass + runs[1].inconclusive + runs[1].needs_evidence +
                runs[1].not_applicable,
            static_cast<int>(a["verdicts"].size()));
  EXPECT_EQ(store.load(first), a);
  EXPECT_THROW(store.load(999), InputError);
}

TEST_F(StoreTest, RefusesFilesThatAreNotKensaStores) {
  {
    std::ofstream(dir_ / "garbage.db")
        << "this is not a database, just some text that is long enough";
  }
  EXPECT_THROW(Store(dir_ / "garbage.db"), InputError);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "other.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_THROW(Store(dir_ / "other.db"), InputError);
  EXPECT_THROW(Store(dir_ / "no-such-dir" / "k.db"), InputError);
}

}  // namespace
}  // namespace kensa::store
