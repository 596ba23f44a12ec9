// The firmware collector: extraction, filesystem checks, binary checks, components, CVEs.
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/embedded.h"
#include "base/error.h"
#include "base/files.h"
#include "firmware/extract.h"
#include "firmware/internal.h"

namespace kensa::firmware {

using nlohmann::json;
using namespace detail;

namespace {

// KENSA_FW_TRACE=1 prints each phase's wall and CPU time (all threads) to stderr: the figures the
// benchmark's totals are made of.
struct PhaseTimer {
  static double cpu() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  }
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double c0 = cpu();
  bool on = std::getenv("KENSA_FW_TRACE") != nullptr;
  void mark(const char* what) {
    if (!on) return;
    auto t = std::chrono::steady_clock::now();
    double c = cpu();
    std::fprintf(stderr, "%-14s %7.2f ms wall %7.2f ms cpu\n", what,
                 std::chrono::duration<double, std::milli>(t - t0).count(), c - c0);
    t0 = t;
    c0 = c;
  }
};

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

const std::set<std::string>& risky_functions() {
  static const std::set<std::string> names = {"gets",   "strcpy", "strcat", "sprintf", "vsprintf",
                                              "system", "popen",  "stpcpy", "wcscpy"};
  return names;
}

struct BinaryResult {
  std::optional<ElfInfo> elf;
  std::vector<ComponentHit> components;
};

void report_binary(CheckContext& ctx, const std::string& path, const ElfInfo& info,
                   std::size_t& hardening_findings) {
  json flags = {{"machine", info.machine},
                {"bits", info.bits},
                {"endian", info.big_endian ? "big" : "little"},
                {"type", info.type},
                {"nx", info.nx},
                {"pie", info.is_pie},
                {"relro", info.relro_full      ? "full"
                          : info.relro_partial ? "partial"
                                               : "none"},
                {"canary", info.canary},
                {"fortify", info.fortify},
                {"static", info.statically_linked}};
  std::vector<std::string> missing;
  if (!info.nx) missing.push_back("NX");
  if (info.type == "executable" && !info.statically_linked) missing.push_back("PIE");
  if (!info.relro_partial)
    missing.push_back("RELRO");
  else if (!info.relro_full)
    missing.push_back("full RELRO");
  if (!info.canary) missing.push_back("stack canary");
  if (!info.fortify) missing.push_back("FORTIFY");
  if (info.type != "executable" && info.type != "shared-object") return;
  if (!missing.empty()) {
    ++hardening_findings;
    flags["missing"] = missing;
    add_finding(ctx, "firmware.elf-hardening", "missing-hardening", path,
                fmt::format("{} ({} {}-bit {}): no {}", path, info.machine, info.bits,
                            info.big_endian ? "BE" : "LE", fmt::join(missing, ", ")),
                flags);
  }
  std::vector<std::string> risky;
  for (const auto& imp : info.imports) {
    if (risky_functions().count(imp)) risky.push_back(imp);
  }
  std::sort(risky.begin(), risky.end());
  risky.erase(std::unique(risky.begin(), risky.end()), risky.end());
  if (!risky.empty()) {
    add_finding(ctx, "firmware.elf-risky-functions", "risky-function", path,
                fmt::format("{} imports {}", path, fmt::join(risky, ", ")), {{"functions", risky}});
  }
}

void add_component(Analysis& a, const ComponentHit& hit, const std::string& where) {
  for (auto& c : a.components) {
    if (c.name == hit.name && c.version == hit.version) {
      if (c.evidence_paths.size() < 8) c.evidence_paths.push_back(where);
      return;
    }
  }
  Component c;
  c.name = hit.name;
  c.version = hit.version;
  c.vendor = hit.vendor;
  c.product = hit.product;
  c.purl = fmt::format("pkg:generic/{}@{}", hit.name, hit.version);
  const char part = hit.product == "linux_kernel" ? 'o' : 'a';
  c.cpe =
      fmt::format("cpe:2.3:{}:{}:{}:{}:*:*:*:*:*:*:*", part, hit.vendor, hit.product, hit.version);
  c.evidence_paths.push_back(where);
  a.components.push_back(std::move(c));
}

}  // namespace

namespace detail {
void check_binaries(const Filesystem&, CheckContext&) {}
}  // namespace detail

