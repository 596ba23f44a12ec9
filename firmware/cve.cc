// Offline CVE index in SQLite: `kensa cve import` reads NVD CVE JSON 2.0 (API responses, feed
// files, single `cve` objects) and CVE JSON 5 records; matching compares a component's version
// against the stored affected ranges. One CVE can come from several sources (NVD's analysis and
// the CNA's CVE JSON 5 record); each source's rows are kept apart, so importing one never erases
// what another said (a CNA record without a score must not wipe NVD's 9.8), and re-importing a
// newer file of the same source replaces that source's rows only.
#include <fmt/format.h>
#include <sqlite3.h>

#include <cctype>
#include <regex>
#include <set>

#include "base/error.h"
#include "base/files.h"
#include "firmware/firmware.h"

namespace kensa::firmware {

using nlohmann::json;

namespace {

struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::filesystem::path& path, bool create) {
    const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      const std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      throw InputError(path.string(), 0, 0, "cannot open CVE index: " + msg);
    }
  }
  ~Db() { sqlite3_close(db); }
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "error";
      sqlite3_free(err);
      throw std::runtime_error("sqlite: " + msg);
    }
  }
};

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.c_str(), -1, SQLITE_TRANSIENT);
  }
  void bind(int i, double v) { sqlite3_bind_double(s, i, v); }
  void run() {
    sqlite3_step(s);
    sqlite3_reset(s);
  }
};

struct Range {
  std::string vendor, product, exact, start_incl, start_excl, end_incl, end_excl;
};

struct Record {
  std::string id, source, summary, vector;  // source: "nvd" or "cve5"
  double cvss = 0;
  std::vector<Range> ranges;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void cvss_from_nvd(const json& metrics, Record& r) {
  for (const char* key : {"cvssMetricV31", "cvssMetricV30", "cvssMetricV40", "cvssMetricV2"}) {
    if (!metrics.contains(key) || !metrics[key].is_array()) continue;
    for (const auto& m : metrics[key]) {
      const auto& d = m.value("cvssData", json::object());
      if (!d.contains("baseScore")) continue;
      r.cvss = d["baseScore"].get<double>();
      r.vector = d.value("vectorString", "");
      if (m.value("type", "") == "Primary") return;
    }
    if (r.cvss > 0) return;
  }
}

void cvss_from_cve5(const json& metrics, Record& r) {
  if (!metrics.is_array()) return;
  for (const auto& m : metrics) {
    for (const char* key : {"cvssV3_1", "cvssV3_0", "cvssV4_0", "cvssV2_0"}) {
      if (m.contains(key) && m[key].contains("baseScore")) {
        r.cvss = m[key]["baseScore"].get<double>();
        r.vector = m[key].value("vectorString", "");
        return;
      }
    }
  }
}

// cpe:2.3:a:vendor:product:version:...
bool split_cpe(const std::string& cpe, std::string& vendor, std::string& product,
               std::string& version) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (parts.size() < 6) {
    const std::size_t p = cpe.find(':', at);
    parts.push_back(cpe.substr(at, p == std::string::npos ? std::string::npos : p - at));
    if (p == std::string::npos) break;
    at = p + 1;
  }
  if (parts.size() < 6 || parts[0] != "cpe") return false;
  vendor = parts[3];
  product = parts[4];
  version = parts[5];
  return true;
}

void ranges_from_nvd(const json& configs, Record& r) {
  if (!configs.is_array()) return;
  for (const auto& config : configs) {
    for (const auto& node : config.value("nodes", json::array())) {
      for (const auto& m : node.value("cpeMatch", json::array())) {
        if (!m.value("vulnerable", false)) continue;
        Range range;
        std::string version;
        if (!split_cpe(m.value("criteria", ""), range.vendor, range.product, version)) continue;
        if (version != "*" && version != "-") range.exact = version;
        range.start_incl = m.value("versionStartIncluding", "");
        range.start_excl = m.value("versionStartExcluding", "");
        range.end_incl = m.value("versionEndIncluding", "");
        range.end_excl = m.value("versionEndExcluding", "");
        r.ranges.push_back(range);
      }
    }
  }
}

// Products named in free text ("busybox before 1.35") when a CVE 5 record has no structured range.
void ranges_from_text(const std::string& text, Record& r) {
  static const std::regex before(
      R"((busybox|dnsmasq|openssl|dropbear|lighttpd|uclibc|musl|glibc|openssh|curl|hostapd|wpa_supplicant|miniupnpd|zlib|mosquitto)\s+(?:v(?:ersion)?\s*)?(before|prior to|through|up to|<=?)\s+v?(\d[0-9a-z.]*[0-9a-z]))",
      std::regex::icase);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), before);
       it != std::sregex_iterator(); ++it) {
    Range range;
    range.product = lower((*it)[1].str());
    const std::string op = lower((*it)[2].str());
    const std::string v = (*it)[3].str();
    if (op == "through" || op == "up to" || op == "<=") {
      range.end_incl = v;
    } else {
      range.end_excl = v;
    }
    r.ranges.push_back(range);
  }
}

