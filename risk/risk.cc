#include "risk/risk.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <future>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <span>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "base/error.h"
#include "base/huge_pages.h"

namespace kensa::risk {

using model::Component;
using model::Model;
using nlohmann::json;

namespace {

constexpr std::string_view kAxis1Short[] = {"-", "limited", "serious", "fatal"};
constexpr std::string_view kAxis2Short[] = {"-", "limited", "serious", "catastrophic"};

template <typename String>
bool contains(const std::vector<String>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
void add_unique(std::vector<std::string>& v, std::string s) {
  if (!contains(v, s)) v.push_back(std::move(s));
}
void add_unique(std::vector<std::string_view>& v, std::string_view s) {
  if (!contains(v, s)) v.push_back(s);
}

// Models from this many components on use a second thread where the work splits cleanly (the
// results are the same either way).
constexpr std::size_t kParallelFrom = 1 << 16;

// ---------------------------------------------------------------- ratings (seed 002 §2-2-2)

struct Level {
  int level = 1;
  std::string reason;
};

Level axis1_of(const model::Impact& im) {
  if (im.axis1) return {im.axis1, "declared " + std::string(kAxis1Short[im.axis1])};
  Level safety{1, ""}, privacy{1, ""};
  if (im.safety == "death") {
    safety = im.death_unlikely
                 ? Level{2, "death possible but its preconditions are unlikely → serious damage"}
                 : Level{3, "loss of life possible → fatal damage"};
  } else if (im.safety == "serious-injury") {
    safety = {2, "serious injury possible → serious damage"};
  } else if (im.safety == "minor-injury") {
    safety = {1, "minor injury possible → limited damage"};
  }
  if (im.privacy == "serious") {
    privacy = {2, "leak of important personal data, serious privacy infringement → serious damage"};
  } else if (im.privacy == "minor") {
    privacy = {1, "minor privacy infringement → limited damage"};
  }
  // Safety and privacy combine by max (seed 002 §2-2-2, e.g. the plant operator's rating).
  if (privacy.level > safety.level) return privacy;
  if (safety.reason.empty() && privacy.reason.empty()) return {1, "no safety or privacy impact"};
  if (privacy.level == safety.level && !privacy.reason.empty() && !safety.reason.empty()) {
    return {safety.level, safety.reason + "; " + privacy.reason};
  }
  return safety.reason.empty() ? privacy : safety;
}

Level axis2_of(const model::Impact& im) {
  if (im.axis2) return {im.axis2, "declared " + std::string(kAxis2Short[im.axis2])};
  const bool wide =
      im.external == "supply-chain" || im.external == "society" || im.external == "environment";
  if (wide && !im.substitutable) {
    return {3, "direct impact reaches the " + im.external + " with no substitute → catastrophic"};
  }
  if (im.recall) return {2, "large-scale product recall conceivable (indirect impact) → serious"};
  if (im.internal == "stop" && (!im.substitutable || im.duration == "long")) {
    return {2, std::string("own business stops") +
                   (im.substitutable ? ", for a long time" : " with no immediate substitute") +
                   " → serious"};
  }
  if ((im.external == "customers" || wide) && !im.substitutable) {
    return {2, "customers affected with no substitute → serious"};
  }
  if (im.liability) return {1, "at most contractual liability, recall unlikely → limited"};
  return {1, "impact contained or substitutable → limited"};
}

std::vector<Rating> rate(const Model& m) {
  std::vector<Rating> out;
  for (const auto& s : m.stakeholders) {
    Rating r;
    r.stakeholder = s.id;
    int best1 = 0, best2 = 0;
    for (const auto& inc : m.incidents) {
      for (const auto& im : inc.impacts) {
        if (im.stakeholder != s.id) continue;
        add_unique(r.incidents, inc.id);
        const auto l1 = axis1_of(im);
        const auto l2 = axis2_of(im);
        const std::string why = im.reason.empty() ? "" : " (" + im.reason + ")";
        if (l1.level > best1) r.axis1_reasons.clear();
        if (l1.level >= best1) {
          best1 = l1.level;
          r.axis1_reasons.push_back(inc.id + ": " + l1.reason + why);
        }
        if (l2.level > best2) r.axis2_reasons.clear();
        if (l2.level >= best2) {
          best2 = l2.level;
          r.axis2_reasons.push_back(inc.id + ": " + l2.reason + why);
        }
      }
    }
    if (r.incidents.empty()) {
      r.axis1_reasons.push_back("no declared incident affects this stakeholder");
      r.axis2_reasons.push_back("no declared incident affects this stakeholder");
    }
    r.axis1 = std::max(1, best1);
    r.axis2 = std::max(1, best2);
    r.out_of_bounds = r.axis1 > m.target.axis1 || r.axis2 > m.target.axis2;
    out.push_back(std::move(r));
  }
  return out;
}

// ---------------------------------------------------------------- graph

// One directed hop, with its attack cost and the trust boundary it crosses computed once.
struct Edge {
  std::uint32_t to;
  std::uint32_t connection;
  std::int32_t boundary;  // index into model.boundaries, -1 = none
  std::uint8_t cost;      // 1 per unauthenticated hop, 3 per authenticated, +2 across a boundary
};

// The connection graph in compressed (CSR) form: a million components and five million
// connections take a few hundred MB and one pass to build. Per-node edge order is connection
// order, as the model declares them.
struct Graph {
  explicit Graph(const Model& m) : components(m.components) {}
  const std::vector<Component>& components;
  // Built on the first lookup by id: a loaded model's connections and responsibilities carry
  // their components' positions already.
  mutable std::optional<model::IdIndex<Component>> index;
  std::vector<std::uint32_t> from, to;  // per connection
  std::vector<std::size_t> out_start;
  std::vector<Edge> out_edges;
  std::vector<std::size_t> nb_start;
  std::vector<std::uint32_t> nb;  // undirected neighbours, for delegation
  std::vector<std::uint32_t> degree;
  std::vector<std::int32_t> zone;  // per component: index into model.zones, -1 = none

  std::span<const Edge> out(std::size_t u) const {
    return {out_edges.data() + out_start[u], out_start[u + 1] - out_start[u]};
  }
  std::span<const std::uint32_t> neighbours(std::size_t u) const {
    return {nb.data() + nb_start[u], nb_start[u + 1] - nb_start[u]};
  }
  std::size_t at(std::string_view id) const {
    if (!index) {
      index.emplace(components);
      for (std::size_t i = 0; i < components.size(); ++i) index->insert(i);
    }
    const auto i = index->find(id);
    if (i == index->npos) throw std::out_of_range("unknown component '" + std::string(id) + "'");
    return i;
  }
};

Graph build_graph(const Model& m) {
  Graph g(m);
  const std::size_t n = m.components.size();
  if (n >= std::numeric_limits<std::uint32_t>::max() ||
      m.connections.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("model too large: more than 4 billion components or connections");
  }
  std::unordered_map<std::string_view, std::int32_t> zone_index;
  for (std::size_t z = 0; z < m.zones.size(); ++z) {
    zone_index.emplace(m.zones[z].id, static_cast<std::int32_t>(z));
  }
  g.zone.assign(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    if (auto it = zone_index.find(m.components[i].zone); it != zone_index.end()) {
      g.zone[i] = it->second;
    }
  }
  // (zone, zone) → boundary; a later boundary naming the same pair wins.
  const auto zones = static_cast<std::uint64_t>(m.zones.size());
  std::unordered_map<std::uint64_t, std::int32_t> boundary_of;
  for (std::size_t b = 0; b < m.boundaries.size(); ++b) {
    for (const auto& x : m.boundaries[b].zones) {
      for (const auto& y : m.boundaries[b].zones) {
        const auto zx = zone_index.find(x), zy = zone_index.find(y);
        if (x == y || zx == zone_index.end() || zy == zone_index.end()) continue;
        boundary_of[static_cast<std::uint64_t>(zx->second) * zones +
                    static_cast<std::uint64_t>(zy->second)] = static_cast<std::int32_t>(b);
      }
    }
  }
  auto crossing = [&](std::size_t a, std::size_t b) -> std::int32_t {
    if (boundary_of.empty() || g.zone[a] < 0 || g.zone[b] < 0 || g.zone[a] == g.zone[b]) return -1;
    const auto it = boundary_of.find(static_cast<std::uint64_t>(g.zone[a]) * zones +
                                     static_cast<std::uint64_t>(g.zone[b]));
    return it == boundary_of.end() ? -1 : it->second;
  };

  const std::size_t k_count = m.connections.size();
  g.from.resize(k_count);
  g.to.resize(k_count);
  g.degree.assign(n, 0);
  std::vector<std::size_t> out_count(n + 1, 0);
  for (std::size_t k = 0; k < k_count; ++k) {
    const auto& c = m.connections[k];
    const auto a = c.from_index != model::kUnresolved ? c.from_index : g.at(c.from);
    const auto b = c.to_index != model::kUnresolved ? c.to_index : g.at(c.to);
    g.from[k] = static_cast<std::uint32_t>(a);
    g.to[k] = static_cast<std::uint32_t>(b);
    ++out_count[a];
    if (c.bidirectional) ++out_count[b];
    ++g.degree[a];
    ++g.degree[b];
  }
  g.out_start.assign(n + 1, 0);
  g.nb_start.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    g.out_start[i + 1] = g.out_start[i] + out_count[i];
    g.nb_start[i + 1] = g.nb_start[i] + g.degree[i];
  }
  g.out_edges.reserve(g.out_start[n]);
  g.nb.reserve(g.nb_start[n]);
  advise_huge_pages(g.out_edges);
  advise_huge_pages(g.nb);
  g.out_edges.resize(g.out_start[n]);
  g.nb.resize(g.nb_start[n]);
  std::vector<std::size_t> out_fill(g.out_start.begin(), g.out_start.end() - 1);
  std::vector<std::size_t> nb_fill(g.nb_start.begin(), g.nb_start.end() - 1);
  auto edge = [&](std::size_t a, std::size_t b, std::size_t k) {
    const auto boundary = crossing(a, b);
    const int cost = (m.connections[k].authenticated ? 3 : 1) + (boundary >= 0 ? 2 : 0);
    g.out_edges[out_fill[a]++] = {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(k),
                                  boundary, static_cast<std::uint8_t>(cost)};
  };
  for (std::size_t k = 0; k < k_count; ++k) {
    const std::size_t a = g.from[k], b = g.to[k];
    edge(a, b, k);
    if (m.connections[k].bidirectional) edge(b, a, k);
    g.nb[nb_fill[a]++] = static_cast<std::uint32_t>(b);
    g.nb[nb_fill[b]++] = static_cast<std::uint32_t>(a);
  }
  return g;
}

// Why each component is an entry point ("" = it is not): one text per distinct reason (the
// members of a common-mode group share theirs) and a number per component, not a string each.
class EntryReasons {
 public:
  explicit EntryReasons(std::size_t n) : of_(n, 0), texts_(1) {}
  const std::string& operator[](std::size_t i) const { return texts_[of_[i]]; }
  std::uint32_t add(std::string text) {
    texts_.push_back(std::move(text));
    return static_cast<std::uint32_t>(texts_.size() - 1);
  }
  void set(std::size_t i, std::uint32_t text) { of_[i] = text; }
  void set(std::size_t i, std::string text) { of_[i] = add(std::move(text)); }

