#include "traffic/checks.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>

namespace kensa::traffic {

namespace {
evidence::Finding device_finding(const Address& device, std::string check, std::string kind,
                                 std::string protocol, std::string service) {
  evidence::Finding f;
  f.check = std::move(check);
  f.kind = std::move(kind);
  f.target = device.to_string();
  f.protocol = std::move(protocol);
  f.service = std::move(service);
  return f;
}

// A finding about the flow's server: the device that offers the service the check looked at.
evidence::Finding server_finding(const FlowInfo& fl, std::string check, std::string kind,
                                 std::string protocol, std::string service) {
  evidence::Finding f = device_finding(fl.server, std::move(check), std::move(kind),
                                       std::move(protocol), std::move(service));
  f.port = fl.server_port;
  return f;
}

// A finding about the flow's client: the device whose behaviour (what it calls out to) was seen.
// No port: the client's ephemeral port says nothing about the device.
evidence::Finding client_finding(const FlowInfo& fl, std::string check, std::string kind,
                                 std::string protocol, std::string service) {
  return device_finding(fl.client, std::move(check), std::move(kind), std::move(protocol),
                        std::move(service));
}
}  // namespace

using nlohmann::json;

namespace {

constexpr std::size_t kFindingsPerKind = 256;
constexpr std::size_t kMaxDevices = 1024;
constexpr std::size_t kValuesPerAttribute = 12;
constexpr std::size_t kMaxScanSources = 4096;
constexpr std::size_t kMaxPairsPerSecond = 1u << 16;
constexpr std::uint16_t kScannedPorts[] = {23, 2323, 22, 7547, 5555, 37215, 52869};

std::string mac_text(const std::array<std::uint8_t, 6>& mac) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", mac[0], mac[1], mac[2], mac[3],
                     mac[4], mac[5]);
}

std::string utc(double t) {
  const std::time_t s = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// Vendors for the MAC prefixes in `wanted`, from a Wireshark manuf file (streamed, so only the
// prefixes asked for are kept in memory).
std::map<std::string, std::string> oui_vendors(const std::string& file,
                                               const std::set<std::string>& wanted) {
  std::map<std::string, std::string> out;
  if (wanted.empty()) return out;
  std::ifstream in(file.empty() ? "/usr/share/wireshark/manuf" : file);
  std::string line;
  while (out.size() < wanted.size() && std::getline(in, line)) {
    if (line.size() < 10 || line[8] != '\t') continue;
    std::string prefix = line.substr(0, 8);
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), ::tolower);
    if (!wanted.count(prefix)) continue;
    // prefix TAB short-name [TAB long-name | TAB # comment]
    const auto tab = line.find('\t', 9);
    const std::string short_name =
        line.substr(9, tab == std::string::npos ? std::string::npos : tab - 9);
    std::string long_name = tab == std::string::npos ? std::string() : line.substr(tab + 1);
    long_name = long_name.substr(0, long_name.find('\t'));
    out[prefix] = long_name.empty() || long_name[0] == '#' ? short_name : long_name;
  }
  return out;
}

}  // namespace

std::string mask_secret(std::string_view secret) {
  // Enough to recognise the credential in one's own records, never enough to reuse it.
  if (secret.empty()) return "(empty)";
  if (secret.size() < 6)
    return std::string(secret.size(), '*') + fmt::format(" ({} chars)", secret.size());
  return std::string(1, secret.front()) + std::string(secret.size() - 2, '*') + secret.back() +
         fmt::format(" ({} chars)", secret.size());
}

std::string tls_version_name(std::uint16_t v) {
  switch (v) {
    case 0x0200:
      return "SSL 2.0";
    case 0x0300:
      return "SSL 3.0";
    case 0x0301:
      return "TLS 1.0";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
    case 0xfeff:
      return "DTLS 1.0";
    case 0xfefd:
      return "DTLS 1.2";
    case 0xfefc:
      return "DTLS 1.3";
    default:
      return fmt::format("0x{:04x}", v);
  }
}

std::string_view tls_weak_suite_reason(std::uint16_t s) {
  // Cipher suite registry (IANA TLS parameters), grouped by why a suite is weak.
  switch (s) {
    case 0x0000:
    case 0x0001:
    case 0x0002:
    case 0x002c:
    case 0x002d:
    case 0x002e:
    case 0x003b:
    case 0x00b0:
    case 0x00b1:
    case 0x00b4:
    case 0x00b5:
    case 0x00b8:
    case 0x00b9:
    case 0xc001:
    case 0xc006:
    case 0xc00b:
    case 0xc010:
    case 0xc015:
    case 0xc039:
    case 0xc03a:
    case 0xc03b:
      return "NULL";
    case 0x0003:
    case 0x0006:
    case 0x0008:
    case 0x000b:
    case 0x000e:
    case 0x0011:
    case 0x0014:
    case 0x0017:
    case 0x0019:
    case 0x0026:
    case 0x0027:
    case 0x0028:
    case 0x0029:
    case 0x002a:
    case 0x002b:
    case 0x0060:
    case 0x0061:
    case 0x0062:
    case 0x0063:
    case 0x0064:
    case 0x0065:
      return "EXPORT";
    case 0x0004:
    case 0x0005:
    case 0x0018:
    case 0x0020:
    case 0x0024:
    case 0x008a:
    case 0x008e:
    case 0x0092:
    case 0xc002:
    case 0xc007:
    case 0xc00c:
    case 0xc011:
    case 0xc016:
    case 0xc033:
      return "RC4";
    case 0x0009:
    case 0x000c:
    case 0x000f:
    case 0x0012:
    case 0x0015:
    case 0x001a:
    case 0x001e:
    case 0x0022:
      return "DES";
    case 0x0007:
    case 0x000a:
    case 0x000d:
    case 0x0010:
    case 0x0013:
    case 0x0016:
    case 0x001b:
    case 0x001f:
    case 0x0023:
    case 0x008b:
    case 0x008f:
    case 0x0093:
    case 0xc003:
    case 0xc008:
    case 0xc00d:
    case 0xc012:
    case 0xc017:
    case 0xc01a:
    case 0xc01b:
    case 0xc01c:
    case 0xc034:
      return "3DES";
    case 0x0034:
    case 0x003a:
    case 0x006c:
    case 0x006d:
    case 0x0046:
    case 0x0089:
    case 0x009b:
    case 0x00a6:
    case 0x00a7:
    case 0x00bf:
    case 0x00c5:
    case 0xc018:
    case 0xc019:
      return "anon";
    default:
      return {};
  }
}

