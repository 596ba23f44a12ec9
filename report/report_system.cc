// The `system` section of an assessment of a system model (`kensa assess --model`, built by
// system/system.h): per component, per stakeholder, the roll-up per framework and the risk with
// the evidence, as text and as HTML.
#include <fmt/format.h>

#include "report/labels.h"
#include "report/report.h"

namespace kensa::report {

using nlohmann::json;

namespace {

struct SystemLabels {
  std::string_view system, per_component, per_component_note, per_stakeholder, per_framework,
      per_framework_note, risk, compromised, entry_point, attack_paths, blast, unowned, component,
      stakeholder, requirement, origin, responsible_for, none, reachable, safety_relevant,
      system_wide, evidence;
};

const SystemLabels& system_labels(std::string_view lang) {
  static const SystemLabels en = {
      "System model",
      "Per component",
      "requirements the risk step derived for the component, completed by their equivalents and "
      "parts in other frameworks and by every requirement the component's own evidence fails",
      "Per stakeholder (owner of each failing requirement)",
      "Per framework",
      "a requirement's verdict is its worst verdict over the components it applies to",
      "Risk with the evidence",
      "compromised by evidence",
      "entry point",
      "Attack paths",
      "Blast radius",
      "Failing requirements nobody is responsible for",
      "Component",
      "Stakeholder",
      "Requirement",
      "Origin",
      "responsible for",
      "none",
      "reachable",
      "safety-relevant",
      "the system as a whole",
      "evidence"};
  static const SystemLabels ja = {"システムモデル",
                                  "構成要素別",
                                  "リスク評価が構成要素に導出した要求事項、他フレームワークの同等・"
                                  "部分要求、および構成要素自身の証拠で不適合となった要求事項",
                                  "関係者別（不適合の要求事項の責任者）",
                                  "フレームワーク別",
                                  "要求事項の判定は、適用される構成要素での最も悪い判定",
                                  "証拠を反映したリスク",
                                  "証拠により侵害済み",
                                  "侵入口",
                                  "攻撃経路",
                                  "影響範囲",
                                  "責任者のいない不適合",
                                  "構成要素",
                                  "関係者",
                                  "要求事項",
                                  "由来",
                                  "担当",
                                  "なし",
                                  "到達可能",
                                  "安全関連",
                                  "システム全体",
                                  "証拠"};
  return lang == "ja" ? ja : en;
}

std::string join_strings(const json& list, std::string_view separator) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += separator;
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

std::string counts_line(const json& counts) {
  return fmt::format("PASS {}  FAIL {}  N/A {}  NEEDS {}  INCONC {}", counts.value("PASS", 0),
                     counts.value("FAIL", 0), counts.value("NOT_APPLICABLE", 0),
                     counts.value("NEEDS_EVIDENCE", 0), counts.value("INCONCLUSIVE", 0));
}

std::string title_of(const json& row, std::string_view lang) {
  const std::string primary = row.value(lang == "ja" ? "title_ja" : "title_en", "");
  return truncate_utf8(primary.empty() ? row.value("title_en", "") : primary, 90);
}

std::string reason_of(const json& row, std::string_view lang) {
  const std::string ja = row.value("reason_ja", "");
  return lang == "ja" && !ja.empty() ? ja : row.value("reason", "");
}

std::string origin_of(const json& row) {
  std::string out = row.value("origin", "");
  if (out == "risk" || out == "mapped") out += fmt::format(" p{}", row.value("priority", 3));
  if (!row.at("from").empty()) out += " from " + join_strings(row.at("from"), ",");
  return out;
}

std::string path_text(const json& p) {
  std::string hops;
  for (const auto& h : p.at("hops")) {
    if (!hops.empty()) hops += " → ";
    hops += h.value("component", "");
  }
  return fmt::format("{} (cost {}, entry: {})", hops, p.value("cost", 0),
                     p.value("entry_reason", ""));
}

std::string component_text(const json& c, const SystemLabels& sl, std::string_view lang) {
  std::string out = fmt::format("  {} — {}", c.value("id", ""), c.value("name", ""));
  if (c.contains("layer"))
    out += fmt::format(" ({}, {})", c.value("layer", ""), c.value("kind", ""));
  if (c.contains("compromised") && !c.at("compromised").empty()) {
    std::string kinds;
    for (const auto& k : c.at("compromised")) {
      const std::string kind = k.value("kind", "");
      if (kinds.find(kind) == std::string::npos) kinds += (kinds.empty() ? "" : ",") + kind;
    }
    out += fmt::format("  [{}: {}]", sl.compromised, kinds);
  }
  if (c.value("entry_point", false)) out += fmt::format("  [{}]", sl.entry_point);
  out += "\n";
  if (c.contains("evidence") && !c.at("evidence").empty()) {
    std::string links;
    for (const auto& e : c.at("evidence"))
      links += (links.empty() ? "" : ", ") + e.value("kind", "") + " " + e.value("value", "");
    out += fmt::format("      {}: {}\n", sl.evidence, links);
  }
  out += "      " + counts_line(c.at("counts")) + "\n";
  for (const auto& row : c.at("requirements")) {
    const std::string v = row.value("verdict", "");
    if (v != "FAIL" && v != "INCONCLUSIVE") continue;
    out += fmt::format("      {:<12} {:<24} {}  [{}]\n", v, row.value("requirement", ""),
                       title_of(row, lang), origin_of(row));
    out += fmt::format("          {}\n", truncate_utf8(reason_of(row, lang), 200));
  }
  return out;
}

}  // namespace

std::string render_system_text(const json& a, std::string_view lang) {
  if (!a.contains("system")) return "";
  const json& s = a.at("system");
  const SystemLabels& sl = system_labels(lang);
  std::string out = fmt::format("\n{}: {} ({}), {}\n", sl.system, s.value("name", ""),
                                s.value("id", ""), s.value("model", ""));
  out += fmt::format("\n{} ({}):\n", sl.per_component, sl.per_component_note);
  for (const auto& c : s.at("components")) out += component_text(c, sl, lang);
  json whole = s.at("system");
  whole["name"] = std::string(sl.system_wide);
  out += component_text(whole, sl, lang);

  out += fmt::format("\n{} ({}):\n", sl.per_framework, sl.per_framework_note);
  out += fmt::format("  {:<30} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}\n", "", "total", "PASS", "FAIL",
                     "N/A", "NEEDS", "INCONC");
  for (const auto& fw : s.at("frameworks")) {
    const json& c = fw.at("counts");
    out += fmt::format("  {:<30} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6}\n", fw.value("short", ""),
                       fw.value("requirements", 0), c.value("PASS", 0), c.value("FAIL", 0),
                       c.value("NOT_APPLICABLE", 0), c.value("NEEDS_EVIDENCE", 0),
                       c.value("INCONCLUSIVE", 0));
  }

  out += fmt::format("\n{}:\n", sl.per_stakeholder);
  for (const auto& h : s.at("stakeholders")) {
    std::string sh = h.value("smarthome", "");
    out += fmt::format(
        "  {} — {}{}: {} {}\n", h.value("id", ""), h.value("name", ""), sh.empty() ? "" : " " + sh,
        sl.responsible_for,
        h.at("components").empty() ? std::string(sl.none) : join_strings(h.at("components"), ", "));
    out += "      " + counts_line(h.at("counts")) + "\n";
    for (const auto& f : h.at("failing")) {
      const std::string title = f.value(lang == "ja" ? "title_ja" : "title_en", "");
      out += fmt::format("      FAIL {:<16} {:<24} {}\n", f.value("component", ""),
                         f.value("requirement", ""), truncate_utf8(title, 80));
    }
  }
  if (!s.at("unowned_failures").empty()) {
    out += fmt::format("  {}:\n", sl.unowned);
    for (const auto& f : s.at("unowned_failures"))
      out += fmt::format("      FAIL {:<16} {}\n", f.value("component", ""),
                         f.value("requirement", ""));
  }

  const json& r = s.at("risk");
  out += fmt::format("\n{}:\n", sl.risk);
  for (const auto& c : r.at("compromised")) {
    out += fmt::format("  {}: {} ({} from {})\n", sl.compromised, c.value("component", ""),
                       c.value("finding_kind", ""), c.value("origin", ""));
  }
  out += fmt::format("  {}:\n", sl.attack_paths);
  std::size_t shown = 0;
  for (const auto& p : r.at("attack_paths")) {
    if (++shown > 10) break;
    out += "    " + path_text(p) + "\n";
  }
  if (r.at("attack_paths").empty()) out += fmt::format("    {}\n", sl.none);
  out += fmt::format("  {}:\n", sl.blast);
  for (const auto& b : r.at("blast_radius")) {
    out += fmt::format("    {}: {} {}, {} {}\n", b.value("component", ""), b.value("reachable", 0),
                       sl.reachable, b.value("safety_relevant", 0), sl.safety_relevant);
  }
  return out;
}

std::string render_system_html(const json& a, std::string_view lang) {
  if (!a.contains("system")) return "";
  const json& s = a.at("system");
  const Labels& l = labels(lang);
  const SystemLabels& sl = system_labels(lang);
  auto badge = [&](const std::string& v) {
    std::string cls(v);
    for (auto& ch : cls)
      ch = static_cast<char>(ch == '_' ? '-' : std::tolower(static_cast<unsigned char>(ch)));
    return fmt::format("<span class=\"v v-{}\">{}</span>", cls, verdict_label(l, v));
  };
  std::string out = fmt::format("<h2 id=\"system\">{}: {}</h2><p><code>{}</code></p>\n", sl.system,
                                xml_escape(s.value("name", "")), xml_escape(s.value("model", "")));

  out += fmt::format("<h3 id=\"system-components\">{}</h3><p>{}</p>\n", sl.per_component,
                     sl.per_component_note);
  json units = s.at("components");
  json whole = s.at("system");
  whole["name"] = std::string(sl.system_wide);
  units.push_back(whole);
  for (const auto& c : units) {
    std::string flags;
    if (c.contains("compromised") && !c.at("compromised").empty())
      flags += fmt::format(" <span class=\"v v-fail\">{}</span>", sl.compromised);
    if (c.value("entry_point", false)) flags += fmt::format(" <i>{}</i>", sl.entry_point);
    out += fmt::format("<h4 id=\"component-{}\"><code>{}</code> {}{}</h4>\n",
                       xml_escape(c.value("id", "")), xml_escape(c.value("id", "")),
                       xml_escape(c.value("name", "")), flags);
    if (c.contains("evidence") && !c.at("evidence").empty()) {
      out += "<p>" + std::string(l.evidence) + ": ";
      for (const auto& e : c.at("evidence"))
        out += fmt::format("<code>{} {}</code> ", xml_escape(e.value("kind", "")),
                           xml_escape(e.value("value", "")));
      out += "</p>\n";
    }
    out += fmt::format("<p>{}</p>\n", xml_escape(counts_line(c.at("counts"))));
    out += fmt::format("<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
                       sl.requirement, l.verdict, sl.origin, l.reason);
    for (const auto& row : c.at("requirements")) {
      const std::string v = row.value("verdict", "");
      std::string cls = v;
      for (auto& ch : cls)
        ch = static_cast<char>(ch == '_' ? '-' : std::tolower(static_cast<unsigned char>(ch)));
      out += fmt::format(
          "<tr class=\"r\" data-v=\"{}\"><td><code>{}</code><br>{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td></tr>\n",
          cls, xml_escape(row.value("requirement", "")), xml_escape(title_of(row, lang)), badge(v),
          xml_escape(origin_of(row)), xml_escape(reason_of(row, lang)));
    }
    out += "</table>\n";
  }

  out += fmt::format(
      "<h3 id=\"system-frameworks\">{}</h3><p>{}</p><table>\n<tr><th>{}</th><th>total</th>",
      sl.per_framework, sl.per_framework_note, l.framework);
  for (auto v : {"PASS", "FAIL", "NOT_APPLICABLE", "NEEDS_EVIDENCE", "INCONCLUSIVE"})
    out += fmt::format("<th>{}</th>", verdict_label(l, v));
  out += "</tr>\n";
  for (const auto& fw : s.at("frameworks")) {
    const json& c = fw.at("counts");
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        xml_escape(fw.value("short", "")), fw.value("requirements", 0), c.value("PASS", 0),
        c.value("FAIL", 0), c.value("NOT_APPLICABLE", 0), c.value("NEEDS_EVIDENCE", 0),
        c.value("INCONCLUSIVE", 0));
  }
  out += "</table>\n";