 private:
  std::vector<std::uint32_t> of_;
  std::vector<std::string> texts_;
};

// ---------------------------------------------------------------- threats (seed 002 §2-3 step 3.1)

const std::set<std::string, std::less<>> kGeneralPurpose{
    "server", "terminal",   "pc",    "cloud",      "gateway", "router",
    "plc",    "controller", "app",   "smartphone", "hmi",     "scada",
    "robot",  "agv",        "drone", "appliance",  "camera",  "hub"};

// Threat codes in the order derived threats are listed (alphabetical, as before).
constexpr std::string_view kDerivedOrder[] = {"D", "E",  "I", "MC", "MU", "MW",
                                              "S", "SB", "T", "TM", "UA", "UV"};
enum DerivedCode { kD, kE, kI, kMC, kMU, kMW, kS, kSB, kT, kTM, kUA, kUV, kDerivedCount };

// Why a threat was derived (ComponentThreat::reason_ids): kensa's own texts.
enum Reason : std::uint8_t {
  kStoresData,
  kControlCommands,
  kFromInternet,
  kAcceptsConnections,
  kOverNetwork,
  kAuthenticates,
  kAccountRights,
  kHasAccounts,
  kSoftwareNetworked,
  kRemovableMedia,
  kRelays,
  kExposedUnknown,
  kReachableSoftware,
  kPhysicallyAccessible,
  kOperatedByPeople,
  kConfiguredByUsers,
  kReasonCount
};
constexpr std::string_view kReasonTexts[kReasonCount] = {
    "stores or processes data",
    "control commands can be altered",
    "reachable from the internet",
    "accepts connections",
    "reachable over a network (known vulnerabilities)",
    "authenticates users or devices",
    "has accounts with different rights",
    "has accounts",
    "runs software and is networked",
    "removable media (USB)",
    "internet-exposed: can relay attacks",
    "internet-exposed: unknown vulnerabilities are reachable",
    "runs software reachable from an entry point",
    "physically accessible",
    "operated by people with access rights",
    "configured by its users"};

// `exposed[i]`: component i is an entry point or reachable from one.
// `owner[t]`: index of the component of threat t.
std::vector<ComponentThreat> derive_threats(const Model& m, const Graph& g,
                                            const std::vector<bool>& exposed,
                                            std::vector<std::uint32_t>& owner) {
  std::vector<ComponentThreat> out;
  const std::size_t n = m.components.size();
  std::vector<bool> receives(n, false), has_data(n, false);
  for (std::size_t k = 0; k < m.connections.size(); ++k) {
    const auto& c = m.connections[k];
    receives[g.to[k]] = true;
    if (c.bidirectional) receives[g.from[k]] = true;
    if (!c.data.empty()) {
      has_data[g.to[k]] = true;
      has_data[g.from[k]] = true;
    }
  }
  // Reasons per derived code; a code has at most three distinct reasons.
  struct Reasons {
    std::array<std::uint8_t, 4> id;
    std::uint8_t count = 0;
    void add(Reason r) {
      for (std::size_t i = 0; i < count; ++i) {
        if (id[i] == r) return;
      }
      id[count++] = r;
    }
  };
  std::array<Reasons, kDerivedCount> derived;
  for (std::size_t i = 0; i < n; ++i) {
    const Component& c = m.components[i];
    const std::size_t first = out.size();  // this component's threats start here
    for (auto& d : derived) d.count = 0;
    const bool networked = g.degree[i] > 0 || c.internet_exposed;
    const bool stores = !c.data.empty() || has_data[i];
    const bool software = kGeneralPurpose.count(c.kind) > 0 || !c.firmware.version.empty();
    const bool usb =
        std::find(c.interfaces.begin(), c.interfaces.end(), "usb") != c.interfaces.end();
    if (stores) {
      derived[kT].add(kStoresData);
      derived[kI].add(kStoresData);
    }
    if (c.physical_actuation) derived[kT].add(kControlCommands);
    if (networked && (receives[i] || c.internet_exposed)) {
      derived[kD].add(c.internet_exposed ? kFromInternet : kAcceptsConnections);
    }
    if (c.internet_exposed) derived[kD].add(kFromInternet);
    if (networked && (receives[i] || c.internet_exposed || c.has_accounts)) {
      derived[kUA].add(kOverNetwork);
    }
    if (c.has_accounts) {
      derived[kS].add(kAuthenticates);
      derived[kE].add(kAccountRights);
      derived[kUA].add(kHasAccounts);
    }
    if (software && networked) derived[kMW].add(kSoftwareNetworked);
    if (usb) derived[kMW].add(kRemovableMedia);
    if (c.internet_exposed) {
      derived[kSB].add(kRelays);
      derived[kUV].add(kExposedUnknown);
    } else if (software && exposed[i]) {
      derived[kUV].add(kReachableSoftware);
    }
    if (usb) derived[kUA].add(kRemovableMedia);
    if (c.physically_accessible) derived[kTM].add(kPhysicallyAccessible);
    if (c.user_operated) {
      derived[kMU].add(kOperatedByPeople);
      derived[kMC].add(kConfiguredByUsers);
    }
    for (const auto& d : c.threats) {
      auto it = std::find_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                             [&](const ComponentThreat& t) { return t.threat == d.threat; });
      if (it == out.end()) {
        ComponentThreat t;
        t.component = c.id;
        t.threat = d.threat;
        t.declared = true;
        t.incident = d.incident;
        out.push_back(t);
      }
    }
    for (std::size_t code = 0; code < kDerivedCount; ++code) {
      const auto& reasons = derived[code];
      if (reasons.count == 0) continue;
      auto it =
          std::find_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                       [&](const ComponentThreat& t) { return t.threat == kDerivedOrder[code]; });
      if (it == out.end()) {
        ComponentThreat t;
        t.component = c.id;
        t.threat = kDerivedOrder[code];
        out.push_back(t);
        it = std::prev(out.end());
      }
      it->derived = true;
      for (std::size_t r = 0; r < reasons.count; ++r) {
        const auto begin = it->reason_ids.begin();
        if (std::find(begin, begin + it->reason_count, reasons.id[r]) == begin + it->reason_count) {
          it->reason_ids[it->reason_count++] = reasons.id[r];
        }
      }
    }
    owner.resize(out.size(), static_cast<std::uint32_t>(i));
    // Room for the rest at the rate of the first components (a million components have millions
    // of threats; growing by doubling would move each one's strings again on fresh pages).
    if (i + 1 == 1024 && n > 2048) {
      const std::size_t expected = out.size() * (n / 1024 + 1) / 4 * 5;  // a quarter to spare
      out.reserve(expected);
      owner.reserve(expected);
      advise_huge_pages(out);
      advise_huge_pages(owner);
    }
  }
  return out;
}

// Strongly connected components (Tarjan, iterative: a million-node chain must not overflow the
// stack). Components are numbered in reverse topological order of the condensation.
struct Scc {
  std::vector<std::uint32_t> of;
  std::size_t count = 0;
};

