#include "powlab/consensus/pow.h"

#include "powlab/consensus/target.h"

namespace powlab {

std::string_view to_string(PowStatus s) {
  switch (s) {
    case PowStatus::ok: return "ok";
    case PowStatus::negative_target: return "negative target";
    case PowStatus::overflow_target: return "target overflows 256 bits";
    case PowStatus::zero_target: return "zero target";
    case PowStatus::above_pow_limit: return "target above powLimit";
    case PowStatus::high_hash: return "hash above target";
  }
  return "unknown";
}

PowStatus check_proof_of_work(const Hash256& hash, std::uint32_t bits, const U256& pow_limit) {
  const CompactTarget t = decode_compact(bits);
  if (t.negative) return PowStatus::negative_target;
  if (t.overflow) return PowStatus::overflow_target;
  if (t.target.is_zero()) return PowStatus::zero_target;
  if (t.target > pow_limit) return PowStatus::above_pow_limit;
  if (hash_to_u256(hash) > t.target) return PowStatus::high_hash;
  return PowStatus::ok;
}

}  // namespace powlab
