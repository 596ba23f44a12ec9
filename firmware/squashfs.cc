// SquashFS 4.0 through libsquashfs (squashfs-tools-ng), read from memory: superblock, id and
// fragment tables, inodes and directories. File data blocks are decoded here (see FileDecoder).
// libsquashfs supports gzip, xz, lzma, lz4 and zstd; LZO, which Debian's build leaves out, is
// decoded with liblzo2. SquashFS 1.x-3.x and vendor variants (big-endian, AVM) are not supported
// by the library: those chunks are reported with an error naming the reason.
#include <fmt/format.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <sqfs/block.h>
#include <sqfs/compressor.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/frag_table.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {

// sqfs_file_t over a read-only memory range; sqfs_file_t's first member makes the cast valid.
struct MemoryFile {
  sqfs_file_t base;
  const char* data;
  std::size_t size;
};

void memory_destroy(sqfs_object_t* object) { delete reinterpret_cast<MemoryFile*>(object); }
sqfs_object_t* memory_copy(const sqfs_object_t* object) {
  return reinterpret_cast<sqfs_object_t*>(
      new MemoryFile(*reinterpret_cast<const MemoryFile*>(object)));
}
int memory_read_at(sqfs_file_t* file, sqfs_u64 offset, void* buffer, size_t size) {
  auto* m = reinterpret_cast<MemoryFile*>(file);
  if (offset > m->size || size > m->size - offset) return SQFS_ERROR_OUT_OF_BOUNDS;
  std::memcpy(buffer, m->data + offset, size);
  return 0;
}
int memory_write_at(sqfs_file_t*, sqfs_u64, const void*, size_t) { return SQFS_ERROR_IO; }
sqfs_u64 memory_get_size(const sqfs_file_t* file) {
  return reinterpret_cast<const MemoryFile*>(file)->size;
}
int memory_truncate(sqfs_file_t*, sqfs_u64) { return SQFS_ERROR_IO; }

MemoryFile* make_memory_file(Bytes data) {
  auto* m = new MemoryFile{};
  m->base.base.destroy = memory_destroy;
  m->base.base.copy = memory_copy;
  m->base.read_at = memory_read_at;
  m->base.write_at = memory_write_at;
  m->base.get_size = memory_get_size;
  m->base.truncate = memory_truncate;
  m->data = data.data();
  m->size = data.size();
  return m;
}

