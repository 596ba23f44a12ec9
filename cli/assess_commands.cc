// `kensa assess` (evidence → verdicts → reports) and `kensa report` (re-render a saved assessment).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "base/error.h"
#include "base/files.h"
#include "catalog/catalog.h"
#include "cli/commands.h"
#include "cli/model_assess.h"
#include "evidence/evidence.h"
#include "report/report.h"
#include "store/store.h"
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
  std::string store;
  std::string label;
  std::string model;            // a system model: per-component verdicts (cli/model_assess.h)
  CLI::App* command = nullptr;  // for the probe options the model's addresses are scanned with
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

// The prober's options of `kensa assess` (--intrusive, --exclude ...) also apply to the addresses
// a model's evidence links name.
ModelRunOptions model_run_options(const CLI::App& command) {
  ModelRunOptions o;
  if (const auto* opt = command.get_option_no_throw("--intrusive")) o.intrusive = opt->count() > 0;
  if (const auto* opt = command.get_option_no_throw("--allow-public"))
    o.allow_public = opt->count() > 0;
  if (const auto* opt = command.get_option_no_throw("--exclude"); opt && opt->count() > 0)
    o.exclude = opt->as<std::vector<std::string>>();
  if (const auto* opt = command.get_option_no_throw("--ports"); opt && opt->count() > 0)
    o.ports = opt->as<std::string>();
  return o;
}

