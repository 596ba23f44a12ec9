// `kensa firmware IMAGE...` and `kensa cve import FILE...`, and the firmware input of `kensa
// assess`.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/files.h"
#include "cli/commands.h"
#include "firmware/firmware.h"

namespace kensa::cli {

namespace {
constexpr const char* kDefaultCveIndex = "kensa-cve.sqlite";
}  // namespace

std::optional<std::filesystem::path> cve_index(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("KENSA_CVE_DB"); env && *env) return env;
  if (std::filesystem::exists(kDefaultCveIndex)) return kDefaultCveIndex;
  return std::nullopt;
}

namespace {

struct FirmwareArgs {
  std::vector<std::string> images;
  std::string sbom;
  std::string output;
  std::string extract;
  std::string cve_db;
  std::string credentials;
  bool json = false;
  int max_depth = 8;
  std::uint64_t max_total_mb = 2048;
  std::uint64_t max_files = 200000;
  double max_ratio = 200;
};

firmware::AnalysisOptions to_options(const FirmwareArgs& args) {
  firmware::AnalysisOptions o;
  o.limits.max_depth = args.max_depth;
  o.limits.max_total_bytes = args.max_total_mb << 20;
  o.limits.max_files = args.max_files;
  o.limits.max_ratio = args.max_ratio;
  if (!args.extract.empty()) o.extract_dir = args.extract;
  o.cve_db = cve_index(args.cve_db);
  if (!args.credentials.empty()) o.credentials = args.credentials;
  return o;
}

nlohmann::json summary_json(const firmware::Analysis& a) {
  nlohmann::json chunks = nlohmann::json::array();
  for (const auto& c : a.chunks) {
    chunks.push_back({{"id", c.id},
                      {"format", c.format},
                      {"parent", c.parent},
                      {"offset", c.offset},
                      {"end", c.end},
                      {"output_bytes", c.output_bytes},
                      {"files", c.files},
                      {"depth", c.depth},
                      {"detail", c.detail},
                      {"error", c.error}});
  }
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : a.components)
    components.push_back({{"name", c.name}, {"version", c.version}, {"cpe", c.cpe}});
  return {{"image", a.image},
          {"bytes", a.image_bytes},
          {"chunks", chunks},
          {"files_extracted", a.files_extracted},
          {"files_written", a.files_written},
          {"components", components},
          {"errors", a.errors},
          {"findings", a.findings.findings.size()}};
}

int run_firmware(const FirmwareArgs& args) {
  std::vector<std::filesystem::path> images(args.images.begin(), args.images.end());
  auto results = firmware::analyze_all(images, to_options(args));
  if (!args.sbom.empty()) {
    if (results.size() != 1) throw InputError("--sbom takes one image");
    write_file_atomic(args.sbom, firmware::cyclonedx_sbom(results[0]).dump(2) + "\n");
  }
  if (!args.output.empty()) {
    if (results.size() == 1) {
      write_file_atomic(args.output, evidence::to_json(results[0].findings).dump(2) + "\n");
    } else {
      // One findings document per image: out.json → out.1.json, out.2.json ...
      for (std::size_t i = 0; i < results.size(); ++i) {
        std::filesystem::path p(args.output);
        p.replace_extension(fmt::format("{}{}", i + 1, p.extension().string()));
        write_file_atomic(p, evidence::to_json(results[i].findings).dump(2) + "\n");
      }
    }
  }
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : results) {
      auto s = summary_json(a);
      s["findings"] = evidence::to_json(a.findings);
      out.push_back(s);
    }
    std::cout << (results.size() == 1 ? out[0] : out).dump(2) << "\n";
    return 0;
  }
  for (const auto& a : results) {
    std::cout << fmt::format("{} ({} bytes)\n", a.image, a.image_bytes);
    for (const auto& c : a.chunks) {
      if (c.parent.empty()) continue;
      std::cout << fmt::format("  {:<48} {:>10x}-{:<10x} {:<9} {}{}\n", c.id, c.offset, c.end,
                               c.format, c.files ? fmt::format("{} entries ", c.files) : "",
                               c.detail);
      if (!c.error.empty()) std::cout << fmt::format("  {:<48} error: {}\n", "", c.error);
    }
    std::cout << fmt::format(
        "  {} entries extracted{}\n", a.files_extracted,
        a.files_written ? fmt::format(", {} files written", a.files_written) : "");
    for (const auto& c : a.components)
      std::cout << fmt::format("  component {} {}\n", c.name, c.version);
    for (const auto& f : a.findings.findings) {
      if (f.kind == "component-identified") continue;
      std::cout << fmt::format("  [{}] {}: {}\n", evidence::to_string(f.severity), f.kind,
                               f.evidence_text);
    }
  }
  return 0;
}