namespace {

// The image mapped read-only (no copy, no page faults for bytes never looked at); read into
// memory when it cannot be mapped (a pipe, an empty file). read_file names the file in its error.
class MappedImage {
 public:
  explicit MappedImage(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      void* p =
          ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        map_ = p;
        size_ = static_cast<std::size_t>(st.st_size);
      }
    }
    if (fd >= 0) ::close(fd);
    if (!map_) copy_ = read_file(path);
  }
  ~MappedImage() {
    if (map_) ::munmap(map_, size_);
  }
  MappedImage(const MappedImage&) = delete;
  MappedImage& operator=(const MappedImage&) = delete;
  std::string_view bytes() const {
    return map_ ? std::string_view(static_cast<const char*>(map_), size_) : std::string_view(copy_);
  }

 private:
  void* map_ = nullptr;
  std::size_t size_ = 0;
  std::string copy_;
};

bool worth_analysing(std::string_view data) {
  // Component strings live in binaries and in kernel images; small text files are skipped.
  const bool is_elf = data.size() >= 52 && data.substr(0, 4) ==
                                               "\x7f"
                                               "ELF";
  return is_elf || data.size() >= 4096;
}

// Every distinct content worth analysing is analysed once (ELF headers, component strings), and
// every file the update check reads is scanned for its markers; a file that needs both is read
// once, with one matcher holding the component and the update markers. The work runs on two
// threads, each item into its own slot; the checks then look results up by the file's buffer.
struct ContentIndex {
  std::unordered_map<const char*, std::size_t> key_of;  // buffer → distinct content number
  std::vector<BinaryResult> results;                    // by distinct content number
  std::vector<UpdateScan> update;                       // of update_scanned_files(), in order
};
struct Content {
  std::string_view where, data;
  const Entry* entry = nullptr;  // when the content is a filesystem entry's
};
ContentIndex index_contents(const std::vector<Content>& all,
                            const std::vector<Filesystem>& filesystems) {
  ContentIndex index;
  constexpr std::size_t kNone = ~std::size_t{0};
  // Distinct contents by their exact bytes. A content is hashed (std::hash; equal hashes are
  // confirmed byte for byte) only once another content of its size has come: most sizes occur once,
  // so most files are never read here, and many files of one size still cost one hash each (no
  // comparison of every pair).
  std::vector<std::size_t> unique;                             // first occurrence in `all`
  std::unordered_map<std::size_t, std::size_t> first_of_size;  // size → distinct content number
  std::unordered_map<std::size_t, std::vector<std::size_t>> by_hash;  // → distinct numbers
  auto hash_of = [&](std::size_t k) {
    return std::hash<std::string_view>{}(all[k].data) ^ (all[k].data.size() * 0x9e3779b97f4a7c15);
  };
  for (std::size_t k = 0; k < all.size(); ++k) {
    const auto [lone, first] = first_of_size.try_emplace(all[k].data.size(), unique.size());
    std::size_t key = unique.size();
    if (!first) {
      if (lone->second != kNone) {  // the first of this size joins the hashed ones
        by_hash[hash_of(unique[lone->second])].push_back(lone->second);
        lone->second = kNone;
      }
      auto& same = by_hash[hash_of(k)];
      for (std::size_t u : same) {
        if (all[unique[u]].data == all[k].data) {
          key = u;
          break;
        }
      }
      if (key == unique.size()) same.push_back(key);
    }
    if (key == unique.size()) unique.push_back(k);
    index.key_of.emplace(all[k].data.data(), key);
  }
  index.results.resize(unique.size());
  const std::vector<const Entry*> update_files = update_scanned_files(filesystems);
  index.update.resize(update_files.size());
  // Work items: every update-scanned file (with the component analysis when it is the first
  // occurrence of a distinct content), then the distinct contents no such file covers (blobs, the
  // image, files above the update scan's size limit).
  std::unordered_map<const Entry*, std::size_t> first_of;  // entry → distinct content number
  for (std::size_t u = 0; u < unique.size(); ++u) {
    if (all[unique[u]].entry) first_of.emplace(all[unique[u]].entry, u);
  }
  std::vector<std::size_t> fused(update_files.size(), kNone);
  std::vector<bool> covered(unique.size(), false);
  for (std::size_t f = 0; f < update_files.size(); ++f) {
    const auto it = first_of.find(update_files[f]);
    if (it != first_of.end() && !covered[it->second]) {
      fused[f] = it->second;
      covered[it->second] = true;
    }
  }
  std::vector<std::size_t> alone;
  for (std::size_t u = 0; u < unique.size(); ++u) {
    if (!covered[u]) alone.push_back(u);
  }
  static const std::size_t component_patterns = component_markers().size();
  static const MultiMatcher markers = [] {
    std::vector<std::string_view> all_markers = component_markers();
    for (auto m : update_marker_patterns()) all_markers.push_back(m);
    return MultiMatcher(all_markers);
  }();
  auto analyse = [&](std::size_t u, std::vector<ComponentHit> components) {
    const auto& [where, data, entry] = all[unique[u]];
    if (data.size() >= 4 && data.substr(0, 4) ==
                                "\x7f"
                                "ELF")
      index.results[u].elf = parse_elf(data);
    index.results[u].components = std::move(components);
  };
  parallel_for(update_files.size() + alone.size(), [&](std::size_t n) {
    if (n >= update_files.size()) {
      const std::size_t u = alone[n - update_files.size()];
      analyse(u, identify_components(all[unique[u]].data, all[unique[u]].where));
      return;
    }
    const Bytes data = update_files[n]->data;
    const std::size_t u = fused[n];
    UpdateScan& scan = index.update[n];
    ComponentCollector collector(data);
    markers.scan(data, [&](std::size_t m, std::size_t at) {
      if (m >= component_patterns)
        scan.markers |= 1ULL << (m - component_patterns);
      else if (u != kNone)
        collector.on_marker(m, at);
      return true;
    });
    scan_update_urls(data, scan);
    if (u != kNone) analyse(u, collector.finish(all[unique[u]].where));
  });
  return index;
}

