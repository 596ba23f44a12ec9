// The `devices` section (verdict::per_target_json): per-device verdicts of an assessment that
// covers several targets, worst device first, so whoever hunts weak devices on a network sees
// which ones to fix before reading per-requirement detail.
#include <fmt/format.h>

#include <algorithm>

#include "report/labels.h"
#include "report/report.h"

namespace kensa::report {

using nlohmann::json;

namespace {

struct DeviceLabels {
  std::string_view heading, note, device, failing, kinds;
};

const DeviceLabels& device_labels(std::string_view lang) {
  static const DeviceLabels en = {
      "Per device",
      "each decided from its own evidence only, without the questionnaire, which describes the "
      "product; worst first",
      "Device", "Failing requirements", "What was found"};
  static const DeviceLabels ja = {"機器別",
                                  "各機器をその機器自身の証拠だけで判定（質問票は製品を記述するもの"
                                  "で、ネットワーク上の各機器ではない）。不適合の多い順",
                                  "機器", "不適合の要求事項", "検出事項"};
  return lang == "ja" ? ja : en;
}

// Frameworks shown by name in the per-device lines, in this order; the others count in totals.
constexpr std::string_view kShown[] = {"en303645", "jcstar1"};

int total(const json& device, const char* outcome) {
  int n = 0;
  for (const auto& [fw, c] : device.at("counts").items()) n += c.value(outcome, 0);
  return n;
}

std::vector<const json*> worst_first(const json& devices) {
  std::vector<const json*> out;
  for (const auto& d : devices) out.push_back(&d);
  std::stable_sort(out.begin(), out.end(), [](const json* a, const json* b) {
    return total(*a, "FAIL") > total(*b, "FAIL");
  });
  return out;
}

// The framework's short name from the document ("EN 303 645"), its id when absent.
std::string short_name(const json& a, std::string_view framework) {
  for (const auto& fw : a.at("frameworks")) {
    if (fw.value("id", "") == framework) return fw.value("short", std::string(framework));
  }
  return std::string(framework);
}

// "EN 303 645: 5.1-1 5.3-7" for one framework's failing ids, without the framework prefix.
std::string failing_in(const json& device, std::string_view framework) {
  std::string ids;
  const std::string prefix = std::string(framework) + ":";
  for (const auto& r : device.at("failing")) {
    const std::string id = r.get<std::string>();
    if (id.rfind(prefix, 0) == 0) ids += (ids.empty() ? "" : " ") + id.substr(prefix.size());
  }
  return ids;
}

std::string kinds_text(const json& device) {
  std::string out;
  for (const auto& [kind, n] : device.at("kinds").items()) {
    out += (out.empty() ? "" : ", ") + kind;
    if (n.get<int>() > 1) out += fmt::format(" ×{}", n.get<int>());
  }
  return out;
}

}  // namespace

std::string render_devices_text(const json& a, std::string_view lang) {
  if (!a.contains("devices") || a.at("devices").empty()) return "";
  const DeviceLabels& dl = device_labels(lang);
  std::string out = fmt::format("\n{} ({}):\n", dl.heading, dl.note);
  for (const json* d : worst_first(a.at("devices"))) {
    out += fmt::format("  {:<18} FAIL {:>3}  INCONC {:>3}  findings {:>3}  checks {:>3}\n",
                       d->value("target", ""), total(*d, "FAIL"), total(*d, "INCONCLUSIVE"),
                       d->at("findings").size(), d->value("checks", 0));
    for (auto fw : kShown) {
      const std::string ids = failing_in(*d, fw);
      if (!ids.empty())
        out += fmt::format("      {}: {}\n", short_name(a, fw), truncate_utf8(ids, 160));
    }
    if (!d->at("kinds").empty())
      out += fmt::format("      {}: {}\n", dl.kinds, truncate_utf8(kinds_text(*d), 200));
  }
  return out;
}

std::string render_devices_html(const json& a, std::string_view lang) {
  if (!a.contains("devices") || a.at("devices").empty()) return "";
  const Labels& l = labels(lang);
  const DeviceLabels& dl = device_labels(lang);
  std::string out = fmt::format(
      "<h2 id=\"devices\">{}</h2><p>{}</p>\n<table>\n<tr><th>{}</th><th>{}</th>"
      "<th>{}</th><th>{}</th><th>{}</th></tr>\n",
      dl.heading, dl.note, dl.device, l.fail, l.inconclusive, dl.failing, dl.kinds);
  for (const json* d : worst_first(a.at("devices"))) {
    std::string failing;
    for (auto fw : kShown) {
      const std::string ids = failing_in(*d, fw);
      if (!ids.empty())
        failing += fmt::format("<b>{}</b>: {}<br>", xml_escape(short_name(a, fw)), xml_escape(ids));
    }
    out += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        xml_escape(d->value("target", "")), total(*d, "FAIL"), total(*d, "INCONCLUSIVE"),
        failing.empty() ? "—" : failing, xml_escape(kinds_text(*d)));
  }
  out += "</table>\n";
  return out;
}

}  // namespace kensa::report
