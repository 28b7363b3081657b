// Network presets: named sets of consensus parameters.
//   mainnet  Bitcoin's values: 600 s blocks, 2016-block retarget, 210,000-block halving,
//            50-coin subsidy, powLimit 0x1d00ffff.
//   lab      fast blocks for demos. Block interval, retarget interval, halving interval,
//            initial nBits and powLimit are all configurable; retargeting uses the exact
//            Bitcoin arithmetic (retarget.h) with timespan = interval * spacing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/consensus/params.h"

namespace powlab {

struct LabOptions {
  std::int64_t spacing = 10;            // seconds per block
  std::int64_t retarget_interval = 20;  // blocks per retarget period
  std::int64_t halving_interval = 150;  // blocks per subsidy halving
  std::uint32_t initial_bits = 0x1f00ffff;   // genesis nBits: ~2^16 hashes per block
  std::uint32_t pow_limit_bits = 0x207fffff; // the easiest target (regtest's powLimit)
  // Coinbase maturity (mainnet 100). 3: in the README tour alice mines blocks 0..2 and can
  // pay bob from block 0's coinbase in block 3, while block 1's and 2's still wait.
  std::int64_t coinbase_maturity = 3;
};

// The lab network with these options. Throws std::invalid_argument naming the bad value
// (non-positive interval, a retarget window or timespan outside the limits above, an nBits that is negative, overflows, is zero, or is easier than the
// powLimit).
ConsensusParams lab_network(const LabOptions& options = {});

// "mainnet" or "lab" (with default LabOptions). Throws std::invalid_argument for other names.
ConsensusParams network_by_name(std::string_view name);

// Limits that keep the retarget from degenerating (check_network refuses anything outside):
//   a window of at least 2 blocks: the period is measured from its first block to its last,
//     so a 1-block window always measures 0 s;
//   a timespan of at least 4 s: the lower clamp is timespan/4 in integer seconds, 0 below 4 s,
//     and a clamped timespan of 0 scales the target to 0 (nBits 0: no block can follow);
//   a timespan of at most INT64_MAX/4 s: the upper clamp is timespan*4.
// With these, calculate_next_work_required never returns a zero target (retarget_test.cpp).
inline constexpr std::int64_t kMinRetargetInterval = 2;
inline constexpr std::int64_t kMinRetargetTimespan = 4;
inline constexpr std::int64_t kMaxRetargetTimespan = INT64_MAX / 4;

// Core's sanity_check_chainparams: timespan a multiple of spacing, initial nBits valid and
// <= powLimit, halving interval positive, the supply within the money range (check_supply),
// coinbase maturity >= 0. Returns the problem, or an empty string.
std::string check_network(const ConsensusParams& params);

// Whether every subsidy the halving schedule will ever pay, summed, stays within kMaxMoney:
// Bitcoin's 50 coins x 210,000 blocks x (1 + 1/2 + ...) is 20,999,999.9769 coins, just
// under MAX_MONEY; a schedule that mints more would let a block's accumulated fees leave the
// money range. Returns the problem, or an empty string.
std::string check_supply(const ConsensusParams& params);

// The compact nBits whose target has `zeros` leading zero bits: target = 2^(256-zeros) - 1,
// re-encoded (so truncated, as every compact target is). 1 <= zeros <= 255.
std::uint32_t bits_for_leading_zeros(int zeros);

}  // namespace powlab
