#include "store/store.h"

#include <sqlite3.h>

#include "base/error.h"

namespace kensa::store {

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  product TEXT NOT NULL,
  label TEXT NOT NULL,
  assessment TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verdicts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  requirement TEXT NOT NULL,
  framework TEXT NOT NULL,
  verdict TEXT NOT NULL,
  basis TEXT NOT NULL,
  PRIMARY KEY (run_id, requirement)
);
CREATE TABLE IF NOT EXISTS findings (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  port INTEGER,
  severity TEXT NOT NULL,
  check_id TEXT NOT NULL,
  title TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_kind ON findings(kind, target);
)sql";

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("sqlite: " + message);
  }
}

}  // namespace

Store::Store(const std::filesystem::path& path) : path_(path.string()) {
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "cannot open";
    sqlite3_close(db_);
    throw InputError(path_, 0, 0, "cannot open store: " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    // Read both in their own scope: a statement left open holds a read transaction, and the
    // journal mode cannot change inside one.
    std::int64_t found = 0;
    std::int64_t table_count = 0;
    {
      Statement version(db_, "PRAGMA user_version");
      version.step();
      found = version.integer(0);
      Statement tables(db_, "SELECT count(*) FROM sqlite_master");
      tables.step();
      table_count = tables.integer(0);
    }
    if (found == 0 && table_count > 0) {
      throw InputError(path_, 0, 0, "not a kensa store (it holds other tables)");
    }
    if (found > kSchemaVersion) {
      throw InputError(path_, 0, 0,
                       "store schema " + std::to_string(found) + " is newer than this kensa");
    }
    exec(db_, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;");
    exec(db_, kSchema);
    exec(db_, ("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
  } catch (const std::runtime_error& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    if (const auto* input = dynamic_cast<const InputError*>(&e)) throw *input;
    // SQLITE_NOTADB and friends: the file is not a database at all.
    throw InputError(path_, 0, 0, std::string("not a kensa store: ") + e.what());
  }
}

Store::~Store() { sqlite3_close(db_); }

std::int64_t Store::save(const nlohmann::json& a, const std::string& label) {
  const auto& p = a["product"];
  const std::string product =
      p.value("vendor", "") + " " + p.value("name", "") + " " + p.value("model", "");
  exec(db_, "BEGIN IMMEDIATE");
  try {
    Statement run(db_, "INSERT INTO runs(product, label, assessment) VALUES (?1, ?2, ?3)");
    run.bind(1, product).bind(2, label).bind(3, a.dump());
    run.step();
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    Statement verdict(db_, "INSERT INTO verdicts VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const auto& v : a["verdicts"]) {
      verdict.bind(1, id).bind(2, v.value("requirement", "")).bind(3, v.value("framework", ""));
      verdict.bind(4, v.value("verdict", "")).bind(5, v.value("basis", ""));
      verdict.step();
      verdict.reset();
    }
    Statement finding(db_, "INSERT INTO findings VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (const auto& f : a["findings"]) {
      finding.bind(1, id).bind(2, f.value("kind", "")).bind(3, f.value("target", ""));
      if (f.contains("port")) {
        finding.bind(4, f["port"].get<std::int64_t>());
      } else {
        finding.bind_null(4);
      }
      finding.bind(5, f.value("severity", ""))
          .bind(6, f.value("check", ""))
          .bind(7, f.value("title", ""));
      finding.step();
      finding.reset();
    }
    exec(db_, "COMMIT");
    return id;
  } catch (...) {
    exec(db_, "ROLLBACK");
    throw;
  }
}

std::vector<RunSummary> Store::runs() const {
  Statement q(db_,
              "SELECT r.id, r.created, r.product, r.label,"
              " sum(v.verdict = 'FAIL'), sum(v.verdict = 'PASS'), sum(v.verdict = 'INCONCLUSIVE'),"
              " sum(v.verdict = 'NEEDS_EVIDENCE'), sum(v.verdict = 'NOT_APPLICABLE')"
              " FROM runs r LEFT JOIN verdicts v ON v.run_id = r.id GROUP BY r.id ORDER BY r.id");
  std::vector<RunSummary> out;
  while (q.step()) {
    RunSummary s;
    s.id = q.integer(0);
    s.created = q.text(1);
    s.product = q.text(2);
    s.label = q.text(3);
    s.fail = static_cast<int>(q.integer(4));
    s.pass = static_cast<int>(q.integer(5));
    s.inconclusive = static_cast<int>(q.integer(6));
    s.needs_evidence = static_cast<int>(q.integer(7));
    s.not_applicable = static_cast<int>(q.integer(8));
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json Store::load(std::int64_t run_id) const {
  Statement q(db_, "SELECT assessment FROM runs WHERE id = ?1");
  q.bind(1, run_id);
  if (!q.step()) throw InputError(path_, 0, 0, "no run " + std::to_string(run_id));
  return nlohmann::json::parse(q.text(0));
}

}  // namespace kensa::store
