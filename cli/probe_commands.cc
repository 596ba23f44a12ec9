// `kensa scan TARGETS...` and the `kensa assess --target ...` collector (probe component).
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "base/error.h"
#include "base/files.h"
#include "cli/commands.h"
#include "probe/probe.h"

namespace kensa::cli {

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted = true; }

struct ScanArgs {
  std::vector<std::string> targets, exclude;
  std::string ports, shard = "0/1", output, credentials;
  bool allow_public = false, intrusive = false, no_credentials = false, sweep_only = false,
       list_checks = false, quiet = false, syn = false;
  std::uint64_t seed = 0;
  double rate = 0, per_target_rate = 0, budget_seconds = 0, budget_scale = 1.0;
  unsigned concurrency = 2048, per_target_concurrency = 512, retries = 1, timeout_ms = 1000;
  std::size_t max_credentials = 0;
};

// Items that name an existing file are read as target files.
std::vector<std::string> target_items(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& t : items) {
    out.push_back(!t.empty() && t[0] != '@' && std::filesystem::is_regular_file(t) ? "@" + t : t);
  }
  return out;
}

probe::ScanOptions options_from(const ScanArgs& a) {
  probe::ScanOptions o;
  o.targets.include = target_items(a.targets);
  o.targets.exclude = target_items(a.exclude);
  o.targets.allow_public = a.allow_public;
  o.targets.seed = a.seed;
  const auto slash = a.shard.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no /");
    o.targets.shard_index = static_cast<unsigned>(std::stoul(a.shard.substr(0, slash)));
    o.targets.shard_count = static_cast<unsigned>(std::stoul(a.shard.substr(slash + 1)));
  } catch (const std::exception&) {
    throw InputError("bad --shard '" + a.shard + "' (expected i/n)");
  }
  if (!a.ports.empty()) o.ports = probe::parse_ports(a.ports);
  o.intrusive = a.intrusive;
  o.credentials = !a.no_credentials;
  o.service_checks = !a.sweep_only;
  o.syn = a.syn;
  o.max_credentials = a.max_credentials;
  o.credentials_file = a.credentials;
  o.concurrency = a.concurrency;
  o.per_target_concurrency = a.per_target_concurrency;
  o.rate = a.rate;
  o.per_target_rate = a.per_target_rate;
  o.connect_timeout = std::chrono::milliseconds(a.timeout_ms);
  o.retries = a.retries;
  o.budget = std::chrono::milliseconds(static_cast<long>(a.budget_seconds * 1000));
  o.budget_scale = a.budget_scale;
  o.progress = !a.quiet;
  return o;
}

void add_scan_options(CLI::App& cmd, ScanArgs& a, bool for_assess) {
  cmd.add_option("--exclude", a.exclude, "Addresses, CIDRs, ranges or files never to contact")
      ->delimiter(',');
  cmd.add_flag("--allow-public", a.allow_public,
               "Allow targets outside private and loopback ranges");
  cmd.add_flag("--intrusive", a.intrusive, "Also run intrusive checks (repeated failed logins)");
  cmd.add_option("--ports", a.ports, "Ports, e.g. 1-1024,8080,U:161 (default: the IoT set)");
  if (for_assess) return;
  cmd.add_option("-p", a.ports, "Same as --ports");
  cmd.add_option("--shard", a.shard, "Scan shard i of n of the deterministic permutation (i/n)");
  cmd.add_option("--seed", a.seed, "Seed of the target permutation");
  cmd.add_option("--rate", a.rate,
                 "New connections and datagrams per second, all targets (0 = no limit)");
  cmd.add_option("--per-target-rate", a.per_target_rate,
                 "New connections per second per target (0 = no limit)");
  cmd.add_option("--concurrency", a.concurrency, "Sockets open at once (default 2048)");
  cmd.add_option("--per-target-concurrency", a.per_target_concurrency,
                 "Sockets open at once per target (default 512)");
  cmd.add_option("--timeout", a.timeout_ms, "Connect timeout in milliseconds (default 1000)");
  cmd.add_option("--retries", a.retries, "Extra attempts after a timeout (default 1)");
  cmd.add_option("--budget", a.budget_seconds, "Whole-scan time budget in seconds (0 = none)");
  cmd.add_option("--budget-scale", a.budget_scale, "Multiply every check's time budget");
  cmd.add_flag("--no-credentials", a.no_credentials, "Skip default-credential checks");
  cmd.add_option("--credentials", a.credentials,
                 "Dictionary user<TAB>password<TAB>source (default: built in)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--max-credentials", a.max_credentials,
                 "Try at most N dictionary pairs per service");
  cmd.add_flag("--sweep-only", a.sweep_only, "Only find open TCP ports");
  cmd.add_flag(
      "--syn", a.syn,
      "Find open TCP ports with raw SYNs (half-open; needs CAP_NET_RAW) instead of connect()");
  cmd.add_option("-o,--output", a.output, "Write findings JSON here (default stdout)");
  cmd.add_flag("-q,--quiet", a.quiet, "No progress line");
  cmd.add_flag("--list-checks", a.list_checks, "List the checks and exit");
}

