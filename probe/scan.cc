// The scan loop, top to bottom: resolve targets → TCP connect sweep and UDP probes over a
// deterministic permutation → identify each open port's service → run the checks that apply, each
// within its time budget → one FindingSet with a check run for every check.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <random>
#include <unordered_set>

#include "base/embedded.h"
#include "base/error.h"
#include "base/files.h"
#include "probe/engine.h"
#include "probe/sweep.h"

namespace kensa::probe {

std::vector<Credential> load_dictionary(const ScanOptions& o) {
  std::vector<Credential> dict;
  if (!o.credentials_file.empty()) {
    dict = parse_credentials(read_file(o.credentials_file), o.credentials_file);
  } else {
    dict = evidence::builtin_credentials();
  }
  // Same pair from several lists: keep the first (the file is ordered by how often a pair is seen).
  std::vector<Credential> unique;
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& c : dict) {
    if (seen.insert({c.user, c.password}).second) unique.push_back(std::move(c));
  }
  if (o.max_credentials > 0 && unique.size() > o.max_credentials) unique.resize(o.max_credentials);
  return unique;
}

namespace {

bool applies(const CheckInfo& info, const Service& svc) {
  if (info.service == "*") return true;
  if (info.service == "tls") return svc.tls || svc.name == "tls";
  return info.service == svc.name;
}

class Run {
 public:
  Run(asio::io_context& io, const ScanOptions& o, std::vector<Credential> dict,
      std::vector<Ipv4> targets, const std::vector<OpenPort>& open, std::size_t tcp_probes)
      : io_(io),
        options_(o),
        scanner_(io, o, std::move(dict)),
        targets_(std::move(targets)),
        tcp_total_(tcp_probes) {
    for (const auto& p : open) open_.push_back(PortState::at(p.address, p.port));
  }

  // Phase 1, the port sweep, ran before (sweep.cc); `open` is its result, sorted.
  awaitable<void> main() {
    if (!options_.service_checks) {
      for (auto& p : open_) record_open_only(p);
      co_return;
    }
    // Phase 2: UDP services and the open TCP ports, identified and checked.
    // UDP 514 (syslog) is judged by silence alone, and an address where nothing exists is silent
    // too (no ARP answer, so no ICMP port unreachable either): it is probed only on addresses that
    // showed life with an open TCP port. Protocols that answer (SNMP, CoAP, SSDP) need no gate.
    std::unordered_set<Ipv4> alive;
    for (const auto& p : open_) alive.insert(p.address);
    for (Ipv4 a : targets_) {
      for (auto port : options_.ports.udp) {
        if (port == 514 && !alive.contains(a)) continue;
        udp_.push_back(PortState::at(a, port, true));
      }
    }
    work_.clear();
    for (auto& p : open_) work_.push_back(&p);
    for (auto& p : udp_) work_.push_back(&p);
    next_ = 0;
    const std::size_t service_workers = std::min<std::size_t>(work_.size(), 256);
    co_await run_workers(service_workers,
                         [this]() -> awaitable<void> { co_await service_worker(); });
  }

  void progress_line(bool final) {
    auto& st = scanner_.stats;
    std::cerr
        << fmt::format(
               "\r\x1b[Kkensa scan: {} addresses, {}/{} tcp probes, {} open tcp, {} udp services, "
               "{} checks ({} incomplete), {} findings{}",
               targets_.size(), st.tcp_probes, tcp_total_, st.open_tcp, st.open_udp, st.checks,
               st.checks_incomplete, scanner_.results.findings.size(), final ? "\n" : "")
        << std::flush;
  }

  Scanner& scanner() { return scanner_; }

