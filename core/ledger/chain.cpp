#include "powlab/ledger/chain.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "active_chain.h"
#include "powlab/consensus/merkle.h"
#include "powlab/ledger/orphan_pool.h"

namespace powlab {

std::size_t OutPointHasher::operator()(const OutPoint& o) const noexcept {
  return Hash256Hasher{}(o.txid) ^ (static_cast<std::size_t>(o.index) * 0x9e3779b97f4a7c15ull);
}

namespace {
constexpr std::uint32_t kNone = BlockTree::npos;
}  // namespace

// ChainState = an active chain (tree, best chain, ledger: active_chain.h), an orphan pool,
// and the memory of refused blocks that never entered the tree.
struct ChainState::Impl {
  using BlockFailure = detail::BlockFailure;

  Impl(ConsensusParams p, ChainOptions o) : options(o), chain(std::move(p), options), orphans(o.max_orphans) {}
  Impl(ConsensusParams p, const Anchor& anchor, ChainOptions o)
      : options(o), chain(std::move(p), anchor, options), orphans(o.max_orphans) {}

  ChainOptions options;        // before chain: it keeps a reference
  detail::ActiveChain chain;
  OrphanPool<BlockPtr> orphans;
  // Blocks refused for good (remembered(reason)) that are not in the tree, by hash: a block
  // seen again is refused at once, and so is a block naming one as its parent (bad-prevblk).
  // Grows with the blocks refused, never with free input: each passed proof of work first
  // (failed proof is not remembered).
  std::unordered_map<Hash256, BlockFailure, Hash256Hasher> failed;
  U256 zero_work;
  Hash256 zero_hash{};

  const BlockTree& tree() const { return chain.tree(); }
  std::uint32_t find(const Hash256& h) const { return chain.tree().find(h); }

  static AcceptResult refusal(const BlockFailure& f, std::string detail) {
    AcceptResult r = BlockTree::refuse(f.reason, std::move(detail));
    r.tx_error = f.tx_error;
    r.tx_index = f.tx_index;
    return r;
  }

  // A block (not in the tree) is refused for good: remember it, and refuse the orphans that
  // descend from it, which can now never connect.
  void forget_descendants(const Hash256& hash, std::int64_t height_hint) {
    std::vector<Hash256> parents{hash};
    while (!parents.empty()) {
      const Hash256 p = parents.back();
      parents.pop_back();
      for (const BlockPtr& o : orphans.remove_if([&](const BlockPtr& b) { return b->header().prev_hash == p; })) {
        failed.emplace(o->hash(), BlockFailure{BlockReject::parent_invalid, std::nullopt, 0,
                                               "descends from invalid block " + hash_to_display(hash) +
                                                   (height_hint >= 0 ? " at height " + std::to_string(height_hint) : "")});
        parents.push_back(o->hash());
      }
    }
  }

  void remember(const BlockPtr& block, const AcceptResult& r, const std::vector<std::uint32_t>& marked) {
    for (const std::uint32_t i : marked) forget_descendants(tree().hash_of(i), tree()[i].height);
    if (!marked.empty() || !remembered(r.reason)) return;
    failed.emplace(block->hash(), BlockFailure{r.reason, r.tx_error, r.tx_index, r.detail});
    forget_descendants(block->hash(), -1);
  }

  // A block whose parent is in the tree (or a first genesis), then remembered if refused.
  AcceptResult add_known_parent(const BlockPtr& block, bool pow_skipped) {
    std::vector<std::uint32_t> marked;
    AcceptResult r = chain.add(block, pow_skipped, &marked);
    if (r.status == AcceptStatus::invalid) remember(block, r, marked);
    return r;
  }

