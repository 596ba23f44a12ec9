#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace kensa::cli {

// The subcommand chosen on the command line stores its action here; main() runs it and maps
// exceptions to exit codes.
struct Options {
  std::function<int()> run;
};

void add_catalog_commands(CLI::App& app, Options& options);
void add_assess_commands(CLI::App& app, Options& options);

}  // namespace kensa::cli
