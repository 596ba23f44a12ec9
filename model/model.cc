#include "model/model.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <span>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "base/embedded.h"
#include "base/error.h"
#include "base/files.h"
#include "base/huge_pages.h"

namespace kensa {
extern const EmbeddedFile kModelSchema[];
extern const std::size_t kModelSchema_count;
}  // namespace kensa

namespace kensa::model {

using nlohmann::json;

namespace {

// The keys of the elements the bulk JSON reader also reads, shared with the strict reader so the
// two accept the same documents. The bulk reader addresses a value by its key's index here, and
// reads all but kComponentKeys' last key ("threats": nested, the strict reader's alone).
constexpr std::string_view kComponentKeys[] = {"id",
                                               "name",
                                               "layer",
                                               "kind",
                                               "vendor",
                                               "model",
                                               "firmware",
                                               "zone",
                                               "parent",
                                               "internet_exposed",
                                               "constrained",
                                               "physical_actuation",
                                               "safety_functions",
                                               "physically_accessible",
                                               "user_operated",
                                               "has_accounts",
                                               "interfaces",
                                               "data",
                                               "credentials",
                                               "threats"};
constexpr std::string_view kConnectionKeys[] = {
    "id", "from", "to", "protocol", "port", "encrypted", "authenticated", "bidirectional", "data"};
constexpr std::string_view kFirmwareKeys[] = {"version", "image", "sha256"};  // a component's
constexpr std::string_view kResponsibilityKeys[] = {"stakeholder", "components", "duties", "phase"};

// Line and column of byte offsets in a text, for offsets that mostly grow (a streamed document is
// read front to back): each lookup scans forward from the previous one, so positioning every
// element of a large file costs one pass over it.
class OffsetMapper {
 public:
  explicit OffsetMapper(std::string_view text) : text_(text) {}

  // `value_search`: the offset is where the scan for a scalar starts (just after the preceding
  // token); the value begins after whitespace and the ':' or ',' separating it.
  Position at(std::size_t offset, bool value_search) const {
    if (value_search) {
      while (offset < text_.size() && std::strchr(" \t\r\n:,", text_[offset]) != nullptr &&
             text_[offset] != '\0') {
        ++offset;
      }
    }
    offset = std::min(offset, text_.size());
    if (offset < offset_) offset_ = 0, line_ = 1, line_start_ = 0;
    while (offset_ < offset) {
      const void* nl = std::memchr(text_.data() + offset_, '\n', offset - offset_);
      if (!nl) break;
      offset_ = static_cast<std::size_t>(static_cast<const char*>(nl) - text_.data()) + 1;
      ++line_;
      line_start_ = offset_;
    }
    offset_ = offset;
    return {line_, offset - line_start_ + 1};
  }

 private:
  std::string_view text_;
  mutable std::size_t offset_ = 0, line_ = 1, line_start_ = 0;
};

// Where the nodes of a converted document were declared. YAML: every node, by address, recorded
// once the tree is final. JSON (read as a stream): the nodes of the element being read, by
// address, as byte offsets turned into line:column only when asked.
struct Positions {
  struct Offset {
    const json* node;
    std::size_t offset;
    bool value_search;
  };
  std::unordered_map<const json*, Position> nodes;
  std::vector<Offset> offsets;                      // the element being read (a few nodes)
  std::unordered_map<const json*, Offset> indexed;  // the rest of the document
  const OffsetMapper* mapper = nullptr;

  Position find(const json* node) const {
    if (mapper) {
      for (const auto& o : offsets) {
        if (o.node == node) return mapper->at(o.offset, o.value_search);
      }
      if (const auto it = indexed.find(node); it != indexed.end()) {
        return mapper->at(it->second.offset, it->second.value_search);
      }
    }
    const auto it = nodes.find(node);
    return it == nodes.end() ? Position{} : it->second;
  }
};

struct DuplicateKey {
  YAML::Mark mark;
  std::string key;
};

json convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) {
        const auto key = kv.first.as<std::string>();
        if (out.contains(key)) {
          throw DuplicateKey{kv.first.Mark(), key};
        }
        out[key] = convert(kv.second);
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& child : node) out.push_back(convert(child));
      return out;
    }
    case YAML::NodeType::Scalar: {
      // Plain (unquoted) scalars get YAML 1.2 core types, so annotations keep numbers and
      // booleans; quoted scalars stay strings.
      const std::string& s = node.Scalar();
      if (node.Tag() == "?") {
        if (s == "true" || s == "True") return true;
        if (s == "false" || s == "False") return false;
        if (s == "null" || s == "~") return nullptr;
        if (!s.empty() && s.size() < 18 &&
            s.find_first_not_of("0123456789", s[0] == '-' ? 1 : 0) == std::string::npos &&
            s != "-") {
          return std::stoll(s);
        }
      }
      return s;
    }
    default:
      return nullptr;
  }
}

// Second pass over the finished tree: addresses are stable once nothing is inserted any more.
void record_positions(const YAML::Node& node, const json& value, Positions& positions) {
  const auto mark = node.Mark();
  if (!mark.is_null()) {
    positions.nodes[&value] = {static_cast<std::size_t>(mark.line) + 1,
                               static_cast<std::size_t>(mark.column) + 1};
  }
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      record_positions(kv.second, value.at(key), positions);
    }
  } else if (node.IsSequence()) {
    std::size_t i = 0;
    for (const auto& child : node) record_positions(child, value.at(i++), positions);
  }
}

std::string join(const std::vector<std::string>& words, std::size_t limit = 12) {
  std::string out;
  for (std::size_t i = 0; i < words.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += words[i];
  }
  if (words.size() > limit) out += ", ... (" + std::to_string(words.size()) + " in all)";
  return out;
}

// Reads the converted document strictly: unknown keys, wrong types and values outside a key's
// enumeration are errors naming where they are and what was expected.
class Reader {
 public:
  Reader(std::string origin, const Positions& positions)
      : origin_(std::move(origin)), positions_(positions) {}

  Position position(const json& node) const { return positions_.find(&node); }

  [[noreturn]] void fail(const json& node, const std::string& path, const std::string& what) const {
    const auto p = position(node);
    throw InputError(origin_, p.line, p.column, path + ": " + what);
  }

  const json& object(const json& node, const std::string& path,
                     std::initializer_list<std::string_view> allowed) const {
    return object(node, path, std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }
  const json& object(const json& node, const std::string& path,
                     std::span<const std::string_view> allowed) const {
    if (!node.is_object()) fail(node, path, "expected a mapping");
    for (const auto& [key, value] : node.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        fail(value, path, "unknown key '" + key + "'; expected one of: " + join(names, 40));
      }
    }
    return node;
  }

  const json* find(const json& obj, std::string_view key) const {
    const auto it = obj.find(std::string(key));
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::string text(const json& obj, std::string_view key, const std::string& path,
                   bool required = false, std::string fallback = {}) const {
    const json* v = find(obj, key);
    if (!v) {
      if (required) fail(obj, path, "missing required key '" + std::string(key) + "'");
      return fallback;
    }
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number() || v->is_boolean()) return v->dump();
    fail(*v, path + "." + std::string(key), "expected a string");
  }

  std::string id(const json& obj, const std::string& path) const {
    auto value = text(obj, "id", path, true);
    if (value.empty()) fail(obj, path + ".id", "must not be empty");
    return value;
  }