void ranges_from_cve5(const json& affected, Record& r) {
  static const std::regex span(R"(Affected\s+([0-9][0-9a-z.]*)\s*-\s*([0-9][0-9a-z.]*))",
                               std::regex::icase);
  static const std::regex list(R"(Affected\s+([0-9][0-9a-z.,\s]*))", std::regex::icase);
  if (!affected.is_array()) return;
  for (const auto& a : affected) {
    const std::string vendor = lower(a.value("vendor", ""));
    const std::string product = lower(a.value("product", ""));
    if (product.empty() || product == "n/a") continue;
    for (const auto& v : a.value("versions", json::array())) {
      if (v.value("status", "affected") != "affected") continue;
      Range range;
      range.vendor = vendor;
      range.product = product;
      const std::string version = v.value("version", "");
      std::smatch m;
      if (v.contains("lessThan") || v.contains("lessThanOrEqual")) {
        if (version != "0" && version != "*" && version != "n/a") range.start_incl = version;
        range.end_excl = v.value("lessThan", "");
        range.end_incl = v.value("lessThanOrEqual", "");
        if (range.end_excl == "*") range.end_excl.clear();
        r.ranges.push_back(range);
      } else if (std::regex_search(version, m, span)) {
        range.start_incl = m[1].str();
        range.end_incl = m[2].str();
        r.ranges.push_back(range);
      } else if (std::regex_search(version, m, list)) {
        std::string items = m[1].str();
        std::size_t at = 0;
        while (at < items.size()) {
          std::size_t comma = items.find(',', at);
          if (comma == std::string::npos) comma = items.size();
          std::string item = items.substr(at, comma - at);
          item.erase(0, item.find_first_not_of(" "));
          item.erase(item.find_last_not_of(" ") + 1);
          if (!item.empty()) {
            Range exact;
            exact.vendor = vendor;
            exact.product = product;
            exact.exact = item;
            r.ranges.push_back(exact);
          }
          at = comma + 1;
        }
      } else if (!version.empty() && std::isdigit(static_cast<unsigned char>(version[0]))) {
        range.exact = version;
        r.ranges.push_back(range);
      }
    }
  }
}

std::vector<Record> parse_records(const json& doc) {
  std::vector<Record> out;
  auto nvd_cve = [&](const json& cve) {
    Record r;
    r.id = cve.value("id", "");
    r.source = "nvd";
    for (const auto& d : cve.value("descriptions", json::array())) {
      if (d.value("lang", "") == "en") r.summary = d.value("value", "");
    }
    cvss_from_nvd(cve.value("metrics", json::object()), r);
    ranges_from_nvd(cve.value("configurations", json::array()), r);
    if (r.ranges.empty()) ranges_from_text(r.summary, r);
    out.push_back(std::move(r));
  };
  if (doc.contains("vulnerabilities") && doc["vulnerabilities"].is_array()) {
    for (const auto& v : doc["vulnerabilities"]) {
      if (v.contains("cve")) nvd_cve(v["cve"]);
    }
  } else if (doc.contains("cveMetadata") && doc.contains("containers")) {
    Record r;
    r.id = doc["cveMetadata"].value("cveId", "");
    r.source = "cve5";
    const auto& cna = doc["containers"].value("cna", json::object());
    for (const auto& d : cna.value("descriptions", json::array())) {
      if (d.value("lang", "").rfind("en", 0) == 0) r.summary = d.value("value", "");
    }
    cvss_from_cve5(cna.value("metrics", json::array()), r);
    for (const auto& adp : doc["containers"].value("adp", json::array())) {
      if (r.cvss == 0) cvss_from_cve5(adp.value("metrics", json::array()), r);
    }
    ranges_from_cve5(cna.value("affected", json::array()), r);
    if (r.ranges.empty()) ranges_from_text(r.summary, r);
    out.push_back(std::move(r));
  } else if (doc.contains("id") && doc.contains("descriptions")) {
    nvd_cve(doc);
  }
  return out;
}

// Format 2 keys every row by (CVE, source). A format-1 index (one row per CVE, last import wins)
// cannot be upgraded in place without the feeds it came from, so it is refused with what to do.
constexpr int kIndexFormat = 2;