Scc strongly_connected(const Graph& g, std::size_t n) {
  constexpr std::uint32_t kUnvisited = std::numeric_limits<std::uint32_t>::max();
  Scc scc;
  scc.of.assign(n, kUnvisited);
  std::vector<std::uint32_t> index(n, kUnvisited), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<std::uint32_t> stack;
  struct Frame {
    std::uint32_t node;
    std::size_t edge;
  };
  std::vector<Frame> calls;
  std::uint32_t next = 0;
  for (std::size_t root = 0; root < n; ++root) {
    if (index[root] != kUnvisited) continue;
    calls.push_back({static_cast<std::uint32_t>(root), 0});
    index[root] = low[root] = next++;
    stack.push_back(static_cast<std::uint32_t>(root));
    on_stack[root] = true;
    while (!calls.empty()) {
      auto& f = calls.back();
      const auto edges = g.out(f.node);
      if (f.edge < edges.size()) {
        const auto v = edges[f.edge++].to;
        if (index[v] == kUnvisited) {
          index[v] = low[v] = next++;
          stack.push_back(v);
          on_stack[v] = true;
          calls.push_back({v, 0});
        } else if (on_stack[v]) {
          low[f.node] = std::min(low[f.node], index[v]);
        }
        continue;
      }
      const auto u = f.node;
      calls.pop_back();
      if (!calls.empty()) low[calls.back().node] = std::min(low[calls.back().node], low[u]);
      if (low[u] == index[u]) {
        std::uint32_t v;
        do {
          v = stack.back();
          stack.pop_back();
          on_stack[v] = false;
          scc.of[v] = static_cast<std::uint32_t>(scc.count);
        } while (v != u);
        ++scc.count;
      }
    }
  }
  return scc;
}

// Threats the seed never assigns to a requirement (catalog note): kensa's own mapping, marked as
// such in the reasons.
const std::map<std::string, std::vector<std::string>, std::less<>> kKensaThreatMap{
    {"R", {"V2-SYS-04"}},
    {"E", {"V1-SYS-03"}},
    {"SB", {"V1-SYS-12", "V2-SYS-04"}},
    {"TM", {"V1-SYS-14", "V1-SYS-04"}},
    {"UV", {"V2-PRO-01", "V2-SYS-05"}},
    {"MC", {"V1-SYS-19", "V2-ORG-01"}},
};

// Requirements that need code running on the device itself; on a constrained device the seed
// protects it from the upper-level system instead (UC 2-3-3 decision, UC 2-3-5).
const std::set<std::string, std::less<>> kEndpointControls{"V1-SYS-04", "V1-SYS-05", "V1-SYS-09",
                                                           "V2-SYS-04", "V1-SYS-07"};

// Default policies for high-impact risk (seed002_part2 §2.6), used when the model declares none
// for an out-of-bounds stakeholder.
struct DefaultPolicy {
  std::string text;
  std::vector<std::string> requirements;
};

std::vector<DefaultPolicy> default_policies(const model::Stakeholder& s, const Rating& r,
                                            const Model& m) {
  std::vector<DefaultPolicy> out;
  bool recall = false;
  for (const auto& inc : m.incidents) {
    for (const auto& im : inc.impacts) {
      if (im.stakeholder == s.id && im.recall) recall = true;
    }
  }
  if (r.axis2 > m.target.axis2) {
    if (recall || s.role == model::Role::developer) {
      out.push_back({"security by design to prevent defects leading to large-scale recalls",
                     {"V1-SYS-01", "V1-SYS-02", "V1-SYS-15"}});
      out.push_back({"mechanism for distributing safe updates", {"V2-SYS-05"}});
    } else {
      out.push_back({"minimise damage even if an incident occurs", {"V1-SYS-06", "V1-SYS-12"}});
      out.push_back({"highly reliable operation", {"V1-SYS-10", "V2-SYS-04"}});
    }
  }
  if (r.axis1 > m.target.axis1) {
    out.push_back({"thorough safety measures including fail-safe", {"V1-SYS-15"}});
    if (s.consumer) {
      out.push_back(
          {"inform users of risks and safe usage", {"V2-ORG-01", "V2-PRO-04", "V3-ORG-01"}});
    }
  }
  return out;
}

struct Builder {
  const catalog::Catalog& cat;
  const Model& m;
  std::map<std::string, Requirement> by_id;
  std::vector<std::string> order;

  // A reason shared by many components: rendered once at the end as one line naming the first
  // few and the count, so that a million components cost O(1) each.
  struct Note {
    std::vector<std::string> first;
    std::size_t count = 0;
  };
  // Per requirement: which components it applies to (a bitmap over the model's components, so
  // adding one is O(1)), their indices, and the grouped reasons in reason order.
  struct Extra {
    std::vector<bool> member, delegated;
    std::vector<std::uint32_t> indices;
    std::map<std::string, Note, std::less<>> notes;
  };
  std::unordered_map<const Requirement*, Extra> extra;

  Extra& of(Requirement* r) {
    Extra& x = extra[r];
    if (x.member.empty()) {
      x.member.assign(m.components.size(), false);
      x.delegated.assign(m.components.size(), false);
      // Room for every component up front: the lists of a million-component model grow to
      // hundreds of thousands of ids, and growing by doubling would copy each id again onto
      // fresh pages. Capacity never filled is address space, never touched, not resident memory.
      if (m.components.size() >= 4096) {
        r->components.reserve(m.components.size() + 1);
        x.indices.reserve(m.components.size());
        advise_huge_pages(r->components);
        advise_huge_pages(x.indices);
      }
    }
    return x;
  }
  void apply(Requirement* r, std::size_t component) { apply(r, of(r), component); }
  void apply(Requirement* r, Extra& x, std::size_t component) {
    if (x.member[component]) return;
    x.member[component] = true;
    x.indices.push_back(static_cast<std::uint32_t>(component));
    r->components.push_back(m.components[component].id);
  }
  // "*" (the system as a whole) or a component id.
  void apply(Requirement* r, const std::string& component, const Graph& g) {
    if (component == "*") {
      add_unique(r->components, component);
    } else {
      apply(r, g.at(component));
    }
  }
  Note& note(Requirement* r, const std::string& reason) {
    auto& notes = of(r).notes;
    auto it = notes.find(reason);
    if (it == notes.end()) it = notes.emplace(reason, Note{}).first;
    return it->second;
  }
  void note(Note& n, std::size_t component) {
    if (n.first.size() < 8) n.first.push_back(m.components[component].id);
    ++n.count;
  }
  void delegate(Requirement* r, Extra& x, std::size_t component) {
    if (x.delegated[component]) return;
    x.delegated[component] = true;
    r->delegated_from.push_back(m.components[component].id);
  }
  // Grouped reasons as lines: "threat UA on: a, b, c (3 components)".
  void render(Requirement& r) {
    auto it = extra.find(&r);
    if (it == extra.end()) return;
    std::vector<std::string> lines;
    for (const auto& [reason, n] : it->second.notes) {
      std::string line = reason + ": ";
      for (std::size_t i = 0; i < n.first.size(); ++i) line += (i ? ", " : "") + n.first[i];
      if (n.count > 8) line += ", ... (" + std::to_string(n.count) + " components)";
      lines.push_back(std::move(line));
    }
    r.reasons.insert(r.reasons.begin(), lines.begin(), lines.end());
  }

  Requirement* get(const std::string& framework, const std::string& id) {
    const auto q = framework + ":" + id;
    auto it = by_id.find(q);
    if (it != by_id.end()) return &it->second;
    const catalog::Item* item = cat.find(q);
    if (!item) return nullptr;
    Requirement r;
    r.id = q;
    r.title = item->title("en");
    if (framework == "iotssf") {
      r.viewpoint = item->parent;
      r.target = id.size() >= 6 ? id.substr(3, 3) : "";
    }
    order.push_back(q);
    return &by_id.emplace(q, std::move(r)).first->second;
  }
};

std::string viewpoint_of(const std::string& id) { return id.substr(0, 2); }

}  // namespace

std::string_view derived_reason(std::uint8_t id) {
  return id < kReasonCount ? kReasonTexts[id] : std::string_view{};
}

bool compromises(std::string_view kind) {
  static const std::set<std::string, std::less<>> kinds{
      "default-credential", "empty-password",       "hardcoded-credential",   "no-authentication",
      "mqtt-anonymous",     "coap-unauthenticated", "snmp-default-community", "ftp-anonymous",
      "debug-service",      "serial-console-open",  "cleartext-credential"};
  return kinds.count(kind) > 0;
}

// A policy's requirement ids name IoT-SSF requirements (bare, "V1-SYS-15", or qualified,
// "iotssf:V1-SYS-15"); an id the catalog does not know is the model's error, at the policy.
void check_policies(const Model& m, const catalog::Catalog& cat) {
  for (const auto& p : m.policies) {
    for (const auto& id : p.requirements) {
      const auto q = id.find(':') == std::string::npos ? "iotssf:" + id : id;
      const catalog::Item* item = cat.find(q);
      if (!item || item->type != "requirement" || q.rfind("iotssf:", 0) != 0) {
        throw InputError(m.origin, p.at.line, p.at.column,
                         "policy " + p.id + ": unknown IoT-SSF requirement '" + id +
                             "' (expected an id of the iotssf catalog, e.g. V1-SYS-15)");
      }
    }
  }
}

