#include "powlab/util/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace powlab::huge_pages {

namespace {
constexpr std::size_t kHuge = std::size_t{2} << 20;  // x86-64 transparent huge page
constexpr std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }
}  // namespace

void* allocate(std::size_t bytes) {
  if (bytes < kHuge) return ::operator new(bytes);
  const std::size_t len = round_up(bytes, kHuge);
  // Map one huge page more than needed and trim, so the block starts on a 2 MiB boundary
  // (a huge page can only back an aligned range).
  void* raw = mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = round_up(base, kHuge);
  if (aligned > base) munmap(raw, aligned - base);
  const std::uintptr_t end = base + len + kHuge;
  if (end > aligned + len) munmap(reinterpret_cast<void*>(aligned + len), end - (aligned + len));
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(p, len, MADV_HUGEPAGE);  // advice only: ignored where huge pages are off
#endif
  return p;
}

void deallocate(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kHuge) {
    ::operator delete(p);
    return;
  }
  munmap(p, round_up(bytes, kHuge));
}

}  // namespace powlab::huge_pages
