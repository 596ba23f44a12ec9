// `kensa pcap FILE --json` without the rest of the CLI: the same library calls as
// cli/traffic_commands.cc (analyze_file with the default options, the findings document on
// stdout, or the text rendering without --json), linked against kensa_traffic only, so
// bench/traffic/run.sh can measure the passive analyser on a build that has not compiled every
// component.
// Usage: kensa_pcap_bench pcap FILE [--json]
#include <cstdio>
#include <exception>
#include <iostream>
#include <string_view>

#include "traffic/traffic.h"

int main(int argc, char** argv) {
  if (argc < 3 || std::string_view(argv[1]) != "pcap") {
    std::cerr << "usage: kensa_pcap_bench pcap FILE [--json]\n";
    return 64;
  }
  try {
    const kensa::traffic::Result r = kensa::traffic::analyze_file(argv[2]);
    if (argc > 3 && std::string_view(argv[3]) == "--json")
      std::cout << kensa::evidence::to_json(r.findings).dump(2) << "\n";
    else
      std::cout << kensa::traffic::render_text(r);
    std::cout.flush();
    if (!r.error.empty()) {
      std::cerr << "kensa: " << r.error << "\n";
      return 2;
    }
  } catch (const std::exception& e) {
    std::cerr << "kensa: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