Assessment assess(const Model& m, const catalog::Catalog& cat,
                  const std::vector<evidence::FindingSet>& findings, const Options& options) {
  Assessment a;
  a.system = m.id;
  a.target = m.target;
  check_policies(m, cat);
  a.ratings = rate(m);
  const Graph g = build_graph(m);
  const std::size_t n = m.components.size();

  // ---- evidence: compromised-by-assumption
  EntryReasons entry_reason(n);
  std::vector<std::string> shared_by_evidence;
  if (!findings.empty()) {
    std::unordered_map<std::string_view, std::size_t> by_target;
    for (std::size_t i = 0; i < n; ++i) {
      by_target.emplace(m.components[i].id, i);
      if (!m.components[i].firmware.image.empty())
        by_target.emplace(m.components[i].firmware.image, i);
    }
    for (const auto& e : m.evidence) {
      if (e.component.empty()) continue;
      const auto i = g.at(e.component);
      for (const auto* t : {&e.address, &e.firmware, &e.capture}) {
        if (!t->empty()) by_target.emplace(*t, i);
      }
    }
    for (const auto& set : findings) {
      for (const auto& f : set.findings) {
        auto it = by_target.find(f.target);
        if (it == by_target.end()) continue;
        const auto& comp = m.components[it->second];
        if (compromises(f.kind)) {
          a.compromised.push_back({comp.id, f.kind, f.check, set.origin});
          if (entry_reason[it->second].empty() || entry_reason[it->second] == "internet-exposed") {
            entry_reason.set(it->second, "compromised by evidence (" + f.kind + ")");
          }
        }
        if (f.kind == "shared-credential") add_unique(shared_by_evidence, comp.id);
      }
    }
  }
  std::uint32_t internet_exposed = 0;  // the text's number, once used
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = m.components[i];
    if (!entry_reason[i].empty()) continue;
    if (c.internet_exposed) {
      if (!internet_exposed) internet_exposed = entry_reason.add("internet-exposed");
      entry_reason.set(i, internet_exposed);
    } else if (g.zone[i] >= 0 && m.zones[static_cast<std::size_t>(g.zone[i])].trust == 0) {
      entry_reason.set(i, "in untrusted zone " + c.zone);
    }
  }

  // ---- common mode: shared credentials and shared firmware, grouped by hash
  std::unordered_map<std::string, std::size_t> group_of;
  std::vector<std::pair<std::string, std::vector<std::size_t>>> groups;
  auto join_group = [&](std::string key, std::size_t i) {
    const auto [it, fresh] = group_of.try_emplace(std::move(key), groups.size());
    if (fresh) groups.push_back({it->first, {}});
    groups[it->second].second.push_back(i);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = m.components[i];
    for (const auto& cred : c.credentials) join_group("credential\t" + cred, i);
    if (!c.firmware.sha256.empty()) {
      join_group("firmware\t" + c.firmware.sha256, i);
    } else if (!c.firmware.version.empty() && !c.vendor.empty() && !c.product.empty()) {
      join_group("firmware\t" + c.vendor + " " + c.product + " " + c.firmware.version, i);
    }
  }
  if (shared_by_evidence.size() > 1) {
    for (const auto& id : shared_by_evidence) {
      join_group("credential\tshared-credential finding", g.at(id));
    }
  }
  std::sort(groups.begin(), groups.end());  // reported in key order
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [](const auto& grp) { return grp.second.size() < 2; }),
               groups.end());
  // Multi-step propagation to a fixed point (seed 004: risk spreading between systems): a group
  // one of whose members an attacker controls (an entry point) or reaches over connections falls
  // as a whole; its members are entry points too, and what they reach can take further groups.
  // One worklist pass: each component is reached once and each group falls once, O(V + E + sum
  // of group sizes).
  // Each component's groups, in group order (counting sort: no vector per component).
  std::vector<std::uint32_t> groups_start(n + 1, 0), groups_list;
  for (const auto& grp : groups) {
    for (auto i : grp.second) ++groups_start[i + 1];
  }
  for (std::size_t i = 0; i < n; ++i) groups_start[i + 1] += groups_start[i];
  groups_list.resize(groups_start[n]);
  {
    std::vector<std::uint32_t> fill(groups_start.begin(), groups_start.end() - 1);
    for (std::size_t k = 0; k < groups.size(); ++k) {
      for (auto i : groups[k].second) groups_list[fill[i]++] = static_cast<std::uint32_t>(k);
    }
  }
  std::vector<std::string> exposed_member(groups.size());
  {
    std::vector<bool> reached(n, false);
    std::vector<std::size_t> work;
    for (std::size_t i = 0; i < n; ++i) {
      if (!entry_reason[i].empty()) {
        reached[i] = true;
        work.push_back(i);
      }
    }
    std::size_t next = 0;
    auto fall = [&](std::size_t k, std::size_t via) {
      if (!exposed_member[k].empty()) return;
      exposed_member[k] = m.components[via].id;
      const auto& [key, members] = groups[k];
      const auto tab = key.find('\t');
      std::uint32_t reason = 0;  // one text for the members
      for (auto i : members) {
        if (i == via || !entry_reason[i].empty()) continue;
        if (!reason) {
          reason = entry_reason.add("common-mode: shares " + key.substr(0, tab) + " '" +
                                    key.substr(tab + 1) + "' with " + m.components[via].id);
        }
        entry_reason.set(i, reason);
        if (!reached[i]) {
          reached[i] = true;
          work.push_back(i);
        }
      }
    };
    // First the groups with an entry point among their members (one step, as the seed states
    // it), then what the attacker reaches from there.
    for (std::size_t k = 0; k < groups.size(); ++k) {
      for (auto i : groups[k].second) {
        if (entry_reason[i].empty() || entry_reason[i].rfind("common-mode", 0) == 0) continue;
        fall(k, i);
        break;
      }
    }
    while (next < work.size()) {
      const auto u = work[next++];
      for (auto j = groups_start[u]; j < groups_start[u + 1]; ++j) fall(groups_list[j], u);
      for (const auto& e : g.out(u)) {
        if (!reached[e.to]) {
          reached[e.to] = true;
          work.push_back(e.to);
        }
      }
    }
  }
  for (std::size_t k = 0; k < groups.size(); ++k) {
    CommonMode cm;
    const auto tab = groups[k].first.find('\t');
    cm.kind = groups[k].first.substr(0, tab);
    cm.key = groups[k].first.substr(tab + 1);
    for (auto i : groups[k].second) cm.components.push_back(m.components[i].id);
    cm.exposed = !exposed_member[k].empty();
    a.common_modes.push_back(std::move(cm));
  }

  // ---- attack paths: one multi-source Dijkstra from every entry point. Edge costs are small
  // positive integers (1..5), so the queue is a bucket per distance (Dial), O(V + E + longest
  // distance) instead of a heap. A bucket is complete when its turn comes (no edge costs 0) and is
  // taken in component order, the order in which a heap of (distance, component) pops it: paths
  // and their ties come out the same.
  constexpr int kInf = std::numeric_limits<int>::max();
  std::vector<int> dist(n, kInf);
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> prev(n, kNone), via(n, kNone), source(n, kNone);
  std::vector<std::vector<std::uint32_t>> buckets(1);
  for (std::size_t i = 0; i < n; ++i) {
    if (entry_reason[i].empty()) continue;
    a.entries.push_back(m.components[i].id);
    dist[i] = 0;
    source[i] = static_cast<std::uint32_t>(i);
    buckets[0].push_back(static_cast<std::uint32_t>(i));
  }
  for (std::size_t d = 0; d < buckets.size(); ++d) {
    std::vector<std::uint32_t> bucket = std::move(buckets[d]);  // later buckets may reallocate
    std::sort(bucket.begin(), bucket.end());
    for (const auto u : bucket) {
      if (static_cast<std::size_t>(dist[u]) != d) continue;  // reached more cheaply since
      for (const auto& e : g.out(u)) {
        const int to_dist = static_cast<int>(d) + e.cost;
        if (to_dist < dist[e.to]) {
          dist[e.to] = to_dist;
          prev[e.to] = u;
          via[e.to] = e.connection;
          source[e.to] = source[u];
          if (buckets.size() <= static_cast<std::size_t>(to_dist)) buckets.resize(to_dist + 1);
          buckets[static_cast<std::size_t>(to_dist)].push_back(e.to);
        }
      }
    }
  }
  // The cheapest paths, cheapest first (ties in model order); at most options.max_paths of them
  // are spelled out hop by hop, all are counted.
  std::vector<std::pair<int, std::size_t>> targets;
  for (std::size_t i = 0; i < n; ++i) {
    if (dist[i] == kInf) continue;
    ++a.reachable_from_entries;
    if (m.components[i].safety_relevant()) targets.push_back({dist[i], i});
  }
  a.reachable_targets = targets.size();
  const auto kept = std::min(targets.size(), options.max_paths);
  std::partial_sort(targets.begin(), targets.begin() + static_cast<std::ptrdiff_t>(kept),
                    targets.end());
  targets.resize(kept);
  auto boundary_between = [&](std::size_t from, std::uint32_t connection) -> std::string {
    for (const auto& e : g.out(from)) {
      if (e.connection == connection && e.boundary >= 0) {
        return m.boundaries[static_cast<std::size_t>(e.boundary)].id;
      }
    }
    return {};
  };
  for (const auto& [cost, i] : targets) {
    AttackPath p;
    p.target = m.components[i].id;
    p.cost = cost;
    std::vector<PathHop> hops;
    for (std::size_t v = i; v != kNone; v = prev[v]) {
      PathHop h;
      h.component = m.components[v].id;
      if (via[v] != kNone && prev[v] != kNone) {
        const auto& conn = m.connections[via[v]];
        h.connection = conn.id;
        h.authenticated = conn.authenticated;
        h.encrypted = conn.encrypted;
        h.boundary = boundary_between(prev[v], via[v]);
      }
      hops.push_back(std::move(h));
      if (hops.size() > n) break;  // defensive: prev links form a tree, never a cycle
    }
    std::reverse(hops.begin(), hops.end());
    p.entry = hops.front().component;
    p.entry_reason = entry_reason[source[i]];
    p.hops = std::move(hops);
    a.paths.push_back(std::move(p));
  }

  // ---- blast radius of the first entry points, all at once: strongly connected components
  // (Tarjan), then one pass over the condensation in topological order carrying a bit per
  // source. O(V + E) for up to 64 sources instead of one traversal per source. It depends on
  // nothing computed below: on a large model it runs on a second thread beside the threats and
  // the requirement set.
  auto blast_radius = [&]() {
    std::vector<std::size_t> sources;
    for (std::size_t i = 0;
         i < n && sources.size() < std::min<std::size_t>(options.max_blast_sources, 64); ++i) {
      if (!entry_reason[i].empty()) sources.push_back(i);
    }
    std::vector<BlastRadius> blast;
    if (!sources.empty()) {
      const auto scc = strongly_connected(g, n);
      std::vector<std::uint64_t> mask(scc.count, 0);
      for (std::size_t s = 0; s < sources.size(); ++s) {
        mask[scc.of[sources[s]]] |= std::uint64_t{1} << s;
      }
      // Members of each component, grouped (counting sort, component order).
      std::vector<std::uint32_t> member_start(scc.count + 1, 0), members(n);
      for (std::size_t i = 0; i < n; ++i) ++member_start[scc.of[i] + 1];
      for (std::size_t c = 0; c < scc.count; ++c) member_start[c + 1] += member_start[c];
      {
        std::vector<std::uint32_t> fill(member_start.begin(), member_start.end() - 1);
        for (std::size_t i = 0; i < n; ++i) {
          members[fill[scc.of[i]]++] = static_cast<std::uint32_t>(i);
        }
      }
      // Tarjan numbers components in reverse topological order: the highest number has no
      // incoming edge from a lower one.
      for (std::size_t c = scc.count; c-- > 0;) {
        if (!mask[c]) continue;
        for (auto k = member_start[c]; k < member_start[c + 1]; ++k) {
          for (const auto& e : g.out(members[k])) mask[scc.of[e.to]] |= mask[c];
        }
      }
      blast.resize(sources.size());
      for (std::size_t s = 0; s < sources.size(); ++s)
        blast[s].component = m.components[sources[s]].id;
      for (std::size_t i = 0; i < n; ++i) {
        auto bits = mask[scc.of[i]];
        if (!bits) continue;
        const bool safety = m.components[i].safety_relevant();
        while (bits) {
          const auto s = static_cast<std::size_t>(std::countr_zero(bits));
          bits &= bits - 1;
          ++blast[s].reachable;
          if (safety) {
            ++blast[s].safety_relevant;
            if (blast[s].sample.size() < 5) blast[s].sample.push_back(m.components[i].id);
          }
        }
      }
      for (auto& b : blast) --b.reachable;  // the component itself
    }
    std::stable_sort(blast.begin(), blast.end(), [](const BlastRadius& x, const BlastRadius& y) {
      return std::tie(x.safety_relevant, x.reachable) > std::tie(y.safety_relevant, y.reachable);
    });
    return blast;
  };
  std::future<std::vector<BlastRadius>> blast_later;
  if (n >= kParallelFrom) {
    blast_later = std::async(std::launch::async, blast_radius);
  } else {
    a.blast = blast_radius();
  }

  // ---- threats and the requirement set
  std::vector<bool> exposed(n);
  for (std::size_t i = 0; i < n; ++i) exposed[i] = dist[i] != kInf;
  std::vector<std::uint32_t> owner;
  a.threats = derive_threats(m, g, exposed, owner);
  Builder b{cat, m, {}, {}, {}};
  auto applied = [&](const std::string& id) { return contains(m.viewpoints, viewpoint_of(id)); };
  std::map<std::string, std::vector<std::string>> by_threat;
  for (const auto* item : cat.framework("iotssf") ? cat.framework("iotssf")->items
                                                  : std::vector<const catalog::Item*>{}) {
    if (item->type != "requirement") continue;
    for (const auto& t : item->vulnerabilities) by_threat[t].push_back(item->id);
  }
  // Per threat code, the requirements it calls for, resolved and their reasons built once.
  struct Planned {
    std::string rid;
    bool own;  // from kensa's own mapping
    bool used = false;
    bool applies = false;   // its viewpoint is applied
    bool endpoint = false;  // an endpoint control (delegated from constrained components)
    Requirement* r = nullptr;
    Builder::Extra* x = nullptr;
    Builder::Note* on = nullptr;
    Builder::Note* delegated = nullptr;
    Builder::Note* alone = nullptr;
  };
  std::unordered_map<std::string_view, std::vector<Planned>> plan;
  std::vector<bool> constrained(n);
  for (std::size_t i = 0; i < n; ++i) constrained[i] = m.components[i].constrained;
  std::string_view last_code;
  std::vector<Planned>* last_plan = nullptr;
  for (std::size_t t = 0; t < a.threats.size(); ++t) {
    const auto& ct = a.threats[t];
    const std::size_t i = owner[t];
    if (!last_plan || ct.threat != last_code) {
      auto [it, fresh] = plan.try_emplace(ct.threat);
      if (fresh) {
        for (const auto& r : by_threat[std::string(ct.threat)]) {
          it->second.push_back({r, false});
        }
        if (auto own = kKensaThreatMap.find(ct.threat); own != kKensaThreatMap.end()) {
          for (const auto& r : own->second) it->second.push_back({r, true});
        }
        for (auto& p : it->second) {
          p.applies = applied(p.rid);
          p.endpoint = kEndpointControls.count(p.rid) > 0;
        }
      }
      last_code = ct.threat;
      last_plan = &it->second;
    }
    for (auto& p : *last_plan) {
      if (!p.applies) continue;
      if (!p.used) {
        p.used = true;
        p.r = b.get("iotssf", p.rid);
        if (!p.r) continue;
        p.x = &b.of(p.r);
        add_unique(p.r->threats, std::string(ct.threat));
      }
      Requirement* r = p.r;
      if (!r) continue;
      Builder::Extra& x = *p.x;
      const std::string mapping = p.own ? " (kensa's threat mapping)" : "";
      if (constrained[i] && p.endpoint) {
        // Delegate to the non-constrained neighbours (the upper-level system).
        bool delegated = false;
        for (auto nb : g.neighbours(i)) {
          if (constrained[nb]) continue;
          b.apply(r, x, nb);
          delegated = true;
        }
        b.delegate(r, x, i);
        auto*& note = delegated ? p.delegated : p.alone;
        if (!note) {
          note = &b.note(r, "threat " + std::string(ct.threat) + mapping +
                                " on constrained components" +
                                (delegated ? ", protected from the upper-level system"
                                           : " with no upper-level system to delegate to"));
        }
        b.note(*note, i);
        if (!delegated) b.apply(r, x, i);
      } else {
        b.apply(r, x, i);
        if (!p.on) p.on = &b.note(r, "threat " + std::string(ct.threat) + mapping + " on");
        b.note(*p.on, i);
      }
    }
  }
  // Fail-safe on actuating end devices.
  for (std::size_t i = 0; i < n; ++i) {
    const Component& c = m.components[i];
    if (!c.safety_relevant()) continue;
    if (Requirement* r = b.get("iotssf", "V1-SYS-15"); r && applied("V1-SYS-15")) {
      b.apply(r, i);
      b.note(b.note(r, std::string("fail-safe (keep safety functions independent of external "
                                   "communication) on ") +
                           (c.physical_actuation ? "actuating" : "safety") + " components"),
             i);
    }
  }
  // High-impact policies of out-of-bounds stakeholders.
  const model::Stakeholder* most_exposed = nullptr;
  const Rating* worst = nullptr;
  for (const auto& r : a.ratings) {
    if (!r.out_of_bounds) continue;
    const auto* s = m.stakeholder(r.stakeholder);
    if (!worst || r.axis1 + r.axis2 > worst->axis1 + worst->axis2) {
      worst = &r;
      most_exposed = s;
    }
    std::vector<DefaultPolicy> policies;
    for (const auto& p : m.policies) {
      if (p.stakeholder == s->id) policies.push_back({p.id + ": " + p.text, p.requirements});
    }
    // The model's policies are the applying entity's decision for every stakeholder; the default
    // library stands in only when the model declares none at all.
    const bool declared = !m.policies.empty();
    if (!declared) policies = default_policies(*s, r, m);
    for (const auto& p : policies) {
      for (const auto& rid : p.requirements) {
        Requirement* req = b.get("iotssf", rid.rfind("iotssf:", 0) == 0 ? rid.substr(7) : rid);
        if (!req) continue;
        req->high_impact = true;
        add_unique(req->policies, s->id + " — " + p.text);
        add_unique(req->reasons, std::string(declared ? "declared" : "default") +
                                     " high-impact policy of out-of-bounds stakeholder " + s->id);
        if (req->components.empty()) req->components.push_back("*");
      }
    }
  }
  if (most_exposed) {
    for (auto* req : {b.get("iotssf", "V2-ORG-01")}) {
      if (req && most_exposed->consumer) {
        add_unique(req->reasons, "protect the most exposed party: " + most_exposed->id);
        req->high_impact = true;
        if (req->components.empty()) req->components.push_back("*");
      }
    }
  }
  // Legal and contractual obligations.
  bool personal = false;
  for (const auto& d : m.data) personal = personal || d.personal;
  if (!m.legal.empty() || personal) {
    std::string why = m.legal.empty() ? "personal data is handled" : "legal obligations: ";
    for (std::size_t i = 0; i < m.legal.size(); ++i) why += (i ? "; " : "") + m.legal[i];
    for (const auto* rid : {"V1-SYS-01", "V2-SYS-01"}) {
      if (!applied(rid)) continue;
      if (Requirement* r = b.get("iotssf", rid)) {
        add_unique(r->reasons, why);
        if (r->components.empty()) r->components.push_back("*");
      }
    }
  }
  // General requirements (全般) of the applied viewpoints: the system as a whole.
  if (const auto* fw = cat.framework("iotssf")) {
    for (const auto* item : fw->items) {
      if (item->type != "requirement" || !applied(item->id)) continue;
      Requirement* r = b.get("iotssf", item->id);
      if (r->components.empty()) {
        r->components.push_back("*");
        add_unique(r->reasons, "general requirement of viewpoint " + item->parent);
      }
    }
  }
  // Smart-home requirements per stakeholder type (seed 001 1.2, Tables 1 and 2).
  for (const auto& s : m.stakeholders) {
    if (s.smarthome.empty()) continue;
    std::vector<std::string> comps;
    std::unordered_set<std::string_view> seen;
    for (const auto& resp : m.responsibilities) {
      if (resp.stakeholder != s.id) continue;
      for (const auto& c : resp.components) {
        if (seen.insert(c).second) comps.push_back(c);
      }
    }
    if (comps.empty()) comps.push_back("*");
    if (const auto* fw = cat.framework("smarthome")) {
      for (const auto* item : fw->items) {
        if (item->type != "requirement" || !contains(item->stakeholders, s.smarthome)) continue;
        Requirement* r = b.get("smarthome", item->id);
        for (const auto& c : comps) b.apply(r, c, g);
        add_unique(r->stakeholders, s.id);
        add_unique(r->reasons, "smart-home stakeholder " + s.smarthome + " " + s.id);
      }
    }
  }
  // Implementers, priorities.
  // component → responsibilities, in responsibility order (counting sort: no vector per
  // component).
  std::vector<std::uint32_t> resp_start(n + 1, 0), resp_list;
  {
    std::vector<std::vector<std::uint32_t>> looked_up(m.responsibilities.size());
    auto each = [&](auto&& visit) {
      for (std::size_t k = 0; k < m.responsibilities.size(); ++k) {
        const auto& resp = m.responsibilities[k];
        if (resp.component_indices.size() == resp.components.size()) {
          for (auto i : resp.component_indices) visit(i, k);
        } else {
          if (looked_up[k].empty()) {
            for (const auto& comp : resp.components) {
              looked_up[k].push_back(static_cast<std::uint32_t>(g.at(comp)));
            }
          }
          for (auto i : looked_up[k]) visit(i, k);
        }
      }
    };
    each([&](std::size_t i, std::size_t) { ++resp_start[i + 1]; });
    for (std::size_t i = 0; i < n; ++i) resp_start[i + 1] += resp_start[i];
    resp_list.resize(resp_start[n]);
    std::vector<std::uint32_t> fill(resp_start.begin(), resp_start.end() - 1);
    each([&](std::size_t i, std::size_t k) {
      resp_list[fill[i]++] = static_cast<std::uint32_t>(k);
    });
  }
  auto responsible = [&](std::size_t i) {
    return std::span<const std::uint32_t>(resp_list.data() + resp_start[i],
                                          resp_start[i + 1] - resp_start[i]);
  };
  std::string applying;
  for (const auto& s : m.stakeholders) {
    if (s.applying_entity) applying = s.id;
  }
  std::vector<bool> seen_responsibility(m.responsibilities.size());
  for (const auto& q : b.order) {
    Requirement& r = b.by_id.at(q);
    b.render(r);
    const auto x = b.extra.find(&r);
    static const std::vector<std::uint32_t> kNoIndices;
    const auto& indices = x == b.extra.end() ? kNoIndices : x->second.indices;
    const bool whole = contains(r.components, "*");
    const bool iotssf = r.id.rfind("iotssf:", 0) == 0;
    if (whole && !applying.empty() && iotssf) add_unique(r.stakeholders, applying);
    if (iotssf) {
      std::fill(seen_responsibility.begin(), seen_responsibility.end(), false);
      for (auto i : indices) {
        for (auto k : responsible(i)) {
          if (seen_responsibility[k]) continue;
          seen_responsibility[k] = true;
          add_unique(r.stakeholders, m.responsibilities[k].stakeholder);
        }
      }
    }
    int priority = 3;
    bool exposed = false;
    for (auto i : indices) {
      if (!entry_reason[i].empty()) {
        priority = 1;
        exposed = true;
      } else if (dist[i] != kInf) {
        priority = std::min(priority, 2);
      }
    }
    if (r.high_impact) priority = 1;
    if (priority == 1) {
      if (exposed) add_unique(r.reasons, "applies to an entry point (exposed devices first)");
    } else if (priority == 3 && !(r.components.size() == 1 && r.components[0] == "*")) {
      add_unique(r.reasons, "defence in depth: not reachable from an entry point");
    }
    r.priority = priority;
    a.requirements.push_back(std::move(r));
  }
  std::stable_sort(
      a.requirements.begin(), a.requirements.end(),
      [](const Requirement& x, const Requirement& y) { return x.priority < y.priority; });

  if (blast_later.valid()) a.blast = blast_later.get();

  // ---- responsibility gaps (seed 001 fn 10: who updates the common-space router?)
  if (!m.responsibilities.empty()) {
    // duty@phase of each responsibility as small numbers, so that a component's claims are
    // compared without building strings; the message is built only for an ambiguous one.
    std::unordered_map<std::string, std::uint32_t> duty_ids;
    std::vector<std::vector<std::uint32_t>> duties_of(m.responsibilities.size());
    for (std::size_t k = 0; k < m.responsibilities.size(); ++k) {
      const auto& r = m.responsibilities[k];
      for (const auto& d : r.duties) {
        duties_of[k].push_back(
            duty_ids.try_emplace(d + "@" + r.phase, static_cast<std::uint32_t>(duty_ids.size()))
                .first->second);
      }
    }
    std::vector<std::pair<std::uint32_t, std::size_t>> claims;  // duty id, responsibility
    for (std::size_t i = 0; i < n; ++i) {
      const auto& c = m.components[i];
      if (responsible(i).empty()) {
        if (c.layer == model::Layer::device || c.layer == model::Layer::network) {
          a.gaps.push_back({c.id, "no responsible stakeholder"});
        }
        continue;
      }
      claims.clear();
      for (auto k : responsible(i)) {
        for (auto d : duties_of[k]) claims.push_back({d, k});
      }
      std::sort(claims.begin(), claims.end());
      bool ambiguous = false;
      for (std::size_t j = 1; j < claims.size() && !ambiguous; ++j) {
        ambiguous = claims[j].first == claims[j - 1].first &&
                    m.responsibilities[claims[j].second].stakeholder !=
                        m.responsibilities[claims[j - 1].second].stakeholder;
      }
      if (!ambiguous) continue;
      std::map<std::string, std::vector<std::string>> by_duty;  // duty@phase → stakeholders
      for (auto k : responsible(i)) {
        const auto& r = m.responsibilities[k];
        for (const auto& d : r.duties) add_unique(by_duty[d + "@" + r.phase], r.stakeholder);
      }
      for (const auto& [duty, who] : by_duty) {
        if (who.size() < 2) continue;
        std::string list;
        for (const auto& w : who) list += (list.empty() ? "" : ", ") + w;
        const auto at = duty.find('@');
        a.gaps.push_back({c.id, "ambiguous: " + duty.substr(0, at) +
                                    (at + 1 < duty.size() ? " (" + duty.substr(at + 1) + ")" : "") +
                                    " claimed by " + list});
      }
    }
  }

  // ---- data risks (DMF §3, 添付B)
  if (const auto* dmf = cat.framework("dmf")) {
    for (const auto& d : m.data) {
      for (const auto& e : d.events) {
        for (const auto* item : dmf->items) {
          if (item->type != "risk" || item->parent != e.event) continue;
          std::string aspect;
          if (auto p = item->note.find("Aspect: "); p != std::string::npos) {
            aspect = item->note.substr(p + 8, item->note.find('.', p) - p - 8);
          }
          if (aspect.find("パーソナル") != std::string::npos && !d.personal) continue;
          if (aspect.find("知的財産") != std::string::npos && !d.trade_secret) continue;
          DataRisk dr{d.id,        e.event,
                      e.component, item->qualified(),
                      aspect,      item->title_en.empty() ? item->text_en : item->title_en,
                      {}};
          for (const auto& ref : item->refs) {
            if (ref.to.rfind("dmf:DMF-M", 0) == 0) dr.measures.push_back(ref.to);
          }
          a.data_risks.push_back(std::move(dr));
        }
        if (e.event != "DMF-E3") continue;
        Transfer t{d.id, e.component, e.to, {}, {}};
        if (!e.from_country.empty() && !e.to_country.empty() && e.from_country != e.to_country) {
          t.units.push_back("DMF-E3-U1");
          t.rules.push_back(
              "country/region transfer " + e.from_country + " → " + e.to_country +
              ": the laws of both apply, including foreign laws with extraterritorial application");
          if (d.personal) {
            t.rules.push_back(
                "personal data across borders: consent and its validity (DMF-A09), the receiving "
                "country's protection regime (DMF-A10)");
          }
        }
        if (contains(d.places, "DMF-P3") && (!e.to_organisation.empty() || !t.units.empty())) {
          t.rules.push_back(
              "sensitive-technology control (DMF-P3): screen the provision of technical "
              "information to non-residents under export-control law before the transfer");
        }
        if (!e.to_organisation.empty()) {
          t.units.push_back("DMF-E3-U2");
          t.rules.push_back("transfer to organisation " + e.to_organisation +
                            ": a contract between the organisations governs use, purpose (DMF-A03) "
                            "and rights (DMF-A05)");
        }
        const Component* from = e.component.empty() ? nullptr : m.component(e.component);
        const Component* to = e.to.empty() ? nullptr : m.component(e.to);
        if (from && to && from->zone != to->zone) {
          t.units.push_back("DMF-E3-U3");
          t.rules.push_back("transfer between systems " + from->id + " → " + to->id +
                            ": terms of use of the receiving service/platform apply");
        }
        if (to && to->layer == model::Layer::device) {
          t.units.push_back("DMF-E3-U4");
          t.rules.push_back("transfer to device " + to->id +
                            ": medium/storage location changes (DMF-A07)");
        }
        if (!t.units.empty()) a.transfers.push_back(std::move(t));
      }
    }
  }
  return a;
}

