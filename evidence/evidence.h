#pragma once
// The one schema every collector writes and the verdict engine reads (documented in
// evidence/SCHEMA.md, JSON Schema in evidence/findings.schema.json):
//  - findings: what a check found, each of one `kind` from the shared taxonomy below;
//  - check runs: every check that ran, with the kinds it tested for and how it ended, because a
//    PASS needs proof that the test ran;
//  - a questionnaire: the maker's ICS/IXIT answers (TS 103 701) for any catalog requirement.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kensa::evidence {

inline constexpr std::string_view kFindingsSchema = "kensa.findings/1";
inline constexpr std::string_view kQuestionnaireSchema = "kensa.questionnaire/1";

enum class Severity { info, low, medium, high, critical };
std::string_view to_string(Severity severity);

// One entry of the shared taxonomy of finding kinds.
struct Kind {
  std::string_view id;     // e.g. "default-credential"
  std::string_view title;  // one line, for people
  Severity default_severity;
};
const std::vector<Kind>& kinds();
const Kind* find_kind(std::string_view id);
// The kind's title in Japanese; the English title where no translation exists (a test forbids
// that).
std::string_view kind_title_ja(std::string_view id);

// How a check run ended. Only `completed` proves the absence of what the check tests for.
enum class CheckStatus { completed, error, timeout, unreachable, skipped };
std::string_view to_string(CheckStatus status);

struct CheckRun {
  std::string check;   // check id, e.g. "probe.telnet.default-login"
  std::string target;  // address, host name, image path or capture file
  std::optional<int> port;
  std::string collector;  // probe | traffic | firmware | document (filled from the file if absent)
  CheckStatus status = CheckStatus::completed;
  std::vector<std::string> tests_for;  // finding kinds this check would report
  std::string detail;                  // why it did not complete, or what it covered
};

struct Finding {
  std::string check;
  std::string kind;
  std::string target;
  std::optional<int> port;
  std::string protocol;  // tcp | udp | ... (optional)
  std::string service;   // telnet, http, mqtt ... (optional)
  std::string path;      // URL path, file path inside an image, topic ... (optional)
  std::string collector;
  Severity severity = Severity::medium;
  std::string title;
  std::string evidence_text;  // human-readable proof, secrets masked
  nlohmann::json evidence;    // structured proof (free form object)
  std::vector<std::string> cves;
};

struct FindingSet {
  std::string origin;  // file name the set was read from
  std::string collector;
  std::string tool;  // producer name and version
  std::vector<CheckRun> checks;
  std::vector<Finding> findings;
};

// Parses a findings document. Throws InputError with file:line:column for malformed JSON, and
// names unknown kinds, statuses or fields.
FindingSet parse_findings(std::string_view json_text, const std::string& origin);
nlohmann::json to_json(const FindingSet& set);
nlohmann::json to_json(const Finding& finding);
nlohmann::json to_json(const CheckRun& run);

// ---- Questionnaire (ICS + IXIT) ----

enum class AnswerStatus { supported, not_supported, not_applicable };
std::string_view to_string(AnswerStatus status);

struct Answer {
  std::string requirement;  // qualified catalog id as written, e.g. "en303645:5.1-1"
  AnswerStatus status = AnswerStatus::supported;
  std::string justification;          // required for not_applicable (TS 103 701 ICS)
  std::string ixit;                   // how it is implemented (IXIT)
  std::vector<std::string> evidence;  // documents, URLs
  std::size_t line = 0;               // where in the file, for messages
};

struct Questionnaire {
  std::string origin;
  std::string product_name, product_model, product_vendor, firmware_version;
  bool constrained = false;               // device is constrained in the EN 303 645 sense
  std::vector<std::string> roles;         // audience roles in scope; empty = all
  std::map<std::string, Answer> answers;  // by requirement id as written
};

// Parses questionnaire YAML; throws InputError with file:line:column.
Questionnaire parse_questionnaire(std::string_view yaml_text, const std::string& origin);

}  // namespace kensa::evidence
