#pragma once
#include <sys/stat.h>
// Internal interfaces between the firmware component's parts: decoders, container readers,
// checks. Not part of the public interface (firmware/firmware.h).
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "firmware/firmware.h"

namespace kensa::firmware::detail {

// The entry type encoded in a POSIX st_mode (S_IFMT bits), which squashfs, cramfs, jffs2 and
// libarchive (AE_IF* has the same values) all use.
inline EntryType entry_type_of_mode(std::uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return EntryType::directory;
    case S_IFLNK:
      return EntryType::symlink;
    case S_IFCHR:
      return EntryType::character_device;
    case S_IFBLK:
      return EntryType::block_device;
    case S_IFIFO:
      return EntryType::fifo;
    case S_IFSOCK:
      return EntryType::socket;
    default:
      return EntryType::regular;
  }
}

using Bytes = std::string_view;

// Runs fn(k) for every k in [0, n) on up to two threads (the machines this runs on have few
// cores, shared). fn must only write state that belongs to k; callers merge results in index
// order, so the output does not depend on scheduling.
template <typename F>
void parallel_for(std::size_t n, F&& fn) {
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < n;) fn(k);
  };
  if (n < 2 || std::thread::hardware_concurrency() < 2) {
    work();
    return;
  }
  std::thread helper(work);
  work();
  helper.join();
}

inline std::uint32_t le32(Bytes b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t(p[3]) << 24);
}
inline std::uint32_t be32(Bytes b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return (std::uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}
inline std::uint16_t le16(Bytes b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return std::uint16_t(p[0] | (p[1] << 8));
}
inline std::uint16_t be16(Bytes b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return std::uint16_t((p[0] << 8) | p[1]);
}
std::string hex_offset(std::uint64_t offset);

// Under AddressSanitizer each extracted file gets an allocation of its own, so that a decoder
// writing past a file's end is caught instead of landing in the next file of a shared buffer.
#if defined(__SANITIZE_ADDRESS__)
#define KENSA_FIRMWARE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KENSA_FIRMWARE_ASAN 1
#endif
#endif

// `size` zero bytes in fresh anonymous memory (the kernel's zero pages: no memset), aligned to and
// advised for 2 MiB transparent huge pages when large. Throws std::bad_alloc.
std::shared_ptr<char> zeroed_pages(std::size_t size);

// Finds many literal patterns (each at least 2 bytes) in one pass over the data: a bitmap of the
// patterns' first two bytes filters positions, and only candidates are compared. The checks search
// every file of an image for dozens of markers; one pass instead of one memmem per marker.
class MultiMatcher {
 public:
  explicit MultiMatcher(std::vector<std::string_view> patterns) : patterns_(std::move(patterns)) {
    // Pattern indices sorted by their first two bytes; slot_ maps those bytes to the range of
    // their group. Flat arrays: a vector per possible key would be 1.5 MiB of fresh memory per
    // matcher, faulted in page by page.
    std::vector<std::pair<std::uint16_t, std::uint16_t>> keyed;
    for (std::size_t k = 0; k < patterns_.size(); ++k)
      keyed.emplace_back(key_of(patterns_[k].data()), static_cast<std::uint16_t>(k));
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t n = 0; n < keyed.size(); ++n) {
      const std::uint16_t key = keyed[n].first;
      if (!((filter_[key >> 6] >> (key & 63)) & 1)) {
        filter_[key >> 6] |= 1ULL << (key & 63);
        groups_.push_back(Group{key, static_cast<std::uint16_t>(n), 0});
      }
      ++groups_.back().count;
      order_.push_back(keyed[n].second);
    }
  }
  const std::string_view& pattern(std::size_t k) const { return patterns_[k]; }
  // Calls on_match(pattern index, position) for every match in position order (patterns sharing
  // a position in the order given); stops early when it returns false.
  template <typename F>
  void scan(Bytes d, F&& on_match) const {
    if (d.size() < 2) return;
    const auto* p = reinterpret_cast<const unsigned char*>(d.data());
    for (std::size_t i = 0; i + 1 < d.size(); ++i) {
      const std::uint16_t key = key_of(p + i);
      if (!((filter_[key >> 6] >> (key & 63)) & 1)) continue;
      const Group& g =
          *std::lower_bound(groups_.begin(), groups_.end(), key,
                            [](const Group& group, std::uint16_t k) { return group.key < k; });
      for (std::uint16_t n = g.first; n < g.first + g.count; ++n) {
        const std::string_view& pat = patterns_[order_[n]];
        if (pat.size() <= d.size() - i && std::memcmp(p + i, pat.data(), pat.size()) == 0) {
          if (!on_match(std::size_t(order_[n]), i)) return;
        }
      }
    }
  }

 private:
  struct Group {
    std::uint16_t key, first, count;
  };
  static std::uint16_t key_of(const void* at) {
    const auto* p = static_cast<const unsigned char*>(at);
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
  }
  std::vector<std::string_view> patterns_;
  std::vector<std::uint16_t> order_;  // pattern indices grouped by key
  std::vector<Group> groups_;         // sorted by key
  std::uint64_t filter_[1024] = {};
};

