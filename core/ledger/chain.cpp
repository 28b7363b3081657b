#include "powlab/ledger/chain.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "powlab/consensus/merkle.h"
#include "powlab/consensus/pow.h"
#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"

namespace powlab {

std::size_t OutPointHasher::operator()(const OutPoint& o) const noexcept {
  return Hash256Hasher{}(o.txid) ^ (static_cast<std::size_t>(o.index) * 0x9e3779b97f4a7c15ull);
}

namespace {

constexpr std::uint32_t kNone = BlockTree::npos;

struct TxFailure {
  TxError error;
  std::size_t index = 0;
};

Amount sum_outputs(const Transaction& tx) {
  Amount s = 0;
  for (const TxOut& o : tx.outputs) s += o.amount;  // range-checked already
  return s;
}

std::string outpoint_text(const OutPoint& o) { return hash_to_display(o.txid) + ":" + std::to_string(o.index); }

}  // namespace

struct ChainState::Impl {
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

  Impl(ConsensusParams p, ChainOptions o)
      : tree(std::move(p), TreeOptions{o.validation, o.headers_only}), params(tree.params()), options(o) {}
  Impl(ConsensusParams p, const Anchor& anchor, ChainOptions o)
      : tree(std::move(p), anchor, TreeOptions{o.validation, o.headers_only}), params(tree.params()), options(o) {
    active.push_back(0);
    base_height = anchor.height;
  }

  BlockTree tree;                   // every block taken in, in arrival order
  const ConsensusParams& params;
  ChainOptions options;
  std::vector<std::uint32_t> active;  // best chain, by height - base_height
  std::int64_t base_height = 0;
  std::vector<BlockPtr> orphans;    // arrival order, bounded
  std::unordered_map<std::uint32_t, InvalidInfo> invalid_info;
  std::unordered_map<OutPoint, CoinEntry, OutPointHasher> utxo;
  std::size_t unspent = 0;
  std::unordered_map<std::string, Amount> balances;
  std::unordered_map<std::string, RewardTotals> rewards;
  U256 zero_work;
  Hash256 zero_hash{};

  const BlockTree::Entry& entry(std::uint32_t i) const { return tree[i]; }
  const Hash256& hash_of(std::uint32_t i) const { return tree.hash_of(i); }
  std::uint32_t find(const Hash256& h) const { return tree.find(h); }
  bool is_best(std::uint32_t i) const {
    const std::int64_t k = tree[i].height - base_height;
    return k >= 0 && k < static_cast<std::int64_t>(active.size()) && active[static_cast<std::size_t>(k)] == i;
  }
  bool is_invalid(std::uint32_t i) const { return (tree[i].flags & BlockTree::kInvalid) != 0; }
  // The parent's entry: the tip without a lookup in the common case.
  std::uint32_t find_parent(const Hash256& prev) const {
    const std::uint32_t t = tip();
    if (t != kNone && hash_of(t) == prev) return t;
    return find(prev);
  }

