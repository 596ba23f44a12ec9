#pragma once
// How components plug into the `kensa` binary without editing main.cc:
//  - a subcommand: a file cli/<component>_commands.cc defines an adder and registers it with
//    `static const RegisterCommand registered{&add_my_commands};`
//  - a collector that `kensa assess` can run: register an AssessInput, whose options are added to
//    `kensa assess` and whose collect() runs when those options were given.
// cli/CMakeLists.txt compiles every cli/*.cc into the binary and links the libraries components
// list in the global property KENSA_CLI_LIBS.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "evidence/evidence.h"

namespace kensa::cli {

// The subcommand chosen on the command line stores its action here; main() runs it and maps
// exceptions to exit codes (InputError → 2, anything else → 3).
struct Options {
  std::function<int()> run;
};

using CommandAdder = void (*)(CLI::App& app, Options& options);
std::vector<CommandAdder>& command_registry();
struct RegisterCommand {
  explicit RegisterCommand(CommandAdder adder) { command_registry().push_back(adder); }
};

struct AssessInput {
  std::string name;  // collector name, e.g. "traffic"
  // Adds this collector's options to `kensa assess` (e.g. --pcap FILE).
  std::function<void(CLI::App& assess)> add_options;
  // Runs the collector if its options were given (returns an empty list otherwise). Throws
  // InputError for bad input.
  std::function<std::vector<evidence::FindingSet>()> collect;
};
std::vector<AssessInput>& assess_inputs();
struct RegisterAssessInput {
  explicit RegisterAssessInput(AssessInput input) { assess_inputs().push_back(std::move(input)); }
};

// The CVE index firmware analyses use: `given` (--cve-db), else $KENSA_CVE_DB, else
// ./kensa-cve.sqlite when it exists (where `kensa cve import` writes by default); none otherwise.
std::optional<std::filesystem::path> cve_index(const std::string& given);

}  // namespace kensa::cli
