// tar, cpio and ZIP through libarchive, read from memory. Entries land in the in-memory tree with
// normalised paths; hard links copy their target's data; nothing touches the disk here.
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <map>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

std::string normalize_entry_path(std::string_view name, bool& escaped) {
  escaped = !name.empty() && name.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t at = 0;
  while (at <= name.size()) {
    std::size_t slash = name.find('/', at);
    if (slash == std::string_view::npos) slash = name.size();
    const std::string_view part = name.substr(at, slash - at);
    if (part == "..") {
      if (parts.empty()) {
        escaped = true;
      } else {
        parts.pop_back();
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    at = slash + 1;
  }
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

namespace {

// Reads a fixed-width number field of a cpio header; false on a non-digit.
bool cpio_field(std::string_view field, int base, std::uint64_t& value) {
  value = 0;
  for (char c : field) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (base == 16 && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (base == 16 && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0 || digit >= base) return false;
    value = value * std::uint64_t(base) + std::uint64_t(digit);
  }
  return true;
}

// The length of the leading run of cpio entries (newc, crc, odc) whose name and data fit in
// `data`, up to and including the trailer. Why by hand: libarchive sizes its read-ahead buffer
// from a header's name size before it learns the input is shorter, so one forged header makes it
// allocate gigabytes (found by fuzz_firmware_extract). Entries before the damage are kept.
std::size_t cpio_sound_length(Bytes data, std::string& damage) {
  std::size_t at = 0;
  while (at < data.size()) {
    const std::string_view rest = data.substr(at);
    const bool newc = rest.starts_with("070701") || rest.starts_with("070702");
    const bool odc = rest.starts_with("070707");
    if (!newc && !odc) {
      if (at == 0) return data.size();  // binary cpio: libarchive reads it unchecked
      break;                            // garbage after entries: libarchive reports it
    }
    const std::size_t header = newc ? 110 : 76;
    std::uint64_t name_size = 0, file_size = 0;
    if (rest.size() < header || !(newc ? cpio_field(rest.substr(94, 8), 16, name_size) &&
                                             cpio_field(rest.substr(54, 8), 16, file_size)
                                       : cpio_field(rest.substr(59, 6), 8, name_size) &&
                                             cpio_field(rest.substr(65, 11), 8, file_size))) {
      damage = fmt::format("cpio header at offset {} is truncated or malformed", at);
      return at;
    }
    const auto pad = [newc](std::uint64_t n) { return newc ? (n + 3) & ~std::uint64_t(3) : n; };
    const std::uint64_t name_end = pad(header + name_size);
    const std::uint64_t entry = name_end + pad(file_size);
    if (name_size == 0 || entry > rest.size()) {
      damage = fmt::format("cpio entry at offset {} claims {} name and {} data bytes, past the end",
                           at, name_size, file_size);
      return at;
    }
    const std::string_view name = rest.substr(header, name_size);
    at += entry;
    if (name.starts_with("TRAILER!!!")) break;
  }
  return std::min(at, data.size());
}

}  // namespace

FsRead read_archive(Bytes data, Budget& budget, std::string_view format) {
  FsRead r;
  std::string damage;
  if (format == "cpio") {
    data = data.substr(0, cpio_sound_length(data, damage));
    if (data.empty()) {
      r.error = damage.empty() ? "not a readable cpio archive" : damage;
      return r;
    }
  }
  archive* a = archive_read_new();
  if (format == "tar") {
    archive_read_support_format_tar(a);
  } else if (format == "cpio") {
    archive_read_support_format_cpio(a);
  } else {
    archive_read_support_format_zip_seekable(a);
  }
  archive_read_support_filter_none(a);
  if (archive_read_open_memory(a, data.data(), data.size()) != ARCHIVE_OK) {
    r.error = fmt::format("not a readable {} archive: {}", format,
                          archive_error_string(a) ? archive_error_string(a) : "");
    archive_read_free(a);
    return r;
  }
  std::map<std::string, std::size_t> by_path;
  std::string buffer(64 * 1024, '\0');
  std::size_t escapes = 0, absolute = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      r.error = fmt::format("damaged {} archive after {} entries: {}", format, r.entries.size(),
                            archive_error_string(a) ? archive_error_string(a) : "unknown error");
      break;
    }
    if (auto err = budget.charge_file()) {
      r.error = *err;
      break;
    }
    const char* raw = archive_entry_pathname(entry);
    Entry e;
    bool escaped = false;
    e.path = normalize_entry_path(raw ? raw : "", escaped);
    if (escaped && raw && raw[0] == '/' &&
        std::string_view(raw).find("..") == std::string_view::npos) {
      ++absolute;  // usual in kernel initramfs lists; kept below the root
    } else if (escaped) {
      ++escapes;
    }
    e.type = entry_type_of_mode(archive_entry_filetype(entry));
    e.mode = archive_entry_mode(entry) & 07777;
    e.uid = static_cast<std::uint32_t>(archive_entry_uid(entry));
    e.gid = static_cast<std::uint32_t>(archive_entry_gid(entry));
    if (e.type == EntryType::symlink) {
      const char* target = archive_entry_symlink(entry);
      e.link_target = target ? target : "";
    }
    const char* hardlink = archive_entry_hardlink(entry);
    if (hardlink) {
      bool ignored = false;
      auto it = by_path.find(normalize_entry_path(hardlink, ignored));
      if (it != by_path.end()) e.data = r.entries[it->second].data;
      e.type = EntryType::regular;
    } else if (e.type == EntryType::regular) {
      std::string content;
      for (;;) {
        const la_ssize_t got = archive_read_data(a, buffer.data(), buffer.size());
        if (got < 0) {
          r.error = fmt::format("{}: damaged data: {}", e.path,
                                archive_error_string(a) ? archive_error_string(a) : "");
          break;
        }
        if (got == 0) break;
        content.append(buffer.data(), std::size_t(got));
        if (auto err = budget.charge_bytes(std::size_t(got), data.size(), content.size())) {
          r.error = fmt::format("{}: {}", e.path, *err);
          break;
        }
      }
      e.data = std::move(content);
    }
    by_path[e.path] = r.entries.size();
    r.entries.push_back(std::move(e));
    if (!r.error.empty()) break;
  }
  if (!damage.empty()) r.error = r.error.empty() ? damage : r.error + "; " + damage;
  if (escapes > 0) {
    const std::string note = fmt::format(
        "{} entries with '..' paths climbing above the root were kept inside the root", escapes);
    r.error = r.error.empty() ? note : r.error + "; " + note;
  }
  const la_int64_t used = archive_filter_bytes(a, -1);
  r.size = used > 0 ? std::min<std::uint64_t>(std::uint64_t(used), data.size()) : data.size();
  r.detail = fmt::format("{} ({}), {} entries{}", format,
                         archive_format_name(a) ? archive_format_name(a) : "?", r.entries.size(),
                         absolute ? fmt::format(", {} with absolute paths", absolute) : "");
  archive_read_free(a);
  return r;
}

}  // namespace kensa::firmware::detail
