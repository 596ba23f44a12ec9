#pragma once
// kensa's active prober: an asynchronous (asio) scanner that finds open TCP ports and UDP services
// on the targets the user put in scope, identifies each service from what it answers (not from its
// port number), and runs the IoT checks that apply (default credentials, cleartext services, TLS,
// MQTT, CoAP, SNMP, FTP, UPnP, debug services, ...). Everything it learns is written in the shared
// findings schema (evidence/evidence.h), including a check run for every check that ran, so that a
// check that timed out against a hostile device is INCONCLUSIVE and never a silent PASS.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evidence/evidence.h"

namespace kensa::probe {

// ---- Targets ----

// An IPv4 address in host byte order.
using Ipv4 = std::uint32_t;
std::string format_ipv4(Ipv4 address);
std::optional<Ipv4> parse_ipv4(std::string_view text);

// Private, loopback, link-local, CGNAT and unique-local style ranges a scan may touch without
// --allow-public (RFC 1918, 127/8, 169.254/16, 100.64/10).
bool is_private(Ipv4 address);

struct TargetSpec {
  std::vector<std::string>
      include;  // addresses, CIDRs (a.b.c.d/n), ranges (a.b.c.d-e or a-b), @file
  std::vector<std::string> exclude;  // same syntax
  bool allow_public = false;
  std::uint64_t seed = 0;    // order of the random permutation (deterministic per seed)
  unsigned shard_index = 0;  // --shard i/n: this machine scans the addresses whose position in
  unsigned shard_count = 1;  // the permutation is ≡ i (mod n)
  std::size_t max_addresses = 1u << 20;  // refuse larger expansions (a typo like /8)
};

// Expands, excludes, scope-checks, permutes and shards. Throws InputError naming the bad item, or
// naming a public address when allow_public is false (before anything is sent).
std::vector<Ipv4> resolve_targets(const TargetSpec& spec);

// Parses "1-1024,8080,T:23,U:161" style lists. Throws InputError.
struct PortList {
  std::vector<std::uint16_t> tcp;
  std::vector<std::uint16_t> udp;
};
PortList parse_ports(std::string_view text);
PortList default_ports();  // the IoT port set

// ---- Checks ----

enum class Safety { safe, intrusive };
std::string_view to_string(Safety safety);

// How a check describes itself (the shape of an nmap NSE header or a zmap probe module).
struct CheckInfo {
  std::string_view id;     // e.g. "probe.telnet.default-credential"
  std::string_view title;  // one line
  std::string_view
      service;  // service it runs on: telnet ftp http tls mqtt coap snmp ssdp ssh adb rtsp *
  Safety safety = Safety::safe;
  std::chrono::milliseconds budget{5000};      // time budget of one run against one port
  std::vector<std::string_view> tests_for;     // finding kinds it reports
  std::vector<std::string_view> requirements;  // requirements it evidences (catalog ids)
  std::string_view description;
};
const std::vector<CheckInfo>& check_catalog();

// ---- Scan ----

struct ScanOptions {
  TargetSpec targets;
  PortList ports = default_ports();
  bool intrusive = false;           // run intrusive checks (credential brute-force protection test)
  bool credentials = true;          // run default-credential checks
  bool service_checks = true;       // false: port sweep only (open ports as open-service findings)
  bool syn = false;                 // sweep with raw SYNs (needs CAP_NET_RAW) instead of connect()
  std::size_t max_credentials = 0;  // 0 = the whole dictionary
  std::string credentials_file;     // default: data/credentials/default-credentials.txt (embedded)
  unsigned concurrency = 2048;      // sockets open at once
  unsigned per_target_concurrency = 512;
  double rate = 0;  // new connections / UDP probes per second, all targets (0 = no limit)
  double per_target_rate = 0;  // per target (0 = no limit)
  std::chrono::milliseconds connect_timeout{1000};
  unsigned retries = 1;  // extra connect/UDP attempts after a timeout (never after a refusal)
  std::chrono::milliseconds udp_timeout{800};
  std::chrono::milliseconds budget{0};  // whole-scan budget (0 = none); on expiry, checks are cut
  double budget_scale = 1.0;            // multiplies every check's time budget
  bool progress = false;                // live progress line on stderr
};

struct ScanStats {
  std::size_t addresses = 0, tcp_probes = 0, udp_probes = 0, open_tcp = 0, open_udp = 0;
  std::size_t checks = 0, checks_incomplete = 0, findings = 0;
  double seconds = 0;
  bool cancelled = false;
};

// Runs the scan. `cancel` may be set from another thread (SIGINT) to stop cleanly: nothing new is
// started, open sockets are closed, and unfinished checks are reported as skipped.
evidence::FindingSet run_scan(const ScanOptions& options, ScanStats* stats = nullptr,
                              const std::function<bool()>& cancelled = {});

// A short human table: one line per target with its open services and the findings by kind.
std::string summary_table(const evidence::FindingSet& set, const ScanStats& stats);

}  // namespace kensa::probe
