#include "powlab/ledger/block_tree.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "powlab/consensus/pow.h"
#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"

namespace powlab {

std::string_view to_string(BlockReject r) {
  switch (r) {
    case BlockReject::none: return "ok";
    case BlockReject::high_hash: return "high-hash";
    case BlockReject::simulated_proof: return "simulated-proof";
    case BlockReject::bad_diffbits: return "bad-diffbits";
    case BlockReject::time_too_old: return "time-too-old";
    case BlockReject::time_too_new: return "time-too-new";
    case BlockReject::bad_merkle: return "bad-txnmrklroot";
    case BlockReject::merkle_mutated: return "bad-txns-duplicate";
    case BlockReject::no_coinbase: return "bad-cb-missing";
    case BlockReject::multiple_coinbase: return "bad-cb-multiple";
    case BlockReject::bad_coinbase_height: return "bad-cb-height";
    case BlockReject::bad_coinbase_amount: return "bad-cb-amount";
    case BlockReject::bad_tx: return "bad-txns";
    case BlockReject::bad_genesis: return "bad-genesis";
    case BlockReject::parent_invalid: return "bad-prevblk";
    case BlockReject::parent_unknown: return "prev-blk-not-found";
    case BlockReject::fee_out_of_range: return "bad-txns-accumulated-fee-outofrange";
  }
  return "unknown";
}

bool remembered(BlockReject r) {
  switch (r) {
    // The hash names the header, not the body: a mutated or mismatched body (Core's
    // BLOCK_MUTATED) must not poison the valid block with the same hash (CVE-2012-2459).
    case BlockReject::bad_merkle:
    case BlockReject::merkle_mutated:
    // Costs nothing to make (Core does not store headers that fail proof of work either).
    case BlockReject::high_hash:
    case BlockReject::simulated_proof:
    // Valid later, when the clock has caught up.
    case BlockReject::time_too_new:
    // Not a verdict on the block.
    case BlockReject::none:
    case BlockReject::parent_unknown: return false;
    default: return true;
  }
}

std::string_view to_string(AcceptStatus s) {
  switch (s) {
    case AcceptStatus::new_tip: return "new-tip";
    case AcceptStatus::side_branch: return "side-branch";
    case AcceptStatus::orphan: return "orphan";
    case AcceptStatus::duplicate: return "duplicate";
    case AcceptStatus::invalid: return "invalid";
  }
  return "unknown";
}

std::optional<TxError> check_tx_context_free(const Transaction& tx) {
  if (tx.outputs.empty()) return TxError{TxReject::no_outputs, "the transaction has no outputs"};
  Amount total = 0;
  for (std::size_t i = 0; i < tx.outputs.size(); ++i) {
    const TxOut& o = tx.outputs[i];
    if (!money_range(o.amount)) {
      return TxError{TxReject::amount_out_of_range,
                     "output " + std::to_string(i) + " amount " + std::to_string(o.amount) + " is outside 0.." +
                         std::to_string(kMaxMoney)};
    }
    total += o.amount;  // both terms <= kMaxMoney: cannot overflow
    if (!money_range(total)) {
      return TxError{TxReject::amount_out_of_range, "the outputs sum to more than " + std::to_string(kMaxMoney)};
    }
    if (auto why = check_owner_name(o.owner)) return TxError{TxReject::bad_owner, *why};
  }
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (tx.inputs[i].prevout == tx.inputs[j].prevout) {
        return TxError{TxReject::duplicate_input,
                       "inputs " + std::to_string(j) + " and " + std::to_string(i) + " spend the same output"};
      }
    }
  }
  return std::nullopt;
}

BlockTree::BlockTree(ConsensusParams params, TreeOptions options)
    : params_(std::move(params)), options_(options) {}

BlockTree::BlockTree(ConsensusParams params, const Anchor& anchor, TreeOptions options)
    : BlockTree(std::move(params), options) {
  anchor_ = anchor;
  if (anchor_->recent_times.empty()) throw std::invalid_argument("anchor needs at least its own time");
  if (anchor_->recent_times.size() > 11) {
    anchor_->recent_times.erase(anchor_->recent_times.begin(), anchor_->recent_times.end() - 11);
  }
  Entry e;
  e.height = anchor.height;
  e.chainwork = anchor.chainwork;
  e.bits = anchor.bits;
  e.time = static_cast<std::uint32_t>(anchor_->recent_times.back());
  e.hash = anchor.hash;
  entries_.push_back(std::move(e));
  set_child_bits(0);
  entries_[0].mtp = compute_mtp(0);
  place(0);
}

const Hash256& BlockTree::hash_of(std::uint32_t i) const {
  return entries_[i].hash;
}

