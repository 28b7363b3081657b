#include "powlab/util/hex.h"

#include <algorithm>

#include "powlab/util/error.h"

namespace powlab {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xf]);
  }
  return s;
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    throw ParseError("odd number of hex digits (" + std::to_string(hex.size()) + ")");
  }
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const int v = nibble(hex[i]);
    if (v < 0) {
      throw ParseError("not a hex digit at position " + std::to_string(i) + ": '" + std::string(1, hex[i]) + "'");
    }
    out[i / 2] = static_cast<std::uint8_t>(out[i / 2] << 4 | v);
  }
  return out;
}

std::string hash_to_display(const Hash256& raw) {
  Hash256 rev = raw;
  std::reverse(rev.begin(), rev.end());
  return to_hex(rev);
}

Hash256 hash_from_display(std::string_view hex64) {
  if (hex64.size() != 64) {
    throw ParseError("a hash needs exactly 64 hex digits, got " + std::to_string(hex64.size()));
  }
  const auto bytes = from_hex(hex64);
  Hash256 raw;
  std::reverse_copy(bytes.begin(), bytes.end(), raw.begin());
  return raw;
}

}  // namespace powlab
