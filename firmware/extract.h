#pragma once
// The recursive extractor (internal to the firmware component).
#include <filesystem>
#include <list>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

// A decoded byte stream kept for later checks (a decompressed kernel, a raw ELF).
struct Blob {
  std::string id;  // chunk id
  std::string data;
};

class Extractor {
 public:
  Extractor(const Limits& limits, Analysis& out);
  // Scans the whole image; fills out.chunks, out.filesystems, out.errors.
  void run(Bytes image);
  const std::list<Blob>& blobs() const { return blobs_; }
  const std::vector<Blob>& elf_blobs() const { return elf_blobs_; }

 private:
  // Offsets of chunks found in `d` are reported as `base` + position, in the parent's frame.
  void scan(Bytes d, const std::string& parent, int depth, std::uint64_t base = 0);
  bool try_filesystem(Bytes d, std::size_t i, const std::string& parent, const std::string& format,
                      int depth, std::size_t& next);
  bool try_stream(Bytes d, std::size_t i, const std::string& parent, const std::string& format,
                  int depth, std::size_t& next);
  bool try_ubi(Bytes d, std::size_t i, const std::string& parent, int depth, std::size_t& next);
  bool try_header(Bytes d, std::size_t i, const std::string& parent, const std::string& format,
                  int depth, std::size_t& next);
  void payload(Bytes data, const std::string& parent, std::uint64_t offset,
               const std::string& compression, int depth);
  void keep_blob(const std::string& id, std::string bytes, int depth);
  void descend_into_files(std::size_t fs_index, int depth);
  static bool container_signature(Bytes d);
  std::size_t add_chunk(Chunk c);
  void record_error(const std::string& chunk_id, const std::string& message);
  static std::string child_id(const std::string& parent, std::uint64_t offset,
                              const std::string& format);

  Budget budget_;
  Analysis& out_;
  std::list<Blob> blobs_;
  std::vector<Blob> elf_blobs_;
  std::uint64_t base_ = 0;  // of the scan in progress
};

// Writes every filesystem's regular files and directories below `root` (one directory per
// filesystem chunk) and every decoded blob as <root>/<chunk>.bin. Symlinks, devices and FIFOs are
// never created. Returns the number of files written; failures are appended to `errors`.
std::uint64_t write_tree(const Analysis& analysis, const std::list<Blob>& blobs,
                         const std::filesystem::path& root, std::vector<std::string>& errors);

}  // namespace kensa::firmware::detail
