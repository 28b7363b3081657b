#include "powlab/consensus/u256.h"

#include <cmath>
#include <stdexcept>

#include "powlab/util/error.h"

namespace powlab {

namespace {
using u128 = unsigned __int128;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

U256 U256::from_le_bytes(std::span<const std::uint8_t, 32> bytes) {
  U256 r;
  for (int i = 0; i < 32; ++i) r.w_[i / 8] |= std::uint64_t{bytes[i]} << (8 * (i % 8));
  return r;
}

std::array<std::uint8_t, 32> U256::to_le_bytes() const {
  std::array<std::uint8_t, 32> out;
  for (int i = 0; i < 32; ++i) out[i] = static_cast<std::uint8_t>(w_[i / 8] >> (8 * (i % 8)));
  return out;
}

U256 U256::from_hex(std::string_view hex) {
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  if (hex.empty() || hex.size() > 64) {
    throw ParseError("expected 1 to 64 hex digits, got " + std::to_string(hex.size()));
  }
  U256 r;
  for (char c : hex) {
    const int v = hex_value(c);
    if (v < 0) throw ParseError(std::string("not a hex digit: '") + c + "'");
    r <<= 4;
    r.w_[0] |= static_cast<std::uint64_t>(v);
  }
  return r;
}

std::string U256::to_hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(64, '0');
  for (int i = 0; i < 64; ++i) s[63 - i] = kDigits[(w_[i / 16] >> (4 * (i % 16))) & 0xf];
  return s;
}

U256 U256::from_words(const std::array<std::uint32_t, 8>& words) {
  U256 r;
  for (int i = 0; i < 8; ++i) r.w_[i / 2] |= std::uint64_t{words[i]} << (32 * (i % 2));
  return r;
}

std::array<std::uint32_t, 8> U256::to_words() const {
  std::array<std::uint32_t, 8> out;
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint32_t>(w_[i / 2] >> (32 * (i % 2)));
  return out;
}

int U256::bits() const {
  for (int i = 3; i >= 0; --i) {
    if (w_[i] != 0) return 64 * i + 64 - __builtin_clzll(w_[i]);
  }
  return 0;
}

double U256::to_double() const {
  double r = 0;
  for (int i = 3; i >= 0; --i) r = r * 18446744073709551616.0 + static_cast<double>(w_[i]);
  return r;
}

std::strong_ordering operator<=>(const U256& a, const U256& b) {
  for (int i = 3; i >= 0; --i) {
    if (a.w_[i] != b.w_[i]) return a.w_[i] <=> b.w_[i];
  }
  return std::strong_ordering::equal;
}

U256 U256::operator~() const {
  U256 r;
  for (int i = 0; i < 4; ++i) r.w_[i] = ~w_[i];
  return r;
}

U256& U256::operator+=(const U256& o) {
  u128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    carry += u128{w_[i]} + o.w_[i];
    w_[i] = static_cast<std::uint64_t>(carry);
    carry >>= 64;
  }
  return *this;
}

U256& U256::operator-=(const U256& o) { return *this += ~o + U256(1); }

U256& U256::operator<<=(unsigned shift) {
  if (shift >= 256) return *this = U256();
  const unsigned limbs = shift / 64, bits = shift % 64;
  for (int i = 3; i >= 0; --i) {
    std::uint64_t v = 0;
    const int src = i - static_cast<int>(limbs);
    if (src >= 0) {
      v = w_[src] << bits;
      if (bits != 0 && src >= 1) v |= w_[src - 1] >> (64 - bits);
    }
    w_[i] = v;
  }
  return *this;
}

U256& U256::operator>>=(unsigned shift) {
  if (shift >= 256) return *this = U256();
  const unsigned limbs = shift / 64, bits = shift % 64;
  for (int i = 0; i < 4; ++i) {
    std::uint64_t v = 0;
    const unsigned src = i + limbs;
    if (src < 4) {
      v = w_[src] >> bits;
      if (bits != 0 && src + 1 < 4) v |= w_[src + 1] << (64 - bits);
    }
    w_[i] = v;
  }
  return *this;
}

U256 operator/(const U256& a, const U256& b) {
  if (b.is_zero()) throw std::domain_error("U256 division by zero");
  // Shift-subtract long division: at most 256 steps, fine off the hot path.
  U256 quotient, rem;
  for (int i = a.bits() - 1; i >= 0; --i) {
    rem <<= 1;
    rem.w_[0] |= (a.w_[i / 64] >> (i % 64)) & 1;
    if (rem >= b) {
      rem -= b;
      quotient.w_[i / 64] |= std::uint64_t{1} << (i % 64);
    }
  }
  return quotient;
}

U256 U256::mul_div(const U256& a, std::uint64_t mul, std::uint64_t div, bool* overflow) {
  if (div == 0) throw std::domain_error("U256::mul_div by zero");
  std::uint64_t wide[5];
  u128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    carry += u128{a.w_[i]} * mul;
    wide[i] = static_cast<std::uint64_t>(carry);
    carry >>= 64;
  }
  wide[4] = static_cast<std::uint64_t>(carry);
  // Divide the 320-bit product by a 64-bit divisor, most significant limb first.
  u128 rem = 0;
  for (int i = 4; i >= 0; --i) {
    const u128 cur = (rem << 64) | wide[i];
    wide[i] = static_cast<std::uint64_t>(cur / div);
    rem = cur % div;
  }
  const bool over = wide[4] != 0;
  if (overflow) *overflow = over;
  U256 r;
  for (int i = 0; i < 4; ++i) r.w_[i] = over ? ~std::uint64_t{0} : wide[i];
  return r;
}

}  // namespace powlab
