// UBI images and UBIFS filesystems, read by hand: Debian has no library for either (mtd-utils
// ships tools that need a kernel MTD device, ubi_reader is Python). Layout facts from the Linux
// kernel's ubi-media.h and ubifs-media.h:
//
// UBI: every physical erase block (PEB) starts with a 64-byte erase-counter header ("UBI#",
// big-endian, with the offsets of the volume-id header and of the data), then a volume-id header
// ("UBI!": volume id, logical block number, sequence number). A volume is its logical erase
// blocks (LEBs) in order; the layout volume (id 0x7FFFEFFF) holds the volume table (names).
//
// UBIFS: little-endian nodes with a 24-byte common header (magic 0x06101831, CRC, sequence
// number, length, type). The superblock node (LEB 0) gives the LEB size; the master node (LEB 1)
// gives the root of the index B+-tree, whose leaves are inode, directory-entry and data nodes
// (4096-byte blocks, uncompressed, LZO, zlib raw deflate or zstd). The committed index is read;
// a journal not yet committed (buds in the log) is not replayed, which images built by
// mkfs.ubifs never need and a dump of a running device may.
#include <fmt/format.h>
#include <lzo/lzo1x.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {

// The CRC of UBI and UBIFS headers: CRC-32 (reflected 0xEDB88320) seeded with ~0 and not
// inverted at the end, i.e. the complement of zlib's crc32.
std::uint32_t ubi_crc(Bytes d) {
  return ~static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(d.data()), static_cast<uInt>(d.size())));
}

std::uint64_t be64(Bytes b, std::size_t at) {
  return (std::uint64_t(be32(b, at)) << 32) | be32(b, at + 4);
}
std::uint64_t le64(Bytes b, std::size_t at) {
  return (std::uint64_t(le32(b, at + 4)) << 32) | le32(b, at);
}

constexpr std::uint32_t kLayoutVolume = 0x7FFFEFFF;
constexpr std::size_t kVtblRecord = 172;

bool ec_header_at(Bytes d, std::size_t at) {
  return at + 64 <= d.size() && d.compare(at, 4, "UBI#") == 0 &&
         ubi_crc(d.substr(at, 60)) == be32(d, at + 60);
}

}  // namespace

