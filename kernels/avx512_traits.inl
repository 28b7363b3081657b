// The 16-lane AVX-512 vector type for sha256_lanes.inl, shared by avx512.cpp and hybrid.cpp
// (both built with -mavx512f/vl/bw). vprord and vpternlogd make each rotate, Ch, Maj and 3-way
// xor one instruction.
#include <immintrin.h>

#include "sha256_lanes.inl"

namespace powlab::kernels {
namespace {

struct Avx512 {
  using reg = __m512i;
  static constexpr int kLanes = 16;
  static POWLAB_INLINE reg set1(std::uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  static POWLAB_INLINE reg add(reg a, reg b) { return _mm512_add_epi32(a, b); }
  // Ternary-logic immediates are the truth tables over (a, b, c) = (0xF0, 0xCC, 0xAA).
  static POWLAB_INLINE reg xor3(reg a, reg b, reg c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
  // The all-ones masked form is plain vprord; the unmasked intrinsic trips GCC 12's
  // -Wmaybe-uninitialized through _mm512_undefined_epi32().
  template <int n>
  static POWLAB_INLINE reg rotr(reg x) { return _mm512_mask_ror_epi32(x, 0xFFFF, x, n); }
  template <int n>
  static POWLAB_INLINE reg shr(reg x) { return reinterpret_cast<reg>(reinterpret_cast<__v16su>(x) >> n); }
  static POWLAB_INLINE reg ch(reg e, reg f, reg g) { return _mm512_ternarylogic_epi32(e, f, g, 0xCA); }
  static POWLAB_INLINE reg maj(reg a, reg b, reg c) { return _mm512_ternarylogic_epi32(a, b, c, 0xE8); }
  static POWLAB_INLINE reg iota() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  static POWLAB_INLINE reg bswap(reg x) {
    const reg m = _mm512_setr4_epi32(0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f);  // bytes 3,2,1,0 per word
    return _mm512_shuffle_epi8(x, m);
  }
  static POWLAB_INLINE std::uint32_t le_mask(reg a, reg b) { return _mm512_cmple_epu32_mask(a, b); }
  static POWLAB_INLINE reg loadu(const std::uint32_t* p) { return _mm512_loadu_si512(p); }
  static POWLAB_INLINE void storeu(std::uint32_t* p, reg v) { _mm512_storeu_si512(p, v); }
};

}  // namespace
}  // namespace powlab::kernels