namespace {

// "a.b.c.d", "a.b.c.d/n", IPv6 likewise; IPv4 prefixes count in the mapped form (96 + n).
bool parse_address(const std::string& text, Address& out, int& bits) {
  const auto slash = text.find('/');
  const std::string host = text.substr(0, slash);
  std::uint8_t raw[16];
  if (inet_pton(AF_INET, host.c_str(), raw) == 1) {
    out = address_v4(raw);
    bits = 128;
    if (slash != std::string::npos) bits = 96 + std::atoi(text.c_str() + slash + 1);
  } else if (inet_pton(AF_INET6, host.c_str(), raw) == 1) {
    out = address_v6(raw);
    bits = 128;
    if (slash != std::string::npos) bits = std::atoi(text.c_str() + slash + 1);
  } else {
    return false;
  }
  return bits >= 0 && bits <= 128;
}

constexpr std::size_t kMaxNamedAddresses = 16384;
constexpr std::size_t kNamesPerAddress = 8;
constexpr std::size_t kMaxUndecided = 4096;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!out.empty() && out.back() == '.') out.pop_back();  // the root label
  return out;
}

// "name.example", or "*.example": letters, digits, '-', '_' and dots, no empty label.
bool valid_name_pattern(std::string_view text) {
  if (text.starts_with("*.")) text.remove_prefix(2);
  if (text.empty() || text.size() > 253 || text.front() == '.' || text.find("..") != text.npos)
    return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

bool in_prefix(const Address& a, const Address& base, int bits) {
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

}  // namespace

Observer::Observer(const Options& options, std::string capture_name)
    : options_(options), capture_(std::move(capture_name)) {
  for (const auto& [device, destinations] : options.allowed_destinations) {
    Address d;
    int bits = 0;
    if (!parse_address(device, d, bits))
      throw std::invalid_argument("allow-list: bad device address '" + device + "'");
    auto& list = allow_[d];
    for (const auto& text : destinations) {
      Prefix p;
      if (parse_address(text, p.base, p.bits)) {
        list.prefixes.push_back(p);
      } else if (valid_name_pattern(text)) {
        list.names.push_back(lower(text));
      } else {
        throw std::invalid_argument("allow-list: bad destination '" + text + "' for " + device +
                                    " (an address, a prefix, a DNS name or *.domain)");
      }
    }
  }
}

bool Observer::name_allowed(const AllowList& list, std::string_view name) const {
  const std::string n = lower(name);
  for (const auto& pattern : list.names) {
    if (pattern.starts_with("*.")) {
      const std::string_view domain = std::string_view(pattern).substr(1);  // ".example.com"
      if (n.size() > domain.size() && n.ends_with(domain)) return true;
    } else if (n == pattern) {
      return true;
    }
  }
  return false;
}

bool Observer::address_allowed(const AllowList& list, const Address& server) const {
  for (const auto& p : list.prefixes) {
    if (in_prefix(server, p.base, p.bits)) return true;
  }
  if (list.names.empty()) return false;
  auto it = names_of_address_.find(server.to_string());
  if (it == names_of_address_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const std::string& n) { return name_allowed(list, n); });
}

void Observer::dns_answer(const Context&, std::string_view name, const Address& address) {
  if (allow_.empty() || name.empty()) return;
  auto [it, inserted] = names_of_address_.try_emplace(address.to_string());
  if (inserted && names_of_address_.size() > kMaxNamedAddresses) {
    names_of_address_.erase(it);
    return;
  }
  auto& names = it->second;
  const std::string n = lower(name);
  if (names.size() < kNamesPerAddress && std::find(names.begin(), names.end(), n) == names.end()) {
    names.push_back(n);
    memory_ += 64 + n.size();
  }
}

void Observer::new_flow(const FlowInfo& flow, double time) {
  if (allow_.empty()) return;
  auto it = allow_.find(flow.client);
  if (it == allow_.end()) return;
  examined("traffic.allow-list", "flow");
  if (flow.server.is_multicast_or_broadcast() || address_allowed(it->second, flow.server)) return;
  const FlowRef ref{flow.client, flow.server, flow.server_port};
  const Undecided how{time, flow.transport, flow.client_port};
  if (!it->second.names.empty() && undecided_.size() < kMaxUndecided) {
    // A TLS ClientHello may still name the destination (SNI): decided then, or at the end.
    undecided_.try_emplace(ref, how);
    return;
  }
  report_unexpected(ref, how, {});
}

void Observer::report_unexpected(const FlowRef& flow, const Undecided& how,
                                 std::string_view names) {
  evidence::Finding f;
  f.check = "traffic.allow-list";
  f.kind = "unexpected-destination";
  f.target = flow.client.to_string();
  f.port = flow.port;
  f.protocol = how.transport == Transport::tcp ? "tcp" : "udp";
  f.title = fmt::format("contacts {} outside its allow-list", endpoint(flow.server, flow.port));
  f.evidence_text =
      fmt::format("{} -> {} not in the allow-list of {}{}{}",
                  endpoint(flow.client, how.client_port), endpoint(flow.server, flow.port),
                  flow.client.to_string(), names.empty() ? "" : "; names seen for it: ", names);
  f.evidence = {{"destination", flow.server.to_string()},
                {"port", flow.port},
                {"first_seen", utc(how.first_seen)}};
  if (!names.empty()) f.evidence["names"] = names;
  add(std::move(f),
      fmt::format("allow|{}|{}|{}", flow.client.to_string(), flow.server.to_string(), flow.port));
}

