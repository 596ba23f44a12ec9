// cramfs reader, written by hand: Debian has no library that reads cramfs (only the fsck.cramfs
// tool, which rejects the newer block-pointer extensions that embedded images such as the
// ESP32-S3 Buildroot rootfs use). Layout facts from the Linux kernel's cramfs documentation:
// a 64-byte superblock, 12-byte inodes followed by the 4-byte padded name, directories as runs of
// child inodes, files as an array of block pointers followed by zlib blocks of 4096 bytes. With
// CRAMFS_FLAG_EXT_BLOCK_POINTERS a pointer may carry "uncompressed" (bit 31) and "direct" (bit 30,
// value = start >> 2) flags. Little-endian images only.
#include <fmt/format.h>
#include <sys/stat.h>

#include <set>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {

constexpr std::uint32_t kMagic = 0x28cd3d45;
constexpr std::uint32_t kFlagExtBlockPointers = 0x800;
constexpr std::uint32_t kBlockUncompressed = 1u << 31;
constexpr std::uint32_t kBlockDirect = 1u << 30;
constexpr std::uint32_t kBlockFlags = kBlockUncompressed | kBlockDirect;
constexpr std::uint32_t kPage = 4096;
constexpr int kMaxDepth = 64;

struct Inode {
  std::uint32_t mode, uid, size, gid, namelen, offset;
};

Inode inode_at(Bytes d, std::size_t at) {
  const std::uint32_t w0 = le32(d, at), w1 = le32(d, at + 4), w2 = le32(d, at + 8);
  return Inode{w0 & 0xFFFF, w0 >> 16, w1 & 0xFFFFFF, w1 >> 24, (w2 & 0x3F) * 4, (w2 >> 6) * 4};
}

class Reader {
 public:
  Reader(Bytes d, std::uint32_t flags, Budget& budget, FsRead& out)
      : d_(d), flags_(flags), budget_(budget), out_(out) {}

  void directory(const Inode& dir, const std::string& path, int depth) {
    if (depth > kMaxDepth)
      return fail(fmt::format("{}: directories nested deeper than {}", path, kMaxDepth));
    if (!visited_.insert(dir.offset).second && dir.size > 0)
      return fail(fmt::format("{}: directory loop", path));
    std::size_t at = dir.offset;
    const std::size_t end = std::size_t(dir.offset) + dir.size;
    if (end > d_.size()) return fail(fmt::format("{}: directory beyond the image end", path));
    while (at + 12 <= end && out_.error.empty()) {
      const Inode child = inode_at(d_, at);
      at += 12;
      if (child.namelen == 0 || at + child.namelen > end)
        return fail(fmt::format("{}: damaged directory entry at {}", path, hex_offset(at - 12)));
      std::string name(d_.substr(at, child.namelen));
      name.resize(name.find('\0') == std::string::npos ? name.size() : name.find('\0'));
      at += child.namelen;
      Entry e;
      bool escaped = false;
      e.path = normalize_entry_path(path + "/" + name, escaped);
      e.type = entry_type_of_mode(child.mode);
      e.mode = child.mode & 07777;
      e.uid = child.uid;
      e.gid = child.gid;
      if (auto err = budget_.charge_file()) return fail(*err);
      if (e.type == EntryType::regular || e.type == EntryType::symlink) {
        std::string content = file_data(child, e.path);
        if (e.type == EntryType::symlink) {
          e.link_target = std::move(content);
        } else {
          e.data = std::move(content);
        }
      }
      const bool is_dir = e.type == EntryType::directory;
      const std::string child_path = e.path;
      out_.entries.push_back(std::move(e));
      if (is_dir && child.size > 0) directory(child, child_path, depth + 1);
    }
  }

 private:
  void fail(std::string message) {
    if (out_.error.empty()) out_.error = std::move(message);
  }