void BlockTree::reserve(std::size_t blocks) {
  entries_.reserve(blocks);
  std::size_t want = 64;
  while (want < 2 * blocks) want *= 2;
  if (want > slots_.size()) {
    std::vector<Slot, HugePageAllocator<Slot>> old = std::move(slots_);
    slots_.assign(want, Slot{});
    for (const Slot& v : old) {
      if (v.index1 != 0) place(v.index1 - 1);
    }
  }
}

std::uint32_t BlockTree::find(const Hash256& h) const {
  if (slots_.empty()) return npos;
  const std::size_t hv = Hash256Hasher{}(h);
  const auto tag = static_cast<std::uint32_t>(hv >> 32);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = hv & mask;; s = (s + 1) & mask) {
    const Slot slot = slots_[s];
    if (slot.index1 == 0) return npos;
    if (slot.tag == tag && hash_of(slot.index1 - 1) == h) return slot.index1 - 1;
  }
}

void BlockTree::place(std::uint32_t i) {
  if ((entries_.size() + 1) * 2 > slots_.size()) {
    reserve(std::max<std::size_t>(32, entries_.size() * 2));
  }
  const std::size_t mask = slots_.size() - 1;
  const std::size_t hv = Hash256Hasher{}(hash_of(i));
  std::size_t s = hv & mask;
  while (slots_[s].index1 != 0 && slots_[s].index1 != i + 1) s = (s + 1) & mask;
  slots_[s] = Slot{i + 1, static_cast<std::uint32_t>(hv >> 32)};
}

int BlockTree::mtp_window(std::uint32_t p, std::array<std::int64_t, 11>& out) const {
  int n = 0;
  const int span = std::min(params_.median_time_span, static_cast<int>(kMedianTimeSpan));
  while (p != npos && n < span) {
    if (p == 0 && anchor_) {
      // The anchor: its recent_times stand for itself and the blocks before it.
      const auto& times = anchor_->recent_times;
      for (auto it = times.rbegin(); it != times.rend() && n < span; ++it) out[static_cast<std::size_t>(n++)] = *it;
      break;
    }
    out[static_cast<std::size_t>(n++)] = entries_[p].time;
    p = entries_[p].parent;
  }
  return n;
}

std::int64_t BlockTree::compute_mtp(std::uint32_t p) const {
  std::array<std::int64_t, kMedianTimeSpan> w{};
  const int n = mtp_window(p, w);
  if (n == 0) return std::numeric_limits<std::int64_t>::min();
  return median_time_past(std::span(w.data(), static_cast<std::size_t>(n)));
}

std::optional<std::uint32_t> BlockTree::bits_after(std::uint32_t p) const {
  const Entry& e = entries_[p];
  // The tree's part is only finding the period's first block among p's ancestors (or the
  // anchor's record of it); the rule itself is consensus's next_work_required.
  auto first_time = [&](std::int64_t first_height) -> std::optional<std::int64_t> {
    std::uint32_t q = p;
    while (q != npos && entries_[q].height > first_height && !(q == 0 && anchor_)) q = entries_[q].parent;
    if (q != npos && entries_[q].height == first_height) return entries_[q].time;
    if (anchor_ && anchor_->period_start_time &&
        first_height == anchor_->height - anchor_->height % params_.interval()) {
      return *anchor_->period_start_time;
    }
    return std::nullopt;
  };
  return next_work_required(e.height + 1, e.bits, e.time, params_, first_time);
}

AcceptResult BlockTree::refuse(BlockReject r, std::string detail) {
  AcceptResult res;
  res.status = AcceptStatus::invalid;
  res.reason = r;
  res.detail = std::move(detail);
  return res;
}