void analyse_content(Analysis& a, CheckContext& ctx, const ContentIndex& index,
                     std::set<std::size_t>& seen_keys, const std::string& where,
                     std::string_view data, std::size_t& elves, std::size_t& hardening_findings) {
  if (!worth_analysing(data)) return;
  const auto key = index.key_of.find(data.data());
  if (key == index.key_of.end()) return;
  const BinaryResult& result = index.results.at(key->second);
  if (!seen_keys.insert(key->second).second) {
    // Version-named libraries need the path even for duplicate content.
    for (const auto& hit : identify_components({}, where)) add_component(a, hit, where);
  }
  for (const auto& hit : result.components) add_component(a, hit, where);
  if (result.elf) {
    ++elves;
    report_binary(ctx, where, *result.elf, hardening_findings);
  }
}

void match_components(Analysis& a, const AnalysisOptions& options, CheckContext& ctx) {
  std::size_t matched = 0;
  for (const auto& c : a.components) {
    json ev = {{"name", c.name},
               {"version", c.version},
               {"purl", c.purl},
               {"cpe", c.cpe},
               {"paths", c.evidence_paths}};
    add_finding(ctx, "firmware.components", "component-identified",
                c.evidence_paths.empty() ? "" : c.evidence_paths[0],
                fmt::format("{} {} ({})", c.name, c.version,
                            c.evidence_paths.empty() ? "" : c.evidence_paths[0]),
                ev);
  }
  if (!options.cve_db) {
    evidence::CheckRun run{"firmware.cve-match",
                           a.image,
                           std::nullopt,
                           "firmware",
                           evidence::CheckStatus::skipped,
                           {"vulnerable-component"},
                           "no CVE index given (kensa cve import, then --cve-db)"};
    a.findings.checks.push_back(run);
    return;
  }
  for (const auto& c : a.components) {
    const auto matches = match_cves(*options.cve_db, c);
    if (matches.empty()) continue;
    ++matched;
    double worst = 0;
    std::vector<std::string> ids;
    json list = json::array();
    for (const auto& m : matches) {
      worst = std::max(worst, m.cvss);
      ids.push_back(m.cve);
      list.push_back(
          {{"cve", m.cve}, {"cvss", m.cvss}, {"vector", m.cvss_vector}, {"range", m.range}});
    }
    auto& f = add_finding(
        ctx, "firmware.cve-match", "vulnerable-component",
        c.evidence_paths.empty() ? "" : c.evidence_paths[0],
        fmt::format("{} {}: {} (highest CVSS {:.1f})", c.name, c.version, fmt::join(ids, ", "),
                    worst),
        {{"component", c.name}, {"version", c.version}, {"cpe", c.cpe}, {"matches", list}});
    f.cves = ids;
    f.severity = worst >= 9.0   ? evidence::Severity::critical
                 : worst >= 7.0 ? evidence::Severity::high
                 : worst >= 4.0 ? evidence::Severity::medium
                 : worst > 0    ? evidence::Severity::low
                                : evidence::Severity::high;
  }
  add_check_run(ctx, "firmware.cve-match", {"vulnerable-component"},
                fmt::format("{} components matched against {}: {} vulnerable", a.components.size(),
                            options.cve_db->filename().string(), matched));
}

