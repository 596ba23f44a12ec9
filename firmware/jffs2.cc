// JFFS2 reader, written by hand: Debian has no library that reads a JFFS2 image outside the kernel
// (mtd-utils only builds images and dumps nodes). Layout facts from the kernel's
// include/uapi/linux/jffs2.h: a log of nodes, each with a 12-byte header (magic 0x1985, type,
// total length, header CRC), 4-byte aligned, in either byte order. Directory entries map
// (parent inode, name) to an inode; inode nodes carry a fragment of a file's data; the highest
// version wins. Compression: none, zero, rtime, zlib and LZMA (kernel's fixed raw-LZMA settings);
// rubin and LZO fragments are reported and left as zeros.
#include <fmt/format.h>
#include <lzma.h>
#include <sys/stat.h>

#include <map>
#include <set>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {

constexpr std::uint16_t kMagic = 0x1985;
constexpr std::uint16_t kDirent = 0xE001;
constexpr std::uint16_t kInode = 0xE002;

struct Fragment {
  std::uint32_t version, offset;
  std::string data;
};

struct InodeState {
  std::uint32_t version = 0, mode = 0, uid = 0, gid = 0, size = 0;
  std::vector<Fragment> fragments;
  bool seen = false;
};

struct Dirent {
  std::uint32_t version = 0, ino = 0;
  std::uint8_t type = 0;
};

// rtime: the kernel's simple run-length/back-reference scheme.
std::string rtime_decompress(Bytes in, std::size_t out_len) {
  std::string out(out_len, '\0');
  int positions[256] = {};
  std::size_t inpos = 0, outpos = 0;
  while (outpos < out_len && inpos + 1 < in.size()) {
    const unsigned char value = static_cast<unsigned char>(in[inpos++]);
    out[outpos++] = static_cast<char>(value);
    unsigned repeat = static_cast<unsigned char>(in[inpos++]);
    std::size_t backoffs = static_cast<std::size_t>(positions[value]);
    positions[value] = static_cast<int>(outpos);
    while (repeat-- > 0 && outpos < out_len) {
      if (backoffs >= outpos) break;
      out[outpos++] = out[backoffs++];
    }
  }
  return out;
}

// `damaged` is set when the stream breaks before `out_len` bytes: the bytes decoded before the
// damage are valid and returned (the fragment comes out short rather than lost).
std::string lzma_decompress(Bytes in, std::size_t out_len, bool& damaged) {
  // The kernel's JFFS2 LZMA: raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary.
  lzma_options_lzma opt{};
  lzma_lzma_preset(&opt, 0);
  opt.lc = 0;
  opt.lp = 0;
  opt.pb = 0;
  opt.dict_size = 0x2000;
  lzma_filter filters[2] = {{LZMA_FILTER_LZMA1, &opt}, {LZMA_VLI_UNKNOWN, nullptr}};
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_raw_decoder(&s, filters) != LZMA_OK) return {};
  std::string out(out_len, '\0');
  s.next_in = reinterpret_cast<const uint8_t*>(in.data());
  s.avail_in = in.size();
  s.next_out = reinterpret_cast<uint8_t*>(out.data());
  s.avail_out = out.size();
  // A complete node ends with LZMA_OK and a full buffer: raw LZMA1 here has no end marker.
  const lzma_ret rc = lzma_code(&s, LZMA_RUN);
  damaged = (rc != LZMA_OK && rc != LZMA_STREAM_END) || s.avail_out != 0;
  out.resize(out_len - s.avail_out);
  lzma_end(&s);
  return out;
}

}  // namespace