// Byte and file budget of one extraction, shared by every decoder and reader so that nesting
// cannot multiply the limits.
class Budget {
 public:
  explicit Budget(const Limits& limits) : limits_(limits) {}
  const Limits& limits() const { return limits_; }
  // Accounts `n` more output bytes of a stream that has consumed `input` bytes and produced
  // `produced` so far (including n). Returns an error message when a limit is reached.
  std::optional<std::string> charge_bytes(std::uint64_t n, std::uint64_t input,
                                          std::uint64_t produced);
  std::optional<std::string> charge_file();
  std::uint64_t total_bytes() const { return total_bytes_; }
  std::uint64_t files() const { return files_; }

 private:
  Limits limits_;
  std::uint64_t total_bytes_ = 0;
  std::uint64_t files_ = 0;
};

// ---- Stream decoders. Each decodes one stream starting at data[0] and reports the exact number of
// input bytes it consumed; on damage or a limit, it keeps the output produced so far. ----
struct Decoded {
  std::string output;
  std::uint64_t consumed = 0;
  bool complete = false;  // reached the stream's end marker
  std::string error;
};
Decoded decode_gzip(Bytes data, Budget& budget);
Decoded decode_zlib(Bytes data,
                    std::size_t max_output);  // one zlib stream, no budget (cramfs blocks)
Decoded decode_xz(Bytes data, Budget& budget);
Decoded decode_lzma_alone(Bytes data, Budget& budget);
Decoded decode_zstd(Bytes data, Budget& budget);
Decoded decode_bzip2(Bytes data, Budget& budget);
// Cheap plausibility check of an LZMA-alone header (properties, dictionary size, length).
bool plausible_lzma_header(Bytes data);

// ---- Filesystem and archive readers ----
struct FsRead {
  std::vector<Entry> entries;
  std::uint64_t size = 0;  // bytes of the input that belong to the filesystem
  std::string detail;
  std::string error;  // damage or limit; entries read before it are kept
};
FsRead read_squashfs(Bytes data, Budget& budget);
FsRead read_cramfs(Bytes data, Budget& budget);
FsRead read_jffs2(Bytes data, Budget& budget);
FsRead read_ubifs(Bytes data, Budget& budget);
// One UBI volume: its logical erase blocks joined in order (unmapped ones as erased 0xFF bytes).
struct UbiVolume {
  std::uint32_t id = 0;
  std::string name;
  bool dynamic = true;
  std::size_t lebs = 0;         // mapped logical erase blocks
  std::uint64_t first_peb = 0;  // offset of the volume's first block in the image
  std::string data;
};
struct UbiRead {
  std::vector<UbiVolume> volumes;
  std::uint64_t size = 0;  // bytes of the input that belong to the UBI image
  std::uint64_t peb_size = 0, leb_size = 0;
  std::string error;
};
UbiRead read_ubi(Bytes data, Budget& budget);
// tar, cpio (newc, odc, binary) and ZIP through libarchive; `format` names the expected one.
FsRead read_archive(Bytes data, Budget& budget, std::string_view format);

// Normalises an entry name into an absolute path inside its filesystem ("/a/b"). `..` cannot climb
// above the root; sets `escaped` when the name tried to (absolute or `..` past the root).
std::string normalize_entry_path(std::string_view name, bool& escaped);

// ---- Headers with payloads ----
struct Part {
  std::string name;
  std::uint64_t offset = 0;  // relative to the header's start
  std::uint64_t size = 0;
  std::string compression;  // "", gzip, lzma, bzip2, xz, zstd, lzo, lz4
};
struct Parsed {
  bool valid = false;
  std::uint64_t size = 0;  // header + payload bytes
  std::vector<Part> parts;
  std::string detail;
  std::string error;
};
Parsed parse_uimage(Bytes data);
Parsed parse_trx(Bytes data);
Parsed parse_fit(Bytes data);
Parsed parse_tplink(Bytes data);

