// The block tree: every block a chain has taken in, with its place (parent, height,
// cumulative work) and the consensus rules that depend only on the block and its ancestors:
// proof of work, the Merkle root and body, nBits by the retarget rule, median time past, the
// coinbase height. Whether a block is valid in that sense is the same for every node, so a
// simulation checks each block once, in one tree shared by all nodes (a node is then just a
// tip into it: see sim/race.h), while a ChainState owns a tree of its own and adds the best
// chain and the UTXO ledger on top.
//
// Cost: one Entry (120 bytes) and one or two 8-byte index slots per block; lookups are one probe in
// the common case; the median time past and the nBits a child needs are computed once per
// block, when it enters the tree (11 parent links; a retarget walks one period).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/ledger/block.h"
#include "powlab/util/huge_pages.h"
#include "powlab/consensus/params.h"
#include "powlab/ledger/tx.h"
#include "powlab/consensus/u256.h"

namespace powlab {

// Reasons a block is refused. to_string gives Bitcoin Core's reject strings where one exists.
// remembered(r): whether a block refused for r is refused for good, so a ChainState remembers
// its hash and refuses its descendants at once (see chain.h).
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
  parent_unknown,     // "prev-blk-not-found": the parent is not known (and no orphan pool takes it)
  fee_out_of_range,   // "bad-txns-accumulated-fee-outofrange": the block's fees sum out of the money range
};
std::string_view to_string(BlockReject r);
bool remembered(BlockReject r);

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

// The header a template describes: version, parent, time and nBits (Merkle root and nonce
// still zero).
BlockHeader template_header(const BlockTemplate& tmpl);

// Checks of one transaction that need no chain: outputs present, amounts in range, owners
// valid, no outpoint spent twice inside it.
std::optional<TxError> check_tx_context_free(const Transaction& tx);
// The coinbase rule (bad-cb-amount): why a coinbase paying `paid` is refused, or nullopt when
// it pays at most subsidy + fees.
std::optional<std::string> coinbase_overpays(Amount paid, Amount subsidy, Amount fees);
// Why a ledger that keeps rewards only (no UTXO set) refuses any transfer.
inline constexpr std::string_view kRewardsOnlyRefusal = "transfers need the UTXO set (this ledger keeps rewards only)";

struct TreeOptions {
  ValidationOptions validation;
  // Header-only trees (the real-chain fork tests): blocks carry no transactions, so Merkle,
  // coinbase and body rules are not checked. Off: a block without transactions is refused
  // (bad-cb-missing).
  bool headers_only = false;
};

class BlockTree {
 public:
  static constexpr std::uint32_t npos = 0xffffffffu;
  static constexpr std::uint8_t kInvalid = 1;   // failed a rule (or descends from such a block)
  static constexpr std::uint8_t kHasChild = 2;  // some block in the tree names this one as parent
  // child_bits holds the retarget rule's nBits. An explicit flag, not a sentinel value: every
  // 32-bit value is an nBits some header can carry.
  static constexpr std::uint8_t kChildBitsKnown = 4;

  struct Entry {
    BlockPtr block;               // null for the anchor and for a pruned body (prune_body)
    Hash256 hash{};
    U256 chainwork;               // cumulative work up to and including this block
    std::int64_t height = 0;
    std::uint32_t parent = npos;
    std::uint32_t time = 0;
    std::uint32_t bits = 0;
    // nBits a child must carry (the retarget rule), computed when the block enters the tree;
    // meaningful only with kChildBitsKnown (unset when the period starts before an anchor
    // that does not say when).
    std::uint32_t child_bits = 0;
    std::int64_t mtp = 0;         // median time past of this block and 10 ancestors (a child's floor)
    std::uint8_t flags = 0;
  };

  // An empty tree: the first block inserted must be a genesis.
  BlockTree(ConsensusParams params, TreeOptions options);
  // A tree rooted at a trusted anchor (entry 0, no block object).
  BlockTree(ConsensusParams params, const Anchor& anchor, TreeOptions options);

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const Entry& operator[](std::uint32_t i) const { return entries_[i]; }
  const Hash256& hash_of(std::uint32_t i) const;
  std::uint32_t find(const Hash256& hash) const;  // npos when absent
  bool has_anchor() const { return anchor_.has_value(); }
  const ConsensusParams& params() const { return params_; }
  const TreeOptions& options() const { return options_; }
  ValidationOptions& validation() { return options_.validation; }
  void reserve(std::size_t blocks);

