// Difficulty retargeting (Bitcoin Core pow.cpp) and median-time-past.
#pragma once

#include <cstdint>
#include <span>

#include "powlab/consensus/params.h"

namespace powlab {

// CalculateNextWorkRequired: the nBits for the first block of a new period, given the last
// block's nBits and the times of the period's first and last blocks. Note the off-by-one kept
// from Bitcoin: 2016 blocks span only 2015 intervals. The timespan is clamped to
// [timespan/4, timespan*4]; the result is capped at pow_limit and truncated by re-encoding.
std::uint32_t calculate_next_work_required(std::uint32_t last_bits, std::int64_t first_block_time,
                                           std::int64_t last_block_time, const ConsensusParams& params);

// True when `height` starts a new retarget period.
inline bool is_retarget_height(std::int64_t height, const ConsensusParams& params) {
  return height % params.interval() == 0;
}

// PermittedDifficultyTransition: could `new_bits` follow `old_bits` at `height` under any
// timestamps? Inside a period nBits must not change; at a boundary it must lie within the
// clamp range (each bound rounded through the compact encoding, as Core does).
bool permitted_difficulty_transition(std::int64_t height, std::uint32_t old_bits, std::uint32_t new_bits,
                                     const ConsensusParams& params);

// Median of `times` (the previous up-to-11 block times, any order). A new block's time must
// be strictly greater. Requires a non-empty span.
std::int64_t median_time_past(std::span<const std::int64_t> times);

}  // namespace powlab