std::string Observer::endpoint(const Address& a, std::uint16_t port) {
  return a.is_v4() ? fmt::format("{}:{}", a.to_string(), port)
                   : fmt::format("[{}]:{}", a.to_string(), port);
}

void Observer::examined(std::string_view check, std::string_view service) {
  auto it = examined_.find(check);
  if (it == examined_.end())
    it = examined_.emplace(std::string(check), std::map<std::string, std::uint64_t>{}).first;
  ++it->second[std::string(service)];
}

void Observer::add(evidence::Finding f, const std::string& key) {
  if (dedup_.count(key)) return;
  if (per_kind_[f.kind] >= kFindingsPerKind) {
    ++suppressed_[f.kind];
    return;
  }
  ++per_kind_[f.kind];
  f.collector = "traffic";
  if (const auto* kind = evidence::find_kind(f.kind)) f.severity = kind->default_severity;
  memory_ += 512 + f.evidence_text.size() + f.title.size();
  dedup_.emplace(key, findings_.size());
  findings_.push_back(std::move(f));
}

void Observer::credential(const Context& ctx, std::string_view service, std::string_view method,
                          std::string_view user, std::string_view secret, std::string_view note) {
  const auto& fl = ctx.flow;
  evidence::Finding f =
      server_finding(fl, fmt::format("traffic.{}.credentials", service), "cleartext-credential",
                     fl.transport == Transport::udp ? "udp" : "tcp", std::string(service));
  f.title = fmt::format("{} {} credentials sent in clear text", service, method);
  f.evidence_text =
      fmt::format("{} -> {} {} user '{}' secret {}{}{}", endpoint(fl.client, fl.client_port),
                  endpoint(fl.server, fl.server_port), method, printable(user, 64),
                  mask_secret(secret), note.empty() ? "" : "; ", note);
  f.evidence = {{"client", fl.client.to_string()},
                {"server", fl.server.to_string()},
                {"method", method},
                {"user", printable(user, 64)},
                {"secret_masked", mask_secret(secret)},
                {"first_seen", utc(ctx.time)}};
  if (!note.empty()) f.evidence["note"] = note;
  add(std::move(f), fmt::format("cred|{}|{}|{}|{}|{}|{}", service, fl.client.to_string(),
                                fl.server.to_string(), fl.server_port, method, user));
  cleartext_service(ctx, service);
}

void Observer::cleartext_service(const Context& ctx, std::string_view service,
                                 std::string_view note) {
  const auto& fl = ctx.flow;
  evidence::Finding f =
      server_finding(fl, "traffic.cleartext-services", "cleartext-service",
                     fl.transport == Transport::udp ? "udp" : "tcp", std::string(service));
  f.title = fmt::format("{} used without encryption", service);
  f.evidence_text =
      fmt::format("{} -> {} {} in clear text{}{}", endpoint(fl.client, fl.client_port),
                  endpoint(fl.server, fl.server_port), service, note.empty() ? "" : ": ", note);
  f.evidence = {{"client", fl.client.to_string()},
                {"server", fl.server.to_string()},
                {"first_seen", utc(ctx.time)}};
  add(std::move(f), fmt::format("clear|{}|{}|{}", service, fl.server.to_string(), fl.server_port));
}

void Observer::tls_hello(const Context& ctx, const TlsHello& h) {
  const auto& fl = ctx.flow;
  const char* family = h.dtls ? "dtls" : "tls";
  examined("traffic.tls.versions", h.from_client ? "client-hello" : "server-hello");
  const std::string peer = fmt::format("{} -> {}", endpoint(fl.client, fl.client_port),
                                       endpoint(fl.server, fl.server_port));
  if (!h.sni.empty())
    device_attribute(fl.client, fl.has_mac ? &fl.client_mac : nullptr, "tls_sni", h.sni);
  if (h.from_client && !h.sni.empty() && !allow_.empty()) {
    dns_answer(ctx, h.sni, fl.server);  // the name the client used for this address
    auto it = undecided_.find(FlowRef{fl.client, fl.server, fl.server_port});
    if (it != undecided_.end()) {
      auto list = allow_.find(fl.client);
      if (list != allow_.end() && name_allowed(list->second, h.sni)) {
        undecided_.erase(it);
      }
    }
  }
  // Highest version the client offers, or the one the server chose.
  std::uint16_t version = h.legacy_version;
  for (auto v : h.supported_versions) {
    if ((v & 0x0a0a) == 0x0a0a) continue;                     // GREASE
    if (h.dtls ? (v < version) : (v > version)) version = v;  // DTLS numbers count down
  }
  const bool legacy =
      h.dtls ? (version > 0xfefd && version >= 0xfe00) || version < 0xfe00 : version < 0x0303;
  if (legacy && version != 0) {
    evidence::Finding f = server_finding(fl, "traffic.tls.versions", "tls-legacy-version",
                                         h.dtls ? "udp" : "tcp", family);
    f.title = h.from_client ? fmt::format("client offers at most {}", tls_version_name(version))
                            : fmt::format("server negotiates {}", tls_version_name(version));
    f.evidence_text =
        fmt::format("{} {}{}", peer, f.title, h.sni.empty() ? "" : " (SNI " + h.sni + ")");
    f.evidence = {{"client", fl.client.to_string()},
                  {"server", fl.server.to_string()},
                  {"version", tls_version_name(version)},
                  {"side", h.from_client ? "client" : "server"}};
    if (!h.sni.empty()) f.evidence["sni"] = h.sni;
    add(std::move(f), fmt::format("tlsver|{}|{}|{}|{}|{}", fl.client.to_string(),
                                  fl.server.to_string(), fl.server_port, h.from_client, version));
  }
  std::vector<std::string> weak;
  for (auto s : h.cipher_suites) {
    const auto reason = tls_weak_suite_reason(s);
    if (!reason.empty()) weak.push_back(fmt::format("0x{:04x} ({})", s, reason));
  }
  if (!weak.empty()) {
    evidence::Finding f = server_finding(fl, "traffic.tls.versions", "tls-weak-cipher",
                                         h.dtls ? "udp" : "tcp", family);
    f.title = h.from_client ? fmt::format("client offers {} weak cipher suite(s)", weak.size())
                            : "server negotiates a weak cipher suite";
    std::string list;
    for (std::size_t i = 0; i < weak.size() && i < 8; ++i) list += (i ? ", " : "") + weak[i];
    if (weak.size() > 8) list += fmt::format(", ... {} more", weak.size() - 8);
    f.evidence_text = fmt::format("{} {}: {}", peer, f.title, list);
    f.evidence = {{"client", fl.client.to_string()},
                  {"server", fl.server.to_string()},
                  {"suites", weak},
                  {"side", h.from_client ? "client" : "server"}};
    add(std::move(f), fmt::format("tlsweak|{}|{}|{}|{}", fl.client.to_string(),
                                  fl.server.to_string(), fl.server_port, h.from_client));
  }
  if (!legacy && !h.from_client && weak.empty()) {
    evidence::Finding f = server_finding(fl, "traffic.tls.versions", "observed-encrypted-channel",
                                         h.dtls ? "udp" : "tcp", family);
    f.title = fmt::format("{} negotiated", tls_version_name(version));
    const bool hidden = version == 0x0304 || version == 0xfefc;
    const std::string suite =
        h.cipher_suites.empty() ? std::string() : fmt::format("0x{:04x}", h.cipher_suites[0]);
    f.evidence_text =
        fmt::format("{} {}{}{}{}", peer, f.title, suite.empty() ? "" : ", cipher suite " + suite,
                    h.alpn.empty() ? "" : ", ALPN " + h.alpn[0],
                    hidden ? "; certificate not visible (encrypted)" : "");
    f.evidence = {{"client", fl.client.to_string()},
                  {"server", fl.server.to_string()},
                  {"version", tls_version_name(version)}};
    if (!suite.empty()) f.evidence["cipher_suite"] = suite;
    if (hidden) f.evidence["certificate"] = "not visible: encrypted by TLS 1.3";
    add(std::move(f), fmt::format("tlsok|{}|{}", fl.server.to_string(), fl.server_port));
  }
  if (h.from_client && !h.sni.empty()) {
    static constexpr std::string_view kUpdateWords[] = {"update", "firmware", "upgrade", "ota.",
                                                        "fota"};
    for (auto w : kUpdateWords) {
      if (contains_nocase(h.sni, w)) {
        update_check(ctx, family, h.sni, true);
        break;
      }
    }
  }
  if (!h.from_client && (version == 0x0304 || version == 0xfefc)) ++certificates_hidden_;
  if (fl.server_port == 6514 && h.from_client) log_forwarding(ctx, "syslog over TLS", true, h.sni);
}