  out += fmt::format("<h3 id=\"system-stakeholders\">{}</h3><table>\n", sl.per_stakeholder);
  out += fmt::format("<tr><th>{}</th><th>{}</th><th>{}</th></tr>\n", sl.stakeholder,
                     sl.responsible_for, l.fail);
  for (const auto& h : s.at("stakeholders")) {
    std::string failing;
    for (const auto& f : h.at("failing")) {
      failing +=
          fmt::format("<code>{}</code> <code>{}</code> {}<br>",
                      xml_escape(f.value("component", "")), xml_escape(f.value("requirement", "")),
                      xml_escape(f.value(lang == "ja" ? "title_ja" : "title_en", "")));
    }
    out += fmt::format(
        "<tr><td><b>{}</b> {} {}<br><small>{}</small></td><td>{}</td><td>{}</td></tr>\n",
        xml_escape(h.value("id", "")), xml_escape(h.value("name", "")),
        xml_escape(h.value("smarthome", "")), xml_escape(counts_line(h.at("counts"))),
        xml_escape(join_strings(h.at("components"), ", ")), failing.empty() ? "—" : failing);
  }
  out += "</table>\n";
  if (!s.at("unowned_failures").empty()) {
    out += fmt::format("<p><b>{}</b>: ", sl.unowned);
    for (const auto& f : s.at("unowned_failures"))
      out += fmt::format("<code>{} {}</code> ", xml_escape(f.value("component", "")),
                         xml_escape(f.value("requirement", "")));
    out += "</p>\n";
  }

  const json& r = s.at("risk");
  out += fmt::format("<h3 id=\"system-risk\">{}</h3><ul>\n", sl.risk);
  for (const auto& c : r.at("compromised")) {
    out +=
        fmt::format("<li>{}: <code>{}</code> ({})</li>\n", sl.compromised,
                    xml_escape(c.value("component", "")), xml_escape(c.value("finding_kind", "")));
  }
  out += "</ul>\n";
  out += fmt::format("<p><b>{}</b></p><ol>\n", sl.attack_paths);
  for (const auto& p : r.at("attack_paths")) out += "<li>" + xml_escape(path_text(p)) + "</li>\n";
  out += "</ol>\n";
  out += fmt::format("<p><b>{}</b></p><ul>\n", sl.blast);
  for (const auto& b : r.at("blast_radius")) {
    out += fmt::format("<li><code>{}</code>: {} {}, {} {}</li>\n",
                       xml_escape(b.value("component", "")), b.value("reachable", 0), sl.reachable,
                       b.value("safety_relevant", 0), sl.safety_relevant);
  }
  out += "</ul>\n";
  return out;
}

}  // namespace kensa::report