// ---------------------------------------------------------------- output (streamed JSON)

namespace {

// Writes JSON text straight to a stream. nlohmann::json would first build the whole document as a
// tree, several times the size of the assessment itself for a million components; nlohmann has
// no public string escaper, so the few lines of RFC 8259 escaping are here.
class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void string(std::string_view s) { write_string(out_, s); }
  // A JSON string (RFC 8259 escaping) to anything with put(char), write(const char*, n) and
  // << string_view.
  template <typename Sink>
  static void write_string(Sink& out, std::string_view s) {
    out.put('"');
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.write(s.data() + start, static_cast<std::streamsize>(i - start));
      start = i + 1;
      switch (c) {
        case '"':
          out << std::string_view("\\\"");
          break;
        case '\\':
          out << std::string_view("\\\\");
          break;
        case '\n':
          out << std::string_view("\\n");
          break;
        case '\r':
          out << std::string_view("\\r");
          break;
        case '\t':
          out << std::string_view("\\t");
          break;
        case '\b':
          out << std::string_view("\\b");
          break;
        case '\f':
          out << std::string_view("\\f");
          break;
        default:
          out << std::string_view(fmt::format("\\u{:04x}", c));
      }
    }
    out.write(s.data() + start, static_cast<std::streamsize>(s.size() - start));
    out.put('"');
  }
  // Text formatted elsewhere (TextBlock): the elements of the array just begun; `any`: at least
  // one.
  void elements(std::string_view text, bool any) {
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (any) first_ = false;
  }
  void key(std::string_view k) {
    comma();
    string(k);
    out_.put(':');
    first_ = true;  // the value follows without a comma
    pending_value_ = true;
  }
  template <typename T>
  void value(const T& v) {
    comma();
    if constexpr (std::is_same_v<T, bool>) {
      out_ << (v ? "true" : "false");
    } else if constexpr (std::is_arithmetic_v<T>) {
      out_ << v;
    } else if constexpr (std::is_same_v<T, std::vector<std::string>> ||
                         std::is_same_v<T, std::vector<std::string_view>>) {
      begin('[');
      for (const auto& s : v) value(s);
      end(']');
      return;
    } else {
      string(v);
    }
    first_ = false;
  }
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }
  void begin(char bracket) {
    comma();
    out_.put(bracket);
    first_ = true;
  }
  void end(char bracket) {
    out_.put(bracket);
    first_ = false;
  }
  void newline() { out_.put('\n'); }
  // A value already serialised (small parts of the document built with nlohmann).
  void raw(const nlohmann::json& j) {
    comma();
    out_ << j.dump();
    first_ = false;
  }

 private:
  void comma() {
    if (pending_value_) {
      pending_value_ = false;
      return;
    }
    if (!first_) out_.put(',');
  }
  // Text collects in a buffer handed to the stream in large pieces: a million-component
  // assessment is a GB of JSON, and std::ostream's per-call sentry and locking cost more than the
  // text itself.
  class Buffered {
   public:
    explicit Buffered(std::ostream& out) : out_(out) { buffer_.reserve(kSize + 4096); }
    ~Buffered() { flush(); }
    void flush() {
      out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
      buffer_.clear();
    }
    void put(char c) {
      buffer_.push_back(c);
      if (buffer_.size() >= kSize) flush();
    }
    void write(const char* s, std::streamsize n) {
      if (static_cast<std::size_t>(n) >= kSize) {  // a block formatted elsewhere: no copy
        flush();
        out_.write(s, n);
        return;
      }
      buffer_.append(s, static_cast<std::size_t>(n));
      if (buffer_.size() >= kSize) flush();
    }
    Buffered& operator<<(std::string_view s) {
      write(s.data(), static_cast<std::streamsize>(s.size()));
      return *this;
    }
    Buffered& operator<<(const char* s) { return *this << std::string_view(s); }
    Buffered& operator<<(const std::string& s) { return *this << std::string_view(s); }
    template <typename T>
    requires std::is_integral_v<T> Buffered& operator<<(T v) {
      char digits[24];
      const auto r = std::to_chars(digits, digits + sizeof digits, v);
      write(digits, r.ptr - digits);
      return *this;
    }

   private:
    static constexpr std::size_t kSize = 1 << 16;
    std::ostream& out_;
    std::string buffer_;
  };
  Buffered out_;
  bool first_ = true;
  bool pending_value_ = false;
};

