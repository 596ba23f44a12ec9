#pragma once
// The requirement catalogs of every framework kensa verifies against, with the cross-references
// between them. Data lives in catalog/data/*.yaml (format: catalog/SCHEMA.md), is compiled into
// the binary and validated when loaded: a malformed file, a duplicate id or a reference that does
// not resolve is an InputError naming file, line and column.
#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/embedded.h"

namespace kensa::catalog {

// How a cross-reference relates two items. A `part` reference from A to B means B is a part of A:
// if B fails, A fails. The loader adds the reverse of every reference: the reverse of `part` is
// `part_of`, the others are symmetric.
enum class Relation { equivalent, part, part_of, related };
std::string_view to_string(Relation relation);

struct Reference {
  std::string to;  // qualified id "framework:item"
  Relation relation = Relation::related;
  std::string source;    // who made the link: a seed section, or "kensa"
  bool reverse = false;  // added by the loader as the reverse of a reference written in `to`
};

struct TestCase {
  std::string id;    // e.g. "5.1-1-2"
  std::string type;  // conceptual | functional
};

struct Item {
  std::string framework;
  std::string id;
  std::string type;
  std::string parent;
  bool assessable = false;
  std::string title_en, title_ja, text_en, text_ja;
  std::string source;
  std::string level;      // EN 303 645: mandatory | recommended
  std::string condition;  // EN 303 645: when the provision applies
  std::string eval;       // JC-STAR: document | device | unknown
  bool verified =
      true;  // false: wording not seen in a source; verdicts never exceed NEEDS_EVIDENCE
  std::string note;
  std::vector<std::string> audience;
  std::vector<std::string> stakeholders;
  std::vector<std::string> vulnerabilities;
  std::vector<TestCase> tests;
  std::vector<Reference> refs;  // both directions once loaded

  std::string qualified() const { return framework + ":" + id; }
  // Title in the language asked for, falling back to the other language, then to the text.
  const std::string& title(std::string_view lang) const;
  const std::string& text(std::string_view lang) const;
};

struct Framework {
  std::string id;
  std::string short_name;
  std::string name_en, name_ja;
  std::string version;
  std::string source;
  std::vector<std::string> notes;
  std::vector<const Item*> items;  // in file order

  const std::string& name(std::string_view lang) const;
  std::size_t count(std::string_view type) const;
  std::size_t assessable_count() const;
};

struct MappedItem {
  const Item* item = nullptr;
  Relation relation = Relation::related;
  std::string source;
  std::vector<std::string>
      via;  // qualified ids of intermediate items (empty for a direct reference)
};

class Catalog {
 public:
  // The catalogs compiled into the binary.
  static const Catalog& builtin();
  // Parses and validates the given YAML documents (name is used in error messages).
  static Catalog parse(const std::vector<EmbeddedFile>& files);

  const std::deque<Framework>& frameworks() const { return frameworks_; }
  const Framework* framework(std::string_view id) const;
  // Item by qualified id ("en303645:5.1-1"); nullptr when unknown.
  const Item* find(std::string_view qualified) const;
  // Items matching an id that may be unqualified ("5.1-1", "KP15"); case-insensitive on the id.
  std::vector<const Item*> resolve(std::string_view id) const;
  std::vector<const Item*> children(const Item& item) const;
  // Everything reachable from `item` in up to `max_hops` references, nearest first, excluding
  // items of the item's own framework.
  std::vector<MappedItem> map(const Item& item, int max_hops = 2) const;
  // Items whose id, titles or texts contain every word of `query` (case-insensitive for ASCII).
  std::vector<const Item*> search(std::string_view query) const;
  std::size_t item_count() const { return items_.size(); }

 private:
  // parse() without the translation of yaml-cpp exceptions; `current` names the file being read.
  static Catalog parse_unchecked(const std::vector<EmbeddedFile>& files, std::string& current);

  std::deque<Item> items_;
  std::deque<Framework> frameworks_;
  std::map<std::string, const Item*, std::less<>> by_qualified_;
  std::multimap<std::string, const Item*, std::less<>> by_lower_id_;
  std::map<std::string, std::vector<const Item*>, std::less<>> children_;
};

}  // namespace kensa::catalog
