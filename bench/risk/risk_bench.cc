// What `kensa risk MODEL --json` does (load, assess, streamed JSON to stdout), linked against the
// model and risk libraries only, so the scale benchmark can run from a build of two components
// when the whole CLI is not built. Timings on stderr split load / assess / output.
//
//   risk_bench MODEL > out.json
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "base/error.h"
#include "catalog/catalog.h"
#include "model/model.h"
#include "risk/risk.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: risk_bench MODEL > out.json\n";
    return 2;
  }
  std::ios::sync_with_stdio(false);
  using clock = std::chrono::steady_clock;
  auto seconds = [](clock::time_point a, clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  try {
    // CPU seconds of the process (both threads) beside wall seconds: on a shared machine the
    // wall split says little.
    auto cpu = [] { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; };
    const auto t0 = clock::now();
    const double c0 = cpu();
    const auto m = kensa::model::load_file(argv[1]);
    const auto t1 = clock::now();
    const double c1 = cpu();
    const auto a = kensa::risk::assess(m, kensa::catalog::Catalog::builtin());
    const auto t2 = clock::now();
    const double c2 = cpu();
    kensa::risk::write_json(a, std::cout);
    std::cout.flush();
    const auto t3 = clock::now();
    const double c3 = cpu();
    std::fprintf(
        stderr,
        "load %.2f s (%.2f CPU s), assess %.2f s (%.2f CPU s), output %.2f s (%.2f CPU s)\n",
        seconds(t0, t1), c1 - c0, seconds(t1, t2), c2 - c1, seconds(t2, t3), c3 - c2);
  } catch (const kensa::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  return 0;
}
