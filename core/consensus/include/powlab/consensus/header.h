// The 80-byte Bitcoin block header: parse, serialize, hash.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "powlab/util/hex.h"

namespace powlab {

inline constexpr std::size_t kHeaderSize = 80;

struct BlockHeader {
  std::int32_t version = 0;
  Hash256 prev_hash{};    // raw order
  Hash256 merkle_root{};  // raw order
  std::uint32_t time = 0;
  std::uint32_t bits = 0;
  std::uint32_t nonce = 0;

  // Little-endian integers, hashes in raw order: exactly what gets hashed.
  std::array<std::uint8_t, kHeaderSize> serialize() const;
  // Throws ParseError unless `raw` is exactly 80 bytes.
  static BlockHeader parse(std::span<const std::uint8_t> raw);
  // Throws ParseError unless `hex` is exactly 160 hex digits.
  static BlockHeader from_hex(std::string_view hex);

  Hash256 hash() const;  // sha256d of the serialization, raw order

  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

}  // namespace powlab
