#include "report/report.h"

#include <fmt/format.h>

#include "base/error.h"

namespace kensa::report {

using nlohmann::json;

const std::vector<std::string_view>& format_names() {
  static const std::vector<std::string_view> names = {"json", "html", "sarif", "junit",
                                                       "text", "jcstar", "stakeholders"};
  return names;
}

std::optional<Format> parse_format(std::string_view name) {
  const auto& names = format_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<Format>(i);
  }
  return std::nullopt;
}

std::string_view extension(Format format) {
  switch (format) {
    case Format::json: return "json";
    case Format::html: return "html";
    case Format::sarif: return "sarif";
    case Format::junit: return "junit.xml";
    case Format::text: return "txt";
    case Format::jcstar: return "jcstar.txt";
    case Format::stakeholders: return "stakeholders.txt";
  }
  return "txt";
}

void check_assessment(const json& doc, const std::string& origin) {
  if (!doc.is_object() || doc.value("schema", "") != "kensa.assessment/1") {
    throw InputError(origin, 0, 0, "not a kensa assessment (expected \"schema\": \"kensa.assessment/1\")");
  }
  for (const char* key : {"frameworks", "verdicts", "findings", "checks"}) {
    if (!doc.contains(key) || !doc[key].is_array()) {
      throw InputError(origin, 0, 0, std::string("assessment lacks the list '") + key + "'");
    }
  }
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // XML 1.0 forbids most control characters; evidence from hostile devices may carry them.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string pick(const json& verdict, std::string_view field, std::string_view lang) {
  const std::string primary = std::string(field) + (lang == "ja" ? "_ja" : "_en");
  const std::string secondary = std::string(field) + (lang == "ja" ? "_en" : "_ja");
  std::string value = verdict.value(primary, "");
  if (value.empty()) value = verdict.value(secondary, "");
  return value;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  // Step back over continuation bytes (10xxxxxx) so a multi-byte character is never split.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

std::string label(const json& verdict, std::string_view lang, std::size_t max_bytes) {
  // The reader's language first, even when that means the start of a text instead of a title.
  const std::string other = lang == "ja" ? "en" : "ja";
  const std::string own = lang == "ja" ? "ja" : "en";
  for (const std::string& key : {"title_" + own, "text_" + own, "title_" + other, "text_" + other}) {
    std::string value = verdict.value(key, "");
    if (!value.empty()) return truncate_utf8(value, max_bytes);
  }
  return verdict.value("requirement", "");
}

std::string reason(const json& verdict, std::string_view lang) {
  if (lang == "ja" && !verdict.value("reason_ja", "").empty()) return verdict.value("reason_ja", "");
  return verdict.value("reason", "");
}

std::vector<std::string> missing(const json& verdict, std::string_view lang) {
  const char* key = lang == "ja" && verdict.contains("missing_ja") ? "missing_ja" : "missing";
  std::vector<std::string> out;
  if (verdict.contains(key) && verdict[key].is_array()) {
    for (const auto& m : verdict[key]) out.push_back(m.is_string() ? m.get<std::string>() : m.dump());
  }
  return out;
}

std::string render(const json& assessment, Format format, std::string_view lang) {
  switch (format) {
    case Format::json: return assessment.dump(2) + "\n";
    case Format::html: return render_html(assessment, lang);
    case Format::sarif: return render_sarif(assessment, lang);
    case Format::junit: return render_junit(assessment, lang);
    case Format::text: return render_text(assessment, lang);
    case Format::jcstar: return render_jcstar(assessment, lang);
    case Format::stakeholders: return render_stakeholders(assessment, lang);
  }
  return {};
}

}  // namespace kensa::report
