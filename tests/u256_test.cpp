#include <gtest/gtest.h>

#include <random>

#include "powlab/util/error.h"
#include "powlab/consensus/u256.h"

namespace powlab {
namespace {

using u128 = unsigned __int128;

U256 from_u128(u128 v) { return U256(static_cast<std::uint64_t>(v)) + (U256(static_cast<std::uint64_t>(v >> 64)) << 64); }

TEST(U256, HexRoundTripAndErrors) {
  const std::string h = "00000000ffff0000000000000000000000000000000000000000000000000000";
  EXPECT_EQ(U256::from_hex(h).to_hex(), h);
  EXPECT_EQ(U256::from_hex("0x1f").low64(), 0x1fu);
  EXPECT_THROW(U256::from_hex(""), ParseError);
  EXPECT_THROW(U256::from_hex("12g4"), ParseError);
  EXPECT_THROW(U256::from_hex(std::string(65, '1')), ParseError);
}

TEST(U256, LittleEndianBytesAndWords) {
  std::array<std::uint8_t, 32> b{};
  b[0] = 0x01;
  b[31] = 0x80;
  const U256 v = U256::from_le_bytes(b);
  EXPECT_EQ(v.bits(), 256);
  EXPECT_EQ(v.low64(), 1u);
  EXPECT_EQ(v.to_le_bytes(), b);
  EXPECT_EQ(U256::from_words(v.to_words()), v);
  EXPECT_EQ(v.to_words()[7], 0x80000000u);
}

TEST(U256, ArithmeticMatchesInt128) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const u128 a = (u128{rng()} << 64 | rng()) >> (rng() % 64);
    const u128 b = ((u128{rng()} << 64 | rng()) >> (rng() % 120)) | 1;
    EXPECT_EQ(from_u128(a) + from_u128(b), from_u128(a + b));
    if (a >= b) {
      EXPECT_EQ(from_u128(a) - from_u128(b), from_u128(a - b));
    }
    EXPECT_EQ(from_u128(a) / from_u128(b), from_u128(a / b));
    EXPECT_EQ(from_u128(a) < from_u128(b), a < b);
    const unsigned s = static_cast<unsigned>(rng() % 128);
    EXPECT_EQ(from_u128(a) >> s, from_u128(a >> s));
  }
}

TEST(U256, ShiftsAcrossLimbsAndPastWidth) {
  const U256 one(1);
  for (unsigned s = 0; s < 256; ++s) {
    const U256 v = one << s;
    EXPECT_EQ(v.bits(), static_cast<int>(s) + 1);
    EXPECT_EQ(v >> s, one);
  }
  EXPECT_TRUE((one << 256).is_zero());
  EXPECT_TRUE((~U256() >> 300).is_zero());
}

TEST(U256, WrapsModulo2To256) {
  EXPECT_TRUE((~U256() + U256(1)).is_zero());
  EXPECT_EQ(U256() - U256(1), ~U256());
}

TEST(U256, DivisionByZeroThrows) { EXPECT_THROW(U256(5) / U256(), std::domain_error); }

TEST(U256, MulDivUsesWideIntermediate) {
  // regtest powLimit (0x207fffff ~ 2^255) * 4 * 1,209,600 overflows 256 bits; the quotient
  // by 1,209,600 fits again and must be exact.
  const U256 big = U256::from_hex("7fffff0000000000000000000000000000000000000000000000000000000000");
  bool overflow = true;
  const U256 r = U256::mul_div(big, 3, 4, &overflow);
  EXPECT_FALSE(overflow);
  EXPECT_EQ(r.to_hex(), "5fffff4000000000000000000000000000000000000000000000000000000000");
  U256::mul_div(big, 4 * 1209600, 1209600, &overflow);
  EXPECT_TRUE(overflow);  // 4 * 2^255 does not fit
  EXPECT_EQ(U256::mul_div(U256(10), 7, 3, nullptr), U256(23));
  EXPECT_THROW(U256::mul_div(U256(1), 1, 0, nullptr), std::domain_error);
}

}  // namespace
}  // namespace powlab