int index_format(Db& db) {
  Stmt version(db.db, "PRAGMA user_version");
  const int format = sqlite3_step(version.s) == SQLITE_ROW ? sqlite3_column_int(version.s, 0) : 0;
  if (format != 0) return format;
  Stmt tables(db.db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'cve'");
  return sqlite3_step(tables.s) == SQLITE_ROW && sqlite3_column_int(tables.s, 0) > 0 ? 1 : 0;
}

void require_current_format(Db& db, const std::filesystem::path& path) {
  const int format = index_format(db);
  if (format != kIndexFormat && format != 0)
    throw InputError(path.string(), 0, 0,
                     fmt::format("CVE index of format {} (this kensa reads format {}): delete it "
                                 "and run `kensa cve import` on the feeds again",
                                 format, kIndexFormat));
}

void create_schema(Db& db, const std::filesystem::path& path) {
  require_current_format(db, path);
  db.exec(
      fmt::format(
          "CREATE TABLE IF NOT EXISTS cve(id TEXT, source TEXT, cvss REAL, vector TEXT,"
          " summary TEXT, PRIMARY KEY(id, source));"
          "CREATE TABLE IF NOT EXISTS affected(cve TEXT, source TEXT, vendor TEXT, product TEXT,"
          " exact TEXT, start_incl TEXT, start_excl TEXT, end_incl TEXT, end_excl TEXT);"
          "CREATE INDEX IF NOT EXISTS affected_product ON affected(product);"
          "CREATE INDEX IF NOT EXISTS affected_cve ON affected(cve, source);"
          "PRAGMA user_version = {};",
          kIndexFormat)
          .c_str());
}

}  // namespace

int compare_versions(const std::string& a, const std::string& b) {
  auto tokens = [](const std::string& v) {
    std::vector<std::string> t;
    std::size_t i = 0;
    while (i < v.size()) {
      if (std::isdigit(static_cast<unsigned char>(v[i]))) {
        std::size_t j = i;
        while (j < v.size() && std::isdigit(static_cast<unsigned char>(v[j]))) ++j;
        t.push_back(v.substr(i, j - i));
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(v[i]))) {
        std::size_t j = i;
        while (j < v.size() && std::isalpha(static_cast<unsigned char>(v[j]))) ++j;
        t.push_back(lower(v.substr(i, j - i)));
        i = j;
      } else {
        ++i;
      }
    }
    return t;
  };
  const auto ta = tokens(a), tb = tokens(b);
  for (std::size_t i = 0; i < std::max(ta.size(), tb.size()); ++i) {
    if (i >= ta.size()) return -1;
    if (i >= tb.size()) return 1;
    const bool na = std::isdigit(static_cast<unsigned char>(ta[i][0])),
               nb = std::isdigit(static_cast<unsigned char>(tb[i][0]));
    if (na && nb) {
      const std::string x = ta[i].substr(std::min(ta[i].find_first_not_of('0'), ta[i].size() - 1));
      const std::string y = tb[i].substr(std::min(tb[i].find_first_not_of('0'), tb[i].size() - 1));
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x != y) return x < y ? -1 : 1;
    } else if (na != nb) {
      return na ? 1 : -1;  // 1.0.2 < 1.0.2a is handled by length; a number outranks a letter
    } else if (ta[i] != tb[i]) {
      return ta[i] < tb[i] ? -1 : 1;
    }
  }
  return 0;
}

