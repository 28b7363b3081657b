#include "powlab/consensus/params.h"

#include "powlab/consensus/target.h"

namespace powlab {

const ConsensusParams& mainnet() {
  static const ConsensusParams params = [] {
    ConsensusParams p;
    p.name = "mainnet";
    // Bitcoin Core chainparams: powLimit = 00000000ffff...ff; its compact form 0x1d00ffff
    // decodes to 0x00000000ffff0000...0 (lower bits truncated), the genesis target.
    p.pow_limit = U256::from_hex("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    p.pow_limit_bits = 0x1d00ffff;
    p.initial_bits = 0x1d00ffff;
    return p;
  }();
  return params;
}

std::int64_t block_subsidy(std::int64_t height, const ConsensusParams& params) {
  if (height < 0 || params.halving_interval <= 0) return 0;
  const std::int64_t halvings = height / params.halving_interval;
  if (halvings >= 64) return 0;
  return params.initial_subsidy >> halvings;
}

}  // namespace powlab