  // ---- the rules (no side effects) ----
  // Checks needing no parent: proof of work first (cheap, limits DoS), then the body.
  // pow_skipped is set for a simulated-proof block taken under accept_simulated_proof.
  std::optional<AcceptResult> check_context_free(const Block& b, bool& pow_skipped) const;
  // Checks against the parent (npos: a genesis): nBits, MTP, time-too-new, coinbase height.
  std::optional<AcceptResult> check_contextual(const Block& b, std::uint32_t parent, std::int64_t height) const;
  // For ledgers without a UTXO set (the race): no transfers, and the coinbase pays at most
  // the subsidy (there are no fees without transfers).
  std::optional<AcceptResult> check_coinbase_only(const Block& b, std::int64_t height) const;
  // nBits a child of p must carry; nullopt when the period starts before the anchor and the
  // anchor does not provide its time.
  std::optional<std::uint32_t> bits_after(std::uint32_t p) const;
  std::int64_t mtp(std::uint32_t p) const { return entries_[p].mtp; }  // of p and its 10 ancestors
  // What a miner needs to build a child of `parent` (npos: a genesis) at `now`.
  BlockTemplate template_on(std::uint32_t parent, std::int64_t now) const;
  // More work than b, or equal work and earlier in the tree (Core's comparator when the tree
  // order is the arrival order).
  bool better(std::uint32_t a, std::uint32_t b) const;
  // The common ancestor of a and b.
  std::uint32_t fork_point(std::uint32_t a, std::uint32_t b) const;

  // ---- changes ----
  // Adds a block that passed the checks above; returns its index.
  std::uint32_t insert(BlockPtr block, std::uint32_t parent, std::int64_t height);
  // Drops block i's body (its transactions) and keeps its entry: hash, parent, height, work,
  // time and nBits are all the rules above ever need of an ancestor, so a pruned tree checks
  // new blocks exactly as before (Bitcoin Core's pruned nodes do the same). For users that
  // keep no ledger of their own: a ChainState needs bodies to connect and disconnect.
  void prune_body(std::uint32_t i);
  // Starts fetching the index slot a block with this hash would take: a caller that knows a
  // block's hash before it has built the block lets that cache miss overlap the building.
  void prefetch(const Hash256& hash) const;
  // Marks i invalid and every descendant with it; returns the descendants newly marked.
  std::vector<std::uint32_t> mark_invalid(std::uint32_t i);

  // All checks, then insert: the path of a tree that has no ledger of its own (the race).
  // A block already in the tree comes back as `duplicate`; an unknown parent is refused
  // (this tree keeps no orphans). A block that passes is `side_branch`: the tree has no
  // best chain, its user keeps the tips.
  // parent_hint: where the caller believes the parent is (a miner knows the tip it built on);
  // used only if that entry's hash is prev_hash, and it saves a hash-table probe.
  AcceptResult add(const BlockPtr& block, std::uint32_t* index, std::uint32_t parent_hint = npos);

  static AcceptResult refuse(BlockReject r, std::string detail);

 private:
  struct Slot {
    std::uint32_t index1 = 0;  // entry index + 1; 0 = empty
    std::uint32_t tag = 0;     // 32 more bits of the hash, so a probe rarely touches the entry
  };
  void place(std::uint32_t i);
  void set_child_bits(std::uint32_t i);  // child_bits and kChildBitsKnown from bits_after
  int mtp_window(std::uint32_t p, std::array<std::int64_t, 11>& out) const;  // 11: kMedianTimeSpan
  std::int64_t compute_mtp(std::uint32_t p) const;

  ConsensusParams params_;
  TreeOptions options_;
  std::optional<Anchor> anchor_;
  std::vector<Entry, HugePageAllocator<Entry>> entries_;  // a child always after its parent
  std::vector<Slot, HugePageAllocator<Slot>> slots_;     // open addressing, linear probing
};

}  // namespace powlab
