#include "powlab/consensus/network.h"

#include <cstdint>
#include <stdexcept>

#include "powlab/consensus/target.h"
#include "powlab/consensus/amount.h"

namespace powlab {

namespace {

// Why an nBits cannot be a network's target, or "" if it can.
std::string bits_problem(std::uint32_t bits, const char* what) {
  const CompactTarget t = decode_compact(bits);
  if (t.negative) return std::string(what) + " " + bits_hex(bits) + " is negative (sign bit 0x00800000 set)";
  if (t.overflow) return std::string(what) + " " + bits_hex(bits) + " overflows 256 bits";
  if (t.target.is_zero()) return std::string(what) + " " + bits_hex(bits) + " is a zero target";
  // A non-canonical encoding (0x21000001 for 0x1f010000) is a legal number but never what the
  // retarget rule writes; refusing it avoids a chain whose first nBits no later one can equal.
  if (const std::uint32_t canonical = encode_compact(t.target); canonical != bits) {
    return std::string(what) + " " + bits_hex(bits) + " is not in canonical compact form (write " +
           bits_hex(canonical) + ")";
  }
  return "";
}
}  // namespace

std::string check_network(const ConsensusParams& p) {
  if (p.target_spacing <= 0) return "block interval must be positive";
  if (p.target_timespan <= 0 || p.target_timespan % p.target_spacing != 0) {
    return "retarget timespan must be a positive multiple of the block interval";
  }
  // The retarget measures a period from its first block to its last (Bitcoin's off-by-one),
  // so a 1-block window measures a block against itself: the timespan is always 0, the clamp
  // raises it to timespan/4, and every block makes the target 4x harder.
  if (p.interval() < kMinRetargetInterval) {
    return "retarget window must be at least " + std::to_string(kMinRetargetInterval) +
           " blocks (got " + std::to_string(p.interval()) + "): a 1-block window measures no time";
  }
  // The clamp's lower bound is timespan/4 in integer seconds: 0 below 4 s, and a measured
  // timespan of 0 (two blocks in the same second) then scales the target to 0.
  if (p.target_timespan < kMinRetargetTimespan) {
    return "retarget timespan (block interval x retarget window) must be at least " +
           std::to_string(kMinRetargetTimespan) + " s (got " + std::to_string(p.target_timespan) +
           " s): its quarter, the retarget's lower clamp, would be 0 s and the target could become 0";
  }
  // The upper clamp is timespan*4, in int64 seconds.
  if (p.target_timespan > kMaxRetargetTimespan) {
    return "retarget timespan must be at most " + std::to_string(kMaxRetargetTimespan) + " s (got " +
           std::to_string(p.target_timespan) + " s)";
  }
  if (p.halving_interval <= 0) return "halving interval must be positive";
  if (!money_range(p.initial_subsidy)) return "initial subsidy is out of range";
  if (auto s = check_supply(p); !s.empty()) return s;
  if (p.coinbase_maturity < 0) return "coinbase maturity must be >= 0 blocks";
  if (auto s = bits_problem(p.pow_limit_bits, "powLimit"); !s.empty()) return s;
  if (auto s = bits_problem(p.initial_bits, "initial nBits"); !s.empty()) return s;
  if (decode_compact(p.initial_bits).target > p.pow_limit) {
    return "initial nBits " + bits_hex(p.initial_bits) + " is easier than powLimit " + bits_hex(p.pow_limit_bits);
  }
  return "";
}

std::string check_supply(const ConsensusParams& p) {
  // At most 64 halvings pay anything (block_subsidy); each term <= 2^63 x blocks, so the
  // running sum is kept in 128 bits and stops as soon as it passes the range.
  unsigned __int128 total = 0;
  for (int k = 0; k < 64 && (p.initial_subsidy >> k) > 0; ++k) {
    total += static_cast<unsigned __int128>(p.initial_subsidy >> k) * static_cast<unsigned __int128>(p.halving_interval);
    if (total > static_cast<unsigned __int128>(kMaxMoney)) {
      return "halving interval " + std::to_string(p.halving_interval) + " with a subsidy of " +
             format_amount(p.initial_subsidy) + " mints more than the money range (" + format_amount(kMaxMoney) +
             " coins); about " + std::to_string(kMaxMoney / (2 * p.initial_subsidy)) + " blocks per halving at most";
    }
  }
  return "";
}

ConsensusParams lab_network(const LabOptions& o) {
  if (o.spacing <= 0 || o.spacing > 86400) throw std::invalid_argument("block interval must be 1..86400 seconds");
  if (o.retarget_interval < kMinRetargetInterval || o.retarget_interval > 1'000'000) {
    throw std::invalid_argument("retarget interval must be " + std::to_string(kMinRetargetInterval) +
                                "..1000000 blocks (got " + std::to_string(o.retarget_interval) +
                                "): a 1-block window measures no time");
  }
  if (o.halving_interval <= 0) throw std::invalid_argument("halving interval must be positive");
  ConsensusParams p;
  p.name = "lab";
  p.target_spacing = o.spacing;
  p.target_timespan = o.spacing * o.retarget_interval;
  p.halving_interval = o.halving_interval;
  p.pow_limit_bits = o.pow_limit_bits;
  p.initial_bits = o.initial_bits;
  p.coinbase_maturity = o.coinbase_maturity;
  if (o.coinbase_maturity < 0 || o.coinbase_maturity > 1'000'000) {
    throw std::invalid_argument("coinbase maturity must be 0..1000000 blocks");
  }
  if (auto s = bits_problem(o.pow_limit_bits, "powLimit"); !s.empty()) throw std::invalid_argument(s);
  p.pow_limit = decode_compact(o.pow_limit_bits).target;
  if (auto s = check_network(p); !s.empty()) throw std::invalid_argument(s);
  return p;
}

ConsensusParams network_by_name(std::string_view name) {
  if (name == "mainnet") return mainnet();
  if (name == "lab") return lab_network();
  throw std::invalid_argument("unknown network '" + std::string(name) + "' (known: mainnet, lab)");
}

std::uint32_t bits_for_leading_zeros(int zeros) {
  if (zeros < 1 || zeros > 255) throw std::invalid_argument("leading zero bits must be 1..255");
  const U256 target = (U256(1) << static_cast<unsigned>(256 - zeros)) - U256(1);
  return encode_compact(target);
}

}  // namespace powlab