UbiRead read_ubi(Bytes data, Budget& budget) {
  UbiRead r;
  if (!ec_header_at(data, 0)) {
    r.error = "damaged UBI erase-counter header";
    return r;
  }
  const std::uint32_t vid_offset = be32(data, 16), data_offset = be32(data, 20);
  // The PEB size is not recorded: it is the distance to the next erase-counter header.
  std::size_t peb = 0;
  for (std::size_t size = 512; size <= (8u << 20); size *= 2) {
    if (ec_header_at(data, size)) {
      peb = size;
      break;
    }
  }
  if (peb == 0) peb = data.size();
  if (vid_offset + 64 > peb || data_offset >= peb || data_offset < 64) {
    r.error = fmt::format("implausible UBI header offsets (VID {}, data {}, PEB {})", vid_offset,
                          data_offset, peb);
    return r;
  }
  r.peb_size = peb;
  r.leb_size = peb - data_offset;
  struct Leb {
    std::size_t peb_start;
    std::uint64_t sqnum;
    std::uint32_t data_size;
    std::uint8_t vol_type;
  };
  std::map<std::uint32_t, std::map<std::uint32_t, Leb>> volumes;  // vol_id → lnum → block
  std::size_t at = 0;
  for (; at + peb <= data.size() || (at < data.size() && at == 0); at += peb) {
    if (!ec_header_at(data, at)) {
      // An erased (0xFF) block belongs to the image; anything else ends it.
      if (data.substr(at, 64).find_first_not_of('\xff') != Bytes::npos) break;
      continue;
    }
    const std::size_t vid = at + be32(data, at + 16);
    if (vid + 64 > data.size()) break;
    if (data.compare(vid, 4, "UBI!") != 0) continue;  // a free PEB: no volume-id header
    if (ubi_crc(data.substr(vid, 60)) != be32(data, vid + 60)) {
      r.error = fmt::format("damaged UBI volume-id header at {}", hex_offset(vid));
      continue;
    }
    const std::uint32_t vol = be32(data, vid + 8), lnum = be32(data, vid + 12);
    Leb leb{at, be64(data, vid + 40), be32(data, vid + 20),
            static_cast<std::uint8_t>(data[vid + 5])};
    auto& slot = volumes[vol];
    auto it = slot.find(lnum);
    if (it == slot.end() || it->second.sqnum < leb.sqnum) slot[lnum] = leb;
  }
  r.size = std::min<std::size_t>(at, data.size());
  std::map<std::uint32_t, std::string> names;
  if (auto layout = volumes.find(kLayoutVolume);
      layout != volumes.end() && layout->second.count(0)) {
    const Bytes table = data.substr(layout->second[0].peb_start + data_offset, r.leb_size);
    for (std::uint32_t k = 0; (k + 1) * kVtblRecord <= table.size() && k < 128; ++k) {
      const Bytes rec = table.substr(k * kVtblRecord, kVtblRecord);
      if (be32(rec, 0) == 0) continue;  // reserved_pebs: an unused slot
      const std::uint16_t name_len = std::min<std::uint16_t>(be16(rec, 14), 127);
      names[k] = std::string(rec.substr(16, name_len));
    }
  }
  for (auto& [vol, lebs] : volumes) {
    if (vol == kLayoutVolume || lebs.empty()) continue;
    UbiVolume v;
    v.id = vol;
    v.name = names.count(vol) ? names[vol] : fmt::format("volume{}", vol);
    v.first_peb = lebs.begin()->second.peb_start;
    v.dynamic = lebs.begin()->second.vol_type != 2;
    v.lebs = lebs.size();
    const std::uint32_t last = lebs.rbegin()->first;
    if (std::uint64_t(last + 1) * r.leb_size > budget.limits().max_file_bytes) {
      r.error = fmt::format("volume '{}' larger than the per-file limit", v.name);
      continue;
    }
    for (std::uint32_t lnum = 0; lnum <= last; ++lnum) {
      auto it = lebs.find(lnum);
      std::size_t length = r.leb_size;
      if (it != lebs.end() && !v.dynamic)
        length = std::min<std::size_t>(it->second.data_size, length);
      if (auto err = budget.charge_bytes(length, 0, v.data.size() + length)) {
        r.error = *err;
        break;
      }
      if (it == lebs.end()) {
        v.data.append(length, '\xff');  // an unmapped LEB reads as erased flash
      } else {
        v.data.append(data.substr(it->second.peb_start + data_offset, length));
      }
    }
    r.volumes.push_back(std::move(v));
  }
  if (r.volumes.empty() && r.error.empty()) r.error = "UBI image without volumes";
  return r;
}

// ---- UBIFS ----

namespace {

constexpr std::uint32_t kNodeMagic = 0x06101831;
enum NodeType : std::uint8_t {
  kInode = 0,
  kData = 1,
  kDent = 2,
  kXent = 3,
  kSuper = 6,
  kMaster = 7,
  kIndex = 9
};
constexpr std::uint32_t kBlock = 4096;
constexpr std::uint64_t kRootInode = 1;
constexpr int kMaxIndexLevels = 64;

struct Node {
  Bytes bytes;  // the whole node
  std::uint8_t type = 0;
};

class UbifsReader {
 public:
  UbifsReader(Bytes d, Budget& budget, FsRead& out) : d_(d), budget_(budget), out_(out) {}

