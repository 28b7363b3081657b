// An allocator for the big flat arrays of a long simulation (the block tree's entries and
// hash index, the race's per-block columns): storage of 2 MiB or more is mapped on its own and
// marked for transparent huge pages (Linux madvise(MADV_HUGEPAGE)), smaller storage comes from
// operator new.
//
// Why: a million-block tree is ~140 MiB touched once each and a 16 MiB hash index probed at
// random. On 4 KiB pages that is ~40k page faults and a TLB miss per probe, which cost more
// than the simulation itself on a virtual machine (nested paging; docs/PERFORMANCE.md).
// Where huge pages are off or refused, this is a plain page-aligned mapping: same behaviour,
// only slower.
#pragma once

#include <cstddef>
#include <new>

namespace powlab {

namespace huge_pages {
void* allocate(std::size_t bytes);                 // throws std::bad_alloc
void deallocate(void* p, std::size_t bytes) noexcept;
}  // namespace huge_pages

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(huge_pages::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { huge_pages::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace powlab