// Text of a block of array elements, for JsonWriter::write_string and the element formatters.
struct TextBlock {
  std::string text;
  void put(char c) { text.push_back(c); }
  void write(const char* s, std::streamsize n) { text.append(s, static_cast<std::size_t>(n)); }
  TextBlock& operator<<(std::string_view s) {
    text.append(s);
    return *this;
  }
};

// Writes the elements [0, count) of the array just begun, `format(i, block)` appending element i
// (its text only: commas are added here). A long array is formatted in blocks, alternately on a
// second thread, and written in order: the text is the same, in about half the time on two
// cores (the threats and requirement lists of a million components are most of a GB of JSON).
template <typename Format>
void write_elements(JsonWriter& w, std::size_t count, const Format& format) {
  constexpr std::size_t kBlock = 1 << 15;
  auto fill = [&](TextBlock& block, std::size_t begin, std::size_t end) {
    block.text.clear();
    for (std::size_t i = begin; i < end; ++i) {
      if (i) block.put(',');
      format(i, block);
    }
  };
  TextBlock mine, theirs;
  for (std::size_t begin = 0; begin < count; begin += 2 * kBlock) {
    const std::size_t middle = std::min(count, begin + kBlock);
    const std::size_t end = std::min(count, middle + kBlock);
    std::future<void> second;
    if (middle < end) {
      second = std::async(std::launch::async, [&, middle, end] { fill(theirs, middle, end); });
    }
    fill(mine, begin, middle);
    w.elements(mine.text, true);
    if (second.valid()) {
      second.get();
      w.elements(theirs.text, true);
    }
  }
}

}  // namespace