Analysis analyze_one(const std::filesystem::path& image, const AnalysisOptions& options,
                     std::vector<std::pair<std::string, std::string>>* seen,
                     std::vector<KeySeen>* keys_seen) {
  PhaseTimer timer;
  Analysis a;
  a.image = image.string();
  const MappedImage mapped(image);
  const std::string_view bytes = mapped.bytes();
  a.image_bytes = bytes.size();
  // The image's hash on its own thread, beside the extraction (joined before returning).
  std::jthread hasher([&a, bytes] { a.image_sha256 = sha256_hex(bytes); });
  timer.mark("map");
  a.findings.collector = "firmware";
  a.findings.tool = "kensa-firmware/0.1";
  a.findings.origin = image.string();
  Extractor extractor(options.limits, a);
  extractor.run(bytes);
  timer.mark("extract");
  // The extracted tree is written while the checks run: writing is mostly kernel time on its own
  // thread(s), the checks are mostly one thread, and neither changes what the other reads (the
  // filesystems and blobs are final once extraction returns).
  std::vector<std::string> write_errors;
  std::exception_ptr write_failure;
  std::uint64_t files_written = 0;
  std::jthread writer;
  if (options.extract_dir) {
    writer = std::jthread([&] {
      try {
        files_written = write_tree(a, extractor.blobs(), *options.extract_dir, write_errors);
      } catch (...) {
        write_failure = std::current_exception();
      }
    });
  }

  std::vector<Credential> custom;
  if (options.credentials)
    custom = parse_credentials(read_file(*options.credentials), options.credentials->string());
  const auto& dict = options.credentials ? custom : builtin_credentials();

  std::vector<Content> contents;
  for (const auto& fs : a.filesystems) {
    for (const auto& e : fs.entries) {
      if (e.type == EntryType::regular && worth_analysing(e.data))
        contents.push_back(Content{e.path, e.data, &e});
    }
  }
  for (const auto& blob : extractor.blobs()) {
    if (worth_analysing(blob.data)) contents.push_back(Content{blob.id, blob.data});
  }
  for (const auto& blob : extractor.elf_blobs()) {
    if (worth_analysing(blob.data)) contents.push_back(Content{blob.id, blob.data});
  }
  if (a.filesystems.empty() && worth_analysing(bytes)) contents.push_back(Content{"image", bytes});
  timer.mark("dict");
  const ContentIndex index = index_contents(contents, a.filesystems);
  timer.mark("index");
  std::set<std::size_t> seen_keys;
  std::size_t elves = 0, hardening = 0;
  CheckContext ctx{a.image, "image", &dict, &a.findings, seen, keys_seen};
  // Accounts and boot services are only judged on a root filesystem (one with /etc): a kernel's
  // one-entry initramfs or a data partition proves nothing about them, and a completed check
  // would read as a PASS.
  bool any_root = false;
  for (const auto& fs : a.filesystems) {
    ctx.chunk = fs.chunk;
    const bool root = std::any_of(fs.entries.begin(), fs.entries.end(),
                                  [](const Entry& e) { return e.path.rfind("/etc/", 0) == 0; });
    any_root |= root;
    if (root) {
      check_accounts(fs, ctx);
      check_boot_services(fs, ctx);
    }
    check_secrets(fs, ctx);
    check_permissions(fs, ctx);
    for (const auto& e : fs.entries) {
      if (e.type == EntryType::regular)
        analyse_content(a, ctx, index, seen_keys, e.path, e.data, elves, hardening);
    }
  }
  timer.mark("fs checks");
  ctx.chunk = "image";
  if (!any_root) {
    for (const auto& [check, kinds] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"firmware.accounts",
              {"empty-password", "weak-password-hash", "default-credential",
               "hardcoded-credential"}},
             {"firmware.boot-services",
              {"insecure-service-at-boot", "serial-console-open", "ssh-password-auth",
               "upnp-exposed", "debug-service"}}}) {
      a.findings.checks.push_back(evidence::CheckRun{
          check, a.image, std::nullopt, "firmware", evidence::CheckStatus::skipped, kinds,
          "no root filesystem (no /etc) found in the image"});
    }
  }
  check_update(a.filesystems, ctx, &index.update);
  for (const auto& blob : extractor.blobs())
    analyse_content(a, ctx, index, seen_keys, blob.id, blob.data, elves, hardening);
  for (const auto& blob : extractor.elf_blobs())
    analyse_content(a, ctx, index, seen_keys, blob.id, blob.data, elves, hardening);
  if (a.filesystems.empty()) {
    // A bare image (kernel, raw binary) still gets its version strings looked at.
    analyse_content(a, ctx, index, seen_keys, "image", bytes, elves, hardening);
  }
  add_check_run(
      ctx, "firmware.elf-hardening", {"missing-hardening", "risky-function"},
      fmt::format("{} ELF binaries, {} distinct files analysed, {} binaries lacking a mitigation",
                  elves, seen_keys.size(), hardening));
  timer.mark("update+blobs");
  match_components(a, options, ctx);
  timer.mark("cve");

  // Extraction itself: a damaged chunk makes every filesystem check incomplete for what it hid.
  evidence::CheckRun run{
      "firmware.extract",
      a.image,
      std::nullopt,
      "firmware",
      a.errors.empty() ? evidence::CheckStatus::completed : evidence::CheckStatus::error,
      {},
      fmt::format("{} chunks, {} filesystems, {} entries{}", a.chunks.size(), a.filesystems.size(),
                  a.files_extracted,
                  a.errors.empty() ? "" : "; " + fmt::format("{}", fmt::join(a.errors, "; ")))};
  a.findings.checks.insert(a.findings.checks.begin(), run);

  if (writer.joinable()) {
    writer.join();
    if (write_failure) std::rethrow_exception(write_failure);
    a.files_written = files_written;
    for (auto& e : write_errors) a.errors.push_back("write: " + e);
  }
  hasher.join();
  timer.mark("write+sha");
  return a;
}

}  // namespace

