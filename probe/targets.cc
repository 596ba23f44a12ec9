// Target expansion, scope safety, deterministic permutation and sharding.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <random>
#include <unordered_set>

#include "base/error.h"
#include "probe/probe.h"

namespace kensa::probe {

std::string format_ipv4(Ipv4 a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::optional<Ipv4> parse_ipv4(std::string_view text) {
  Ipv4 out = 0;
  std::size_t p = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned v = 0;
    auto [q, ec] = std::from_chars(text.data() + p, text.data() + text.size(), v);
    const std::size_t used = static_cast<std::size_t>(q - (text.data() + p));
    if (ec != std::errc() || v > 255 || used == 0 || used > 3) return std::nullopt;
    p += used;
    out = (out << 8) | v;
    if (i < 3) {
      if (p >= text.size() || text[p] != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != text.size()) return std::nullopt;
  return out;
}

bool is_private(Ipv4 a) {
  auto in = [a](Ipv4 net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16) || in(0x7f000000, 8) ||
         in(0xa9fe0000, 16) || in(0x64400000, 10);
}

namespace {

struct Range {
  Ipv4 first, last;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

void parse_item(std::string_view item, std::vector<Range>& out, int depth);

void parse_file(const std::string& path, std::vector<Range>& out, int depth) {
  if (depth > 2) throw InputError(path, 0, 0, "target files nest too deeply");
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, 0, "cannot read target file");
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view s = trim(std::string_view(line).substr(0, line.find('#')));
    if (s.empty()) continue;
    try {
      parse_item(s, out, depth + 1);
    } catch (const InputError& e) {
      throw InputError(path, number, 1, e.what());
    }
  }
}

void parse_item(std::string_view item, std::vector<Range>& out, int depth) {
  item = trim(item);
  if (item.empty()) return;
  if (item.front() == '@') return parse_file(std::string(item.substr(1)), out, depth);
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    auto base = parse_ipv4(item.substr(0, slash));
    unsigned bits = 99;
    auto tail = item.substr(slash + 1);
    auto [q, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), bits);
    if (!base || ec != std::errc() || q != tail.data() + tail.size() || bits > 32) {
      throw InputError("bad CIDR '" + std::string(item) + "' (expected a.b.c.d/n, n ≤ 32)");
    }
    const Ipv4 mask = bits == 0 ? 0 : ~Ipv4{0} << (32 - bits);
    out.push_back({*base & mask, (*base & mask) | ~mask});
    return;
  }
  if (auto dash = item.find('-'); dash != std::string_view::npos) {
    auto first = parse_ipv4(trim(item.substr(0, dash)));
    auto tail = trim(item.substr(dash + 1));
    std::optional<Ipv4> last = parse_ipv4(tail);
    if (first && !last) {  // a.b.c.d-e: last octet
      unsigned octet = 256;
      auto [q, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), octet);
      if (ec == std::errc() && q == tail.data() + tail.size() && octet < 256)
        last = (*first & ~Ipv4{255}) | octet;
    }
    if (!first || !last || *last < *first) {
      throw InputError("bad range '" + std::string(item) +
                       "' (expected a.b.c.d-e or a.b.c.d-w.x.y.z, ascending)");
    }
    out.push_back({*first, *last});
    return;
  }
  if (item.find_first_of(", ") != std::string_view::npos) {
    std::size_t p = 0;
    while (p < item.size()) {
      auto sep = item.find_first_of(", ", p);
      if (sep == std::string_view::npos) sep = item.size();
      parse_item(item.substr(p, sep - p), out, depth);
      p = sep + 1;
    }
    return;
  }
  auto a = parse_ipv4(item);
  if (!a)
    throw InputError("bad target '" + std::string(item) +
                     "' (expected an IPv4 address, CIDR, range or @file)");
  out.push_back({*a, *a});
}

}  // namespace