void write_json(const Assessment& a, std::ostream& out) {
  JsonWriter w(out);
  // Everything but the per-component parts is small: serialised from the same tree as to_json.
  w.begin('{');
  w.field("schema", kRiskSchema);
  w.field("system", a.system);
  w.key("target");
  w.raw({{"axis1", a.target.axis1}, {"axis2", a.target.axis2}, {"reason", a.target.reason}});
  w.key("ratings");
  w.begin('[');
  for (const auto& r : a.ratings) {
    w.raw({{"stakeholder", r.stakeholder},
           {"axis1", r.axis1},
           {"axis1_name", model::axis1_name(r.axis1)},
           {"axis1_reasons", r.axis1_reasons},
           {"axis2", r.axis2},
           {"axis2_name", model::axis2_name(r.axis2)},
           {"axis2_reasons", r.axis2_reasons},
           {"incidents", r.incidents},
           {"out_of_bounds", r.out_of_bounds}});
  }
  w.end(']');
  w.newline();
  w.key("threats");
  w.begin('[');
  write_elements(w, a.threats.size(), [&](std::size_t i, TextBlock& out) {
    const auto& t = a.threats[i];
    out << R"({"component":)";
    JsonWriter::write_string(out, t.component);
    out << R"(,"threat":)";
    JsonWriter::write_string(out, t.threat);
    out << (t.declared ? R"(,"declared":true)" : R"(,"declared":false)");
    out << (t.derived ? R"(,"derived":true,"reasons":[)" : R"(,"derived":false,"reasons":[)");
    for (std::size_t r = 0; r < t.reason_count; ++r) {
      if (r) out.put(',');
      JsonWriter::write_string(out, kReasonTexts[t.reason_ids[r]]);
    }
    out << R"(],"incident":)";
    JsonWriter::write_string(out, t.incident);
    out << "}\n";
  });
  w.end(']');
  auto requirement = [&](const Requirement& r, bool full) {
    w.begin('{');
    if (full) {
      w.field("id", r.id);
      w.field("title", r.title);
      w.field("viewpoint", r.viewpoint);
      w.field("target", r.target);
    } else {
      w.field("requirement", r.id);
    }
    w.key("components");
    w.begin('[');
    write_elements(w, r.components.size(), [&](std::size_t i, TextBlock& out) {
      JsonWriter::write_string(out, r.components[i]);
    });
    w.end(']');
    if (full) {
      w.field("threats", r.threats);
      w.field("stakeholders", r.stakeholders);
      w.field("reasons", r.reasons);
      w.field("policies", r.policies);
      w.field("delegated_from", r.delegated_from);
      w.field("priority", r.priority);
      w.field("high_impact", r.high_impact);
    } else {
      w.field("priority", r.priority);
      w.field("stakeholders", r.stakeholders);
    }
    w.end('}');
    w.newline();
  };
  w.key("requirements");
  w.begin('[');
  for (const auto& r : a.requirements) requirement(r, true);
  w.end(']');
  w.field("entries", a.entries);
  w.newline();
  w.key("compromised");
  w.begin('[');
  for (const auto& c : a.compromised) {
    w.raw({{"component", c.component},
           {"finding_kind", c.finding_kind},
           {"check", c.check},
           {"origin", c.origin}});
  }
  w.end(']');
  w.key("attack_paths");
  w.begin('[');
  for (const auto& p : a.paths) {
    w.begin('{');
    w.field("entry", p.entry);
    w.field("entry_reason", p.entry_reason);
    w.field("target", p.target);
    w.field("cost", p.cost);
    w.key("hops");
    w.begin('[');
    for (const auto& h : p.hops) {
      w.begin('{');
      w.field("component", h.component);
      w.field("connection", h.connection);
      w.field("authenticated", h.authenticated);
      w.field("encrypted", h.encrypted);
      w.field("boundary", h.boundary);
      w.end('}');
    }
    w.end(']');
    w.end('}');
    w.newline();
  }
  w.end(']');
  w.field("reachable_targets", a.reachable_targets);
  w.key("common_mode");
  w.begin('[');
  for (const auto& c : a.common_modes) {
    w.begin('{');
    w.field("kind", c.kind);
    w.field("key", c.key);
    w.field("components", c.components);
    w.field("exposed", c.exposed);
    w.end('}');
    w.newline();
  }
  w.end(']');
  w.key("blast_radius");
  w.begin('[');
  for (const auto& b : a.blast) {
    w.raw({{"component", b.component},
           {"reachable", b.reachable},
           {"safety_relevant", b.safety_relevant},
           {"sample", b.sample}});
  }
  w.end(']');
  w.field("reachable_from_entries", a.reachable_from_entries);
  w.key("data_risks");
  w.begin('[');
  for (const auto& d : a.data_risks) {
    w.raw({{"data", d.data},
           {"event", d.event},
           {"component", d.component},
           {"risk", d.risk},
           {"aspect", d.aspect},
           {"text", d.text},
           {"measures", d.measures}});
  }
  w.end(']');
  w.key("transfers");
  w.begin('[');
  for (const auto& t : a.transfers) {
    w.raw(
        {{"data", t.data}, {"from", t.from}, {"to", t.to}, {"units", t.units}, {"rules", t.rules}});
  }
  w.end(']');
  w.key("responsibility_gaps");
  w.begin('[');
  for (const auto& g : a.gaps) {
    w.begin('{');
    w.field("component", g.component);
    w.field("issue", g.issue);
    w.end('}');
    w.newline();
  }
  w.end(']');
  w.key("requirement_set");
  w.begin('[');
  for (const auto& r : a.requirements) requirement(r, false);
  w.end(']');
  w.end('}');
  w.newline();
}

