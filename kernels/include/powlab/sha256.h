// SHA-256 (FIPS 180-4) with a streaming API, and Bitcoin's double SHA-256.
// This is the portable reference: every SIMD kernel is tested against it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace powlab {

using Digest = std::array<std::uint8_t, 32>;

namespace sha256_core {

// FIPS 180-4 section 5.3.3: the initial hash value.
inline constexpr std::array<std::uint32_t, 8> kInit = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};

// FIPS 180-4 section 4.2.2: the 64 round constants. constexpr so kernels fold K[t] + W[t].
inline constexpr std::array<std::uint32_t, 64> kRound = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

// One compression of `blocks` consecutive 64-byte blocks into `state` (no padding), on the
// fastest implementation this CPU runs correctly: SHA-NI when present and its self-test
// against the portable code passes (chosen once; POWLAB_CPU_MASK can rule it out), else
// compress_portable. Transaction ids, Merkle roots and header checks all run on it.
void compress(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks);
// The portable reference (plain C++, FIPS 180-4 section 6.2.2), which compress is tested against.
void compress_portable(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks);
// "sha-ni" or "portable": what compress runs on.
const char* compress_name();

}  // namespace sha256_core

// Streaming SHA-256: init (the constructor or reset), update any number of times, final once.
class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  Sha256& update(const std::uint8_t* data, std::size_t len);
  Sha256& update(std::span<const std::uint8_t> data) { return update(data.data(), data.size()); }
  // Writes the digest and leaves the object reset, ready for a new message.
  Digest final();

 private:
  std::uint32_t state_[8];
  std::uint8_t buffer_[64];
  std::uint64_t bytes_ = 0;  // total message length so far (SHA-256 limits it to 2^64 bits)
};

Digest sha256(std::span<const std::uint8_t> data);
// sha256d(x) = SHA256(SHA256(x)): Bitcoin's block and transaction hash.
Digest sha256d(std::span<const std::uint8_t> data);

}  // namespace powlab