// ---- ELF ----
struct ElfInfo {
  std::string machine;  // "MIPS", "ARM", "AArch64", "x86", "x86-64", "Xtensa", ...
  int bits = 32;
  bool big_endian = false;
  std::string type;  // executable | shared-object | relocatable | core
  bool is_pie = false;
  bool has_interp = false;
  bool is_library = false;
  bool nx = false;
  bool relro_partial = false;
  bool relro_full = false;
  bool canary = false;
  bool fortify = false;
  bool statically_linked = false;
  bool stripped = false;
  std::vector<std::string> imports;  // undefined dynamic symbols
  std::vector<std::string> needed;   // DT_NEEDED
};
// Parses an ELF image (32/64-bit, either endian). nullopt when not an ELF or too damaged.
std::optional<ElfInfo> parse_elf(Bytes data);

// ---- Component identification ----
struct ComponentHit {
  std::string name, version, vendor, product;
};
// Version strings of known components in a file's bytes (and its path, for libraries named after
// their version such as libuClibc-0.9.33.2.so).
std::vector<ComponentHit> identify_components(Bytes data, std::string_view path);
// The literal markers of the component rules, in rule order: the first patterns of a MultiMatcher
// whose matches are fed to a ComponentCollector (the analysis scans every file once for these and
// for the update markers together).
const std::vector<std::string_view>& component_markers();
class ComponentCollector {
 public:
  explicit ComponentCollector(Bytes data);
  // A match of component_markers()[rule] at `at`; matches must come in position order.
  void on_marker(std::size_t rule, std::size_t at);
  // The hits, with those from the file's name added (identify_components' result).
  std::vector<ComponentHit> finish(std::string_view path);

 private:
  void add(std::string_view name, std::string_view vendor, std::string_view product,
           std::string version);
  Bytes data_;
  std::vector<ComponentHit> hits_;
  std::set<std::string> seen_;
  std::vector<bool> done_;
  std::vector<int> tries_;
};

// ---- Checks over one filesystem ----
// A private key found in an image: its fingerprint (SHA-256 of the public key in DER when OpenSSL
// parses it, else of the key file's bytes) and what to call it in a finding.
struct KeySeen {
  std::string fingerprint;
  std::string description;  // "RSA private key (1024 bits)"
  std::string path;
};
struct CheckContext {
  std::string target;  // image path, for findings
  std::string chunk;   // filesystem chunk id
  const std::vector<Credential>* dictionary = nullptr;
  evidence::FindingSet* out = nullptr;
  // Credentials seen (user + hash or cracked password), for shared-credential across images.
  std::vector<std::pair<std::string, std::string>>* credentials_seen = nullptr;
  // Private keys seen, for the same comparison.
  std::vector<KeySeen>* keys_seen = nullptr;
};
void check_accounts(const Filesystem& fs, CheckContext& ctx);
void check_secrets(const Filesystem& fs, CheckContext& ctx);
void check_boot_services(const Filesystem& fs, CheckContext& ctx);
// What the update check looks for in one file's bytes: which update_marker_patterns() occur (bit k
// for pattern k) and the cleartext update URLs of a text file.
struct UpdateScan {
  std::uint64_t markers = 0;
  std::vector<std::string> urls;
};
const std::vector<std::string_view>& update_marker_patterns();
// The files whose bytes the update check reads, in the order check_update expects their scans.
std::vector<const Entry*> update_scanned_files(const std::vector<Filesystem>& filesystems);
// The URL part of a file's UpdateScan (the markers come from a MultiMatcher pass).
void scan_update_urls(Bytes data, UpdateScan& scan);
// Over all filesystems of the image together: the mechanism may live in another partition.
// `scanned`, when given, holds the scans of update_scanned_files(filesystems), in that order
// (done by the caller in its own pass over the files); otherwise the check scans them itself.
void check_update(const std::vector<Filesystem>& filesystems, CheckContext& ctx,
                  const std::vector<UpdateScan>* scanned = nullptr);
void check_permissions(const Filesystem& fs, CheckContext& ctx);
void check_binaries(const Filesystem& fs, CheckContext& ctx);

// Adds a finding with the kind's default severity and title.
evidence::Finding& add_finding(CheckContext& ctx, std::string check, std::string kind,
                               std::string path, std::string evidence_text,
                               nlohmann::json evidence = nlohmann::json::object());
void add_check_run(CheckContext& ctx, std::string check, std::vector<std::string> tests_for,
                   std::string detail);

// Entries by path (the last one wins, as in tar), for checks that look up /etc/... files.
const Entry* find_entry(const Filesystem& fs, std::string_view path);
// Resolves symlinks inside the filesystem (bounded), returning the regular file or nullptr.
const Entry* resolve(const Filesystem& fs, std::string_view path);
bool looks_like_text(Bytes data);

}  // namespace kensa::firmware::detail
