// SHA-NI kernel built with AVX-512VL beside -msha: the same scan as shani.cpp (shani_core.inl),
// but the compiler may encode the non-SHA operations with EVEX and keep message words in
// xmm16-31 instead of spilling them, which sha256rnds2/msg1/msg2 (legacy SSE encodings only)
// cannot do. Measured on Zen 4 (docs/PERFORMANCE.md) this is the faster SHA-NI build; it needs
// an AVX-512 CPU, so plain `shani` stays for the others (Zen 3, most Intel cores with SHA-NI).
#include "shani_core.inl"

namespace powlab::kernels {

void scan_shani_vl(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  scan_streams<POWLAB_SHANI_STREAMS>(job, begin, end, found);
}

}  // namespace powlab::kernels
