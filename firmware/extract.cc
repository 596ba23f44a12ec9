// Identification and recursive extraction. A blob (the image, a decompressed stream, a partition)
// is scanned for known signatures; each hit is decoded by its reader, recorded as a Chunk with its
// exact offsets, and its output scanned again one level deeper. The scan resumes after a decoded
// chunk's end, so nothing is decoded twice. Files inside filesystems are only descended into when
// they start with a container signature (a .tar.gz, a kernel uImage), not carved at every offset:
// that is what keeps the pass linear in the image size without losing nested images.
#include "firmware/extract.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <list>
#include <set>

namespace kensa::firmware::detail {

namespace {

bool at(Bytes d, std::size_t i, std::string_view magic) {
  return i + magic.size() <= d.size() && std::memcmp(d.data() + i, magic.data(), magic.size()) == 0;
}

bool cpio_magic(Bytes d, std::size_t i) {
  if (at(d, i, "070701") || at(d, i, "070702") || at(d, i, "070707")) return true;
  // Old binary cpio (either byte order): a two-byte magic, so the header must also be plausible:
  // a name length of 2..1024 and a printable, NUL-terminated name right after the 26-byte header.
  const bool le = at(d, i, "\xc7\x71"), be = at(d, i, "\x71\xc7");
  if ((!le && !be) || i + 28 > d.size()) return false;
  const std::size_t namesize = le ? le16(d, i + 20) : be16(d, i + 20);
  if (namesize < 2 || namesize > 1024 || i + 26 + namesize > d.size() ||
      d[i + 26 + namesize - 1] != '\0')
    return false;
  for (std::size_t k = 0; k + 1 < namesize; ++k) {
    const unsigned char c = static_cast<unsigned char>(d[i + 26 + k]);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// A JFFS2 node header: magic 0x1985 then a known node type, in either byte order.
bool jffs2_magic(Bytes d, std::size_t i) {
  if (i + 12 > d.size()) return false;
  const bool le = at(d, i, "\x85\x19"), be = at(d, i, "\x19\x85");
  if (!le && !be) return false;
  const std::uint16_t type = le ? le16(d, i + 2) : be16(d, i + 2);
  return type == 0xE001 || type == 0xE002 || type == 0x2003 || type == 0x2004 || type == 0x2006;
}

bool tar_magic(Bytes d, std::size_t i) {
  return i + 512 <= d.size() && (at(d, i + 257, "ustar\0") || at(d, i + 257, "ustar ")) &&
         d[i] != '\0';
}

}  // namespace

Extractor::Extractor(const Limits& limits, Analysis& out) : budget_(limits), out_(out) {}

void Extractor::run(Bytes image) {
  Chunk root;
  root.id = "image";
  root.format = "image";
  root.end = image.size();
  root.output_bytes = image.size();
  out_.chunks.push_back(root);
  scan(image, "image", 1);
}

void Extractor::record_error(const std::string& chunk_id, const std::string& message) {
  out_.errors.push_back(fmt::format("{}: {}", chunk_id, message));
}

std::size_t Extractor::add_chunk(Chunk c) {
  if (!c.error.empty()) record_error(c.id, c.error);
  out_.chunks.push_back(std::move(c));
  return out_.chunks.size() - 1;
}

std::string Extractor::child_id(const std::string& parent, std::uint64_t offset,
                                const std::string& format) {
  const std::string here = fmt::format("{}.{}", hex_offset(offset), format);
  return parent == "image" ? here : parent + "/" + here;
}

void Extractor::payload(Bytes data, const std::string& parent, std::uint64_t offset,
                        const std::string& compression, int depth) {
  if (compression.empty()) {
    scan(data, parent, depth, offset);
    return;
  }
  std::optional<Decoded> d;
  if (compression == "gzip")
    d = decode_gzip(data, budget_);
  else if (compression == "lzma")
    d = decode_lzma_alone(data, budget_);
  else if (compression == "xz")
    d = decode_xz(data, budget_);
  else if (compression == "zstd")
    d = decode_zstd(data, budget_);
  else if (compression == "bzip2")
    d = decode_bzip2(data, budget_);
  if (!d) {
    record_error(parent, fmt::format("payload compression '{}' not supported", compression));
    return;
  }
  Chunk c;
  c.id = child_id(parent, offset, compression);
  c.format = compression;
  c.parent = parent;
  c.offset = offset;
  c.end = offset + d->consumed;
  c.output_bytes = d->output.size();
  c.depth = depth;
  c.error =
      d->error.empty() ? "" : fmt::format("at {}: {}", hex_offset(offset + d->consumed), d->error);
  const std::string id = c.id;
  add_chunk(std::move(c));
  keep_blob(id, std::move(d->output), depth);
}

void Extractor::keep_blob(const std::string& id, std::string bytes, int depth) {
  blobs_.push_back(Blob{id, std::move(bytes)});
  // std::list keeps the string's address stable while the recursion adds more blobs.
  const std::string& stored = blobs_.back().data;
  scan(stored, id, depth + 1);
}

bool Extractor::try_filesystem(Bytes data, std::size_t i, const std::string& parent,
                               const std::string& format, int depth, std::size_t& next) {
  FsRead fs;
  if (format == "squashfs")
    fs = read_squashfs(data.substr(i), budget_);
  else if (format == "cramfs")
    fs = read_cramfs(data.substr(i), budget_);
  else if (format == "jffs2")
    fs = read_jffs2(data.substr(i), budget_);
  else if (format == "ubifs")
    fs = read_ubifs(data.substr(i), budget_);
  else
    fs = read_archive(data.substr(i), budget_, format);
  if (fs.entries.empty() && fs.size == 0) return false;
  // An /etc overlay partition (passwd, shadow, inittab at its root): check it where it is mounted.
  const bool has_etc = std::any_of(fs.entries.begin(), fs.entries.end(),
                                   [](const Entry& e) { return e.path.rfind("/etc/", 0) == 0; });
  const bool etc_like = std::any_of(fs.entries.begin(), fs.entries.end(), [](const Entry& e) {
    return e.path == "/passwd" || e.path == "/shadow" || e.path == "/inittab" ||
           e.path == "/init.d";
  });
  if (!has_etc && etc_like) {
    for (auto& e : fs.entries) e.path = e.path == "/" ? "/etc" : "/etc" + e.path;
    fs.detail += ", mounted at /etc (an /etc overlay, judged from its contents)";
  }
  if (fs.entries.empty() &&
      (format == "tar" || format == "cpio" || format == "zip" || format == "jffs2"))
    return false;
  Chunk c;
  const std::uint64_t base = base_;
  c.id = child_id(parent, base + i, format);
  c.format = format;
  c.parent = parent;
  c.offset = base + i;
  c.end = base + i + std::max<std::uint64_t>(fs.size, 1);
  c.depth = depth;
  c.files = fs.entries.size();
  c.detail = fs.detail;
  c.error = fs.error.empty() ? "" : fs.error;
  for (const auto& e : fs.entries) c.output_bytes += e.data.size();
  const std::string id = c.id;
  add_chunk(std::move(c));
  out_.files_extracted += fs.entries.size();
  out_.filesystems.push_back(Filesystem{id, format, std::move(fs.entries)});
  next = i + std::max<std::uint64_t>(fs.size, 1);
  descend_into_files(out_.filesystems.size() - 1, depth);
  return true;
}

void Extractor::descend_into_files(std::size_t fs_index, int depth) {
  if (depth + 1 > budget_.limits().max_depth) return;
  // Collect first: scanning may append filesystems and invalidate references.
  std::vector<std::pair<std::string, std::size_t>> nested;
  const auto& entries = out_.filesystems[fs_index].entries;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const Entry& e = entries[k];
    if (e.type != EntryType::regular || e.data.size() < 64) continue;
    if (container_signature(e.data)) nested.emplace_back(e.path, k);
  }
  const std::string fs_chunk = out_.filesystems[fs_index].chunk;
  for (const auto& [path, k] : nested) {
    std::string data(out_.filesystems[fs_index].entries[k].data);  // copy: vector may move
    keep_blob(fs_chunk + ":" + path, std::move(data), depth);
  }
}

bool Extractor::container_signature(Bytes d) {
  return at(d, 0, "\x1f\x8b\x08") ||
         at(d, 0,
            "\xfd"
            "7zXZ\0") ||
         at(d, 0, "hsqs") || at(d, 0, "\x45\x3d\xcd\x28") || at(d, 0, "\x27\x05\x19\x56") ||
         at(d, 0, "HDR0") || at(d, 0, "\x28\xb5\x2f\xfd") || at(d, 0, "BZh") || cpio_magic(d, 0) ||
         tar_magic(d, 0) || at(d, 0, "PK\x03\x04") || at(d, 0, "UBI#") ||
         at(d, 0, "\x31\x18\x10\x06");
}

void Extractor::scan(Bytes d, const std::string& parent, int depth, std::uint64_t base) {
  base_ = base;
  if (depth > budget_.limits().max_depth) {
    record_error(parent, fmt::format("nesting deeper than the limit of {}; not descended",
                                     budget_.limits().max_depth));
    return;
  }
  // ELF at the start of a blob: a raw binary or kernel; the binary checks pick it up.
  if (at(d, 0,
         "\x7f"
         "ELF")) {
    Chunk c{child_id(parent, base, "elf"),
            "elf",
            parent,
            base,
            base + d.size(),
            d.size(),
            0,
            depth,
            "",
            ""};
    add_chunk(std::move(c));
    elf_blobs_.push_back(Blob{parent, std::string(d)});
    return;
  }
  std::size_t i = 0;
  while (i < d.size()) {
    base_ = base;  // nested scans change it
    std::size_t next = i + 1;
    const unsigned char b = static_cast<unsigned char>(d[i]);
    bool handled = false;
    switch (b) {
      case 'h':
        if (at(d, i, "hsqs")) handled = try_filesystem(d, i, parent, "squashfs", depth, next);
        break;
      case 's':
        if (at(d, i, "sqsh") && i + 32 <= d.size()) {
          record_error(parent, fmt::format("big-endian squashfs at {} not supported by libsquashfs",
                                           hex_offset(i)));
        }
        break;
      case 0x45:
        if (at(d, i, "\x45\x3d\xcd\x28"))
          handled = try_filesystem(d, i, parent, "cramfs", depth, next);
        break;
      case 0x85:
      case 0x19:
        if (jffs2_magic(d, i)) {
          handled = try_filesystem(d, i, parent, "jffs2", depth, next);
        }
        break;
      case '0':
      case 0xc7:
      case 0x71:
        if (cpio_magic(d, i)) handled = try_filesystem(d, i, parent, "cpio", depth, next);
        break;
      case 'P':
        if (at(d, i, "PK\x03\x04")) handled = try_filesystem(d, i, parent, "zip", depth, next);
        break;
      case 0x1f:
        if (at(d, i, "\x1f\x8b\x08") && i + 10 <= d.size() &&
            (static_cast<unsigned char>(d[i + 3]) & 0xE0) == 0) {
          handled = try_stream(d, i, parent, "gzip", depth, next);
        }
        break;
      case 0xfd:
        if (at(d, i,
               "\xfd"
               "7zXZ\0"))
          handled = try_stream(d, i, parent, "xz", depth, next);
        break;
      case 0x28:
        if (at(d, i, "\x28\xb5\x2f\xfd")) handled = try_stream(d, i, parent, "zstd", depth, next);
        break;
      case 'B':
        if (at(d, i, "BZh") && i + 10 <= d.size() && d[i + 3] >= '1' && d[i + 3] <= '9' &&
            at(d, i + 4, "\x31\x41\x59\x26\x53\x59")) {
          handled = try_stream(d, i, parent, "bzip2", depth, next);
        }
        break;
      case 0x5d:
        if (plausible_lzma_header(d.substr(i)))
          handled = try_stream(d, i, parent, "lzma", depth, next);
        break;
      case 0x27:
        if (at(d, i, "\x27\x05\x19\x56")) handled = try_header(d, i, parent, "uimage", depth, next);
        break;
      case 0xd0:
        if (at(d, i, "\xd0\x0d\xfe\xed")) handled = try_header(d, i, parent, "fit", depth, next);
        break;
      case 'H':
        if (at(d, i, "HDR0")) handled = try_header(d, i, parent, "trx", depth, next);
        break;
      case 'U':
        if (at(d, i, "UBI#")) handled = try_ubi(d, i, parent, depth, next);
        break;
      case 0x31:
        // A UBIFS superblock node: magic 0x06101831 (LE) and node type 6.
        if (at(d, i, "\x31\x18\x10\x06") && i + 24 <= d.size() && d[i + 20] == 6)
          handled = try_filesystem(d, i, parent, "ubifs", depth, next);
        break;
      default:
        break;
    }
    if (!handled && i + 512 <= d.size() && i % 512 == 0 && tar_magic(d, i)) {
      handled = try_filesystem(d, i, parent, "tar", depth, next);
    }
    if (!handled && i == 0 && at(d, 4, std::string_view("ver. 2.0", 8))) {
      handled = try_header(d, i, parent, "tplink", depth, next);
    }
    i = std::max(next, i + 1);
  }
}

bool Extractor::try_stream(Bytes d, std::size_t i, const std::string& parent,
                           const std::string& format, int depth, std::size_t& next) {
  Decoded out;
  const Bytes from = d.substr(i);
  if (format == "gzip")
    out = decode_gzip(from, budget_);
  else if (format == "xz")
    out = decode_xz(from, budget_);
  else if (format == "zstd")
    out = decode_zstd(from, budget_);
  else if (format == "bzip2")
    out = decode_bzip2(from, budget_);
  else
    out = decode_lzma_alone(from, budget_);
  // A magic that decodes to (almost) nothing was a false positive; only LZMA, whose "magic" is
  // weak, needs more than a few bytes of output to count. LZMA has no real magic: only a stream
  // that reaches its end marker, or decodes a good stretch before damage, counts.
  if (out.output.empty()) return false;
  if (format == "lzma" && !out.complete && out.output.size() < 64 * 1024) return false;
  if (format != "lzma" && !out.complete && out.output.size() < 512) return false;
  Chunk c;
  c.id = child_id(parent, base_ + i, format);
  c.format = format;
  c.parent = parent;
  c.offset = base_ + i;
  c.end = base_ + i + out.consumed;
  c.output_bytes = out.output.size();
  c.depth = depth;
  if (!out.error.empty())
    c.error = fmt::format("at {}: {}", hex_offset(base_ + i + out.consumed), out.error);
  const std::string id = c.id;
  add_chunk(std::move(c));
  next = i + std::max<std::uint64_t>(out.consumed, 1);
  if (out.output.find("Linux version ") != std::string::npos) {
    out_.chunks.back().detail = "Linux kernel";
  }
  keep_blob(id, std::move(out.output), depth);
  return true;
}

bool Extractor::try_ubi(Bytes d, std::size_t i, const std::string& parent, int depth,
                        std::size_t& next) {
  UbiRead u = read_ubi(d.substr(i), budget_);
  if (u.volumes.empty() && u.size == 0) return false;
  Chunk c;
  const std::uint64_t base = base_;
  c.id = child_id(parent, base + i, "ubi");
  c.format = "ubi";
  c.parent = parent;
  c.offset = base + i;
  c.end = base + i + std::max<std::uint64_t>(u.size, 1);
  c.depth = depth;
  std::vector<std::string> names;
  for (const auto& v : u.volumes) names.push_back(fmt::format("'{}'", v.name));
  c.detail = fmt::format("UBI, PEB {} KiB, LEB {} bytes, {} volumes: {}", u.peb_size / 1024,
                         u.leb_size, u.volumes.size(), fmt::join(names, ", "));
  c.error = u.error;
  const std::string id = c.id;
  add_chunk(std::move(c));
  next = i + std::max<std::uint64_t>(u.size, 1);
  // Each volume is a stream of its own (a squashfs, a UBIFS, a kernel), scanned one level deeper.
  for (auto& v : u.volumes) {
    Chunk vc;
    vc.id = fmt::format("{}/{}.ubi-volume-{}", id, hex_offset(v.first_peb), v.id);
    vc.format = "ubi-volume";
    vc.parent = id;
    vc.offset = v.first_peb;
    vc.end = v.first_peb + u.peb_size;  // volumes are scattered over PEBs: the first one
    vc.output_bytes = v.data.size();
    vc.depth = depth + 1;
    vc.detail = fmt::format("volume {} '{}', {}, {} LEBs", v.id, v.name,
                            v.dynamic ? "dynamic" : "static", v.lebs);
    const std::string vid = vc.id;
    add_chunk(std::move(vc));
    keep_blob(vid, std::move(v.data), depth + 1);
  }
  return true;
}

bool Extractor::try_header(Bytes d, std::size_t i, const std::string& parent,
                           const std::string& format, int depth, std::size_t& next) {
  const Bytes from = d.substr(i);
  Parsed p;
  if (format == "uimage")
    p = parse_uimage(from);
  else if (format == "trx")
    p = parse_trx(from);
  else if (format == "fit")
    p = parse_fit(from);
  else
    p = parse_tplink(from);
  if (!p.valid) return false;
  Chunk c;
  c.id = child_id(parent, base_ + i, format);
  c.format = format == "fit" && p.parts.empty() ? "dtb" : format;
  c.parent = parent;
  c.offset = base_ + i;
  c.end = base_ + i + p.size;
  c.depth = depth;
  c.detail = p.detail;
  c.error = p.error;
  const std::string id = c.id;
  add_chunk(std::move(c));
  for (const auto& part : p.parts) {
    payload(from.substr(part.offset, part.size), id, part.offset, part.compression, depth + 1);
  }
  // A bare header (TP-Link) only covers itself; the scan goes on after it.
  next = i + std::max<std::uint64_t>(p.size, 1);
  return true;
}

// ---- Writing the extracted tree ----

namespace {
std::string safe_component(std::string s) {
  for (char& c : s) {
    if (c == '/' || c == ':' || c == '\0') c = '_';
  }
  if (s == "." || s == ".." || s.empty()) s = "_" + s;
  return s;
}

bool write_exclusive(const std::filesystem::path& path, Bytes data, std::string& error) {
  // O_NOFOLLOW: the tree never contains symlinks we made, and a pre-existing one is not followed.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = fmt::format("{}: {}", path.string(), std::strerror(errno));
    return false;
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      error = fmt::format("{}: {}", path.string(), std::strerror(errno));
      ::close(fd);
      return false;
    }
    done += std::size_t(n);
  }
  ::close(fd);
  return true;
}
}  // namespace

