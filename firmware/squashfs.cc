// SquashFS 4.0 through libsquashfs (squashfs-tools-ng), read from memory. libsquashfs supports
// gzip, xz, lzma, lz4 and zstd; LZO is left out of the library for licence reasons, and SquashFS
// 1.x-3.x and vendor variants (big-endian, AVM) are not supported by it either: those chunks are
// reported with an error naming the reason.
#include <fmt/format.h>
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/id_table.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
#include <sys/stat.h>

#include <cstring>
#include <functional>

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
  sqfs_compressor_config_t cfg;
  sqfs_compressor_config_init(&cfg, static_cast<SQFS_COMPRESSOR>(super.compression_id),
                              super.block_size, SQFS_COMP_FLAG_UNCOMPRESS);
  sqfs_compressor_t* raw_cmp = nullptr;
  const char* comp_name =
      sqfs_compressor_name_from_id(static_cast<SQFS_COMPRESSOR>(super.compression_id));
  r.detail = fmt::format("squashfs {}.{}, {}, block {}, {} inodes", super.version_major,
                         super.version_minor, comp_name ? comp_name : "unknown compressor",
                         super.block_size, super.inode_count);
  if (sqfs_compressor_create(&cfg, &raw_cmp) != 0) {
    r.error = fmt::format("squashfs compressor '{}' not supported by libsquashfs",
                          comp_name ? comp_name : "?");
    return r;
  }
  Owned<sqfs_compressor_t> cmp(raw_cmp);
  Owned<sqfs_id_table_t> ids(sqfs_id_table_create(0));
  if (!ids || sqfs_id_table_read(ids.get(), file.get(), &super, cmp.get()) != 0) {
    r.error = "damaged squashfs id table";
    return r;
  }
  Owned<sqfs_dir_reader_t> dirs(sqfs_dir_reader_create(&super, cmp.get(), file.get(), 0));
  Owned<sqfs_data_reader_t> reader(
      sqfs_data_reader_create(file.get(), super.block_size, cmp.get(), 0));
  if (!dirs || !reader) {
    r.error = "libsquashfs reader creation failed";
    return r;
  }
  if (!(super.flags & SQFS_FLAG_NO_FRAGMENTS) &&
      sqfs_data_reader_load_fragment_table(reader.get(), &super) != 0) {
    r.error = "damaged squashfs fragment table";
  }
  sqfs_tree_node_t* root = nullptr;
  if (const int rc = sqfs_dir_reader_get_full_hierarchy(dirs.get(), ids.get(), nullptr, 0, &root);
      rc != 0) {
    r.error = fmt::format("damaged squashfs directory tree (libsquashfs error {})", rc);
    return r;
  }
  std::string buffer(super.block_size, '\0');
  std::function<void(const sqfs_tree_node_t*, const std::string&)> walk =
      [&](const sqfs_tree_node_t* node, const std::string& path) {
        for (const sqfs_tree_node_t* child = node->children; child && r.error.empty();
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
            r.error = *err;
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
              r.error = fmt::format("{}: file of {} bytes above the per-file limit", e.path, size);
              return;
            }
            e.data.reserve(size);
            for (sqfs_u64 at = 0; at < size;) {
              const sqfs_s32 got = sqfs_data_reader_read(reader.get(), inode, at, buffer.data(),
                                                         static_cast<sqfs_u32>(buffer.size()));
              if (got <= 0) {
                r.error = fmt::format("{}: damaged data at byte {} (libsquashfs error {})", e.path,
                                      at, got);
                break;
              }
              e.data.append(buffer.data(), got);
              at += got;
              if (auto err = budget.charge_bytes(got, 0, got)) {
                r.error = *err;
                break;
              }
            }
          }
          const bool is_dir = e.type == EntryType::directory;
          const std::string child_path = e.path;
          r.entries.push_back(std::move(e));
          if (is_dir) walk(child, child_path == "/" ? "" : child_path);
        }
      };
  walk(root, "");
  sqfs_dir_tree_destroy(root);
  return r;
}

}  // namespace kensa::firmware::detail