// The one emitter is write_json; the tree is its text parsed (callers that want a tree have small
// assessments: system/ and the tests).
json to_json(const Assessment& a) {
  std::ostringstream out;
  write_json(a, out);
  return json::parse(out.str());
}

json requirement_set(const Assessment& a) {
  json out = json::array();
  for (const auto& r : a.requirements) {
    out.push_back({{"requirement", r.id},
                   {"components", r.components},
                   {"priority", r.priority},
                   {"stakeholders", r.stakeholders}});
  }
  return out;
}

std::string summary(const Assessment& a, const Model& m) {
  std::string s;
  s += fmt::format("System {} — {} components, {} connections\n", m.id, m.components.size(),
                   m.connections.size());
  s += fmt::format("Target: axis 1 ≤ {}, axis 2 ≤ {}{}\n\n", model::axis1_name(a.target.axis1),
                   model::axis2_name(a.target.axis2),
                   a.target.reason.empty() ? "" : " (" + a.target.reason + ")");
  s += "Ratings per stakeholder (IoT-SSF axes 1 and 2)\n";
  for (const auto& r : a.ratings) {
    s += fmt::format("  {:<28} axis1 {:<8} axis2 {:<13} {}\n", r.stakeholder, kAxis1Short[r.axis1],
                     kAxis2Short[r.axis2], r.out_of_bounds ? "OUT OF BOUNDS" : "within target");
    for (const auto& why : r.axis1_reasons) s += "      axis1: " + why + "\n";
    for (const auto& why : r.axis2_reasons) s += "      axis2: " + why + "\n";
  }
  s += "\nThreats per component (d = declared, k = derived by kensa)\n";
  std::string_view current;
  for (const auto& t : a.threats) {
    if (t.component != current) {
      if (!current.empty()) s += "\n";
      current = t.component;
      s += fmt::format("  {:<28}", current);
    }
    s +=
        fmt::format(" {}{}", t.threat, t.declared && t.derived ? "" : (t.declared ? "(d)" : "(k)"));
  }
  s += "\n\nRequirement set (" + std::to_string(a.requirements.size()) + ")\n";
  for (const auto& r : a.requirements) {
    std::string comps;
    for (const auto& c : r.components) {
      if (!comps.empty()) comps += ',';
      comps += c;
    }
    s += fmt::format("  P{} {:<22} {}{}  → {}\n", r.priority, r.id, r.title,
                     r.high_impact ? " [high impact]" : "", comps);
  }
  s += fmt::format("\nEntry points: {}; reachable from them: {} components\n", a.entries.size(),
                   a.reachable_from_entries);
  for (const auto& c : a.compromised) {
    s += fmt::format("  compromised by evidence: {} ({} from {})\n", c.component, c.finding_kind,
                     c.origin);
  }
  s += fmt::format("Attack paths to safety-relevant components: {}\n", a.paths.size());
  for (std::size_t i = 0; i < a.paths.size() && i < 10; ++i) {
    const auto& p = a.paths[i];
    std::string route;
    for (const auto& h : p.hops) {
      if (!route.empty()) {
        route += h.authenticated ? " =[auth]=> " : " --> ";
        if (!h.boundary.empty()) route += "|" + h.boundary + "| ";
      }
      route += h.component;
    }
    s += fmt::format("  cost {:>3}: {}  ({})\n", p.cost, route, p.entry_reason);
  }
  for (const auto& c : a.common_modes) {
    std::string list;
    for (const auto& x : c.components) list += (list.empty() ? "" : ", ") + x;
    s += fmt::format("Common mode ({} {}){}: {}\n", c.kind, c.key, c.exposed ? " EXPOSED" : "",
                     list);
  }
  for (std::size_t i = 0; i < a.blast.size() && i < 5; ++i) {
    s += fmt::format("Blast radius of {}: {} components, {} safety-relevant\n",
                     a.blast[i].component, a.blast[i].reachable, a.blast[i].safety_relevant);
  }
  for (const auto& g : a.gaps) s += fmt::format("Responsibility: {}: {}\n", g.component, g.issue);
  if (!a.data_risks.empty()) {
    s += fmt::format("\nData risks (DMF): {}\n", a.data_risks.size());
  }
  for (const auto& t : a.transfers) {
    for (const auto& r : t.rules) s += fmt::format("  transfer of {}: {}\n", t.data, r);
  }
  return s;
}

std::string to_dot(const Assessment& a, const Model& m) {
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::set<std::string> entries(a.entries.begin(), a.entries.end());
  std::set<std::string> path_edges;
  for (std::size_t i = 0; i < a.paths.size() && i < 5; ++i) {
    for (const auto& h : a.paths[i].hops) {
      if (!h.connection.empty()) path_edges.insert(h.connection);
    }
  }
  std::string s = "digraph " + quote(m.id) + " {\n  rankdir=LR;\n  node [shape=box];\n";
  std::map<std::string, std::vector<const Component*>> by_zone;
  for (const auto& c : m.components) by_zone[c.zone].push_back(&c);
  std::size_t k = 0;
  for (const auto& [zone, comps] : by_zone) {
    const bool cluster = !zone.empty();
    if (cluster)
      s += "  subgraph cluster_" + std::to_string(k++) + " {\n    label=" + quote(zone) + ";\n";
    for (const auto* c : comps) {
      std::string style;
      if (entries.count(c->id)) style += " color=red penwidth=2";
      if (c->safety_relevant()) style += " style=filled fillcolor=orange";
      s += "    " + quote(c->id) + " [label=" + quote(c->name) + style + "];\n";
    }
    if (cluster) s += "  }\n";
  }
  for (const auto& c : m.connections) {
    std::string attrs = "label=" + quote(c.protocol);
    if (path_edges.count(c.id)) attrs += " color=red penwidth=2";
    if (!c.authenticated) attrs += " style=dashed";
    if (c.bidirectional) attrs += " dir=both";
    s += "  " + quote(c.from) + " -> " + quote(c.to) + " [" + attrs + "];\n";
  }
  return s + "}\n";
}

}  // namespace kensa::risk
