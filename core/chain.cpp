#include "powlab/chain.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "powlab/merkle.h"
#include "powlab/pow.h"
#include "powlab/retarget.h"
#include "powlab/target.h"

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
  }
  return "unknown";
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

std::size_t OutPointHasher::operator()(const OutPoint& o) const noexcept {
  return Hash256Hasher{}(o.txid) ^ (static_cast<std::size_t>(o.index) * 0x9e3779b97f4a7c15ull);
}

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint8_t kFlagBest = 1;
constexpr std::uint8_t kFlagInvalid = 2;
constexpr std::uint8_t kFlagHasChild = 4;  // some block in the tree names this one as parent

std::string bits_hex(std::uint32_t bits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", bits);
  return buf;
}

std::string coins(Amount a) {
  // 1.5 coins -> "1.50000000"; integers only.
  const bool neg = a < 0;
  const std::uint64_t v = neg ? 0 - static_cast<std::uint64_t>(a) : static_cast<std::uint64_t>(a);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%08llu", neg ? "-" : "", static_cast<unsigned long long>(v / kCoin),
                static_cast<unsigned long long>(v % kCoin));
  return buf;
}

struct TxFailure {
  TxError error;
  std::size_t index = 0;
};

// Checks of one transaction that need no chain: outputs present, amounts in range, owners
// valid, no outpoint spent twice inside it.
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

Amount sum_outputs(const Transaction& tx) {
  Amount s = 0;
  for (const TxOut& o : tx.outputs) s += o.amount;  // range-checked already
  return s;
}

std::string outpoint_text(const OutPoint& o) { return hash_to_display(o.txid) + ":" + std::to_string(o.index); }

}  // namespace

struct ChainState::Impl {
  struct Entry {
    BlockPtr block;        // null for the anchor
    U256 chainwork;
    std::int64_t height = 0;
    std::uint32_t parent = kNone;
    std::uint32_t time = 0;
    std::uint32_t bits = 0;
    std::uint8_t flags = 0;
  };
  struct CoinEntry {
    Coin coin;
    bool spent = false;
  };
  struct InvalidInfo {
    BlockReject reason;
    std::optional<TxError> tx_error;
    std::size_t tx_index;
    std::string detail;
  };

  ConsensusParams params;
  ChainOptions options;
  std::vector<Entry> entries;       // arrival order; a child always after its parent
  std::vector<std::uint32_t> active;  // best chain, by height - base_height
  std::int64_t base_height = 0;
  std::optional<Anchor> anchor;
  std::vector<BlockPtr> orphans;    // arrival order, bounded
  std::unordered_map<std::uint32_t, InvalidInfo> invalid_info;
  std::unordered_map<OutPoint, CoinEntry, OutPointHasher> utxo;
  std::size_t unspent = 0;
  std::unordered_map<std::string, Amount> balances;
  std::unordered_map<std::string, RewardTotals> rewards;
  U256 zero_work;
  Hash256 zero_hash{};

  const Hash256& hash_of(std::uint32_t i) const { return entries[i].block ? entries[i].block->hash() : anchor->hash; }

  // ---- the index ----
  // Open addressing with linear probing. A slot holds the entry index + 1 (0 = empty) and 32
  // more bits of the hash as a tag, so a probe rarely has to touch the entry or the block.
  struct Slot {
    std::uint32_t index1 = 0;
    std::uint32_t tag = 0;
  };
  std::vector<Slot> slots;
  static std::uint32_t tag_of(std::size_t hv) { return static_cast<std::uint32_t>(hv >> 32); }

