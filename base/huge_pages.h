#pragma once
// Transparent huge pages over a large vector's reserved capacity. The kernel's THP mode is often
// "madvise", so without the advice the millions of elements of a large model, and the threats and
// graph arrays derived from it, are faulted in 4 KiB pieces, each of which costs microseconds on
// a virtual machine; with it, in 2 MiB ones. Advice only: ignored where unsupported. Call after
// reserve(), before the elements are written.
#include <sys/mman.h>

#include <cstdint>
#include <vector>

namespace kensa {

template <typename T>
void advise_huge_pages(const std::vector<T>& v) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
  const auto end = begin + v.capacity() * sizeof(T);
  const auto first = (begin + kHuge - 1) & ~(kHuge - 1), last = end & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace kensa