Analysis analyze(const std::filesystem::path& image, const AnalysisOptions& options) {
  return analyze_one(image, options, nullptr, nullptr);
}

std::vector<Analysis> analyze_all(const std::vector<std::filesystem::path>& images,
                                  const AnalysisOptions& options) {
  std::vector<Analysis> out;
  std::vector<std::vector<std::pair<std::string, std::string>>> seen(images.size());
  std::vector<std::vector<KeySeen>> keys(images.size());
  for (std::size_t i = 0; i < images.size(); ++i)
    out.push_back(analyze_one(images[i], options, &seen[i], &keys[i]));
  // The same user with the same password (or hash), or the same private key, in two images: one
  // secret for many devices (EN 303 645 5.1-1 universal default, 5.4-1 hard-coded secret).
  std::map<std::pair<std::string, std::string>, std::set<std::size_t>> where;
  std::map<std::string, std::map<std::size_t, const KeySeen*>> key_where;  // fingerprint → image
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (const auto& cred : seen[i]) where[cred].insert(i);
    for (const auto& k : keys[i]) key_where[k.fingerprint].emplace(i, &k);
  }
  for (std::size_t i = 0; i < images.size(); ++i) {
    CheckContext ctx{out[i].image, "image", nullptr, &out[i].findings, nullptr, nullptr};
    std::size_t shared = 0;
    auto names = [&](const std::set<std::size_t>& in) {
      std::vector<std::string> all;
      for (auto k : in) all.push_back(out[k].image);
      return all;
    };
    for (const auto& [cred, in] : where) {
      if (in.size() < 2 || !in.count(i)) continue;
      ++shared;
      std::vector<std::string> others;
      for (auto k : in) {
        if (k != i) others.push_back(out[k].image);
      }
      const std::string how = cred.second.rfind("hash:", 0) == 0 ? "the same password hash"
                              : cred.second == "<empty>"         ? "an empty password"
                                                                 : "the same password";
      add_finding(ctx, "firmware.shared-credential", "shared-credential", "",
                  fmt::format("account '{}' has {} in {} images (also in {})", cred.first, how,
                              in.size(), fmt::join(others, ", ")),
                  {{"user", cred.first},
                   {"secret", "password"},
                   {"images", in.size()},
                   {"image_paths", names(in)},
                   {"also_in", others}});
    }
    for (const auto& [fingerprint, in] : key_where) {
      if (in.size() < 2 || !in.count(i)) continue;
      ++shared;
      const KeySeen& mine = *in.at(i);
      std::set<std::size_t> images_with;
      std::vector<std::string> others;
      for (const auto& [k, key] : in) {
        images_with.insert(k);
        if (k != i) others.push_back(fmt::format("{} ({})", out[k].image, key->path));
      }
      add_finding(ctx, "firmware.shared-credential", "shared-credential", mine.path,
                  fmt::format("{} {} (SHA-256 {}...) is the same in {} images (also in {})",
                              mine.path, mine.description, fingerprint.substr(0, 16), in.size(),
                              fmt::join(others, ", ")),
                  {{"secret", "private-key"},
                   {"fingerprint_sha256", fingerprint},
                   {"key", mine.description},
                   {"images", in.size()},
                   {"image_paths", names(images_with)},
                   {"also_in", others}});
    }
    if (images.size() > 1) {
      add_check_run(ctx, "firmware.shared-credential", {"shared-credential"},
                    fmt::format("passwords and private keys compared across {} images: {} shared",
                                images.size(), shared));
    }
  }
  return out;
}

