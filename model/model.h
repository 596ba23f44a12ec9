#pragma once
// The system model: an IoT system of systems described in YAML (format: model/MODEL.md, JSON
// Schema: model/model.schema.json). Components in layers (device, network, platform, service),
// zones and trust boundaries, connections and data flows, stakeholders with their IoT-SSF roles and
// smart-home types, who is responsible for what, the incidents the applying entity assumes with
// their impact on each stakeholder, data items with Data Management Framework attributes, places
// and events, and links to evidence (addresses, firmware images, captures, answered ICS, findings).
//
// load() validates everything it reads: a malformed file, an unknown key, a wrong value or an id
// that does not resolve is an InputError naming file:line:column and what was expected. The
// top-level `seed` key is free-form annotation (expected results of a seed, notes) and is kept
// uninterpreted.
//
// OTM: export_otm()/import_otm() convert to and from the Open Threat Model JSON format (v0.2.0).
// kensa-specific properties travel in each element's `attributes` under "kensa." keys, so a kensa
// model round-trips; an OTM from another tool imports with defaults for what it does not say.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kensa::model {

inline constexpr std::string_view kModelFormat = "kensa.model/1";

// Where an element was declared, for messages that point back into the model.
struct Position {
  std::size_t line = 0;
  std::size_t column = 0;
};

enum class Layer { device, network, platform, service };
std::string_view to_string(Layer layer);

struct DeclaredThreat {
  std::string threat;    // IoT-SSF threat code: S T R I D E UA MW SB TM UV MU MC
  std::string incident;  // the possible incident, as the source words it
};

struct Firmware {
  std::string version;
  std::string image;   // path of the firmware image (evidence)
  std::string sha256;  // identity of the image: equal hashes = shared firmware
};

struct Component {
  std::string id, name;
  Layer layer = Layer::device;
  std::string kind;  // sensor, actuator, plc, gateway, router, server, cloud, terminal, app, ...
  std::string vendor, product;
  Firmware firmware;
  std::string zone;
  std::string parent;  // enclosing component (a system of systems), optional
  bool internet_exposed = false;
  bool constrained = false;  // cannot run endpoint controls (EN 303 645 "constrained device")
  bool physical_actuation = false;
  std::vector<std::string> safety_functions;
  bool physically_accessible = false;   // attackers can touch it (public place, shop floor)
  bool user_operated = false;           // people operate or configure it (misuse, misconfiguration)
  bool has_accounts = false;            // it authenticates users or devices
  std::vector<std::string> interfaces;  // wifi, ble, usb, serial, ethernet, lte, zigbee, ...
  std::vector<std::string> data;        // data items it stores or processes
  std::vector<std::string> credentials;  // credential ids; the same id on two components = shared
  std::vector<DeclaredThreat> threats;   // declared threats (e.g. a seed's threat table)
  Position at;

  bool safety_relevant() const { return physical_actuation || !safety_functions.empty(); }
};

struct Zone {
  std::string id, name;
  std::string kind;  // internet, wan, lan, ot, dmz, cloud, home, building, ...
  int trust = 1;     // 0 = untrusted (the internet) ... higher = more trusted
  Position at;
};

// A boundary separates zones; crossing it (a connection between two of its zones) is checked.
struct TrustBoundary {
  std::string id, name;
  std::vector<std::string> zones;
  std::string enforced_by;  // component id of the firewall/gateway that enforces it, optional
  Position at;
};

inline constexpr std::uint32_t kUnresolved = 0xffffffffu;

struct Connection {
  std::string id;
  std::string from, to;  // `from` initiates
  std::string protocol;
  std::optional<int> port;
  bool encrypted = false;
  bool authenticated = false;
  bool bidirectional = false;  // either end initiates
  std::vector<std::string> data;
  Position at;
  // Positions of `from` and `to` in Model::components, set by load() and import_otm() once every
  // reference resolves, so that users of a large model need not look ids up again; kUnresolved
  // in a connection built or edited in code (users then look the ids up).
  std::uint32_t from_index = kUnresolved, to_index = kUnresolved;
};

enum class Role { user, developer, provider, policy_maker, other };
std::string_view to_string(Role role);

struct Stakeholder {
  std::string id, name;
  Role role = Role::other;
  std::string smarthome;  // smart-home stakeholder type "(1)" ... "(8)" (seed 001 1.2), optional
  bool applying_entity = false;
  bool consumer = false;  // an individual without IT knowledge (drives the "inform users" policy)
  Position at;
};

struct Responsibility {
  std::string stakeholder;
  std::vector<std::string> components;
  std::vector<std::string>
      duties;         // design, build, operate, update, maintain, configure, dispose, ...
  std::string phase;  // e.g. before-handover, after-handover; empty = whole lifecycle
  Position at;
  // Positions of `components` in Model::components, set by load() and import_otm() (one per
  // component id); empty in a responsibility built or edited in code.
  std::vector<std::uint32_t> component_indices;
};

// Impact of an incident on one stakeholder, in the terms IoT-SSF rates by (seed 002 §2-2-2).
struct Impact {
  std::string stakeholder;
  std::string safety = "none";   // none | minor-injury | serious-injury | death
  bool death_unlikely = false;   // death possible but its preconditions unlikely → serious
  std::string privacy = "none";  // none | minor | serious
  // Axis 2 factors
  std::string internal = "none";   // none | degraded | stop   (direct impact on the party itself)
  std::string external = "none";   // none | customers | supply-chain | society | environment
  std::string duration = "short";  // short | long
  bool substitutable = true;       // a substitute exists (DR site, manual work)
  bool recall = false;             // large-scale product recall conceivable (indirect impact)
  bool liability = false;          // contractual liability (e.g. for failing to alert)
  int axis1 = 0, axis2 = 0;        // explicit level 1..3 overriding the factors (0 = derive)
  std::string reason;
  Position at;
};

