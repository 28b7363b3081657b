// Difficulty retargeting (Bitcoin Core pow.cpp) and median-time-past.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

// GetNextWorkRequired (Core pow.cpp, without testnet's min-difficulty rule): the nBits the
// block at `height` must carry, whose parent carries `last_bits` at `last_time`. Inside a
// period nBits does not change; at a retarget height, first_time(h) gives the time of the
// period's first block (at height h = height - interval), and is asked nothing otherwise.
// nullopt: first_time did not know it (history the caller does not have).
template <class FirstTime>  // std::optional<std::int64_t>(std::int64_t height)
std::optional<std::uint32_t> next_work_required(std::int64_t height, std::uint32_t last_bits, std::int64_t last_time,
                                                const ConsensusParams& params, FirstTime&& first_time) {
  if (!is_retarget_height(height, params)) return last_bits;
  const std::optional<std::int64_t> first = first_time(height - params.interval());
  if (!first) return std::nullopt;
  return calculate_next_work_required(last_bits, *first, last_time, params);
}

// PermittedDifficultyTransition: could `new_bits` follow `old_bits` at `height` under any
// timestamps? Inside a period nBits must not change; at a boundary it must lie within the
// clamp range (each bound rounded through the compact encoding, as Core does).
bool permitted_difficulty_transition(std::int64_t height, std::uint32_t old_bits, std::uint32_t new_bits,
                                     const ConsensusParams& params);

// Core GetMedianTimePast: of the previous up-to-11 block times (any order), sorted[size / 2].
// A new block's time must be strictly greater. Requires 1..kMedianTimeSpan values (throws
// std::invalid_argument otherwise); allocates nothing (the block tree calls it per block).
inline constexpr std::size_t kMedianTimeSpan = 11;
std::int64_t median_time_past(std::span<const std::int64_t> times);

}  // namespace powlab
