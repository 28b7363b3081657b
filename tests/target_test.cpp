// Compact nBits, work and difficulty against Bitcoin Core's and btcd's vectors.
#include <gtest/gtest.h>

#include <cmath>

#include "powlab/consensus/target.h"
#include "test_util.h"

namespace powlab {
namespace {

using test::hex32;

TEST(Compact, EveryVector) {
  const CsvTable t = test::data_csv("difficulty/compact_bits_vectors.csv");
  ASSERT_EQ(t.rows.size(), 29u);
  for (const auto& row : t.rows) {
    const std::string compact = row[t.column("compact")], target_hex = row[t.column("target_hex_256")];
    const bool negative = row[t.column("negative")] == "1", overflow = row[t.column("overflow")] == "1";
    const std::string roundtrip = row[t.column("getcompact_roundtrip")];
    if (!compact.empty()) {
      // Decode direction.
      const CompactTarget d = decode_compact(hex32(compact));
      EXPECT_EQ(d.negative, negative) << compact;
      EXPECT_EQ(d.overflow, overflow) << compact;
      if (!target_hex.empty()) {
        EXPECT_EQ(d.target.to_hex(), target_hex) << compact;
      }
      if (!roundtrip.empty()) {
        EXPECT_EQ(encode_compact(d.target, d.negative), hex32(roundtrip)) << compact;
      }
    } else {
      // Encode direction only: a target (and sign) to its compact form.
      ASSERT_FALSE(target_hex.empty());
      EXPECT_EQ(encode_compact(U256::from_hex(target_hex), negative), hex32(roundtrip)) << target_hex;
    }
  }
}

TEST(Compact, NeverEmitsTheSignBitForPositiveValues) {
  for (std::uint64_t m = 1; m < (1u << 24); m = m * 3 + 1) {
    for (unsigned shift = 0; shift < 200; shift += 37) {
      const std::uint32_t c = encode_compact(U256(m) << shift);
      EXPECT_EQ(c & 0x00800000u, 0u) << m << " << " << shift;
      EXPECT_FALSE(decode_compact(c).negative);
    }
  }
}

// Sizes 33 to 35, where a 24-bit mantissa starts to spill past 256 bits. The target is
// mantissa * 256^(size-3); it fits while mantissa < 256^(35-size), i.e. 0xffff at size 33,
// 0xff at 34, nothing non-zero at 35 (Core's arith_uint256::SetCompact overflow rule).
TEST(Compact, OverflowAtSizes33To35) {
  const CompactTarget fits33 = decode_compact(0x2100ffff);  // 0xffff * 2^240 < 2^256
  EXPECT_FALSE(fits33.overflow);
  EXPECT_FALSE(fits33.negative);
  EXPECT_EQ(fits33.target.to_hex(), "ffff" + std::string(60, '0'));
  EXPECT_EQ(encode_compact(fits33.target), 0x2100ffffu);
  const CompactTarget fits34 = decode_compact(0x220000ff);  // 0xff * 2^248 < 2^256
  EXPECT_FALSE(fits34.overflow);
  EXPECT_EQ(fits34.target.to_hex(), "ff" + std::string(62, '0'));
  for (const std::uint32_t bits : {0x21010000u,    // 0x010000 * 2^240 = 2^256
                                   0x2200ffffu,    // 0xffff * 2^248
                                   0x22000100u,    // 0x0100 * 2^248 = 2^256
                                   0x23000001u}) { // 1 * 2^256
    EXPECT_TRUE(decode_compact(bits).overflow) << std::hex << bits;
    EXPECT_TRUE(block_work(bits).is_zero()) << std::hex << bits;
  }
  EXPECT_FALSE(decode_compact(0x23000000u).overflow);  // a zero mantissa is zero, at any size
}

TEST(Work, GenesisAndInvalid) {
  EXPECT_EQ(block_work(0x1d00ffff).to_hex(), "0000000000000000000000000000000000000000000000000000000100010001");
  EXPECT_TRUE(block_work(0x1d80ffff).is_zero());  // negative
  EXPECT_TRUE(block_work(0xff123456).is_zero());  // overflow
  EXPECT_TRUE(block_work(0).is_zero());           // zero
  // floor(2^256 / (t+1)) at the extremes: t = 2^256-1 gives 1, t = 0 (as a target) gives 2^256
  // which the identity cannot hold, so work_from_target is only used on non-zero targets.
  EXPECT_EQ(work_from_target(~U256()), U256(1));
  EXPECT_EQ(work_from_target(U256(1) << 255), U256(1));
  EXPECT_EQ(work_from_target((U256(1) << 255) - U256(1)), U256(2));
}

// The chainwork of heights 0..255 is 256 * 0x100010001 (all at difficulty 1).
TEST(Work, ChainworkOfFirstBlocks) {
  U256 sum;
  for (int i = 0; i < 256; ++i) sum += block_work(0x1d00ffff);
  EXPECT_EQ(sum.to_hex(), "0000000000000000000000000000000000000000000000000000010001000100");
}

TEST(Difficulty, RealHeightsToThreeDecimals) {
  const CsvTable t = test::data_csv("difficulty/difficulty_values.csv");
  ASSERT_EQ(t.rows.size(), 6u);
  for (const auto& row : t.rows) {
    const double d = difficulty(hex32(row[t.column("bits")]));
    const double want = std::stod(row[t.column("difficulty_rounded_3dp")]);
    EXPECT_NEAR(d, want, 0.0005 + want * 1e-12) << row[0];
  }
}

}  // namespace
}  // namespace powlab
