// Retarget and median-time-past against Bitcoin Core's pow_tests and real headers.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <random>
#include <stdexcept>

#include "powlab/consensus/network.h"
#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"
#include "test_util.h"

namespace powlab {
namespace {

using test::hex32;

// Core's four cases; the first-block time is given directly (in Core it is the time of
// block last_height - 2015: 2016 blocks, 2015 intervals).
TEST(Retarget, BitcoinCorePowTests) {
  const CsvTable t = test::data_csv("difficulty/retarget_bitcoin_core_pow_tests.csv");
  ASSERT_EQ(t.rows.size(), 4u);
  for (const auto& row : t.rows) {
    const std::int64_t first = std::stoll(row[t.column("last_retarget_time")]);
    const std::int64_t last = std::stoll(row[t.column("last_time")]);
    const std::uint32_t last_bits = hex32(row[t.column("last_bits")]);
    const std::uint32_t want = hex32(row[t.column("expected_next_bits")]);
    const std::int64_t next_height = std::stoll(row[t.column("last_height")]) + 1;
    EXPECT_EQ(calculate_next_work_required(last_bits, first, last, mainnet()), want) << row[0];
    EXPECT_TRUE(permitted_difficulty_transition(next_height, last_bits, want, mainnet())) << row[0];
    const std::string off = row[t.column("permitted_off_by_one_invalid")];
    if (!off.empty()) {
      // "0x1c0168fc (not permitted: ...)": the value just past the clamp is refused.
      EXPECT_FALSE(permitted_difficulty_transition(next_height, last_bits, hex32(off.substr(0, 10)), mainnet()))
          << row[0];
    }
  }
}

TEST(Retarget, ClampsNegativeAndHugeTimespans) {
  const ConsensusParams& p = mainnet();
  // Negative or zero timespan clamps to /4; INT64 extremes do not overflow.
  const std::uint32_t quarter = calculate_next_work_required(0x1c05a3f4, 100, 50, p);
  EXPECT_EQ(quarter, calculate_next_work_required(0x1c05a3f4, 0, p.target_timespan / 4, p));
  EXPECT_EQ(calculate_next_work_required(0x1c05a3f4, INT64_MAX, INT64_MIN, p), quarter);
  EXPECT_EQ(calculate_next_work_required(0x1c387f6f, INT64_MIN, INT64_MAX, p),
            calculate_next_work_required(0x1c387f6f, 0, p.target_timespan * 4, p));
  // Never easier than powLimit.
  EXPECT_EQ(calculate_next_work_required(0x1d00ffff, 0, INT64_MAX, p), 0x1d00ffffu);
}

// Core fuzz pow_transition: for any times and nBits within powLimit, the result is permitted.
TEST(Retarget, ResultIsAlwaysAPermittedTransition) {
  std::mt19937_64 rng(99);
  const ConsensusParams& p = mainnet();
  for (int i = 0; i < 3000; ++i) {
    const std::uint32_t bits = encode_compact(decode_compact(0x1d00ffff).target >> (rng() % 200));
    if (decode_compact(bits).target.is_zero()) continue;
    const std::int64_t span = static_cast<std::int64_t>(rng() % (p.target_timespan * 6)) - p.target_timespan;
    const std::uint32_t next = calculate_next_work_required(bits, 0, span, p);
    EXPECT_TRUE(permitted_difficulty_transition(p.interval() * 7, bits, next, p)) << std::hex << bits;
    EXPECT_LE(decode_compact(next).target, p.pow_limit);
  }
}

TEST(Retarget, InsideAPeriodNbitsMustNotChange) {
  EXPECT_TRUE(permitted_difficulty_transition(2017, 0x1d00ffff, 0x1d00ffff, mainnet()));
  EXPECT_FALSE(permitted_difficulty_transition(2017, 0x1d00ffff, 0x1d00fffe, mainnet()));
}

// Every retarget boundary inside the shipped 0..255 chain is none, but the notable headers
// hold real boundaries whose bits Core's rule must reproduce given real period times.
TEST(Retarget, RealBoundaryFromNotableHeaders) {
  const CsvTable t = test::data_csv("headers/notable_headers.csv");
  std::map<std::int64_t, std::pair<std::int64_t, std::uint32_t>> by_height;  // time, bits
  for (const auto& row : t.rows) {
    by_height[std::stoll(row[t.column("height")])] = {std::stoll(row[t.column("time")]),
                                                      hex32(row[t.column("bits")])};
  }
  // Period 30240..32255 -> 32256; 66528..68543 -> 68544 (the /4 clamp).
  for (auto [first, last] : {std::pair{30240, 32255}, std::pair{66528, 68543}}) {
    ASSERT_TRUE(by_height.count(first) && by_height.count(last) && by_height.count(last + 1));
    EXPECT_EQ(calculate_next_work_required(by_height[last].second, by_height[first].first, by_height[last].first,
                                           mainnet()),
              by_height[last + 1].second)
        << "retarget at " << last + 1;
  }
}

TEST(MedianTimePast, OddEvenAndUnsorted) {
  const std::int64_t eleven[] = {5, 1, 9, 3, 7, 11, 2, 8, 4, 10, 6};
  EXPECT_EQ(median_time_past(eleven), 6);
  const std::int64_t two[] = {10, 20};
  EXPECT_EQ(median_time_past(two), 20);  // Core takes sorted[n/2]
  const std::int64_t one[] = {42};
  EXPECT_EQ(median_time_past(one), 42);
}

// ---- degenerate retargets (issue 9 part 3) ----

std::string lab_refusal(std::int64_t spacing, std::int64_t retarget) {
  LabOptions o;
  o.spacing = spacing;
  o.retarget_interval = retarget;
  try {
    lab_network(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// `race --interval 1 --retarget 2` made a 2 s timespan whose quarter, the lower clamp, is 0 s
// in integer seconds: two blocks in the same second scaled the target to 0 (nBits 0).
TEST(Retarget, DegenerateWindowsAreRefusedWhenTheNetworkIsMade) {
  EXPECT_EQ(lab_refusal(10, 1), "retarget interval must be 2..1000000 blocks (got 1): a 1-block window measures no time");
  const std::string too_short =
      "retarget timespan (block interval x retarget window) must be at least 4 s (got 2 s): its quarter, the "
      "retarget's lower clamp, would be 0 s and the target could become 0";
  EXPECT_EQ(lab_refusal(1, 2), too_short);
  EXPECT_NE(lab_refusal(1, 3).find("at least 4 s (got 3 s)"), std::string::npos);
  // The exact boundary: a 4 s timespan (quarter 1 s) is accepted, both ways of making it.
  EXPECT_EQ(lab_refusal(1, 4), "");
  EXPECT_EQ(lab_refusal(2, 2), "");
  // check_network guards params that do not come from lab_network (a chain file's, say).
  ConsensusParams p = lab_network();
  p.target_timespan = p.target_spacing;  // a 1-block window
  EXPECT_NE(check_network(p).find("at least 2 blocks (got 1)"), std::string::npos) << check_network(p);
  p.target_spacing = 1;
  p.target_timespan = 3;
  EXPECT_NE(check_network(p).find("at least 4 s (got 3 s)"), std::string::npos) << check_network(p);
  p.target_timespan = kMaxRetargetTimespan + 1;  // timespan * 4 would overflow int64
  EXPECT_NE(check_network(p).find("at most"), std::string::npos) << check_network(p);
  p.target_timespan = kMaxRetargetTimespan - kMaxRetargetTimespan % 2;
  p.target_spacing = 2;
  EXPECT_EQ(check_network(p), "");
}

// The target a retarget writes is never zero: not for the smallest accepted timespans, not
// for the largest, not for the hardest old target (1), whatever the block times say.
// Under Core's arithmetic alone target 1..7 can round to 0 (1 * 302400 / 1209600); the
// retarget floors the result at 1 (retarget.cpp says why).
TEST(Retarget, NeverAZeroTargetUnderAcceptedParameters) {
  std::mt19937_64 rng(2026);
  const std::int64_t times[] = {std::numeric_limits<std::int64_t>::min(), -1, 0, 1, 2, 3, 599, 600,
                                std::numeric_limits<std::int64_t>::max()};
  const std::uint32_t limits[] = {0x2100ffff, 0x207fffff, 0x1d00ffff, 0x01010000};  // the last: target 1
  // Timespans at the extremes: the smallest accepted (4, 5, 6, 7: quarters 1, 1, 1, 1), mainnet's,
  // and the largest.
  const std::int64_t spans[] = {4, 5, 6, 7, 8, 1'209'600, kMaxRetargetTimespan};
  int checked = 0;
  for (const std::int64_t span : spans) {
    for (const std::uint32_t limit_bits : limits) {
      ConsensusParams p;
      p.name = "prop";
      p.target_spacing = 1;
      p.target_timespan = span;
      p.pow_limit_bits = limit_bits;
      p.pow_limit = decode_compact(limit_bits).target;
      p.initial_bits = limit_bits;
      ASSERT_EQ(check_network(p), "") << span << " " << std::hex << limit_bits;
      for (int i = 0; i < 400; ++i) {
        // Old targets from 1 (the hardest) up to the limit, denser near both ends.
        U256 old = i < 16 ? U256(static_cast<std::uint64_t>(i + 1)) : p.pow_limit >> (rng() % 257);
        if (old.is_zero()) old = U256(1);
        if (old > p.pow_limit) old = p.pow_limit;
        const std::uint32_t old_bits = encode_compact(old);
        const std::int64_t first = rng() % 3 ? times[rng() % std::size(times)] : static_cast<std::int64_t>(rng());
        const std::int64_t last = rng() % 3 ? times[rng() % std::size(times)] : static_cast<std::int64_t>(rng());
        const std::uint32_t next = calculate_next_work_required(old_bits, first, last, p);
        const CompactTarget t = decode_compact(next);
        ASSERT_FALSE(t.target.is_zero()) << "span " << span << " old " << std::hex << old_bits << std::dec << " times "
                                         << first << ".." << last;
        ASSERT_FALSE(t.negative || t.overflow) << std::hex << next;
        ASSERT_LE(t.target, p.pow_limit);
        ASSERT_TRUE(permitted_difficulty_transition(p.interval() * 3, old_bits, next, p)) << std::hex << next;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 7 * 4 * 400);
}

// The exact boundary of the floor at the smallest accepted timespan (4 s, lower clamp 1 s):
// target 4 scales to exactly 1 with no floor needed; 3, 2 and 1 would round to 0 and stay 1.
TEST(Retarget, TinyTargetAtTheSmallestTimespanStopsAtOne) {
  ConsensusParams p = lab_network();
  p.target_spacing = 1;
  p.target_timespan = 4;
  ASSERT_EQ(check_network(p), "");
  const std::uint32_t one = encode_compact(U256(1));
  EXPECT_EQ(one, 0x01010000u);
  for (std::uint64_t old = 1; old <= 4; ++old) {
    EXPECT_EQ(calculate_next_work_required(encode_compact(U256(old)), 100, 100, p), one) << old;
  }
  EXPECT_EQ(calculate_next_work_required(encode_compact(U256(8)), 100, 100, p), encode_compact(U256(2)));
  // Mainnet: 1 * 302400 / 1209600 rounds to 0 in Core; here it stays at 1.
  EXPECT_EQ(calculate_next_work_required(one, 0, 0, mainnet()), one);
}

}  // namespace
}  // namespace powlab
