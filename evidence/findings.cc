#include <algorithm>

#include "base/error.h"
#include "evidence/evidence.h"

namespace kensa::evidence {

using nlohmann::json;

std::string_view to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::completed: return "completed";
    case CheckStatus::error: return "error";
    case CheckStatus::timeout: return "timeout";
    case CheckStatus::unreachable: return "unreachable";
    case CheckStatus::skipped: return "skipped";
  }
  return "error";
}

namespace {

// Semantic errors carry the JSON path of the offending value; nlohmann::json keeps no positions.
class Reader {
 public:
  explicit Reader(const std::string& origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw InputError(origin_, 0, 0, path + ": " + what);
  }

  void only_keys(const json& object, const std::string& path,
                 std::initializer_list<std::string_view> allowed) const {
    if (!object.is_object()) fail(path, "expected an object");
    for (const auto& [key, value] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string expected;
        for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
        fail(path + "." + key, "unknown field (expected one of: " + expected + ")");
      }
    }
  }

  std::string string(const json& object, const std::string& path, const char* key,
                     bool required = false) const {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) fail(path, std::string("missing required field '") + key + "'");
      return {};
    }
    if (!it->is_string()) fail(path + "." + key, "expected a string");
    return it->get<std::string>();
  }

  std::optional<int> port(const json& object, const std::string& path) const {
    auto it = object.find("port");
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<long long>() < 0 || it->get<long long>() > 65535) {
      fail(path + ".port", "expected an integer 0-65535");
    }
    return it->get<int>();
  }

  std::vector<std::string> strings(const json& object, const std::string& path, const char* key) const {
    std::vector<std::string> out;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return out;
    if (!it->is_array()) fail(path + "." + key, "expected a list of strings");
    for (const auto& v : *it) {
      if (!v.is_string()) fail(path + "." + key, "expected a list of strings");
      out.push_back(v.get<std::string>());
    }
    return out;
  }

  std::string kind(const std::string& id, const std::string& path) const {
    if (!find_kind(id)) {
      fail(path, "unknown finding kind '" + id + "' (see `kensa kinds` for the taxonomy)");
    }
    return id;
  }

 private:
  const std::string& origin_;
};

Severity parse_severity(const Reader& reader, const std::string& text, const std::string& path) {
  for (auto s : {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (to_string(s) == text) return s;
  }
  reader.fail(path, "severity '" + text + "', expected info, low, medium, high or critical");
}

CheckStatus parse_status(const Reader& reader, const std::string& text, const std::string& path) {
  for (auto s : {CheckStatus::completed, CheckStatus::error, CheckStatus::timeout,
                 CheckStatus::unreachable, CheckStatus::skipped}) {
    if (to_string(s) == text) return s;
  }
  reader.fail(path, "status '" + text + "', expected completed, error, timeout, unreachable or skipped");
}

}  // namespace