std::optional<AcceptResult> BlockTree::check_context_free(const Block& b, bool& pow_skipped) const {
  const BlockHeader& h = b.header();
  if (b.proof() == ProofKind::simulated) {
    if (!options_.validation.accept_simulated_proof) {
      return refuse(BlockReject::simulated_proof,
                    "block has a simulated proof of work and this chain accepts only real proof");
    }
    pow_skipped = true;
  } else if (const PowStatus pow = check_proof_of_work(b.hash(), h.bits, params_.pow_limit); pow != PowStatus::ok) {
    return refuse(BlockReject::high_hash,
                  "proof of work fails: " + std::string(to_string(pow)) + " (nBits " + bits_hex(h.bits) + ")");
  }
  if (options_.headers_only) return std::nullopt;
  const auto& txs = b.txs();
  if (txs.empty() || !txs[0].is_coinbase()) {
    return refuse(BlockReject::no_coinbase,
                  txs.empty() ? "block has no transactions" : "the first transaction is not a coinbase");
  }
  if (b.computed_merkle_root() != h.merkle_root) {
    return refuse(BlockReject::bad_merkle, "header commits to Merkle root " + hash_to_display(h.merkle_root) +
                                               " but the transactions hash to " +
                                               hash_to_display(b.computed_merkle_root()));
  }
  if (b.merkle_mutated()) {
    return refuse(BlockReject::merkle_mutated,
                  "duplicate transactions give the same Merkle root as a shorter list (CVE-2012-2459)");
  }
  for (std::size_t k = 0; k < txs.size(); ++k) {
    if (k > 0 && txs[k].is_coinbase()) {
      return refuse(BlockReject::multiple_coinbase, "transaction " + std::to_string(k) + " is a second coinbase");
    }
    if (auto err = check_tx_context_free(txs[k])) {
      AcceptResult r = refuse(BlockReject::bad_tx, "transaction " + std::to_string(k) + ": " + err->detail);
      r.tx_error = *err;
      r.tx_index = k;
      return r;
    }
  }
  return std::nullopt;
}

std::optional<AcceptResult> BlockTree::check_contextual(const Block& b, std::uint32_t parent,
                                                        std::int64_t height) const {
  const BlockHeader& h = b.header();
  if (parent == npos) {
    if (h.bits != params_.initial_bits) {
      return refuse(BlockReject::bad_genesis,
                    "genesis nBits " + bits_hex(h.bits) + " is not the network's " + bits_hex(params_.initial_bits));
    }
  } else {
    const std::uint32_t expected = entries_[parent].child_bits;
    if (!(entries_[parent].flags & kChildBitsKnown)) {
      return refuse(BlockReject::bad_diffbits, "cannot check nBits at height " + std::to_string(height) +
                                                   ": the retarget period starts before the anchor");
    }
    if (h.bits != expected) {
      return refuse(BlockReject::bad_diffbits,
                    "nBits " + bits_hex(h.bits) + " differs from the retarget rule's " + bits_hex(expected));
    }
    const std::int64_t m = mtp(parent);
    if (static_cast<std::int64_t>(h.time) <= m) {
      return refuse(BlockReject::time_too_old,
                    "time " + std::to_string(h.time) + " is not after the median time past " + std::to_string(m));
    }
  }
  const auto& now = options_.validation.now;
  if (now && static_cast<std::int64_t>(h.time) > *now + params_.max_future_block_time) {
    return refuse(BlockReject::time_too_new, "time " + std::to_string(h.time) + " is more than " +
                                                 std::to_string(params_.max_future_block_time) + " s after now (" +
                                                 std::to_string(*now) + ")");
  }
  if (!options_.headers_only && b.txs()[0].coinbase_height != height) {
    return refuse(BlockReject::bad_coinbase_height, "coinbase height " + std::to_string(b.txs()[0].coinbase_height) +
                                                        " is not the block height " + std::to_string(height));
  }
  return std::nullopt;
}

std::optional<AcceptResult> BlockTree::check_coinbase_only(const Block& b, std::int64_t height) const {
  if (options_.headers_only) return std::nullopt;
  if (b.txs().size() > 1) {
    AcceptResult r = refuse(BlockReject::bad_tx, "transaction 1: " + std::string(kRewardsOnlyRefusal));
    r.tx_error = TxError{TxReject::no_utxo_set, std::string(kRewardsOnlyRefusal)};
    r.tx_index = 1;
    return r;
  }
  const Amount paid = b.txs()[0].value_out();  // in range: check_context_free passed
  if (auto why = coinbase_overpays(paid, block_subsidy(height, params_), 0)) {
    return refuse(BlockReject::bad_coinbase_amount, *why);
  }
  return std::nullopt;
}

std::optional<std::string> coinbase_overpays(Amount paid, Amount subsidy, Amount fees) {
  if (paid <= subsidy + fees) return std::nullopt;
  return "coinbase pays " + format_coins_fixed(paid) + ", more than subsidy " + format_coins_fixed(subsidy) +
         " + fees " + format_coins_fixed(fees);
}

BlockHeader template_header(const BlockTemplate& tmpl) {
  BlockHeader h;
  h.version = tmpl.version;
  h.prev_hash = tmpl.prev_hash;
  h.time = static_cast<std::uint32_t>(tmpl.time);
  h.bits = tmpl.bits;
  return h;
}