  std::uint32_t tip() const { return active.empty() ? kNone : active.back(); }

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
                     "outputs " + format_coins_fixed(out) + " exceed inputs " + format_coins_fixed(in)};
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
    const Block& b = *entry(i).block;
    const std::int64_t height = entry(i).height;
    const auto& txs = b.txs();
    Amount fees = 0;
    std::size_t applied = 0;
    auto rollback = [&] {
      for (std::size_t k = applied; k-- > 1;) undo_tx(txs[k], b.txids()[k]);
    };
    for (std::size_t k = 1; k < txs.size(); ++k) {
      if (options.rewards_only) {
        return TxFailure{{TxReject::missing_input, std::string(kRewardsOnlyRefusal)}, k};
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
    const BlockTree::Entry& e = entry(i);
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
      if (auto why = coinbase_overpays(paid, subsidy, fees)) {
        for (std::size_t k = b.txs().size(); k-- > 1;) undo_tx(b.txs()[k], b.txids()[k]);
        return InvalidInfo{BlockReject::bad_coinbase_amount, std::nullopt, 0, *why};
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
    active.push_back(i);
    return std::nullopt;
  }

  // Disconnect the tip from the best chain, restoring the ledger exactly.
  void disconnect_tip() {
    const std::uint32_t i = active.back();
    const BlockTree::Entry& e = entry(i);
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
    active.pop_back();
  }

  void mark_invalid(std::uint32_t i, InvalidInfo info) {
    invalid_info.emplace(i, std::move(info));
    for (const std::uint32_t k : tree.mark_invalid(i)) {
      invalid_info.emplace(k, InvalidInfo{BlockReject::parent_invalid, std::nullopt, 0,
                                          "descends from invalid block " + hash_to_display(hash_of(i)) + " at height " +
                                              std::to_string(entry(i).height)});
    }
  }

  bool better(std::uint32_t a, std::uint32_t b) const { return tree.better(a, b); }

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
    while (f != kNone && !is_best(f)) {
      branch.push_back(f);
      f = entry(f).parent;
    }
    a.fork_height = f == kNone ? -1 : entry(f).height;
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
    for (std::uint32_t i = 0; i < tree.size(); ++i) {
      if (!is_invalid(i) && better(i, best)) best = i;
    }
    return best;
  }

  static AcceptResult invalid(BlockReject r, std::string detail) { return BlockTree::refuse(r, std::move(detail)); }

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
    if (h.prev_hash == zero_hash && tree.empty()) {
      height = 0;
    } else {
      parent = find_parent(h.prev_hash);
      if (parent == kNone) return invalid(BlockReject::bad_genesis, "internal: parent vanished");
      if (is_invalid(parent)) {
        return invalid(BlockReject::parent_invalid, "parent " + hash_to_display(h.prev_hash) + " is invalid");
      }
      height = entry(parent).height + 1;
    }
    if (auto bad = tree.check_contextual(b, parent, height)) return *bad;

    const std::uint32_t i = tree.insert(block, parent, height);

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
                                         : "branch block at height " + std::to_string(entry(a.failure->first).height) +
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
    // A block extending a tip that has no child yet cannot already be in the tree (any child
    // would be the tip or be recorded as a child): skip the lookup in the common case.
    const std::uint32_t t = tip();
    const bool new_child_of_tip =
        t != kNone && !(entry(t).flags & BlockTree::kHasChild) && hash_of(t) == block->header().prev_hash;
    if (const std::uint32_t known = new_child_of_tip ? kNone : find(hash); known != kNone) {
      if (is_invalid(known)) {
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
    if (auto bad = tree.check_context_free(*block, pow_skipped)) return *bad;

    const Hash256& prev = block->header().prev_hash;
    const bool genesis = prev == zero_hash;
    if (genesis && !tree.empty()) {
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
        tree.check_context_free(*o, skipped);  // passed before it was queued
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

ChainState::ChainState(ConsensusParams params, ChainOptions options)
    : impl_(std::make_unique<Impl>(std::move(params), options)) {}

ChainState::ChainState(ConsensusParams params, const Anchor& anchor, ChainOptions options)
    : impl_(std::make_unique<Impl>(std::move(params), anchor, options)) {}

ChainState::ChainState(ChainState&&) noexcept = default;
ChainState& ChainState::operator=(ChainState&&) noexcept = default;
ChainState::~ChainState() = default;

AcceptResult ChainState::accept(const BlockPtr& block) { return impl_->accept(block); }

bool ChainState::empty() const { return impl_->active.empty(); }
std::int64_t ChainState::height() const {
  return impl_->active.empty() ? -1 : impl_->entry(impl_->active.back()).height;
}
const Hash256& ChainState::tip_hash() const {
  return impl_->active.empty() ? impl_->zero_hash : impl_->hash_of(impl_->active.back());
}
const U256& ChainState::tip_work() const {
  return impl_->active.empty() ? impl_->zero_work : impl_->entry(impl_->active.back()).chainwork;
}

BlockPtr ChainState::block_at(std::int64_t height) const {
  const Impl& m = *impl_;
  const std::int64_t k = height - m.base_height;
  if (k < 0 || k >= static_cast<std::int64_t>(m.active.size())) return nullptr;
  return m.entry(m.active[static_cast<std::size_t>(k)]).block;
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
  return impl_->tree.bits_after(p);
}

BlockTemplate ChainState::next_template(std::int64_t now) const {
  return impl_->tree.template_on(impl_->tip(), now);
}

std::size_t ChainState::block_count() const { return impl_->tree.size() - (impl_->tree.has_anchor() ? 1 : 0); }
std::size_t ChainState::orphan_count() const { return impl_->orphans.size(); }
bool ChainState::contains(const Hash256& hash) const { return impl_->find(hash) != kNone; }
bool ChainState::on_best_chain(const Hash256& hash) const {
  const std::uint32_t i = impl_->find(hash);
  return i != kNone && impl_->is_best(i);
}

std::vector<BlockPtr> ChainState::blocks_in_order() const {
  std::vector<BlockPtr> out;
  const BlockTree& tree = impl_->tree;
  out.reserve(tree.size());
  for (std::uint32_t i = 0; i < tree.size(); ++i) {
    if (tree[i].block && !impl_->is_invalid(i)) out.push_back(tree[i].block);
  }
  return out;
}

std::size_t ChainState::side_block_count() const {
  return block_count() - (impl_->active.size() - (impl_->tree.has_anchor() ? 1 : 0));
}

std::optional<ChainState::BlockInfo> ChainState::info(const Hash256& hash) const {
  const std::uint32_t i = impl_->find(hash);
  if (i == kNone) return std::nullopt;
  const auto& e = impl_->entry(i);
  return BlockInfo{e.height, e.chainwork, impl_->is_best(i), impl_->is_invalid(i), i};
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
ChainOptions ChainState::options() const {
  ChainOptions o = impl_->options;
  o.validation = impl_->tree.options().validation;  // the tree holds the live copy (validation())
  return o;
}
ValidationOptions& ChainState::validation() { return impl_->tree.validation(); }

BlockDraft make_block_draft(const BlockTemplate& tmpl, const std::string& miner, std::vector<Transaction> txs,
                            Amount fees, std::uint64_t extranonce) {
  BlockDraft d;
  d.fees = fees;
  d.txs.reserve(txs.size() + 1);
  d.txs.push_back(make_coinbase(tmpl.height, miner, tmpl.subsidy + fees, extranonce));
  for (Transaction& t : txs) d.txs.push_back(std::move(t));
  d.header = template_header(tmpl);
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