  std::string choice(const json& obj, std::string_view key, const std::string& path,
                     const std::vector<std::string>& allowed, std::string fallback) const {
    const auto value = text(obj, key, path, false, fallback);
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      fail(*find(obj, key), path + "." + std::string(key),
           "'" + value + "' is not one of: " + join(allowed, 40));
    }
    return value;
  }

  bool flag(const json& obj, std::string_view key, const std::string& path,
            bool fallback = false) const {
    const json* v = find(obj, key);
    if (!v) return fallback;
    if (v->is_boolean()) return v->get<bool>();
    if (v->is_string()) {
      const auto s = v->get<std::string>();
      if (s == "true" || s == "yes" || s == "on") return true;
      if (s == "false" || s == "no" || s == "off") return false;
    }
    fail(*v, path + "." + std::string(key), "expected true or false");
  }

  std::optional<long> integer(const json& obj, std::string_view key, const std::string& path,
                              long low, long high) const {
    const json* v = find(obj, key);
    if (!v) return std::nullopt;
    long value = 0;
    if (v->is_number_integer()) {
      value = v->get<long>();
    } else if (v->is_string()) {
      const auto s = v->get<std::string>();
      std::size_t used = 0;
      try {
        value = std::stol(s, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != s.size())
        fail(*v, path + "." + std::string(key), "expected an integer");
    } else {
      fail(*v, path + "." + std::string(key), "expected an integer");
    }
    if (value < low || value > high) {
      fail(*v, path + "." + std::string(key),
           "expected an integer from " + std::to_string(low) + " to " + std::to_string(high));
    }
    return value;
  }

  std::vector<std::string> list(const json& obj, std::string_view key,
                                const std::string& path) const {
    std::vector<std::string> out;
    const json* v = find(obj, key);
    if (!v) return out;
    if (v->is_string()) return {v->get<std::string>()};
    if (!v->is_array()) fail(*v, path + "." + std::string(key), "expected a list of strings");
    for (std::size_t i = 0; i < v->size(); ++i) {
      const auto& e = (*v)[i];
      if (!e.is_string()) {
        fail(e, path + "." + std::string(key) + "[" + std::to_string(i) + "]", "expected a string");
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  const json* array(const json& obj, std::string_view key, const std::string& path) const {
    const json* v = find(obj, key);
    if (!v) return nullptr;
    if (!v->is_array()) fail(*v, path + std::string(key), "expected a list");
    return v;
  }

 private:
  std::string origin_;
  const Positions& positions_;
};

const std::vector<std::string> kLayers{"device", "network", "platform", "service"};
const std::vector<std::string> kRoles{"user", "developer", "provider", "policy-maker", "other"};
const std::vector<std::string> kThreats{"S",  "T",  "R",  "I",  "D",  "E", "UA",
                                        "MW", "SB", "TM", "UV", "MU", "MC"};
const std::vector<std::string> kViewpoints{"V1", "V2", "V3", "V4"};
const std::vector<std::string> kSmarthome{"(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"};

int axis_level(const Reader& r, const json& obj, std::string_view key, const std::string& path,
               int axis) {
  const json* v = r.find(obj, key);
  if (!v) return 0;
  static const std::vector<std::string> a1{"limited", "serious", "fatal"};
  static const std::vector<std::string> a2{"limited", "serious", "catastrophic"};
  const auto& names = axis == 1 ? a1 : a2;
  if (v->is_string()) {
    const auto s = v->get<std::string>();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (s == names[i] || s == std::to_string(i + 1)) return static_cast<int>(i) + 1;
    }
  } else if (v->is_number_integer() && v->get<int>() >= 1 && v->get<int>() <= 3) {
    return v->get<int>();
  }
  r.fail(*v, path + "." + std::string(key), "expected 1..3 or one of: " + join(names));
}

Component parse_component(const json& n, const std::string& p, const Reader& r) {
  r.object(n, p, kComponentKeys);
  Component c;
  c.id = r.id(n, p);
  c.name = r.text(n, "name", p, false, c.id);
  const auto layer = r.choice(n, "layer", p, kLayers, "device");
  c.layer = static_cast<Layer>(std::find(kLayers.begin(), kLayers.end(), layer) - kLayers.begin());
  c.kind = r.text(n, "kind", p);
  c.vendor = r.text(n, "vendor", p);
  c.product = r.text(n, "model", p);
  if (const json* f = r.find(n, "firmware")) {
    if (f->is_string()) {
      c.firmware.version = f->get<std::string>();
    } else {
      r.object(*f, p + ".firmware", kFirmwareKeys);
      c.firmware.version = r.text(*f, "version", p + ".firmware");
      c.firmware.image = r.text(*f, "image", p + ".firmware");
      c.firmware.sha256 = r.text(*f, "sha256", p + ".firmware");
    }
  }
  c.zone = r.text(n, "zone", p);
  c.parent = r.text(n, "parent", p);
  c.internet_exposed = r.flag(n, "internet_exposed", p);
  c.constrained = r.flag(n, "constrained", p);
  c.physical_actuation = r.flag(n, "physical_actuation", p);
  c.safety_functions = r.list(n, "safety_functions", p);
  c.physically_accessible = r.flag(n, "physically_accessible", p);
  c.user_operated = r.flag(n, "user_operated", p);
  c.has_accounts = r.flag(n, "has_accounts", p);
  c.interfaces = r.list(n, "interfaces", p);
  c.data = r.list(n, "data", p);
  c.credentials = r.list(n, "credentials", p);
  if (const json* a = r.array(n, "threats", p + ".")) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto tp = p + ".threats[" + std::to_string(i) + "]";
      const json& t = (*a)[i];
      DeclaredThreat d;
      if (t.is_string()) {
        d.threat = t.get<std::string>();
      } else {
        r.object(t, tp, {"threat", "incident"});
        d.threat = r.text(t, "threat", tp, true);
        d.incident = r.text(t, "incident", tp);
      }
      if (std::find(kThreats.begin(), kThreats.end(), d.threat) == kThreats.end()) {
        r.fail(t, tp, "unknown threat '" + d.threat + "'; expected one of: " + join(kThreats, 20));
      }
      c.threats.push_back(std::move(d));
    }
  }
  c.at = r.position(n);
  return c;
}

Connection parse_connection(const json& n, const std::string& p, const Reader& r) {
  r.object(n, p, kConnectionKeys);
  Connection c;
  c.from = r.text(n, "from", p, true);
  c.to = r.text(n, "to", p, true);
  c.id = r.text(n, "id", p, false, c.from + "->" + c.to);
  c.protocol = r.text(n, "protocol", p);
  if (auto port = r.integer(n, "port", p, 0, 65535)) c.port = static_cast<int>(*port);
  c.encrypted = r.flag(n, "encrypted", p);
  c.authenticated = r.flag(n, "authenticated", p);
  c.bidirectional = r.flag(n, "bidirectional", p);
  c.data = r.list(n, "data", p);
  c.at = r.position(n);
  return c;
}

Responsibility parse_responsibility(const json& n, const std::string& p, const Reader& r) {
  r.object(n, p, kResponsibilityKeys);
  Responsibility s;
  s.stakeholder = r.text(n, "stakeholder", p, true);
  s.components = r.list(n, "components", p);
  s.duties = r.list(n, "duties", p);
  s.phase = r.text(n, "phase", p);
  s.at = r.position(n);
  return s;
}

