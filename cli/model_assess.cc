#include "cli/model_assess.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <stdexcept>

#include "base/error.h"
#include "base/files.h"
#include "catalog/catalog.h"
#include "cli/commands.h"
#include "firmware/firmware.h"
#include "model/model.h"
#include "probe/probe.h"
#include "traffic/traffic.h"
#include "verdict/verdict.h"

namespace kensa::cli {

namespace {

// Evidence files are named relative to the model file, as `kensa risk` reads them.
std::string resolve(const std::filesystem::path& base, const std::string& path) {
  const std::filesystem::path p(path);
  return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

std::string component_label(const std::string& component) {
  return component.empty() ? "the system" : "component " + component;
}

}  // namespace

ModelRun run_model(const std::string& model_path, const ModelRunOptions& options,
                   const std::optional<evidence::Questionnaire>& system_questionnaire) {
  const auto& cat = catalog::Catalog::builtin();
  const auto& rules = verdict::RuleSet::builtin(cat);
  auto owned = std::make_unique<const model::Model>(model::load_file(model_path));
  const model::Model& m = *owned;
  const auto base = std::filesystem::path(model_path).parent_path();

  system::Evidence ev;
  if (system_questionnaire) ev.questionnaires.emplace("*", *system_questionnaire);

  // Firmware images are analysed together, so credentials shared between images are found.
  std::vector<std::filesystem::path> images;
  std::vector<const model::EvidenceLink*> image_links;
  std::vector<std::string> addresses;

  for (const auto& e : m.evidence) {
    if (!e.address.empty() &&
        std::find(addresses.begin(), addresses.end(), e.address) == addresses.end()) {
      addresses.push_back(e.address);
    }
    if (!e.firmware.empty()) {
      const auto path = resolve(base, e.firmware);
      if (!std::filesystem::is_regular_file(path)) {
        throw InputError(m.origin, e.at.line, e.at.column,
                         "evidence firmware '" + e.firmware + "': no such file (" + path + ")");
      }
      images.push_back(path);
      image_links.push_back(&e);
    }
    if (!e.capture.empty()) {
      const auto path = resolve(base, e.capture);
      std::cerr << fmt::format("kensa: {}: reading capture {}\n", component_label(e.component),
                               e.capture);
      traffic::Result r;
      try {
        r = traffic::analyze_file(path);
      } catch (const std::invalid_argument& err) {
        throw InputError(m.origin, e.at.line, e.at.column,
                         "evidence capture '" + e.capture + "': " + err.what());
      }
      if (!r.error.empty()) std::cerr << "kensa: " << r.error << " (its check runs end in error)\n";
      ev.sets.push_back({e.component, "capture " + e.capture, std::move(r.findings)});
    }
    if (!e.ics.empty()) {
      const auto path = resolve(base, e.ics);
      auto q = evidence::parse_questionnaire(read_file(path), path);
      const std::string key = e.component.empty() ? "*" : e.component;
      if (!ev.questionnaires.emplace(key, std::move(q)).second) {
        throw InputError(m.origin, e.at.line, e.at.column,
                         "a second questionnaire for " + component_label(e.component));
      }
    }
    if (!e.findings.empty()) {
      const auto path = resolve(base, e.findings);
      ev.sets.push_back(
          {e.component, "findings " + e.findings, evidence::parse_findings(read_file(path), path)});
    }
  }
  if (!addresses.empty()) {
    // One scan of every address the model names (the prober runs targets concurrently); each
    // finding and check run names its address, which attributes it to the component.
    probe::ScanOptions o;
    o.targets.include = addresses;
    o.targets.exclude = options.exclude;
    o.targets.allow_public = options.allow_public;
    if (!options.ports.empty()) o.ports = probe::parse_ports(options.ports);
    o.intrusive = options.intrusive;
    std::cerr << fmt::format("kensa: scanning {}{}\n", fmt::join(addresses, ", "),
                             options.intrusive ? " (intrusive checks on)" : "");
    probe::ScanStats stats;
    auto set = probe::run_scan(o, &stats);
    set.origin = fmt::format("probe scan of {}", fmt::join(addresses, ","));
    std::cerr << probe::summary_table(set, stats);
    ev.sets.push_back({"", "addresses", std::move(set)});
  }
  if (!images.empty()) {
    firmware::AnalysisOptions o;
    o.cve_db = cve_index("");
    for (std::size_t i = 0; i < images.size(); ++i) {
      std::cerr << fmt::format("kensa: {}: analysing firmware {}\n",
                               component_label(image_links[i]->component),
                               image_links[i]->firmware);
    }
    auto results = firmware::analyze_all(images, o);
    for (std::size_t i = 0; i < results.size() && i < image_links.size(); ++i) {
      ev.sets.push_back({image_links[i]->component, "firmware " + image_links[i]->firmware,
                         std::move(results[i].findings)});
    }
  }
  system::Result result = system::assess(m, cat, rules, ev);
  return ModelRun{std::move(owned), std::move(result)};
}

}  // namespace kensa::cli