template <typename T>
struct Destroy {
  void operator()(T* p) const { sqfs_destroy(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Destroy<T>>;

// Decompresses squashfs blocks with one decoder state kept across blocks. libsquashfs's own xz
// decompressor builds a new liblzma decoder (and its dictionary, the size of a data block) for
// every block; on an xz image that allocation and its page faults cost as much as the decoding.
// liblzma reuses the dictionary when the same lzma_stream is re-initialised, so xz blocks go
// through one persistent stream. LZO, which Debian's libsquashfs leaves out (licence), is one
// call into liblzo2. The other compressors use libsquashfs's decompressor.
class BlockDecoder {
 public:
  BlockDecoder(SQFS_COMPRESSOR id, std::uint32_t block_size)
      : mode_(id == SQFS_COMP_XZ    ? Mode::xz
              : id == SQFS_COMP_LZO ? Mode::lzo
                                    : Mode::library) {
    sqfs_compressor_config_init(&config_, id, block_size, SQFS_COMP_FLAG_UNCOMPRESS);
    if (mode_ == Mode::library && sqfs_compressor_create(&config_, &inner_) != 0) inner_ = nullptr;
    if (mode_ == Mode::lzo && lzo_init() != LZO_E_OK) mode_ = Mode::library;
  }
  ~BlockDecoder() {
    if (inner_) sqfs_destroy(inner_);
    lzma_end(&stream_);
  }
  BlockDecoder(const BlockDecoder&) = delete;
  BlockDecoder& operator=(const BlockDecoder&) = delete;

  bool ok() const { return mode_ != Mode::library || inner_; }
  void configuration(sqfs_compressor_config_t* cfg) const { *cfg = config_; }
  // Bytes written to out, or a negative libsquashfs error; 0 when out was too small.
  sqfs_s32 decode(const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out, sqfs_u32 outsize) {
    if (mode_ == Mode::library) return inner_->do_block(inner_, in, size, out, outsize);
    if (mode_ == Mode::lzo) {
      lzo_uint len = outsize;
      const int rc = lzo1x_decompress_safe(in, size, out, &len, nullptr);
      return rc == LZO_E_OK               ? static_cast<sqfs_s32>(len)
             : rc == LZO_E_OUTPUT_OVERRUN ? 0
                                          : SQFS_ERROR_COMPRESSOR;
    }
    if (lzma_stream_decoder(&stream_, UINT64_MAX, 0) != LZMA_OK) return SQFS_ERROR_ALLOC;
    stream_.next_in = in;
    stream_.avail_in = size;
    stream_.next_out = out;
    stream_.avail_out = outsize;
    const lzma_ret rc = lzma_code(&stream_, LZMA_FINISH);
    if (rc != LZMA_STREAM_END) return rc == LZMA_BUF_ERROR ? 0 : SQFS_ERROR_COMPRESSOR;
    return static_cast<sqfs_s32>(outsize - stream_.avail_out);
  }

 private:
  enum class Mode { xz, lzo, library };
  Mode mode_;
  sqfs_compressor_config_t config_{};
  sqfs_compressor_t* inner_ = nullptr;
  lzma_stream stream_ = LZMA_STREAM_INIT;
};

// A sqfs_compressor_t over a BlockDecoder, for libsquashfs's metadata readers (inodes,
// directories, id and fragment tables). Decompression only.
struct Adapter {
  sqfs_compressor_t base;
  std::unique_ptr<BlockDecoder> decoder;
};
sqfs_compressor_t* make_adapter(std::unique_ptr<BlockDecoder> decoder) {
  auto* a = new Adapter{};
  a->base.base.destroy = [](sqfs_object_t* o) { delete reinterpret_cast<Adapter*>(o); };
  a->base.base.copy = [](const sqfs_object_t*) -> sqfs_object_t* { return nullptr; };
  a->base.get_configuration = [](const sqfs_compressor_t* c, sqfs_compressor_config_t* cfg) {
    reinterpret_cast<const Adapter*>(c)->decoder->configuration(cfg);
  };
  a->base.write_options = [](sqfs_compressor_t*, sqfs_file_t*) { return int(SQFS_ERROR_IO); };
  a->base.read_options = [](sqfs_compressor_t*, sqfs_file_t*) { return 0; };
  a->base.do_block = [](sqfs_compressor_t* c, const sqfs_u8* in, sqfs_u32 size, sqfs_u8* out,
                        sqfs_u32 outsize) {
    return reinterpret_cast<Adapter*>(c)->decoder->decode(in, size, out, outsize);
  };
  a->decoder = std::move(decoder);
  return &a->base;
}

// One regular file whose contents are still to be decoded into entries[entry].data. Its full
// blocks and its tail (in a fragment block) are decoded separately, possibly by different
// workers, each reporting into its own error field.
struct FileTask {
  std::size_t entry;
  const sqfs_inode_generic_t* inode;
  std::uint64_t size;
  char* out = nullptr;        // where entries[entry].data's bytes are, set before any worker starts
  std::uint64_t tail_at = 0;  // where the fragment tail starts (= size when there is none)
  sqfs_u32 fragment = 0, fragment_offset = 0;
  std::string block_error, tail_error;
};

// Decodes file contents straight from the image into each entry's buffer: one copy, no
// intermediate block cache. Data blocks are read by hand (the layout is a list of 32-bit sizes,
// bit 24 = stored uncompressed, 0 = sparse, then an optional tail in a fragment block) because
// libsquashfs's data reader copies every block twice and is not shareable between threads.
class FileDecoder {
 public:
  FileDecoder(Bytes image, const sqfs_super_t& super, SQFS_COMPRESSOR id, sqfs_frag_table_t* frags)
      : image_(image),
        block_size_(super.block_size),
        decoder_(id, super.block_size),
        frags_(frags) {}

  void blocks(FileTask& t) {
    if (!decoder_.ok()) {
      t.block_error = "no decompressor";
      return;
    }
    auto* dst = reinterpret_cast<sqfs_u8*>(t.out);
    const auto* sizes = reinterpret_cast<const sqfs_u32*>(t.inode->extra);
    const std::size_t count = sqfs_inode_get_file_block_count(t.inode);
    sqfs_u64 at = 0;
    sqfs_inode_get_file_block_start(t.inode, &at);
    std::uint64_t pos = 0;
    for (std::size_t b = 0; b < count && pos < t.tail_at; ++b) {
      const sqfs_u32 word = sizes[b];
      const sqfs_u32 disk = SQFS_ON_DISK_BLOCK_SIZE(word);
      const auto want =
          static_cast<sqfs_u32>(std::min<std::uint64_t>(block_size_, t.tail_at - pos));
      if (disk == 0) {  // sparse: zeros, already there
        pos += want;
        continue;
      }
      if (at > image_.size() || disk > image_.size() - at) {
        t.block_error = fmt::format("data block at {} beyond the image end", hex_offset(at));
        return;
      }
      const auto* src = reinterpret_cast<const sqfs_u8*>(image_.data() + at);
      if (!SQFS_IS_BLOCK_COMPRESSED(word)) {
        std::memcpy(dst + pos, src, std::min(disk, want));
      } else if (decoder_.decode(src, disk, dst + pos, want) != static_cast<sqfs_s32>(want)) {
        t.block_error =
            fmt::format("damaged data block at {} (byte {} of the file)", hex_offset(at), pos);
        return;
      }
      at += disk;
      pos += want;
    }
    if (pos < t.tail_at)
      t.block_error = fmt::format("block list ends at byte {} of {}", pos, t.tail_at);
  }

  void tail(FileTask& t) {
    if (!decoder_.ok()) {
      t.tail_error = "no decompressor";
      return;
    }
    std::string error;
    const Bytes block = fragment(t.fragment, error);
    const std::uint64_t length = t.size - t.tail_at;
    if (!error.empty() || t.fragment_offset > block.size() ||
        length > block.size() - t.fragment_offset) {
      t.tail_error =
          error.empty() ? fmt::format("tail outside fragment block {}", t.fragment) : error;
      return;
    }
    std::memcpy(t.out + t.tail_at, block.data() + t.fragment_offset, length);
  }

 private:
  // The decoded fragment block; the last one is kept (tails are handed out grouped by block).
  Bytes fragment(sqfs_u32 index, std::string& error) {
    if (index == cached_index_) return cached_;
    cached_index_ = ~0u;
    sqfs_fragment_t f{};
    if (!frags_ || sqfs_frag_table_lookup(frags_, index, &f) != 0) {
      error = fmt::format("fragment {} not in the fragment table", index);
      return {};
    }
    const sqfs_u32 disk = SQFS_ON_DISK_BLOCK_SIZE(f.size);
    if (f.start_offset > image_.size() || disk > image_.size() - f.start_offset) {
      error = fmt::format("fragment block at {} beyond the image end", hex_offset(f.start_offset));
      return {};
    }
    const auto* src = reinterpret_cast<const sqfs_u8*>(image_.data() + f.start_offset);
    if (!SQFS_IS_BLOCK_COMPRESSED(f.size)) {
      cached_.assign(reinterpret_cast<const char*>(src), std::min(disk, block_size_));
    } else {
      cached_.resize(block_size_);
      const sqfs_s32 got =
          decoder_.decode(src, disk, reinterpret_cast<sqfs_u8*>(cached_.data()), block_size_);
      if (got <= 0) {
        error = fmt::format("damaged fragment block at {}", hex_offset(f.start_offset));
        return {};
      }
      cached_.resize(static_cast<std::size_t>(got));
    }
    cached_index_ = index;
    return cached_;
  }

  Bytes image_;
  sqfs_u32 block_size_;
  BlockDecoder decoder_;
  sqfs_frag_table_t* frags_;
  std::string cached_;
  sqfs_u32 cached_index_ = ~0u;
};

// Decodes every task on up to two threads (the analysis runs on small machines; more threads
// would only contend). Work is handed out in runs: full blocks in tree order, then tails grouped by
// fragment block, so that each fragment block is decoded about once. Every worker writes only the
// byte ranges its work items own in buffers sized beforehand, so the result does not depend on
// scheduling.
void decode_files(Bytes image, const sqfs_super_t& super, SQFS_COMPRESSOR id,
                  sqfs_frag_table_t* frags, std::vector<FileTask>& tasks,
                  std::vector<Entry>& entries) {
  struct Item {
    std::size_t task;
    bool tail;
  };
  std::vector<Item> items;
  std::uint64_t total = 0;
  for (const FileTask& t : tasks) total += t.size;
    // Every file's bytes in one zeroed buffer (sparse blocks and damaged blocks read as zeros);
    // under ASan one buffer per file.
#ifndef KENSA_FIRMWARE_ASAN
  const std::shared_ptr<char> arena = zeroed_pages(total);
  std::uint64_t used = 0;
#endif
  std::vector<std::size_t> tails;
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    FileTask& t = tasks[k];
#ifdef KENSA_FIRMWARE_ASAN
    const std::shared_ptr<char> arena = zeroed_pages(t.size);
    const std::uint64_t used = 0;
#endif
    t.out = arena.get() + used;
    entries[t.entry].data = FileData(arena, std::string_view(t.out, t.size));
#ifndef KENSA_FIRMWARE_ASAN
    used += t.size;
#endif
    sqfs_inode_get_frag_location(t.inode, &t.fragment, &t.fragment_offset);
    const std::size_t full = sqfs_inode_get_file_block_count(t.inode);
    const bool has_tail =
        t.fragment != 0xFFFFFFFF && std::uint64_t(full) * super.block_size < t.size;
    t.tail_at = has_tail ? std::uint64_t(full) * super.block_size : t.size;
    if (t.tail_at > 0) items.push_back(Item{k, false});
    if (has_tail) tails.push_back(k);
  }
  std::stable_sort(tails.begin(), tails.end(), [&](std::size_t a, std::size_t b) {
    return tasks[a].fragment < tasks[b].fragment;
  });
  for (std::size_t k : tails) items.push_back(Item{k, true});
  // Runs of about 1/32 of the bytes; a run of tails only ends at a fragment block boundary.
  std::vector<std::size_t> runs{0};
  const std::uint64_t run_bytes = std::max<std::uint64_t>(total / 32, 64 * 1024);
  std::uint64_t acc = 0;
  for (std::size_t n = 0; n < items.size(); ++n) {
    const FileTask& t = tasks[items[n].task];
    acc += items[n].tail ? t.size - t.tail_at : t.tail_at;
    const bool boundary = n + 1 < items.size() &&
                          (items[n].tail != items[n + 1].tail ||
                           (!items[n].tail || t.fragment != tasks[items[n + 1].task].fragment));
    if (acc >= run_bytes && boundary) {
      runs.push_back(n + 1);
      acc = 0;
    }
  }
  runs.push_back(items.size());
  std::atomic<std::size_t> next_run{0};
  auto worker = [&] {
    FileDecoder decoder(image, super, id, frags);
    for (std::size_t run; (run = next_run.fetch_add(1)) + 1 < runs.size();) {
      for (std::size_t n = runs[run]; n < runs[run + 1]; ++n) {
        FileTask& t = tasks[items[n].task];
        if (items[n].tail)
          decoder.tail(t);
        else
          decoder.blocks(t);
      }
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const bool parallel = hw > 1 && runs.size() > 2 && total >= 1024 * 1024;
  if (!parallel) {
    worker();
    return;
  }
  std::thread helper(worker);
  worker();
  helper.join();
}

}  // namespace

FsRead read_squashfs(Bytes data, Budget& budget) {
  FsRead r;
  Owned<sqfs_file_t> file(reinterpret_cast<sqfs_file_t*>(make_memory_file(data)));
  sqfs_super_t super;
  if (const int rc = sqfs_super_read(&super, file.get()); rc != 0) {
    r.error = fmt::format("unsupported or damaged squashfs superblock (libsquashfs error {})", rc);
    return r;
  }
  r.size = super.bytes_used;
  const auto compressor = static_cast<SQFS_COMPRESSOR>(super.compression_id);
  const char* comp_name = sqfs_compressor_name_from_id(compressor);
  r.detail = fmt::format("squashfs {}.{}, {}, block {}, {} inodes", super.version_major,
                         super.version_minor, comp_name ? comp_name : "unknown compressor",
                         super.block_size, super.inode_count);
  auto metadata_decoder = std::make_unique<BlockDecoder>(compressor, super.block_size);
  if (!metadata_decoder->ok()) {
    r.error = fmt::format("squashfs compressor '{}' not supported by libsquashfs",
                          comp_name ? comp_name : "?");
    return r;
  }
  Owned<sqfs_compressor_t> cmp(make_adapter(std::move(metadata_decoder)));
  Owned<sqfs_id_table_t> ids(sqfs_id_table_create(0));
  if (!ids || sqfs_id_table_read(ids.get(), file.get(), &super, cmp.get()) != 0) {
    r.error = "damaged squashfs id table";
    return r;
  }
  Owned<sqfs_dir_reader_t> dirs(sqfs_dir_reader_create(&super, cmp.get(), file.get(), 0));
  Owned<sqfs_frag_table_t> fragments(sqfs_frag_table_create(0));
  if (!dirs || !fragments) {
    r.error = "libsquashfs reader creation failed";
    return r;
  }
  bool fragments_ok = true;
  if (!(super.flags & SQFS_FLAG_NO_FRAGMENTS) &&
      sqfs_frag_table_read(fragments.get(), file.get(), &super, cmp.get()) != 0) {
    r.error = "damaged squashfs fragment table";
    fragments_ok = false;
  }
  sqfs_tree_node_t* root = nullptr;
  if (const int rc = sqfs_dir_reader_get_full_hierarchy(dirs.get(), ids.get(), nullptr, 0, &root);
      rc != 0) {
    r.error = fmt::format("damaged squashfs directory tree (libsquashfs error {})", rc);
    return r;
  }
  // First the tree, sequentially (entry order and the budget stay deterministic); file contents
  // are decoded afterwards, in parallel.
  std::vector<FileTask> tasks;
  std::string limit_error;
  std::function<void(const sqfs_tree_node_t*, const std::string&)> walk =
      [&](const sqfs_tree_node_t* node, const std::string& path) {
        for (const sqfs_tree_node_t* child = node->children; child && limit_error.empty();
             child = child->next) {
          Entry e;
          const std::string name = reinterpret_cast<const char*>(child->name);
          bool escaped = false;
          e.path = normalize_entry_path(path + "/" + name, escaped);
          const sqfs_inode_generic_t* inode = child->inode;
          e.type = entry_type_of_mode(inode->base.mode);
          e.mode = inode->base.mode & 07777;
          e.uid = child->uid;
          e.gid = child->gid;
          if (auto err = budget.charge_file()) {
            limit_error = *err;
            return;
          }
          if (e.type == EntryType::symlink) {
            const char* target = reinterpret_cast<const char*>(inode->extra);
            std::size_t len = inode->base.type == SQFS_INODE_EXT_SLINK
                                  ? inode->data.slink_ext.target_size
                                  : inode->data.slink.target_size;
            e.link_target.assign(target, len);
          } else if (e.type == EntryType::regular) {
            sqfs_u64 size = 0;
            sqfs_inode_get_file_size(inode, &size);
            if (size > budget.limits().max_file_bytes) {
              limit_error =
                  fmt::format("{}: file of {} bytes above the per-file limit", e.path, size);
              return;
            }
            // The size is declared by the inode and decoding never writes past it, so the budget
            // is charged here, in tree order, before any block is decoded.
            if (auto err = budget.charge_bytes(size, 0, size)) {
              limit_error = *err;
              return;
            }
            if (size > 0)
              tasks.push_back(FileTask{r.entries.size(), inode, size, nullptr, 0, 0, 0, {}, {}});
          }
          const bool is_dir = e.type == EntryType::directory;
          const std::string child_path = e.path;
          r.entries.push_back(std::move(e));
          if (is_dir) walk(child, child_path == "/" ? "" : child_path);
        }
      };
  walk(root, "");
  decode_files(data, super, compressor, fragments_ok ? fragments.get() : nullptr, tasks, r.entries);
  sqfs_dir_tree_destroy(root);
  // The first damaged file in tree order names the error; every file keeps what could be decoded
  // (a damaged block reads as zeros).
  for (const auto& t : tasks) {
    const std::string& error = t.block_error.empty() ? t.tail_error : t.block_error;
    if (!error.empty() && r.error.empty()) {
      r.error = fmt::format("{}: {}", r.entries[t.entry].path, error);
      break;
    }
  }
  if (!limit_error.empty() && r.error.empty()) r.error = limit_error;
  return r;
}

}  // namespace kensa::firmware::detail