void add_firmware_options(CLI::App* cmd, FirmwareArgs& args) {
  cmd->add_option("--extract", args.extract, "Write the extracted files below this directory");
  cmd->add_option("--cve-db", args.cve_db,
                  "CVE index from `kensa cve import` (default $KENSA_CVE_DB, else "
                  "./kensa-cve.sqlite if present)");
  cmd->add_option("--credentials", args.credentials,
                  "Default-credential dictionary (user<TAB>password lines)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-depth", args.max_depth, "Nesting limit (default 8)");
  cmd->add_option("--max-total-mb", args.max_total_mb,
                  "Limit on all extracted bytes, MiB (default 2048)");
  cmd->add_option("--max-files", args.max_files, "Limit on extracted entries (default 200000)");
  cmd->add_option("--max-ratio", args.max_ratio,
                  "Limit on one stream's compression ratio (default 200)");
}

void add_firmware_commands(CLI::App& app, Options& options) {
  auto args = std::make_shared<FirmwareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "firmware", "Extract a firmware image and check it; findings, SBOM and CVEs");
  cmd->add_option("image", args->images,
                  "Firmware image(s); several images are also compared for shared credentials")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--sbom", args->sbom, "Write a CycloneDX 1.5 JSON SBOM here");
  cmd->add_option("-o,--output", args->output, "Write the findings (kensa.findings/1) here");
  cmd->add_flag("--json", args->json, "Print the summary and findings as JSON");
  add_firmware_options(cmd, *args);
  cmd->callback([&options, args] { options.run = [args] { return run_firmware(*args); }; });

  auto cve_files = std::make_shared<std::vector<std::string>>();
  auto cve_db = std::make_shared<std::string>();
  CLI::App* cve = app.add_subcommand("cve", "Offline CVE index");
  cve->require_subcommand(1);
  CLI::App* import = cve->add_subcommand(
      "import", "Import NVD CVE JSON 2.0 / CVE JSON 5 records into the SQLite index");
  import->add_option("files", *cve_files, "Record files")->required()->check(CLI::ExistingFile);
  import->add_option("--db", *cve_db, "Index file (default $KENSA_CVE_DB or kensa-cve.sqlite)");
  import->callback([&options, cve_files, cve_db] {
    options.run = [cve_files, cve_db] {
      const std::filesystem::path db =
          cve_db->empty() ? cve_index("").value_or(kDefaultCveIndex) : std::filesystem::path(*cve_db);
  std::vector<std::filesystem::path> files(cve_files->begin(), cve_files->end());
  const auto stats = firmware::import_cves(db, files);
  std::cout << fmt::format("{}: {} records, {} affected ranges\n", db.string(), stats.records,
                           stats.ranges);
  for (const auto& s : stats.skipped) std::cout << "  no range: " << s << "\n";
  return 0;
};
}  // namespace
);
}  // namespace kensa::cli

// `kensa assess --firmware IMAGE`
auto assess_args = std::make_shared<FirmwareArgs>();

const RegisterAssessInput registered_input{AssessInput{
    "firmware",
    [](CLI::App& assess) {
      assess
          .add_option("--firmware", assess_args->images, "Firmware image(s) to extract and check")
          ->check(CLI::ExistingFile);
      assess.add_option("--cve-db", assess_args->cve_db,
                        "CVE index for the firmware's components (default as for kensa firmware)");
      assess.add_option("--firmware-sbom", assess_args->sbom,
                        "Write the firmware image's CycloneDX SBOM here (one image)");
    },
    [] {
      std::vector<evidence::FindingSet> sets;
      if (assess_args->images.empty()) return sets;
      std::vector<std::filesystem::path> images(assess_args->images.begin(),
                                                assess_args->images.end());
      auto results = firmware::analyze_all(images, to_options(*assess_args));
      if (!assess_args->sbom.empty() && results.size() == 1) {
        write_file_atomic(assess_args->sbom, firmware::cyclonedx_sbom(results[0]).dump(2) + "\n");
      }
      for (auto& a : results) sets.push_back(std::move(a.findings));
      return sets;
    }}};

}  // namespace

static const RegisterCommand registered{&add_firmware_commands};

}  // namespace kensa::cli
