// Compact nBits <-> 256-bit target with Bitcoin Core's exact semantics (arith_uint256
// SetCompact/GetCompact), block work, and difficulty for display.
//
// The compact format is a base-256 float: the top byte is the size in bytes, the low 23 bits
// the mantissa, and bit 0x00800000 a sign. target = mantissa * 256^(size-3).
#pragma once

#include <cstdint>
#include <string>

#include "powlab/consensus/u256.h"

namespace powlab {

struct CompactTarget {
  U256 target;
  bool negative = false;  // sign bit set with a non-zero mantissa
  bool overflow = false;  // the value does not fit 256 bits
};

CompactTarget decode_compact(std::uint32_t bits);
// Never emits the sign bit for a positive value: a mantissa with its high bit set is shifted
// down a byte and the size bumped (Core: "don't generate compacts with the 0x00800000 bit").
std::uint32_t encode_compact(const U256& target, bool negative = false);

// floor(2^256 / (target + 1)): the expected number of hashes to meet the target, and a
// block's contribution to chain work. Zero for an invalid (negative, overflow, zero) nBits.
U256 block_work(std::uint32_t bits);
U256 work_from_target(const U256& target);

// Difficulty relative to 0x1d00ffff (the genesis target), computed as Core's GetDifficulty
// does. Display only: never feed it back into consensus.
double difficulty(std::uint32_t bits);

// "0x1d00ffff": how nBits is written in messages.
std::string bits_hex(std::uint32_t bits);

}  // namespace powlab
