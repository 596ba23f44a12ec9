// kensa: verify IoT devices and systems against IoT security frameworks.
//
// Exit codes (also in `kensa --help` and the README):
//   0  success (verdicts may include FAIL unless --fail-on asks otherwise)
//   1  a verdict named by --fail-on is present
//   2  usage or input error (bad flag, unreadable or malformed file, unknown id)
//   3  internal error (a bug: please report it with the input)
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "base/error.h"
#include "base/files.h"
#include "catalog/catalog.h"
#include "cli/commands.h"

namespace kensa::cli {
std::vector<CommandAdder>& command_registry() {
  static std::vector<CommandAdder> registry;
  return registry;
}
std::vector<AssessInput>& assess_inputs() {
  static std::vector<AssessInput> inputs;
  return inputs;
}
}  // namespace kensa::cli

int main(int argc, char** argv) {
  CLI::App app{
      "kensa — verify IoT devices and systems against IoT security frameworks\n"
      "(EN 303 645, JC-STAR ★1, IoT Security Guidelines 2016, smart-home guideline, IoT-SSF).\n"
      "Exit codes: 0 ok, 1 a verdict named by --fail-on is present, 2 usage or input error, 3 "
      "internal error."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kensa 0.1.0");
  kensa::cli::Options options;
  for (auto adder : kensa::cli::command_registry()) adder(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return options.run ? options.run() : 0;
  } catch (const kensa::InputError& e) {
    std::cerr << "kensa: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kensa: internal error: " << e.what() << "\n";
    return 3;
  }
}
