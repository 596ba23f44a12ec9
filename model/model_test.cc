#include "model/model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "base/files.h"

namespace kensa::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = fs::path(KENSA_SOURCE_DIR) / "model" / "fixtures";

std::vector<fs::path> fixtures() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kFixtures)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The message of the InputError that loading `text` throws.
std::string error_of(const std::string& text) {
  try {
    load(text, "m.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kMinimal = R"(kensa-model: 1
system: {id: s}
zones: [{id: lan}]
components:
  - {id: a, zone: lan}
  - {id: b, zone: lan}
connections:
  - {from: a, to: b}
)";

TEST(ModelLoad, EveryFixtureLoads) {
  ASSERT_GE(fixtures().size(), 9u);
  for (const auto& f : fixtures()) {
    SCOPED_TRACE(f.filename().string());
    const Model m = load_file(f.string());
    EXPECT_FALSE(m.components.empty());
    EXPECT_FALSE(m.stakeholders.empty());
    EXPECT_FALSE(m.seed.is_null()) << "fixtures state what the seed says";
  }
}

TEST(ModelLoad, ReadsPropertiesAndPositions) {
  const Model m = load_file((kFixtures / "iotssf-2-3-3-agv-warehouse.yaml").string());
  const Component* agv = m.component("agv");
  ASSERT_NE(agv, nullptr);
  EXPECT_TRUE(agv->constrained);
  EXPECT_TRUE(agv->physical_actuation);
  EXPECT_TRUE(agv->safety_relevant());
  EXPECT_EQ(agv->layer, Layer::device);
  EXPECT_EQ(agv->threats.size(), 5u);
  EXPECT_GT(agv->at.line, 1u);
  EXPECT_EQ(m.target.axis1, 1);
  EXPECT_EQ(m.target.axis2, 1);
  // YAML anchors are shared threat tables.
  EXPECT_EQ(m.component("wcs")->threats.size(), 7u);
  EXPECT_EQ(m.seed["ratings"]["logistics-operator"]["axis2"], 3);
}

TEST(ModelLoad, ErrorsNameLineColumnAndWhatWasExpected) {
  EXPECT_EQ(error_of(kMinimal + "  - {from: a, to: c}\n"),
            "m.yaml:9:5: connection a->c to: unknown component 'c' (known: a, b)");
  EXPECT_EQ(
      error_of("kensa-model: 1\nsystem: {id: s}\ncomponents:\n  - {id: a, colour: red}\n"),
      "m.yaml:4:21: components[0]: unknown key 'colour'; expected one of: id, name, layer, kind, "
      "vendor, model, firmware, zone, parent, internet_exposed, constrained, physical_actuation, "
      "safety_functions, physically_accessible, user_operated, has_accounts, interfaces, data, "
      "credentials, threats");
  EXPECT_EQ(error_of("kensa-model: 1\nsystem: {id: s}\ncomponents:\n  - {id: a, layer: cloud}\n"),
            "m.yaml:4:20: components[0].layer: 'cloud' is not one of: device, network, platform, "
            "service");
  EXPECT_EQ(error_of("kensa-model: 1\nsystem: {id: s}\ncomponents:\n  - {id: a}\n  - {id: a}\n"),
            "m.yaml:5:5: duplicate component id 'a' (first declared at line 4)");
  EXPECT_EQ(
      error_of(
          "kensa-model: 1\nsystem: {id: s}\ncomponents:\n  - {id: a, internet_exposed: maybe}\n"),
      "m.yaml:4:31: components[0].internet_exposed: expected true or false");
  EXPECT_EQ(
      error_of("kensa-model: 1\nsystem: {id: s}\ncomponents:\n  - {id: a, threats: [XSS]}\n"),
      "m.yaml:4:23: components[0].threats[0]: unknown threat 'XSS'; expected one of: S, T, R, I, "
      "D, E, UA, MW, SB, TM, UV, MU, MC");
  EXPECT_EQ(error_of("kensa-model: 1\nsystem: {id: s}\nsystem: {id: t}\n"),
            "m.yaml:3:1: duplicate key 'system'");
  EXPECT_EQ(error_of("kensa-model: 2\nsystem: {id: s}\n"),
            "m.yaml:1:14: kensa-model: expected format version 1");
  EXPECT_EQ(error_of("kensa-model: 1\n"), "m.yaml:1:1: model: missing required key 'system'");
  EXPECT_EQ(error_of("kensa-model: 1\nsystem: {id: s}\nincidents:\n  - id: i\n    impacts:\n"
                     "      - {stakeholder: nobody}\n"),
            "m.yaml:6:9: incident i: unknown stakeholder 'nobody' (known: )");
  EXPECT_NE(error_of("kensa-model: 1\nsystem: [unclosed\n").find("m.yaml:"), std::string::npos);
  // JSON is positioned too: the value 3 is at column 52.
  EXPECT_EQ(error_of("{\"kensa-model\": 1, \"system\": {\"id\": \"s\"}, \"zones\": 3}"),
            "m.yaml:1:52: zones: expected a list");
  EXPECT_EQ(error_of("{\"kensa-model\": 1,"), error_of("{\"kensa-model\": 1,"));
  EXPECT_NE(error_of("{\"kensa-model\": 1,").find("m.yaml:1:"), std::string::npos);
}

TEST(ModelLoad, AYamlFlowMappingIsNotMistakenForJson) {
  EXPECT_EQ(load("{kensa-model: 1, system: {id: s}}", "flow.yaml").id, "s");
}

TEST(ModelLoad, JsonAndYamlGiveTheSameModel) {
  const Model y = load(kMinimal, "m.yaml");
  const Model j = load(to_json(y).dump(), "m.json");
  EXPECT_EQ(to_json(y), to_json(j));
}

TEST(ModelLoad, EveryFixtureReadsTheSameAsStreamedJson) {
  for (const auto& f : fixtures()) {
    SCOPED_TRACE(f.filename().string());
    const Model y = load_file(f.string());
    const Model j = load(to_json(y).dump(2), "m.json");
    EXPECT_EQ(to_json(y), to_json(j));
    ASSERT_EQ(y.components.size(), j.components.size());
    // Positions point into the JSON text: every component is on a line of its own in dump(2).
    EXPECT_GT(j.components.back().at.line, j.components.front().at.line);
  }
}

// The bulk reader (the common form of components, connections and responsibilities read straight
// into the model) and the strict reader alone read the same model with the same positions, or fail
// with the same message; the cases mix elements the bulk reader takes with ones it declines.
TEST(ModelLoad, BulkAndStrictReadersAgree) {
  auto outcome = [](auto&& load_fn) -> std::pair<std::string, std::vector<std::string>> {
    try {
      const Model m = load_fn();
      std::vector<std::string> at;
      for (const auto& c : m.components)
        at.push_back(std::to_string(c.at.line) + ":" + std::to_string(c.at.column));
      for (const auto& c : m.connections)
        at.push_back(std::to_string(c.at.line) + ":" + std::to_string(c.at.column));
      for (const auto& r : m.responsibilities)
        at.push_back(std::to_string(r.at.line) + ":" + std::to_string(r.at.column));
      return {to_json(m).dump(), at};
    } catch (const InputError& e) {
      return {e.what(), {}};
    }
  };
  std::vector<std::string> texts;
  for (const auto& f : fixtures()) {
    const auto j = to_json(load_file(f.string()));
    texts.push_back(j.dump(2));
    texts.push_back(j.dump());
  }
  const std::string head =
      R"({"kensa-model": 1, "system": {"id": "s"}, "stakeholders": [{"id": "op"}],
 "components": [)";
  for (const std::string& tail : {
           // accepted, then declined (escape), then accepted again
           R"({"id": "a"}, {"id": "b", "name": "café"}, {"id": "c", "layer": "network"}]})",
           // declined after accepted, in the same call: a duplicate key, a null, a number as text
           R"({"id": "a"}, {"id": "b", "id": "c"}]})",
           R"({"id": "a"}, {"id": "b", "kind": null}]})",
           R"({"id": "a"}, {"id": "b", "kind": 7}]})",
           // malformed between elements: missing comma, trailing comma, truncated
           R"({"id": "a"} {"id": "b"}]})",
           R"({"id": "a"}, {"id": "b"},]})",
           R"({"id": "a"}, {"id": "b"})",
           R"({"id": "a"},)",
           // a scalar where an element should be, after accepted elements (found by
           // fuzz_model_json)
           R"({"id": "a"},
   {"id": "b"},

   "zone": "z"}]})",
           R"({"id": "a"},
     "b"]})",
           // connections and responsibilities, in and out of the common form
           R"({"id": "a"}, {"id": "b"}], "connections": [{"from": "a", "to": "b", "port": 80},
   {"from": "b", "to": "a", "port": 080}, {"from": "b", "to": "a", "port": "443"},
   {"from": "a", "to": "b", "port": 70000}]})",
           R"({"id": "a"}, {"id": "b"}], "responsibilities": [{"stakeholder": "op",
   "components": ["a", "b"], "duties": "operate"}, {"stakeholder": "op", "components": "zz"}]})",
           R"({"id": "a"}], "responsibilities": [{"stakeholder": "op", "phase": "x"},
   {"components": ["a"]}]})",
       }) {
    texts.push_back(head + tail);
  }
  for (const auto& text : texts) {
    SCOPED_TRACE(text.substr(0, 200));
    const auto bulk = outcome([&] { return load(text, "m.json"); });
    const auto strict = outcome([&] { return testing::load_without_bulk_reader(text, "m.json"); });
    EXPECT_EQ(bulk.first, strict.first);
    EXPECT_EQ(bulk.second, strict.second);
    const auto split = outcome([&] { return testing::load_splitting_sections(text, "m.json"); });
    EXPECT_EQ(split.first, strict.first);
    EXPECT_EQ(split.second, strict.second);
  }
}

