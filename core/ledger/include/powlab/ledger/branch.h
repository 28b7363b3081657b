// Working on a branch that is not (yet) the best chain, as a double spender does: the coins of
// the branch that ends at a given block, which queued transfers that branch would take, and
// what a reorg took off the best chain (the blocks, and the transactions that conflict with
// the ones that replaced them).
//
// The chain file keeps every side branch, but a ChainState keeps the UTXO set of its best
// chain only. The coins of another branch are therefore rebuilt: the blocks from the genesis
// to that branch's tip are replayed, fully re-validated, into a ChainState of their own. That
// costs one load of the branch (what every command already pays for the whole file) and needs
// no second kind of ledger, so a branch is checked by exactly the rules the best chain is.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/ledger/block.h"
#include "powlab/ledger/chain.h"
#include "powlab/ledger/tx.h"

namespace powlab {

// The chain that ends at `tip`: `blocks` must hold `tip` and all its ancestors (any order, any
// other blocks beside them, e.g. a chain file's blocks). Returns the ChainState whose best tip
// is `tip`, or nullopt with `why` set when `tip` or an ancestor is missing or a block on the
// way is refused (a side branch's transactions are checked only here: a block tree checks
// them when, if ever, the branch becomes best).
std::unique_ptr<ChainState> branch_state(std::span<const BlockPtr> blocks, const Hash256& tip,
                                         const ConsensusParams& params, const ChainOptions& options,
                                         std::string* why);

// A block named by a person (`--parent H`): a height on the best chain (decimal digits, 0 to
// the tip's height) or a block hash (64 hex digits, display order) anywhere in the tree, side
// branches included. nullopt with `why` set when the name is malformed, above the tip, or
// names no block in the tree.
std::optional<Hash256> find_block(const ChainState& chain, std::string_view name, std::string* why);

// The queued transactions (a chain file's mempool, in queue order) that a block on `chain`'s
// tip can take: each is checked against the tip's coins as changed by the ones taken before
// it. The others are left out with the reason, and stay queued: a transfer queued for one
// branch (`send --parent`) conflicts with the best chain and is still wanted on its branch.
struct QueueChoice {
  std::vector<Transaction> taken;
  struct LeftOut {
    Hash256 txid{};
    TxError error;
  };
  std::vector<LeftOut> left_out;
};
QueueChoice choose_queued(const ChainState& chain, std::span<const Transaction> queue);

// Two transactions that spend the same output: one in a block a reorg took off the best chain,
// one in a block it put on. The double spend, named.
struct Conflict {
  OutPoint outpoint;
  Hash256 disconnected_txid{};
  Hash256 connected_txid{};
};
// Every output spent by a transfer in `disconnected` and by a different transfer in
// `connected`, in the order of `disconnected`'s transactions and inputs.
std::vector<Conflict> conflicting_spends(std::span<const BlockPtr> disconnected, std::span<const BlockPtr> connected);

// A reorg that happened while a chain file was replayed (blocks are stored in the order first
// seen, so replaying repeats every reorg the file's writers saw).
struct ReorgRecord {
  std::size_t index = 0;               // the file block whose arrival caused it
  std::int64_t fork_height = -1;       // the common ancestor's height
  std::vector<BlockPtr> disconnected;  // left the best chain, lowest first; depth = size()
  std::vector<BlockPtr> connected;     // joined it, lowest first
  std::vector<Conflict> conflicts;
  std::size_t depth() const { return disconnected.size(); }
};

}  // namespace powlab
