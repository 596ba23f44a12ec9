// Component identification from version strings. Each rule is a literal marker that the
// component's own binary carries (its banner, its version function's format string) followed by
// the version; literal search keeps the pass over every file linear and fast.
#include <cstring>
#include <set>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {

struct Rule {
  std::string_view marker;  // literal text right before the version
  std::string_view name, vendor, product;
  bool allow_letter_suffix = false;  // 1.0.2k
  bool require_space_after = false;
};

// Facts about where each project prints its version; the vendor/product pairs are the ones NVD uses
// in its CPE dictionary.
constexpr Rule kRules[] = {
    {"BusyBox v", "busybox", "busybox", "busybox"},
    {"OpenSSL ", "openssl", "openssl", "openssl", true, true},
    {"SSH-2.0-dropbear_", "dropbear", "dropbear_ssh_project", "dropbear_ssh"},
    {"Dropbear SSH multi-purpose v", "dropbear", "dropbear_ssh_project", "dropbear_ssh"},
    {"dropbear_", "dropbear", "dropbear_ssh_project", "dropbear_ssh"},
    {"lighttpd/", "lighttpd", "lighttpd", "lighttpd"},
    {"dnsmasq-", "dnsmasq", "thekelleys", "dnsmasq"},
    {"Dnsmasq version ", "dnsmasq", "thekelleys", "dnsmasq"},
    {"Linux version ", "linux", "linux", "linux_kernel"},
    {"OpenSSH_", "openssh", "openbsd", "openssh", true},
    {"libcurl/", "curl", "haxx", "curl"},
    {"hostapd v", "hostapd", "w1.fi", "hostapd"},
    {"wpa_supplicant v", "wpa_supplicant", "w1.fi", "wpa_supplicant"},
    {"MiniUPnPd/", "miniupnpd", "miniupnp_project", "miniupnpd"},
    {"deflate 1.", "zlib", "zlib", "zlib"},
    {"GNU C Library (", "glibc", "gnu", "glibc"},
    {"mosquitto version ", "mosquitto", "eclipse", "mosquitto"},
    {"mbed TLS ", "mbedtls", "arm", "mbed_tls"},
    {"wolfSSL ", "wolfssl", "wolfssl", "wolfssl"},
    {"GoAhead-Webs/", "goahead", "embedthis", "goahead"},
    {"Boa/", "boa", "boa", "boa"},
    {"thttpd/", "thttpd", "acme", "thttpd"},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads "1.2.3" (at least major.minor) starting at p; empty when there is none.
std::string version_at(Bytes d, std::size_t p, bool letter_suffix) {
  std::size_t q = p;
  int dots = 0;
  while (q < d.size() && q - p < 24 &&
         (is_digit(d[q]) || (d[q] == '.' && q + 1 < d.size() && is_digit(d[q + 1])))) {
    if (d[q] == '.') ++dots;
    ++q;
  }
  if (q == p || dots == 0 || !is_digit(d[p])) return {};
  if (letter_suffix && q < d.size() && d[q] >= 'a' && d[q] <= 'z' &&
      (q + 1 >= d.size() || !std::isalnum(static_cast<unsigned char>(d[q + 1])))) {
    ++q;
  }
  return std::string(d.substr(p, q - p));
}

}  // namespace

const std::vector<std::string_view>& component_markers() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> m;
    for (const auto& rule : kRules) m.push_back(rule.marker);
    return m;
  }();
  return all;
}

ComponentCollector::ComponentCollector(Bytes data)
    : data_(data), done_(std::size(kRules), false), tries_(std::size(kRules), 0) {}

void ComponentCollector::add(std::string_view name, std::string_view vendor,
                             std::string_view product, std::string version) {
  if (version.empty() || !seen_.insert(std::string(name) + "@" + version).second) return;
  hits_.push_back(ComponentHit{std::string(name), std::move(version), std::string(vendor),
                               std::string(product)});
}

void ComponentCollector::on_marker(std::size_t k, std::size_t at) {
  const Rule& rule = kRules[k];
  const Bytes data = data_;
  if (done_[k] || tries_[k] >= 64) return;
  ++tries_[k];
  std::size_t vstart = at + rule.marker.size();
  if (rule.name == "zlib") vstart -= 2;  // the marker includes the "1."
  if (rule.name == "glibc") {
    // "GNU C Library (Debian GLIBC 2.36-9) stable release version 2.36"
    const Bytes rest = data.substr(vstart, 200);
    const std::size_t rv = rest.find("release version ");
    if (rv == Bytes::npos) return;
    vstart += rv + 16;
  }
  std::string v = version_at(data, vstart, rule.allow_letter_suffix);
  if (v.empty()) return;
  if (rule.require_space_after) {
    const std::size_t after = vstart + v.size();
    if (after >= data.size() || data[after] != ' ') return;
  }
  add(rule.name, rule.vendor, rule.product, v);
  done_[k] = true;
}

std::vector<ComponentHit> identify_components(Bytes data, std::string_view path) {
  static const MultiMatcher markers(component_markers());
  ComponentCollector collector(data);
  markers.scan(data, [&](std::size_t k, std::size_t at) {
    collector.on_marker(k, at);
    return true;
  });
  return collector.finish(path);
}

std::vector<ComponentHit> ComponentCollector::finish(std::string_view path) {
  const Bytes data = data_;
  auto add = [&](std::string_view name, std::string_view vendor, std::string_view product,
                 std::string version) { this->add(name, vendor, product, std::move(version)); };
  // Libraries named after their version.
  const std::size_t slash = path.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto from_name = [&](std::string_view prefix, std::string_view name, std::string_view vendor,
                       std::string_view product) {
    if (base.substr(0, prefix.size()) == prefix) {
      std::string v = version_at(base, prefix.size(), false);
      if (!v.empty()) add(name, vendor, product, v);
    }
  };
  from_name("libuClibc-", "uclibc", "uclibc", "uclibc");
  from_name("ld-uClibc-", "uclibc", "uclibc", "uclibc");
  from_name("libc-", "glibc", "gnu", "glibc");
  if (base.substr(0, 7) == "ld-musl") {
    // musl's dynamic linker prints "musl libc (arch)\nVersion %s"; the version is a separate
    // string.
    const void* hit = memmem(data.data(), data.size(), "musl libc", 9);
    if (hit) {
      // The version string sits in .rodata near the banner; take the first "1.x.y" after it.
      const std::size_t at = static_cast<const char*>(hit) - data.data();
      const Bytes rest = data.substr(at, 4096);
      for (std::size_t k = 0; k + 4 < rest.size(); ++k) {
        if (rest[k] == '1' && rest[k + 1] == '.' && (k == 0 || rest[k - 1] == '\0')) {
          std::string v = version_at(rest, k, false);
          if (!v.empty()) {
            add("musl", "musl-libc", "musl", v);
            break;
          }
        }
      }
    }
  }
  return std::move(hits_);
}

}  // namespace kensa::firmware::detail