  std::uint32_t find(const Hash256& h) const {
    if (slots.empty()) return kNone;
    const std::size_t hv = Hash256Hasher{}(h);
    const std::uint32_t tag = tag_of(hv);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t s = hv & mask;; s = (s + 1) & mask) {
      const Slot slot = slots[s];
      if (slot.index1 == 0) return kNone;
      if (slot.tag == tag && hash_of(slot.index1 - 1) == h) return slot.index1 - 1;
    }
  }
  void index_insert(std::uint32_t i) {
    if ((entries.size() + 1) * 2 > slots.size()) {
      std::vector<Slot> old = std::move(slots);
      slots.assign(std::max<std::size_t>(64, old.size() * 2), Slot{});
      for (const Slot& v : old) {
        if (v.index1 != 0) place(v.index1 - 1);
      }
    }
    place(i);
  }
  void place(std::uint32_t i) {
    const std::size_t mask = slots.size() - 1;
    const std::size_t hv = Hash256Hasher{}(hash_of(i));
    std::size_t s = hv & mask;
    while (slots[s].index1 != 0) s = (s + 1) & mask;
    slots[s] = Slot{i + 1, tag_of(hv)};
  }
  // The parent's entry: the tip without a lookup in the common case.
  std::uint32_t find_parent(const Hash256& prev) const {
    const std::uint32_t t = tip();
    if (t != kNone && hash_of(t) == prev) return t;
    return find(prev);
  }

  std::uint32_t tip() const { return active.empty() ? kNone : active.back(); }

  // ---- header-context rules ----
  // Times of `p` and up to 10 ancestors (the window for a child of p), newest first.
  int mtp_window(std::uint32_t p, std::array<std::int64_t, 11>& out) const {
    int n = 0;
    const int span = std::min(params.median_time_span, 11);
    while (p != kNone && n < span) {
      if (!entries[p].block && anchor) {
        // The anchor: its recent_times stand for itself and the blocks before it.
        for (auto it = anchor->recent_times.rbegin(); it != anchor->recent_times.rend() && n < span; ++it) out[n++] = *it;
        break;
      }
      out[n++] = entries[p].time;
      p = entries[p].parent;
    }
    return n;
  }
  std::int64_t mtp(std::uint32_t p) const {
    std::array<std::int64_t, 11> w{};
    const int n = mtp_window(p, w);
    if (n == 0) return std::numeric_limits<std::int64_t>::min();
    std::sort(w.begin(), w.begin() + n);  // Core GetMedianTimePast: sorted[size / 2]
    return w[static_cast<std::size_t>(n / 2)];
  }

  // nBits a child of p must carry; nullopt when the period start lies before the anchor and
  // the anchor does not provide its time.
  std::optional<std::uint32_t> bits_after(std::uint32_t p) const {
    const Entry& e = entries[p];
    const std::int64_t h = e.height + 1;
    if (!is_retarget_height(h, params)) return e.bits;
    const std::int64_t first_height = h - params.interval();
    std::uint32_t q = p;
    while (q != kNone && entries[q].height > first_height && entries[q].block) q = entries[q].parent;
    std::int64_t first_time = 0;
    if (q != kNone && entries[q].height == first_height) {
      first_time = entries[q].time;
    } else if (anchor && anchor->period_start_time &&
               first_height == anchor->height - anchor->height % params.interval()) {
      first_time = *anchor->period_start_time;
    } else {
      return std::nullopt;
    }
    return calculate_next_work_required(e.bits, first_time, e.time, params);
  }

  // ---- ledger ----
  enum class CoinState { missing, spent, unspent };
  CoinState coin_state(const OutPoint& o, const Coin** coin) const {
    auto it = utxo.find(o);
    if (it == utxo.end()) return CoinState::missing;
    if (coin) *coin = &it->second.coin;
    return it->second.spent ? CoinState::spent : CoinState::unspent;
  }

  void credit(const std::string& owner, Amount a) {
    if (!options.track_balances) return;
    auto it = balances.find(owner);
    if (it == balances.end()) it = balances.emplace(owner, 0).first;
    it->second += a;
    if (it->second == 0) balances.erase(it);
  }

  // Checks a transfer's inputs against the set (with an optional overlay for check_tx_after)
  // and returns its fee.
  template <class Lookup>
  static std::optional<TxError> check_inputs(const Transaction& tx, Lookup&& lookup, Amount* fee) {
    Amount in = 0;
    for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
      const OutPoint& o = tx.inputs[i].prevout;
      const Coin* coin = nullptr;
      switch (lookup(o, &coin)) {
        case CoinState::missing:
          return TxError{TxReject::missing_input,
                         "input " + std::to_string(i) + " spends " + outpoint_text(o) + ", which does not exist"};
        case CoinState::spent:
          return TxError{TxReject::double_spend,
                         "input " + std::to_string(i) + " spends " + outpoint_text(o) + ", which is already spent"};
        case CoinState::unspent: break;
      }
      in += coin->out.amount;
      if (!money_range(in)) return TxError{TxReject::amount_out_of_range, "the inputs sum out of range"};
    }
    const Amount out = sum_outputs(tx);
    if (out > in) {
      return TxError{TxReject::outputs_exceed_inputs,
                     "outputs " + coins(out) + " exceed inputs " + coins(in)};
    }
    if (fee) *fee = in - out;
    return std::nullopt;
  }

  void apply_tx(const Transaction& tx, const Hash256& txid, std::int64_t height) {
    for (const TxIn& in : tx.inputs) {
      CoinEntry& c = utxo.find(in.prevout)->second;
      c.spent = true;
      --unspent;
      credit(c.coin.out.owner, -c.coin.out.amount);
    }
    for (std::uint32_t k = 0; k < tx.outputs.size(); ++k) {
      utxo.insert_or_assign(OutPoint{txid, k}, CoinEntry{Coin{tx.outputs[k], height, tx.is_coinbase()}, false});
      ++unspent;
      credit(tx.outputs[k].owner, tx.outputs[k].amount);
    }
  }
  void undo_tx(const Transaction& tx, const Hash256& txid) {
    for (std::uint32_t k = 0; k < tx.outputs.size(); ++k) {
      utxo.erase(OutPoint{txid, k});
      --unspent;
      credit(tx.outputs[k].owner, -tx.outputs[k].amount);
    }
    for (const TxIn& in : tx.inputs) {
      CoinEntry& c = utxo.find(in.prevout)->second;
      c.spent = false;
      ++unspent;
      credit(c.coin.out.owner, c.coin.out.amount);
    }
  }

  // Applies block i's transactions to the ledger. On failure nothing is left applied.
  std::optional<TxFailure> connect_txs(std::uint32_t i, Amount* fees_out) {
    const Block& b = *entries[i].block;
    const std::int64_t height = entries[i].height;
    const auto& txs = b.txs();
    Amount fees = 0;
    std::size_t applied = 0;
    auto rollback = [&] {
      for (std::size_t k = applied; k-- > 1;) undo_tx(txs[k], b.txids()[k]);
    };
    for (std::size_t k = 1; k < txs.size(); ++k) {
      if (options.rewards_only) {
        return TxFailure{{TxReject::missing_input, "transfers need the UTXO set (this chain keeps rewards only)"}, k};
      }
      Amount fee = 0;
      auto lookup = [&](const OutPoint& o, const Coin** c) { return coin_state(o, c); };
      if (auto err = check_inputs(txs[k], lookup, &fee)) {
        applied = k;
        rollback();
        return TxFailure{*err, k};
      }
      apply_tx(txs[k], b.txids()[k], height);
      fees += fee;  // each fee <= kMaxMoney and the total is bounded by the inputs' supply
      applied = k + 1;
    }
    *fees_out = fees;
    return std::nullopt;
  }

  // Connect entry i (a child of the tip) to the best chain.
  std::optional<InvalidInfo> connect(std::uint32_t i) {
    Entry& e = entries[i];
    if (!options.headers_only) {
      const Block& b = *e.block;
      Amount fees = 0;
      if (auto f = connect_txs(i, &fees)) {
        return InvalidInfo{BlockReject::bad_tx, f->error, f->index,
                           "transaction " + std::to_string(f->index) + " " + hash_to_display(b.txids()[f->index]) +
                               ": " + f->error.detail};
      }
      const Transaction& cb = b.txs()[0];
      const Amount subsidy = block_subsidy(e.height, params);
      const Amount paid = sum_outputs(cb);
      if (paid > subsidy + fees) {
        for (std::size_t k = b.txs().size(); k-- > 1;) undo_tx(b.txs()[k], b.txids()[k]);
        return InvalidInfo{BlockReject::bad_coinbase_amount, std::nullopt, 0,
                           "coinbase pays " + coins(paid) + ", more than subsidy " + coins(subsidy) + " + fees " +
                               coins(fees)};
      }
      if (options.rewards_only) {
        for (const TxOut& o : cb.outputs) credit(o.owner, o.amount);
      } else {
        apply_tx(cb, b.txids()[0], e.height);
      }
      if (options.track_balances) {
        RewardTotals& r = rewards[cb.outputs[0].owner];
        r.subsidy += subsidy;
        r.fees += fees;
        ++r.blocks;
      }
    }
    e.flags |= kFlagBest;
    active.push_back(i);
    return std::nullopt;
  }

  // Disconnect the tip from the best chain, restoring the ledger exactly.
  void disconnect_tip() {
    const std::uint32_t i = active.back();
    Entry& e = entries[i];
    if (!options.headers_only) {
      const Block& b = *e.block;
      const Transaction& cb = b.txs()[0];
      if (options.rewards_only) {
        for (const TxOut& o : cb.outputs) credit(o.owner, -o.amount);
      } else {
        undo_tx(cb, b.txids()[0]);
      }
      Amount fees = 0;
      for (std::size_t k = b.txs().size(); k-- > 1;) {
        const Transaction& tx = b.txs()[k];
        undo_tx(tx, b.txids()[k]);
        Amount in = 0;
        for (const TxIn& ti : tx.inputs) in += utxo.find(ti.prevout)->second.coin.out.amount;
        fees += in - sum_outputs(tx);
      }
      if (options.track_balances) {
        auto it = rewards.find(cb.outputs[0].owner);
        it->second.subsidy -= block_subsidy(e.height, params);
        it->second.fees -= fees;
        if (--it->second.blocks == 0) rewards.erase(it);
      }
    }
    e.flags &= static_cast<std::uint8_t>(~kFlagBest);
    active.pop_back();
  }

  void mark_invalid(std::uint32_t i, InvalidInfo info) {
    entries[i].flags |= kFlagInvalid;
    invalid_info.emplace(i, std::move(info));
    // Descendants come later in arrival order: one pass marks them all.
    for (std::size_t k = i + 1; k < entries.size(); ++k) {
      const std::uint32_t p = entries[k].parent;
      if (p != kNone && (entries[p].flags & kFlagInvalid) && !(entries[k].flags & kFlagInvalid)) {
        entries[k].flags |= kFlagInvalid;
        invalid_info.emplace(static_cast<std::uint32_t>(k),
                             InvalidInfo{BlockReject::parent_invalid, std::nullopt, 0,
                                         "descends from invalid block " + hash_to_display(hash_of(i)) + " at height " +
                                             std::to_string(entries[i].height)});
      }
    }
  }

  bool better(std::uint32_t a, std::uint32_t b) const {
    // More work wins; equal work keeps the earlier arrival (smaller index).
    if (b == kNone) return true;
    const auto c = entries[a].chainwork <=> entries[b].chainwork;
    return c > 0 || (c == 0 && a < b);
  }

  struct Activation {
    std::uint32_t disconnected = 0, connected = 0;
    std::int64_t fork_height = -1;
    std::optional<std::pair<std::uint32_t, InvalidInfo>> failure;  // the first block that failed
  };

  // Make `target` the best tip (it has more work than the current one).
  Activation activate(std::uint32_t target) {
    Activation a;
    // The branch back to the best chain.
    std::vector<std::uint32_t> branch;
    std::uint32_t f = target;
    while (f != kNone && !(entries[f].flags & kFlagBest)) {
      branch.push_back(f);
      f = entries[f].parent;
    }
    a.fork_height = f == kNone ? -1 : entries[f].height;
    std::vector<std::uint32_t> old;
    while (!active.empty() && active.back() != f) {
      old.push_back(active.back());
      disconnect_tip();
    }
    a.disconnected = static_cast<std::uint32_t>(old.size());
    for (auto it = branch.rbegin(); it != branch.rend(); ++it) {
      if (auto bad = connect(*it)) {
        a.failure = std::make_pair(*it, *bad);
        mark_invalid(*it, std::move(*bad));
        // Back to the old chain (its blocks connected before, so they connect again).
        while (!active.empty() && active.back() != f) disconnect_tip();
        for (auto o = old.rbegin(); o != old.rend(); ++o) connect(*o);
        a.disconnected = 0;
        a.connected = 0;
        return a;
      }
      ++a.connected;
    }
    return a;
  }

  std::uint32_t best_valid_entry() const {
    std::uint32_t best = kNone;
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      if (!(entries[i].flags & kFlagInvalid) && better(i, best)) best = i;
    }
    return best;
  }

  AcceptResult invalid(BlockReject r, std::string detail) {
    AcceptResult res;
    res.status = AcceptStatus::invalid;
    res.reason = r;
    res.detail = std::move(detail);
    return res;
  }

  // Checks needing no parent: proof of work first (cheap, limits DoS), then the body.
  std::optional<AcceptResult> check_context_free(const Block& b, bool& pow_skipped) {
    const BlockHeader& h = b.header();
    if (b.proof() == ProofKind::simulated) {
      if (!options.validation.accept_simulated_proof) {
        return invalid(BlockReject::simulated_proof,
                       "block has a simulated proof of work and this chain accepts only real proof");
      }
      pow_skipped = true;
    } else if (const PowStatus pow = check_proof_of_work(b.hash(), h.bits, params.pow_limit); pow != PowStatus::ok) {
      return invalid(BlockReject::high_hash,
                     "proof of work fails: " + std::string(to_string(pow)) + " (nBits " + bits_hex(h.bits) + ")");
    }
    if (options.headers_only) return std::nullopt;
    const auto& txs = b.txs();
    if (txs.empty() || !txs[0].is_coinbase()) {
      return invalid(BlockReject::no_coinbase, txs.empty() ? "block has no transactions"
                                                           : "the first transaction is not a coinbase");
    }
    if (b.computed_merkle_root() != h.merkle_root) {
      return invalid(BlockReject::bad_merkle, "header commits to Merkle root " + hash_to_display(h.merkle_root) +
                                                  " but the transactions hash to " +
                                                  hash_to_display(b.computed_merkle_root()));
    }
    if (b.merkle_mutated()) {
      return invalid(BlockReject::merkle_mutated,
                     "duplicate transactions give the same Merkle root as a shorter list (CVE-2012-2459)");
    }
    for (std::size_t k = 0; k < txs.size(); ++k) {
      if (k > 0 && txs[k].is_coinbase()) {
        return invalid(BlockReject::multiple_coinbase, "transaction " + std::to_string(k) + " is a second coinbase");
      }
      if (auto err = check_tx_context_free(txs[k])) {
        AcceptResult r = invalid(BlockReject::bad_tx, "transaction " + std::to_string(k) + ": " + err->detail);
        r.tx_error = *err;
        r.tx_index = k;
        return r;
      }
    }
    return std::nullopt;
  }

  std::optional<AcceptResult> check_contextual(const Block& b, std::uint32_t parent, std::int64_t height) {
    const BlockHeader& h = b.header();
    if (parent == kNone) {
      if (h.bits != params.initial_bits) {
        return invalid(BlockReject::bad_genesis, "genesis nBits " + bits_hex(h.bits) + " is not the network's " +
                                                     bits_hex(params.initial_bits));
      }
    } else {
      const auto expected = bits_after(parent);
      if (!expected) {
        return invalid(BlockReject::bad_diffbits,
                       "cannot check nBits at height " + std::to_string(height) +
                           ": the retarget period starts before the anchor");
      }
      if (h.bits != *expected) {
        return invalid(BlockReject::bad_diffbits, "nBits " + bits_hex(h.bits) + " differs from the retarget rule's " +
                                                      bits_hex(*expected));
      }
      const std::int64_t m = mtp(parent);
      if (static_cast<std::int64_t>(h.time) <= m) {
        return invalid(BlockReject::time_too_old,
                       "time " + std::to_string(h.time) + " is not after the median time past " + std::to_string(m));
      }
    }
    if (options.validation.now && static_cast<std::int64_t>(h.time) > *options.validation.now + params.max_future_block_time) {
      return invalid(BlockReject::time_too_new, "time " + std::to_string(h.time) + " is more than " +
                                                    std::to_string(params.max_future_block_time) +
                                                    " s after now (" + std::to_string(*options.validation.now) + ")");
    }
    if (!options.headers_only && b.txs()[0].coinbase_height != height) {
      return invalid(BlockReject::bad_coinbase_height, "coinbase height " + std::to_string(b.txs()[0].coinbase_height) +
                                                           " is not the block height " + std::to_string(height));
    }
    return std::nullopt;
  }

  bool in_orphans(const Hash256& h) const {
    for (const BlockPtr& o : orphans) {
      if (o->hash() == h) return true;
    }
    return false;
  }

  // One block whose parent is known or which is a genesis. Does not touch the orphan pool.
  AcceptResult accept_one(const BlockPtr& block, bool pow_skipped) {
    const Block& b = *block;
    const BlockHeader& h = b.header();
    std::uint32_t parent = kNone;
    std::int64_t height = 0;
    if (h.prev_hash == zero_hash && entries.empty()) {
      height = 0;
    } else {
      parent = find_parent(h.prev_hash);
      if (parent == kNone) return invalid(BlockReject::bad_genesis, "internal: parent vanished");
      if (entries[parent].flags & kFlagInvalid) {
        return invalid(BlockReject::parent_invalid, "parent " + hash_to_display(h.prev_hash) + " is invalid");
      }
      height = entries[parent].height + 1;
    }
    if (auto bad = check_contextual(b, parent, height)) return *bad;

    const auto i = static_cast<std::uint32_t>(entries.size());
    Entry e;
    e.block = block;
    e.height = height;
    e.parent = parent;
    e.time = h.time;
    e.bits = h.bits;
    e.chainwork = (parent == kNone ? zero_work : entries[parent].chainwork) + b.work();
    entries.push_back(std::move(e));
    if (parent != kNone) entries[parent].flags |= kFlagHasChild;
    index_insert(i);

    AcceptResult res;
    res.pow_skipped = pow_skipped;
    if (!better(i, tip())) {
      res.status = AcceptStatus::side_branch;
      return res;
    }
    if (parent != kNone && parent == tip()) {
      // The common case: a child of the tip. No branch walk, no allocation.
      if (auto bad = connect(i)) {
        mark_invalid(i, *bad);
        AcceptResult r = invalid(bad->reason, bad->detail);
        r.tx_error = bad->tx_error;
        r.tx_index = bad->tx_index;
        return r;
      }
      res.status = AcceptStatus::new_tip;
      res.connected = 1;
      return res;
    }
    Activation a = activate(i);
    if (a.failure) {
      const InvalidInfo& info = invalid_info.at(i);
      res.status = AcceptStatus::invalid;
      res.reason = info.reason;
      res.tx_error = info.tx_error;
      res.tx_index = info.tx_index;
      res.detail = a.failure->first == i ? info.detail
                                         : "branch block at height " + std::to_string(entries[a.failure->first].height) +
                                               " failed: " + a.failure->second.detail;
      // A prefix of the failed branch may still carry more work than the restored tip.
      for (std::uint32_t best = best_valid_entry(); best != kNone && best != tip() && better(best, tip());
           best = best_valid_entry()) {
        Activation again = activate(best);
        if (!again.failure) {
          res.disconnected += again.disconnected;
          res.connected += again.connected;
          break;
        }
      }
      return res;
    }
    res.status = AcceptStatus::new_tip;
    res.disconnected = a.disconnected;
    res.connected = a.connected;
    res.fork_height = a.disconnected > 0 ? a.fork_height : -1;
    return res;
  }

  AcceptResult accept(const BlockPtr& block) {
    if (!block) throw std::invalid_argument("accept: null block");
    const Hash256& hash = block->hash();
    // The block will most likely be inserted: start fetching its index slot now, so the
    // cache miss overlaps the validation below.
    if (!slots.empty()) __builtin_prefetch(&slots[Hash256Hasher{}(hash) & (slots.size() - 1)], 1);
    // A block extending a tip that has no child yet cannot already be in the tree (any child
    // would be the tip or be recorded as a child): skip the lookup in the common case.
    const std::uint32_t t = tip();
    const bool new_child_of_tip =
        t != kNone && !(entries[t].flags & kFlagHasChild) && hash_of(t) == block->header().prev_hash;
    if (const std::uint32_t known = new_child_of_tip ? kNone : find(hash); known != kNone) {
      if (entries[known].flags & kFlagInvalid) {
        const InvalidInfo& info = invalid_info.at(known);
        AcceptResult r = invalid(info.reason, "already known invalid: " + info.detail);
        r.tx_error = info.tx_error;
        r.tx_index = info.tx_index;
        return r;
      }
      AcceptResult r;
      r.status = AcceptStatus::duplicate;
      return r;
    }
    if (in_orphans(hash)) {
      AcceptResult r;
      r.status = AcceptStatus::duplicate;
      return r;
    }
    bool pow_skipped = false;
    if (auto bad = check_context_free(*block, pow_skipped)) return *bad;

    const Hash256& prev = block->header().prev_hash;
    const bool genesis = prev == zero_hash;
    if (genesis && !entries.empty()) {
      return invalid(BlockReject::bad_genesis, "a second genesis block (null prev_hash) in a chain that has one");
    }
    if (!genesis && find_parent(prev) == kNone) {
      if (options.max_orphans == 0) {
        return invalid(BlockReject::parent_invalid, "parent " + hash_to_display(prev) + " is unknown");
      }
      if (orphans.size() >= options.max_orphans) orphans.erase(orphans.begin());
      orphans.push_back(block);
      AcceptResult r;
      r.status = AcceptStatus::orphan;
      r.pow_skipped = pow_skipped;
      return r;
    }

    AcceptResult res = accept_one(block, pow_skipped);
    if (res.status == AcceptStatus::invalid || orphans.empty()) return res;

    // Orphans waiting on this block (and on those, in turn).
    std::vector<Hash256> ready{hash};
    while (!ready.empty()) {
      const Hash256 parent = ready.back();
      ready.pop_back();
      for (std::size_t k = 0; k < orphans.size();) {
        if (orphans[k]->header().prev_hash != parent) {
          ++k;
          continue;
        }
        BlockPtr o = orphans[k];
        orphans.erase(orphans.begin() + static_cast<std::ptrdiff_t>(k));
        bool skipped = false;
        check_context_free(*o, skipped);  // passed before it was queued
        AcceptResult r = accept_one(o, skipped);
        if (r.status == AcceptStatus::invalid) continue;
        ++res.orphans_accepted;
        ready.push_back(o->hash());
        if (r.status == AcceptStatus::new_tip) {
          if (res.status != AcceptStatus::new_tip) res.fork_height = r.fork_height;
          res.status = AcceptStatus::new_tip;
          res.disconnected += r.disconnected;
          res.connected += r.connected;
        }
      }
    }
    return res;
  }
};