  std::optional<AcceptResult> known(const BlockPtr& block) const {
    const Hash256& hash = block->hash();
    // A block extending a tip that has no child yet cannot already be in the tree (any child
    // would be the tip or be recorded as a child): skip the lookup in the common case.
    const std::uint32_t t = chain.tip();
    const bool new_child_of_tip = t != kNone && !(tree()[t].flags & BlockTree::kHasChild) &&
                                  tree().hash_of(t) == block->header().prev_hash;
    if (const std::uint32_t k = new_child_of_tip ? kNone : find(hash); k != kNone) {
      if (chain.is_invalid(k)) return refusal(chain.failure(k), "already known invalid: " + chain.failure(k).detail);
      AcceptResult r;
      r.status = AcceptStatus::duplicate;
      return r;
    }
    if (auto it = failed.find(hash); it != failed.end()) {
      return refusal(it->second, "already known invalid: " + it->second.detail);
    }
    if (orphans.any_of([&](const BlockPtr& o) { return o->hash() == hash; })) {
      AcceptResult r;
      r.status = AcceptStatus::duplicate;
      return r;
    }
    return std::nullopt;
  }

  AcceptResult accept(const BlockPtr& block) {
    if (!block) throw std::invalid_argument("accept: null block");
    if (auto seen = known(block)) return *seen;
    bool pow_skipped = false;
    if (auto bad = tree().check_context_free(*block, pow_skipped)) {
      if (remembered(bad->reason)) remember(block, *bad, {});
      return *bad;
    }

    const Hash256& prev = block->header().prev_hash;
    const bool genesis = prev == zero_hash;
    if (genesis && !tree().empty()) {
      AcceptResult r =
          BlockTree::refuse(BlockReject::bad_genesis, "a second genesis block (null prev_hash) in a chain that has one");
      remember(block, r, {});
      return r;
    }
    if (auto it = failed.find(prev); it != failed.end()) {
      // Checked after proof of work, so a refusal remembered here cost its sender work.
      AcceptResult r = BlockTree::refuse(BlockReject::parent_invalid, "parent " + hash_to_display(prev) +
                                                                          " is known invalid (" +
                                                                          std::string(to_string(it->second.reason)) + ")");
      remember(block, r, {});
      return r;
    }
    if (!genesis && chain.find_parent(prev) == kNone) {
      if (options.max_orphans == 0) {
        return BlockTree::refuse(BlockReject::parent_unknown, "parent " + hash_to_display(prev) + " is unknown");
      }
      orphans.add(block);
      AcceptResult r;
      r.status = AcceptStatus::orphan;
      r.pow_skipped = pow_skipped;
      return r;
    }

    AcceptResult res = add_known_parent(block, pow_skipped);
    if (res.status == AcceptStatus::invalid) return res;
    resolve_orphans(res);
    return res;
  }