struct Incident {
  std::string id, description;
  std::string entry;                 // component through which it starts, optional
  std::vector<std::string> affects;  // components
  std::vector<std::string> threats;  // threat codes
  std::vector<Impact> impacts;
  Position at;
};

struct Policy {
  std::string id, stakeholder;
  int axis = 2;
  std::string text;
  std::vector<std::string> requirements;  // iotssf requirement ids
  Position at;
};

struct DataEvent {
  std::string event;      // DMF-E1 ... DMF-E5
  std::string component;  // where it happens
  std::string to;         // for a transfer: receiving component
  std::string from_country, to_country;
  std::string to_organisation;  // for a transfer to another organisation
  Position at;
};

struct DataItem {
  std::string id, name;
  std::map<std::string, std::string> attributes;  // DMF-A01 ... DMF-A10 → value
  std::vector<std::string> places;                // DMF-P1 ... DMF-P4, DMF-PT1, DMF-PT2
  bool personal = false;
  bool trade_secret = false;
  std::vector<DataEvent> events;
  Position at;
};

struct EvidenceLink {
  std::string component;  // optional for findings files covering several components
  std::string address, firmware, capture, ics, findings;
  Position at;
};

struct Target {
  int axis1 = 1,
      axis2 = 1;  // highest acceptable level (1 limited, 2 serious, 3 fatal/catastrophic)
  std::string reason;
};

// Ids of a vector of elements → their positions, for models of millions of components: open
// addressing over one array of indices (no node per id, no copy of the ids: a lookup compares
// against the element's own id), with a few hash bits per slot so that most misses touch no
// element. The elements must outlive the index and not move.
template <typename Element>
class IdIndex {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  explicit IdIndex(const std::vector<Element>& elements) : elements_(elements) {
    std::size_t size = 16;
    while (size < elements.size() * 2) size *= 2;
    slots_.assign(size, kEmpty);
    mask_ = size - 1;
  }
  // Adds element i; returns the index of an earlier element with the same id, or npos.
  std::size_t insert(std::size_t i) {
    const std::string_view id = elements_[i].id;
    const auto h = std::hash<std::string_view>{}(id);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      if (slots_[s] == kEmpty) {
        slots_[s] = (static_cast<std::uint64_t>(h >> 32) << 32) | static_cast<std::uint32_t>(i);
        return npos;
      }
      if (matches(s, h, id)) return static_cast<std::uint32_t>(slots_[s]);
    }
  }
  std::size_t find(std::string_view id) const {
    const auto h = std::hash<std::string_view>{}(id);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      if (slots_[s] == kEmpty) return npos;
      if (matches(s, h, id)) return static_cast<std::uint32_t>(slots_[s]);
    }
  }
  bool contains(std::string_view id) const { return find(id) != npos; }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  bool matches(std::size_t s, std::size_t h, std::string_view id) const {
    return (slots_[s] >> 32) == (static_cast<std::uint64_t>(h >> 32) & 0xffffffffu) &&
           elements_[static_cast<std::uint32_t>(slots_[s])].id == id;
  }
  const std::vector<Element>& elements_;
  std::vector<std::uint64_t> slots_;  // hash bits 32..63 | element index, or kEmpty
  std::size_t mask_ = 0;
};

struct Model {
  std::string origin;  // file name
  std::string id, name, description;
  std::vector<std::string> viewpoints{"V1",
                                      "V2"};  // IoT-SSF viewpoints the applying entity applies
  std::vector<std::string> legal;             // legal and contractual obligations that apply
  Target target;
  std::vector<Zone> zones;
  std::vector<TrustBoundary> boundaries;
  std::vector<Component> components;
  std::vector<Connection> connections;
  std::vector<Stakeholder> stakeholders;
  std::vector<Responsibility> responsibilities;
  std::vector<Incident> incidents;
  std::vector<Policy> policies;
  std::vector<DataItem> data;
  std::vector<EvidenceLink> evidence;
  nlohmann::json seed;  // uninterpreted annotations

  const Component* component(std::string_view id) const;
  const Stakeholder* stakeholder(std::string_view id) const;
  const Zone* zone(std::string_view id) const;
  std::size_t component_index(std::string_view id) const;  // npos when unknown
};

// Parses and validates a model (YAML; JSON is YAML too). `origin` names the file in messages.
Model load(std::string_view text, const std::string& origin);
Model load_file(const std::string& path);

namespace testing {
// load() with every element of a JSON model read by nlohmann and the strict reader (none by the
// bulk reader): the differential fuzz target checks that both read the same model or fail alike.
Model load_without_bulk_reader(std::string_view text, const std::string& origin);
// load() with the connections read on a second thread while the components are read, however
// small the model (only from a few MB otherwise): the same model or the same error as load().
Model load_splitting_sections(std::string_view text, const std::string& origin);
}  // namespace testing

// Canonical JSON of a model (the JSON Schema's instance form, without positions).
nlohmann::json to_json(const Model& model);

// Open Threat Model (OTM 0.2.0) JSON.
nlohmann::json export_otm(const Model& model);
// Throws InputError naming the JSON path of what is wrong.
Model import_otm(std::string_view json_text, const std::string& origin);

// The JSON Schema compiled into the binary.
std::string_view schema();

// Level names used by IoT-SSF (1..3) for each axis.
std::string_view axis1_name(int level);
std::string_view axis2_name(int level);

}  // namespace kensa::model
