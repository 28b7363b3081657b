// Mining a block on the best tip, built on the nonce-search API (search.h), which owns all
// threading. The miner adds what a real miner does around the search:
//   - searches the nonce space in slices (so progress, budgets and throttling work, and the
//     nonces covered are exactly the slices completed);
//   - when the nonce range is exhausted with no winner: rolls the BIP320 version bits (if
//     enabled; only mask 0x1fffe000 changes), then the coinbase extranonce, which changes the
//     Merkle root, and refreshes the time within [MTP+1, now+2h];
//   - re-checks the winner with the scalar header hash and check_proof_of_work before it
//     becomes a block (a kernel bug can never produce an invalid block);
//   - throttling (--throttle F): after each slice it sleeps until the process's CPU time
//     (CLOCK_PROCESS_CPUTIME_ID) is F x threads x wall time: CoinHive's `throttle`, the
//     cryptojacking lesson in plain sight.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "powlab/ledger/block.h"
#include "powlab/ledger/chain.h"

namespace powlab {

inline constexpr std::uint32_t kVersionRollingMask = 0x1fffe000;  // BIP320

struct MineProgress {
  std::uint64_t hashes = 0;     // tried so far for this block
  double seconds = 0;           // wall time so far for this block
  double hashes_per_second = 0;
  double expected_hashes = 0;   // 2^256 / (target + 1): display only
  std::uint64_t extranonce = 0;
  double cpu_fraction = 0;      // process CPU / (wall x threads) so far
};

struct MineRequest {
  std::string miner = "miner";        // coinbase owner
  std::vector<Transaction> txs;        // non-coinbase txs to include, valid in order against the tip
  unsigned threads = 0;                // 0: every core
  bool serial = false;                 // one thread, no TBB: deterministic tests
  std::string kernel;                  // "" = selected kernel
  double throttle = 1.0;               // 0 < F <= 1
  bool version_rolling = false;        // roll BIP320 bits before the extranonce
  std::uint64_t nonce_limit = std::uint64_t{1} << 32;  // nonces per header (a test knob: small = fast exhaustion)
  std::uint64_t first_extranonce = 0;
  double max_seconds = 0;              // budget for this block, 0 = none
  const std::atomic<bool>* cancel = nullptr;
  std::function<void(const MineProgress&)> progress;  // called between slices
  std::function<std::int64_t()> clock;  // unix seconds; default std::time
};

struct MineResult {
  BlockPtr block;                 // null when stopped (budget or cancel) before a winner
  std::uint64_t hashes = 0;
  double seconds = 0;             // wall
  double cpu_seconds = 0;         // process CPU time consumed while mining
  double cpu_fraction = 0;        // cpu_seconds / (seconds x threads)
  std::uint64_t extranonce = 0;   // of the winning block
  std::uint32_t extranonce_rolls = 0;
  std::uint32_t version_rolls = 0;
  Amount fees = 0;
  Amount reward = 0;              // subsidy + fees
  unsigned threads = 1;
  std::string kernel;
  bool cancelled = false;
  bool budget_exhausted = false;
};

// Mines one block on `chain`'s best tip. Does not accept it: the caller does (and so gets the
// AcceptResult). Throws std::invalid_argument for a bad request (throttle out of range, a tx
// that does not validate against the tip).
MineResult mine_block(const ChainState& chain, const MineRequest& request);

// Process CPU time in seconds (CLOCK_PROCESS_CPUTIME_ID), all threads together.
double process_cpu_seconds();

}  // namespace powlab