// `m` may already hold the components, connections and responsibilities of a streamed document.
Model parse_document(const json& doc, const Reader& r, const std::string& origin, Model m = {}) {
  m.origin = origin;
  r.object(
      doc, "model",
      {"kensa-model", "system", "zones", "trust_boundaries", "components", "connections",
       "stakeholders", "responsibilities", "incidents", "policies", "data", "evidence", "seed"});
  const auto format = r.text(doc, "kensa-model", "model", true);
  if (format != "1")
    r.fail(*r.find(doc, "kensa-model"), "kensa-model", "expected format version 1");

  const json* system = r.find(doc, "system");
  if (!system) r.fail(doc, "model", "missing required key 'system'");
  r.object(*system, "system", {"id", "name", "description", "viewpoints", "legal", "target"});
  m.id = r.id(*system, "system");
  m.name = r.text(*system, "name", "system", false, m.id);
  m.description = r.text(*system, "description", "system");
  if (r.find(*system, "viewpoints")) {
    m.viewpoints = r.list(*system, "viewpoints", "system");
    for (const auto& v : m.viewpoints) {
      if (std::find(kViewpoints.begin(), kViewpoints.end(), v) == kViewpoints.end()) {
        r.fail(*r.find(*system, "viewpoints"), "system.viewpoints",
               "'" + v + "' is not one of: V1, V2, V3, V4");
      }
    }
  }
  m.legal = r.list(*system, "legal", "system");
  if (const json* t = r.find(*system, "target")) {
    r.object(*t, "system.target", {"axis1", "axis2", "reason"});
    m.target.axis1 = std::max(1, axis_level(r, *t, "axis1", "system.target", 1));
    m.target.axis2 = std::max(1, axis_level(r, *t, "axis2", "system.target", 2));
    m.target.reason = r.text(*t, "reason", "system.target");
  }

  auto each = [&](std::string_view key, auto&& fn) {
    if (const json* a = r.array(doc, key, "")) {
      for (std::size_t i = 0; i < a->size(); ++i) {
        fn((*a)[i], std::string(key) + "[" + std::to_string(i) + "]");
      }
    }
  };

  each("zones", [&](const json& n, const std::string& p) {
    r.object(n, p, {"id", "name", "kind", "trust"});
    Zone z;
    z.id = r.id(n, p);
    z.name = r.text(n, "name", p, false, z.id);
    z.kind = r.text(n, "kind", p);
    z.trust =
        static_cast<int>(r.integer(n, "trust", p, 0, 100).value_or(z.kind == "internet" ? 0 : 1));
    z.at = r.position(n);
    m.zones.push_back(std::move(z));
  });
  each("trust_boundaries", [&](const json& n, const std::string& p) {
    r.object(n, p, {"id", "name", "zones", "enforced_by"});
    TrustBoundary b;
    b.id = r.id(n, p);
    b.name = r.text(n, "name", p, false, b.id);
    b.zones = r.list(n, "zones", p);
    if (b.zones.size() < 2) r.fail(n, p + ".zones", "a boundary separates at least two zones");
    b.enforced_by = r.text(n, "enforced_by", p);
    b.at = r.position(n);
    m.boundaries.push_back(std::move(b));
  });
  each("components", [&](const json& n, const std::string& p) {
    m.components.push_back(parse_component(n, p, r));
  });
  each("connections", [&](const json& n, const std::string& p) {
    m.connections.push_back(parse_connection(n, p, r));
  });
  each("stakeholders", [&](const json& n, const std::string& p) {
    r.object(n, p, {"id", "name", "role", "smarthome", "applying_entity", "consumer"});
    Stakeholder s;
    s.id = r.id(n, p);
    s.name = r.text(n, "name", p, false, s.id);
    const auto role = r.choice(n, "role", p, kRoles, "other");
    s.role = static_cast<Role>(std::find(kRoles.begin(), kRoles.end(), role) - kRoles.begin());
    if (r.find(n, "smarthome")) s.smarthome = r.choice(n, "smarthome", p, kSmarthome, "");
    s.applying_entity = r.flag(n, "applying_entity", p);
    s.consumer = r.flag(n, "consumer", p);
    s.at = r.position(n);
    m.stakeholders.push_back(std::move(s));
  });
  each("responsibilities", [&](const json& n, const std::string& p) {
    m.responsibilities.push_back(parse_responsibility(n, p, r));
  });
  each("incidents", [&](const json& n, const std::string& p) {
    r.object(n, p, {"id", "description", "entry", "affects", "threats", "impacts"});
    Incident inc;
    inc.id = r.id(n, p);
    inc.description = r.text(n, "description", p);
    inc.entry = r.text(n, "entry", p);
    inc.affects = r.list(n, "affects", p);
    inc.threats = r.list(n, "threats", p);
    for (const auto& t : inc.threats) {
      if (std::find(kThreats.begin(), kThreats.end(), t) == kThreats.end()) {
        r.fail(*r.find(n, "threats"), p + ".threats",
               "unknown threat '" + t + "'; expected one of: " + join(kThreats, 20));
      }
    }
    if (const json* a = r.array(n, "impacts", p + ".")) {
      for (std::size_t i = 0; i < a->size(); ++i) {
        const auto ip = p + ".impacts[" + std::to_string(i) + "]";
        const json& x = (*a)[i];
        r.object(x, ip,
                 {"stakeholder", "safety", "death_unlikely", "privacy", "internal", "external",
                  "duration", "substitutable", "recall", "liability", "axis1", "axis2", "reason"});
        Impact im;
        im.stakeholder = r.text(x, "stakeholder", ip, true);
        im.safety =
            r.choice(x, "safety", ip, {"none", "minor-injury", "serious-injury", "death"}, "none");
        im.death_unlikely = r.flag(x, "death_unlikely", ip);
        im.privacy = r.choice(x, "privacy", ip, {"none", "minor", "serious"}, "none");
        im.internal = r.choice(x, "internal", ip, {"none", "degraded", "stop"}, "none");
        im.external =
            r.choice(x, "external", ip,
                     {"none", "customers", "supply-chain", "society", "environment"}, "none");
        im.duration = r.choice(x, "duration", ip, {"short", "long"}, "short");
        im.substitutable = r.flag(x, "substitutable", ip, true);
        im.recall = r.flag(x, "recall", ip);
        im.liability = r.flag(x, "liability", ip);
        im.axis1 = axis_level(r, x, "axis1", ip, 1);
        im.axis2 = axis_level(r, x, "axis2", ip, 2);
        im.reason = r.text(x, "reason", ip);
        im.at = r.position(x);
        inc.impacts.push_back(std::move(im));
      }
    }
    inc.at = r.position(n);
    m.incidents.push_back(std::move(inc));
  });
  each("policies", [&](const json& n, const std::string& p) {
    r.object(n, p, {"id", "stakeholder", "axis", "text", "requirements"});
    Policy pol;
    pol.id = r.id(n, p);
    pol.stakeholder = r.text(n, "stakeholder", p, true);
    pol.axis = static_cast<int>(r.integer(n, "axis", p, 1, 2).value_or(2));
    pol.text = r.text(n, "text", p);
    pol.requirements = r.list(n, "requirements", p);
    pol.at = r.position(n);
    m.policies.push_back(std::move(pol));
  });
  each("data", [&](const json& n, const std::string& p) {
    r.object(n, p, {"id", "name", "attributes", "places", "personal", "trade_secret", "events"});
    DataItem d;
    d.id = r.id(n, p);
    d.name = r.text(n, "name", p, false, d.id);
    if (const json* a = r.find(n, "attributes")) {
      if (!a->is_object()) r.fail(*a, p + ".attributes", "expected a mapping DMF-Ann: value");
      for (const auto& [key, value] : a->items()) {
        if (key.size() != 7 || key.rfind("DMF-A", 0) != 0) {
          r.fail(value, p + ".attributes",
                 "unknown attribute '" + key + "'; expected DMF-A01 ... DMF-A10");
        }
        d.attributes[key] = value.is_string() ? value.get<std::string>() : value.dump();
      }
    }
    d.places = r.list(n, "places", p);
    static const std::vector<std::string> places{"DMF-P1", "DMF-P2",  "DMF-P3",
                                                 "DMF-P4", "DMF-PT1", "DMF-PT2"};
    for (const auto& place : d.places) {
      if (std::find(places.begin(), places.end(), place) == places.end()) {
        r.fail(*r.find(n, "places"), p + ".places",
               "unknown place '" + place + "'; expected one of: " + join(places));
      }
    }
    d.personal = r.flag(n, "personal", p);
    d.trade_secret = r.flag(n, "trade_secret", p);
    if (const json* a = r.array(n, "events", p + ".")) {
      for (std::size_t i = 0; i < a->size(); ++i) {
        const auto ep = p + ".events[" + std::to_string(i) + "]";
        const json& x = (*a)[i];
        r.object(x, ep,
                 {"event", "component", "to", "from_country", "to_country", "to_organisation"});
        DataEvent e;
        e.event = r.choice(x, "event", ep, {"DMF-E1", "DMF-E2", "DMF-E3", "DMF-E4", "DMF-E5"}, "");
        e.component = r.text(x, "component", ep);
        e.to = r.text(x, "to", ep);
        e.from_country = r.text(x, "from_country", ep);
        e.to_country = r.text(x, "to_country", ep);
        e.to_organisation = r.text(x, "to_organisation", ep);
        e.at = r.position(x);
        d.events.push_back(std::move(e));
      }
    }
    d.at = r.position(n);
    m.data.push_back(std::move(d));
  });
  each("evidence", [&](const json& n, const std::string& p) {
    r.object(n, p, {"component", "address", "firmware", "capture", "ics", "findings"});
    EvidenceLink e;
    e.component = r.text(n, "component", p);
    e.address = r.text(n, "address", p);
    e.firmware = r.text(n, "firmware", p);
    e.capture = r.text(n, "capture", p);
    e.ics = r.text(n, "ics", p);
    e.findings = r.text(n, "findings", p);
    if (e.address.empty() && e.firmware.empty() && e.capture.empty() && e.ics.empty() &&
        e.findings.empty()) {
      r.fail(n, p, "an evidence link needs one of: address, firmware, capture, ics, findings");
    }
    e.at = r.position(n);
    m.evidence.push_back(std::move(e));
  });
  if (const json* s = r.find(doc, "seed")) m.seed = *s;
  return m;
}

// Every id must be unique and every reference must resolve; the message names the unknown id and
// the known ones. Connections' ends and responsibilities' components keep the positions they
// resolve to.
void check_references(Model& m) {
  auto fail = [&](const Position& at, const std::string& what) {
    throw InputError(m.origin, at.line, at.column, what);
  };
  // Ids of one kind of element: hashed (a model may declare a million components), with the
  // declared order kept for messages.
  auto unique = [&](const auto& elements, const std::string& what) {
    using Element = typename std::decay_t<decltype(elements)>::value_type;
    struct Ids {
      IdIndex<Element> known;
      std::size_t size;
      std::vector<std::string> names;  // the first few, for a message
    } ids{IdIndex<Element>(elements), elements.size(), {}};
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const auto first = ids.known.insert(i);
      if (first != IdIndex<Element>::npos) {
        const auto& e = elements[i];
        fail(e.at, "duplicate " + what + " id '" + e.id + "' (first declared at line " +
                       std::to_string(elements[first].at.line) + ")");
      }
    }
    for (std::size_t i = 0; i < elements.size() && i < 12; ++i) ids.names.push_back(elements[i].id);
    return ids;
  };
  const auto zones = unique(m.zones, "zone");
  const auto component_ids = unique(m.components, "component");
  const auto stakeholders = unique(m.stakeholders, "stakeholder");
  const auto data = unique(m.data, "data item");
  unique(m.boundaries, "trust boundary");
  unique(m.incidents, "incident");
  unique(m.policies, "policy");

  // `where` is built only when the reference does not resolve.
  auto need_at = [&](const auto& ids, const std::string& id, const Position& at,
                     const std::string& what, auto&& where) {
    if (id.empty() || ids.known.contains(id)) return;
    std::string known = join(ids.names);
    if (ids.size > ids.names.size()) {
      known += ", ... (" + std::to_string(ids.size) + " in all)";
    }
    fail(at, where() + ": unknown " + what + " '" + id + "' (known: " + known + ")");
  };
  auto need = [&](const auto& ids, const std::string& id, const Position& at,
                  const std::string& what,
                  const std::string& where) { need_at(ids, id, at, what, [&] { return where; }); };

  for (const auto& b : m.boundaries) {
    for (const auto& z : b.zones) need(zones, z, b.at, "zone", "trust boundary " + b.id);
    need(component_ids, b.enforced_by, b.at, "component", "trust boundary " + b.id);
  }
  for (const auto& c : m.components) {
    need_at(zones, c.zone, c.at, "zone", [&] { return "component " + c.id; });
    need_at(component_ids, c.parent, c.at, "component",
            [&] { return "component " + c.id + " parent"; });
    for (const auto& d : c.data) {
      need_at(data, d, c.at, "data item", [&] { return "component " + c.id; });
    }
  }
  // The position of a component id that must resolve (`id` is never empty here).
  auto index_of = [&](const std::string& id, const Position& at, const std::string& what,
                      auto&& where) {
    const auto i = component_ids.known.find(id);
    if (i == IdIndex<Component>::npos) need_at(component_ids, id, at, what, where);
    return static_cast<std::uint32_t>(i);
  };
  // Connections' ends: millions of lookups into a read-only index, split over two threads on a
  // large model; what does not resolve is reported below, in model order.
  auto resolve = [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      auto& c = m.connections[k];
      c.from_index = static_cast<std::uint32_t>(component_ids.known.find(c.from));
      c.to_index = static_cast<std::uint32_t>(component_ids.known.find(c.to));
    }
  };
  const std::size_t half = m.connections.size() / 2;
  if (m.connections.size() >= (1u << 17)) {
    std::thread second(resolve, half, m.connections.size());
    resolve(0, half);
    second.join();
  } else {
    resolve(0, m.connections.size());
  }
  for (const auto& c : m.connections) {
    if (c.from_index == kUnresolved) {
      need_at(component_ids, c.from, c.at, "component",
              [&] { return "connection " + c.id + " from"; });
    }
    if (c.to_index == kUnresolved) {
      need_at(component_ids, c.to, c.at, "component", [&] { return "connection " + c.id + " to"; });
    }
    for (const auto& d : c.data) {
      need_at(data, d, c.at, "data item", [&] { return "connection " + c.id; });
    }
  }
  for (auto& r : m.responsibilities) {
    need(stakeholders, r.stakeholder, r.at, "stakeholder", "responsibility");
    r.component_indices.clear();
    r.component_indices.reserve(r.components.size());
    bool resolved = true;
    for (const auto& c : r.components) {
      if (c.empty()) {
        resolved = false;  // an empty id resolves to nothing: users look the ids up
        continue;
      }
      r.component_indices.push_back(
          index_of(c, r.at, "component", [] { return std::string("responsibility"); }));
    }
    if (!resolved) r.component_indices.clear();
  }
  for (const auto& i : m.incidents) {
    need(component_ids, i.entry, i.at, "component", "incident " + i.id + " entry");
    for (const auto& c : i.affects) need(component_ids, c, i.at, "component", "incident " + i.id);
    for (const auto& im : i.impacts) {
      need(stakeholders, im.stakeholder, im.at, "stakeholder", "incident " + i.id);
    }
  }
  for (const auto& p : m.policies) {
    need(stakeholders, p.stakeholder, p.at, "stakeholder", "policy " + p.id);
  }
  for (const auto& d : m.data) {
    for (const auto& e : d.events) {
      need(component_ids, e.component, e.at, "component", "data " + d.id + " event");
      need(component_ids, e.to, e.at, "component", "data " + d.id + " event to");
    }
  }
  for (const auto& e : m.evidence) {
    need(component_ids, e.component, e.at, "component", "evidence");
  }
}

