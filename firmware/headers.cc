// Firmware headers that wrap payloads, parsed by hand: they are fixed-layout records of a few
// dozen bytes for which no Debian library exists (U-Boot's own parsing lives inside
// mkimage/dumpimage, not in a library). Layout facts: U-Boot include/image.h (legacy 64-byte
// header, big-endian), the Flattened Device Tree specification (FIT images), Broadcom TRX
// (OpenWrt's trx.h), and the TP-Link "ver. 2.0" 512-byte header as seen in vendor images.
#include <fmt/format.h>
#include <zlib.h>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {
const char* uimage_compression(unsigned c) {
  switch (c) {
    case 0:
      return "";
    case 1:
      return "gzip";
    case 2:
      return "bzip2";
    case 3:
      return "lzma";
    case 4:
      return "lzo";
    case 5:
      return "lz4";
    case 6:
      return "zstd";
    default:
      return "unknown";
  }
}
const char* uimage_type(unsigned t) {
  switch (t) {
    case 1:
      return "standalone";
    case 2:
      return "kernel";
    case 3:
      return "ramdisk";
    case 4:
      return "multi";
    case 5:
      return "firmware";
    case 6:
      return "script";
    case 7:
      return "filesystem";
    case 8:
      return "flat_dt";
    default:
      return "other";
  }
}
const char* uimage_arch(unsigned a) {
  switch (a) {
    case 2:
      return "ARM";
    case 3:
      return "x86";
    case 5:
      return "MIPS";
    case 6:
      return "MIPS64";
    case 7:
      return "PowerPC";
    case 22:
      return "AArch64";
    case 24:
      return "x86-64";
    case 25:
      return "Xtensa";
    case 26:
      return "RISC-V";
    default:
      return "other";
  }
}
}  // namespace

Parsed parse_uimage(Bytes d) {
  Parsed p;
  if (d.size() < 64 || be32(d, 0) != 0x27051956) return p;
  std::string header(d.substr(0, 64));
  header[4] = header[5] = header[6] = header[7] = 0;
  const std::uint32_t hcrc =
      static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(header.data()), 64));
  if (hcrc != be32(d, 4)) return p;  // a false positive of the magic
  p.valid = true;
  const std::uint32_t size = be32(d, 12);
  const unsigned arch = static_cast<unsigned char>(d[29]);
  const unsigned type = static_cast<unsigned char>(d[30]);
  const unsigned comp = static_cast<unsigned char>(d[31]);
  std::string name(d.substr(32, 32));
  name.resize(name.find('\0') == std::string::npos ? 32 : name.find('\0'));
  p.detail = fmt::format("uImage '{}', {} {}, {}", name, uimage_arch(arch), uimage_type(type),
                         comp ? uimage_compression(comp) : "uncompressed");
  std::uint64_t available = d.size() - 64;
  if (size > available) {
    p.error = fmt::format("payload of {} bytes truncated to {}", size, available);
  }
  const std::uint64_t payload = std::min<std::uint64_t>(size, available);
  p.size = 64 + payload;
  const std::uint32_t dcrc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(d.data() + 64), static_cast<uInt>(payload)));
  if (p.error.empty() && dcrc != be32(d, 24)) p.error = "payload CRC mismatch";
  if (type == 4) {  // multi-file: a zero-terminated list of sizes, then the images, 4-byte aligned
    std::vector<std::uint32_t> sizes;
    std::uint64_t at = 64;
    while (at + 4 <= p.size) {
      const std::uint32_t s = be32(d, at);
      at += 4;
      if (s == 0) break;
      sizes.push_back(s);
    }
    for (std::size_t i = 0; i < sizes.size() && at < p.size; ++i) {
      const std::uint64_t len = std::min<std::uint64_t>(sizes[i], p.size - at);
      p.parts.push_back(
          Part{fmt::format("image{}", i), at, len, i == 0 ? uimage_compression(comp) : ""});
      at += (std::uint64_t(sizes[i]) + 3) & ~3ULL;
    }
  } else {
    p.parts.push_back(Part{uimage_type(type), 64, payload, uimage_compression(comp)});
  }
  return p;
}

Parsed parse_trx(Bytes d) {
  Parsed p;
  if (d.size() < 28 || d.substr(0, 4) != "HDR0") return p;
  const std::uint32_t len = le32(d, 4);
  const std::uint16_t version = le16(d, 14);
  if (len < 28 || (version != 1 && version != 2)) return p;
  const int noffsets = version == 1 ? 3 : 4;
  if (d.size() < 16 + 4 * std::size_t(noffsets)) return p;
  p.valid = true;
  p.size = std::min<std::uint64_t>(len, d.size());
  if (len > d.size())
    p.error = fmt::format("length {} beyond the available {} bytes", len, d.size());
  const std::size_t header = 16 + 4 * std::size_t(noffsets);
  std::vector<std::uint32_t> offsets;
  for (int i = 0; i < noffsets; ++i) {
    const std::uint32_t o = le32(d, 16 + 4 * std::size_t(i));
    if (o == 0) continue;
    if (o < header - 4 * std::size_t(noffsets) || o >= p.size) {
      p.error = fmt::format("partition offset {} outside the image", o);
      continue;
    }
    offsets.push_back(o);
  }
  if (p.size >= 12) {
    const std::uint32_t crc = ~static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(d.data() + 12), static_cast<uInt>(p.size - 12)));
    // TRX stores the CRC without the final inversion zlib applies.
    if (p.error.empty() && crc != le32(d, 8)) p.error = "CRC mismatch";
  }
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    const std::uint64_t end =
        i + 1 < offsets.size() && offsets[i + 1] > offsets[i] ? offsets[i + 1] : p.size;
    p.parts.push_back(Part{fmt::format("partition{}", i), offsets[i], end - offsets[i], ""});
  }
  p.detail = fmt::format("TRX v{}, {} bytes, {} partitions", version, len, offsets.size());
  return p;
}