int list_checks() {
  for (const auto& c : probe::check_catalog()) {
    std::string kinds;
    for (auto k : c.tests_for) kinds += (kinds.empty() ? "" : ",") + std::string(k);
    std::cout << fmt::format("{:<34} {:<9} {:<7} {:>4}s  {}\n    tests for: {}\n", c.id,
                             probe::to_string(c.safety), c.service, c.budget.count() / 1000,
                             c.title, kinds);
  }
  return 0;
}

int scan(const ScanArgs& args) {
  if (args.list_checks) return list_checks();
  if (args.targets.empty())
    throw InputError("no targets given (kensa scan ADDR|CIDR|RANGE|FILE ...)");
  const auto options = options_from(args);
  std::signal(SIGINT, on_interrupt);
  probe::ScanStats stats;
  const auto set = probe::run_scan(options, &stats, [] { return g_interrupted.load(); });
  const std::string json = evidence::to_json(set).dump(2) + "\n";
  if (args.output.empty() || args.output == "-") {
    std::cout << json;
    std::cerr << probe::summary_table(set, stats);
  } else {
    write_file_atomic(args.output, json);
    std::cout << probe::summary_table(set, stats);
  }
  return stats.cancelled ? 130 : 0;
}

void add_probe_commands(CLI::App& app, Options& options) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* cmd = app.add_subcommand("scan",
                                     "Scan addresses for open services and run the IoT checks "
                                     "(default credentials, cleartext, TLS, ...)");
  cmd->add_option("targets", args->targets,
                  "Addresses, CIDRs (10.0.0.0/24), ranges (10.0.0.5-9) or files");
  add_scan_options(*cmd, *args, false);
  cmd->callback([&options, args] { options.run = [args] { return scan(*args); }; });
}

const RegisterCommand registered{&add_probe_commands};

// `kensa assess --target ...`: the scan's findings go straight to the verdict engine.
std::shared_ptr<ScanArgs> g_assess = std::make_shared<ScanArgs>();
const RegisterAssessInput assess_input{AssessInput{
    "probe",
    [](CLI::App& assess) {
      assess
          .add_option("--target", g_assess->targets,
                      "Scan these addresses, CIDRs, ranges or files (probe)")
          ->delimiter(',');
      add_scan_options(assess, *g_assess, true);
    },
    []() -> std::vector<evidence::FindingSet> {
      if (g_assess->targets.empty()) return {};
      auto options = options_from(*g_assess);
      std::signal(SIGINT, on_interrupt);
      probe::ScanStats stats;
      auto set = probe::run_scan(options, &stats, [] { return g_interrupted.load(); });
      set.origin = "probe scan of " + fmt::format("{}", fmt::join(g_assess->targets, ","));
      std::cerr << probe::summary_table(set, stats);
      std::vector<evidence::FindingSet> out;
      out.push_back(std::move(set));
      return out;
    }}};

}  // namespace

}  // namespace kensa::cli
