// Chain state: the block tree of one node, its most-work best chain, and the ledger (UTXO
// set, balances, reward totals) on that best chain.
//
//   - Every block that passes the header-context checks enters the tree and stays there: a
//     block that loses a race is a stale side branch, not deleted.
//   - The best tip is the block with the most cumulative work (sum of block_work(nBits),
//     never height). Ties go to the block seen first: a reorg needs strictly more work
//     (Bitcoin Core CBlockIndexWorkComparator).
//   - Connecting a block applies its transactions to the UTXO set; a reorg disconnects back to
//     the fork point (restoring every spent output and removing every created one) and
//     connects the new branch. A block whose transactions fail when connected is marked
//     invalid with its descendants and the previous best chain is restored.
//   - Blocks with an unknown parent wait in a bounded orphan pool (oldest evicted first) and
//     are taken when the parent arrives, oldest first (orphan_pool.h).
//   - A block refused for good (every reason but a mutated body, failed proof of work and
//     time-too-new: remembered() in block_tree.h) is remembered by hash: it is refused again
//     at once, and so is every block that descends from it (bad-prevblk), including orphans
//     already waiting for it.
//   - A block already seen (in the tree or the orphan pool) is a duplicate: nothing changes
//     and nothing is counted.
//
// What is checked where (as in Bitcoin Core):
//   on accept, for every block: proof of work (skippable only for simulated-proof blocks, see
//   ValidationOptions), nBits equal to the retarget rule at its parent, time > median of the
//   previous 11 and <= now + 2 h, Merkle root (and no CVE-2012-2459 mutation), a coinbase
//   first and only first, amounts in range;
//   when the block is connected to the best chain: every transaction against the UTXO set at
//   its parent (coinbase outputs only after params.coinbase_maturity blocks), the fees
//   summing within the money range, and the coinbase paying no more than subsidy + fees. A side-branch block's
//   transactions are therefore checked when (if ever) its branch becomes best.
//
// The block tree and its rules live in BlockTree (block_tree.h); a ChainState owns one and
// adds the best chain, the orphan pool and the ledger. Cost per block: the tree's entry and
// index slot, a best-chain slot, and UTXO entries for the block's outputs; extending the tip
// is O(1) plus the block's transactions, and a reorg costs the blocks it moves.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "powlab/ledger/block.h"
#include "powlab/ledger/block_tree.h"
#include "powlab/consensus/params.h"
#include "powlab/ledger/tx.h"
#include "powlab/consensus/u256.h"

namespace powlab {

struct ChainOptions {
  ValidationOptions validation;
  // Header-only trees (the real-chain fork tests): blocks carry no transactions, so Merkle,
  // coinbase and UTXO rules are not checked and there are no balances. Off: a block without
  // transactions is refused (bad-cb-missing).
  bool headers_only = false;
  std::size_t max_orphans = 100;  // the orphan pool's bound; the oldest is evicted first
  // Rewards-only ledger, for simulations that never spend: no UTXO set is kept; coinbase
  // outputs credit balances and reward totals directly, and a block carrying any transfer is
  // refused (bad-txns: "transfers need the UTXO set"). Saves a hash-table insert per node
  // per block. Off (default): the full UTXO ledger.
  bool rewards_only = false;
  // Per-owner balances and reward totals (balances(), rewards(), balance()). Off: none are
  // kept and those stay empty; every rule, the coinbase amount included, is still checked.
  // For simulations with thousands of nodes, where each node's owner tables would dominate
  // memory: sum one node's best chain at the end instead (block_at).
  bool track_balances = true;
};

struct RewardTotals {
  Amount subsidy = 0;     // subsidies earned on the best chain
  Amount fees = 0;        // fees earned on the best chain
  std::uint32_t blocks = 0;  // best-chain blocks mined
};

// An output on the best chain: what it pays, the height of the block that made it, and
// whether a coinbase did (for coinbase maturity).
struct Coin {
  TxOut out;
  std::int64_t height = 0;
  bool coinbase = false;
  friend bool operator==(const Coin&, const Coin&) = default;
};

struct OutPointHasher {
  std::size_t operator()(const OutPoint& o) const noexcept;
};

class ChainState {
 public:
  // An empty tree: the first block accepted must be a genesis (null prev_hash, nBits ==
  // params.initial_bits) and is fully validated like any other block.
  explicit ChainState(ConsensusParams params, ChainOptions options = {});
  // A tree rooted at a trusted anchor (no block object).
  ChainState(ConsensusParams params, const Anchor& anchor, ChainOptions options = {});