// A large model's connections are read on a second thread while the components are read, from
// where the second thread guesses the connections array starts: whatever the guess hits (the
// array, the word in a string, a nested key) and whatever follows (a bad element, an error), the
// model, positions and first error are the sequential reader's.
TEST(ModelLoad, SectionsReadOnTwoThreadsAgreeWithTheStrictReader) {
  auto outcome = [](auto&& load_fn) -> std::pair<std::string, std::vector<std::size_t>> {
    try {
      const Model m = load_fn();
      std::vector<std::size_t> at;
      for (const auto& c : m.components) at.push_back(c.at.line * 100000 + c.at.column);
      for (const auto& c : m.connections) at.push_back(c.at.line * 100000 + c.at.column);
      return {to_json(m).dump(), at};
    } catch (const InputError& e) {
      return {e.what(), {}};
    }
  };
  // `odd(i)`: what element i of the connections (i < 0: of the components) looks like instead of
  // its common form, or "".
  auto generate = [](std::size_t n, auto&& odd) {
    std::string t = R"({"kensa-model": 1, "system": {"id": "s"}, "components": [)";
    for (std::size_t i = 0; i < n; ++i) {
      if (i) t += i % 7 ? "," : ",\n";
      const std::string o = odd(-static_cast<long>(i) - 1);
      t += o.empty() ? R"({"id":"c)" + std::to_string(i) + R"(","kind":"sensor","zone":"z"})" : o;
    }
    t += R"(], "connections": [)";
    for (std::size_t i = 0; i < 5 * n; ++i) {
      if (i) t += i % 11 ? "," : " ,\n ";
      const std::string o = odd(static_cast<long>(i));
      t += o.empty()
               ? R"({"id":"f)" + std::to_string(i) + R"(","from":"c)" + std::to_string(i % n) +
                     R"(","to":"c)" + std::to_string((i * 7 + 1) % n) + R"(","protocol":"tcp"})"
               : o;
    }
    return t + R"(], "zones": [{"id": "z"}]})";
  };
  constexpr std::size_t n = 600;
  std::vector<std::string> texts{generate(n, [](long) { return std::string(); })};
  // Odd elements at every 150th connection from the first, from the middle or near the end.
  for (const std::string& odd : {
           // a string and a nested array that look like element boundaries
           std::string(R"({"from":"c1","to":"c2","protocol":"},{\"from\""})"),
           std::string(R"({"from":"c1","to":"c2","data":["},{","x"]})"),
           std::string(R"({"from":"c1","to":"c2","port":443,"bidirectional":true})"),
           // declined by the bulk reader, read by the strict one
           std::string(R"({"from":"c1","to":"c2","protocol":"t\u0063p"})"),
           std::string(R"({"from":"c1","to":"c2","port":null})"),
           // errors: the first in document order wins
           std::string(R"({"from":"c1","to":"nowhere"})"),
           std::string(R"({"from":"c1","from":"c2","to":"c3"})"),
           std::string(R"({"from":"c1"})"),
           std::string(R"({"from":"c1","to":"c2"} {"from":"c1","to":"c2"})"),
           std::string(R"({"from":"c1","to":"c2"},)"),
       }) {
    for (const std::size_t first : {std::size_t{0}, n / 2, 3 * n, 5 * n - 1}) {
      texts.push_back(generate(n, [&](long i) {
        return i >= 0 && static_cast<std::size_t>(i) >= first &&
                       (static_cast<std::size_t>(i) - first) % 150 == 0
                   ? odd
                   : std::string();
      }));
    }
  }
  // The guess misled: "connections" in a component's name and as a key of a nested object (an
  // error) before the real array; the connections before the components.
  texts.push_back(generate(n, [](long i) {
    return i == -3 ? std::string(R"({"id":"c2","zone":"z","name":"\"connections\": [x"})")
           : i == -5
               ? std::string(
                     R"({"id":"c4","zone":"z","threats":[{"connections": [{"from":"c1","to":"c2"}]}]})")
               : std::string();
  }));
  {
    std::string swapped = generate(n, [](long) { return std::string(); });
    const auto comps = swapped.find(R"("components")"), conns = swapped.find(R"(, "connections")");
    const auto zones = swapped.find(R"(, "zones")");
    swapped = swapped.substr(0, comps) + swapped.substr(conns + 2, zones - conns - 2) + ", " +
              swapped.substr(comps, conns - comps) + swapped.substr(zones);
    texts.push_back(swapped);
  }
  for (const auto& text : texts) {
    SCOPED_TRACE(text.substr(text.size() / 2, 200));
    const auto strict = outcome([&] { return testing::load_without_bulk_reader(text, "m.json"); });
    const auto split = outcome([&] { return testing::load_splitting_sections(text, "m.json"); });
    EXPECT_EQ(split.first, strict.first);
    EXPECT_EQ(split.second, strict.second);
    EXPECT_EQ(outcome([&] { return load(text, "m.json"); }), strict);
  }
}

