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
//     are accepted when the parent arrives.
//   - A block already seen (in the tree or the orphan pool) is a duplicate: nothing changes
//     and nothing is counted.
//
// What is checked where (as in Bitcoin Core):
//   on accept, for every block: proof of work (skippable only for simulated-proof blocks, see
//   ValidationOptions), nBits equal to the retarget rule at its parent, time > median of the
//   previous 11 and <= now + 2 h, Merkle root (and no CVE-2012-2459 mutation), a coinbase
//   first and only first, amounts in range;
//   when the block is connected to the best chain: every transaction against the UTXO set at
//   its parent, and the coinbase paying no more than subsidy + fees. A side-branch block's
//   transactions are therefore checked when (if ever) its branch becomes best.
//
// Cost model, for the mining race (many nodes, each with its own ChainState, sharing blocks):
//   - per node, per block: one Entry (~80 bytes) in a vector and a slot in an open-addressing
//     index; no per-block heap allocation except for UTXO entries of the block's own outputs;
//   - extending the best tip is O(1) plus the block's transactions; the tip comparison is one
//     256-bit compare; MTP walks 11 parent links; retargets walk one period once per period;
//   - a reorg costs the blocks disconnected and connected, nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "powlab/block.h"
#include "powlab/params.h"
#include "powlab/tx.h"
#include "powlab/u256.h"

namespace powlab {

// Reasons a block is refused. to_string gives Bitcoin Core's reject strings where one exists.
enum class BlockReject {
  none,
  high_hash,          // "high-hash": proof of work fails (or invalid nBits)
  simulated_proof,    // "simulated-proof": a simulated block, and this chain only takes real PoW
  bad_diffbits,       // "bad-diffbits": nBits differs from the retarget rule
  time_too_old,       // "time-too-old": not after the median of the previous 11
  time_too_new,       // "time-too-new": more than max_future_block_time ahead of now
  bad_merkle,         // "bad-txnmrklroot": header's Merkle root is not the transactions' root
  merkle_mutated,     // "bad-txns-duplicate": CVE-2012-2459 duplicate subtree
  no_coinbase,        // "bad-cb-missing": no transactions, or the first is not a coinbase
  multiple_coinbase,  // "bad-cb-multiple"
  bad_coinbase_height,  // "bad-cb-height": coinbase height differs from the block height
  bad_coinbase_amount,  // "bad-cb-amount": pays more than subsidy + fees
  bad_tx,             // "bad-txns": a transaction is invalid (see tx_error)
  bad_genesis,        // "bad-genesis": a second genesis, or genesis nBits != initial_bits
  parent_invalid,     // "bad-prevblk": the parent is a known invalid block
};
std::string_view to_string(BlockReject r);

enum class AcceptStatus {
  new_tip,      // the block (or an orphan it unlocked) became the best tip; see reorg fields
  side_branch,  // valid so far, in the tree, not on the best chain (not more work than the tip)
  orphan,       // parent unknown: queued in the orphan pool
  duplicate,    // seen before: nothing changed
  invalid,      // refused: see reason/detail
};
std::string_view to_string(AcceptStatus s);

struct AcceptResult {
  AcceptStatus status = AcceptStatus::invalid;
  BlockReject reason = BlockReject::none;  // for invalid
  std::optional<TxError> tx_error;         // for bad_tx
  std::size_t tx_index = 0;                // for bad_tx: index of the offending tx in the block
  std::string detail;                      // a sentence for people: expected vs found
  bool pow_skipped = false;   // the PoW check was skipped (simulated proof): said, not hidden
  // When the best tip changed (new_tip): blocks disconnected from the old best chain (0 for
  // a plain extension; > 0 is a reorg of that depth: those blocks just went stale) and blocks
  // connected (1 for a plain extension).
  std::uint32_t disconnected = 0;
  std::uint32_t connected = 0;
  std::int64_t fork_height = -1;          // height of the common ancestor, for a reorg
  std::uint32_t orphans_accepted = 0;     // orphans this block unlocked and that entered the tree
  bool reorg() const { return disconnected > 0; }
  bool ok() const { return status != AcceptStatus::invalid; }
};

struct ValidationOptions {
  // Skip ONLY the proof-of-work check, and only for blocks whose proof() is simulated (the
  // event-mode race): every other rule still applies, and AcceptResult::pow_skipped says so.
  // Off: a simulated block is refused ("simulated-proof").
  bool accept_simulated_proof = false;
  // The clock for time-too-new. Unset: that rule is not checked (loading an old file).
  std::optional<std::int64_t> now;
};

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

// A trusted starting point other than a genesis block: the tree's root stands for a real
// chain whose blocks we do not have (used to place the real stale block at 823226 beside its
// sibling). Rules needing history before the anchor use what it provides.
struct Anchor {
  Hash256 hash{};
  std::int64_t height = 0;
  std::uint32_t bits = 0;
  std::vector<std::int64_t> recent_times;  // times of the anchor and up to 10 blocks before it, oldest first
  std::optional<std::int64_t> period_start_time;  // time of the first block of the anchor's retarget period
  U256 chainwork;                          // cumulative work up to and including the anchor
};

// What a miner needs to build the next block on the best tip.
struct BlockTemplate {
  Hash256 prev_hash{};
  std::int64_t height = 0;
  std::uint32_t bits = 0;        // from the retarget rule at the tip
  std::int64_t min_time = 0;     // median-time-past + 1
  std::int64_t time = 0;         // max(now, min_time)
  std::int64_t max_time = 0;     // now + max_future_block_time
  Amount subsidy = 0;            // block_subsidy(height)
  std::int32_t version = 0x20000000;  // BIP9 top bits; BIP320 rolls bits 0x1fffe000
};

struct RewardTotals {
  Amount subsidy = 0;     // subsidies earned on the best chain
  Amount fees = 0;        // fees earned on the best chain
  std::uint32_t blocks = 0;  // best-chain blocks mined
};

// One unspent (or spent, see below) output.
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
  // The nBits a child of `parent` must carry (the retarget rule). nullopt: unknown parent or
  // history before an anchor that the anchor does not provide.
  std::optional<std::uint32_t> next_bits(const Hash256& parent) const;

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
    std::uint64_t seq = 0;  // arrival order
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
  const ChainOptions& options() const;
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
