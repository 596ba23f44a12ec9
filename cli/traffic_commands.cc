// `kensa pcap FILE`, `kensa watch IFACE` and `kensa assess --pcap FILE` (traffic/traffic.h).
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include "base/error.h"
#include "base/files.h"
#include "cli/commands.h"
#include "traffic/traffic.h"

namespace kensa::cli {

namespace {

struct TrafficArgs {
  std::string input;
  std::string output;
  bool json = false;
  std::size_t memory_mb = 64;
  double interval_s = 10;
  double duration_s = 0;
  std::vector<std::string> allow;  // DEVICE=DEST[,DEST...]
};

std::atomic<bool> g_stop{false};

traffic::Options options_of(const TrafficArgs& args) {
  traffic::Options o;
  o.memory_cap_bytes = args.memory_mb << 20;
  for (const auto& entry : args.allow) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos)
      throw InputError("--allow expects DEVICE=DEST[,DEST...], got '" + entry + "'");
    auto& list = o.allowed_destinations[entry.substr(0, eq)];
    std::string rest = entry.substr(eq + 1);
    for (std::size_t pos = 0; pos <= rest.size();) {
      const auto comma = rest.find(',', pos);
      const std::string item =
          rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (!item.empty()) list.push_back(item);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return o;
}

void emit(const traffic::Result& r, const TrafficArgs& args) {
  const std::string json = evidence::to_json(r.findings).dump(2) + "\n";
  if (!args.output.empty()) write_file_atomic(args.output, json);
  if (args.json) {
    std::cout << json;
  } else {
    std::cout << traffic::render_text(r);
  }
  std::cout.flush();
}

int run_pcap(const TrafficArgs& args) {
  traffic::Result r;
  try {
    r = traffic::analyze_file(args.input, options_of(args));
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  emit(r, args);
  if (!r.error.empty()) {
    // The findings before the damage are out; the damage is still an input error.
    std::cerr << "kensa: " << r.error << "\n";
    return 2;
  }
  return 0;
}

int run_watch(const TrafficArgs& args) {
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  using ms = std::chrono::milliseconds;
  traffic::watch(args.input, options_of(args), ms(static_cast<long>(args.interval_s * 1000)),
                 ms(static_cast<long>(args.duration_s * 1000)), g_stop,
                 [&](const traffic::Result& r) {
                   if (!args.json) std::cout << "--- " << r.stats.packets << " packets\n";
                   emit(r, args);
                 });
  return 0;
}

void add_traffic_commands(CLI::App& app, Options& options) {
  auto args = std::make_shared<TrafficArgs>();
  auto* pcap = app.add_subcommand(
      "pcap", "Passive verification of a capture (pcap or pcapng): findings from one pass");
  pcap->add_option("file", args->input, "capture file")->required();
  pcap->add_flag("--json", args->json, "print the findings document (kensa.findings/1)");
  pcap->add_option("--out", args->output, "also write the findings document to this file");
  pcap->add_option("--memory-mb", args->memory_mb, "memory cap for flows and reassembly (MB)")
      ->capture_default_str();
  pcap->add_option(
      "--allow", args->allow,
      "DEVICE=DEST[,DEST...]: addresses, prefixes or DNS names (*.domain) a device may contact "
      "(repeatable); names match DNS answers and TLS SNI in the capture");
  pcap->callback([&options, args] { options.run = [args] { return run_pcap(*args); }; });

  auto* watch = app.add_subcommand(
      "watch", "Passive verification of a live interface, reporting periodically");
  watch->add_option("interface", args->input, "network interface")->required();
  watch->add_flag("--json", args->json, "print findings documents (kensa.findings/1)");
  watch->add_option("--out", args->output, "write the latest findings document to this file");
  watch->add_option("--interval", args->interval_s, "seconds between reports")
      ->capture_default_str();
  watch->add_option("--duration", args->duration_s,
                    "stop after this many seconds (0 = until interrupted)");
  watch->add_option("--memory-mb", args->memory_mb, "memory cap for flows and reassembly (MB)")
      ->capture_default_str();
  watch->add_option("--allow", args->allow, "DEVICE=DEST[,DEST...] allow-list (repeatable)");
  watch->callback([&options, args] { options.run = [args] { return run_watch(*args); }; });
}

const RegisterCommand registered{&add_traffic_commands};

auto& pcaps() {
  static std::vector<std::string> files;
  return files;
}

const RegisterAssessInput assess_input{AssessInput{
    "traffic",
    [](CLI::App& assess) {
      assess.add_option("--pcap", pcaps(), "capture(s) to verify passively (pcap, pcapng)");
    },
    [] {
      std::vector<evidence::FindingSet> sets;
      for (const auto& file : pcaps()) {
        traffic::Result r = traffic::analyze_file(file);
        if (!r.error.empty())
          std::cerr << "kensa: " << r.error << " (its check runs end in error)\n";
        sets.push_back(std::move(r.findings));
      }
      return sets;
    }}};

}  // namespace

}  // namespace kensa::cli