FsRead read_jffs2(Bytes d, Budget& budget) {
  FsRead r;
  if (d.size() < 12) return r;
  const bool le = le16(d, 0) == kMagic;
  if (!le && be16(d, 0) != kMagic) return r;
  auto u16 = [&](std::size_t at) { return le ? le16(d, at) : be16(d, at); };
  auto u32 = [&](std::size_t at) { return le ? le32(d, at) : be32(d, at); };
  std::map<std::uint32_t, InodeState> inodes;
  std::map<std::pair<std::uint32_t, std::string>, Dirent> dirents;
  std::size_t at = 0, nodes = 0, gap = 0, unsupported = 0, damaged_lzma = 0;
  std::uint64_t bytes = 0;
  while (at + 12 <= d.size()) {
    if (u16(at) != kMagic) {
      at += 4;
      // A run of erased flash or foreign data ends the filesystem when it is long and not erased.
      if (++gap > 16384 && d[at - 1] != '\xff') break;
      continue;
    }
    const std::uint16_t type = u16(at + 2);
    const std::uint32_t totlen = u32(at + 4);
    if (totlen < 12 || totlen > d.size() - at) {
      at += 4;
      continue;
    }
    gap = 0;
    ++nodes;
    if (type == kDirent && totlen >= 40) {
      const std::uint32_t pino = u32(at + 12), version = u32(at + 16), ino = u32(at + 20);
      const std::uint8_t nsize = static_cast<std::uint8_t>(d[at + 28]);
      const std::uint8_t dtype = static_cast<std::uint8_t>(d[at + 29]);
      if (40u + nsize <= totlen) {
        std::string name(d.substr(at + 40, nsize));
        auto& slot = dirents[{pino, name}];
        if (version >= slot.version) slot = Dirent{version, ino, dtype};
      }
    } else if (type == kInode && totlen >= 68) {
      const std::uint32_t ino = u32(at + 12), version = u32(at + 16), mode = u32(at + 20);
      const std::uint32_t isize = u32(at + 28), offset = u32(at + 44), csize = u32(at + 48),
                          dsize = u32(at + 52);
      const std::uint8_t compr = static_cast<std::uint8_t>(d[at + 56]);
      auto& inode = inodes[ino];
      if (!inode.seen || version >= inode.version) {
        inode.version = version;
        inode.mode = mode;
        inode.uid = u16(at + 24);
        inode.gid = u16(at + 26);
        inode.size = isize;
        inode.seen = true;
      }
      if (dsize > 0 && 68u + csize <= totlen && dsize <= (1u << 20)) {
        const Bytes payload = d.substr(at + 68, csize);
        std::string data;
        switch (compr) {
          case 0x00:
            data = std::string(payload.substr(0, dsize));
            break;  // none
          case 0x01:
            data.assign(dsize, '\0');
            break;  // zero
          case 0x02:
            data = rtime_decompress(payload, dsize);
            break;
          case 0x06:
            data = decode_zlib(payload, dsize).output;
            break;
          case 0x08: {
            bool damaged = false;
            data = lzma_decompress(payload, dsize, damaged);
            damaged_lzma += damaged ? 1 : 0;
            break;
          }
          default:
            ++unsupported;
            data.assign(dsize, '\0');
        }
        bytes += data.size();
        if (auto err = budget.charge_bytes(data.size(), d.size(), bytes)) {
          r.error = *err;
          break;
        }
        inode.fragments.push_back(Fragment{version, offset, std::move(data)});
      }
    }
    at += (std::size_t(totlen) + 3) & ~std::size_t(3);
    r.size = std::min<std::size_t>(at, d.size());
  }
  if (nodes == 0) return FsRead{};
  // Paths from the directory entries; inode 1 is the root.
  std::map<std::uint32_t, std::pair<std::uint32_t, std::string>> parent_of;
  for (const auto& [key, dirent] : dirents) {
    if (dirent.ino != 0) parent_of[dirent.ino] = {key.first, key.second};
  }
  auto path_of = [&](std::uint32_t ino) -> std::optional<std::string> {
    std::vector<std::string> parts;
    std::set<std::uint32_t> seen;
    while (ino != 1) {
      auto it = parent_of.find(ino);
      if (it == parent_of.end() || !seen.insert(ino).second || parts.size() > 64)
        return std::nullopt;
      parts.push_back(it->second.second);
      ino = it->second.first;
    }
    std::string p;
    for (auto i = parts.rbegin(); i != parts.rend(); ++i) p += "/" + *i;
    bool escaped = false;
    return normalize_entry_path(p, escaped);
  };
  r.entries.push_back(Entry{"/", EntryType::directory, 0755, 0, 0, {}, {}});
  std::size_t orphans = 0;
  for (auto& [ino, dirent_parent] : parent_of) {
    const auto path = path_of(ino);
    if (!path) {
      ++orphans;
      continue;
    }
    if (auto err = budget.charge_file()) {
      r.error = *err;
      break;
    }
    Entry e;
    e.path = *path;
    auto it = inodes.find(ino);
    if (it == inodes.end()) {
      ++orphans;
      continue;
    }
    InodeState& inode = it->second;
    e.mode = inode.mode & 07777;
    e.uid = inode.uid;
    e.gid = inode.gid;
    e.type = entry_type_of_mode(inode.mode);
    if (e.type == EntryType::regular || e.type == EntryType::symlink) {
      std::sort(inode.fragments.begin(), inode.fragments.end(),
                [](const Fragment& a, const Fragment& b) { return a.version < b.version; });
      std::string data(std::min<std::uint32_t>(inode.size, 64u << 20), '\0');
      for (const auto& f : inode.fragments) {
        if (f.offset >= data.size()) continue;
        data.replace(f.offset, std::min(f.data.size(), data.size() - f.offset),
                     f.data.substr(0, data.size() - f.offset));
      }
      if (e.type == EntryType::symlink) {
        e.link_target = std::move(data);
      } else {
        e.data = std::move(data);
      }
    }
    r.entries.push_back(std::move(e));
  }
  std::sort(r.entries.begin() + 1, r.entries.end(),
            [](const Entry& a, const Entry& b) { return a.path < b.path; });
  r.detail = fmt::format("jffs2 {}, {} nodes, {} inodes", le ? "little-endian" : "big-endian",
                         nodes, inodes.size());
  std::vector<std::string> notes;
  if (unsupported)
    notes.push_back(
        fmt::format("{} fragments with rubin/LZO compression left as zeros", unsupported));
  if (damaged_lzma)
    notes.push_back(fmt::format("{} LZMA fragments damaged (kept up to the damage)", damaged_lzma));
  if (orphans) notes.push_back(fmt::format("{} inodes without a path", orphans));
  if (!notes.empty() && r.error.empty()) r.error = fmt::format("{}", fmt::join(notes, "; "));
  return r;
}

}  // namespace kensa::firmware::detail