Observer::CertFacts Observer::certificate_facts(Bytes der) {
  CertFacts c;
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) return c;
  c.parsed = true;
  char subject[256] = "", issuer[256] = "";
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  X509_NAME_oneline(X509_get_issuer_name(cert), issuer, sizeof issuer);
  c.subject = subject;
  c.issuer = issuer;
  if (EVP_PKEY* pub = X509_get0_pubkey(cert)) {
    c.bits = EVP_PKEY_get_bits(pub);
    c.key_type = EVP_PKEY_get_base_id(pub);
  }
  c.self_issued = X509_check_issued(cert, cert) == X509_V_OK;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notBefore(cert), &tm) == 1) c.not_before = timegm(&tm);
  tm = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) c.not_after = timegm(&tm);
  c.signature = X509_get_signature_nid(cert);
  int pkey = NID_undef;
  OBJ_find_sigid_algs(c.signature, &c.digest, &pkey);
  X509_free(cert);
  return c;
}

void Observer::tls_certificate(const Context& ctx, Bytes der, bool dtls, int chain_index) {
  const auto& fl = ctx.flow;
  examined("traffic.tls.certificates", dtls ? "dtls" : "tls");
  // Servers present the same certificates again and again: decoding one (OpenSSL 3 decoders)
  // costs more than the rest of the handshake, so the facts are kept per DER hash (bounded).
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ der.size();
  for (std::size_t i = 0; i < der.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, der.data() + i, std::min<std::size_t>(8, der.size() - i));
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  auto cached = certificates_.find(h);
  if (cached == certificates_.end() || cached->second.der_size != der.size()) {
    if (certificates_.size() >= 256) certificates_.clear();
    CertFacts facts = certificate_facts(der);
    facts.der_size = der.size();
    cached = certificates_.insert_or_assign(h, std::move(facts)).first;
  }
  const CertFacts& c = cached->second;
  if (!c.parsed) return;
  const std::string where = endpoint(fl.server, fl.server_port);
  auto base = [&](const char* kind, std::string title) {
    evidence::Finding f = server_finding(fl, "traffic.tls.certificates", kind, dtls ? "udp" : "tcp",
                                         dtls ? "dtls" : "tls");
    f.title = std::move(title);
    f.evidence_text = fmt::format("{} certificate #{} '{}': {}", where, chain_index,
                                  printable(c.subject, 120), f.title);
    f.evidence = {{"server", fl.server.to_string()},
                  {"subject", printable(c.subject, 200)},
                  {"issuer", printable(c.issuer, 200)},
                  {"chain_index", chain_index}};
    return f;
  };
  const std::string key =
      fmt::format("{}|{}|{}", fl.server.to_string(), fl.server_port, printable(c.subject, 200));
  const bool ec =
      c.key_type == EVP_PKEY_EC || c.key_type == EVP_PKEY_ED25519 || c.key_type == EVP_PKEY_ED448;
  if (c.bits > 0 && ((ec && c.bits < 224) || (!ec && c.bits < 2048))) {
    add(base("tls-weak-key",
             fmt::format("{} key of {} bits", ec ? "EC" : OBJ_nid2sn(c.key_type), c.bits)),
        "key|" + key);
  }
  if (chain_index == 0 && c.self_issued) {
    add(base("tls-self-signed", "self-signed certificate presented"), "self|" + key);
  }
  const auto now = static_cast<std::time_t>(ctx.time);
  if (c.not_after && *c.not_after <= now) {
    add(base("tls-expired", "certificate had expired when presented"), "exp|" + key);
  } else if (c.not_before && *c.not_before > now) {
    add(base("tls-expired", "certificate was not yet valid when presented"), "nyv|" + key);
  }
  if (chain_index == 0 || !c.self_issued) {
    // A self-signed root's own signature is not checked by anyone; the others matter.
    const int d = c.digest;
    if (d == NID_md5 || d == NID_sha1 || d == NID_md2 || d == NID_md4) {
      add(base("tls-weak-signature", fmt::format("signed with {}", OBJ_nid2ln(c.signature))),
          "sig|" + key);
    }
  }
}