// The column of the first occurrence of `needle` on 1-based line `line` of `text`.
std::size_t column_of(const std::string& text, std::size_t line, const std::string& needle) {
  std::size_t start = 0;
  for (std::size_t l = 1; l < line; ++l) start = text.find('\n', start) + 1;
  return text.find(needle, start) - start + 1;
}

TEST(ModelLoad, StreamedJsonErrorsNameLineAndColumn) {
  const std::string unknown_key = R"({"kensa-model": 1,
 "system": {"id": "s"},
 "components": [{"id": "a"},
   {"id": "b", "colour": "red"}]})";
  EXPECT_EQ(error_of(unknown_key),
            "m.yaml:4:" + std::to_string(column_of(unknown_key, 4, "\"red\"")) +
                ": components[1]: unknown key 'colour'; expected one of: id, name, layer, kind, "
                "vendor, model, firmware, zone, parent, internet_exposed, constrained, "
                "physical_actuation, safety_functions, physically_accessible, user_operated, "
                "has_accounts, interfaces, data, credentials, threats");
  const std::string dangling = R"({"kensa-model": 1, "system": {"id": "s"},
 "components": [{"id": "a"}, {"id": "b"}],
 "connections": [
   {"from": "a", "to": "b"},
      {"from": "a", "to": "ghost"}]})";
  EXPECT_EQ(error_of(dangling),
            "m.yaml:5:7: connection a->ghost to: unknown component 'ghost' (known: a, b)");
  const std::string duplicate = R"({"kensa-model": 1, "system": {"id": "s"},
 "components": [{"id": "a", "kind": "x", "kind": "y"}]})";
  EXPECT_EQ(error_of(duplicate).rfind("m.yaml:2:", 0), 0u) << error_of(duplicate);
  EXPECT_NE(error_of(duplicate).find("duplicate key 'kind'"), std::string::npos);
  const std::string twice = R"({"kensa-model": 1, "system": {"id": "s"},
 "components": [{"id": "a"}], "components": []})";
  EXPECT_NE(error_of(twice).find("duplicate key 'components'"), std::string::npos);
  // A bad value in a list keeps its position.
  const std::string list = R"({"kensa-model": 1, "system": {"id": "s"},
 "components": [{"id": "a", "interfaces": ["usb", 7]}]})";
  EXPECT_EQ(error_of(list), "m.yaml:2:" + std::to_string(column_of(list, 2, "7")) +
                                ": components[0].interfaces[1]: expected a string");
}