 private:
  template <typename F>
  awaitable<void> run_workers(std::size_t n, F make) {
    if (n == 0) co_return;
    auto remaining = std::make_shared<std::size_t>(n);
    asio::steady_timer done(io_, Clock::time_point::max());
    for (std::size_t i = 0; i < n; ++i) {
      asio::co_spawn(io_, make(), [remaining, &done](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            std::cerr << "kensa scan: internal error in a worker: " << ex.what() << "\n";
          }
        }
        if (--*remaining == 0) done.cancel();
      });
    }
    co_await done.async_wait(use_tuple);
  }

  awaitable<void> service_worker() {
    while (next_ < work_.size() && !scanner_.cancelled()) {
      PortState& p = *work_[next_++];
      const auto deadline = scan_deadline(Clock::now() + std::chrono::seconds(8));
      if (p.udp) {
        if (!co_await identify_udp(scanner_, p, deadline)) continue;
        ++scanner_.stats.open_udp;
      } else {
        co_await identify_tcp(scanner_, p, deadline);
      }
      for (const auto& check : checks()) {
        if (!applies(check.info, p.service)) continue;
        if (p.udp != (check.info.service == "coap" || check.info.service == "snmp" ||
                      check.info.service == "ssdp") &&
            check.info.service != "*" && check.info.service != "syslog") {  // syslog: both
          continue;
        }
        co_await run_check(check, p);
      }
    }
  }

  Clock::time_point scan_deadline(Clock::time_point t) const {
    return options_.budget.count() > 0 ? std::min(t, start_ + options_.budget) : t;
  }

  awaitable<void> run_check(const Check& check, PortState& p) {
    const auto budget =
        std::chrono::duration_cast<Clock::duration>(check.info.budget * options_.budget_scale);
    CheckContext ctx(scanner_, check, p, scan_deadline(Clock::now() + budget));
    const bool is_credential = check.info.id.find("credential") != std::string_view::npos;
    if (check.info.safety == Safety::intrusive && !options_.intrusive) {
      ctx.incomplete(evidence::CheckStatus::skipped, "intrusive check; run with --intrusive");
    } else if (is_credential && !options_.credentials) {
      ctx.incomplete(evidence::CheckStatus::skipped,
                     "credential checks disabled (--no-credentials)");
    } else if (scanner_.cancelled()) {
      ctx.incomplete(evidence::CheckStatus::skipped, "scan cancelled");
    } else if (ctx.expired()) {
      ctx.incomplete(evidence::CheckStatus::timeout, "scan budget spent before this check started");
    } else {
      try {
        co_await check.run(ctx);
      } catch (const std::exception& e) {
        ctx.incomplete(evidence::CheckStatus::error, std::string("internal error: ") + e.what());
      }
      if (ctx.status == evidence::CheckStatus::completed &&
          Clock::now() > ctx.deadline + std::chrono::milliseconds(50)) {
        ctx.incomplete(evidence::CheckStatus::timeout, "time budget exceeded");
      }
    }
    if (!p.service.identified && ctx.status == evidence::CheckStatus::completed &&
        check.info.service != "*") {
      // Never pass a check against a service that did not even answer like one.
      ctx.incomplete(evidence::CheckStatus::error,
                     "service not identified (" + p.service.evidence + ")");
    }
    evidence::CheckRun run;
    run.check = std::string(check.info.id);
    run.target = format_ipv4(p.address);
    run.port = p.port;
    run.collector = "probe";
    run.status = ctx.status;
    for (auto k : check.info.tests_for) run.tests_for.emplace_back(k);
    run.detail = ctx.detail;
    ++scanner_.stats.checks;
    if (run.status != evidence::CheckStatus::completed) ++scanner_.stats.checks_incomplete;
    scanner_.results.checks.push_back(std::move(run));
    for (auto& f : ctx.findings) scanner_.results.findings.push_back(std::move(f));
  }

  void record_open_only(const PortState& p) {
    evidence::Finding f;
    f.check = "probe.port.open";
    f.kind = "open-service";
    f.target = format_ipv4(p.address);
    f.port = p.port;
    f.protocol = "tcp";
    f.collector = "probe";
    f.severity = evidence::Severity::info;
    f.title = fmt::format("TCP port {} is open", p.port);
    f.evidence = nlohmann::json::object();
    scanner_.results.findings.push_back(std::move(f));
  }

  asio::io_context& io_;
  const ScanOptions& options_;
  Scanner scanner_;
  std::vector<Ipv4> targets_;
  std::size_t tcp_total_;
  std::size_t next_ = 0;
  std::vector<PortState> open_;
  std::deque<PortState> udp_;
  std::vector<PortState*> work_;
  Clock::time_point start_ = Clock::now();
};

}  // namespace

std::string_view to_string(Safety s) { return s == Safety::safe ? "safe" : "intrusive"; }

