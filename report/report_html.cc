// One self-contained HTML file: no external resources, charts as inline SVG, a few lines of
// script for the verdict filter. Written for a reader who is not a security engineer: every
// verdict says why in a sentence, and the legend explains the five verdicts.
#include <fmt/format.h>

#include <map>

#include "evidence/evidence.h"
#include "report/labels.h"
#include "report/report.h"

namespace kensa::report {

using nlohmann::json;

namespace {

constexpr std::string_view kVerdicts[] = {"PASS", "FAIL", "NOT_APPLICABLE", "NEEDS_EVIDENCE",
                                          "INCONCLUSIVE"};

std::string_view colour(std::string_view verdict) {
  if (verdict == "PASS") return "#2e7d32";
  if (verdict == "FAIL") return "#c62828";
  if (verdict == "NOT_APPLICABLE") return "#9e9e9e";
  if (verdict == "INCONCLUSIVE") return "#6a1b9a";
  return "#ef8f00";
}

std::string css_class(std::string_view verdict) {
  std::string out(verdict);
  for (auto& c : out)
    c = static_cast<char>(c == '_' ? '-' : std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string chart(const json& fw, const Labels& l) {
  const json& counts = fw["counts"];
  const double total = std::max(1, fw.value("requirements", 0));
  constexpr double kWidth = 560;
  std::string bars;
  std::string legend;
  double x = 0;
  double lx = 0;
  for (auto v : kVerdicts) {
    const int n = counts.value(std::string(v), 0);
    const double w = kWidth * n / total;
    if (n > 0) {
      bars += fmt::format(
          "<rect x=\"{:.1f}\" y=\"0\" width=\"{:.1f}\" height=\"22\" fill=\"{}\"><title>{} "
          "{}</title></rect>",
          x, w, colour(v), verdict_label(l, v), n);
    }
    legend += fmt::format(
        "<rect x=\"{:.0f}\" y=\"30\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.0f}\" "
        "y=\"39\" font-size=\"11\">{} {}</text>",
        lx, colour(v), lx + 14, xml_escape(verdict_label(l, v)), n);
    x += w;
    lx += 112;
  }
  return fmt::format(
      "<svg class=\"chart\" role=\"img\" width=\"{:.0f}\" height=\"44\" viewBox=\"0 0 {:.0f} 44\" "
      "xmlns=\"http://www.w3.org/2000/svg\">{}{}</svg>",
      kWidth, kWidth, bars, legend);
}

std::string evidence_block(const json& a, const json& v, const Labels& l, std::string_view lang) {
  std::string out;
  if (!v["findings"].empty()) {
    out += fmt::format("<p><b>{}</b></p><ul>", l.findings);
    for (const auto& index : v["findings"]) {
      const json& f = a["findings"].at(index.get<std::size_t>());
      std::string where = f.value("target", "");
      if (f.contains("port")) where += ":" + f["port"].dump();
      if (!f.value("path", "").empty()) where += " " + f.value("path", "");
      // Collectors title findings in English; a Japanese reader gets the kind's Japanese title
      // first and the collector's specific wording after it.
      std::string title = xml_escape(f.value("title", ""));
      if (lang == "ja") {
        title = xml_escape(std::string(evidence::kind_title_ja(f.value("kind", "")))) +
                "（<span lang=\"en\">" + title + "</span>）";
      }
      out += fmt::format(
          "<li><span class=\"sev sev-{}\">{}</span> <code>{}</code> {} — <code>{}</code>{}</li>",
          xml_escape(f.value("severity", "")), xml_escape(f.value("severity", "")),
          xml_escape(f.value("kind", "")), title, xml_escape(where),
          f.value("evidence_text", "").empty()
              ? ""
              : "<br><small>" + xml_escape(f.value("evidence_text", "")) + "</small>");
    }
    out += "</ul>";
  }
  if (!v["checks"].empty()) {
    out += fmt::format("<p><b>{}</b></p><ul>", l.checks_run);
    for (const auto& index : v["checks"]) {
      const json& c = a["checks"].at(index.get<std::size_t>());
      std::string where = c.value("target", "");
      if (c.contains("port")) where += ":" + c["port"].dump();
      out += fmt::format(
          "<li><code>{}</code> on <code>{}</code>: {}{}</li>", xml_escape(c.value("check", "")),
          xml_escape(where), xml_escape(c.value("status", "")),
          c.value("detail", "").empty() ? "" : " — " + xml_escape(c.value("detail", "")));
    }
    out += "</ul>";
  }
  if (!v["sources"].empty()) {
    out += fmt::format("<p><b>{}</b></p><ul>", l.sources);
    for (const auto& s : v["sources"]) {
      const std::string verdict = s.value("verdict", "");
      out += fmt::format("<li><a href=\"#{}\">{}</a> <span class=\"v v-{}\">{}</span></li>",
                         xml_escape(s.value("requirement", "")),
                         xml_escape(s.value("requirement", "")), css_class(verdict),
                         xml_escape(verdict_label(l, verdict)));
    }
    out += "</ul>";
  }
  if (v.contains("answer")) {
    const json& ans = v["answer"];
    out += fmt::format("<p><b>{}</b>: {}", l.answer, xml_escape(ans.value("status", "")));
    for (const char* key : {"justification", "ixit"}) {
      if (!ans.value(key, "").empty()) out += " — " + xml_escape(ans.value(key, ""));
    }
    for (const auto& e : ans["evidence"]) out += " [" + xml_escape(e.get<std::string>()) + "]";
    out += "</p>";
  }
  if (const auto still = missing(v, lang); !still.empty()) {
    out += fmt::format("<p><b>{}</b>: ", l.missing);
    bool first = true;
    for (const auto& m : still) {
      out += (first ? "" : "; ") + xml_escape(m);
      first = false;
    }
    out += "</p>";
  }
  out += fmt::format("<p class=\"rule\">{}: {} · {}</p>", l.basis, xml_escape(v.value("basis", "")),
                     xml_escape(v.value("rule", "")));
  return out;
}

std::string row(const json& a, const json& v, const Labels& l, std::string_view lang, bool anchor) {
  const std::string verdict = v.value("verdict", "");
  const std::string text = pick(v, "text", lang);
  const std::string title = label(v, lang, 200);
  std::string level;
  if (!v.value("level", "").empty())
    level = " <small>(" + xml_escape(v.value("level", "")) + ")</small>";
  if (v.value("unverified", false)) level += " <small>(" + std::string(l.unverified) + ")</small>";
  return fmt::format(
      "<tr class=\"r\" data-v=\"{cls}\"{anchor}><td><code>{id}</code></td><td><span class=\"v "
      "v-{cls}\">{label}</span></td>"
      "<td><details><summary>{title}{level}</summary><p "
      "class=\"text\">{text}</p>{evidence}</details>"
      "<div class=\"reason\">{reason}</div></td></tr>\n",
      fmt::arg("cls", css_class(verdict)),
      fmt::arg("anchor", anchor ? " id=\"" + xml_escape(v.value("requirement", "")) + "\"" : ""),
      fmt::arg("id", xml_escape(v.value("id", ""))),
      fmt::arg("label", xml_escape(verdict_label(l, verdict))),
      fmt::arg("title", xml_escape(title)), fmt::arg("level", level),
      fmt::arg("text", xml_escape(text)), fmt::arg("evidence", evidence_block(a, v, l, lang)),
      fmt::arg("reason", xml_escape(reason(v, lang))));
}

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,"Noto Sans CJK JP","Hiragino Sans",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:4px 6px;vertical-align:top;text-align:left}
.v{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:.85em;white-space:nowrap}
.v-pass{background:#2e7d32}.v-fail{background:#c62828}.v-not-applicable{background:#9e9e9e}.v-needs-evidence{background:#ef8f00}.v-inconclusive{background:#6a1b9a}
tr.r .v{min-width:7em;text-align:center}.reason{color:#555;font-size:.9em}.rule{color:#888;font-size:.8em}
.text{white-space:pre-wrap}summary{cursor:pointer}.sev{font-size:.8em;padding:0 4px;border:1px solid #999;border-radius:2px}
.sev-high,.sev-critical{border-color:#c62828;color:#c62828}.filters label{margin-right:1em}.legend{color:#555;font-size:.9em}
.summary td{vertical-align:middle}.hide{display:none}
)";

constexpr std::string_view kScript = R"(
(function(){
  window.addEventListener('error', function(){ document.body.setAttribute('data-error','1'); });
  var boxes = document.querySelectorAll('.filters input');
  function apply(){
    var show = {};
    boxes.forEach(function(b){ show[b.value] = b.checked; });
    document.querySelectorAll('tr.r').forEach(function(tr){
      tr.classList.toggle('hide', !show[tr.getAttribute('data-v')]);
    });
  }
  boxes.forEach(function(b){ b.addEventListener('change', apply); });
  apply();
  document.body.setAttribute('data-ready','1');
})();
)";

}  // namespace

std::string render_html(const json& a, std::string_view lang) {
  const Labels& l = labels(lang);
  const json& p = a["product"];
  std::string product =
      xml_escape(p.value("vendor", "") + " " + p.value("name", "") + " " + p.value("model", ""));
  if (!p.value("firmware_version", "").empty())
    product += " · firmware " + xml_escape(p.value("firmware_version", ""));

  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} — "
      "{}</title><style>{}</style></head><body>\n",
      lang == "ja" ? "ja" : "en", l.title, product, kStyle);
  out += fmt::format("<h1>{}</h1><p><b>{}</b>: {}</p>\n", l.title, l.product, product);
  out += fmt::format("<p class=\"legend\">{}</p>\n", l.verdict_help);

  out +=
      fmt::format("<h2>{}</h2><table class=\"summary\"><tr><th>{}</th><th>{}</th><th></th></tr>\n",
                  l.summary, l.framework, l.requirements);
  for (const auto& fw : a["frameworks"]) {
    const std::string name = lang == "ja" && !fw.value("name_ja", "").empty()
                                 ? fw.value("name_ja", "")
                                 : fw.value("name_en", "");
    out += fmt::format(
        "<tr><td><a "
        "href=\"#fw-{}\"><b>{}</b></a><br><small>{}</small></td><td>{}</td><td>{}</td></tr>\n",
        xml_escape(fw.value("id", "")), xml_escape(fw.value("short", "")), xml_escape(name),
        fw.value("requirements", 0), chart(fw, l));
  }
  out += "</table>\n";

  out += fmt::format("<p class=\"filters\">{}: ", l.filter);
  for (auto v : kVerdicts) {
    out += fmt::format(
        "<label><input type=\"checkbox\" value=\"{}\" checked> <span class=\"v "
        "v-{}\">{}</span></label>",
        css_class(v), css_class(v), verdict_label(l, v));
  }
  out += "</p>\n";
  out += render_devices_html(a, lang);
  out += render_system_html(a, lang);

  // JC-STAR ★1 checklist and the smart-home stakeholder view come first: they are what the
  // first users (Japanese makers and integrators) look for.
  out += fmt::format(
      "<h2 id=\"jcstar\">{}</h2><table>\n<tr><th>ID</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
      l.jcstar_view, l.verdict, l.eval, l.reason);
  for (const auto& v : a["verdicts"]) {
    if (v.value("framework", "") != "jcstar1") continue;
    const std::string eval = v.value("eval", "unknown");
    const std::string verdict = v.value("verdict", "");
    out += fmt::format(
        "<tr class=\"r\" data-v=\"{}\"><td><a href=\"#{}\"><code>{}</code></a><br>{}</td><td><span "
        "class=\"v v-{}\">{}</span></td><td>{}</td><td>{}</td></tr>\n",
        css_class(verdict), xml_escape(v.value("requirement", "")), xml_escape(v.value("id", "")),
        xml_escape(label(v, lang)), css_class(verdict), verdict_label(l, verdict),
        eval == "document" ? l.document
        : eval == "device" ? l.device
                           : l.unknown,
        xml_escape(reason(v, lang)));
  }
  out += "</table>\n";

  std::map<std::string, std::vector<const json*>> by_stakeholder;
  for (const auto& v : a["verdicts"]) {
    if (v.value("framework", "") != "smarthome" || !v.contains("stakeholders")) continue;
    for (const auto& s : v["stakeholders"]) by_stakeholder[s.get<std::string>()].push_back(&v);
  }
  if (!by_stakeholder.empty()) {
    out += fmt::format("<h2 id=\"stakeholders\">{}</h2>\n", l.stakeholder_view);
    for (const auto& [stakeholder, verdicts] : by_stakeholder) {
      std::string name = stakeholder;
      const std::string key = "smarthome:" + stakeholder;
      if (a.contains("stakeholders") && a["stakeholders"].contains(key))
        name += " " + pick(a["stakeholders"][key], "title", lang);
      out += fmt::format("<h3>{}</h3><table>\n", xml_escape(name));
      for (const json* v : verdicts) out += row(a, *v, l, lang, false);
      out += "</table>\n";
    }
  }

  for (const auto& fw : a["frameworks"]) {
    const std::string id = fw.value("id", "");
    const std::string name = lang == "ja" && !fw.value("name_ja", "").empty()
                                 ? fw.value("name_ja", "")
                                 : fw.value("name_en", "");
    out += fmt::format(
        "<h2 id=\"fw-{}\">{}</h2><p>{}</p>{}<table>\n<tr><th>ID</th><th>{}</th><th>{}</th></tr>\n",
        xml_escape(id), xml_escape(fw.value("short", "")), xml_escape(name), chart(fw, l),
        l.verdict, l.requirements);
    for (const auto& v : a["verdicts"]) {
      if (v.value("framework", "") == id) out += row(a, v, l, lang, true);
    }
    out += "</table>\n";
  }

  out += fmt::format("<h2>{}</h2><ul>", l.generated_from);
  for (const auto& input : a["inputs"])
    out += "<li><code>" + xml_escape(input.get<std::string>()) + "</code></li>";
  out += "</ul>\n";
  out += fmt::format("<script>{}</script>\n</body></html>\n", kScript);
  return out;
}

}  // namespace kensa::report
