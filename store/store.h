#pragma once
// The assessment store: every assessment kensa makes can be kept in an SQLite file, so a system
// re-assessed on a schedule shows what changed (`kensa history`). Each run keeps the whole
// assessment document, plus its verdicts and findings as rows for SQL queries.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

struct sqlite3;

namespace kensa::store {

struct RunSummary {
  std::int64_t id = 0;
  std::string created;  // UTC, ISO 8601
  std::string product;
  std::string label;
  int fail = 0, pass = 0, inconclusive = 0, needs_evidence = 0, not_applicable = 0;
};

class Store {
 public:
  // Opens or creates the store; throws InputError if `path` is not a kensa store.
  explicit Store(const std::filesystem::path& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Saves an assessment (kensa.assessment/1) in one transaction; returns its run id.
  std::int64_t save(const nlohmann::json& assessment, const std::string& label);
  std::vector<RunSummary> runs() const;
  // The assessment document of a run; throws InputError for an unknown id.
  nlohmann::json load(std::int64_t run_id) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace kensa::store
