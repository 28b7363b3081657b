// SHA-NI kernel, SSE encoding: runs on every SHA-NI CPU. Built with -msha -msse4.1 (this file
// only). The scan itself is in shani_core.inl.
#include "shani_core.inl"

namespace powlab::kernels {
namespace {

// One plain compression, one stream (the batch entry; the miner never uses it).
void compress1(__m128i& abef, __m128i& cdgh, const std::uint8_t* block) {
  const __m128i bswap = _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  __m128i m[4];
  for (int g = 0; g < 4; ++g) m[g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * g)), bswap);
  const __m128i a0 = abef, c0 = cdgh;
  for (int g = 0; g < 4; ++g) rounds4(abef, cdgh, _mm_add_epi32(m[g], kgroup(g)));
  for (int g = 4; g < 16; ++g) {
    m[g & 3] = next_group(m[g & 3], m[(g + 1) & 3], m[(g + 2) & 3], m[(g + 3) & 3]);
    rounds4(abef, cdgh, _mm_add_epi32(m[g & 3], kgroup(g)));
  }
  abef = _mm_add_epi32(abef, a0);
  cdgh = _mm_add_epi32(cdgh, c0);
}

// sha256rnds2 throughput: eight independent chains, each rnds2 reading the one before it in
// its chain. Latency is about 4 cycles and issue one per cycle (measured on Zen 3 and Zen 4),
// so 8 chains keep the unit busy with room to spare; the chains sit in fixed registers (asm
// operands), so no spill or move competes. xmm0 is the instruction's implicit third operand.
std::uint64_t rnds2_chains(std::uint64_t n) {
  __m128i a0 = _mm_set1_epi32(1), a1 = _mm_set1_epi32(2), a2 = _mm_set1_epi32(3), a3 = _mm_set1_epi32(4);
  __m128i a4 = _mm_set1_epi32(5), a5 = _mm_set1_epi32(6), a6 = _mm_set1_epi32(7), a7 = _mm_set1_epi32(8);
  const __m128i s = _mm_set1_epi32(9), wk = _mm_set1_epi32(10);
  for (std::uint64_t i = 0; i < n; ++i) {
    asm volatile(
        "sha256rnds2 %[s], %[a0]\n\tsha256rnds2 %[s], %[a1]\n\tsha256rnds2 %[s], %[a2]\n\tsha256rnds2 %[s], %[a3]\n\t"
        "sha256rnds2 %[s], %[a4]\n\tsha256rnds2 %[s], %[a5]\n\tsha256rnds2 %[s], %[a6]\n\tsha256rnds2 %[s], %[a7]\n\t"
        : [a0] "+x"(a0), [a1] "+x"(a1), [a2] "+x"(a2), [a3] "+x"(a3), [a4] "+x"(a4), [a5] "+x"(a5), [a6] "+x"(a6),
          [a7] "+x"(a7)
        : [s] "x"(s), "Yz"(wk));
  }
  return 8 * n;
}

}  // namespace

double binding_rate_shani(double seconds) { return best_rate(seconds, rnds2_chains); }

// Measured on Zen 4 (docs/PERFORMANCE.md): see the stream-count table there.
constexpr int kStreams = POWLAB_SHANI_STREAMS;

void scan_shani(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  scan_streams<kStreams>(job, begin, end, found);
}

void compress_shani(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) {
  __m128i abef, cdgh;
  to_shani(state, abef, cdgh);
  for (; blocks > 0; --blocks, data += 64) compress1(abef, cdgh, data);
  std::uint32_t st[8];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(st), abef);      // F E B A
  _mm_storeu_si128(reinterpret_cast<__m128i*>(st + 4), cdgh);  // H G D C
  const std::uint32_t ordered[8] = {st[3], st[2], st[7], st[6], st[1], st[0], st[5], st[4]};
  std::memcpy(state, ordered, sizeof ordered);
}

void sha256_batch_shani(const std::uint8_t* msgs, std::size_t len, std::size_t count, std::uint8_t* out) {
  const std::size_t full = len / 64;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* msg = msgs + i * len;
    __m128i abef, cdgh;
    to_shani(sha256_core::kInit.data(), abef, cdgh);
    for (std::size_t b = 0; b < full; ++b) compress1(abef, cdgh, msg + 64 * b);
    std::uint8_t pad[128];
    const std::size_t extra = pad_final(msg + 64 * full, len, pad);
    for (std::size_t b = 0; b < extra; ++b) compress1(abef, cdgh, pad + 64 * b);
    std::uint32_t st[8];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st), abef);      // F E B A
    _mm_storeu_si128(reinterpret_cast<__m128i*>(st + 4), cdgh);  // H G D C
    const std::uint32_t ordered[8] = {st[3], st[2], st[7], st[6], st[1], st[0], st[5], st[4]};
    for (int j = 0; j < 8; ++j) {
      const std::uint32_t be = __builtin_bswap32(ordered[j]);
      std::memcpy(out + 32 * i + 4 * j, &be, 4);
    }
  }
}

}  // namespace powlab::kernels