TEST(ModelSchema, IsEmbeddedAndNamesEveryTopLevelKey) {
  const json doc = json::parse(model::schema());
  for (const auto* key :
       {"kensa-model", "system", "zones", "trust_boundaries", "components", "connections",
        "stakeholders", "responsibilities", "incidents", "policies", "data", "evidence", "seed"}) {
    EXPECT_TRUE(doc["properties"].contains(key)) << key;
  }
  // Every component key the loader accepts is in the schema.
  const auto& component = doc["properties"]["components"]["items"]["properties"];
  const json written = to_json(load_file((kFixtures / "iotssf-2-3-3-agv-warehouse.yaml").string()));
  for (const auto& [key, value] : written["components"][0].items())
    EXPECT_TRUE(component.contains(key)) << key;
}

TEST(ModelOtm, EveryFixtureRoundTrips) {
  for (const auto& f : fixtures()) {
    SCOPED_TRACE(f.filename().string());
    const Model m = load_file(f.string());
    const json otm = export_otm(m);
    EXPECT_EQ(otm["otmVersion"], "0.2.0");
    EXPECT_EQ(otm["components"].size(), m.components.size());
    EXPECT_EQ(otm["dataflows"].size(), m.connections.size());
    EXPECT_EQ(otm["trustZones"].size(), m.zones.size());
    const Model back = import_otm(otm.dump(), "round-trip.otm.json");
    EXPECT_EQ(to_json(back), to_json(m));
  }
}

