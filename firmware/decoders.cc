// Stream decoders over zlib, liblzma, libzstd and libbz2. libarchive could decode these too, but it
// does not report how many input bytes a stream used; carving needs the exact end of every stream
// (firmware puts the next partition right after it), and the decoders' own APIs report it.
#include <bzlib.h>
#include <fmt/format.h>
#include <lzma.h>
#include <sys/mman.h>
#include <zlib.h>
#include <zstd.h>

#include <new>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {
constexpr std::size_t kChunk = 256 * 1024;
Decoded failed(std::string why) {
  Decoded d;
  d.error = std::move(why);
  return d;
}
}  // namespace

std::string hex_offset(std::uint64_t offset) { return fmt::format("0x{:x}", offset); }

std::shared_ptr<char> zeroed_pages(std::size_t size) {
  constexpr std::size_t kHuge = 2u << 20;
#ifdef KENSA_FIRMWARE_ASAN
  constexpr bool heap = true;  // redzones around every buffer
#else
  const bool heap = size < kHuge;
#endif
  if (heap) {
    // Small: the heap is cheaper than a mapping of its own.
    return std::shared_ptr<char>(new char[std::max<std::size_t>(size, 1)](),
                                 std::default_delete<char[]>());
  }
  // Reserve one huge page more than needed and trim to a 2 MiB boundary: only aligned ranges can
  // be backed by huge pages.
  const std::size_t length = (size + kHuge - 1) / kHuge * kHuge;
  void* raw =
      ::mmap(nullptr, length + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + kHuge - 1) / kHuge * kHuge;
  if (aligned > start) ::munmap(raw, aligned - start);
  if (const std::size_t tail = start + kHuge - aligned; tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + length), tail);
  ::madvise(reinterpret_cast<void*>(aligned), length, MADV_HUGEPAGE);  // a hint; may be off
  return std::shared_ptr<char>(reinterpret_cast<char*>(aligned),
                               [length](char* p) { ::munmap(p, length); });
}

std::optional<std::string> Budget::charge_bytes(std::uint64_t n, std::uint64_t input,
                                                std::uint64_t produced) {
  total_bytes_ += n;
  if (total_bytes_ > limits_.max_total_bytes) {
    return fmt::format("total extracted bytes above the limit of {}", limits_.max_total_bytes);
  }
  if (produced > limits_.max_file_bytes) {
    return fmt::format("one stream or file above the limit of {} bytes", limits_.max_file_bytes);
  }
  if (produced > limits_.ratio_floor_bytes && input > 0 &&
      double(produced) / double(input) > limits_.max_ratio) {
    return fmt::format("compression ratio above the limit of {:.0f} ({} bytes from {})",
                       limits_.max_ratio, produced, input);
  }
  return std::nullopt;
}

std::optional<std::string> Budget::charge_file() {
  if (++files_ > limits_.max_files)
    return fmt::format("file count above the limit of {}", limits_.max_files);
  return std::nullopt;
}

Decoded decode_gzip(Bytes data, Budget& budget) {
  Decoded d;
  z_stream s{};
  if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) {
    d.error = "zlib init failed";
    return d;
  }
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), 0xFFFFFFFFu));
  std::string buf(kChunk, '\0');
  for (;;) {
    s.next_out = reinterpret_cast<Bytef*>(buf.data());
    s.avail_out = static_cast<uInt>(buf.size());
    const int rc = inflate(&s, Z_NO_FLUSH);
    const std::size_t got = buf.size() - s.avail_out;
    d.output.append(buf.data(), got);
    if (auto e = budget.charge_bytes(got, s.total_in, d.output.size())) {
      d.error = *e;
      break;
    }
    if (rc == Z_STREAM_END) {
      d.complete = true;
      break;
    }
    if (rc != Z_OK) {
      d.error = rc == Z_BUF_ERROR
                    ? "truncated gzip stream"
                    : fmt::format("corrupt gzip stream ({})", s.msg ? s.msg : "error");
      break;
    }
  }
  d.consumed = s.total_in;
  inflateEnd(&s);
  return d;
}

Decoded decode_zlib(Bytes data, std::size_t max_output) {
  Decoded d;
  z_stream s{};
  if (inflateInit(&s) != Z_OK) return d;
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), 0xFFFFFFFFu));
  d.output.resize(max_output);
  s.next_out = reinterpret_cast<Bytef*>(d.output.data());
  s.avail_out = static_cast<uInt>(max_output);
  const int rc = inflate(&s, Z_FINISH);
  d.output.resize(max_output - s.avail_out);
  d.complete = rc == Z_STREAM_END;
  if (!d.complete) d.error = s.msg ? s.msg : "incomplete zlib block";
  d.consumed = s.total_in;
  inflateEnd(&s);
  return d;
}