void Observer::ftp_anonymous(const Context& ctx, bool accepted) {
  const auto& fl = ctx.flow;
  evidence::Finding f =
      server_finding(fl, "traffic.ftp.credentials", "ftp-anonymous", "tcp", "ftp");
  f.title = accepted ? "FTP server accepted an anonymous login" : "anonymous FTP login attempted";
  f.evidence_text = fmt::format("{} -> {} {}", endpoint(fl.client, fl.client_port),
                                endpoint(fl.server, fl.server_port), f.title);
  f.evidence = {{"client", fl.client.to_string()}, {"accepted", accepted}};
  if (accepted)
    add(std::move(f), fmt::format("ftpanon|{}|{}", fl.server.to_string(), fl.server_port));
}

void Observer::mqtt_anonymous(const Context& ctx) {
  const auto& fl = ctx.flow;
  evidence::Finding f =
      server_finding(fl, "traffic.mqtt.credentials", "mqtt-anonymous", "tcp", "mqtt");
  f.title = "MQTT broker accepted a CONNECT without credentials";
  f.evidence_text =
      fmt::format("{} -> {} CONNACK accepted, no username", endpoint(fl.client, fl.client_port),
                  endpoint(fl.server, fl.server_port));
  f.evidence = {{"client", fl.client.to_string()}};
  add(std::move(f), fmt::format("mqttanon|{}|{}", fl.server.to_string(), fl.server_port));
}

void Observer::mqtt_topic(const Context& ctx, std::string_view action, std::string_view topic) {
  device_attribute(ctx.flow.client, ctx.flow.has_mac ? &ctx.flow.client_mac : nullptr,
                   std::string("mqtt_") + std::string(action), topic);
}

void Observer::snmp_community(const Context& ctx, std::string_view community, bool answered,
                              int version) {
  const auto& fl = ctx.flow;
  const std::string method = fmt::format("v{} community", version == 0 ? "1" : "2c");
  credential(ctx, "snmp", method, "", community);
  if (answered && (community == "public" || community == "private")) {
    evidence::Finding f =
        server_finding(fl, "traffic.snmp.community", "snmp-default-community", "udp", "snmp");
    f.title = fmt::format("SNMP agent answers to the default community '{}'", community);
    f.evidence_text = fmt::format("{} answered {} request with community '{}'",
                                  endpoint(fl.server, fl.server_port), method, community);
    f.evidence = {{"client", fl.client.to_string()}, {"community", community}};
    add(std::move(f), fmt::format("snmpdef|{}|{}", fl.server.to_string(), community));
  }
}

void Observer::upnp(const Context& ctx, Dir dir, std::string_view what,
                    std::string_view server_header, std::string_view location) {
  const auto& fl = ctx.flow;
  examined("traffic.upnp", "ssdp");
  const bool from_server = dir == kToClient;
  const Address& device = from_server ? fl.server : fl.client;
  const std::uint16_t port = from_server ? fl.server_port : fl.client_port;
  if (!server_header.empty()) device_attribute(device, nullptr, "upnp_server", server_header);
  if (!location.empty()) device_attribute(device, nullptr, "upnp_location", location);
  evidence::Finding f = device_finding(device, "traffic.upnp", "upnp-exposed", "udp", "ssdp");
  f.port = port;
  f.title = fmt::format("UPnP device announces itself over SSDP ({})", what);
  f.evidence_text =
      fmt::format("{} {}{}{}", device.to_string(), what,
                  server_header.empty() ? "" : ", SERVER: ", printable(server_header, 100));
  f.evidence = {{"server_header", printable(server_header, 200)},
                {"location", printable(location, 200)}};
  add(std::move(f), "upnp|" + device.to_string());
}

void Observer::tuya_discovery(const Context& ctx, const Address& device, std::uint16_t port,
                              std::string_view version, std::string_view device_id,
                              std::string_view product_key, bool encrypted) {
  const auto& fl = ctx.flow;
  const auto* mac = fl.has_mac && device == fl.client ? &fl.client_mac : nullptr;
  device_attribute(device, mac, "tuya_device_id", device_id);
  device_attribute(device, mac, "tuya_product_key", product_key);
  device_attribute(device, mac, "tuya_protocol", version);
  if (version == "3.5" || (device_id.empty() && product_key.empty())) return;  // nothing readable
  evidence::Finding f = device_finding(device, "traffic.cleartext-services", "cleartext-service",
                                       "udp", "tuya-discovery");
  f.port = port;
  f.title = "Tuya discovery broadcast readable by anyone on the network";
  f.evidence_text =
      fmt::format("{} broadcasts on udp/{}: device id {}, product key {}, protocol {} ({})",
                  device.to_string(), port, device_id.empty() ? "?" : device_id,
                  product_key.empty() ? "?" : product_key, version.empty() ? "?" : version,
                  encrypted ? "AES-ECB under the key every Tuya client ships" : "in clear");
  f.evidence = {{"device_id", device_id},
                {"product_key", product_key},
                {"version", version},
                {"first_seen", utc(ctx.time)}};
  add(std::move(f), "tuya|" + device.to_string());
}