// An OTM written by another tool: no kensa attributes. Trust zones, components, data flows and
// STRIDE threats map; what OTM cannot say gets kensa's defaults.
TEST(ModelOtm, ImportsAForeignModel) {
  const std::string otm = R"({
    "otmVersion": "0.2.0",
    "project": {"name": "Smart lock", "id": "smart-lock"},
    "representations": [{"name": "Diagram", "id": "d1", "type": "diagram"}],
    "trustZones": [{"id": "internet", "name": "Internet", "risk": {"trustRating": 0}},
                   {"id": "home", "name": "Home", "risk": {"trustRating": 60}}],
    "components": [
      {"id": "app", "name": "Mobile app", "type": "mobile-client", "parent": {"trustZone": "internet"},
       "tags": ["internet-exposed"]},
      {"id": "hub", "name": "Hub", "type": "gateway", "parent": {"trustZone": "home"},
       "threats": [{"threat": "t1", "state": "exposed"}]},
      {"id": "lock", "name": "Lock", "type": "actuator", "parent": {"component": "hub"}, "tags": ["actuator", "device"]}
    ],
    "dataflows": [
      {"id": "f1", "name": "command", "source": "app", "destination": "hub", "tags": ["https", "encrypted"]},
      {"id": "f2", "name": "actuate", "source": "hub", "destination": "lock", "bidirectional": true}
    ],
    "threats": [{"id": "t1", "name": "Spoofed hub", "categories": ["Spoofing"], "risk": {"likelihood": 50, "impact": 50}}]
  })";
  const Model m = import_otm(otm, "lock.otm.json");
  EXPECT_EQ(m.id, "smart-lock");
  ASSERT_EQ(m.zones.size(), 2u);
  EXPECT_EQ(m.zones[0].trust, 0);
  EXPECT_EQ(m.zones[1].trust, 60);
  ASSERT_EQ(m.components.size(), 3u);
  EXPECT_TRUE(m.component("app")->internet_exposed);
  EXPECT_EQ(m.component("hub")->zone, "home");
  ASSERT_EQ(m.component("hub")->threats.size(), 1u);
  EXPECT_EQ(m.component("hub")->threats[0].threat, "S");
  EXPECT_TRUE(m.component("lock")->physical_actuation);
  EXPECT_EQ(m.component("lock")->parent, "hub");
  ASSERT_EQ(m.connections.size(), 2u);
  EXPECT_EQ(m.connections[0].protocol, "https");
  EXPECT_TRUE(m.connections[0].encrypted);
  EXPECT_TRUE(m.connections[1].bidirectional);
}

TEST(ModelOtm, BadOtmIsAnInputErrorNamingThePath) {
  auto message = [](const std::string& text) {
    try {
      import_otm(text, "x.otm.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("{\"otmVersion\": \"0.2.0\"}"),
            "x.otm.json: OTM $: missing required key 'project'");
  EXPECT_EQ(
      message(
          R"({"otmVersion": "0.2.0", "project": {"name": "n", "id": "p"}, "components": [{"id": "a"}]})"),
      "x.otm.json: OTM $.components[0]: missing required key 'name'");
  EXPECT_EQ(message(R"({"otmVersion": "0.2.0", "project": {"name": "n", "id": "p"},
                        "dataflows": [{"id": "f", "source": "a", "destination": "b"}]})"),
            "x.otm.json: connection f from: unknown component 'a' (known: )");
  EXPECT_NE(message("[1, 2").find("x.otm.json:1:"), std::string::npos);
}

}  // namespace
}  // namespace kensa::model