int assess(const AssessArgs& args) {
  const auto& cat = catalog::Catalog::builtin();
  const auto& rules = verdict::RuleSet::builtin(cat);
  const auto formats = parse_formats(args.formats);
  std::optional<evidence::Questionnaire> q;
  if (!args.questionnaire.empty()) {
    q = evidence::parse_questionnaire(read_file(args.questionnaire), args.questionnaire);
  }
  std::vector<evidence::FindingSet> sets;
  std::optional<ModelRun> system_run;
  if (!args.model.empty()) {
    system_run = run_model(args.model, model_run_options(*args.command), q);
    sets = system_run->result.sets;  // first: the system section's finding indexes point into them
  }
  for (const auto& path : args.findings)
    sets.push_back(evidence::parse_findings(read_file(path), path));
  for (const auto& input : assess_inputs()) {
    for (auto& set : input.collect()) sets.push_back(std::move(set));
  }
  if (sets.empty() && !q && !system_run) {
    throw InputError(
        "nothing to assess: give evidence (--findings FILE, a collector's input) and/or --ics "
        "FILE");
  }
  const verdict::Assessment a = verdict::assess(cat, rules, sets, q ? &*q : nullptr);
  json doc = verdict::to_json(a, cat);
  if (system_run) {
    doc["system"] = system_run->result.section;  // per component already: no per-device section
  } else if (json devices = verdict::per_target_json(cat, rules, a); !devices.empty()) {
    doc["devices"] = std::move(devices);
  }

  std::filesystem::create_directories(args.out_dir);
  std::vector<std::string> written;
  for (auto f : formats) {
    const std::filesystem::path path =
        std::filesystem::path(args.out_dir) / fmt::format("assessment.{}", report::extension(f));
    write_file_atomic(path, report::render(doc, f, args.lang));
    written.push_back(path.string());
  }
  std::int64_t run_id = 0;
  if (!args.store.empty()) run_id = store::Store(args.store).save(doc, args.label);
  if (args.json) {
    json summary = {{"frameworks", doc["frameworks"]}, {"written", written}};
    if (run_id > 0) summary["run"] = run_id;
    if (doc.contains("system")) {
      json components = json::object();
      for (const auto& c : doc["system"]["components"])
        components[c["id"].get<std::string>()] = c["counts"];
      summary["system"] = {{"frameworks", doc["system"]["frameworks"]}, {"components", components}};
    }
    std::cout << summary.dump(2) << "\n";
  } else {
    std::cout << report::render_text(doc, args.lang);
    std::cout << "\nwritten: " << fmt::format("{}", fmt::join(written, ", ")) << "\n";
    if (run_id > 0) std::cout << "stored as run " << run_id << " in " << args.store << "\n";
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

struct HistoryArgs {
  std::string store;
  std::string lang = "en";
  std::vector<std::int64_t> diff;
  bool json = false;
};

int history(const HistoryArgs& args) {
  const store::Store db(args.store);
  if (args.diff.size() == 2) {
    const json d = report::diff(db.load(args.diff[0]), db.load(args.diff[1]));
    std::cout << (args.json ? d.dump(2) + "\n" : report::render_diff(d, args.lang));
    return 0;
  }
  const auto runs = db.runs();
  if (args.json) {
    json out = json::array();
    for (const auto& r : runs) {
      out.push_back({{"id", r.id},
                     {"created", r.created},
                     {"product", r.product},
                     {"label", r.label},
                     {"FAIL", r.fail},
                     {"PASS", r.pass},
                     {"INCONCLUSIVE", r.inconclusive},
                     {"NEEDS_EVIDENCE", r.needs_evidence},
                     {"NOT_APPLICABLE", r.not_applicable}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  fmt::print("{:>4}  {:<20}  {:<16} {:>5} {:>5} {:>6} {:>6} {:>5}  {}\n", "run", "created", "label",
             "FAIL", "PASS", "INCONC", "NEEDS", "N/A", "product");
  for (const auto& r : runs) {
    fmt::print("{:>4}  {:<20}  {:<16} {:>5} {:>5} {:>6} {:>6} {:>5}  {}\n", r.id, r.created,
               r.label, r.fail, r.pass, r.inconclusive, r.needs_evidence, r.not_applicable,
               r.product);
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
  CLI::App* assess_cmd = app.add_subcommand("assess",
                                            "Decide a verdict for every requirement from findings "
                                            "and an ICS/IXIT questionnaire, and write reports");
  assess_cmd
      ->add_option("--findings", args->findings, "Findings JSON (kensa.findings/1); repeatable")
      ->check(CLI::ExistingFile);
  assess_cmd
      ->add_option("--model,model", args->model,
                   "System model (kensa.model/1): run the collectors its evidence links name and "
                   "report per component, per stakeholder and per framework")
      ->check(CLI::ExistingFile);
  args->command = assess_cmd;
  assess_cmd->add_option("--ics", args->questionnaire, "Questionnaire YAML (kensa.questionnaire/1)")
      ->check(CLI::ExistingFile);
  assess_cmd->add_option("--out", args->out_dir,
                         "Directory for the reports (default kensa-report)");
  assess_cmd
      ->add_option("--format", args->formats,
                   "Report formats: json html sarif junit text jcstar stakeholders")
      ->delimiter(',');
  assess_cmd->add_option("--lang", args->lang, "Report language")
      ->check(CLI::IsMember({"en", "ja"}));
  assess_cmd
      ->add_option(
          "--fail-on", args->fail_on,
          "Exit 1 when any of these verdicts is present (FAIL, INCONCLUSIVE, NEEDS_EVIDENCE)")
      ->delimiter(',')
      ->check(CLI::IsMember({"FAIL", "INCONCLUSIVE", "NEEDS_EVIDENCE", "NOT_APPLICABLE", "PASS"}));
  assess_cmd->add_flag("--json", args->json, "Print the summary as JSON");
  assess_cmd->add_option("--store", args->store,
                         "Also keep the assessment in this SQLite store (see `kensa history`)");
  assess_cmd->add_option("--label", args->label,
                         "Label of the stored run (e.g. a date or a firmware version)");
  for (const auto& input : assess_inputs()) input.add_options(*assess_cmd);
  assess_cmd->callback([&options, args] { options.run = [args] { return assess(*args); }; });

  auto rargs = std::make_shared<ReportArgs>();
  CLI::App* report_cmd =
      app.add_subcommand("report", "Render a saved assessment.json in another format or language");
  report_cmd->add_option("assessment", rargs->input, "assessment.json written by `kensa assess`")
      ->required();
  report_cmd->add_option("--format", rargs->format,
                         "json html sarif junit text jcstar stakeholders (default text)");
  report_cmd->add_option("-o,--output", rargs->output, "Output file (default stdout)");
  report_cmd->add_option("--lang", rargs->lang, "Report language")
      ->check(CLI::IsMember({"en", "ja"}));
  report_cmd->callback(
      [&options, rargs] { options.run = [rargs] { return render_report(*rargs); }; });

  auto hargs = std::make_shared<HistoryArgs>();
  CLI::App* history_cmd =
      app.add_subcommand("history", "List the assessments kept in a store, or diff two of them");
  history_cmd->add_option("--store", hargs->store, "SQLite store written by `kensa assess --store`")
      ->required();
  history_cmd->add_option("--diff", hargs->diff, "Two run ids to compare")->expected(2);
  history_cmd->add_option("--lang", hargs->lang, "Language")->check(CLI::IsMember({"en", "ja"}));
  history_cmd->add_flag("--json", hargs->json, "Output JSON");
  history_cmd->callback([&options, hargs] { options.run = [hargs] { return history(*hargs); }; });

  auto dargs = std::make_shared<DiffArgs>();
  CLI::App* diff_cmd =
      app.add_subcommand("diff", "What changed between two assessments (re-runs over time)");
  diff_cmd->add_option("before", dargs->before, "Earlier assessment.json")->required();
  diff_cmd->add_option("after", dargs->after, "Later assessment.json")->required();
  diff_cmd->add_option("--lang", dargs->lang, "Language")->check(CLI::IsMember({"en", "ja"}));
  diff_cmd->add_flag("--json", dargs->json, "Output JSON (kensa.diff/1)");
  diff_cmd->add_flag(
      "--fail-on-regression", dargs->fail_on_regression,
      "Exit 1 if a verdict became FAIL or INCONCLUSIVE or a high/critical finding is new");
  diff_cmd->callback(
      [&options, dargs] { options.run = [dargs] { return diff_assessments(*dargs); }; });
}

}  // namespace

static const RegisterCommand registered{&add_assess_commands};

}  // namespace kensa::cli
