// Verification of a run of consecutive headers under a network's rules: linkage, proof of
// work, nBits against the retarget rule, and median-time-past. The engine behind
// `powlab verify`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "powlab/consensus/header.h"
#include "powlab/consensus/params.h"
#include "powlab/consensus/u256.h"

namespace powlab {

// Reason codes are Bitcoin Core's reject strings (validation.cpp), plus bad-length for a
// header that is not exactly 80 bytes.
enum class HeaderReject { bad_prevblk, high_hash, bad_diffbits, time_too_old, time_too_new, bad_length };
std::string_view to_string(HeaderReject r);  // "bad-prevblk", "high-hash", ...

struct HeaderFailure {
  std::int64_t height = 0;
  std::optional<Hash256> hash;  // absent for bad-length (no whole header to hash)
  HeaderReject reason{};
  std::string detail;           // a human sentence: what was expected and what was found
};

struct ChainVerifyResult {
  std::size_t headers = 0;      // headers checked (those before the failure, on failure)
  std::int64_t first_height = 0;
  Hash256 tip{};                // hash of the last good header
  U256 chainwork;               // summed work of the good headers
  std::optional<HeaderFailure> failure;
  // Rules that could not be checked for lack of earlier headers in the input, once each,
  // e.g. a retarget whose period start precedes the file. Said, never silently skipped.
  std::vector<std::string> unchecked;

  bool valid() const { return !failure.has_value(); }
};

struct VerifyOptions {
  // Headers later than now + max_future_block_time are time-too-new. Unset: not checked.
  std::optional<std::int64_t> now;
};

ChainVerifyResult verify_header_chain(std::span<const BlockHeader> headers, std::int64_t first_height,
                                      const ConsensusParams& params, const VerifyOptions& options = {});

}  // namespace powlab
