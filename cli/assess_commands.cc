// `kensa assess` (evidence → verdicts → reports) and `kensa report` (re-render a saved assessment).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/files.h"
#include "catalog/catalog.h"
#include "cli/commands.h"
#include "evidence/evidence.h"
#include "report/report.h"
#include "verdict/verdict.h"

namespace kensa::cli {

using nlohmann::json;

namespace {

struct AssessArgs {
  std::vector<std::string> findings;
  std::string questionnaire;
  std::string out_dir = "kensa-report";
  std::vector<std::string> formats = {"json", "html", "sarif", "junit"};
  std::string lang = "en";
  std::vector<std::string> fail_on;
  bool json = false;
};

struct ReportArgs {
  std::string input;
  std::string format = "text";
  std::string output;
  std::string lang = "en";
};

std::vector<report::Format> parse_formats(const std::vector<std::string>& names) {
  std::vector<report::Format> out;
  for (const auto& n : names) {
    auto f = report::parse_format(n);
    if (!f) throw InputError("unknown report format '" + n + "'");
    out.push_back(*f);
  }
  return out;
}

// 1 when any verdict in `fail_on` is present, else 0.
int exit_code(const json& assessment, const std::vector<std::string>& fail_on) {
  for (const auto& v : assessment["verdicts"]) {
    const std::string verdict = v.value("verdict", "");
    for (const auto& f : fail_on) {
      if (f == verdict) return 1;
    }
  }
  return 0;
}

int assess(const AssessArgs& args) {
  const auto& cat = catalog::Catalog::builtin();
  const auto& rules = verdict::RuleSet::builtin(cat);
  const auto formats = parse_formats(args.formats);
  std::vector<evidence::FindingSet> sets;
  for (const auto& path : args.findings) sets.push_back(evidence::parse_findings(read_file(path), path));
  for (const auto& input : assess_inputs()) {
    for (auto& set : input.collect()) sets.push_back(std::move(set));
  }
  std::optional<evidence::Questionnaire> q;
  if (!args.questionnaire.empty()) {
    q = evidence::parse_questionnaire(read_file(args.questionnaire), args.questionnaire);
  }
  if (sets.empty() && !q) {
    throw InputError("nothing to assess: give evidence (--findings FILE, a collector's input) and/or --ics FILE");
  }
  const verdict::Assessment a = verdict::assess(cat, rules, sets, q ? &*q : nullptr);
  const json doc = verdict::to_json(a, cat);

  std::filesystem::create_directories(args.out_dir);
  std::vector<std::string> written;
  for (auto f : formats) {
    const std::filesystem::path path =
        std::filesystem::path(args.out_dir) / fmt::format("assessment.{}", report::extension(f));
    write_file_atomic(path, report::render(doc, f, args.lang));
    written.push_back(path.string());
  }
  if (args.json) {
    json summary = {{"frameworks", doc["frameworks"]}, {"written", written}};
    std::cout << summary.dump(2) << "\n";
  } else {
    std::cout << report::render_text(doc, args.lang);
    std::cout << "\nwritten: " << fmt::format("{}", fmt::join(written, ", ")) << "\n";
  }
  return exit_code(doc, args.fail_on);
}

json load_assessment(const std::string& path) {
  const std::string text = read_file(path);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    const auto pos = position_of(text, e.byte > 0 ? e.byte - 1 : 0);
    throw InputError(path, pos.line, pos.column, "malformed JSON");
  } catch (const json::exception& e) {
    throw InputError(path, 0, 0, e.what());
  }
  report::check_assessment(doc, path);
  return doc;
}

struct DiffArgs {
  std::string before, after, lang = "en";
  bool json = false;
  bool fail_on_regression = false;
};

int diff_assessments(const DiffArgs& args) {
  const json d = report::diff(load_assessment(args.before), load_assessment(args.after));
  std::cout << (args.json ? d.dump(2) + "\n" : report::render_diff(d, args.lang));
  if (!args.fail_on_regression) return 0;
  for (const auto& c : d["changed"]) {
    if (c["after"] == "FAIL" || c["after"] == "INCONCLUSIVE") return 1;
  }
  for (const auto& f : d["findings_new"]) {
    if (f.value("severity", "") == "high" || f.value("severity", "") == "critical") return 1;
  }
  return 0;
}

int render_report(const ReportArgs& args) {
  const auto format = report::parse_format(args.format);
  if (!format) throw InputError("unknown report format '" + args.format + "'");
  const json doc = load_assessment(args.input);
  std::string out;
  try {
    out = report::render(doc, *format, args.lang);
  } catch (const json::exception& e) {
    throw InputError(args.input, 0, 0, std::string("malformed assessment: ") + e.what());
  }
  if (args.output.empty() || args.output == "-") {
    std::cout << out;
  } else {
    write_file_atomic(args.output, out);
  }
  return 0;
}

}  // namespace