ChainState::ChainState(ConsensusParams params, ChainOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->params = std::move(params);
  impl_->options = options;
}

ChainState::ChainState(ConsensusParams params, const Anchor& anchor, ChainOptions options)
    : ChainState(std::move(params), options) {
  Impl& m = *impl_;
  m.anchor = anchor;
  if (m.anchor->recent_times.empty()) throw std::invalid_argument("anchor needs at least its own time");
  if (m.anchor->recent_times.size() > 11) {
    m.anchor->recent_times.erase(m.anchor->recent_times.begin(), m.anchor->recent_times.end() - 11);
  }
  Impl::Entry e;
  e.height = anchor.height;
  e.chainwork = anchor.chainwork;
  e.bits = anchor.bits;
  e.time = static_cast<std::uint32_t>(m.anchor->recent_times.back());
  e.flags = kFlagBest;
  m.entries.push_back(std::move(e));
  m.index_insert(0);
  m.active.push_back(0);
  m.base_height = anchor.height;
}

ChainState::ChainState(ChainState&&) noexcept = default;
ChainState& ChainState::operator=(ChainState&&) noexcept = default;
ChainState::~ChainState() = default;

AcceptResult ChainState::accept(const BlockPtr& block) { return impl_->accept(block); }

bool ChainState::empty() const { return impl_->active.empty(); }
std::int64_t ChainState::height() const {
  return impl_->active.empty() ? -1 : impl_->entries[impl_->active.back()].height;
}
const Hash256& ChainState::tip_hash() const {
  return impl_->active.empty() ? impl_->zero_hash : impl_->hash_of(impl_->active.back());
}
const U256& ChainState::tip_work() const {
  return impl_->active.empty() ? impl_->zero_work : impl_->entries[impl_->active.back()].chainwork;
}

