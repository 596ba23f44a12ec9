#pragma once
// The checks: dissectors report observations here; the Observer turns them into findings of the
// shared schema, keeps the per-device inventory and the behaviour counters, and counts what each
// check examined so the check runs can prove a PASS ("traffic.mqtt.credentials completed over 3
// MQTT connections"). Memory is bounded: findings per kind, devices and list lengths are capped,
// and what is left out is counted and said in the check run's detail.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "evidence/evidence.h"
#include "traffic/decode.h"
#include "traffic/dissector.h"
#include "traffic/traffic.h"

namespace kensa::traffic {

struct TlsHello {
  bool dtls = false;
  bool from_client = true;
  std::uint16_t record_version = 0;
  std::uint16_t legacy_version = 0;               // hello's version field
  std::vector<std::uint16_t> supported_versions;  // extension 43 (client list, server choice)
  std::vector<std::uint16_t> cipher_suites;       // client offer, or the one the server chose
  std::string sni;
  std::vector<std::string> alpn;
};

std::string tls_version_name(std::uint16_t version);
// "RC4", "3DES", "NULL", "EXPORT", "anon", "DES", "MD5" or empty when the suite is not weak.
std::string_view tls_weak_suite_reason(std::uint16_t suite);

class Observer {
 public:
  Observer(const Options& options, std::string capture_name);

  // A check examined one more unit (connection, handshake, certificate, message).
  void examined(std::string_view check, std::string_view service);

  void credential(const Context& ctx, std::string_view service, std::string_view method,
                  std::string_view user, std::string_view secret, std::string_view note = {});
  void cleartext_service(const Context& ctx, std::string_view service, std::string_view note = {});
  void tls_hello(const Context& ctx, const TlsHello& hello);
  void tls_certificate(const Context& ctx, Bytes der, bool dtls, int chain_index);
  void ftp_anonymous(const Context& ctx, bool accepted);
  void mqtt_anonymous(const Context& ctx);
  void mqtt_topic(const Context& ctx, std::string_view action, std::string_view topic);
  void snmp_community(const Context& ctx, std::string_view community, bool answered, int version);
  // `dir` is the direction of the SSDP message: its sender is the UPnP device.
  void upnp(const Context& ctx, Dir dir, std::string_view what, std::string_view server_header,
            std::string_view location);
  void coap(const Context& ctx, std::string_view method, std::string_view path);
  void coap_answered(const Context& ctx, std::string_view path, int code);
  void time_sync(const Context& ctx, std::string_view protocol, int stratum);
  void log_forwarding(const Context& ctx, std::string_view protocol, bool encrypted,
                      std::string_view sample);
  void update_check(const Context& ctx, std::string_view channel, std::string_view url,
                    bool encrypted);
  // Inventory: a name or attribute a device announced or used (DHCP hostname, DNS query, SNI...).
  void device_attribute(const Address& device, const std::array<std::uint8_t, 6>* mac,
                        std::string_view field, std::string_view value);

  // A new flow: checks the client against its allow-list, if it has one.
  void new_flow(const FlowInfo& flow, double time);

  // Behaviour, per packet (called by the analyzer for every decoded packet).
  void behaviour(const Packet& packet, double time);

  // Builds the finding set; `damaged` makes every check run end with status error.
  evidence::FindingSet finish(const Stats& stats, const std::string& damaged);

  std::size_t memory_bytes() const { return memory_; }

 private:
  struct Device {
    std::optional<std::array<std::uint8_t, 6>> mac;
    std::map<std::string, std::set<std::string>, std::less<>> attributes;
    std::size_t dropped_values = 0;
  };
  struct PairCount {
    std::uint32_t packets = 0;
  };

  void add(evidence::Finding finding, const std::string& dedup_key);
  static std::string endpoint(const Address& a, std::uint16_t port);
  void finish_ddos_second();

  Options options_;
  std::string capture_;
  std::map<std::string, std::map<std::string, std::uint64_t>, std::less<>> examined_;
  std::vector<evidence::Finding> findings_;
  std::unordered_map<std::string, std::size_t> dedup_;
  std::map<std::string, std::uint64_t> suppressed_;  // per kind, beyond the cap
  std::map<std::string, std::size_t> per_kind_;
  std::map<Address, Device> devices_;
  std::size_t devices_dropped_ = 0;
  std::size_t memory_ = 0;

  // outbound-scanning: per source, hashes of distinct destinations on scanned ports.
  struct ScanState {
    std::set<std::uint64_t> targets;
    std::map<std::uint16_t, std::uint32_t> ports;
    bool reported = false;
  };
  std::map<Address, ScanState> scans_;
  std::uint64_t syn_examined_ = 0;
  // ddos-participation: packets per (source, destination) in the current second.
  std::int64_t ddos_second_ = -1;
  struct PairHash {
    std::size_t operator()(const std::pair<Address, Address>& p) const;
  };
  std::unordered_map<std::pair<Address, Address>, PairCount, PairHash> pair_counts_;
  std::set<std::pair<Address, Address>> ddos_reported_;
  std::uint64_t seconds_examined_ = 0;
  struct Prefix {
    Address base;
    int bits = 128;
  };
  std::map<Address, std::vector<Prefix>> allow_;
};

std::string mask_secret(std::string_view secret);

}  // namespace kensa::traffic