  void run() {
    const auto sb = node_at(0, 0);
    if (!sb || sb->type != kSuper || sb->bytes.size() < 88) {
      out_.error = "damaged UBIFS superblock node";
      return;
    }
    min_io_ = le32(sb->bytes, 32);
    leb_size_ = le32(sb->bytes, 36);
    const std::uint32_t leb_cnt = le32(sb->bytes, 40);
    if (leb_size_ < 4096 || leb_size_ > (8u << 20) || min_io_ == 0 || min_io_ > leb_size_) {
      out_.error =
          fmt::format("implausible UBIFS geometry (LEB {}, min I/O {})", leb_size_, min_io_);
      return;
    }
    out_.size = std::min<std::uint64_t>(std::uint64_t(leb_cnt) * leb_size_, d_.size());
    static const char* const kCompr[] = {"none", "lzo", "zlib", "zstd"};
    const std::uint16_t compr = le16(sb->bytes, 84);
    out_.detail = fmt::format("UBIFS, LEB {}, {} LEBs, default compression {}", leb_size_, leb_cnt,
                              compr < 4 ? kCompr[compr] : "unknown");
    // The master node is written at each commit into LEBs 1 and 2; the newest copy wins.
    std::optional<Node> master;
    std::uint64_t best = 0;
    for (std::uint32_t lnum : {1u, 2u}) {
      for (std::uint32_t offs = 0; offs + 24 <= leb_size_; offs += min_io_) {
        const auto m = node_at(lnum, offs);
        if (!m) break;
        if (m->type == kMaster && m->bytes.size() >= 80 && le64(m->bytes, 8) >= best) {
          best = le64(m->bytes, 8);
          master = m;
        }
      }
    }
    if (!master) {
      out_.error = "no valid UBIFS master node";
      return;
    }
    index(le32(master->bytes, 48), le32(master->bytes, 52), 0);
    build_tree();
  }

 private:
  std::optional<Node> node_at(std::uint64_t lnum, std::uint64_t offs) const {
    const std::uint64_t at = lnum * leb_size_ + offs;
    if ((leb_size_ && offs >= leb_size_) || at + 24 > d_.size()) return std::nullopt;
    if (le32(d_, at) != kNodeMagic) return std::nullopt;
    const std::uint32_t len = le32(d_, at + 16);
    if (len < 24 || len > d_.size() - at || (leb_size_ && offs + len > leb_size_))
      return std::nullopt;
    const Bytes bytes = d_.substr(at, len);
    if (ubi_crc(bytes.substr(8)) != le32(bytes, 4)) return std::nullopt;
    return Node{bytes, static_cast<std::uint8_t>(bytes[20])};
  }

  void index(std::uint32_t lnum, std::uint32_t offs, int depth) {
    if (!out_.error.empty()) return;
    if (depth > kMaxIndexLevels || !visited_.insert((std::uint64_t(lnum) << 32) | offs).second) {
      out_.error = "UBIFS index loop or too deep";
      return;
    }
    const auto n = node_at(lnum, offs);
    if (!n) {
      out_.error = fmt::format("damaged UBIFS node at LEB {} offset {}", lnum, offs);
      return;
    }
    if (n->type != kIndex) {
      leaf(*n);
      return;
    }
    if (n->bytes.size() < 28) return;
    const std::uint16_t children = le16(n->bytes, 24);
    constexpr std::size_t kBranch = 12 + 8;  // lnum, offs, len, 8-byte key (simple key format)
    for (std::size_t k = 0; k < children && 28 + (k + 1) * kBranch <= n->bytes.size(); ++k) {
      const std::size_t b = 28 + k * kBranch;
      index(le32(n->bytes, b), le32(n->bytes, b + 4), depth + 1);
      if (!out_.error.empty()) return;
    }
  }

  void leaf(const Node& n) {
    const Bytes b = n.bytes;
    if (b.size() < 48) return;
    const std::uint64_t inum = le32(b, 24);
    switch (n.type) {
      case kInode:
        if (b.size() >= 160) inodes_[inum] = b;
        break;
      case kDent:
        if (b.size() >= 56) {
          const std::uint16_t nlen = le16(b, 50);
          if (56 + std::size_t(nlen) <= b.size())
            dents_[inum].push_back({std::string(b.substr(56, nlen)), le64(b, 40)});
        }
        break;
      case kData:
        data_[inum][le32(b, 28) & 0x1FFFFFFF] = b;
        break;
      default:
        break;  // extended attributes and others: not needed for the checks
    }
  }