BlockPtr ChainState::block_at(std::int64_t height) const {
  const Impl& m = *impl_;
  const std::int64_t k = height - m.base_height;
  if (k < 0 || k >= static_cast<std::int64_t>(m.active.size())) return nullptr;
  return m.entries[m.active[static_cast<std::size_t>(k)]].block;
}

Hash256 ChainState::hash_at(std::int64_t height) const {
  const Impl& m = *impl_;
  const std::int64_t k = height - m.base_height;
  if (k < 0 || k >= static_cast<std::int64_t>(m.active.size())) return Hash256{};
  return m.hash_of(m.active[static_cast<std::size_t>(k)]);
}

std::optional<std::uint32_t> ChainState::next_bits(const Hash256& parent) const {
  const std::uint32_t p = impl_->find(parent);
  if (p == kNone) return std::nullopt;
  return impl_->bits_after(p);
}

BlockTemplate ChainState::next_template(std::int64_t now) const {
  const Impl& m = *impl_;
  BlockTemplate t;
  t.max_time = now + m.params.max_future_block_time;
  if (m.active.empty()) {
    t.height = 0;
    t.bits = m.params.initial_bits;
    t.min_time = 0;
    t.time = now;
  } else {
    const std::uint32_t tip = m.active.back();
    const auto bits = m.bits_after(tip);
    if (!bits) throw std::logic_error("next nBits needs history before the anchor");
    t.prev_hash = m.hash_of(tip);
    t.height = m.entries[tip].height + 1;
    t.bits = *bits;
    t.min_time = m.mtp(tip) + 1;
    t.time = std::max(now, t.min_time);
  }
  t.subsidy = block_subsidy(t.height, m.params);
  return t;
}