std::uint64_t write_tree(const Analysis& analysis, const std::list<Blob>& blobs,
                         const std::filesystem::path& root, std::vector<std::string>& errors) {
  namespace fs = std::filesystem;
  fs::create_directories(root);
  // Directories first, in order, by us; then the files, written on two threads (the writes are
  // system calls that overlap well), each job reporting into its own slot.
  struct Job {
    fs::path target;
    Bytes data;
    std::string error;
  };
  std::vector<Job> jobs;
  for (const auto& blob : blobs)
    jobs.push_back(Job{root / (safe_component(blob.id) + ".bin"), blob.data, {}});
  std::set<fs::path> made;  // directories created (or verified) so far
  auto make_dir = [&](const fs::path& dir) {
    if (made.count(dir)) return true;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (fs::is_symlink(dir) || !fs::is_directory(dir)) return false;
    made.insert(dir);
    return true;
  };
  for (const auto& filesystem : analysis.filesystems) {
    const fs::path base = root / safe_component(filesystem.chunk);
    make_dir(base);
    for (const auto& e : filesystem.entries) {
      // Paths are normalised ("/a/b", no "." or ".."), so base / relative stays below base; every
      // component is created by us as a real directory, never a link.
      fs::path target = base;
      std::string rel = e.path.substr(1);
      std::size_t start = 0;
      while (start < rel.size()) {
        std::size_t slash = rel.find('/', start);
        if (slash == std::string::npos) slash = rel.size();
        target /= rel.substr(start, slash - start);
        start = slash + 1;
      }
      if (e.type == EntryType::directory) {
        if (!make_dir(target))
          errors.push_back(fmt::format("{}: not a directory", target.string()));
        continue;
      }
      if (e.type != EntryType::regular) continue;  // links, devices, FIFOs: recorded, never created
      if (!make_dir(target.parent_path())) {
        errors.push_back(
            fmt::format("{}: parent is not a directory; not written", target.string()));
        continue;
      }
      jobs.push_back(Job{std::move(target), e.data, {}});
    }
  }
  parallel_for(jobs.size(), [&](std::size_t k) {
    write_exclusive(jobs[k].target, jobs[k].data, jobs[k].error);
  });
  std::uint64_t written = 0;
  for (auto& job : jobs) {
    if (job.error.empty())
      ++written;
    else
      errors.push_back(std::move(job.error));
  }
  return written;
}

}  // namespace kensa::firmware::detail
