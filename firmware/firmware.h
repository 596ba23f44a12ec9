#pragma once
// Firmware verification: identify and recursively extract a firmware image, check the filesystems
// found inside (accounts, secrets, boot services, update mechanism, permissions), check every ELF
// binary's hardening, identify components, match them against an offline CVE index, and describe
// the result as kensa findings and a CycloneDX 1.5 SBOM.
//
// Extraction happens in memory. Nothing is written unless `AnalysisOptions::extract_dir` is set,
// and then only below that directory: symbolic links, device nodes and FIFOs are recorded, never
// created, and every entry path is normalised so that `..` and absolute paths cannot leave it.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evidence/credentials.h"
#include "evidence/evidence.h"

namespace kensa::firmware {

// Bounds against decompression bombs and hostile archives. Reaching one stops the affected chunk
// with an error naming the limit; everything extracted before that is kept.
struct Limits {
  int max_depth = 8;                             // nesting of containers
  std::uint64_t max_total_bytes = 2ULL << 30;    // all extracted bytes together
  std::uint64_t max_file_bytes = 512ULL << 20;   // one extracted file or stream
  std::uint64_t max_files = 200000;              // filesystem entries together
  double max_ratio = 200.0;                      // output/input of one decompression ...
  std::uint64_t ratio_floor_bytes = 4ULL << 20;  // ... checked once output exceeds this
};

// One carved or decoded piece of the input, with exact byte offsets in its parent.
struct Chunk {
  std::string id;      // "0x1000.squashfs" or "0x200.lzma/0x0.cpio" (path of nesting)
  std::string format;  // squashfs, cramfs, gzip, xz, lzma, zstd, bzip2, cpio, tar, zip, uimage,
                       // fit, trx, tplink, jffs2, elf, linux-kernel
  std::string parent;  // id of the enclosing chunk; empty for the input itself
  std::uint64_t offset = 0;  // start in the parent's bytes
  std::uint64_t end = 0;     // one past the last byte in the parent (exact where the format says)
  std::uint64_t output_bytes = 0;  // decompressed or extracted bytes
  std::size_t files = 0;           // filesystem entries (for filesystems and archives)
  int depth = 0;
  std::string detail;  // e.g. "xz, block 131072", "MIPS Linux-2.6.36 kernel"
  std::string error;   // set when the chunk was damaged or a limit stopped it
};

// The bytes of an extracted file, read as a std::string_view. An entry keeps its bytes alive: it
// either owns a string of its own or shares one buffer with the other files of its filesystem
// (the squashfs reader decodes a whole filesystem into one allocation backed by huge pages: one
// page fault per 2 MiB instead of one per 4 KiB, which on small virtual machines costs more than
// decoding the bytes). Copies share the bytes; nothing mutates them after extraction.
class FileData : public std::string_view {
 public:
  FileData() = default;
  FileData(std::string bytes)  // NOLINT(google-explicit-constructor): readers assign strings
      : FileData(std::make_shared<const std::string>(std::move(bytes))) {}
  FileData(std::shared_ptr<const void> owner, std::string_view bytes)
      : std::string_view(bytes), owner_(std::move(owner)) {}

 private:
  explicit FileData(std::shared_ptr<const std::string> s)
      : std::string_view(*s), owner_(std::move(s)) {}
  std::shared_ptr<const void> owner_;
};

enum class EntryType { regular, directory, symlink, character_device, block_device, fifo, socket };

struct Entry {
  std::string path;  // normalised, absolute inside its filesystem: "/etc/shadow"
  EntryType type = EntryType::regular;
  std::uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky
  std::uint32_t uid = 0, gid = 0;
  FileData data;            // regular files only
  std::string link_target;  // symlinks only (recorded, never followed or created)
};

// A filesystem or archive found in the image, with its entries.
struct Filesystem {
  std::string chunk;  // Chunk::id it came from
  std::string format;
  std::vector<Entry> entries;
};

struct Component {
  std::string name;                         // "busybox"
  std::string version;                      // "1.19.2"
  std::string vendor;                       // CPE vendor, "busybox"
  std::string product;                      // CPE product
  std::string purl;                         // "pkg:generic/busybox@1.19.2"
  std::string cpe;                          // "cpe:2.3:a:busybox:busybox:1.19.2:*:*:*:*:*:*:*"
  std::vector<std::string> evidence_paths;  // where the version string was seen
};

struct AnalysisOptions {
  Limits limits;
  std::optional<std::filesystem::path> extract_dir;  // write the extracted tree here
  std::optional<std::filesystem::path> cve_db;       // SQLite index from `kensa cve import`
  std::optional<std::filesystem::path>
      credentials;  // default-credential dictionary (else built-in path)
};

struct Analysis {
  std::string image;  // path as given
  std::uint64_t image_bytes = 0;
  std::string image_sha256;  // hex
  std::vector<Chunk> chunks;
  std::vector<Filesystem> filesystems;
  std::vector<Component> components;
  std::vector<std::string> errors;  // extraction errors with offsets
  evidence::FindingSet findings;    // collector "firmware"
  std::uint64_t files_extracted = 0;
  std::uint64_t files_written = 0;
};

// Reads, extracts and checks one image. Throws InputError when the image cannot be read; damage
// inside the image becomes Chunk::error and Analysis::errors, never an exception.
Analysis analyze(const std::filesystem::path& image, const AnalysisOptions& options);

// Analyses several images and adds `shared-credential` findings for credentials (password hashes
// or cracked passwords) that occur in more than one image.
std::vector<Analysis> analyze_all(const std::vector<std::filesystem::path>& images,
                                  const AnalysisOptions& options);

// CycloneDX 1.5 JSON for the components of one analysis.
nlohmann::json cyclonedx_sbom(const Analysis& analysis);

// ---- Offline CVE index ----
struct CveImportStats {
  std::size_t records = 0;           // CVE records read
  std::size_t ranges = 0;            // affected version ranges stored
  std::vector<std::string> skipped;  // records without a usable range, with the reason
};
// Imports NVD CVE JSON 2.0 (an API response, a feed file or a single `cve` object) and CVE JSON 5
// records into the SQLite index at `db` (created if missing). Rows are kept per (CVE, source): a
// CVE JSON 5 record adds to, and never erases, what NVD's record of the same CVE said; the match
// shows the highest score any source gave. Throws InputError naming the file, or the index when
// it was written in an older format.
CveImportStats import_cves(const std::filesystem::path& db,
                           const std::vector<std::filesystem::path>& files);

struct CveMatch {
  std::string cve;
  double cvss = 0;  // base score, 0 when unknown
  std::string cvss_vector;
  std::string summary;
  std::string range;  // the matching range as text, e.g. "<= 1.36.1"
};
std::vector<CveMatch> match_cves(const std::filesystem::path& db, const Component& component);

// Version order used for range matching: numeric dotted parts, then letter suffixes
// ("1.1.1m" < "1.1.1n" < "1.1.2"). Returns <0, 0, >0.
int compare_versions(const std::string& a, const std::string& b);

// The default-credential dictionary is shared with the prober (evidence/credentials.h).
using evidence::builtin_credentials;
using evidence::Credential;
using evidence::parse_credentials;

}  // namespace kensa::firmware
