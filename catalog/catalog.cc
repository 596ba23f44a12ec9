#include "catalog/catalog.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "base/error.h"
#include "base/yaml_reader.h"

namespace kensa {
extern const EmbeddedFile kCatalogFiles[];
extern const std::size_t kCatalogFiles_count;
}  // namespace kensa

namespace kensa::catalog {

std::string_view to_string(Relation relation) {
  switch (relation) {
    case Relation::equivalent:
      return "equivalent";
    case Relation::part:
      return "part";
    case Relation::part_of:
      return "part_of";
    case Relation::related:
      return "related";
  }
  return "related";
}

const std::string& Item::title(std::string_view lang) const {
  const std::string& first = lang == "ja" ? title_ja : title_en;
  const std::string& second = lang == "ja" ? title_en : title_ja;
  if (!first.empty()) return first;
  if (!second.empty()) return second;
  return text(lang);
}

const std::string& Item::text(std::string_view lang) const {
  const std::string& first = lang == "ja" ? text_ja : text_en;
  return first.empty() ? (lang == "ja" ? text_en : text_ja) : first;
}

const std::string& Framework::name(std::string_view lang) const {
  return lang == "ja" && !name_ja.empty() ? name_ja : name_en;
}

std::size_t Framework::count(std::string_view type) const {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [&](const Item* i) { return i->type == type; }));
}

std::size_t Framework::assessable_count() const {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [](const Item* i) { return i->assessable; }));
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct PendingRef {
  Item* from;
  Reference ref;
  std::string file;
  YAML::Mark mark;
};

void check_one_of(const YamlReader& reader, const YAML::Node& item, const char* key,
                  const std::string& value, std::initializer_list<std::string_view> allowed,
                  const std::string& context) {
  if (value.empty()) return;
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    std::string expected;
    for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
    reader.fail(item[key],
                context + ": '" + key + "' is '" + value + "', expected one of: " + expected);
  }
}

const std::initializer_list<std::string_view> kRoles = {"manufacturer",     "developer",
                                                        "service-provider", "remote-manager",
                                                        "home-supplier",    "maintenance-provider",
                                                        "building-manager", "operator",
                                                        "executive",        "user"};

}  // namespace

// yaml-cpp reports type mismatches (a list where a string belongs) with its own exceptions; they
// become InputErrors at the same position.
Catalog Catalog::parse(const std::vector<EmbeddedFile>& files) {
  std::string current = "catalog/data";
  try {
    return parse_unchecked(files, current);
  } catch (const YAML::Exception& e) {
    throw to_input_error(e, current);
  }
}

