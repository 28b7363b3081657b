#include "powlab/consensus/header.h"

#include <algorithm>

#include "powlab/util/endian.h"
#include "powlab/util/error.h"

namespace powlab {

std::array<std::uint8_t, kHeaderSize> BlockHeader::serialize() const {
  std::array<std::uint8_t, kHeaderSize> out;
  put_le32(out.data(), static_cast<std::uint32_t>(version));
  std::copy(prev_hash.begin(), prev_hash.end(), out.begin() + 4);
  std::copy(merkle_root.begin(), merkle_root.end(), out.begin() + 36);
  put_le32(out.data() + 68, time);
  put_le32(out.data() + 72, bits);
  put_le32(out.data() + 76, nonce);
  return out;
}

BlockHeader BlockHeader::parse(std::span<const std::uint8_t> raw) {
  if (raw.size() != kHeaderSize) {
    throw ParseError("a block header is exactly 80 bytes, got " + std::to_string(raw.size()));
  }
  BlockHeader h;
  h.version = static_cast<std::int32_t>(get_le32(raw.data()));
  std::copy_n(raw.begin() + 4, 32, h.prev_hash.begin());
  std::copy_n(raw.begin() + 36, 32, h.merkle_root.begin());
  h.time = get_le32(raw.data() + 68);
  h.bits = get_le32(raw.data() + 72);
  h.nonce = get_le32(raw.data() + 76);
  return h;
}

BlockHeader BlockHeader::from_hex(std::string_view hex) {
  if (hex.size() != 2 * kHeaderSize) {
    throw ParseError("a block header is exactly 160 hex digits (80 bytes), got " + std::to_string(hex.size()) +
                     " digits");
  }
  return parse(powlab::from_hex(hex));
}

Hash256 BlockHeader::hash() const { return sha256d(serialize()); }

}  // namespace powlab
