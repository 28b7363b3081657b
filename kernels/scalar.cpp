// Portable scalar kernel: plain SHA-256 compressions through sha256_core::compress_portable, with
// the midstate as the only shortcut. Slow and obviously right; it is the oracle.
#include <bit>
#include <cstring>

#include "powlab/kernels.h"
#include "powlab/sha256.h"

namespace powlab::kernels {
namespace {

inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
inline std::uint32_t bswap32(std::uint32_t v) { return __builtin_bswap32(v); }

}  // namespace

ScanJob make_scan_job(std::span<const std::uint8_t, 80> header, const std::array<std::uint32_t, 8>& target) {
  ScanJob job;
  job.midstate = sha256_core::kInit;
  sha256_core::compress_portable(job.midstate.data(), header.data(), 1);
  for (int i = 0; i < 3; ++i) job.tail[i] = load_be32(header.data() + 64 + 4 * i);
  job.target = target;
  return job;
}

std::array<std::uint32_t, 8> hash_words(const ScanJob& job, std::uint32_t nonce) {
  // Second block of the first hash: 16 header bytes, then padding for an 80-byte message.
  std::uint8_t block[64] = {};
  for (int i = 0; i < 3; ++i) store_be32(block + 4 * i, job.tail[i]);
  std::memcpy(block + 12, &nonce, 4);  // the nonce is serialized little-endian
  if constexpr (std::endian::native != std::endian::little) store_be32(block + 12, bswap32(nonce));
  block[16] = 0x80;
  block[62] = 0x02;  // 640 bits
  block[63] = 0x80;
  std::uint32_t s1[8];
  std::memcpy(s1, job.midstate.data(), sizeof s1);
  sha256_core::compress_portable(s1, block, 1);

  // Second hash: one block holding the 32-byte digest, padded for a 256-bit message.
  std::uint8_t block2[64] = {};
  for (int i = 0; i < 8; ++i) store_be32(block2 + 4 * i, s1[i]);
  block2[32] = 0x80;
  block2[62] = 0x01;  // 256 bits
  std::uint32_t s2[8];
  std::memcpy(s2, sha256_core::kInit.data(), sizeof s2);
  sha256_core::compress_portable(s2, block2, 1);

  // Digest bytes are BE(s2[0]) .. BE(s2[7]); as a little-endian number, word i is bswap(s2[i]).
  std::array<std::uint32_t, 8> h;
  for (int i = 0; i < 8; ++i) h[i] = bswap32(s2[i]);
  return h;
}

bool meets_target(const std::array<std::uint32_t, 8>& hash, const std::array<std::uint32_t, 8>& target) {
  for (int i = 7; i >= 0; --i) {
    if (hash[i] != target[i]) return hash[i] < target[i];
  }
  return true;  // equal: hash <= target
}

void scan_scalar(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  for (std::uint64_t n = begin; n < end; ++n) {
    const auto nonce = static_cast<std::uint32_t>(n);
    if (meets_target(hash_words(job, nonce), job.target)) found.push_back(nonce);
  }
}

}  // namespace powlab::kernels