// The elements of `components`, `connections` and `responsibilities` in their common form, read
// straight into the model: a generated model has millions of them, and nlohmann's SAX interface
// allocates a string per key and per value and needs a small tree per element for the strict
// Reader (that was half the time of `kensa risk` on a million components). Hand-written because
// it is a deliberately small subset of JSON, not a JSON parser: ASCII strings without escapes,
// true/false, lists of strings, a port number, the known keys each once, read from string_views
// into the mapped file. Anything else (an escape, a number where a string is expected, null, an
// unknown or repeated key, a missing id, malformed JSON) declines the element, which then goes
// through nlohmann and the strict Reader as before, so messages and accepted documents stay the
// same (fuzz/model/model_json_fuzz.cc checks exactly that, differentially).
class BulkReader {
 public:
  explicit BulkReader(const char* end) : end_(end) {}

  static const char* skip(const char* p, const char* end) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    return p;
  }

  // On success appends the element and leaves `p` after its closing '}'.
  bool component(const char*& p, std::vector<Component>& out) {
    // Every key but the last ("threats"): an element with threats is the strict reader's.
    constexpr auto kKeys = std::span(kComponentKeys).first<std::size(kComponentKeys) - 1>();
    // Read in place (a million components are not moved once more); dropped when declined.
    Component& c = out.emplace_back();
    std::uint32_t seen = 0;
    const bool ok = object(p, kKeys, seen, [&](std::size_t key, const char*& q) {
      switch (key) {
        case 0:
          return text(q, c.id);
        case 1:
          return text(q, c.name);
        case 2: {
          std::string layer;
          if (!text(q, layer)) return false;
          const auto it = std::find(kLayerNames.begin(), kLayerNames.end(), layer);
          if (it == kLayerNames.end()) return false;
          c.layer = static_cast<Layer>(it - kLayerNames.begin());
          return true;
        }
        case 3:
          return text(q, c.kind);
        case 4:
          return text(q, c.vendor);
        case 5:
          return text(q, c.product);
        case 6: {
          if (q < end_ && *q == '"') return text(q, c.firmware.version);
          constexpr std::span kKeys(kFirmwareKeys);
          std::uint32_t fw_seen = 0;
          return object(q, kKeys, fw_seen, [&](std::size_t k, const char*& r) {
            return text(r, k == 0   ? c.firmware.version
                           : k == 1 ? c.firmware.image
                                    : c.firmware.sha256);
          });
        }
        case 7:
          return text(q, c.zone);
        case 8:
          return text(q, c.parent);
        case 9:
          return flag(q, c.internet_exposed);
        case 10:
          return flag(q, c.constrained);
        case 11:
          return flag(q, c.physical_actuation);
        case 12:
          return list(q, c.safety_functions);
        case 13:
          return flag(q, c.physically_accessible);
        case 14:
          return flag(q, c.user_operated);
        case 15:
          return flag(q, c.has_accounts);
        case 16:
          return list(q, c.interfaces);
        case 17:
          return list(q, c.data);
        default:
          return list(q, c.credentials);
      }
    });
    if (!ok || !(seen & 1u) || c.id.empty()) {
      out.pop_back();
      return false;
    }
    if (!(seen & 2u)) c.name = c.id;
    return true;
  }

  bool responsibility(const char*& p, std::vector<Responsibility>& out) {
    constexpr std::span kKeys(kResponsibilityKeys);
    Responsibility r;
    std::uint32_t seen = 0;
    const bool ok = object(p, kKeys, seen, [&](std::size_t key, const char*& q) {
      switch (key) {
        case 0:
          return text(q, r.stakeholder);
        case 1:
          return list(q, r.components);
        case 2:
          return list(q, r.duties);
        default:
          return text(q, r.phase);
      }
    });
    if (!ok || !(seen & 1u)) return false;
    out.push_back(std::move(r));
    return true;
  }

  bool connection(const char*& p, std::vector<Connection>& out) {
    constexpr std::span kKeys(kConnectionKeys);
    Connection& c = out.emplace_back();  // in place, as a component
    std::uint32_t seen = 0;
    const bool ok = object(p, kKeys, seen, [&](std::size_t key, const char*& q) {
      switch (key) {
        case 0:
          return text(q, c.id);
        case 1:
          return text(q, c.from);
        case 2:
          return text(q, c.to);
        case 3:
          return text(q, c.protocol);
        case 4:
          return port(q, c.port);
        case 5:
          return flag(q, c.encrypted);
        case 6:
          return flag(q, c.authenticated);
        case 7:
          return flag(q, c.bidirectional);
        default:
          return list(q, c.data);
      }
    });
    // from and to are required; the strict Reader words the message.
    if (!ok || (seen & 6u) != 6u) {
      out.pop_back();
      return false;
    }
    if (!(seen & 1u)) c.id = c.from + "->" + c.to;
    return true;
  }

 private:
  static constexpr std::array<std::string_view, 4> kLayerNames{"device", "network", "platform",
                                                               "service"};

  // An ASCII string without escapes; `p` at its opening quote.
  bool raw(const char*& p, std::string_view& out) const {
    if (p >= end_ || *p != '"') return false;
    const char* q = ++p;
    while (q < end_) {
      const auto c = static_cast<unsigned char>(*q);
      if (c == '"') break;
      if (c < 0x20 || c >= 0x80 || c == '\\') return false;
      ++q;
    }
    if (q >= end_) return false;
    out = {p, static_cast<std::size_t>(q - p)};
    p = q + 1;
    return true;
  }
  bool text(const char*& p, std::string& out) const {
    std::string_view s;
    if (!raw(p, s)) return false;
    out.assign(s);
    return true;
  }
  bool flag(const char*& p, bool& out) const {
    const auto rest = static_cast<std::size_t>(end_ - p);
    if (rest >= 4 && std::memcmp(p, "true", 4) == 0) {
      out = true;
      p += 4;
      return true;
    }
    if (rest >= 5 && std::memcmp(p, "false", 5) == 0) {
      out = false;
      p += 5;
      return true;
    }
    return false;
  }
  // A JSON integer 0..65535 without sign, fraction or exponent.
  bool port(const char*& p, std::optional<int>& out) const {
    const char* q = p;
    int value = 0;
    while (q < end_ && *q >= '0' && *q <= '9' && q - p < 6) value = value * 10 + (*q++ - '0');
    if (q == p || (*p == '0' && q - p > 1) || value > 65535) return false;
    if (q < end_ && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9'))) {
      return false;
    }
    out = value;
    p = q;
    return true;
  }
  // A string (one element) or a list of strings.
  bool list(const char*& p, std::vector<std::string>& out) const {
    if (p < end_ && *p == '"') {
      out.emplace_back();
      return text(p, out.back());
    }
    if (p >= end_ || *p != '[') return false;
    p = skip(p + 1, end_);
    if (p < end_ && *p == ']') {
      ++p;
      return true;
    }
    for (;;) {
      out.emplace_back();
      if (!text(p, out.back())) return false;
      p = skip(p, end_);
      if (p >= end_) return false;
      if (*p == ']') {
        ++p;
        return true;
      }
      if (*p != ',') return false;
      p = skip(p + 1, end_);
    }
  }
  // An object of known keys, each at most once (bit i of `seen`: key i was read); `value(i, p)`
  // reads the value of key i at p.
  template <std::size_t N, typename Value>
  bool object(const char*& p, std::span<const std::string_view, N> keys, std::uint32_t& seen,
              Value&& value) const {
    static_assert(N <= 32);
    if (p >= end_ || *p != '{') return false;
    p = skip(p + 1, end_);
    if (p < end_ && *p == '}') {
      ++p;
      return true;
    }
    for (;;) {
      std::string_view key;
      if (!raw(p, key)) return false;
      std::size_t k = 0;
      while (k < N && keys[k] != key) ++k;
      if (k == N || (seen & (1u << k))) return false;
      seen |= 1u << k;
      p = skip(p, end_);
      if (p >= end_ || *p != ':') return false;
      p = skip(p + 1, end_);
      if (!value(k, p)) return false;
      p = skip(p, end_);
      if (p >= end_) return false;
      if (*p == '}') {
        ++p;
        return true;
      }
      if (*p != ',') return false;
      p = skip(p + 1, end_);
    }
  }

  const char* end_;
};

