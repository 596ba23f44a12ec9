#pragma once
// Reports render from the assessment document (verdict::to_json, schema kensa.assessment/1), so
// `kensa report` can re-render a saved assessment without the evidence or the engine.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kensa::report {

enum class Format { json, html, sarif, junit, text, jcstar, stakeholders };
std::optional<Format> parse_format(std::string_view name);
std::string_view extension(Format format);
const std::vector<std::string_view>& format_names();

// Throws InputError (naming `origin`) unless `doc` is a kensa.assessment/1 document.
void check_assessment(const nlohmann::json& doc, const std::string& origin);

// `lang` is "en" or "ja": labels and requirement texts in that language (falling back to the
// other language where a catalog has no text).
std::string render(const nlohmann::json& assessment, Format format, std::string_view lang);

// Individual renderers (report_*.cc).
std::string render_html(const nlohmann::json& assessment, std::string_view lang);
std::string render_sarif(const nlohmann::json& assessment, std::string_view lang);
std::string render_junit(const nlohmann::json& assessment, std::string_view lang);
std::string render_text(const nlohmann::json& assessment, std::string_view lang);
std::string render_jcstar(const nlohmann::json& assessment, std::string_view lang);
std::string render_stakeholders(const nlohmann::json& assessment, std::string_view lang);
// The `system` section of an assessment of a system model (report_system.cc): per component, per
// stakeholder, per framework, risk with the evidence. Empty when the document has none.
std::string render_system_text(const nlohmann::json& assessment, std::string_view lang);
std::string render_system_html(const nlohmann::json& assessment, std::string_view lang);
// The `devices` section (per-device verdicts of a multi-target assessment, report_devices.cc),
// worst device first. Empty when the document has none.
std::string render_devices_text(const nlohmann::json& assessment, std::string_view lang);
std::string render_devices_html(const nlohmann::json& assessment, std::string_view lang);

// What changed between two assessments (schema kensa.diff/1): verdict changes, requirements
// added or removed (catalog updates), findings new and resolved.
nlohmann::json diff(const nlohmann::json& before, const nlohmann::json& after);
std::string render_diff(const nlohmann::json& diff, std::string_view lang);

// Helpers shared by renderers.
std::string xml_escape(std::string_view text);
// Requirement text/title in `lang`, falling back to the other language.
std::string pick(const nlohmann::json& verdict, std::string_view field, std::string_view lang);
// A requirement's short label: its title, or the start of its text when it has none.
std::string label(const nlohmann::json& verdict, std::string_view lang,
                  std::size_t max_bytes = 120);
// The verdict's reason in `lang`.
std::string reason(const nlohmann::json& verdict, std::string_view lang);
// What is still missing, in `lang`.
std::vector<std::string> missing(const nlohmann::json& verdict, std::string_view lang);
// At most `max_bytes` of `text`, cut at a UTF-8 character boundary, with "…" when cut.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace kensa::report
