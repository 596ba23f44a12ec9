#include "risk/risk.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

namespace kensa::risk {

using model::Component;
using model::Model;
using nlohmann::json;

namespace {

constexpr std::string_view kAxis1Short[] = {"-", "limited", "serious", "fatal"};
constexpr std::string_view kAxis2Short[] = {"-", "limited", "serious", "catastrophic"};

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
void add_unique(std::vector<std::string>& v, std::string s) {
  if (!contains(v, s)) v.push_back(std::move(s));
}

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

struct Edge {
  std::size_t to;
  std::size_t connection;
};

struct Graph {
  std::unordered_map<std::string_view, std::size_t> index;
  std::vector<std::vector<Edge>> out;
  std::vector<std::size_t> degree;
  std::vector<std::vector<std::size_t>> neighbours;  // undirected, for delegation
};

Graph build_graph(const Model& m) {
  Graph g;
  g.index.reserve(m.components.size());
  for (std::size_t i = 0; i < m.components.size(); ++i) g.index.emplace(m.components[i].id, i);
  g.out.resize(m.components.size());
  g.degree.assign(m.components.size(), 0);
  g.neighbours.resize(m.components.size());
  for (std::size_t k = 0; k < m.connections.size(); ++k) {
    const auto& c = m.connections[k];
    const auto a = g.index.at(c.from), b = g.index.at(c.to);
    g.out[a].push_back({b, k});
    if (c.bidirectional) g.out[b].push_back({a, k});
    ++g.degree[a];
    ++g.degree[b];
    g.neighbours[a].push_back(b);
    g.neighbours[b].push_back(a);
  }
  return g;
}

// ---------------------------------------------------------------- threats (seed 002 §2-3 step 3.1)

const std::set<std::string, std::less<>> kGeneralPurpose{
    "server", "terminal",   "pc",    "cloud",      "gateway", "router",
    "plc",    "controller", "app",   "smartphone", "hmi",     "scada",
    "robot",  "agv",        "drone", "appliance",  "camera",  "hub"};

// `exposed[i]`: component i is an entry point or reachable from one.
std::vector<ComponentThreat> derive_threats(const Model& m, const Graph& g,
                                            const std::vector<bool>& exposed) {
  std::vector<ComponentThreat> out;
  std::vector<bool> receives(m.components.size(), false), has_data(m.components.size(), false);
  for (const auto& c : m.connections) {
    receives[g.index.at(c.to)] = true;
    if (c.bidirectional) receives[g.index.at(c.from)] = true;
    if (!c.data.empty()) {
      has_data[g.index.at(c.to)] = true;
      has_data[g.index.at(c.from)] = true;
    }
  }
  for (std::size_t i = 0; i < m.components.size(); ++i) {
    const Component& c = m.components[i];
    const std::size_t first = out.size();  // this component's threats start here
    std::map<std::string, std::vector<std::string>> derived;
    const bool networked = g.degree[i] > 0 || c.internet_exposed;
    const bool stores = !c.data.empty() || has_data[i];
    const bool software = kGeneralPurpose.count(c.kind) > 0 || !c.firmware.version.empty();
    if (stores) {
      derived["T"].push_back("stores or processes data");
      derived["I"].push_back("stores or processes data");
    }
    if (c.physical_actuation) derived["T"].push_back("control commands can be altered");
    if (networked && (receives[i] || c.internet_exposed)) {
      derived["D"].push_back(c.internet_exposed ? "reachable from the internet"
                                                : "accepts connections");
    }
    if (c.internet_exposed) derived["D"].push_back("reachable from the internet");
    if (networked && (receives[i] || c.internet_exposed || c.has_accounts)) {
      derived["UA"].push_back("reachable over a network (known vulnerabilities)");
    }
    if (c.has_accounts) {
      derived["S"].push_back("authenticates users or devices");
      derived["E"].push_back("has accounts with different rights");
      derived["UA"].push_back("has accounts");
    }
    if (software && networked) derived["MW"].push_back("runs software and is networked");
    if (std::find(c.interfaces.begin(), c.interfaces.end(), "usb") != c.interfaces.end()) {
      derived["MW"].push_back("removable media (USB)");
    }
    if (c.internet_exposed) {
      derived["SB"].push_back("internet-exposed: can relay attacks");
      derived["UV"].push_back("internet-exposed: unknown vulnerabilities are reachable");
    } else if (software && exposed[i]) {
      derived["UV"].push_back("runs software reachable from an entry point");
    }
    if (std::find(c.interfaces.begin(), c.interfaces.end(), "usb") != c.interfaces.end()) {
      derived["UA"].push_back("removable media (USB)");
    }
    if (c.physically_accessible) derived["TM"].push_back("physically accessible");
    if (c.user_operated) {
      derived["MU"].push_back("operated by people with access rights");
      derived["MC"].push_back("configured by its users");
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
        out.push_back(std::move(t));
      }
    }
    for (auto& entry : derived) {
      const std::string& code = entry.first;
      auto& reasons = entry.second;
      auto it = std::find_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                             [&](const ComponentThreat& t) { return t.threat == code; });
      if (it == out.end()) {
        ComponentThreat t;
        t.component = c.id;
        t.threat = code;
        out.push_back(std::move(t));
        it = std::prev(out.end());
      }
      it->derived = true;
      for (auto& r : reasons) add_unique(it->reasons, r);
    }
  }
  return out;
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
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> component_sets;