  // Decompresses one data node into out (kBlock bytes at most). False when damaged.
  bool block(Bytes node, char* out, std::size_t want) {
    const std::uint16_t type = le16(node, 44);
    const Bytes payload = node.substr(48);
    std::size_t got = 0;
    switch (type) {
      case 0:
        got = std::min(payload.size(), want);
        std::memcpy(out, payload.data(), got);
        break;
      case 1: {
        lzo_uint len = want;
        if (lzo1x_decompress_safe(reinterpret_cast<const unsigned char*>(payload.data()),
                                  payload.size(), reinterpret_cast<unsigned char*>(out), &len,
                                  nullptr) != LZO_E_OK)
          return false;
        got = len;
        break;
      }
      case 2: {
        z_stream s{};
        if (inflateInit2(&s, -MAX_WBITS) != Z_OK) return false;
        s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
        s.avail_in = static_cast<uInt>(payload.size());
        s.next_out = reinterpret_cast<Bytef*>(out);
        s.avail_out = static_cast<uInt>(want);
        const int rc = inflate(&s, Z_FINISH);
        got = want - s.avail_out;
        inflateEnd(&s);
        if (rc != Z_STREAM_END && got != want) return false;
        break;
      }
      case 3: {
        const std::size_t n = ZSTD_decompress(out, want, payload.data(), payload.size());
        if (ZSTD_isError(n)) return false;
        got = n;
        break;
      }
      default:
        return false;
    }
    return got == std::min<std::size_t>(le32(node, 40), want);
  }

  void build_tree() {
    std::set<std::uint64_t> on_path;
    std::function<void(std::uint64_t, const std::string&, int)> walk =
        [&](std::uint64_t dir, const std::string& path, int depth) {
          auto it = dents_.find(dir);
          if (it == dents_.end() || depth > 64 || !on_path.insert(dir).second) return;
          for (const auto& [name, inum] : it->second) {
            if (!out_.error.empty()) return;
            Entry e;
            bool escaped = false;
            e.path = normalize_entry_path(path + "/" + name, escaped);
            auto ino = inodes_.find(inum);
            if (ino == inodes_.end()) {
              out_.error = fmt::format("{}: inode {} missing from the index", e.path, inum);
              return;
            }
            const Bytes b = ino->second;
            const std::uint32_t mode = le32(b, 104);
            e.type = entry_type_of_mode(mode);
            e.mode = mode & 07777;
            e.uid = le32(b, 96);
            e.gid = le32(b, 100);
            if (auto err = budget_.charge_file()) {
              out_.error = *err;
              return;
            }
            const std::uint32_t inline_len = le32(b, 112);
            if (e.type == EntryType::symlink && 160 + std::size_t(inline_len) <= b.size()) {
              e.link_target = std::string(b.substr(160, inline_len));
            } else if (e.type == EntryType::regular) {
              file_data(inum, le64(b, 48), e);
            }
            const bool is_dir = e.type == EntryType::directory;
            const std::string child = e.path;
            out_.entries.push_back(std::move(e));
            if (is_dir) walk(inum, child, depth + 1);
          }
          on_path.erase(dir);
        };
    walk(kRootInode, "", 0);
  }

  void file_data(std::uint64_t inum, std::uint64_t size, Entry& e) {
    if (size > budget_.limits().max_file_bytes) {
      out_.error = fmt::format("{}: file of {} bytes above the per-file limit", e.path, size);
      return;
    }
    if (auto err = budget_.charge_bytes(size, 0, size)) {
      out_.error = *err;
      return;
    }
    std::string content(size, '\0');  // holes read as zeros
    auto it = data_.find(inum);
    if (it != data_.end()) {
      for (const auto& [blk, node] : it->second) {
        const std::uint64_t at = std::uint64_t(blk) * kBlock;
        if (at >= size) continue;
        if (!block(node, content.data() + at, std::min<std::uint64_t>(kBlock, size - at))) {
          out_.error = fmt::format("{}: damaged data node for block {}", e.path, blk);
          break;
        }
      }
    }
    e.data = std::move(content);
  }

  Bytes d_;
  Budget& budget_;
  FsRead& out_;
  std::uint32_t min_io_ = 0, leb_size_ = 0;
  std::set<std::uint64_t> visited_;
  std::map<std::uint64_t, Bytes> inodes_;
  std::map<std::uint64_t, std::vector<std::pair<std::string, std::uint64_t>>> dents_;
  std::map<std::uint64_t, std::map<std::uint32_t, Bytes>> data_;
};

}  // namespace

FsRead read_ubifs(Bytes data, Budget& budget) {
  static const bool lzo_ready = lzo_init() == LZO_E_OK;
  FsRead r;
  if (!lzo_ready) {
    r.error = "liblzo2 failed to initialise";
    return r;
  }
  UbifsReader(data, budget, r).run();
  return r;
}

}  // namespace kensa::firmware::detail
