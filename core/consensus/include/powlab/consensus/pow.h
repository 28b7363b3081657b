// The proof-of-work check (Bitcoin Core pow.cpp CheckProofOfWorkImpl).
#pragma once

#include <cstdint>
#include <string_view>

#include "powlab/util/hex.h"
#include "powlab/consensus/u256.h"

namespace powlab {

enum class PowStatus { ok, negative_target, overflow_target, zero_target, above_pow_limit, high_hash };

// Short reason text for a status: "ok", "negative target", ... Stable: tests and JSON use it.
std::string_view to_string(PowStatus s);

// Valid when the decoded target is not negative, does not overflow, is non-zero and at most
// pow_limit, and the hash (raw order read as a little-endian number) is <= target.
PowStatus check_proof_of_work(const Hash256& hash, std::uint32_t bits, const U256& pow_limit);

inline U256 hash_to_u256(const Hash256& raw) { return U256::from_le_bytes(raw); }

}  // namespace powlab
