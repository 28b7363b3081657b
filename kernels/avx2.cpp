// 8-lane AVX2 kernel: sha256_lanes.inl over __m256i. Built with -mavx2 (this file only).
#include <immintrin.h>

#include "sha256_lanes.inl"

namespace powlab::kernels {
namespace {

struct Avx2 {
  using reg = __m256i;
  static constexpr int kLanes = 8;
  static POWLAB_INLINE reg set1(std::uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
  static POWLAB_INLINE reg add(reg a, reg b) { return _mm256_add_epi32(a, b); }
  static POWLAB_INLINE reg xor3(reg a, reg b, reg c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
  template <int n>
  static POWLAB_INLINE reg rotr(reg x) { return _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - n)); }
  template <int n>
  static POWLAB_INLINE reg shr(reg x) { return _mm256_srli_epi32(x, n); }
  // Ch = g ^ (e & (f ^ g)); Maj = (a & b) | (c & (a | b)): one op fewer than the spec's forms.
  static POWLAB_INLINE reg ch(reg e, reg f, reg g) { return _mm256_xor_si256(g, _mm256_and_si256(e, _mm256_xor_si256(f, g))); }
  static POWLAB_INLINE reg maj(reg a, reg b, reg c) {
    return _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(c, _mm256_or_si256(a, b)));
  }
  static POWLAB_INLINE reg iota() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static POWLAB_INLINE reg bswap(reg x) {
    const reg m = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
                                   3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    return _mm256_shuffle_epi8(x, m);
  }
  // No unsigned compare in AVX2: a <= b exactly when max(a, b) == b.
  static POWLAB_INLINE std::uint32_t le_mask(reg a, reg b) {
    const reg le = _mm256_cmpeq_epi32(_mm256_max_epu32(a, b), b);
    return static_cast<std::uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(le)));
  }
  static POWLAB_INLINE reg loadu(const std::uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const reg*>(p)); }
  static POWLAB_INLINE void storeu(std::uint32_t* p, reg v) { _mm256_storeu_si256(reinterpret_cast<reg*>(p), v); }
};

// The AVX2 round's mix on ymm, in equal parts: vpaddd, vpsrld, vpslld, vpxor, vpor, vpand (a
// rotate is two shifts and an or without AVX-512), on 12 independent accumulators so
// throughput, not latency, is measured.
std::uint64_t vector_mix(std::uint64_t n) {
  __m256i r[12];
  for (int i = 0; i < 12; ++i) r[i] = _mm256_set1_epi32(i + 1);
  const __m256i k = _mm256_set1_epi32(0x5a827999);
  for (std::uint64_t i = 0; i < n; ++i) {
    asm volatile(
        "vpaddd %[k], %[r0], %[r0]\n\t"
        "vpsrld $7, %[r1], %[r1]\n\t"
        "vpxor %[k], %[r2], %[r2]\n\t"
        "vpslld $25, %[r3], %[r3]\n\t"
        "vpor %[k], %[r4], %[r4]\n\t"
        "vpand %[k], %[r5], %[r5]\n\t"
        "vpaddd %[k], %[r6], %[r6]\n\t"
        "vpsrld $7, %[r7], %[r7]\n\t"
        "vpxor %[k], %[r8], %[r8]\n\t"
        "vpslld $25, %[r9], %[r9]\n\t"
        "vpor %[k], %[r10], %[r10]\n\t"
        "vpand %[k], %[r11], %[r11]\n\t"
        : [r0] "+v"(r[0]), [r1] "+v"(r[1]), [r2] "+v"(r[2]), [r3] "+v"(r[3]), [r4] "+v"(r[4]), [r5] "+v"(r[5]),
          [r6] "+v"(r[6]), [r7] "+v"(r[7]), [r8] "+v"(r[8]), [r9] "+v"(r[9]), [r10] "+v"(r[10]), [r11] "+v"(r[11])
        : [k] "v"(k));
  }
  return 12 * n;
}

}  // namespace

double binding_rate_avx2(double seconds) { return best_rate(seconds, vector_mix); }

void scan_avx2(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  Sha256Lanes<Avx2>::scan(job, begin, end, found);
}

void sha256_batch_avx2(const std::uint8_t* msgs, std::size_t len, std::size_t count, std::uint8_t* out) {
  Sha256Lanes<Avx2>::batch(msgs, len, count, out);
}

}  // namespace powlab::kernels
