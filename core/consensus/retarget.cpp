#include "powlab/consensus/retarget.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

#include "powlab/consensus/target.h"

namespace powlab {

namespace {
// old * timespan / target_timespan, capped at pow_limit. The product can exceed 256 bits
// (0x207fffff * 4 * 1,209,600 does), so mul_div computes it through 320 bits.
//
// Floored at 1, where Bitcoin Core is not: with a target of 1..7 the quotient can round down
// to 0 (1 * 302,400 / 1,209,600 on mainnet), Core would write nBits 0, and no block could
// follow (a zero target is refused). Reaching a target under 8 takes about 2^253 hashes per
// block, so no real chain ever differs; the floor keeps "a retarget never yields a zero
// target" true for every input, which the block tree and the race rely on.
U256 scaled_target(const U256& old_target, std::int64_t timespan, const ConsensusParams& params) {
  bool overflow = false;
  U256 t = U256::mul_div(old_target, static_cast<std::uint64_t>(timespan),
                         static_cast<std::uint64_t>(params.target_timespan), &overflow);
  if (overflow || t > params.pow_limit) t = params.pow_limit;
  if (t.is_zero()) t = U256(1);
  return t;
}
}  // namespace

std::uint32_t calculate_next_work_required(std::uint32_t last_bits, std::int64_t first_block_time,
                                           std::int64_t last_block_time, const ConsensusParams& params) {
  // Saturating difference: times come from untrusted headers and may be in any order.
  std::int64_t actual = 0;
  if (__builtin_sub_overflow(last_block_time, first_block_time, &actual)) {
    actual = last_block_time < first_block_time ? INT64_MIN : INT64_MAX;
  }
  actual = std::clamp(actual, params.target_timespan / 4, params.target_timespan * 4);
  const CompactTarget old_target = decode_compact(last_bits);
  return encode_compact(scaled_target(old_target.target, actual, params));
}

bool permitted_difficulty_transition(std::int64_t height, std::uint32_t old_bits, std::uint32_t new_bits,
                                     const ConsensusParams& params) {
  if (!is_retarget_height(height, params)) return old_bits == new_bits;
  const U256 old_target = decode_compact(old_bits).target;
  const U256 observed = decode_compact(new_bits).target;
  // Each bound goes through the compact encoding, which truncates, exactly as Core does.
  const U256 largest =
      decode_compact(encode_compact(scaled_target(old_target, params.target_timespan * 4, params))).target;
  const U256 smallest =
      decode_compact(encode_compact(scaled_target(old_target, params.target_timespan / 4, params))).target;
  return observed <= largest && observed >= smallest;
}

std::int64_t median_time_past(std::span<const std::int64_t> times) {
  if (times.empty() || times.size() > kMedianTimeSpan) {
    throw std::invalid_argument("median_time_past takes 1.." + std::to_string(kMedianTimeSpan) + " times");
  }
  std::array<std::int64_t, kMedianTimeSpan> sorted{};
  std::copy(times.begin(), times.end(), sorted.begin());
  const auto end = sorted.begin() + static_cast<std::ptrdiff_t>(times.size());
  std::sort(sorted.begin(), end);
  return sorted[times.size() / 2];
}

}  // namespace powlab