evidence::FindingSet run_scan(const ScanOptions& options, ScanStats* stats,
                              const std::function<bool()>& cancelled) {
  const auto start = Clock::now();
  auto targets = resolve_targets(options.targets);  // throws before anything is sent
  if (options.ports.tcp.empty() && options.ports.udp.empty()) throw InputError("no ports to scan");
  if (static_cast<std::uint64_t>(targets.size()) * options.ports.tcp.size() > 0xffffffffull) {
    throw InputError("too many address × port pairs");
  }
  raise_fd_limit();
  const bool show = options.progress && isatty(STDERR_FILENO);

  // Phase 1: the port sweep over a deterministic permutation of (address, port).
  std::vector<std::uint32_t> order(targets.size() * options.ports.tcp.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
  std::mt19937_64 rng(options.targets.seed + 1);
  std::shuffle(order.begin(), order.end(), rng);
  std::atomic<bool> interrupted = false;  // the sweep's threads poll it
  SweepInput sweep_input;
  sweep_input.options = &options;
  sweep_input.targets = &targets;
  sweep_input.ports = &options.ports.tcp;
  sweep_input.order = &order;
  sweep_input.stop = [&] {
    if (cancelled && cancelled()) interrupted = true;
    return interrupted || (options.budget.count() > 0 && Clock::now() > start + options.budget);
  };
  if (show) {
    sweep_input.progress = [&](std::size_t probes, std::size_t open) {
      std::cerr << fmt::format("\r\x1b[Kkensa scan: {} addresses, {}/{} tcp {} probes, {} open tcp",
                               targets.size(), probes, order.size(),
                               options.syn ? "SYN" : "connect", open)
                << std::flush;
    };
  }
  const SweepResult swept = order.empty() ? SweepResult{}
                            : options.syn ? syn_sweep(sweep_input)
                                          : connect_sweep(sweep_input);

  asio::io_context io(1);
  Run run(io, options, load_dictionary(options), targets, swept.open, order.size());
  Scanner& scanner = run.scanner();
  scanner.results.collector = "probe";
  scanner.results.tool = "kensa-probe 0.1";
  scanner.stats.addresses = targets.size();
  scanner.stats.tcp_probes = swept.probes;
  scanner.stats.open_tcp = swept.open.size();
  if (swept.stopped) {
    scanner.cancel();
    scanner.stats.cancelled = interrupted.load();
  }
  bool finished = false;
  asio::co_spawn(io, run.main(), [&](std::exception_ptr e) {
    finished = true;
    io.stop();
    if (e) std::rethrow_exception(e);
  });
  // Housekeeping tick: cancellation (SIGINT from the caller), the scan budget, the progress line.
  std::function<void()> tick;
  asio::steady_timer ticker(io);
  tick = [&] {
    ticker.expires_after(std::chrono::milliseconds(200));
    ticker.async_wait([&](std::error_code ec) {
      if (ec || finished) return;
      if (cancelled && cancelled() && !scanner.cancelled()) {
        scanner.cancel();
        scanner.stats.cancelled = true;
      }
      if (options.budget.count() > 0 &&
          Clock::now() > start + options.budget + std::chrono::seconds(2) && !scanner.cancelled()) {
        scanner
            .cancel();  // checks should have stopped on their own deadlines; this is the backstop
      }
      if (show) run.progress_line(false);
      tick();
    });
  };
  tick();
  io.run();
  if (show) run.progress_line(true);
  scanner.stats.findings = scanner.results.findings.size();
  scanner.stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (stats) *stats = scanner.stats;
  return std::move(scanner.results);
}

std::string summary_table(const evidence::FindingSet& set, const ScanStats& stats) {
  struct Row {
    std::set<std::string> services;
    std::map<std::string, int> kinds;
    int incomplete = 0, checks = 0;
  };
  std::map<std::string, Row> rows;
  for (const auto& f : set.findings) {
    auto& r = rows[f.target];
    if (f.kind == "open-service") {
      r.services.insert(
          fmt::format("{}/{}", f.port.value_or(0), f.service.empty() ? "?" : f.service));
    } else {
      ++r.kinds[f.kind];
    }
  }
  for (const auto& c : set.checks) {
    auto& r = rows[c.target];
    ++r.checks;
    if (c.status != evidence::CheckStatus::completed && c.status != evidence::CheckStatus::skipped)
      ++r.incomplete;
  }
  std::string out = fmt::format("{:<16} {:<34} {:>6} {:>10}  {}\n", "target", "services", "checks",
                                "incomplete", "findings");
  for (const auto& [target, r] : rows) {
    std::string services, kinds;
    for (const auto& s : r.services) services += (services.empty() ? "" : " ") + s;
    for (const auto& [k, n] : r.kinds)
      kinds += (kinds.empty() ? "" : ", ") + (n > 1 ? fmt::format("{}×{}", k, n) : k);
    if (services.size() > 34) services = services.substr(0, 31) + "...";
    out +=
        fmt::format("{:<16} {:<34} {:>6} {:>10}  {}\n", target, services.empty() ? "-" : services,
                    r.checks, r.incomplete, kinds.empty() ? "-" : kinds);
  }
  out += fmt::format(
      "{} addresses, {} TCP probes, {} open TCP ports, {} UDP services, {} checks ({} incomplete), "
      "{} findings in {:.2f} s{}\n",
      stats.addresses, stats.tcp_probes, stats.open_tcp, stats.open_udp, stats.checks,
      stats.checks_incomplete, stats.findings, stats.seconds,
      stats.cancelled ? " (cancelled)" : "");
  return out;
}

}  // namespace kensa::probe