void Observer::coap(const Context& ctx, std::string_view method, std::string_view path) {
  cleartext_service(ctx, "coap", fmt::format("{} /{}", method, printable(path, 100)));
}

void Observer::coap_answered(const Context& ctx, std::string_view path, int code) {
  const auto& fl = ctx.flow;
  evidence::Finding f = server_finding(fl, "traffic.coap", "coap-unauthenticated", "udp", "coap");
  f.path = printable(path, 200);
  f.title = "CoAP resource answered without DTLS or OSCORE";
  f.evidence_text =
      fmt::format("{} -> {} /{} answered {}.{:02d} in clear", endpoint(fl.client, fl.client_port),
                  endpoint(fl.server, fl.server_port), printable(path, 100), code >> 5, code & 31);
  f.evidence = {{"client", fl.client.to_string()},
                {"code", fmt::format("{}.{:02d}", code >> 5, code & 31)}};
  add(std::move(f),
      fmt::format("coap|{}|{}|{}", fl.server.to_string(), fl.server_port, printable(path, 200)));
}

void Observer::time_sync(const Context& ctx, std::string_view protocol, int stratum) {
  const auto& fl = ctx.flow;
  examined("traffic.operation", "ntp");
  evidence::Finding f =
      client_finding(fl, "traffic.operation", "observed-time-sync", "udp", std::string(protocol));
  f.title = fmt::format("time synchronisation with {}", endpoint(fl.server, fl.server_port));
  f.evidence_text =
      fmt::format("{} -> {} {}{}", fl.client.to_string(), endpoint(fl.server, fl.server_port),
                  protocol, stratum > 0 ? fmt::format(" (server stratum {})", stratum) : "");
  f.evidence = {{"server", fl.server.to_string()}, {"first_seen", utc(ctx.time)}};
  if (stratum > 0) f.evidence["stratum"] = stratum;
  add(std::move(f), fmt::format("ntp|{}|{}", fl.client.to_string(), fl.server.to_string()));
}

void Observer::log_forwarding(const Context& ctx, std::string_view protocol, bool encrypted,
                              std::string_view sample) {
  const auto& fl = ctx.flow;
  examined("traffic.operation", "syslog");
  evidence::Finding f =
      client_finding(fl, "traffic.operation", "observed-log-forwarding",
                     fl.transport == Transport::udp ? "udp" : "tcp", std::string(protocol));
  f.title = fmt::format("logs forwarded to {} ({})", endpoint(fl.server, fl.server_port),
                        encrypted ? "encrypted" : "clear text");
  f.evidence_text =
      fmt::format("{} -> {} {}: {}", fl.client.to_string(), endpoint(fl.server, fl.server_port),
                  protocol, printable(sample, 100));
  f.evidence = {{"server", fl.server.to_string()}, {"encrypted", encrypted}};
  add(std::move(f),
      fmt::format("log|{}|{}|{}", fl.client.to_string(), fl.server.to_string(), fl.server_port));
  if (!encrypted) cleartext_service(ctx, "syslog");
}

void Observer::update_check(const Context& ctx, std::string_view channel, std::string_view url,
                            bool encrypted) {
  const auto& fl = ctx.flow;
  examined("traffic.operation", "update");
  evidence::Finding f =
      client_finding(fl, "traffic.operation", "observed-update-check", "tcp", std::string(channel));
  f.title = fmt::format("update check to {} over {}", printable(url, 100), channel);
  f.evidence_text = fmt::format("{} -> {} {}", fl.client.to_string(),
                                endpoint(fl.server, fl.server_port), f.title);
  f.evidence = {
      {"server", fl.server.to_string()}, {"url", printable(url, 200)}, {"encrypted", encrypted}};
  add(f, fmt::format("upd|{}|{}", fl.client.to_string(), printable(url, 200)));
  if (!encrypted) {
    f.kind = "update-insecure-channel";
    f.title = fmt::format("update check over unencrypted {}", channel);
    add(std::move(f), fmt::format("updclear|{}|{}", fl.client.to_string(), fl.server.to_string()));
  }
}

void Observer::device_attribute(const Address& device, const std::array<std::uint8_t, 6>* mac,
                                std::string_view field, std::string_view value) {
  if (value.empty() || device.is_multicast_or_broadcast()) return;
  auto it = devices_.find(device);
  if (it == devices_.end()) {
    if (devices_.size() >= kMaxDevices) {
      ++devices_dropped_;
      return;
    }
    it = devices_.emplace(device, Device{}).first;
    memory_ += 256;
  }
  if (mac && !it->second.mac) it->second.mac = *mac;
  auto& values = it->second.attributes[std::string(field)];
  if (values.size() >= kValuesPerAttribute) {
    if (!values.count(std::string(value))) ++it->second.dropped_values;
    return;
  }
  if (values.insert(printable(value, 200)).second) memory_ += 64 + value.size();
}

void Observer::behaviour(const Packet& p, double time) {
  // Scanning: connection attempts (SYN without ACK) to ports worms scan, per source.
  if (p.transport == Transport::tcp &&
      (p.tcp_flags & (tcp_flag::syn | tcp_flag::ack)) == tcp_flag::syn) {
    ++syn_examined_;
    if (std::find(std::begin(kScannedPorts), std::end(kScannedPorts), p.dst_port) !=
        std::end(kScannedPorts)) {
      auto it = scans_.find(p.src);
      if (it == scans_.end() && scans_.size() < kMaxScanSources)
        it = scans_.emplace(p.src, ScanState{}).first;
      if (it != scans_.end() && !it->second.reported) {
        auto& s = it->second;
        std::uint64_t h = 1469598103934665603ull;
        for (auto b : p.dst.bytes) h = (h ^ b) * 1099511628211ull;
        if (s.targets.insert(h).second) memory_ += 48;
        ++s.ports[p.dst_port];
        if (s.targets.size() >= options_.scan_fanout_threshold) {
          s.reported = true;
          std::string ports;
          for (auto& [port, n] : s.ports)
            ports += fmt::format("{}{}x{}", ports.empty() ? "" : ", ", port, n);
          evidence::Finding f;
          f.check = "traffic.behaviour.scanning";
          f.kind = "outbound-scanning";
          f.target = p.src.to_string();
          f.protocol = "tcp";
          f.title = fmt::format("connection attempts to {} distinct addresses on scanned ports",
                                s.targets.size());
          f.evidence_text = fmt::format("{} sent SYNs to {}+ addresses (ports {}) by {}",
                                        p.src.to_string(), s.targets.size(), ports, utc(time));
          f.evidence = {
              {"distinct_targets", s.targets.size()}, {"ports", ports}, {"at", utc(time)}};
          add(std::move(f), "scan|" + p.src.to_string());
          memory_ -= std::min(memory_, s.targets.size() * 48);
          s.targets.clear();
        }
      }
    }
  }
  // Flood bursts: packets per second from one source to one destination.
  const auto second = static_cast<std::int64_t>(time);
  if (second != ddos_second_) {
    finish_ddos_second();
    ddos_second_ = second;
  }
  if (PairSlot* slot = pair_slot(p.src, p.dst, true)) ++slot->packets;
}

