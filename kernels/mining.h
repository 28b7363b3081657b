// Private to the kernels library: the nonce-independent part of a sha256d header scan, worked
// out once per job in baseline code, and the entry points of the per-ISA files.
//
// DANGER: this header is included by files built with -mavx2 / -mavx512* / -msha. Anything
// inline or templated here is compiled once per ISA and the linker keeps ONE copy, which a
// baseline caller may then run (SIGILL on an older CPU). So: plain data and out-of-line
// declarations only; the per-ISA files keep their helpers in anonymous namespaces and hand
// std::vector work back to confirm_candidates() (defined in baseline mining.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "powlab/kernels.h"

namespace powlab::kernels {

// Second block of the first hash: W0..W2 = job.tail, W3 = bswap(nonce) (stored little-endian), W4 = 0x80000000 (padding),
// W5..W14 = 0, W15 = 640 (bit length). Everything that does not read W3 is folded here.
struct MiningConsts {
  std::uint32_t state2[8];  // a..h after rounds 0,1 (SHA-NI starts its round pairs at 2)
  std::uint32_t state3[8];  // a..h after rounds 0..2 (rounds 0-2 read only W0..W2)
  // Below, "nonce" means W3. Round 3 adds it to T1 only: a4 = a4_base + W3, e4 = e4_base + W3.
  std::uint32_t a4_base, e4_base;
  std::uint32_t w16, w17;   // sigma terms of W0..W15 only: nonce-free
  std::uint32_t w18_base;   // W18 = w18_base + sigma0(nonce)
  std::uint32_t w19_base;   // W19 = w19_base + nonce
  std::uint32_t w30_add;    // sigma0(W15) = sigma0(640): W30 = sigma1(W28) + W23 + w30_add
  std::uint32_t w31_add;    // sigma0(W16) + W15
  std::uint32_t w32_add;    // sigma0(W17) + W16
  // Second hash, round 0 from the IV: a1 = W0 + h2_a1_base, e1 = W0 + h2_e1_base.
  std::uint32_t h2_a1_base, h2_e1_base;
  // Early reject: the top little-endian hash word is bswap(IV[7] + e after round 60).
  std::uint32_t target7;
};

void precompute(const ScanJob& job, MiningConsts& mc);

// Lanes of `mask` (bit i = nonce first + i) passed the top-word filter: re-hash each with the
// scalar reference, full 256-bit compare, append winners in order. Out of line on purpose.
void confirm_candidates(const ScanJob& job, std::uint32_t first, std::uint32_t mask, std::vector<std::uint32_t>& found);

// Pads the last partial block(s) of an `len`-byte message: writes 64 or 128 bytes to `out`,
// returns the block count (1 or 2). `tail` holds the len % 64 trailing message bytes.
std::size_t pad_final(const std::uint8_t* tail, std::size_t len, std::uint8_t out[128]);

// The micro-benchmark harness (baseline code): calls body(iterations) in windows of thread
// CPU time for about `seconds` in all and returns the best window's rate, in the instructions
// body reports per CPU-second. A ceiling is a best case, so the best window is the estimate.
double best_rate(double seconds, std::uint64_t (*body)(std::uint64_t iterations));

// Micro-benchmarks of each kernel's binding instruction (KernelInfo::binding.rate).

// Per-ISA entry points (only declared when the compiler could build them).
#if POWLAB_KERNEL_AVX2
void scan_avx2(const ScanJob&, std::uint64_t, std::uint64_t, std::vector<std::uint32_t>&);
void sha256_batch_avx2(const std::uint8_t*, std::size_t, std::size_t, std::uint8_t*);
double binding_rate_avx2(double seconds);
#endif
#if POWLAB_KERNEL_AVX512
void scan_avx512(const ScanJob&, std::uint64_t, std::uint64_t, std::vector<std::uint32_t>&);
void sha256_batch_avx512(const std::uint8_t*, std::size_t, std::size_t, std::uint8_t*);
double binding_rate_avx512(double seconds);
#endif
#if POWLAB_KERNEL_SHANI
void scan_shani(const ScanJob&, std::uint64_t, std::uint64_t, std::vector<std::uint32_t>&);
void sha256_batch_shani(const std::uint8_t*, std::size_t, std::size_t, std::uint8_t*);
double binding_rate_shani(double seconds);
// sha256_core::compress on SHA-NI (one stream): what every other SHA-256 in powlab runs on.
void compress_shani(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks);
#endif
#if POWLAB_KERNEL_SHANI_VL
void scan_shani_vl(const ScanJob&, std::uint64_t, std::uint64_t, std::vector<std::uint32_t>&);
#endif
#if POWLAB_KERNEL_HYBRID
void scan_hybrid(const ScanJob&, std::uint64_t, std::uint64_t, std::vector<std::uint32_t>&);
#endif

}  // namespace powlab::kernels
