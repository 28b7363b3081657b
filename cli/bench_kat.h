// bench's known answer, shared by `bench` and `bench --mpi` (which splits the same nonce range
// across ranks and must arrive at the same checksum).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "powlab/consensus/header.h"
#include "powlab/consensus/u256.h"
#include "powlab/mining/search.h"
#include "powlab/sha256.h"

namespace powlab::cli {

// Each point warms the cores (clock ramp, caches) this long before its measured windows.
inline constexpr double kWarmupSeconds = 0.3;

// The median of a few repeats (the benches quote medians: the machine is shared and noisy).
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

inline constexpr char kGenesisHex[] =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc8"
    "1bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

// Known answer: genesis nonces [0, 2^20) whose hash has 16 leading zero bits (14 of them),
// checksummed as the first 16 hex digits of SHA-256 over the winners as little-endian uint32.
// Derived independently with Python's hashlib, not with powlab.
inline constexpr std::uint64_t kKatNonces = std::uint64_t{1} << 20;
inline constexpr char kKatChecksum[] = "105b3eeaa0c4cc17";

inline SearchRequest base_request() {
  SearchRequest req;
  req.header = BlockHeader::from_hex(kGenesisHex);
  req.target = ~U256(0) >> 16;  // winners are real but rare (1 in 65536): the re-check path runs
  return req;
}

// The winners must be in ascending order (a search returns them sorted).
inline std::string checksum_of(const std::vector<std::uint32_t>& found) {
  std::vector<std::uint8_t> bytes;
  for (std::uint32_t n : found) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  const Digest d = sha256(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) s += {kHex[d[i] >> 4], kHex[d[i] & 15]};
  return s;
}

}  // namespace powlab::cli