// Reads a JSON model as a stream (nlohmann's SAX interface), so that a generated model of a
// million components and millions of connections never exists as one JSON tree: each element of
// `components`, `connections` and `responsibilities` (a responsibility may name every component)
// not taken by BulkReader is built as a small tree, read by the same Reader as a YAML
// model's (same checks, same messages, now with line:column), and dropped. The rest of the
// document is small and is kept as a tree for parse_document.
//
// Positions: nlohmann's SAX events carry no offsets, so the input goes through an iterator that
// publishes how far the lexer has read; an object or array starts one byte before the offset at
// its event, a scalar after the separator following the previous event.
class StreamingReader {
 public:
  using string_t = json::string_t;
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using binary_t = json::binary_t;

  // The lexer's input. The begin iterator reads through the shared cursor `*read` (how far the
  // lexer has read, and where the bulk reader moves it past the elements it has read itself); the
  // end iterator is a fixed pointer.
  struct Input {
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;
    const char* fixed;
    const char** read;
    const char* at() const { return read ? *read : fixed; }
    reference operator*() const { return *at(); }
    Input& operator++() {
      ++*read;
      return *this;
    }
    Input operator++(int) {
      Input before{at(), nullptr};
      ++*this;
      return before;
    }
    bool operator==(const Input& other) const { return at() == other.at(); }
    bool operator!=(const Input& other) const { return at() != other.at(); }
  };

  // `positioned` false: the text is kensa's own rewrite of another document (an OTM import), whose
  // lines and columns would mislead; messages then name the element path only.
  // `split_from`: sections of at least this many bytes are read on two threads (see
  // Speculation).
  StreamingReader(std::string_view text, const std::string& origin, bool positioned,
                  bool bulk = true, std::size_t split_from = kSplitFrom)
      : text_(text),
        origin_(origin),
        mapper_(text),
        reader_(origin, positions_),
        bulk_(bulk),
        split_from_(split_from) {
    if (positioned) positions_.mapper = &mapper_;
    read_ = text.data();
  }
  ~StreamingReader() { discard(); }
  StreamingReader(const StreamingReader&) = delete;
  StreamingReader& operator=(const StreamingReader&) = delete;

  static constexpr std::size_t kSplitFrom = std::size_t{4} << 20;

  // nullopt when the text is not JSON (the caller then reads it as YAML); InputError when it is
  // JSON but not a valid model.
  std::optional<Model> read() {
    const Input first{nullptr, &read_}, last{text_.data() + text_.size(), nullptr};
    const bool parsed = json::sax_parse(first, last, this);
    discard();  // a speculation the reading never reached
    if (!parsed) return std::nullopt;
    // The rest of the document: positions of its nodes from its own events.
    positions_.offsets.clear();
    std::size_t next = 0;
    record(root_, root_events_, next);
    root_events_ = {};
    positions_.indexed.reserve(positions_.offsets.size());
    for (const auto& o : positions_.offsets) positions_.indexed.emplace(o.node, o);
    positions_.offsets.clear();
    Model m = parse_document(root_, reader_, origin_, std::move(model_));
    positions_.offsets.clear();
    return m;
  }

