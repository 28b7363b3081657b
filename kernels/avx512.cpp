// 16-lane AVX-512 kernel: sha256_lanes.inl over __m512i. Built with -mavx512f/vl/bw (this
// file only). vprord and vpternlogd make each rotate, Ch, Maj and 3-way xor one instruction.
#include <immintrin.h>

#include "avx512_traits.inl"

namespace powlab::kernels {
namespace {

// The vector round's mix, one third each of vpaddd, vprord and vpternlogd on zmm (each is one
// instruction here; the kernel's other ALU ops, vpsrld and vpshufb, cost the same), on 12
// independent accumulators so throughput, not latency, is measured.
std::uint64_t vector_mix(std::uint64_t n) {
  __m512i r[12];
  for (int i = 0; i < 12; ++i) r[i] = _mm512_set1_epi32(i + 1);
  const __m512i k = _mm512_set1_epi32(0x5a827999);
  for (std::uint64_t i = 0; i < n; ++i) {
    asm volatile(
        "vpaddd %[k], %[r0], %[r0]\n\t"
        "vprord $7, %[r1], %[r1]\n\t"
        "vpternlogd $0x96, %[k], %[k], %[r2]\n\t"
        "vpaddd %[k], %[r3], %[r3]\n\t"
        "vprord $7, %[r4], %[r4]\n\t"
        "vpternlogd $0x96, %[k], %[k], %[r5]\n\t"
        "vpaddd %[k], %[r6], %[r6]\n\t"
        "vprord $7, %[r7], %[r7]\n\t"
        "vpternlogd $0x96, %[k], %[k], %[r8]\n\t"
        "vpaddd %[k], %[r9], %[r9]\n\t"
        "vprord $7, %[r10], %[r10]\n\t"
        "vpternlogd $0x96, %[k], %[k], %[r11]\n\t"
        : [r0] "+v"(r[0]), [r1] "+v"(r[1]), [r2] "+v"(r[2]), [r3] "+v"(r[3]), [r4] "+v"(r[4]), [r5] "+v"(r[5]),
          [r6] "+v"(r[6]), [r7] "+v"(r[7]), [r8] "+v"(r[8]), [r9] "+v"(r[9]), [r10] "+v"(r[10]), [r11] "+v"(r[11])
        : [k] "v"(k));
  }
  return 12 * n;
}

}  // namespace

double binding_rate_avx512(double seconds) { return best_rate(seconds, vector_mix); }

void scan_avx512(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  Sha256Lanes<Avx512>::scan(job, begin, end, found);
}

void sha256_batch_avx512(const std::uint8_t* msgs, std::size_t len, std::size_t count, std::uint8_t* out) {
  Sha256Lanes<Avx512>::batch(msgs, len, count, out);
}

}  // namespace powlab::kernels