std::vector<Ipv4> resolve_targets(const TargetSpec& spec) {
  if (spec.shard_count == 0 || spec.shard_index >= spec.shard_count) {
    throw InputError("bad shard " + std::to_string(spec.shard_index) + "/" +
                     std::to_string(spec.shard_count) + " (expected i/n with 0 ≤ i < n)");
  }
  std::vector<Range> include, exclude;
  for (const auto& item : spec.include) parse_item(item, include, 0);
  for (const auto& item : spec.exclude) parse_item(item, exclude, 0);
  if (include.empty()) throw InputError("no targets given");
  std::uint64_t total = 0;
  for (const auto& r : include) total += std::uint64_t{r.last} - r.first + 1;
  if (total > spec.max_addresses) {
    throw InputError("targets expand to " + std::to_string(total) +
                     " addresses, more than the limit of " + std::to_string(spec.max_addresses));
  }
  std::vector<Ipv4> out;
  out.reserve(static_cast<std::size_t>(total));
  std::unordered_set<Ipv4> seen;
  auto excluded = [&](Ipv4 a) {
    return std::any_of(exclude.begin(), exclude.end(),
                       [a](const Range& r) { return a >= r.first && a <= r.last; });
  };
  for (const auto& r : include) {
    for (std::uint64_t a = r.first; a <= r.last; ++a) {
      const auto addr = static_cast<Ipv4>(a);
      if (excluded(addr) || !seen.insert(addr).second) continue;
      // Network and broadcast addresses of a CIDR are kept: devices do sit on .0 in /23s etc.
      if (!spec.allow_public && !is_private(addr)) {
        throw InputError("target " + format_ipv4(addr) +
                         " is a public address; kensa only scans private and loopback ranges "
                         "unless --allow-public "
                         "is given (nothing was sent)");
      }
      out.push_back(addr);
    }
  }
  // Deterministic random order: the same seed gives the same permutation on every machine, which
  // is what makes --shard i/n split one survey without overlap or gaps.
  std::mt19937_64 rng(spec.seed ^ 0x6b656e7361ULL);
  std::sort(out.begin(), out.end());
  std::shuffle(out.begin(), out.end(), rng);
  if (spec.shard_count > 1) {
    std::vector<Ipv4> mine;
    for (std::size_t i = spec.shard_index; i < out.size(); i += spec.shard_count)
      mine.push_back(out[i]);
    out = std::move(mine);
  }
  return out;
}

PortList parse_ports(std::string_view text) {
  PortList out;
  std::size_t p = 0;
  bool udp = false;
  while (p < text.size()) {
    auto comma = text.find(',', p);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = trim(text.substr(p, comma - p));
    p = comma + 1;
    if (item.empty()) continue;
    if (item.size() > 2 && (item[0] == 'T' || item[0] == 'U') && item[1] == ':') {
      udp = item[0] == 'U';
      item.remove_prefix(2);
    }
    unsigned first = 0, last = 0;
    auto dash = item.find('-');
    auto num = [&](std::string_view s, unsigned& v) {
      auto [q, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return ec == std::errc() && q == s.data() + s.size() && v >= 1 && v <= 65535;
    };
    bool ok = dash == std::string_view::npos
                  ? num(item, first) && num(item, last)
                  : num(item.substr(0, dash), first) && num(item.substr(dash + 1), last);
    if (!ok || last < first)
      throw InputError("bad port list item '" + std::string(item) +
                       "' (expected 1-65535, a-b, T:, U:)");
    auto& list = udp ? out.udp : out.tcp;
    for (unsigned v = first; v <= last; ++v) list.push_back(static_cast<std::uint16_t>(v));
  }
  for (auto* l : {&out.tcp, &out.udp}) {
    std::sort(l->begin(), l->end());
    l->erase(std::unique(l->begin(), l->end()), l->end());
  }
  return out;
}

PortList default_ports() {
  return {{21, 22, 23, 80, 81, 443, 514, 554, 1883, 2323, 5000, 5555, 7547, 8000, 8080, 8081, 8443,
           8883, 49152},
          {161, 514, 1900, 5683}};
}

}  // namespace kensa::probe