std::size_t ChainState::block_count() const { return impl_->entries.size() - (impl_->anchor ? 1 : 0); }
std::size_t ChainState::orphan_count() const { return impl_->orphans.size(); }
bool ChainState::contains(const Hash256& hash) const { return impl_->find(hash) != kNone; }
bool ChainState::on_best_chain(const Hash256& hash) const {
  const std::uint32_t i = impl_->find(hash);
  return i != kNone && (impl_->entries[i].flags & kFlagBest);
}

std::vector<BlockPtr> ChainState::blocks_in_order() const {
  std::vector<BlockPtr> out;
  out.reserve(impl_->entries.size());
  for (const auto& e : impl_->entries) {
    if (e.block && !(e.flags & kFlagInvalid)) out.push_back(e.block);
  }
  return out;
}

std::size_t ChainState::side_block_count() const {
  return block_count() - (impl_->active.size() - (impl_->anchor ? 1 : 0));
}

std::optional<ChainState::BlockInfo> ChainState::info(const Hash256& hash) const {
  const std::uint32_t i = impl_->find(hash);
  if (i == kNone) return std::nullopt;
  const auto& e = impl_->entries[i];
  return BlockInfo{e.height, e.chainwork, (e.flags & kFlagBest) != 0, (e.flags & kFlagInvalid) != 0, i};
}