  // SAX events (nlohmann::json_sax).
  bool null() { return scalar(nullptr); }
  bool boolean(bool v) { return scalar(v); }
  bool number_integer(number_integer_t v) { return scalar(v); }
  bool number_unsigned(number_unsigned_t v) { return scalar(v); }
  bool number_float(number_float_t v, const string_t&) { return scalar(v); }
  bool string(string_t& v) { return scalar(std::move(v)); }
  bool binary(binary_t&) { return false; }
  bool start_object(std::size_t) {
    stack_.push_back(place(json::object(), offset() - 1, false));
    return true;
  }
  bool key(string_t& k) {
    const json* object = stack_.back();
    if (object->contains(k)) {
      const auto p = position(offset() - 1);
      throw InputError(origin_, p.line, p.column, "duplicate key '" + k + "'");
    }
    key_ = std::move(k);
    last_ = offset();
    return true;
  }
  bool end_object() { return end_container(); }
  bool start_array(std::size_t) {
    if (stack_.size() == 1 && stack_[0] == &root_ && root_.is_object() &&
        (key_ == "components" || key_ == "connections" || key_ == "responsibilities")) {
      section_ = key_ == "components"    ? Section::components
                 : key_ == "connections" ? Section::connections
                                         : Section::responsibilities;
      if (streamed_[static_cast<int>(section_)]) {
        const auto p = position(offset() - 1);
        throw InputError(origin_, p.line, p.column, "duplicate key '" + key_ + "'");
      }
      streamed_[static_cast<int>(section_)] = true;
      index_ = 0;
      stack_.push_back(nullptr);  // the section: its elements are read one by one
      last_ = offset();
      section_start_ = read_;
      bulk(true);
      return true;
    }
    stack_.push_back(place(json::array(), offset() - 1, false));
    return true;
  }
  bool end_array() {
    if (stack_.back() == nullptr) {
      stack_.pop_back();
      section_ = Section::none;
      last_ = offset();
      return true;
    }
    return end_container();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

 private:
  enum class Section { none = 0, components = 1, connections = 2, responsibilities = 3 };
  struct Event {
    std::size_t offset;
    bool value_search;
    std::string key;  // the member's key inside an object
  };

  std::size_t offset() const { return static_cast<std::size_t>(read_ - text_.data()); }
  Position position(std::size_t offset) const {
    return positions_.mapper ? positions_.mapper->at(offset, false) : Position{};
  }

  template <typename T>
  bool scalar(T&& value) {
    place(json(std::forward<T>(value)), last_, true);
    last_ = offset();
    if (!stack_.empty() && stack_.back() == nullptr) element_done();
    return true;
  }

  bool end_container() {
    stack_.pop_back();
    last_ = offset();
    if (!stack_.empty() && stack_.back() == nullptr) {
      element_done();
      bulk(false);
    }
    return true;
  }

  // Reads the elements of a streamed section that BulkReader accepts straight into the model and
  // moves the lexer past them, leaving it where its own parser state expects to continue: at the
  // section's ']' when all were accepted, else at the first element it declined, which the lexer
  // then reads as before and the strict Reader reports what is wrong with it. `first`: the lexer
  // has just read '[' and expects a value (else it has read the '}' closing an element and expects
  // ',' or ']'). Malformed JSON between elements leaves the lexer at a character it rejects.
  void bulk(const bool first) {
    if (!bulk_) return;
    bulk_elements(first);
    // A scalar the lexer reads next is positioned from here, as after an element it read itself.
    last_ = offset();
  }
  void bulk_elements(const bool first) {
    const char* const end = text_.data() + text_.size();
    if (first && section_ == Section::components && !speculation_ &&
        !streamed_[static_cast<int>(Section::connections)] &&
        static_cast<std::size_t>(end - read_) >= split_from_) {
      speculate();
    }
    BulkReader reader(end);
    const char* p = read_;
    const char* last_close = nullptr;  // the '}' of the last element accepted here
    bool any = !first;
    if (first && section_ == Section::connections && speculation_) {
      if (adopt()) {
        p = speculation_->stop;
        index_ = speculation_->count;
        last_close = p - 1;
        any = true;
      }
      discard();
    }
    // Where the lexer continues when the elements stop at `p` in a way it must judge itself.
    auto hand_back = [&](const char* element) {
      if (!first) {
        read_ = last_close ? last_close + 1 : read_;  // expects ',' or ']' next
      } else if (last_close) {
        // The declined element as the value it expects; else the '}' (and not a ']' after a
        // trailing comma, which it would take for the end of an empty array), which it rejects.
        read_ = element && (element == end || *element != ']') ? element : last_close;
      }
    };
    for (;;) {
      p = BulkReader::skip(p, end);
      if (p == end) return hand_back(nullptr);
      if (*p == ']') {
        read_ = p;
        return;
      }
      if (any) {
        if (*p != ',') return hand_back(nullptr);
        p = BulkReader::skip(p + 1, end);
      }
      const char* const open = p;
      Position* at = nullptr;
      switch (section_) {
        case Section::components:
          if (reader.component(p, model_.components)) at = &model_.components.back().at;
          break;
        case Section::connections:
          if (reader.connection(p, model_.connections)) at = &model_.connections.back().at;
          break;
        default:
          if (reader.responsibility(p, model_.responsibilities)) {
            at = &model_.responsibilities.back().at;
          }
      }
      if (!at) return hand_back(open);
      if (positions_.mapper) {
        *at = positions_.mapper->at(static_cast<std::size_t>(open - text_.data()), false);
      }
      ++index_;
      last_close = p - 1;
      any = true;
      if (index_ == kSampled) reserve(p);
    }
  }

  // The second thread (a large model on two cores). When a large `components` section starts, a
  // second thread looks for where the `connections` array starts (the first `"connections"`
  // followed by ':' and '[' in the rest of the text) and reads its elements from there with its
  // own BulkReader into its own vector, until one is not in the common form or the array ends.
  // Nothing it reads counts until this thread, reading on, starts the top-level `connections`
  // section at exactly that byte: the text from there on is then read the same whichever thread
  // reads it, so its vector becomes the model's connections (taken whole: appending the elements
  // of a second half instead would move millions of them once more, on freshly faulted pages,
  // which cost more than it saved), and this thread continues after the last of them (with the
  // element it stopped at, judged here as always). A wrong guess (the word in a string, a nested
  // key, connections before components) never starts the section and is dropped. So the model,
  // positions and messages are the sequential reader's whatever the guess, and no structural
  // pre-scan of the text is needed (one more single-threaded pass over hundreds of MB).
  struct Speculation {
    const char* start = nullptr;  // after the guessed array's '['
    const char* stop = nullptr;   // after the '}' of the last element read
    std::size_t count = 0;
    std::vector<Connection> connections;
    std::atomic<bool> cancel{false};
    std::thread thread;
  };

  void speculate() {
    auto s = std::make_unique<Speculation>();
    Speculation* const target = s.get();
    const std::string_view text = text_;
    const std::size_t from = offset();
    const bool positioned = positions_.mapper != nullptr;
    try {
      s->thread = std::thread(
          [target, text, from, positioned] { read_ahead(*target, text, from, positioned); });
    } catch (const std::system_error&) {
      return;  // no second thread: read sequentially
    }
    speculation_ = std::move(s);
  }

  static void read_ahead(Speculation& s, std::string_view text, std::size_t from, bool positioned) {
    const char* const end = text.data() + text.size();
    for (std::size_t at = text.find("\"connections\"", from); at != std::string_view::npos;
         at = text.find("\"connections\"", at + 1)) {
      const char* r = BulkReader::skip(text.data() + at + 13, end);
      if (r == end || *r != ':') continue;
      r = BulkReader::skip(r + 1, end);
      if (r != end && *r == '[') {
        s.start = s.stop = r + 1;
        break;
      }
    }
    if (!s.start) return;
    BulkReader reader(end);
    OffsetMapper mapper(text);
    const char* p = BulkReader::skip(s.start, end);
    try {
      for (;;) {
        if (s.cancel.load(std::memory_order_relaxed)) return;
        if (s.count > 0) {
          p = BulkReader::skip(p, end);
          if (p == end || *p != ',') return;
          p = BulkReader::skip(p + 1, end);
        }
        const char* const open = p;
        if (!reader.connection(p, s.connections)) return;
        if (positioned) {
          s.connections.back().at = mapper.at(static_cast<std::size_t>(open - text.data()), false);
        }
        s.stop = p;
        if (++s.count == kSampled) {
          // As reserve(): room for what the rest of the text could hold.
          const auto per = static_cast<std::size_t>(p - s.start) / kSampled + 1;
          s.connections.reserve(s.count + static_cast<std::size_t>(end - p) / per);
          advise_huge_pages(s.connections);
        }
      }
    } catch (const std::bad_alloc&) {
      s.connections.resize(s.count);  // `stop` is after the last element completely read
    }
  }

  // At the start of the top-level connections section: the speculation's elements taken, when it
  // read this very section; false (and nothing taken) otherwise.
  bool adopt() {
    Speculation& s = *speculation_;
    s.thread.join();
    const bool same = s.start == read_ && s.count > 0 && model_.connections.empty();
    if (same) model_.connections = std::move(s.connections);
    return same;
  }

  void discard() {
    if (!speculation_) return;
    speculation_->cancel.store(true, std::memory_order_relaxed);
    if (speculation_->thread.joinable()) speculation_->thread.join();
    speculation_.reset();
  }

  // Once kSampled elements of a section are read, room for as many more as the rest of the text
  // could hold at their average size: growing a vector of a million elements by doubling moves
  // every string of every element about once more, on freshly faulted pages. The estimate runs
  // over (the rest of the text holds other sections too); the excess capacity is address space
  // that is never touched, not resident memory.
  static constexpr std::size_t kSampled = 4096;
  void reserve(const char* p) {
    const auto per = static_cast<std::size_t>(p - section_start_) / kSampled + 1;
    const auto more = static_cast<std::size_t>(text_.data() + text_.size() - p) / per;
    if (section_ == Section::components) {
      model_.components.reserve(model_.components.size() + more);
      advise_huge_pages(model_.components);
    } else if (section_ == Section::connections) {
      model_.connections.reserve(model_.connections.size() + more);
      advise_huge_pages(model_.connections);
    }
  }

  // Inserts a value where the stream is and returns its address in the tree being built.
  json* place(json&& value, std::size_t at, bool value_search) {
    const bool in_section = section_ != Section::none;
    auto& events = in_section ? element_events_ : root_events_;
    json* parent = stack_.empty() ? nullptr : stack_.back();
    if (stack_.empty()) {
      root_ = std::move(value);
      events.push_back({at, value_search, {}});
      return &root_;
    }
    if (parent == nullptr) {  // a new element of the streamed section
      element_events_.clear();
      element_events_.push_back({at, value_search, {}});
      element_ = std::move(value);
      return &element_;
    }
    if (parent->is_object()) {
      events.push_back({at, value_search, key_});
      return &((*parent)[key_] = std::move(value));
    }
    events.push_back({at, value_search, {}});
    parent->push_back(std::move(value));
    return &parent->back();
  }

  // Pairs the finished tree's nodes with their events, in document order.
  void record(const json& node, const std::vector<Event>& events, std::size_t& next) {
    if (next >= events.size()) return;
    const Event& e = events[next++];
    positions_.offsets.push_back({&node, e.offset, e.value_search});
    if (node.is_object()) {
      for (std::size_t i = 0; i < node.size() && next < events.size(); ++i) {
        const auto it = node.find(events[next].key);
        if (it == node.end()) return;
        record(*it, events, next);
      }
    } else if (node.is_array()) {
      for (const auto& child : node) record(child, events, next);
    }
  }

  void element_done() {
    positions_.offsets.clear();
    std::size_t next = 0;
    record(element_, element_events_, next);
    path_ = section_ == Section::components    ? "components["
            : section_ == Section::connections ? "connections["
                                               : "responsibilities[";
    path_ += std::to_string(index_++);
    path_ += ']';
    if (section_ == Section::components) {
      model_.components.push_back(parse_component(element_, path_, reader_));
    } else if (section_ == Section::connections) {
      model_.connections.push_back(parse_connection(element_, path_, reader_));
    } else {
      model_.responsibilities.push_back(parse_responsibility(element_, path_, reader_));
    }
    element_ = nullptr;
  }

  std::string_view text_;
  const std::string& origin_;
  OffsetMapper mapper_;
  Positions positions_;
  Reader reader_;
  const char* read_ = nullptr;
  json root_, element_;
  std::vector<json*> stack_;
  std::vector<Event> root_events_, element_events_;
  std::string key_, path_;
  std::size_t last_ = 0, index_ = 0;
  Section section_ = Section::none;
  bool streamed_[4] = {false, false, false, false};
  const char* section_start_ = nullptr;
  bool bulk_ = true;
  std::size_t split_from_ = kSplitFrom;
  std::unique_ptr<Speculation> speculation_;
  Model model_;
};
}  // namespace

std::string_view to_string(Layer layer) { return kLayers.at(static_cast<std::size_t>(layer)); }
std::string_view to_string(Role role) { return kRoles.at(static_cast<std::size_t>(role)); }

std::string_view axis1_name(int level) {
  static constexpr std::string_view names[] = {"none", "limited damage", "serious damage",
                                               "fatal damage"};
  return names[std::clamp(level, 0, 3)];
}
std::string_view axis2_name(int level) {
  static constexpr std::string_view names[] = {
      "none", "limited economic impact", "serious economic impact", "catastrophic economic impact"};
  return names[std::clamp(level, 0, 3)];
}

const Component* Model::component(std::string_view id) const {
  for (const auto& c : components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}
const Stakeholder* Model::stakeholder(std::string_view id) const {
  for (const auto& s : stakeholders) {
    if (s.id == id) return &s;
  }
  return nullptr;
}
const Zone* Model::zone(std::string_view id) const {
  for (const auto& z : zones) {
    if (z.id == id) return &z;
  }
  return nullptr;
}
std::size_t Model::component_index(std::string_view id) const {
  for (std::size_t i = 0; i < components.size(); ++i) {
    if (components[i].id == id) return i;
  }
  return std::string::npos;
}

namespace {
Model load_text(std::string_view text, const std::string& origin, bool positioned, bool bulk = true,
                std::size_t split_from = StreamingReader::kSplitFrom) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    // JSON is read as a stream (a generated model of a million components fits in memory and
    // time only this way); a YAML flow mapping also starts with '{', so what is not JSON is read
    // as YAML below.
    StreamingReader streaming(text, origin, positioned, bulk, split_from);
    if (auto m = streaming.read()) {
      check_references(*m);
      return std::move(*m);
    }
  }
  json doc;
  Positions positions;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    doc = convert(root);
    record_positions(root, doc, positions);
  } catch (const YAML::Exception& e) {
    throw InputError(origin, e.mark.is_null() ? 0 : e.mark.line + 1,
                     e.mark.is_null() ? 0 : e.mark.column + 1, e.msg);
  } catch (const DuplicateKey& e) {
    throw InputError(origin, e.mark.line + 1, e.mark.column + 1, "duplicate key '" + e.key + "'");
  }
  const Reader reader(origin, positions);
  Model m = parse_document(doc, reader, origin);
  check_references(m);
  return m;
}
}  // namespace