  std::string file_data(const Inode& file, const std::string& path) {
    std::string data;
    if (file.size == 0) return data;
    const std::uint32_t blocks = (file.size + kPage - 1) / kPage;
    const std::size_t pointers = file.offset;
    if (pointers + std::size_t(blocks) * 4 > d_.size()) {
      fail(fmt::format("{}: block pointers beyond the image end", path));
      return data;
    }
    data.reserve(file.size);
    for (std::uint32_t i = 0; i < blocks; ++i) {
      const std::uint32_t expect = std::min<std::uint32_t>(kPage, file.size - i * kPage);
      std::uint32_t ptr = le32(d_, pointers + i * 4);
      const bool ext = flags_ & kFlagExtBlockPointers;
      const bool uncompressed = ext && (ptr & kBlockUncompressed);
      const bool direct = ext && (ptr & kBlockDirect);
      if (ext) ptr &= ~kBlockFlags;
      std::size_t start = 0, len = 0;
      if (direct) {
        start = std::size_t(ptr) << 2;
        if (uncompressed) {
          len = expect;
        } else {
          if (start + 2 > d_.size()) return damaged(path, i, data);
          len = le16(d_, start);
          start += 2;
        }
      } else {
        if (i == 0) {
          start = pointers + std::size_t(blocks) * 4;
        } else {
          std::uint32_t prev = le32(d_, pointers + (i - 1) * 4);
          if (ext && (prev & kBlockDirect)) {
            std::size_t prev_start = std::size_t(prev & ~kBlockFlags) << 2;
            if (prev & kBlockUncompressed) {
              start = prev_start + kPage;
            } else {
              if (prev_start + 2 > d_.size()) return damaged(path, i, data);
              start = prev_start + 2 + le16(d_, prev_start);
            }
          } else {
            start = ext ? (prev & ~kBlockFlags) : prev;
          }
        }
        if (ptr < start) return damaged(path, i, data);
        len = ptr - start;
      }
      if (start + len > d_.size()) return damaged(path, i, data);
      if (len == 0) {
        data.append(expect, '\0');  // a hole
      } else if (uncompressed) {
        data.append(d_.substr(start, std::min<std::size_t>(len, expect)));
      } else {
        Decoded block = decode_zlib(d_.substr(start, len), kPage);
        if (!block.complete && block.output.size() < expect) return damaged(path, i, data);
        data.append(block.output);
      }
      if (auto err = budget_.charge_bytes(expect, 0, data.size())) {
        fail(*err);
        return data;
      }
    }
    if (data.size() > file.size) data.resize(file.size);
    return data;
  }

  std::string& damaged(const std::string& path, std::uint32_t block, std::string& data) {
    fail(fmt::format("{}: damaged block {}", path, block));
    return data;
  }

  Bytes d_;
  std::uint32_t flags_;
  Budget& budget_;
  FsRead& out_;
  std::set<std::uint32_t> visited_;
};

}  // namespace

FsRead read_cramfs(Bytes data, Budget& budget) {
  FsRead r;
  if (data.size() < 76 || le32(data, 0) != kMagic || data.substr(16, 16) != "Compressed ROMFS") {
    r.error = "not a little-endian cramfs";
    return r;
  }
  const std::uint32_t size = le32(data, 4);
  const std::uint32_t flags = le32(data, 8);
  if (size < 76 || size > data.size()) {
    r.error = fmt::format("cramfs size {} beyond the available {} bytes", size, data.size());
    r.size = data.size();
  } else {
    r.size = size;
  }
  const Bytes image = data.substr(0, r.size);
  r.detail = fmt::format("cramfs, {} bytes, {} files, flags 0x{:x}", size, le32(data, 44), flags);
  const Inode root = inode_at(image, 64);
  Reader reader(image, flags, budget, r);
  if (auto err = budget.charge_file()) {
    r.error = *err;
    return r;
  }
  r.entries.push_back(
      Entry{"/", EntryType::directory, root.mode & 07777, root.uid, root.gid, {}, {}});
  reader.directory(root, "", 0);
  return r;
}

}  // namespace kensa::firmware::detail