  // reason → components, per requirement; rendered once at the end so that a reason shared by
  // thousands of components is one line and costs O(1) per component.
  std::map<std::string, std::map<std::string, std::vector<std::string>>, std::less<>> grouped;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> delegated;

  // Adds a component to a requirement in O(log n): large models put thousands on one requirement.
  void apply(Requirement* r, const std::string& component) {
    if (component_sets[r->id].insert(component).second) r->components.push_back(component);
  }
  void note(Requirement* r, const std::string& reason, const std::string& component) {
    grouped[r->id][reason].push_back(component);
  }
  void delegate(Requirement* r, const std::string& component) {
    if (delegated[r->id].insert(component).second) r->delegated_from.push_back(component);
  }
  // Grouped reasons as lines: "threat UA on: a, b, c (3 components)".
  void render(Requirement& r) {
    auto it = grouped.find(r.id);
    if (it == grouped.end()) return;
    std::vector<std::string> lines;
    for (const auto& [reason, comps] : it->second) {
      std::string line = reason + ": ";
      for (std::size_t i = 0; i < comps.size() && i < 8; ++i) line += (i ? ", " : "") + comps[i];
      if (comps.size() > 8) line += ", ... (" + std::to_string(comps.size()) + " components)";
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

bool compromises(std::string_view kind) {
  static const std::set<std::string, std::less<>> kinds{
      "default-credential", "empty-password",       "hardcoded-credential",   "no-authentication",
      "mqtt-anonymous",     "coap-unauthenticated", "snmp-default-community", "ftp-anonymous",
      "debug-service",      "serial-console-open",  "cleartext-credential"};
  return kinds.count(kind) > 0;
}

Assessment assess(const Model& m, const catalog::Catalog& cat,
                  const std::vector<evidence::FindingSet>& findings, const Options& options) {
  Assessment a;
  a.system = m.id;
  a.target = m.target;
  a.ratings = rate(m);
  const Graph g = build_graph(m);
  const std::size_t n = m.components.size();

  // ---- evidence: compromised-by-assumption
  std::unordered_map<std::string, std::size_t> by_target;
  for (std::size_t i = 0; i < n; ++i) {
    by_target.emplace(m.components[i].id, i);
    if (!m.components[i].firmware.image.empty())
      by_target.emplace(m.components[i].firmware.image, i);
  }
  for (const auto& e : m.evidence) {
    if (e.component.empty()) continue;
    const auto i = g.index.at(e.component);
    for (const auto* t : {&e.address, &e.firmware, &e.capture}) {
      if (!t->empty()) by_target.emplace(*t, i);
    }
  }
  std::vector<std::string> entry_reason(n);
  std::vector<std::string> shared_by_evidence;
  for (const auto& set : findings) {
    for (const auto& f : set.findings) {
      auto it = by_target.find(f.target);
      if (it == by_target.end()) continue;
      const auto& comp = m.components[it->second];
      if (compromises(f.kind)) {
        a.compromised.push_back({comp.id, f.kind, f.check, set.origin});
        if (entry_reason[it->second].empty() || entry_reason[it->second] == "internet-exposed") {
          entry_reason[it->second] = "compromised by evidence (" + f.kind + ")";
        }
      }
      if (f.kind == "shared-credential") add_unique(shared_by_evidence, comp.id);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = m.components[i];
    if (!entry_reason[i].empty()) continue;
    const model::Zone* z = c.zone.empty() ? nullptr : m.zone(c.zone);
    if (c.internet_exposed) {
      entry_reason[i] = "internet-exposed";
    } else if (z && z->trust == 0) {
      entry_reason[i] = "in untrusted zone " + z->id;
    }
  }

  // ---- common mode: shared credentials and shared firmware
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = m.components[i];
    for (const auto& cred : c.credentials) groups["credential\t" + cred].push_back(i);
    if (!c.firmware.sha256.empty()) {
      groups["firmware\t" + c.firmware.sha256].push_back(i);
    } else if (!c.firmware.version.empty() && !c.vendor.empty() && !c.product.empty()) {
      groups["firmware\t" + c.vendor + " " + c.product + " " + c.firmware.version].push_back(i);
    }
  }
  if (shared_by_evidence.size() > 1) {
    for (const auto& id : shared_by_evidence)
      groups["credential\tshared-credential finding"].push_back(g.index.at(id));
  }
  for (auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    CommonMode cm;
    const auto tab = key.find('\t');
    cm.kind = key.substr(0, tab);
    cm.key = key.substr(tab + 1);
    std::string exposed_member;
    for (auto i : members) {
      cm.components.push_back(m.components[i].id);
      if (!entry_reason[i].empty() && entry_reason[i].rfind("common-mode", 0) != 0 &&
          exposed_member.empty()) {
        exposed_member = m.components[i].id;
      }
    }
    cm.exposed = !exposed_member.empty();
    if (cm.exposed) {
      for (auto i : members) {
        if (entry_reason[i].empty()) {
          entry_reason[i] =
              "common-mode: shares " + cm.kind + " '" + cm.key + "' with " + exposed_member;
        }
      }
    }
    a.common_modes.push_back(std::move(cm));
  }

  // ---- attack paths: multi-source Dijkstra from every entry point
  std::map<std::pair<std::string, std::string>, std::string> boundary_of;
  for (const auto& b : m.boundaries) {
    for (const auto& x : b.zones) {
      for (const auto& y : b.zones) {
        if (x != y) boundary_of[{x, y}] = b.id;
      }
    }
  }
  auto crossing = [&](std::size_t from, std::size_t to) -> std::string {
    const auto& za = m.components[from].zone;
    const auto& zb = m.components[to].zone;
    if (za.empty() || zb.empty() || za == zb) return {};
    auto it = boundary_of.find({za, zb});
    return it == boundary_of.end() ? std::string() : it->second;
  };
  constexpr int kInf = std::numeric_limits<int>::max();
  std::vector<int> dist(n, kInf);
  std::vector<std::size_t> prev(n, SIZE_MAX), via(n, SIZE_MAX), source(n, SIZE_MAX);
  using Item = std::pair<int, std::size_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  for (std::size_t i = 0; i < n; ++i) {
    if (entry_reason[i].empty()) continue;
    a.entries.push_back(m.components[i].id);
    dist[i] = 0;
    source[i] = i;
    queue.push({0, i});
  }
  while (!queue.empty()) {
    const auto [d, u] = queue.top();
    queue.pop();
    if (d != dist[u]) continue;
    for (const auto& e : g.out[u]) {
      const auto& conn = m.connections[e.connection];
      int cost = conn.authenticated ? 3 : 1;
      if (!crossing(u, e.to).empty()) cost += 2;
      if (d + cost < dist[e.to]) {
        dist[e.to] = d + cost;
        prev[e.to] = u;
        via[e.to] = e.connection;
        source[e.to] = source[u];
        queue.push({dist[e.to], e.to});
      }
    }
  }
  std::vector<bool> on_path(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    if (dist[i] == kInf) continue;
    ++a.reachable_from_entries;
    if (!m.components[i].safety_relevant()) continue;
    AttackPath p;
    p.target = m.components[i].id;
    p.cost = dist[i];
    std::vector<PathHop> hops;
    for (std::size_t v = i; v != SIZE_MAX; v = prev[v]) {
      on_path[v] = true;
      PathHop h;
      h.component = m.components[v].id;
      if (via[v] != SIZE_MAX && prev[v] != SIZE_MAX) {
        const auto& conn = m.connections[via[v]];
        h.connection = conn.id;
        h.authenticated = conn.authenticated;
        h.encrypted = conn.encrypted;
        h.boundary = crossing(prev[v], v);
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
  std::stable_sort(a.paths.begin(), a.paths.end(),
                   [](const AttackPath& x, const AttackPath& y) { return x.cost < y.cost; });

  // ---- blast radius per entry point (BFS over the directed graph)
  {
    std::vector<std::size_t> stamp(n, SIZE_MAX);
    std::size_t runs = 0;
    for (std::size_t i = 0; i < n && runs < options.max_blast_sources; ++i) {
      if (entry_reason[i].empty()) continue;
      BlastRadius b;
      b.component = m.components[i].id;
      std::vector<std::size_t> frontier{i};
      stamp[i] = runs;
      while (!frontier.empty()) {
        const auto u = frontier.back();
        frontier.pop_back();
        ++b.reachable;
        if (m.components[u].safety_relevant()) {
          ++b.safety_relevant;
          if (b.sample.size() < 5) b.sample.push_back(m.components[u].id);
        }
        for (const auto& e : g.out[u]) {
          if (stamp[e.to] != runs) {
            stamp[e.to] = runs;
            frontier.push_back(e.to);
          }
        }
      }
      --b.reachable;  // the component itself
      a.blast.push_back(std::move(b));
      ++runs;
    }
    std::stable_sort(a.blast.begin(), a.blast.end(),
                     [](const BlastRadius& x, const BlastRadius& y) {
                       return std::tie(x.safety_relevant, x.reachable) >
                              std::tie(y.safety_relevant, y.reachable);
                     });
  }

  // ---- threats and the requirement set
  std::vector<bool> exposed(n);
  for (std::size_t i = 0; i < n; ++i) exposed[i] = dist[i] != kInf;
  a.threats = derive_threats(m, g, exposed);
  Builder b{cat, m, {}, {}, {}};
  auto applied = [&](const std::string& id) { return contains(m.viewpoints, viewpoint_of(id)); };
  std::map<std::string, std::vector<std::string>> by_threat;
  for (const auto* item : cat.framework("iotssf") ? cat.framework("iotssf")->items
                                                  : std::vector<const catalog::Item*>{}) {
    if (item->type != "requirement") continue;
    for (const auto& t : item->vulnerabilities) by_threat[t].push_back(item->id);
  }
  for (const auto& ct : a.threats) {
    const auto i = g.index.at(ct.component);
    const Component& c = m.components[i];
    std::vector<std::pair<std::string, bool>> reqs;  // id, from kensa's own mapping
    for (const auto& r : by_threat[ct.threat]) reqs.push_back({r, false});
    if (auto it = kKensaThreatMap.find(ct.threat); it != kKensaThreatMap.end()) {
      for (const auto& r : it->second) reqs.push_back({r, true});
    }
    for (const auto& [rid, own] : reqs) {
      if (!applied(rid)) continue;
      Requirement* r = b.get("iotssf", rid);
      if (!r) continue;
      add_unique(r->threats, ct.threat);
      const std::string mapping = own ? " (kensa's threat mapping)" : "";
      if (c.constrained && kEndpointControls.count(rid)) {
        // Delegate to the non-constrained neighbours (the upper-level system).
        bool delegated = false;
        for (auto nb : g.neighbours[i]) {
          if (m.components[nb].constrained) continue;
          b.apply(r, m.components[nb].id);
          delegated = true;
        }
        b.delegate(r, c.id);
        b.note(r,
               "threat " + ct.threat + mapping + " on constrained components" +
                   (delegated ? ", protected from the upper-level system"
                              : " with no upper-level system to delegate to"),
               c.id);
        if (!delegated) b.apply(r, c.id);
      } else {
        b.apply(r, c.id);
        b.note(r, "threat " + ct.threat + mapping + " on", c.id);
      }
    }
    // Fail-safe on actuating end devices.
  }
  for (const auto& c : m.components) {
    if (!c.safety_relevant()) continue;
    if (Requirement* r = b.get("iotssf", "V1-SYS-15"); r && applied("V1-SYS-15")) {
      b.apply(r, c.id);
      b.note(r,
             std::string("fail-safe (keep safety functions independent of external "
                         "communication) on ") +
                 (c.physical_actuation ? "actuating" : "safety") + " components",
             c.id);
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
        Requirement* req = b.get("iotssf", rid);
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
    for (const auto& resp : m.responsibilities) {
      if (resp.stakeholder != s.id) continue;
      for (const auto& c : resp.components) add_unique(comps, c);
    }
    if (comps.empty()) comps.push_back("*");
    if (const auto* fw = cat.framework("smarthome")) {
      for (const auto* item : fw->items) {
        if (item->type != "requirement" || !contains(item->stakeholders, s.smarthome)) continue;
        Requirement* r = b.get("smarthome", item->id);
        for (const auto& c : comps) b.apply(r, c);
        add_unique(r->stakeholders, s.id);
        add_unique(r->reasons, "smart-home stakeholder " + s.smarthome + " " + s.id);
      }
    }
  }
  // Implementers, priorities.
  std::vector<std::vector<std::size_t>> responsible(n);  // component → responsibilities
  for (std::size_t k = 0; k < m.responsibilities.size(); ++k) {
    for (const auto& comp : m.responsibilities[k].components)
      responsible[g.index.at(comp)].push_back(k);
  }
  std::string applying;
  for (const auto& s : m.stakeholders) {
    if (s.applying_entity) applying = s.id;
  }
  for (const auto& q : b.order) {
    Requirement& r = b.by_id.at(q);
    b.render(r);
    for (const auto& comp : r.components) {
      if (comp == "*") {
        if (!applying.empty() && r.id.rfind("iotssf:", 0) == 0)
          add_unique(r.stakeholders, applying);
        continue;
      }
      if (r.id.rfind("iotssf:", 0) != 0) continue;
      for (auto k : responsible[g.index.at(comp)])
        add_unique(r.stakeholders, m.responsibilities[k].stakeholder);
    }
    int priority = 3;
    for (const auto& comp : r.components) {
      if (comp == "*") continue;
      const auto i = g.index.at(comp);
      if (!entry_reason[i].empty())
        priority = 1;
      else if (on_path[i] || dist[i] != kInf)
        priority = std::min(priority, 2);
    }
    if (r.high_impact) priority = 1;
    if (priority == 1) {
      bool exposed = false;
      for (const auto& comp : r.components) {
        if (comp != "*" && !entry_reason[g.index.at(comp)].empty()) exposed = true;
      }
      if (exposed) add_unique(r.reasons, "applies to an entry point (exposed devices first)");
    } else if (priority == 3 && r.components != std::vector<std::string>{"*"}) {
      add_unique(r.reasons, "defence in depth: not reachable from an entry point");
    }
    r.priority = priority;
    a.requirements.push_back(r);
  }
  std::stable_sort(
      a.requirements.begin(), a.requirements.end(),
      [](const Requirement& x, const Requirement& y) { return x.priority < y.priority; });

  // ---- responsibility gaps (seed 001 fn 10: who updates the common-space router?)
  if (!m.responsibilities.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto& c = m.components[i];
      std::map<std::string, std::vector<std::string>> by_duty;  // duty@phase → stakeholders
      const bool any = !responsible[i].empty();
      for (auto k : responsible[i]) {
        const auto& r = m.responsibilities[k];
        for (const auto& d : r.duties) add_unique(by_duty[d + "@" + r.phase], r.stakeholder);
      }
      if (!any && (c.layer == model::Layer::device || c.layer == model::Layer::network)) {
        a.gaps.push_back({c.id, "no responsible stakeholder"});
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

// ---------------------------------------------------------------- output

json to_json(const Assessment& a) {
  json out;
  out["schema"] = kRiskSchema;
  out["system"] = a.system;
  out["target"] = {
      {"axis1", a.target.axis1}, {"axis2", a.target.axis2}, {"reason", a.target.reason}};
  out["ratings"] = json::array();
  for (const auto& r : a.ratings) {
    out["ratings"].push_back({{"stakeholder", r.stakeholder},
                              {"axis1", r.axis1},
                              {"axis1_name", model::axis1_name(r.axis1)},
                              {"axis1_reasons", r.axis1_reasons},
                              {"axis2", r.axis2},
                              {"axis2_name", model::axis2_name(r.axis2)},
                              {"axis2_reasons", r.axis2_reasons},
                              {"incidents", r.incidents},
                              {"out_of_bounds", r.out_of_bounds}});
  }
  out["threats"] = json::array();
  for (const auto& t : a.threats) {
    out["threats"].push_back({{"component", t.component},
                              {"threat", t.threat},
                              {"declared", t.declared},
                              {"derived", t.derived},
                              {"reasons", t.reasons},
                              {"incident", t.incident}});
  }
  out["requirements"] = json::array();
  for (const auto& r : a.requirements) {
    out["requirements"].push_back({{"id", r.id},
                                   {"title", r.title},
                                   {"viewpoint", r.viewpoint},
                                   {"target", r.target},
                                   {"components", r.components},
                                   {"threats", r.threats},
                                   {"stakeholders", r.stakeholders},
                                   {"reasons", r.reasons},
                                   {"policies", r.policies},
                                   {"delegated_from", r.delegated_from},
                                   {"priority", r.priority},
                                   {"high_impact", r.high_impact}});
  }
  out["entries"] = a.entries;
  out["compromised"] = json::array();
  for (const auto& c : a.compromised) {
    out["compromised"].push_back({{"component", c.component},
                                  {"finding_kind", c.finding_kind},
                                  {"check", c.check},
                                  {"origin", c.origin}});
  }
  out["attack_paths"] = json::array();
  for (const auto& p : a.paths) {
    json hops = json::array();
    for (const auto& h : p.hops) {
      hops.push_back({{"component", h.component},
                      {"connection", h.connection},
                      {"authenticated", h.authenticated},
                      {"encrypted", h.encrypted},
                      {"boundary", h.boundary}});
    }
    out["attack_paths"].push_back({{"entry", p.entry},
                                   {"entry_reason", p.entry_reason},
                                   {"target", p.target},
                                   {"cost", p.cost},
                                   {"hops", hops}});
  }
  out["common_mode"] = json::array();
  for (const auto& c : a.common_modes) {
    out["common_mode"].push_back(
        {{"kind", c.kind}, {"key", c.key}, {"components", c.components}, {"exposed", c.exposed}});
  }
  out["blast_radius"] = json::array();
  for (const auto& b : a.blast) {
    out["blast_radius"].push_back({{"component", b.component},
                                   {"reachable", b.reachable},
                                   {"safety_relevant", b.safety_relevant},
                                   {"sample", b.sample}});
  }
  out["reachable_from_entries"] = a.reachable_from_entries;
  out["data_risks"] = json::array();
  for (const auto& d : a.data_risks) {
    out["data_risks"].push_back({{"data", d.data},
                                 {"event", d.event},
                                 {"component", d.component},
                                 {"risk", d.risk},
                                 {"aspect", d.aspect},
                                 {"text", d.text},
                                 {"measures", d.measures}});
  }
  out["transfers"] = json::array();
  for (const auto& t : a.transfers) {
    out["transfers"].push_back(
        {{"data", t.data}, {"from", t.from}, {"to", t.to}, {"units", t.units}, {"rules", t.rules}});
  }
  out["responsibility_gaps"] = json::array();
  for (const auto& g : a.gaps) {
    out["responsibility_gaps"].push_back({{"component", g.component}, {"issue", g.issue}});
  }
  out["requirement_set"] = requirement_set(a);
  return out;
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
  std::string current;
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
    for (const auto& c : r.components) comps += (comps.empty() ? "" : ",") + c;
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
