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

// FIPS 180-4 section 4.2.2: the 64 round constants.
extern const std::array<std::uint32_t, 64> kRound;

// One compression of `blocks` consecutive 64-byte blocks into `state` (no padding).
void compress(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks);

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
