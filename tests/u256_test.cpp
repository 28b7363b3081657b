#include <gtest/gtest.h>

#include <array>
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

// The reference for + and -: four 64-bit limbs with the carry (borrow) carried by hand through
// unsigned __int128, written apart from U256, so it wraps exactly at 2^256 as U256 must.
using Limbs = std::array<std::uint64_t, 4>;  // least significant first

Limbs ref_add(const Limbs& a, const Limbs& b) {
  Limbs r{};
  u128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    const u128 s = u128{a[i]} + b[i] + carry;
    r[i] = static_cast<std::uint64_t>(s);
    carry = s >> 64;
  }
  return r;
}

Limbs ref_sub(const Limbs& a, const Limbs& b) {
  Limbs r{};
  std::uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const u128 d = u128{a[i]} - b[i] - borrow;  // wraps mod 2^128: the top half says "borrow"
    r[i] = static_cast<std::uint64_t>(d);
    borrow = static_cast<std::uint64_t>(d >> 64) != 0 ? 1 : 0;
  }
  return r;
}

U256 from_limbs(const Limbs& l) {
  std::array<std::uint8_t, 32> b{};
  for (int i = 0; i < 32; ++i) b[i] = static_cast<std::uint8_t>(l[i / 8] >> (8 * (i % 8)));
  return U256::from_le_bytes(b);
}

// A random 256-bit value with whole limbs of ones or zeros now and then, so carries and
// borrows ripple across limbs, cut to a random bit length so sizes vary.
Limbs random_limbs(std::mt19937_64& rng) {
  Limbs l{};
  for (auto& x : l) {
    const std::uint64_t kind = rng() % 4;
    x = kind == 0 ? ~std::uint64_t{0} : kind == 1 ? 0 : rng();
  }
  const unsigned keep = static_cast<unsigned>(rng() % 257);  // bits kept, 0..256
  for (unsigned i = 0; i < 4; ++i) {
    if (keep <= 64 * i) {
      l[i] = 0;
    } else if (keep < 64 * (i + 1)) {
      l[i] &= (std::uint64_t{1} << (keep - 64 * i)) - 1;
    }
  }
  return l;
}

TEST(U256, AddAndSubtractMatchAWideReference) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const Limbs a = random_limbs(rng);
    const Limbs b = random_limbs(rng);
    EXPECT_EQ(from_limbs(a) + from_limbs(b), from_limbs(ref_add(a, b)));
    EXPECT_EQ(from_limbs(a) - from_limbs(b), from_limbs(ref_sub(a, b)));
  }
  // Sums of two 128-bit values carry into the third limb: a u128 oracle wraps here.
  const u128 max128 = ~u128{0};
  EXPECT_EQ(from_u128(max128) + from_u128(1), U256(1) << 128);
  EXPECT_EQ(from_u128(max128) + from_u128(max128), (U256(1) << 129) - U256(2));
  EXPECT_EQ(from_limbs(ref_add(Limbs{~0ull, ~0ull, 0, 0}, Limbs{1, 0, 0, 0})), U256(1) << 128);
}

TEST(U256, DivideCompareAndShiftMatchInt128) {
  // Operands below 2^128, where / < and >> of unsigned __int128 are exact. Each rng() call is
  // its own statement: in one expression their order would be unspecified.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const u128 a_hi = rng();
    const u128 a_lo = rng();
    const u128 a = (a_hi << 64 | a_lo) >> (rng() % 64);
    const u128 b_hi = rng();
    const u128 b_lo = rng();
    const u128 b = ((b_hi << 64 | b_lo) >> (rng() % 120)) | 1;
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