  // Orphans whose parent is now in the tree, oldest first (orphan_pool.h), and in turn those
  // they unlock.
  void resolve_orphans(AcceptResult& res) {
    auto ready = [&](const BlockPtr& o) { return find(o->header().prev_hash) != kNone; };
    while (auto o = orphans.take_oldest_ready(ready)) {
      bool skipped = false;
      tree().check_context_free(**o, skipped);  // passed before it was queued
      AcceptResult r = add_known_parent(*o, skipped);
      if (r.status == AcceptStatus::invalid) continue;
      ++res.orphans_accepted;
      if (r.status == AcceptStatus::new_tip) {
        if (res.status != AcceptStatus::new_tip) res.fork_height = r.fork_height;
        res.status = AcceptStatus::new_tip;
        res.disconnected += r.disconnected;
        res.connected += r.connected;
      }
    }
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

bool ChainState::empty() const { return impl_->chain.active().empty(); }
std::int64_t ChainState::height() const {
  return empty() ? -1 : impl_->tree()[impl_->chain.tip()].height;
}
const Hash256& ChainState::tip_hash() const {
  return empty() ? impl_->zero_hash : impl_->tree().hash_of(impl_->chain.tip());
}
const U256& ChainState::tip_work() const {
  return empty() ? impl_->zero_work : impl_->tree()[impl_->chain.tip()].chainwork;
}

BlockPtr ChainState::block_at(std::int64_t height) const {
  const detail::ActiveChain& c = impl_->chain;
  const std::int64_t k = height - c.base_height();
  if (k < 0 || k >= static_cast<std::int64_t>(c.active().size())) return nullptr;
  return c.tree()[c.active()[static_cast<std::size_t>(k)]].block;
}

Hash256 ChainState::hash_at(std::int64_t height) const {
  const detail::ActiveChain& c = impl_->chain;
  const std::int64_t k = height - c.base_height();
  if (k < 0 || k >= static_cast<std::int64_t>(c.active().size())) return Hash256{};
  return c.tree().hash_of(c.active()[static_cast<std::size_t>(k)]);
}

BlockTemplate ChainState::next_template(std::int64_t now) const {
  return impl_->tree().template_on(impl_->chain.tip(), now);
}

std::size_t ChainState::block_count() const { return impl_->tree().size() - (impl_->tree().has_anchor() ? 1 : 0); }
std::size_t ChainState::orphan_count() const { return impl_->orphans.size(); }
bool ChainState::contains(const Hash256& hash) const { return impl_->find(hash) != kNone; }
bool ChainState::on_best_chain(const Hash256& hash) const {
  const std::uint32_t i = impl_->find(hash);
  return i != kNone && impl_->chain.is_best(i);
}

std::vector<BlockPtr> ChainState::blocks_in_order() const {
  std::vector<BlockPtr> out;
  const BlockTree& tree = impl_->tree();
  out.reserve(tree.size());
  for (std::uint32_t i = 0; i < tree.size(); ++i) {
    if (tree[i].block && !impl_->chain.is_invalid(i)) out.push_back(tree[i].block);
  }
  return out;
}

std::size_t ChainState::side_block_count() const {
  return block_count() - (impl_->chain.active().size() - (impl_->tree().has_anchor() ? 1 : 0));
}

std::optional<ChainState::BlockInfo> ChainState::info(const Hash256& hash) const {
  const std::uint32_t i = impl_->find(hash);
  if (i == kNone) return std::nullopt;
  const auto& e = impl_->tree()[i];
  return BlockInfo{e.height, e.chainwork, impl_->chain.is_best(i), impl_->chain.is_invalid(i), i};
}

std::optional<TxError> ChainState::check_tx(const Transaction& tx, Amount* fee) const {
  return check_tx_after(tx, {}, fee);
}

std::optional<TxError> ChainState::check_tx_after(const Transaction& tx, std::span<const Transaction> earlier,
                                                  Amount* fee) const {
  const Impl& m = *impl_;
  const detail::LedgerView& ledger = m.chain.ledger();
  if (tx.is_coinbase()) return TxError{TxReject::coinbase_as_tx, "a coinbase cannot be sent; blocks make their own"};
  if (auto err = check_tx_context_free(tx)) return err;
  if (m.options.rewards_only || m.options.headers_only) {
    return TxError{TxReject::no_utxo_set, "this chain keeps no UTXO set"};
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
      } else if (ledger.coin_state(in.prevout, &c) != detail::CoinState::missing) {
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
      return it->second.second ? detail::CoinState::spent : detail::CoinState::unspent;
    }
    return ledger.coin_state(o, c);
  };
  // As Core's mempool: the spend would be in the next block, at the tip's height + 1.
  return detail::check_inputs(tx, lookup, height() + 1, params().coinbase_maturity, fee);
}

const Coin* ChainState::find_coin(const OutPoint& out) const { return impl_->chain.ledger().find_unspent(out); }

std::vector<std::pair<OutPoint, Coin>> ChainState::coins_of(std::string_view owner) const {
  return impl_->chain.ledger().coins_of(owner);
}

const std::unordered_map<std::string, Amount>& ChainState::balances() const { return impl_->chain.ledger().balances(); }
const std::unordered_map<std::string, RewardTotals>& ChainState::rewards() const {
  return impl_->chain.ledger().rewards();
}

Amount ChainState::balance(std::string_view owner) const {
  const auto& b = balances();
  auto it = b.find(std::string(owner));
  return it == b.end() ? 0 : it->second;
}

std::size_t ChainState::utxo_count() const { return impl_->chain.ledger().unspent_count(); }
const ConsensusParams& ChainState::params() const { return impl_->tree().params(); }
ChainOptions ChainState::options() const {
  ChainOptions o = impl_->options;
  o.validation = impl_->tree().options().validation;  // the tree holds the live copy (validation())
  return o;
}
ValidationOptions& ChainState::validation() { return impl_->chain.tree().validation(); }

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
