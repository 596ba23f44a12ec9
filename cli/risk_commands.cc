// `kensa risk MODEL` (IoT-SSF rating, threats, requirement set, attack paths) and
// `kensa model validate|export-otm|import-otm|schema`.
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/files.h"
#include "catalog/catalog.h"
#include "cli/commands.h"
#include "evidence/evidence.h"
#include "model/model.h"
#include "risk/risk.h"

namespace kensa::cli {

namespace {

struct RiskArgs {
  std::string model;
  std::vector<std::string> findings;
  bool json = false;
  std::string dot;
  std::string requirements_out;
};

struct ModelArgs {
  std::string input;
  std::string output;
};

void write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
  } else {
    write_file_atomic(path, text);
  }
}

// Findings named by the model's evidence links are read relative to the model file.
std::vector<evidence::FindingSet> load_findings(const model::Model& m, const RiskArgs& args) {
  std::vector<evidence::FindingSet> sets;
  const auto base = std::filesystem::path(args.model).parent_path();
  for (const auto& e : m.evidence) {
    if (e.findings.empty()) continue;
    const auto path = std::filesystem::path(e.findings).is_absolute()
                          ? std::filesystem::path(e.findings)
                          : base / e.findings;
    sets.push_back(evidence::parse_findings(read_file(path), path.string()));
  }
  for (const auto& path : args.findings)
    sets.push_back(evidence::parse_findings(read_file(path), path));
  return sets;
}

int run_risk(const RiskArgs& args) {
  const auto m = model::load_file(args.model);
  const auto sets = load_findings(m, args);
  const auto a = risk::assess(m, catalog::Catalog::builtin(), sets);
  if (args.json) {
    risk::write_json(a, std::cout);
  } else {
    std::cout << risk::summary(a, m);
  }
  if (!args.dot.empty()) write_output(args.dot, risk::to_dot(a, m));
  if (!args.requirements_out.empty()) {
    write_output(args.requirements_out, risk::requirement_set(a).dump(2) + "\n");
  }
  return 0;
}

void add_risk_commands(CLI::App& app, Options& options) {
  auto args = std::make_shared<RiskArgs>();
  CLI::App* risk_cmd = app.add_subcommand("risk",
                                          "Rate a system model with IoT-SSF, derive threats and "
                                          "the requirement set, follow attack paths");
  risk_cmd->add_option("model", args->model, "System model (YAML or JSON, kensa.model/1)")
      ->required();
  risk_cmd->add_option(
      "--findings", args->findings,
      "Findings JSON (kensa.findings/1): compromised components change the graph; repeatable");
  risk_cmd->add_flag("--json", args->json, "Output JSON (kensa.risk/1)");
  risk_cmd->add_option("--dot", args->dot, "Write a Graphviz DOT of the system with attack paths");
  risk_cmd->add_option("--requirements-out", args->requirements_out,
                       "Write the requirement set (requirement, components, priority) as JSON");
  risk_cmd->callback([&options, args] { options.run = [args] { return run_risk(*args); }; });

  auto margs = std::make_shared<ModelArgs>();
  CLI::App* model_cmd = app.add_subcommand("model", "Validate and convert system models");
  model_cmd->require_subcommand(1);
  CLI::App* validate =
      model_cmd->add_subcommand("validate", "Check a model; errors name file:line:column");
  validate->add_option("model", margs->input, "System model")->required();
  validate->callback([&options, margs] {
    options.run = [margs] {
      const auto m = model::load_file(margs->input);
      // Policy requirement ids resolve against the catalog, as `kensa risk` checks them.
      risk::check_policies(m, catalog::Catalog::builtin());
      std::cout << margs->input << ": valid (" << m.components.size() << " components, "
                << m.connections.size() << " connections, " << m.stakeholders.size()
                << " stakeholders)\n";
      return 0;
    };
  });
  CLI::App* exp =
      model_cmd->add_subcommand("export-otm", "Convert a model to Open Threat Model JSON");
  exp->add_option("model", margs->input, "System model")->required();
  exp->add_option("-o,--output", margs->output, "Output file (default stdout)");
  exp->callback([&options, margs] {
    options.run = [margs] {
      write_output(margs->output, model::export_otm(model::load_file(margs->input)).dump(2) + "\n");
      return 0;
    };
  });
  CLI::App* imp = model_cmd->add_subcommand(
      "import-otm", "Convert an Open Threat Model JSON to a kensa model (JSON)");
  imp->add_option("otm", margs->input, "OTM JSON file")->required();
  imp->add_option("-o,--output", margs->output, "Output file (default stdout)");
  imp->callback([&options, margs] {
    options.run = [margs] {
      const auto m = model::import_otm(read_file(margs->input), margs->input);
      write_output(margs->output, model::to_json(m).dump(2) + "\n");
      return 0;
    };
  });
  CLI::App* schema =
      model_cmd->add_subcommand("schema", "Print the JSON Schema of the model format");
  schema->callback([&options] {
    options.run = [] {
      std::cout << model::schema();
      return 0;
    };
  });
}

const RegisterCommand registered{&add_risk_commands};

}  // namespace

}  // namespace kensa::cli