FindingSet parse_findings(std::string_view json_text, const std::string& origin) {
  json root;
  try {
    root = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    const TextPosition pos = position_of(json_text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    throw InputError(origin, pos.line, pos.column, what);
  } catch (const json::exception& e) {
    // e.g. out_of_range 406: a number too large for a double.
    throw InputError(origin, 0, 0, e.what());
  }
  Reader reader(origin);
  reader.only_keys(root, "$", {"schema", "tool", "collector", "started", "finished", "scope", "checks", "findings"});
  const std::string schema = reader.string(root, "$", "schema", true);
  if (schema != kFindingsSchema) {
    reader.fail("$.schema", "is '" + schema + "', this kensa reads '" + std::string(kFindingsSchema) + "'");
  }
  FindingSet set;
  set.origin = origin;
  set.collector = reader.string(root, "$", "collector");
  set.tool = reader.string(root, "$", "tool");

  if (auto it = root.find("checks"); it != root.end()) {
    if (!it->is_array()) reader.fail("$.checks", "expected a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& c = (*it)[i];
      const std::string path = "$.checks[" + std::to_string(i) + "]";
      reader.only_keys(c, path, {"check", "target", "port", "collector", "status", "tests_for", "detail", "duration_ms"});
      CheckRun run;
      run.check = reader.string(c, path, "check", true);
      run.target = reader.string(c, path, "target", true);
      run.port = reader.port(c, path);
      run.collector = reader.string(c, path, "collector");
      if (run.collector.empty()) run.collector = set.collector;
      run.status = parse_status(reader, reader.string(c, path, "status", true), path + ".status");
      run.tests_for = reader.strings(c, path, "tests_for");
      for (std::size_t k = 0; k < run.tests_for.size(); ++k) {
        reader.kind(run.tests_for[k], path + ".tests_for[" + std::to_string(k) + "]");
      }
      run.detail = reader.string(c, path, "detail");
      set.checks.push_back(std::move(run));
    }
  }
  if (auto it = root.find("findings"); it != root.end()) {
    if (!it->is_array()) reader.fail("$.findings", "expected a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& f = (*it)[i];
      const std::string path = "$.findings[" + std::to_string(i) + "]";
      reader.only_keys(f, path, {"check", "kind", "target", "port", "protocol", "service", "path",
                                 "collector", "severity", "title", "evidence_text", "evidence", "cves"});
      Finding finding;
      finding.check = reader.string(f, path, "check", true);
      finding.kind = reader.kind(reader.string(f, path, "kind", true), path + ".kind");
      finding.target = reader.string(f, path, "target", true);
      finding.port = reader.port(f, path);
      finding.protocol = reader.string(f, path, "protocol");
      finding.service = reader.string(f, path, "service");
      finding.path = reader.string(f, path, "path");
      finding.collector = reader.string(f, path, "collector");
      if (finding.collector.empty()) finding.collector = set.collector;
      const std::string severity = reader.string(f, path, "severity");
      finding.severity = severity.empty() ? find_kind(finding.kind)->default_severity
                                          : parse_severity(reader, severity, path + ".severity");
      finding.title = reader.string(f, path, "title");
      if (finding.title.empty()) finding.title = std::string(find_kind(finding.kind)->title);
      finding.evidence_text = reader.string(f, path, "evidence_text");
      if (auto e = f.find("evidence"); e != f.end() && !e->is_null()) {
        if (!e->is_object()) reader.fail(path + ".evidence", "expected an object");
        finding.evidence = *e;
      }
      finding.cves = reader.strings(f, path, "cves");
      set.findings.push_back(std::move(finding));
    }
  }
  return set;
}

json to_json(const CheckRun& run) {
  json j = {{"check", run.check}, {"target", run.target}, {"status", to_string(run.status)},
            {"tests_for", run.tests_for}};
  if (run.port) j["port"] = *run.port;
  if (!run.collector.empty()) j["collector"] = run.collector;
  if (!run.detail.empty()) j["detail"] = run.detail;
  return j;
}

json to_json(const Finding& f) {
  json j = {{"check", f.check}, {"kind", f.kind}, {"target", f.target},
            {"severity", to_string(f.severity)}, {"title", f.title}};
  if (f.port) j["port"] = *f.port;
  for (const auto& [key, value] : {std::pair{"protocol", &f.protocol}, {"service", &f.service},
                                   {"path", &f.path}, {"collector", &f.collector},
                                   {"evidence_text", &f.evidence_text}}) {
    if (!value->empty()) j[key] = *value;
  }
  if (!f.evidence.is_null()) j["evidence"] = f.evidence;
  if (!f.cves.empty()) j["cves"] = f.cves;
  return j;
}

json to_json(const FindingSet& set) {
  json j = {{"schema", kFindingsSchema}, {"checks", json::array()}, {"findings", json::array()}};
  if (!set.collector.empty()) j["collector"] = set.collector;
  if (!set.tool.empty()) j["tool"] = set.tool;
  for (const auto& c : set.checks) j["checks"].push_back(to_json(c));
  for (const auto& f : set.findings) j["findings"].push_back(to_json(f));
  return j;
}

}  // namespace kensa::evidence