// ---- CycloneDX 1.5 ----

nlohmann::json cyclonedx_sbom(const Analysis& a) {
  json components = json::array();
  for (const auto& c : a.components) {
    json comp = {{"type", c.product == "linux_kernel" ? "operating-system"
                          : c.name == "uclibc" || c.name == "glibc" || c.name == "musl" ||
                                  c.name == "openssl" || c.name == "zlib"
                              ? "library"
                              : "application"},
                 {"bom-ref", c.purl},
                 {"name", c.name},
                 {"version", c.version},
                 {"purl", c.purl},
                 {"cpe", c.cpe}};
    if (!c.vendor.empty()) comp["supplier"] = {{"name", c.vendor}};
    json props = json::array();
    for (const auto& p : c.evidence_paths)
      props.push_back({{"name", "kensa:evidence-path"}, {"value", p}});
    comp["properties"] = props;
    components.push_back(comp);
  }
  const std::string image_hash = [&] {
    try {
      return a.image_sha256.empty() ? sha256_hex(read_file(a.image)) : a.image_sha256;
    } catch (const std::exception&) {
      return std::string();
    }
  }();
  std::string serial = image_hash.size() >= 32 ? image_hash.substr(0, 32) : std::string(32, '0');
  // A UUID derived from the image hash: the same image gives the same serial number.
  serial = fmt::format("urn:uuid:{}-{}-5{}-8{}-{}", serial.substr(0, 8), serial.substr(8, 4),
                       serial.substr(13, 3), serial.substr(17, 3), serial.substr(20, 12));
  json meta = {
      {"tools",
       {{"components",
         json::array({{{"type", "application"}, {"name", "kensa"}, {"version", "0.1.0"}}})}}},
      {"component",
       {{"type", "firmware"},
        {"bom-ref", "firmware-image"},
        {"name", std::filesystem::path(a.image).filename().string()}}}};
  if (!image_hash.empty())
    meta["component"]["hashes"] = json::array({{{"alg", "SHA-256"}, {"content", image_hash}}});
  json deps = json::array();
  json refs = json::array();
  for (const auto& c : a.components) refs.push_back(c.purl);
  deps.push_back({{"ref", "firmware-image"}, {"dependsOn", refs}});
  return json{{"bomFormat", "CycloneDX"}, {"specVersion", "1.5"},
              {"serialNumber", serial},   {"version", 1},
              {"metadata", meta},         {"components", components},
              {"dependencies", deps}};
}

}  // namespace kensa::firmware