Parsed parse_tplink(Bytes d) {
  Parsed p;
  if (d.size() < 0x200 || d.substr(4, 8) != std::string_view("ver. 2.0", 8)) return p;
  p.valid = true;
  p.size = 0x200;
  p.detail = "TP-Link firmware header ver. 2.0";
  return p;
}

// FIT: a device tree whose /images/<name> nodes hold "data" (embedded) or "data-offset"/
// "data-position" + "data-size" (external), and a "compression" string.
Parsed parse_fit(Bytes d) {
  Parsed p;
  if (d.size() < 40 || be32(d, 0) != 0xd00dfeed) return p;
  const std::uint32_t total = be32(d, 4), off_struct = be32(d, 8), off_strings = be32(d, 12);
  const std::uint32_t size_strings = be32(d, 32), size_struct = be32(d, 36);
  if (total < 40 || total > d.size() || off_struct >= total || off_strings >= total ||
      std::uint64_t(off_struct) + size_struct > total ||
      std::uint64_t(off_strings) + size_strings > total) {
    return p;
  }
  p.valid = true;
  p.size = total;
  std::vector<std::string> stack;
  struct Image {
    std::string name, compression;
    std::uint64_t offset = 0, size = 0;
    bool has_data = false, external = false, external_absolute = false;
  };
  std::vector<Image> images;
  Image* current = nullptr;
  std::size_t at = off_struct;
  const std::size_t end = std::size_t(off_struct) + size_struct;
  auto string_at = [&](std::uint32_t off) -> std::string {
    if (off >= size_strings) return {};
    const Bytes s = d.substr(off_strings + off, size_strings - off);
    return std::string(s.substr(0, s.find('\0')));
  };
  bool done = false;
  while (!done && at + 4 <= end) {
    const std::uint32_t token = be32(d, at);
    at += 4;
    switch (token) {
      case 1: {  // begin node
        const Bytes rest = d.substr(at, end - at);
        const std::size_t nul = rest.find('\0');
        if (nul == Bytes::npos || stack.size() > 32) {
          p.error = "damaged device tree node";
          done = true;
          break;
        }
        stack.emplace_back(rest.substr(0, nul));
        at += (nul + 1 + 3) & ~std::size_t(3);
        if (stack.size() == 3 && stack[1] == "images") {
          images.emplace_back();
          images.back().name = stack[2];
          current = &images.back();
        }
        break;
      }
      case 2:  // end node
        if (stack.empty()) {
          done = true;
          break;
        }
        if (stack.size() == 3) current = nullptr;
        stack.pop_back();
        break;
      case 3: {  // property
        if (at + 8 > end) {
          done = true;
          break;
        }
        const std::uint32_t len = be32(d, at), nameoff = be32(d, at + 4);
        at += 8;
        if (len > end - at) {
          p.error = "damaged device tree property";
          done = true;
          break;
        }
        if (current && stack.size() == 3) {
          const std::string name = string_at(nameoff);
          const Bytes value = d.substr(at, len);
          if (name == "data") {
            current->has_data = true;
            current->offset = at;
            current->size = len;
          } else if (name == "compression") {
            current->compression = std::string(value.substr(0, value.find('\0')));
          } else if ((name == "data-offset" || name == "data-position") && len == 4) {
            current->external = true;
            current->external_absolute = name == "data-position";
            current->offset = be32(value, 0);
          } else if (name == "data-size" && len == 4) {
            current->size = be32(value, 0);
          }
        }
        at += (std::size_t(len) + 3) & ~std::size_t(3);
        break;
      }
      case 4:
        break;  // nop
      case 9:
        done = true;
        break;
      default:
        p.error = fmt::format("unknown device tree token {} at {}", token, hex_offset(at - 4));
        done = true;
    }
  }
  std::uint64_t extent = total;
  for (auto& img : images) {
    if (!img.has_data && !img.external) continue;
    std::uint64_t offset = img.offset;
    if (img.external && !img.external_absolute) offset += (std::uint64_t(total) + 3) & ~3ULL;
    if (offset >= d.size() || img.size > d.size() - offset) {
      p.error = fmt::format("image '{}' data outside the input", img.name);
      continue;
    }
    extent = std::max(extent, offset + img.size);
    std::string comp = img.compression == "none" ? "" : img.compression;
    p.parts.push_back(Part{img.name, offset, img.size, comp});
  }
  p.size = extent;
  if (images.empty()) {
    p.detail = "flattened device tree";
  } else {
    p.detail = fmt::format("FIT image, {} images", images.size());
  }
  return p;
}

}  // namespace kensa::firmware::detail