std::optional<TxError> ChainState::check_tx(const Transaction& tx, Amount* fee) const {
  return check_tx_after(tx, {}, fee);
}

std::optional<TxError> ChainState::check_tx_after(const Transaction& tx, std::span<const Transaction> earlier,
                                                  Amount* fee) const {
  const Impl& m = *impl_;
  if (tx.is_coinbase()) return TxError{TxReject::missing_input, "a coinbase cannot be sent; blocks make their own"};
  if (auto err = check_tx_context_free(tx)) return err;
  if (m.options.rewards_only || m.options.headers_only) {
    return TxError{TxReject::missing_input, "this chain keeps no UTXO set"};
  }
  // Overlay of the earlier queued transactions: what they spend and create.
  std::unordered_map<OutPoint, std::pair<Coin, bool>, OutPointHasher> overlay;
  for (const Transaction& e : earlier) {
    const Hash256 id = e.txid();
    for (const TxIn& in : e.inputs) {
      const Coin* c = nullptr;
      auto ov = overlay.find(in.prevout);
      if (ov != overlay.end()) {
        ov->second.second = true;
      } else if (m.coin_state(in.prevout, &c) != Impl::CoinState::missing) {
        overlay.emplace(in.prevout, std::make_pair(*c, true));
      }
    }
    for (std::uint32_t k = 0; k < e.outputs.size(); ++k) {
      overlay.emplace(OutPoint{id, k}, std::make_pair(Coin{e.outputs[k], height() + 1, false}, false));
    }
  }
  auto lookup = [&](const OutPoint& o, const Coin** c) {
    if (auto it = overlay.find(o); it != overlay.end()) {
      *c = &it->second.first;
      return it->second.second ? Impl::CoinState::spent : Impl::CoinState::unspent;
    }
    return m.coin_state(o, c);
  };
  return Impl::check_inputs(tx, lookup, fee);
}