Catalog Catalog::parse_unchecked(const std::vector<EmbeddedFile>& files, std::string& current) {
  Catalog catalog;
  std::vector<PendingRef> pending;

  for (const auto& file : files) {
    YamlReader reader{"catalog/data/" + std::string(file.name)};
    current = reader.origin();
    const YAML::Node root = load_yaml(file.contents, reader.origin());
    reader.only_keys(root, {"framework", "items"}, "file");
    const YAML::Node fw = root["framework"];
    if (!fw) reader.fail(root, "missing 'framework'");
    reader.only_keys(fw, {"id", "short", "name_en", "name_ja", "version", "source", "notes"},
                     "framework");
    Framework& framework = catalog.frameworks_.emplace_back();
    framework.id = reader.string(fw, "id", "framework", true);
    framework.short_name = reader.string(fw, "short", "framework", true);
    framework.name_en = reader.string(fw, "name_en", "framework", true);
    framework.name_ja = reader.string(fw, "name_ja", "framework");
    framework.version = reader.string(fw, "version", "framework");
    framework.source = reader.string(fw, "source", "framework");
    framework.notes = reader.strings(fw, "notes", "framework");
    if (framework.id.empty() || framework.id.find_first_not_of(
                                    "abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
      reader.fail(fw["id"], "framework id must be lower-case letters, digits and '-'");
    }
    for (const auto& other : catalog.frameworks_) {
      if (&other != &framework && other.id == framework.id) {
        reader.fail(fw["id"], "framework id '" + framework.id + "' is defined twice");
      }
    }

    const YAML::Node items = root["items"];
    if (!items || !items.IsSequence()) reader.fail(root, "'items' must be a list");
    std::map<std::string, YAML::Mark> parents_to_check;
    for (const auto& node : items) {
      const std::string context_id =
          node.IsMap() && node["id"] ? node["id"].as<std::string>() : "?";
      const std::string context = "item " + context_id;
      reader.only_keys(node,
                       {"id", "type", "parent", "assessable", "title_en", "title_ja", "text_en",
                        "text_ja", "source", "level", "condition", "eval", "status", "audience",
                        "stakeholders", "vulnerabilities", "tests", "note", "refs"},
                       context);
      Item& item = catalog.items_.emplace_back();
      item.framework = framework.id;
      item.id = reader.string(node, "id", context, true);
      item.type = reader.string(node, "type", context, true);
      item.parent = reader.string(node, "parent", context);
      item.assessable = reader.boolean(node, "assessable", context);
      item.title_en = reader.string(node, "title_en", context);
      item.title_ja = reader.string(node, "title_ja", context);
      item.text_en = reader.string(node, "text_en", context);
      item.text_ja = reader.string(node, "text_ja", context);
      item.source = reader.string(node, "source", context);
      item.level = reader.string(node, "level", context);
      item.condition = reader.string(node, "condition", context);
      item.eval = reader.string(node, "eval", context);
      item.note = reader.string(node, "note", context);
      const std::string status = reader.string(node, "status", context);
      check_one_of(reader, node, "status", status, {"verified", "unverified"}, context);
      check_one_of(reader, node, "level", item.level, {"mandatory", "recommended"}, context);
      check_one_of(reader, node, "eval", item.eval, {"document", "device", "unknown"}, context);
      item.verified = status != "unverified";
      item.audience = reader.strings(node, "audience", context);
      for (const auto& role : item.audience) {
        if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end()) {
          reader.fail(node["audience"], context + ": unknown audience role '" + role + "'");
        }
      }
      item.stakeholders = reader.strings(node, "stakeholders", context);
      item.vulnerabilities = reader.strings(node, "vulnerabilities", context);
      if (item.title_en.empty() && item.title_ja.empty() && item.text_en.empty() &&
          item.text_ja.empty()) {
        reader.fail(node, context + ": needs a title or a text");
      }
      if (const YAML::Node tests = node["tests"]) {
        if (!tests.IsSequence()) reader.fail(tests, context + ": 'tests' must be a list");
        for (const auto& t : tests) {
          reader.only_keys(t, {"id", "type"}, context + " test");
          TestCase tc{reader.string(t, "id", context + " test", true),
                      reader.string(t, "type", context + " test", true)};
          check_one_of(reader, t, "type", tc.type, {"conceptual", "functional"}, context + " test");
          item.tests.push_back(std::move(tc));
        }
      }
      if (const YAML::Node refs = node["refs"]) {
        if (!refs.IsSequence()) reader.fail(refs, context + ": 'refs' must be a list");
        for (const auto& r : refs) {
          reader.only_keys(r, {"to", "rel", "source"}, context + " ref");
          Reference ref;
          ref.to = reader.string(r, "to", context + " ref", true);
          const std::string rel = reader.string(r, "rel", context + " ref", true);
          if (rel == "equivalent") {
            ref.relation = Relation::equivalent;
          } else if (rel == "part") {
            ref.relation = Relation::part;
          } else if (rel == "related") {
            ref.relation = Relation::related;
          } else {
            reader.fail(r["rel"],
                        context + ": rel '" + rel + "', expected equivalent, part or related");
          }
          ref.source = reader.string(r, "source", context + " ref", true);
          pending.push_back({&item, ref, reader.origin(), r.Mark()});
        }
      }
      const std::string qualified = item.qualified();
      if (!catalog.by_qualified_.emplace(qualified, &item).second) {
        reader.fail(node["id"], "duplicate id '" + item.id + "' in framework " + framework.id);
      }
      if (!item.parent.empty()) parents_to_check.emplace(item.parent, node.Mark());
      framework.items.push_back(&item);
      catalog.by_lower_id_.emplace(lower(item.id), &item);
    }
    for (const auto& [parent, mark] : parents_to_check) {
      if (!catalog.find(framework.id + ":" + parent)) {
        throw InputError(reader.origin(), static_cast<std::size_t>(mark.line) + 1,
                         static_cast<std::size_t>(mark.column) + 1,
                         "parent '" + parent + "' is not an item of " + framework.id);
      }
    }
    for (const Item* item : framework.items) {
      if (!item->parent.empty()) {
        catalog.children_[framework.id + ":" + item->parent].push_back(item);
      }
      for (const auto* list : {&item->stakeholders, &item->vulnerabilities}) {
        for (const auto& id : *list) {
          if (!catalog.find(framework.id + ":" + id)) {
            throw InputError(reader.origin(), 0, 0,
                             "item " + item->id + " names '" + id + "', which is not an item of " +
                                 framework.id);
          }
        }
      }
    }
  }

  // Resolve references once every file is loaded, and add each reverse.
  for (auto& p : pending) {
    auto it = catalog.by_qualified_.find(p.ref.to);
    if (it == catalog.by_qualified_.end()) {
      throw InputError(p.file, static_cast<std::size_t>(p.mark.line) + 1,
                       static_cast<std::size_t>(p.mark.column) + 1,
                       "item " + p.from->id + ": reference to unknown item '" + p.ref.to + "'");
    }
    if (it->second == p.from) {
      throw InputError(p.file, static_cast<std::size_t>(p.mark.line) + 1,
                       static_cast<std::size_t>(p.mark.column) + 1,
                       "item " + p.from->id + " refers to itself");
    }
    p.from->refs.push_back(p.ref);
  }
  for (auto& p : pending) {
    Item* target = const_cast<Item*>(catalog.by_qualified_.find(p.ref.to)->second);
    Reference back;
    back.to = p.from->qualified();
    back.relation = p.ref.relation == Relation::part ? Relation::part_of : p.ref.relation;
    back.source = p.ref.source;
    back.reverse = true;
    target->refs.push_back(std::move(back));
  }
  return catalog;
}

