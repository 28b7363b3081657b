// Little-endian integers in byte buffers: the byte order of Bitcoin's header fields and of
// powlab's own serializations (tx, block, chain file). One implementation for both.
#pragma once

#include <cstdint>

namespace powlab {

inline void put_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void put_le64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint32_t get_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}
inline std::uint64_t get_le64(const std::uint8_t* p) {
  return std::uint64_t{get_le32(p)} | std::uint64_t{get_le32(p + 4)} << 32;
}

}  // namespace powlab
