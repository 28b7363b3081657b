#include "powlab/consensus/target.h"

#include <cstdio>

namespace powlab {

CompactTarget decode_compact(std::uint32_t bits) {
  const unsigned size = bits >> 24;
  std::uint32_t word = bits & 0x007fffffu;
  CompactTarget r;
  if (size <= 3) {
    word >>= 8 * (3 - size);
    r.target = U256(word);
  } else {
    r.target = U256(word) << (8 * (size - 3));
  }
  // Core tests the sign and overflow on the mantissa that survives the shift.
  r.negative = word != 0 && (bits & 0x00800000u) != 0;
  r.overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return r;
}

std::uint32_t encode_compact(const U256& target, bool negative) {
  unsigned size = static_cast<unsigned>(target.bits() + 7) / 8;
  std::uint32_t compact;
  if (size <= 3) {
    compact = static_cast<std::uint32_t>(target.low64() << (8 * (3 - size)));
  } else {
    compact = static_cast<std::uint32_t>((target >> (8 * (size - 3))).low64());
  }
  if (compact & 0x00800000u) {
    compact >>= 8;
    ++size;
  }
  compact |= size << 24;
  if (negative && (compact & 0x007fffffu) != 0) compact |= 0x00800000u;
  return compact;
}

U256 work_from_target(const U256& target) {
  // 2^256 does not fit, so use Core's identity: 2^256 / (t+1) == ~t / (t+1) + 1.
  if (target == ~U256()) return U256(1);
  return ~target / (target + U256(1)) + U256(1);
}

U256 block_work(std::uint32_t bits) {
  const CompactTarget t = decode_compact(bits);
  if (t.negative || t.overflow || t.target.is_zero()) return U256();
  return work_from_target(t.target);
}

double difficulty(std::uint32_t bits) {
  int shift = (bits >> 24) & 0xff;
  const std::uint32_t mantissa = bits & 0x00ffffffu;
  if (mantissa == 0) return 0.0;  // an invalid target; shown as 0 rather than infinity
  double d = static_cast<double>(0x0000ffff) / static_cast<double>(mantissa);
  for (; shift < 29; ++shift) d *= 256.0;
  for (; shift > 29; --shift) d /= 256.0;
  return d;
}

std::string bits_hex(std::uint32_t bits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", bits);
  return buf;
}

}  // namespace powlab