CveImportStats import_cves(const std::filesystem::path& db_path,
                           const std::vector<std::filesystem::path>& files) {
  CveImportStats stats;
  Db db(db_path, true);
  create_schema(db, db_path);
  db.exec("BEGIN");
  Stmt del_cve(db.db, "DELETE FROM cve WHERE id = ? AND source = ?");
  Stmt del_aff(db.db, "DELETE FROM affected WHERE cve = ? AND source = ?");
  Stmt ins_cve(db.db, "INSERT INTO cve(id, source, cvss, vector, summary) VALUES(?,?,?,?,?)");
  Stmt ins_aff(db.db,
               "INSERT INTO affected(cve, source, vendor, product, exact, start_incl, start_excl, "
               "end_incl, end_excl)"
               " VALUES(?,?,?,?,?,?,?,?,?)");
  for (const auto& file : files) {
    const std::string text = read_file(file);
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::parse_error& e) {
      const auto pos = position_of(text, e.byte > 0 ? e.byte - 1 : 0);
      db.exec("ROLLBACK");
      throw InputError(file.string(), pos.line, pos.column, "malformed JSON");
    }
    std::vector<Record> records;
    try {
      records = parse_records(doc);
    } catch (const json::exception& e) {
      db.exec("ROLLBACK");
      throw InputError(file.string(), 0, 0,
                       std::string("unexpected CVE record structure: ") + e.what());
    }
    if (records.empty()) {
      db.exec("ROLLBACK");
      // OSV records name distribution package versions (e.g. Ubuntu's 1:1.21.0-1ubuntu1.4),
      // which say nothing about the upstream version found in an image: refused with a pointer.
      const bool osv = doc.is_object() && doc.contains("affected") && doc.contains("id") &&
                       doc.contains("modified");
      throw InputError(file.string(), 0, 0,
                       osv ? "an OSV record (distribution package versions, not upstream "
                             "ranges): import the CVE's NVD or CVE JSON 5 record instead"
                           : "neither NVD CVE JSON 2.0 nor CVE JSON 5");
    }
    for (const auto& r : records) {
      if (r.id.empty()) continue;
      ++stats.records;
      if (r.ranges.empty())
        stats.skipped.push_back(
            fmt::format("{} ({}): no affected product range", r.id, file.filename().string()));
      del_cve.bind(1, r.id);
      del_cve.bind(2, r.source);
      del_cve.run();
      del_aff.bind(1, r.id);
      del_aff.bind(2, r.source);
      del_aff.run();
      ins_cve.bind(1, r.id);
      ins_cve.bind(2, r.source);
      ins_cve.bind(3, r.cvss);
      ins_cve.bind(4, r.vector);
      ins_cve.bind(5, r.summary);
      ins_cve.run();
      for (const auto& range : r.ranges) {
        ++stats.ranges;
        ins_aff.bind(1, r.id);
        ins_aff.bind(2, r.source);
        ins_aff.bind(3, lower(range.vendor));
        ins_aff.bind(4, lower(range.product));
        ins_aff.bind(5, range.exact);
        ins_aff.bind(6, range.start_incl);
        ins_aff.bind(7, range.start_excl);
        ins_aff.bind(8, range.end_incl);
        ins_aff.bind(9, range.end_excl);
        ins_aff.run();
      }
    }
  }
  db.exec("COMMIT");
  return stats;
}

std::vector<CveMatch> match_cves(const std::filesystem::path& db_path, const Component& component) {
  std::vector<CveMatch> out;
  if (!std::filesystem::exists(db_path))
    throw InputError(db_path.string(), 0, 0, "CVE index not found (kensa cve import)");
  Db db(db_path, false);
  require_current_format(db, db_path);
  // The score shown is the highest any source gave (a CNA record often carries none); the
  // summary the first non-empty one in that order.
  Stmt q(db.db,
         "SELECT a.cve, a.vendor, a.exact, a.start_incl, a.start_excl, a.end_incl, a.end_excl, "
         "(SELECT cvss FROM cve WHERE id = a.cve ORDER BY cvss DESC LIMIT 1), "
         "(SELECT vector FROM cve WHERE id = a.cve ORDER BY cvss DESC LIMIT 1), "
         "(SELECT summary FROM cve WHERE id = a.cve AND summary <> '' ORDER BY cvss DESC LIMIT 1)"
         " FROM affected a WHERE a.product = ? OR a.product = ?");
  q.bind(1, lower(component.product));
  q.bind(2, lower(component.name));
  auto col = [&](int i) {
    const auto* t = sqlite3_column_text(q.s, i);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  };
  std::set<std::string> seen;
  while (sqlite3_step(q.s) == SQLITE_ROW) {
    const std::string id = col(0), vendor = col(1), exact = col(2), si = col(3), se = col(4),
                      ei = col(5), ee = col(6);
    if (!vendor.empty() && vendor != lower(component.vendor) && vendor != lower(component.name))
      continue;
    const std::string& v = component.version;
    bool hit;
    std::string range;
    if (!exact.empty()) {
      hit = compare_versions(v, exact) == 0;
      range = "= " + exact;
    } else {
      hit = !si.empty() || !se.empty() || !ei.empty() || !ee.empty();
      if (!si.empty()) hit = hit && compare_versions(v, si) >= 0;
      if (!se.empty()) hit = hit && compare_versions(v, se) > 0;
      if (!ei.empty()) hit = hit && compare_versions(v, ei) <= 0;
      if (!ee.empty()) hit = hit && compare_versions(v, ee) < 0;
      std::vector<std::string> parts;
      if (!si.empty()) parts.push_back(">= " + si);
      if (!se.empty()) parts.push_back("> " + se);
      if (!ei.empty()) parts.push_back("<= " + ei);
      if (!ee.empty()) parts.push_back("< " + ee);
      range = fmt::format("{}", fmt::join(parts, ", "));
    }
    if (!hit || !seen.insert(id).second) continue;
    out.push_back(CveMatch{id, sqlite3_column_double(q.s, 7), col(8), col(9), range});
  }
  return out;
}

}  // namespace kensa::firmware
