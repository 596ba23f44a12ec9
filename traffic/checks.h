#pragma once
// The checks: dissectors report observations here; the Observer turns them into findings of the
// shared schema, keeps the per-device inventory and the behaviour counters, and counts what each
// check examined so the check runs can prove a PASS ("traffic.mqtt.credentials completed over 3
// MQTT connections"). Memory is bounded: findings per kind, devices and list lengths are capped,
// and what is left out is counted and said in the check run's detail.
#include <cstdint>
#include <ctime>
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
  // A Tuya discovery broadcast of `device` (traffic/proto/tuya.cc); empty fields were not seen.
  // `encrypted`: under the public discovery key (v3.3/3.4) or AES-GCM (v3.5).
  void tuya_discovery(const Context& ctx, const Address& device, std::uint16_t port,
                      std::string_view version, std::string_view device_id,
                      std::string_view product_key, bool encrypted);
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
  // A DNS answer gave `address` for `name` (for the name-based allow-list).
  void dns_answer(const Context& ctx, std::string_view name, const Address& address);

  // An IP fragment contradicted bytes already held for its datagram (traffic/defrag.h).
  void fragment_conflict(const Packet& fragment, double time);

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

  // What the certificate checks need of a certificate, decoded once per distinct DER.
  struct CertFacts {
    bool parsed = false;
    std::size_t der_size = 0;
    std::string subject, issuer;
    int bits = 0, key_type = 0, signature = 0, digest = 0;
    bool self_issued = false;
    std::optional<std::time_t> not_before, not_after;
  };
  static CertFacts certificate_facts(Bytes der);
  std::unordered_map<std::uint64_t, CertFacts> certificates_;

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
  std::uint64_t certificates_hidden_ = 0;  // TLS 1.3 server hellos: the chain travels encrypted
  // ddos-participation: packets per (source, destination) in the current second.
  std::int64_t ddos_second_ = -1;
  // Open addressing, emptied each second by bumping the generation: no allocation per packet
  // (a node map cost one malloc and free per pair and second).
  struct PairSlot {
    Address src, dst;
    std::uint32_t packets = 0;
    std::uint32_t generation = 0;  // in use this second when equal to pair_generation_
  };
  PairSlot* pair_slot(const Address& src, const Address& dst, bool insert);
  std::vector<PairSlot> pair_slots_ = std::vector<PairSlot>(1024);
  std::vector<std::uint32_t> pair_used_;  // slots in use this second
  std::uint32_t pair_generation_ = 1;
  std::set<std::pair<Address, Address>> ddos_reported_;
  std::uint64_t seconds_examined_ = 0;
  struct Prefix {
    Address base;
    int bits = 128;
  };
  struct AllowList {
    std::vector<Prefix> prefixes;
    std::vector<std::string> names;  // lower case; "*.example.com" for names under example.com
  };
  struct FlowRef {
    Address client, server;
    std::uint16_t port = 0;
    auto operator<=>(const FlowRef&) const = default;
  };
  struct Undecided {
    double first_seen = 0;
    Transport transport = Transport::other;
    std::uint16_t client_port = 0;
  };
  bool name_allowed(const AllowList& list, std::string_view name) const;
  bool address_allowed(const AllowList& list, const Address& server) const;
  void report_unexpected(const FlowRef& flow, const Undecided& how, std::string_view names);
  std::map<Address, AllowList> allow_;
  // Names that DNS answers and SNIs gave each address (bounded), and the flows of allow-listed
  // devices whose destination only a later ClientHello can still name.
  std::unordered_map<std::string, std::vector<std::string>> names_of_address_;
  std::map<FlowRef, Undecided> undecided_;
};

std::string mask_secret(std::string_view secret);

}  // namespace kensa::traffic