  ChainState(const ChainState&) = delete;
  ChainState& operator=(const ChainState&) = delete;
  ChainState(ChainState&&) noexcept;
  ChainState& operator=(ChainState&&) noexcept;
  ~ChainState();

  // Accepts a block (and any orphans it unlocks). Never throws for bad blocks: the result
  // says what happened and why.
  AcceptResult accept(const BlockPtr& block);

  // ---- best chain ----
  bool empty() const;                  // no genesis (or anchor) yet
  std::int64_t height() const;         // best tip height; -1 when empty
  const Hash256& tip_hash() const;
  const U256& tip_work() const;        // cumulative work of the best tip
  // The best-chain block at `height` (null for the anchor, or out of range).
  BlockPtr block_at(std::int64_t height) const;
  Hash256 hash_at(std::int64_t height) const;
  // Next block to mine on the best tip, with time = max(now, MTP + 1).
  BlockTemplate next_template(std::int64_t now) const;

  // ---- the tree ----
  std::size_t block_count() const;     // blocks in the tree (the anchor not counted)
  std::size_t orphan_count() const;
  bool contains(const Hash256& hash) const;     // in the tree (valid or marked invalid)
  bool on_best_chain(const Hash256& hash) const;
  // Every block in the tree in the order first seen (what a chain file stores).
  std::vector<BlockPtr> blocks_in_order() const;
  // Tree blocks not on the best chain (stale side branches, and blocks marked invalid).
  std::size_t side_block_count() const;
  struct BlockInfo {
    std::int64_t height = 0;
    U256 chainwork;
    bool best = false;
    bool invalid = false;
    // Index in the block tree. The tree holds blocks in the order they were taken in, which
    // is not the order they arrived: an orphan is taken when its parent is.
    std::uint64_t tree_index = 0;
  };
  std::optional<BlockInfo> info(const Hash256& hash) const;

  // ---- the ledger on the best chain ----
  // Validates a transaction against the best tip's UTXO set (plus nothing else). Returns the
  // fee on success.
  std::optional<TxError> check_tx(const Transaction& tx, Amount* fee = nullptr) const;
  // Same, but against the UTXO set as modified by `earlier` (transactions queued before it,
  // e.g. a mempool): spends by earlier entries count as double spends.
  std::optional<TxError> check_tx_after(const Transaction& tx, std::span<const Transaction> earlier,
                                        Amount* fee = nullptr) const;
  const Coin* find_coin(const OutPoint& out) const;  // unspent outputs only
  // Unspent outputs of one owner, oldest first (for `send` to choose inputs).
  std::vector<std::pair<OutPoint, Coin>> coins_of(std::string_view owner) const;
  const std::unordered_map<std::string, Amount>& balances() const;   // owners with non-zero balance
  const std::unordered_map<std::string, RewardTotals>& rewards() const;
  Amount balance(std::string_view owner) const;
  std::size_t utxo_count() const;

  const ConsensusParams& params() const;
  ChainOptions options() const;  // as constructed, with the current validation()
  ValidationOptions& validation();  // e.g. to advance `now`

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A block mined on the best tip: the coinbase pays `miner` subsidy + the fees of `txs` (which
// must be valid in order against the tip; check with check_tx_after). Not yet mined: the
// nonce is 0. The miner rolls nonce, version and extranonce from here.
struct BlockDraft {
  BlockHeader header;
  std::vector<Transaction> txs;  // coinbase first
  Amount fees = 0;
};
BlockDraft make_block_draft(const BlockTemplate& tmpl, const std::string& miner, std::vector<Transaction> txs,
                            Amount fees, std::uint64_t extranonce);
// Re-roots the draft's Merkle root after changing the coinbase's extranonce.
void set_extranonce(BlockDraft& draft, std::uint64_t extranonce);

}  // namespace powlab