namespace {
void add_assess_commands(CLI::App& app, Options& options) {
  auto args = std::make_shared<AssessArgs>();
  CLI::App* assess_cmd = app.add_subcommand(
      "assess", "Decide a verdict for every requirement from findings and an ICS/IXIT questionnaire, and write reports");
  assess_cmd->add_option("--findings", args->findings, "Findings JSON (kensa.findings/1); repeatable")
      ->check(CLI::ExistingFile);
  assess_cmd->add_option("--ics", args->questionnaire, "Questionnaire YAML (kensa.questionnaire/1)")
      ->check(CLI::ExistingFile);
  assess_cmd->add_option("--out", args->out_dir, "Directory for the reports (default kensa-report)");
  assess_cmd->add_option("--format", args->formats, "Report formats: json html sarif junit text jcstar stakeholders")
      ->delimiter(',');
  assess_cmd->add_option("--lang", args->lang, "Report language")->check(CLI::IsMember({"en", "ja"}));
  assess_cmd->add_option("--fail-on", args->fail_on,
                         "Exit 1 when any of these verdicts is present (FAIL, INCONCLUSIVE, NEEDS_EVIDENCE)")
      ->delimiter(',')
      ->check(CLI::IsMember({"FAIL", "INCONCLUSIVE", "NEEDS_EVIDENCE", "NOT_APPLICABLE", "PASS"}));
  assess_cmd->add_flag("--json", args->json, "Print the summary as JSON");
  for (const auto& input : assess_inputs()) input.add_options(*assess_cmd);
  assess_cmd->callback([&options, args] { options.run = [args] { return assess(*args); }; });

  auto rargs = std::make_shared<ReportArgs>();
  CLI::App* report_cmd = app.add_subcommand("report", "Render a saved assessment.json in another format or language");
  report_cmd->add_option("assessment", rargs->input, "assessment.json written by `kensa assess`")->required();
  report_cmd->add_option("--format", rargs->format, "json html sarif junit text jcstar stakeholders (default text)");
  report_cmd->add_option("-o,--output", rargs->output, "Output file (default stdout)");
  report_cmd->add_option("--lang", rargs->lang, "Report language")->check(CLI::IsMember({"en", "ja"}));
  report_cmd->callback([&options, rargs] { options.run = [rargs] { return render_report(*rargs); }; });

  auto dargs = std::make_shared<DiffArgs>();
  CLI::App* diff_cmd = app.add_subcommand("diff", "What changed between two assessments (re-runs over time)");
  diff_cmd->add_option("before", dargs->before, "Earlier assessment.json")->required();
  diff_cmd->add_option("after", dargs->after, "Later assessment.json")->required();
  diff_cmd->add_option("--lang", dargs->lang, "Language")->check(CLI::IsMember({"en", "ja"}));
  diff_cmd->add_flag("--json", dargs->json, "Output JSON (kensa.diff/1)");
  diff_cmd->add_flag("--fail-on-regression", dargs->fail_on_regression,
                     "Exit 1 if a verdict became FAIL or INCONCLUSIVE or a high/critical finding is new");
  diff_cmd->callback([&options, dargs] { options.run = [dargs] { return diff_assessments(*dargs); }; });
}

}  // namespace

static const RegisterCommand registered{&add_assess_commands};

}  // namespace kensa::cli