void Observer::fragment_conflict(const Packet& p, double time) {
  evidence::Finding f;
  f.check = "traffic.ip-fragments";
  f.kind = "ip-fragment-overlap";
  f.target = p.src.to_string();
  f.protocol = p.src.is_v4() ? "ipv4" : "ipv6";
  f.title = "overlapping IP fragments with conflicting content";
  f.evidence_text = fmt::format(
      "{} -> {} datagram id 0x{:x}: fragment at offset {} rewrites bytes already received ({}; "
      "first arrival kept)",
      p.src.to_string(), p.dst.to_string(), p.frag_id, p.frag_offset, utc(time));
  f.evidence = {{"destination", p.dst.to_string()},
                {"id", p.frag_id},
                {"offset", p.frag_offset},
                {"at", utc(time)}};
  add(std::move(f), fmt::format("frag|{}|{}", p.src.to_string(), p.dst.to_string()));
}

Observer::PairSlot* Observer::pair_slot(const Address& src, const Address& dst, bool insert) {
  auto hash = [](const Address& a, const Address& b) {
    std::uint64_t w[4];
    std::memcpy(&w[0], a.bytes.data(), 16);
    std::memcpy(&w[2], b.bytes.data(), 16);
    std::uint64_t h = 0x9e3779b97f4a7c15ull;
    for (std::uint64_t x : w) {
      h ^= x;
      h *= 0xff51afd7ed558ccdull;
      h ^= h >> 32;
    }
    return h;
  };
  for (;;) {
    const std::size_t mask = pair_slots_.size() - 1;
    for (std::size_t i = hash(src, dst) & mask;; i = (i + 1) & mask) {
      PairSlot& slot = pair_slots_[i];
      if (slot.generation != pair_generation_) {
        if (!insert || pair_used_.size() >= kMaxPairsPerSecond) return nullptr;
        if ((pair_used_.size() + 1) * 2 > pair_slots_.size()) break;  // grow first
        slot = PairSlot{src, dst, 0, pair_generation_};
        pair_used_.push_back(static_cast<std::uint32_t>(i));
        return &slot;
      }
      if (slot.src == src && slot.dst == dst) return &slot;
    }
    std::vector<PairSlot> old(pair_slots_.size() * 2);
    old.swap(pair_slots_);
    std::vector<std::uint32_t> used;
    used.swap(pair_used_);
    for (std::uint32_t i : used) {
      const PairSlot& from = old[i];
      PairSlot* to = pair_slot(from.src, from.dst, true);
      to->packets = from.packets;
    }
  }
}

void Observer::finish_ddos_second() {
  if (ddos_second_ >= 0) ++seconds_examined_;
  // Sorted, so that findings come out in the same order on every run.
  std::vector<std::pair<std::pair<Address, Address>, std::uint32_t>> loud;
  for (std::uint32_t i : pair_used_) {
    const PairSlot& slot = pair_slots_[i];
    if (slot.packets >= options_.ddos_pps_threshold)
      loud.push_back({{slot.src, slot.dst}, slot.packets});
  }
  std::sort(loud.begin(), loud.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [pair, packets] : loud) {
    const PairSlot* back = pair_slot(pair.second, pair.first, false);
    const std::uint32_t replies = back == nullptr ? 0 : back->packets;
    if (replies * 10 > packets) continue;  // a conversation, not a flood
    if (!ddos_reported_.insert(pair).second) continue;
    evidence::Finding f;
    f.check = "traffic.behaviour.ddos";
    f.kind = "ddos-participation";
    f.target = pair.first.to_string();
    f.title = fmt::format("burst of {} packets/s toward {}", packets, pair.second.to_string());
    f.evidence_text = fmt::format("{} -> {}: {} packets in one second ({}), {} replies",
                                  pair.first.to_string(), pair.second.to_string(), packets,
                                  utc(static_cast<double>(ddos_second_)), replies);
    f.evidence = {{"destination", pair.second.to_string()},
                  {"packets_per_second", packets},
                  {"replies", replies},
                  {"at", utc(static_cast<double>(ddos_second_))}};
    add(std::move(f), fmt::format("ddos|{}|{}", pair.first.to_string(), pair.second.to_string()));
  }
  if (!pair_used_.empty()) {
    ++pair_generation_;
    pair_used_.clear();
  }
}

