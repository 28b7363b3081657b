// Retarget and median-time-past against Bitcoin Core's pow_tests and real headers.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"
#include "test_util.h"

namespace powlab {
namespace {

std::uint32_t hex32(const std::string& s) { return static_cast<std::uint32_t>(std::stoul(s, nullptr, 16)); }

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

}  // namespace
}  // namespace powlab