const Coin* ChainState::find_coin(const OutPoint& out) const {
  auto it = impl_->utxo.find(out);
  if (it == impl_->utxo.end() || it->second.spent) return nullptr;
  return &it->second.coin;
}

std::vector<std::pair<OutPoint, Coin>> ChainState::coins_of(std::string_view owner) const {
  std::vector<std::pair<OutPoint, Coin>> out;
  for (const auto& [o, c] : impl_->utxo) {
    if (!c.spent && c.coin.out.owner == owner) out.emplace_back(o, c.coin);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.second.height != b.second.height) return a.second.height < b.second.height;
    if (a.first.txid != b.first.txid) return a.first.txid < b.first.txid;
    return a.first.index < b.first.index;
  });
  return out;
}

const std::unordered_map<std::string, Amount>& ChainState::balances() const { return impl_->balances; }
const std::unordered_map<std::string, RewardTotals>& ChainState::rewards() const { return impl_->rewards; }

Amount ChainState::balance(std::string_view owner) const {
  auto it = impl_->balances.find(std::string(owner));
  return it == impl_->balances.end() ? 0 : it->second;
}

std::size_t ChainState::utxo_count() const { return impl_->unspent; }
const ConsensusParams& ChainState::params() const { return impl_->params; }
const ChainOptions& ChainState::options() const { return impl_->options; }
ValidationOptions& ChainState::validation() { return impl_->options.validation; }

BlockDraft make_block_draft(const BlockTemplate& tmpl, const std::string& miner, std::vector<Transaction> txs,
                            Amount fees, std::uint64_t extranonce) {
  BlockDraft d;
  d.fees = fees;
  d.txs.reserve(txs.size() + 1);
  d.txs.push_back(make_coinbase(tmpl.height, miner, tmpl.subsidy + fees, extranonce));
  for (Transaction& t : txs) d.txs.push_back(std::move(t));
  d.header.version = tmpl.version;
  d.header.prev_hash = tmpl.prev_hash;
  d.header.time = static_cast<std::uint32_t>(tmpl.time);
  d.header.bits = tmpl.bits;
  d.header.nonce = 0;
  set_extranonce(d, extranonce);
  return d;
}

void set_extranonce(BlockDraft& d, std::uint64_t extranonce) {
  d.txs[0].extranonce = extranonce;
  std::vector<Hash256> ids;
  ids.reserve(d.txs.size());
  for (const Transaction& t : d.txs) ids.push_back(t.txid());
  d.header.merkle_root = merkle_root(ids);
}

}  // namespace powlab
