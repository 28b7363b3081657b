// 256-bit unsigned integers for consensus arithmetic: targets, work and the retarget step.
// Integers only; to_double() exists for display and statistics, never for consensus.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace powlab {

class U256 {
 public:
  constexpr U256() = default;
  constexpr U256(std::uint64_t v) : w_{v, 0, 0, 0} {}  // NOLINT: implicit on purpose, like a builtin

  // 32 bytes, least significant first: how Bitcoin reads a hash as a number.
  static U256 from_le_bytes(std::span<const std::uint8_t, 32> bytes);
  std::array<std::uint8_t, 32> to_le_bytes() const;
  // 1..64 hex digits, most significant first (display order). Throws ParseError otherwise.
  static U256 from_hex(std::string_view hex);
  std::string to_hex() const;  // always 64 lower-case digits

  // 32-bit words, least significant first: the kernels' target format.
  static U256 from_words(const std::array<std::uint32_t, 8>& words);
  std::array<std::uint32_t, 8> to_words() const;

  std::uint64_t low64() const { return w_[0]; }
  bool is_zero() const { return (w_[0] | w_[1] | w_[2] | w_[3]) == 0; }
  int bits() const;  // index of the highest set bit plus one; 0 for zero
  double to_double() const;

  friend bool operator==(const U256&, const U256&) = default;
  friend std::strong_ordering operator<=>(const U256& a, const U256& b);

  U256 operator~() const;
  U256& operator+=(const U256& o);  // modulo 2^256
  U256& operator-=(const U256& o);  // modulo 2^256
  U256& operator<<=(unsigned shift);
  U256& operator>>=(unsigned shift);
  friend U256 operator+(U256 a, const U256& b) { return a += b; }
  friend U256 operator-(U256 a, const U256& b) { return a -= b; }
  friend U256 operator<<(U256 a, unsigned s) { return a <<= s; }
  friend U256 operator>>(U256 a, unsigned s) { return a >>= s; }
  // Truncating division; throws std::domain_error on a zero divisor.
  friend U256 operator/(const U256& a, const U256& b);

  // floor(a * mul / div) computed exactly through a 320-bit intermediate, so the retarget
  // step (target * timespan / 1,209,600) cannot overflow. `overflow` is set when the
  // result itself does not fit 256 bits (the returned value is then all ones).
  static U256 mul_div(const U256& a, std::uint64_t mul, std::uint64_t div, bool* overflow);

 private:
  std::array<std::uint64_t, 4> w_{};  // least significant limb first
};

}  // namespace powlab
