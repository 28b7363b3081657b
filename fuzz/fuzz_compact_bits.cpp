// Compact nBits <-> 256-bit target (Core's SetCompact/GetCompact).
// Input: 4 bytes of nBits (little-endian), then up to 32 bytes of a target (little-endian).
// Properties:
//   - a decodable nBits re-encodes to an nBits that decodes to the same target and sign, and
//     that re-encoding is canonical (a fixed point);
//   - encoding any target keeps its top 23 bits exactly and drops only whole low bytes, never
//     sets the sign or overflows, and is itself a fixed point;
//   - block work is zero exactly for the invalid nBits.
#include <array>
#include <cstdint>
#include <cstring>

#include "fuzz_check.h"
#include "powlab/consensus/target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace powlab;
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < 4 && i < size; ++i) bits |= std::uint32_t{data[i]} << (8 * i);

  const CompactTarget d = decode_compact(bits);
  if (!d.overflow) {
    const std::uint32_t e = encode_compact(d.target, d.negative);
    const CompactTarget back = decode_compact(e);
    FUZZ_CHECK(!back.overflow);
    FUZZ_CHECK(back.target == d.target);
    FUZZ_CHECK(back.negative == d.negative);
    FUZZ_CHECK(encode_compact(back.target, back.negative) == e);
  }
  // A zero mantissa is neither negative nor an overflow (a non-zero one shifted past 256 bits
  // also decodes to zero, but is an overflow).
  if (d.target.is_zero() && !d.overflow) FUZZ_CHECK(!d.negative);
  const bool valid = !d.negative && !d.overflow && !d.target.is_zero();
  FUZZ_CHECK(block_work(bits).is_zero() == !valid);

  std::array<std::uint8_t, 32> le{};
  if (size > 4) std::memcpy(le.data(), data + 4, std::min<std::size_t>(32, size - 4));
  const U256 t = U256::from_le_bytes(le);
  const std::uint32_t c = encode_compact(t);
  const CompactTarget r = decode_compact(c);
  FUZZ_CHECK(!r.negative && !r.overflow);
  const unsigned n = c >> 24;
  const unsigned dropped = n > 3 ? 8 * (n - 3) : 0;
  FUZZ_CHECK(r.target == ((t >> dropped) << dropped));
  FUZZ_CHECK(r.target.bits() == t.bits());
  FUZZ_CHECK(encode_compact(r.target) == c);
  return 0;
}