BlockTemplate BlockTree::template_on(std::uint32_t parent, std::int64_t now) const {
  BlockTemplate t;
  t.max_time = now + params_.max_future_block_time;
  if (parent == npos) {
    t.height = 0;
    t.bits = params_.initial_bits;
    t.min_time = 0;
    t.time = now;
  } else {
    const Entry& e = entries_[parent];
    if (!(e.flags & kChildBitsKnown)) throw std::logic_error("next nBits needs history before the anchor");
    t.prev_hash = hash_of(parent);
    t.height = e.height + 1;
    t.bits = e.child_bits;
    t.min_time = mtp(parent) + 1;
    t.time = std::max(now, t.min_time);
  }
  t.subsidy = block_subsidy(t.height, params_);
  return t;
}

bool BlockTree::better(std::uint32_t a, std::uint32_t b) const {
  if (b == npos) return true;
  const auto c = entries_[a].chainwork <=> entries_[b].chainwork;
  return c > 0 || (c == 0 && a < b);
}

std::uint32_t BlockTree::fork_point(std::uint32_t a, std::uint32_t b) const {
  while (a != b) {
    if (a == npos || b == npos) return npos;
    if (entries_[a].height >= entries_[b].height) {
      a = entries_[a].parent;
    } else {
      b = entries_[b].parent;
    }
  }
  return a;
}

std::uint32_t BlockTree::insert(BlockPtr block, std::uint32_t parent, std::int64_t height) {
  const auto i = static_cast<std::uint32_t>(entries_.size());
  Entry e;
  e.height = height;
  e.parent = parent;
  e.time = block->header().time;
  e.bits = block->header().bits;
  e.chainwork = parent == npos ? block->work() : entries_[parent].chainwork + block->work();
  e.hash = block->hash();
  e.block = std::move(block);
  entries_.push_back(std::move(e));
  if (parent != npos) entries_[parent].flags |= kHasChild;
  set_child_bits(i);
  entries_[i].mtp = compute_mtp(i);
  place(i);
  return i;
}

void BlockTree::set_child_bits(std::uint32_t i) {
  if (const auto bits = bits_after(i)) {
    entries_[i].child_bits = *bits;
    entries_[i].flags |= kChildBitsKnown;
  }
}

void BlockTree::prune_body(std::uint32_t i) { entries_[i].block.reset(); }

void BlockTree::prefetch(const Hash256& hash) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[Hash256Hasher{}(hash) & (slots_.size() - 1)], 1);
}

std::vector<std::uint32_t> BlockTree::mark_invalid(std::uint32_t i) {
  entries_[i].flags |= kInvalid;
  std::vector<std::uint32_t> marked;
  // Descendants come later in the tree: one pass marks them all.
  for (std::size_t k = i + 1; k < entries_.size(); ++k) {
    const std::uint32_t p = entries_[k].parent;
    if (p != npos && (entries_[p].flags & kInvalid) && !(entries_[k].flags & kInvalid)) {
      entries_[k].flags |= kInvalid;
      marked.push_back(static_cast<std::uint32_t>(k));
    }
  }
  return marked;
}

AcceptResult BlockTree::add(const BlockPtr& block, std::uint32_t* index, std::uint32_t parent_hint) {
  if (!block) throw std::invalid_argument("add: null block");
  prefetch(block->hash());  // the block will most likely be inserted
  const BlockHeader& h = block->header();
  std::uint32_t parent = npos;
  std::int64_t height = 0;
  if (h.prev_hash == Hash256{}) {
    if (!entries_.empty()) return refuse(BlockReject::bad_genesis, "a second genesis block (null prev_hash)");
  } else {
    const bool hinted = parent_hint < entries_.size() && hash_of(parent_hint) == h.prev_hash;
    parent = hinted ? parent_hint : find(h.prev_hash);
    if (parent == npos) {
      return refuse(BlockReject::parent_unknown, "parent " + hash_to_display(h.prev_hash) + " is unknown");
    }
    if (entries_[parent].flags & kInvalid) {
      return refuse(BlockReject::parent_invalid, "parent " + hash_to_display(h.prev_hash) + " is invalid");
    }
    height = entries_[parent].height + 1;
  }
  // A new child of a block without children cannot be in the tree yet: skip the lookup.
  if ((parent == npos || (entries_[parent].flags & kHasChild)) && find(block->hash()) != npos) {
    AcceptResult r;
    r.status = AcceptStatus::duplicate;
    return r;
  }
  bool pow_skipped = false;
  if (auto bad = check_context_free(*block, pow_skipped)) return *bad;
  if (auto bad = check_contextual(*block, parent, height)) return *bad;
  if (auto bad = check_coinbase_only(*block, height)) return *bad;
  const std::uint32_t i = insert(block, parent, height);
  if (index != nullptr) *index = i;
  AcceptResult r;
  r.status = AcceptStatus::side_branch;  // the tree has no best chain: its user decides
  r.pow_skipped = pow_skipped;
  return r;
}

}  // namespace powlab