Model load(std::string_view text, const std::string& origin) {
  return load_text(text, origin, true);
}

Model testing::load_without_bulk_reader(std::string_view text, const std::string& origin) {
  return load_text(text, origin, true, false);
}

Model testing::load_splitting_sections(std::string_view text, const std::string& origin) {
  return load_text(text, origin, true, true, 0);
}

namespace {
// The file mapped read-only: a generated model is hundreds of MB, and read_file's stream copy
// costs two more copies of it in memory and time. Empty files and what cannot be mapped (pipes)
// are read with read_file.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      void* p =
          ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        ::madvise(p, static_cast<std::size_t>(st.st_size), MADV_SEQUENTIAL);
        data_ = static_cast<const char*>(p);
        size_ = static_cast<std::size_t>(st.st_size);
      }
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  bool mapped() const { return data_ != nullptr; }
  std::string_view text() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};
}  // namespace

Model load_file(const std::string& path) {
  const MappedFile file(path);
  if (file.mapped()) return load(file.text(), path);
  return load(read_file(path), path);
}

std::string_view schema() {
  for (std::size_t i = 0; i < kModelSchema_count; ++i) {
    if (kModelSchema[i].name == "model.schema.json") return kModelSchema[i].contents;
  }
  return {};
}

namespace {
json level_json(int axis1, int axis2) {
  json out = json::object();
  if (axis1) out["axis1"] = axis1;
  if (axis2) out["axis2"] = axis2;
  return out;
}
}  // namespace

json to_json(const Model& m) {
  json doc;
  doc["kensa-model"] = 1;
  doc["system"] = {
      {"id", m.id},
      {"name", m.name},
      {"description", m.description},
      {"viewpoints", m.viewpoints},
      {"legal", m.legal},
      {"target",
       {{"axis1", m.target.axis1}, {"axis2", m.target.axis2}, {"reason", m.target.reason}}}};
  doc["zones"] = json::array();
  for (const auto& z : m.zones) {
    doc["zones"].push_back({{"id", z.id}, {"name", z.name}, {"kind", z.kind}, {"trust", z.trust}});
  }
  doc["trust_boundaries"] = json::array();
  for (const auto& b : m.boundaries) {
    doc["trust_boundaries"].push_back(
        {{"id", b.id}, {"name", b.name}, {"zones", b.zones}, {"enforced_by", b.enforced_by}});
  }
  doc["components"] = json::array();
  for (const auto& c : m.components) {
    json threats = json::array();
    for (const auto& t : c.threats)
      threats.push_back({{"threat", t.threat}, {"incident", t.incident}});
    doc["components"].push_back({{"id", c.id},
                                 {"name", c.name},
                                 {"layer", to_string(c.layer)},
                                 {"kind", c.kind},
                                 {"vendor", c.vendor},
                                 {"model", c.product},
                                 {"firmware",
                                  {{"version", c.firmware.version},
                                   {"image", c.firmware.image},
                                   {"sha256", c.firmware.sha256}}},
                                 {"zone", c.zone},
                                 {"parent", c.parent},
                                 {"internet_exposed", c.internet_exposed},
                                 {"constrained", c.constrained},
                                 {"physical_actuation", c.physical_actuation},
                                 {"safety_functions", c.safety_functions},
                                 {"physically_accessible", c.physically_accessible},
                                 {"user_operated", c.user_operated},
                                 {"has_accounts", c.has_accounts},
                                 {"interfaces", c.interfaces},
                                 {"data", c.data},
                                 {"credentials", c.credentials},
                                 {"threats", threats}});
  }
  doc["connections"] = json::array();
  for (const auto& c : m.connections) {
    json j = {{"id", c.id},
              {"from", c.from},
              {"to", c.to},
              {"protocol", c.protocol},
              {"encrypted", c.encrypted},
              {"authenticated", c.authenticated},
              {"bidirectional", c.bidirectional},
              {"data", c.data}};
    if (c.port) j["port"] = *c.port;
    doc["connections"].push_back(std::move(j));
  }
  doc["stakeholders"] = json::array();
  for (const auto& s : m.stakeholders) {
    json j = {{"id", s.id},
              {"name", s.name},
              {"role", to_string(s.role)},
              {"applying_entity", s.applying_entity},
              {"consumer", s.consumer}};
    if (!s.smarthome.empty()) j["smarthome"] = s.smarthome;
    doc["stakeholders"].push_back(std::move(j));
  }
  doc["responsibilities"] = json::array();
  for (const auto& r : m.responsibilities) {
    doc["responsibilities"].push_back({{"stakeholder", r.stakeholder},
                                       {"components", r.components},
                                       {"duties", r.duties},
                                       {"phase", r.phase}});
  }
  doc["incidents"] = json::array();
  for (const auto& i : m.incidents) {
    json impacts = json::array();
    for (const auto& im : i.impacts) {
      json j = {{"stakeholder", im.stakeholder},
                {"safety", im.safety},
                {"death_unlikely", im.death_unlikely},
                {"privacy", im.privacy},
                {"internal", im.internal},
                {"external", im.external},
                {"duration", im.duration},
                {"substitutable", im.substitutable},
                {"recall", im.recall},
                {"liability", im.liability},
                {"reason", im.reason}};
      j.update(level_json(im.axis1, im.axis2));
      impacts.push_back(std::move(j));
    }
    doc["incidents"].push_back({{"id", i.id},
                                {"description", i.description},
                                {"entry", i.entry},
                                {"affects", i.affects},
                                {"threats", i.threats},
                                {"impacts", impacts}});
  }
  doc["policies"] = json::array();
  for (const auto& p : m.policies) {
    doc["policies"].push_back({{"id", p.id},
                               {"stakeholder", p.stakeholder},
                               {"axis", p.axis},
                               {"text", p.text},
                               {"requirements", p.requirements}});
  }
  doc["data"] = json::array();
  for (const auto& d : m.data) {
    json events = json::array();
    for (const auto& e : d.events) {
      events.push_back({{"event", e.event},
                        {"component", e.component},
                        {"to", e.to},
                        {"from_country", e.from_country},
                        {"to_country", e.to_country},
                        {"to_organisation", e.to_organisation}});
    }
    doc["data"].push_back({{"id", d.id},
                           {"name", d.name},
                           {"attributes", d.attributes},
                           {"places", d.places},
                           {"personal", d.personal},
                           {"trade_secret", d.trade_secret},
                           {"events", events}});
  }
  doc["evidence"] = json::array();
  for (const auto& e : m.evidence) {
    json j = json::object();
    for (const auto& [k, v] : {std::pair{"component", e.component},
                               {"address", e.address},
                               {"firmware", e.firmware},
                               {"capture", e.capture},
                               {"ics", e.ics},
                               {"findings", e.findings}}) {
      if (!v.empty()) j[k] = v;
    }
    doc["evidence"].push_back(std::move(j));
  }
  if (!m.seed.is_null()) doc["seed"] = m.seed;
  return doc;
}

// ---------------------------------------------------------------- OTM

namespace {

const std::map<std::string, std::string, std::less<>> kStrideNames{
    {"spoofing", "S"},          {"tampering", "T"},
    {"repudiation", "R"},       {"information disclosure", "I"},
    {"denial of service", "D"}, {"elevation of privilege", "E"}};

[[noreturn]] void otm_fail(const std::string& origin, const std::string& path,
                           const std::string& what) {
  throw InputError(origin, 0, 0, "OTM " + path + ": " + what);
}

const json& otm_field(const json& obj, const std::string& key, const std::string& path,
                      const std::string& origin, json::value_t type) {
  const auto it = obj.find(key);
  if (it == obj.end()) otm_fail(origin, path, "missing required key '" + key + "'");
  const bool ok = type == json::value_t::string  ? it->is_string()
                  : type == json::value_t::array ? it->is_array()
                                                 : it->is_object();
  if (!ok) {
    otm_fail(origin, path + "." + key,
             std::string("expected ") + (type == json::value_t::string  ? "a string"
                                         : type == json::value_t::array ? "an array"
                                                                        : "an object"));
  }
  return *it;
}

json kensa_attributes(const json& element) {
  const auto it = element.find("attributes");
  if (it == element.end() || !it->is_object()) return nullptr;
  const auto k = it->find("kensa");
  return k == it->end() ? json() : *k;
}

}  // namespace

