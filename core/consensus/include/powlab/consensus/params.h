// Consensus parameters of a network. `mainnet()` carries Bitcoin's values (Bitcoin Core
// src/kernel/chainparams.cpp); other presets build on the same arithmetic.
#pragma once

#include <cstdint>
#include <string>

#include "powlab/consensus/u256.h"

namespace powlab {

struct ConsensusParams {
  std::string name;
  U256 pow_limit;                        // the easiest target allowed
  std::uint32_t pow_limit_bits = 0;      // pow_limit in compact form
  std::uint32_t initial_bits = 0;        // nBits of the genesis block (first retarget period)
  std::int64_t target_spacing = 600;     // seconds per block
  std::int64_t target_timespan = 1209600;  // seconds per retarget period (two weeks)
  std::int64_t halving_interval = 210000;  // blocks per subsidy halving
  std::int64_t initial_subsidy = 50LL * 100'000'000;  // in the smallest unit (satoshi)
  std::int64_t max_future_block_time = 2 * 60 * 60;  // Core MAX_FUTURE_BLOCK_TIME
  int median_time_span = 11;             // Core: median of the previous 11 block times
  // Confirmations a coinbase output needs before it may be spent: a spend in a block at
  // height H of a coinbase from height C needs H - C >= coinbase_maturity (Core
  // COINBASE_MATURITY = 100, consensus/consensus.h; "bad-txns-premature-spend-of-coinbase").
  // A reorg can erase a coinbase; the wait keeps the coins that depend on it from vanishing too.
  std::int64_t coinbase_maturity = 100;

  // Blocks per retarget period: 1,209,600 / 600 = 2016 on mainnet.
  std::int64_t interval() const { return target_timespan / target_spacing; }
};

const ConsensusParams& mainnet();

// Block subsidy at `height`: initial >> (height / halving_interval), zero after 64 halvings
// (a shift by >= 64 is undefined in C++, so it is cut off explicitly).
std::int64_t block_subsidy(std::int64_t height, const ConsensusParams& params);

}  // namespace powlab