evidence::FindingSet Observer::finish(const Stats& stats, const std::string& damaged) {
  finish_ddos_second();
  // Flows of allow-listed devices that no address, DNS answer or SNI admitted.
  for (const auto& [flow, how] : undecided_) {
    auto list = allow_.find(flow.client);
    if (list != allow_.end() && address_allowed(list->second, flow.server)) continue;
    std::string names;
    if (auto n = names_of_address_.find(flow.server.to_string()); n != names_of_address_.end())
      names = fmt::format("{}", fmt::join(n->second, ", "));
    report_unexpected(flow, how, names);
  }
  undecided_.clear();
  // Inventory, one finding per device seen with a private address or a name.
  std::set<std::string> prefixes;
  // Locally administered and all-zero addresses have no vendor.
  auto has_vendor = [](const std::array<std::uint8_t, 6>& m) {
    return !(m[0] & 0x02) && (m[0] | m[1] | m[2]) != 0;
  };
  for (const auto& [addr, dev] : devices_) {
    if (dev.mac && has_vendor(*dev.mac)) prefixes.insert(mac_text(*dev.mac).substr(0, 8));
  }
  const auto vendors = oui_vendors(options_.oui_file, prefixes);
  for (const auto& [addr, dev] : devices_) {
    examined("traffic.inventory", "device");
    evidence::Finding f;
    f.check = "traffic.inventory";
    f.kind = "device-observed";
    f.target = addr.to_string();
    f.title = "device seen in traffic";
    json attrs = json::object();
    std::string text = addr.to_string();
    if (dev.mac) {
      const std::string mac = mac_text(*dev.mac);
      attrs["mac"] = mac;
      text += " mac " + mac;
      if (auto v = vendors.find(mac.substr(0, 8)); v != vendors.end()) {
        attrs["vendor"] = v->second;
        text += " (" + v->second + ")";
      }
    }
    for (const auto& [field, values] : dev.attributes) {
      attrs[field] = values;
      text += fmt::format("; {}: {}", field, fmt::join(values, ", "));
    }
    if (dev.dropped_values) attrs["values_left_out"] = dev.dropped_values;
    f.evidence_text = text;
    f.evidence = attrs;
    add(std::move(f), "dev|" + addr.to_string());
  }

  evidence::FindingSet set;
  set.origin = capture_;
  set.collector = "traffic";
  set.tool = "kensa-traffic 0.1";
  auto run = [&](std::string check, std::vector<std::string> kinds, std::string_view unit,
                 std::string_view note = {}) {
    evidence::CheckRun r;
    r.check = check;
    r.target = capture_;
    r.collector = "traffic";
    r.tests_for = std::move(kinds);
    std::uint64_t total = 0;
    std::string parts;
    if (auto it = examined_.find(check); it != examined_.end()) {
      for (const auto& [what, n] : it->second) {
        total += n;
        parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", what, n);
      }
    }
    std::string left_out;
    for (const auto& k : r.tests_for) {
      if (auto s = suppressed_.find(k); s != suppressed_.end()) {
        left_out += fmt::format("; {} further {} findings left out (cap {})", s->second, k,
                                kFindingsPerKind);
      }
    }
    if (!damaged.empty()) {
      r.status = evidence::CheckStatus::error;
      r.detail = fmt::format("capture damaged, examined {} {} before the damage: {}", total, unit,
                             damaged);
    } else if (total == 0) {
      r.status = evidence::CheckStatus::skipped;
      r.detail = fmt::format("no {} in the capture{}{}", unit, note.empty() ? "" : "; ", note);
    } else {
      r.status = evidence::CheckStatus::completed;
      r.detail = fmt::format("completed over {} {} ({}){}{}{}", total, unit, parts, left_out,
                             note.empty() ? "" : "; ", note);
    }
    set.checks.push_back(std::move(r));
  };
  for (const char* svc : {"telnet", "ftp", "http", "mqtt", "rtsp", "snmp"}) {
    std::vector<std::string> kinds = {"cleartext-credential"};
    if (std::string_view(svc) == "mqtt") kinds.push_back("mqtt-anonymous");
    if (std::string_view(svc) == "ftp") kinds.push_back("ftp-anonymous");
    if (std::string_view(svc) == "snmp") kinds.push_back("snmp-default-community");
    const std::string check = fmt::format("traffic.{}.credentials", svc);
    if (examined_.count(check))
      run(check, kinds,
          fmt::format("{} {}", svc, std::string_view(svc) == "snmp" ? "messages" : "connections"));
  }
  run("traffic.cleartext-credentials", {"cleartext-credential"}, "dissected connections");
  run("traffic.cleartext-services", {"cleartext-service"}, "flows");
  run("traffic.tls.versions",
      {"tls-legacy-version", "tls-weak-cipher", "observed-encrypted-channel"}, "TLS/DTLS hellos");
  run("traffic.tls.certificates",
      {"tls-weak-key", "tls-self-signed", "tls-expired", "tls-weak-signature"}, "certificates",
      certificates_hidden_ == 0
          ? std::string()
          : fmt::format("certificate not visible in {} TLS 1.3/DTLS 1.3 handshake(s): the "
                        "server sends it encrypted",
                        certificates_hidden_));
  if (examined_.count("traffic.upnp")) run("traffic.upnp", {"upnp-exposed"}, "SSDP messages");
  if (!allow_.empty())
    run("traffic.allow-list", {"unexpected-destination"}, "flows of allow-listed devices");
  if (examined_.count("traffic.coap"))
    run("traffic.coap", {"coap-unauthenticated"}, "CoAP messages");
  examined_["traffic.behaviour.scanning"]["connection attempts"] += syn_examined_;
  run("traffic.behaviour.scanning", {"outbound-scanning"}, "TCP connection attempts");
  examined_["traffic.behaviour.ddos"]["seconds"] += seconds_examined_;
  run("traffic.behaviour.ddos", {"ddos-participation"}, "seconds of traffic");
  run("traffic.operation",
      {"observed-time-sync", "observed-log-forwarding", "observed-update-check",
       "update-insecure-channel"},
      "NTP, syslog and update exchanges");
  if (stats.ip_fragments > 0) {
    examined_["traffic.ip-fragments"]["fragments"] += stats.ip_fragments;
    run("traffic.ip-fragments", {"ip-fragment-overlap"}, "IP fragments");
  }
  run("traffic.inventory", {"device-observed"}, "devices");

  std::stable_sort(findings_.begin(), findings_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.kind, a.target, a.port, a.evidence_text) <
           std::tie(b.kind, b.target, b.port, b.evidence_text);
  });
  set.findings = findings_;
  return set;
}

}  // namespace kensa::traffic