const Catalog& Catalog::builtin() {
  static const Catalog catalog = [] {
    std::vector<EmbeddedFile> files(kCatalogFiles, kCatalogFiles + kCatalogFiles_count);
    return parse(files);
  }();
  return catalog;
}

const Framework* Catalog::framework(std::string_view id) const {
  for (const auto& f : frameworks_) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const Item* Catalog::find(std::string_view qualified) const {
  auto it = by_qualified_.find(qualified);
  return it == by_qualified_.end() ? nullptr : it->second;
}

std::vector<const Item*> Catalog::resolve(std::string_view id) const {
  if (const Item* exact = find(id)) return {exact};
  const auto colon = id.find(':');
  if (colon != std::string_view::npos) {
    // Framework given, id case differs.
    std::vector<const Item*> out;
    const auto fw = id.substr(0, colon);
    auto [lo, hi] = by_lower_id_.equal_range(lower(id.substr(colon + 1)));
    for (auto it = lo; it != hi; ++it) {
      if (it->second->framework == fw) out.push_back(it->second);
    }
    return out;
  }
  std::vector<const Item*> out;
  auto [lo, hi] = by_lower_id_.equal_range(lower(id));
  for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  return out;
}

std::vector<const Item*> Catalog::children(const Item& item) const {
  auto it = children_.find(item.qualified());
  return it == children_.end() ? std::vector<const Item*>{} : it->second;
}

std::vector<MappedItem> Catalog::map(const Item& item, int max_hops) const {
  std::vector<MappedItem> out;
  std::set<const Item*> seen{&item};
  std::vector<MappedItem> frontier{{&item, Relation::equivalent, "", {}}};
  for (int hop = 0; hop < max_hops && !frontier.empty(); ++hop) {
    std::vector<MappedItem> next;
    for (const auto& from : frontier) {
      for (const auto& ref : from.item->refs) {
        const Item* target = find(ref.to);
        if (!target || !seen.insert(target).second) continue;
        MappedItem m{target, ref.relation, ref.source, from.via};
        if (hop > 0) m.via.push_back(from.item->qualified());
        // Beyond the first hop a link only carries "related": equivalence does not chain through
        // a partial mapping, and we do not claim more than the data says.
        if (hop > 0 &&
            !(from.relation == Relation::equivalent && ref.relation == Relation::equivalent)) {
          m.relation = Relation::related;
        }
        next.push_back(m);
      }
    }
    for (const auto& m : next) {
      if (m.item->framework != item.framework) out.push_back(m);
    }
    frontier = std::move(next);
  }
  return out;
}

std::vector<const Item*> Catalog::search(std::string_view query) const {
  std::vector<std::string> words;
  std::string current;
  for (char c : query) {
    if (c == ' ' || c == '\t') {
      if (!current.empty()) words.push_back(lower(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) words.push_back(lower(current));
  std::vector<const Item*> out;
  if (words.empty()) return out;
  for (const auto& item : items_) {
    const std::string haystack =
        lower(item.id + "\n" + item.title_en + "\n" + item.title_ja + "\n" + item.text_en + "\n" +
              item.text_ja + "\n" + item.note);
    if (std::all_of(words.begin(), words.end(),
                    [&](const std::string& w) { return haystack.find(w) != std::string::npos; })) {
      out.push_back(&item);
    }
  }
  return out;
}

}  // namespace kensa::catalog
