// `kensa catalog ...` and `kensa kinds`: read the requirement catalogs and the finding taxonomy.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "catalog/catalog.h"
#include "cli/commands.h"
#include "evidence/evidence.h"

namespace kensa::cli {

using catalog::Catalog;
using catalog::Item;
using nlohmann::json;

namespace {

struct CatalogArgs {
  std::string id;
  std::vector<std::string> words;
  std::string lang = "en";
  std::string framework;
  bool json = false;
  int hops = 2;
};

const Item& resolve_one(const Catalog& cat, const std::string& id) {
  const auto found = cat.resolve(id);
  if (found.empty()) {
    throw InputError("unknown requirement id '" + id + "' (try `kensa catalog search`)");
  }
  if (found.size() > 1) {
    std::string options;
    for (const Item* i : found) options += "\n  " + i->qualified() + "  " + i->title("en");
    throw InputError("'" + id + "' is ambiguous; qualify it as framework:id, one of:" + options);
  }
  return *found.front();
}

json item_json(const Item& i) {
  json refs = json::array();
  for (const auto& r : i.refs) {
    refs.push_back({{"to", r.to},
                    {"rel", catalog::to_string(r.relation)},
                    {"source", r.source},
                    {"reverse", r.reverse}});
  }
  json tests = json::array();
  for (const auto& t : i.tests) tests.push_back({{"id", t.id}, {"type", t.type}});
  return {{"id", i.qualified()},
          {"framework", i.framework},
          {"type", i.type},
          {"parent", i.parent},
          {"assessable", i.assessable},
          {"title_en", i.title_en},
          {"title_ja", i.title_ja},
          {"text_en", i.text_en},
          {"text_ja", i.text_ja},
          {"source", i.source},
          {"level", i.level},
          {"condition", i.condition},
          {"eval", i.eval},
          {"verified", i.verified},
          {"note", i.note},
          {"audience", i.audience},
          {"stakeholders", i.stakeholders},
          {"vulnerabilities", i.vulnerabilities},
          {"tests", tests},
          {"refs", refs}};
}

int list(const CatalogArgs& args) {
  const Catalog& cat = Catalog::builtin();
  if (args.json) {
    json out = json::array();
    for (const auto& fw : cat.frameworks()) {
      json types = json::object();
      for (const Item* i : fw.items) types[i->type] = types.value(i->type, 0) + 1;
      out.push_back({{"id", fw.id},
                     {"short", fw.short_name},
                     {"name_en", fw.name_en},
                     {"name_ja", fw.name_ja},
                     {"version", fw.version},
                     {"items", fw.items.size()},
                     {"assessable", fw.assessable_count()},
                     {"types", types},
                     {"notes", fw.notes}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  fmt::print("{:<16} {:>6} {:>10}  {}\n", "framework", "items", "assessable", "name");
  for (const auto& fw : cat.frameworks()) {
    fmt::print("{:<16} {:>6} {:>10}  {}\n", fw.id, fw.items.size(), fw.assessable_count(),
               fw.name(args.lang));
  }
  fmt::print("\n{} items in {} frameworks. `kensa catalog show ID`, `kensa catalog map ID`.\n",
             cat.item_count(), cat.frameworks().size());
  return 0;
}

int show(const CatalogArgs& args) {
  const Catalog& cat = Catalog::builtin();
  const Item& i = resolve_one(cat, args.id);
  if (args.json) {
    std::cout << item_json(i).dump(2) << "\n";
    return 0;
  }
  const catalog::Framework* fw = cat.framework(i.framework);
  fmt::print("{}  [{}] {}\n", i.qualified(), fw->short_name, i.type);
  const std::string& title = i.title(args.lang);
  if (!title.empty() && title != i.text(args.lang)) fmt::print("{}\n", title);
  fmt::print("\n{}\n\n", i.text(args.lang));
  if (!i.level.empty()) fmt::print("level: {}\n", i.level);
  if (!i.condition.empty()) fmt::print("condition: {}\n", i.condition);
  if (!i.eval.empty()) fmt::print("evaluation: {}\n", i.eval);
  if (!i.verified) fmt::print("status: UNVERIFIED wording (no verdict beyond NEEDS_EVIDENCE)\n");
  if (!i.parent.empty()) fmt::print("parent: {}\n", i.parent);
  if (!i.audience.empty()) fmt::print("audience: {}\n", fmt::join(i.audience, ", "));
  if (!i.stakeholders.empty()) fmt::print("stakeholders: {}\n", fmt::join(i.stakeholders, ", "));
  if (!i.vulnerabilities.empty())
    fmt::print("vulnerabilities: {}\n", fmt::join(i.vulnerabilities, ", "));
  for (const auto& t : i.tests) fmt::print("test case: {} ({})\n", t.id, t.type);
  if (!i.source.empty()) fmt::print("source: {}\n", i.source);
  if (!i.note.empty()) fmt::print("note: {}\n", i.note);
  if (!i.refs.empty()) {
    fmt::print("references:\n");
    for (const auto& r : i.refs) {
      fmt::print("  {:<10} {:<24} ({}{})\n", catalog::to_string(r.relation), r.to, r.source,
                 r.reverse ? ", reverse" : "");
    }
  }
  return 0;
}

int map(const CatalogArgs& args) {
  const Catalog& cat = Catalog::builtin();
  const Item& i = resolve_one(cat, args.id);
  const auto mapped = cat.map(i, args.hops);
  if (args.json) {
    json out = json::array();
    for (const auto& m : mapped) {
      out.push_back({{"id", m.item->qualified()},
                     {"framework", m.item->framework},
                     {"relation", catalog::to_string(m.relation)},
                     {"source", m.source},
                     {"via", m.via},
                     {"title_en", m.item->title("en")},
                     {"title_ja", m.item->title("ja")}});
    }
    std::cout << json{{"id", i.qualified()}, {"mapped", out}}.dump(2) << "\n";
    return 0;
  }
  fmt::print("{}  {}\n", i.qualified(), i.title(args.lang));
  std::string current;
  for (const auto& fw : cat.frameworks()) {
    bool header = false;
    for (const auto& m : mapped) {
      if (m.item->framework != fw.id) continue;
      if (!header) fmt::print("\n{}:\n", fw.short_name);
      header = true;
      std::string title = m.item->title(args.lang);
      if (title.size() > 70) title = title.substr(0, 67) + "...";
      fmt::print("  {:<14} {:<10} {}{}\n", m.item->id, catalog::to_string(m.relation), title,
                 m.via.empty() ? "" : fmt::format("  (via {})", fmt::join(m.via, " → ")));
    }
  }
  if (mapped.empty()) fmt::print("no cross-references\n");
  return 0;
}

int search(const CatalogArgs& args) {
  const Catalog& cat = Catalog::builtin();
  std::string query;
  for (const auto& w : args.words) query += (query.empty() ? "" : " ") + w;
  auto found = cat.search(query);
  if (!args.framework.empty()) {
    if (!cat.framework(args.framework))
      throw InputError("unknown framework '" + args.framework + "'");
    std::erase_if(found, [&](const Item* i) { return i->framework != args.framework; });
  }
  if (args.json) {
    json out = json::array();
    for (const Item* i : found)
      out.push_back(
          {{"id", i->qualified()}, {"title_en", i->title("en")}, {"title_ja", i->title("ja")}});
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const Item* i : found) {
    std::string title = i->title(args.lang);
    if (title.size() > 90) title = title.substr(0, 87) + "...";
    fmt::print("{:<28} {}\n", i->qualified(), title);
  }
  fmt::print("{} match(es)\n", found.size());
  return 0;
}

// A questionnaire skeleton listing every assessable requirement of the chosen frameworks, each
// answer commented out so the file parses at every stage of filling it in.
int ics_template(const std::vector<std::string>& frameworks, const std::string& lang) {
  const Catalog& cat = Catalog::builtin();
  for (const auto& id : frameworks) {
    if (!cat.framework(id)) throw InputError("unknown framework '" + id + "'");
  }
  std::string out =
      "# kensa questionnaire (ICS + IXIT, ETSI TS 103 701). Uncomment an answer to give it.\n"
      "# status: supported | not-supported | not-applicable. 'supported' counts only with ixit or\n"
      "# evidence; 'not-applicable' needs a justification.\n"
      "schema: kensa.questionnaire/1\n"
      "product: {vendor: '', name: '', model: '', firmware_version: ''}\n"
      "constrained: false\n"
      "scope:\n  roles: [manufacturer]\n"
      "answers:\n";
  for (const auto& fw : cat.frameworks()) {
    if (std::find(frameworks.begin(), frameworks.end(), fw.id) == frameworks.end()) continue;
    out += "\n  # ---- " + fw.short_name + " ----\n";
    for (const Item* i : fw.items) {
      if (!i->assessable) continue;
      std::string text = i->text(lang);
      std::replace(text.begin(), text.end(), '\n', ' ');
      out +=
          "\n  # " + i->id + (i->level.empty() ? "" : " (" + i->level + ")") + ": " + text + "\n";
      out += "  # " + i->qualified() +
             ":\n  #   status: supported\n  #   ixit: ''\n  #   evidence: []\n";
    }
  }
  std::cout << out;
  return 0;
}

int kinds(bool as_json, const std::string& lang) {
  if (as_json) {
    json out = json::array();
    for (const auto& k : evidence::kinds()) {
      out.push_back({{"id", k.id},
                     {"title", k.title},
                     {"title_ja", evidence::kind_title_ja(k.id)},
                     {"default_severity", evidence::to_string(k.default_severity)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& k : evidence::kinds()) {
    fmt::print("{:<28} {:<9} {}\n", k.id, evidence::to_string(k.default_severity),
               lang == "ja" ? evidence::kind_title_ja(k.id) : k.title);
  }
  return 0;
}

}  // namespace

namespace {
void add_catalog_commands(CLI::App& app, Options& options) {
  auto args = std::make_shared<CatalogArgs>();
  CLI::App* cat =
      app.add_subcommand("catalog", "Browse the requirement catalogs of every framework");
  cat->require_subcommand(1);
  auto lang = [&](CLI::App* c) {
    c->add_option("--lang", args->lang, "Language of titles and texts")
        ->check(CLI::IsMember({"en", "ja"}));
  };

  CLI::App* list_cmd = cat->add_subcommand("list", "List frameworks with item counts");
  list_cmd->add_flag("--json", args->json, "Output JSON");
  lang(list_cmd);
  list_cmd->callback([&options, args] { options.run = [args] { return list(*args); }; });

  CLI::App* show_cmd =
      cat->add_subcommand("show", "Show one requirement (id such as 5.1-1, KP15, jcstar1:S1.1-02)");
  show_cmd->add_option("id", args->id, "Requirement id, optionally framework:id")->required();
  show_cmd->add_flag("--json", args->json, "Output JSON");
  lang(show_cmd);
  show_cmd->callback([&options, args] { options.run = [args] { return show(*args); }; });

  CLI::App* map_cmd = cat->add_subcommand("map", "Map a requirement to every other framework");
  map_cmd->add_option("id", args->id, "Requirement id")->required();
  map_cmd->add_option("--hops", args->hops, "How many references to follow (default 2)")
      ->check(CLI::Range(1, 4));
  map_cmd->add_flag("--json", args->json, "Output JSON");
  lang(map_cmd);
  map_cmd->callback([&options, args] { options.run = [args] { return map(*args); }; });

  CLI::App* search_cmd = cat->add_subcommand("search", "Full-text search in English and Japanese");
  search_cmd->add_option("words", args->words, "Words that must all appear")->required();
  search_cmd->add_option("--framework", args->framework, "Limit to one framework id");
  search_cmd->add_flag("--json", args->json, "Output JSON");
  lang(search_cmd);
  search_cmd->callback([&options, args] { options.run = [args] { return search(*args); }; });

  auto frameworks =
      std::make_shared<std::vector<std::string>>(std::vector<std::string>{"en303645", "jcstar1"});
  CLI::App* template_cmd = app.add_subcommand(
      "ics-template",
      "Print a questionnaire (ICS/IXIT) skeleton to fill in for `kensa assess --ics`");
  template_cmd
      ->add_option("--framework", *frameworks, "Frameworks to include (default en303645,jcstar1)")
      ->delimiter(',');
  lang(template_cmd);
  template_cmd->callback([&options, args, frameworks] {
    options.run = [args, frameworks] { return ics_template(*frameworks, args->lang); };
  });

  CLI::App* kinds_cmd =
      app.add_subcommand("kinds", "List the finding kinds every collector reports");
  kinds_cmd->add_flag("--json", args->json, "Output JSON");
  lang(kinds_cmd);
  kinds_cmd->callback(
      [&options, args] { options.run = [args] { return kinds(args->json, args->lang); }; });
}

}  // namespace

static const RegisterCommand registered{&add_catalog_commands};

}  // namespace kensa::cli