namespace {
Decoded run_lzma(lzma_stream& s, Bytes data, Budget& budget, const char* what) {
  Decoded d;
  s.next_in = reinterpret_cast<const uint8_t*>(data.data());
  s.avail_in = data.size();
  std::string buf(kChunk, '\0');
  for (;;) {
    s.next_out = reinterpret_cast<uint8_t*>(buf.data());
    s.avail_out = buf.size();
    const lzma_ret rc = lzma_code(&s, s.avail_in == 0 ? LZMA_FINISH : LZMA_RUN);
    const std::size_t got = buf.size() - s.avail_out;
    d.output.append(buf.data(), got);
    if (auto e = budget.charge_bytes(got, s.total_in, d.output.size())) {
      d.error = *e;
      break;
    }
    if (rc == LZMA_STREAM_END) {
      d.complete = true;
      break;
    }
    if (rc != LZMA_OK) {
      d.error = rc == LZMA_BUF_ERROR
                    ? fmt::format("truncated {} stream", what)
                    : fmt::format("corrupt {} stream (liblzma error {})", what, int(rc));
      break;
    }
  }
  d.consumed = s.total_in;
  lzma_end(&s);
  return d;
}
}  // namespace

Decoded decode_xz(Bytes data, Budget& budget) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) return failed("liblzma init failed");
  return run_lzma(s, data, budget, "xz");
}

bool plausible_lzma_header(Bytes data) {
  if (data.size() < 13) return false;
  const auto props = static_cast<unsigned char>(data[0]);
  if (props >= 9 * 5 * 5) return false;
  const std::uint32_t dict = le32(data, 1);
  if (dict < (1u << 12) || dict > (1u << 28)) return false;
  if ((dict & (dict - 1)) != 0 && dict % (1u << 16) != 0) return false;
  const std::uint64_t size = std::uint64_t(le32(data, 5)) | (std::uint64_t(le32(data, 9)) << 32);
  return size == UINT64_MAX || size < (1ULL << 32);
}

Decoded decode_lzma_alone(Bytes data, Budget& budget) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_alone_decoder(&s, 1ULL << 30) != LZMA_OK) return failed("liblzma init failed");
  return run_lzma(s, data, budget, "lzma");
}

Decoded decode_zstd(Bytes data, Budget& budget) {
  Decoded d;
  ZSTD_DStream* z = ZSTD_createDStream();
  ZSTD_initDStream(z);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string buf(ZSTD_DStreamOutSize(), '\0');
  for (;;) {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    const std::size_t rc = ZSTD_decompressStream(z, &out, &in);
    if (ZSTD_isError(rc)) {
      d.error = fmt::format("corrupt zstd stream ({})", ZSTD_getErrorName(rc));
      break;
    }
    d.output.append(buf.data(), out.pos);
    if (auto e = budget.charge_bytes(out.pos, in.pos, d.output.size())) {
      d.error = *e;
      break;
    }
    if (rc == 0) {
      d.complete = true;
      break;
    }
    if (in.pos == in.size && out.pos < out.size) {
      d.error = "truncated zstd stream";
      break;
    }
  }
  d.consumed = in.pos;
  ZSTD_freeDStream(z);
  return d;
}

Decoded decode_bzip2(Bytes data, Budget& budget) {
  Decoded d;
  bz_stream s{};
  if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK) return failed("libbz2 init failed");
  s.next_in = const_cast<char*>(data.data());
  s.avail_in = static_cast<unsigned>(std::min<std::size_t>(data.size(), 0xFFFFFFFFu));
  std::string buf(kChunk, '\0');
  for (;;) {
    s.next_out = buf.data();
    s.avail_out = static_cast<unsigned>(buf.size());
    const int rc = BZ2_bzDecompress(&s);
    const std::size_t got = buf.size() - s.avail_out;
    d.output.append(buf.data(), got);
    const std::uint64_t in = (std::uint64_t(s.total_in_hi32) << 32) | s.total_in_lo32;
    if (auto e = budget.charge_bytes(got, in, d.output.size())) {
      d.error = *e;
      break;
    }
    if (rc == BZ_STREAM_END) {
      d.complete = true;
      break;
    }
    if (rc != BZ_OK || (s.avail_in == 0 && got == 0)) {
      d.error =
          rc == BZ_OK ? "truncated bzip2 stream" : fmt::format("corrupt bzip2 stream ({})", rc);
      break;
    }
  }
  d.consumed = (std::uint64_t(s.total_in_hi32) << 32) | s.total_in_lo32;
  BZ2_bzDecompressEnd(&s);
  return d;
}

}  // namespace kensa::firmware::detail
