// Helpers for the ledger tests: a fast lab network and blocks mined by grinding a few nonces
// against the regtest-easy target 0x207fffff (each nonce wins with probability ~1/2).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "powlab/ledger/chain.h"
#include "powlab/mining/miner.h"
#include "powlab/consensus/network.h"
#include "powlab/consensus/pow.h"

namespace powlab::test {

// easy_lab's options (a chain file needs LabOptions to round-trip through lab_network).
inline LabOptions easy_lab_options(std::int64_t retarget_interval = 1000, std::int64_t halving_interval = 1000) {
  LabOptions o;
  o.spacing = 10;
  o.retarget_interval = retarget_interval;
  o.halving_interval = halving_interval;
  o.initial_bits = 0x207fffff;
  o.pow_limit_bits = 0x207fffff;
  return o;
}

// Coinbase maturity 0 unless asked: most ledger tests spend a coinbase in the next block to
// test another rule; the maturity tests set it.
inline ConsensusParams easy_lab(std::int64_t retarget_interval = 1000, std::int64_t halving_interval = 1000,
                                std::int64_t coinbase_maturity = 0) {
  LabOptions o;
  o.coinbase_maturity = coinbase_maturity;
  o.spacing = 10;
  o.retarget_interval = retarget_interval;
  o.halving_interval = halving_interval;
  o.initial_bits = 0x207fffff;
  o.pow_limit_bits = 0x207fffff;
  return lab_network(o);
}

inline constexpr std::int64_t kT0 = 1'700'000'000;

// Grinds nonces until the header meets its nBits. For easy targets only.
inline BlockHeader grind(BlockHeader h, const ConsensusParams& params) {
  for (std::uint32_t n = 0;; ++n) {
    h.nonce = n;
    if (check_proof_of_work(h.hash(), h.bits, params.pow_limit) == PowStatus::ok) return h;
    if (n == 100000) throw std::runtime_error("grind: target too hard for a test");
  }
}

// A child of `parent` (hash, height), paying `miner`, with `txs` after the coinbase, at
// `time`, with `bits`. Fees: the coinbase claims subsidy + `fees`.
inline BlockPtr make_block(const ConsensusParams& params, const Hash256& parent, std::int64_t height,
                           std::uint32_t bits, std::int64_t time, const std::string& miner,
                           std::vector<Transaction> txs = {}, Amount fees = 0, std::uint64_t extranonce = 0) {
  BlockTemplate t;
  t.prev_hash = parent;
  t.height = height;
  t.bits = bits;
  t.time = time;
  t.subsidy = block_subsidy(height, params);
  BlockDraft d = make_block_draft(t, miner, std::move(txs), fees, extranonce);
  return Block::make(grind(d.header, params), std::move(d.txs));
}

// The next block on `chain`'s best tip, `dt` seconds after the tip (or kT0 for genesis).
inline BlockPtr next_block(const ChainState& chain, const std::string& miner, std::vector<Transaction> txs = {},
                           Amount fees = 0, std::int64_t dt = 10, std::uint64_t extranonce = 0) {
  const std::int64_t time =
      chain.empty() ? kT0 : static_cast<std::int64_t>(chain.block_at(chain.height())->header().time) + dt;
  BlockTemplate t = chain.next_template(time);
  return make_block(chain.params(), t.prev_hash, t.height, t.bits, std::max(time, t.min_time), miner, std::move(txs),
                    fees, extranonce);
}

// A transfer spending `from` outputs, paying `to` `amount` and the rest back (minus fee).
inline Transaction transfer(const std::vector<OutPoint>& from, Amount input_total, const std::string& payer,
                            const std::string& to, Amount amount, Amount fee) {
  Transaction tx;
  for (const OutPoint& o : from) tx.inputs.push_back(TxIn{o});
  tx.outputs.push_back(TxOut{amount, to});
  if (input_total - amount - fee > 0) tx.outputs.push_back(TxOut{input_total - amount - fee, payer});
  return tx;
}

// A lab network starting at `bits`, with the regtest-easy powLimit.
inline ConsensusParams lab_with_bits(std::uint32_t bits) {
  LabOptions o;
  o.initial_bits = bits;
  o.pow_limit_bits = 0x207fffff;
  return lab_network(o);
}

// One thread, no TBB, and a fixed clock: deterministic mining for tests.
inline MineRequest serial_request() {
  MineRequest r;
  r.serial = true;
  r.threads = 1;
  r.clock = [] { return kT0; };
  return r;
}

// `powlab ... --json` prints JSON Lines: one object per line.
inline std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) v.push_back(nlohmann::json::parse(line));
  }
  return v;
}

}  // namespace powlab::test
