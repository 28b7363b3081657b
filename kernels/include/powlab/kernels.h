// The hashing kernels: sha256d nonce scans over an 80-byte header, one implementation per ISA,
// chosen at run time. This header is the whole public surface of the kernels library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace powlab::kernels {

// A header prepared for scanning nonces. Words are SHA-256 message words (big-endian loads).
struct ScanJob {
  std::array<std::uint32_t, 8> midstate{};  // state after compressing header bytes 0..63
  std::array<std::uint32_t, 3> tail{};      // message words 16..18: merkle tail, time, bits
  // Target as eight 32-bit words, least significant first (target[7] is the top word).
  // A nonce wins when the hash, read as a little-endian 256-bit number, is <= target.
  std::array<std::uint32_t, 8> target{};
};

// Builds a job from a raw 80-byte header (its nonce field is ignored) and a target.
ScanJob make_scan_job(std::span<const std::uint8_t, 80> header, const std::array<std::uint32_t, 8>& target);

// Appends to `found`, in increasing order, every nonce n in [begin, end) whose sha256d meets
// the target. Requires begin <= end <= 2^32 (so a range may end at 0xFFFFFFFF inclusive).
using ScanFn = void (*)(const ScanJob& job, std::uint64_t begin, std::uint64_t end,
                        std::vector<std::uint32_t>& found);

// The portable scan, the oracle every other kernel is tested against.
void scan_scalar(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found);

// sha256d of the 80-byte header with `nonce` written in, as little-endian target-order words
// (word 7 most significant). The full-width re-check every reported nonce passes.
std::array<std::uint32_t, 8> hash_words(const ScanJob& job, std::uint32_t nonce);
bool meets_target(const std::array<std::uint32_t, 8>& hash, const std::array<std::uint32_t, 8>& target);

}  // namespace powlab::kernels