json export_otm(const Model& m) {
  const json doc = to_json(m);
  json otm;
  otm["otmVersion"] = "0.2.0";
  json rest = doc;
  for (const auto* key : {"zones", "components", "connections", "kensa-model"}) rest.erase(key);
  otm["project"] = {{"name", m.name},
                    {"id", m.id},
                    {"description", m.description},
                    {"attributes", {{"kensa", rest}}}};
  otm["representations"] =
      json::array({{{"name", "kensa model"}, {"id", "kensa"}, {"type", "threat-model"}}});
  otm["trustZones"] = json::array();
  for (const auto& z : doc["zones"]) {
    otm["trustZones"].push_back({{"id", z["id"]},
                                 {"name", z["name"]},
                                 {"risk", {{"trustRating", z["trust"]}}},
                                 {"attributes", {{"kensa", z}}}});
  }
  otm["components"] = json::array();
  json threats = json::array();
  std::set<std::string> threat_ids;
  for (const auto& c : doc["components"]) {
    json comp = {{"id", c["id"]}, {"name", c["name"]}, {"type", c["kind"]}};
    if (!c["parent"].get<std::string>().empty()) {
      comp["parent"] = {{"component", c["parent"]}};
    } else if (!c["zone"].get<std::string>().empty()) {
      comp["parent"] = {{"trustZone", c["zone"]}};
    }
    json tags = json::array({c["layer"]});
    if (c["internet_exposed"].get<bool>()) tags.push_back("internet-exposed");
    if (c["physical_actuation"].get<bool>()) tags.push_back("actuator");
    comp["tags"] = tags;
    comp["attributes"] = {{"kensa", c}};
    json instances = json::array();
    for (const auto& t : c["threats"]) {
      const std::string code = t["threat"];
      if (threat_ids.insert(code).second) {
        threats.push_back({{"id", "iotssf-" + code},
                           {"name", code},
                           {"categories", {"IoT-SSF"}},
                           {"risk", {{"likelihood", nullptr}, {"impact", nullptr}}}});
      }
      instances.push_back({{"threat", "iotssf-" + code}, {"state", "exposed"}});
    }
    if (!instances.empty()) comp["threats"] = instances;
    otm["components"].push_back(std::move(comp));
  }
  otm["dataflows"] = json::array();
  for (const auto& c : doc["connections"]) {
    json tags = json::array();
    if (!c["protocol"].get<std::string>().empty()) tags.push_back(c["protocol"]);
    if (c["encrypted"].get<bool>()) tags.push_back("encrypted");
    if (c["authenticated"].get<bool>()) tags.push_back("authenticated");
    otm["dataflows"].push_back({{"id", c["id"]},
                                {"name", c["id"]},
                                {"source", c["from"]},
                                {"destination", c["to"]},
                                {"bidirectional", c["bidirectional"]},
                                {"tags", tags},
                                {"attributes", {{"kensa", c}}}});
  }
  otm["threats"] = threats;
  otm["mitigations"] = json::array();
  return otm;
}

namespace {
Model import_otm_document(const json& otm, const std::string& origin);
}  // namespace

Model import_otm(std::string_view text, const std::string& origin) {
  json otm;
  try {
    otm = json::parse(text);
  } catch (const json::parse_error& e) {
    const auto p = position_of(text, e.byte == 0 ? 0 : e.byte - 1);
    throw InputError(origin, p.line, p.column, std::string("malformed JSON: ") + e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double
    throw InputError(origin, 0, 0, std::string("malformed JSON: ") + e.what());
  }
  try {
    return import_otm_document(otm, origin);
  } catch (const json::exception& e) {
    // A value of an unexpected type in a field the OTM standard leaves open.
    throw InputError(origin, 0, 0, std::string("OTM: unexpected value: ") + e.what());
  }
}

namespace {
Model import_otm_document(const json& otm, const std::string& origin) {
  if (!otm.is_object()) otm_fail(origin, "$", "expected an object");
  otm_field(otm, "otmVersion", "$", origin, json::value_t::string);
  const json& project = otm_field(otm, "project", "$", origin, json::value_t::object);
  json doc = json::object();
  if (json rest = kensa_attributes(project); rest.is_object()) doc = rest;
  doc["kensa-model"] = 1;
  if (!doc.contains("system") || !doc["system"].is_object()) doc["system"] = json::object();
  doc["system"]["id"] = otm_field(project, "id", "$.project", origin, json::value_t::string);
  doc["system"]["name"] = otm_field(project, "name", "$.project", origin, json::value_t::string);
  if (project.contains("description") && project["description"].is_string()) {
    doc["system"]["description"] = project["description"];
  }
  doc["zones"] = json::array();
  if (otm.contains("trustZones")) {
    const json& zones = otm_field(otm, "trustZones", "$", origin, json::value_t::array);
    for (std::size_t i = 0; i < zones.size(); ++i) {
      const auto path = "$.trustZones[" + std::to_string(i) + "]";
      const json& z = zones[i];
      if (!z.is_object()) otm_fail(origin, path, "expected an object");
      json k = kensa_attributes(z);
      if (!k.is_object()) {
        k = {{"id", otm_field(z, "id", path, origin, json::value_t::string)},
             {"name", otm_field(z, "name", path, origin, json::value_t::string)}};
        const auto risk = z.find("risk");
        if (risk != z.end() && risk->is_object() && risk->contains("trustRating") &&
            (*risk)["trustRating"].is_number()) {
          k["trust"] = std::clamp((*risk)["trustRating"].get<double>(), 0.0, 100.0);
          k["trust"] = static_cast<int>(k["trust"].get<double>());
        }
      }
      doc["zones"].push_back(k);
    }
  }
  doc["components"] = json::array();
  std::map<std::string, std::string> threat_codes;  // OTM threat id → IoT-SSF code
  if (otm.contains("threats") && otm["threats"].is_array()) {
    for (const auto& t : otm["threats"]) {
      if (!t.is_object() || !t.contains("id") || !t["id"].is_string()) continue;
      std::string name =
          t.contains("name") && t["name"].is_string() ? t["name"].get<std::string>() : "";
      const auto code = std::find(kThreats.begin(), kThreats.end(), name);
      if (code != kThreats.end()) {
        threat_codes[t["id"]] = name;
        continue;
      }
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (auto it = kStrideNames.find(lower); it != kStrideNames.end())
        threat_codes[t["id"]] = it->second;
      if (t.contains("categories") && t["categories"].is_array()) {
        for (const auto& c : t["categories"]) {
          if (!c.is_string()) continue;
          std::string cat = c;
          std::transform(cat.begin(), cat.end(), cat.begin(),
                         [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
          if (auto it = kStrideNames.find(cat); it != kStrideNames.end())
            threat_codes[t["id"]] = it->second;
        }
      }
    }
  }
  if (otm.contains("components")) {
    const json& comps = otm_field(otm, "components", "$", origin, json::value_t::array);
    for (std::size_t i = 0; i < comps.size(); ++i) {
      const auto path = "$.components[" + std::to_string(i) + "]";
      const json& c = comps[i];
      if (!c.is_object()) otm_fail(origin, path, "expected an object");
      json k = kensa_attributes(c);
      if (!k.is_object()) {
        k = {{"id", otm_field(c, "id", path, origin, json::value_t::string)},
             {"name", otm_field(c, "name", path, origin, json::value_t::string)}};
        if (c.contains("type") && c["type"].is_string()) k["kind"] = c["type"];
        if (c.contains("parent") && c["parent"].is_object()) {
          const json& p = c["parent"];
          if (p.contains("trustZone") && p["trustZone"].is_string()) k["zone"] = p["trustZone"];
          if (p.contains("component") && p["component"].is_string()) k["parent"] = p["component"];
        }
        if (c.contains("tags") && c["tags"].is_array()) {
          for (const auto& t : c["tags"]) {
            if (!t.is_string()) continue;
            if (t == "internet-exposed") k["internet_exposed"] = true;
            if (t == "actuator") k["physical_actuation"] = true;
            if (std::find(kLayers.begin(), kLayers.end(), t.get<std::string>()) != kLayers.end()) {
              k["layer"] = t;
            }
          }
        }
        if (c.contains("threats") && c["threats"].is_array()) {
          json declared = json::array();
          for (const auto& t : c["threats"]) {
            if (!t.is_object() || !t.contains("threat") || !t["threat"].is_string()) continue;
            auto it = threat_codes.find(t["threat"].get<std::string>());
            if (it != threat_codes.end()) declared.push_back({{"threat", it->second}});
          }
          if (!declared.empty()) k["threats"] = declared;
        }
      }
      doc["components"].push_back(k);
    }
  }
  doc["connections"] = json::array();
  if (otm.contains("dataflows")) {
    const json& flows = otm_field(otm, "dataflows", "$", origin, json::value_t::array);
    for (std::size_t i = 0; i < flows.size(); ++i) {
      const auto path = "$.dataflows[" + std::to_string(i) + "]";
      const json& f = flows[i];
      if (!f.is_object()) otm_fail(origin, path, "expected an object");
      json k = kensa_attributes(f);
      if (!k.is_object()) {
        k = {{"id", otm_field(f, "id", path, origin, json::value_t::string)},
             {"from", otm_field(f, "source", path, origin, json::value_t::string)},
             {"to", otm_field(f, "destination", path, origin, json::value_t::string)}};
        if (f.contains("bidirectional") && f["bidirectional"].is_boolean())
          k["bidirectional"] = f["bidirectional"];
        if (f.contains("tags") && f["tags"].is_array()) {
          for (const auto& t : f["tags"]) {
            if (!t.is_string()) continue;
            if (t == "encrypted")
              k["encrypted"] = true;
            else if (t == "authenticated")
              k["authenticated"] = true;
            else if (!k.contains("protocol"))
              k["protocol"] = t;
          }
        }
      }
      doc["connections"].push_back(k);
    }
  }
  // Validated by the same reader as a model file: an OTM whose content kensa cannot use fails
  // with the element's path.
  return load_text(doc.dump(), origin, false);
}
}  // namespace

}  // namespace kensa::model
