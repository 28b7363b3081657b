// The SHA-256 functions of FIPS 180-4 section 4.1.2, scalar, with the spec's names.
// Internal header of kernels/ for baseline-flag files only.
//
// Danger: these are `static` (internal linkage) on purpose. Inline functions with external
// linkage compiled into an -mavx512f file can be merged by the linker with the baseline copy,
// and a CPU without AVX-512 would then execute the AVX-512 one (SIGILL).
#pragma once

#include <bit>
#include <cstdint>

namespace powlab::sha256_ops {

static constexpr std::uint32_t Ch(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) ^ (~x & z); }
static constexpr std::uint32_t Maj(std::uint32_t x, std::uint32_t y, std::uint32_t z) {
  return (x & y) ^ (x & z) ^ (y & z);
}
static constexpr std::uint32_t Sigma0(std::uint32_t x) { return std::rotr(x, 2) ^ std::rotr(x, 13) ^ std::rotr(x, 22); }
static constexpr std::uint32_t Sigma1(std::uint32_t x) { return std::rotr(x, 6) ^ std::rotr(x, 11) ^ std::rotr(x, 25); }
static constexpr std::uint32_t sigma0(std::uint32_t x) { return std::rotr(x, 7) ^ std::rotr(x, 18) ^ (x >> 3); }
static constexpr std::uint32_t sigma1(std::uint32_t x) { return std::rotr(x, 17) ^ std::rotr(x, 19) ^ (x >> 10); }

}  // namespace powlab::sha256_ops
