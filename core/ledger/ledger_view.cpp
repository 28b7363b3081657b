#include "ledger_view.h"

#include <algorithm>

namespace powlab::detail {

std::string outpoint_text(const OutPoint& o) { return hash_to_display(o.txid) + ":" + std::to_string(o.index); }

CoinState LedgerView::coin_state(const OutPoint& o, const Coin** coin) const {
  auto it = coins_.find(o);
  if (it == coins_.end()) return CoinState::missing;
  if (coin) *coin = &it->second.coin;
  return it->second.spent ? CoinState::spent : CoinState::unspent;
}

void LedgerView::credit(const std::string& owner, Amount a) {
  if (!options_.track_balances) return;
  auto it = balances_.find(owner);
  if (it == balances_.end()) it = balances_.emplace(owner, 0).first;
  it->second += a;
  if (it->second == 0) balances_.erase(it);
}

void LedgerView::apply_tx(const Transaction& tx, const Hash256& txid, std::int64_t height) {
  for (const TxIn& in : tx.inputs) {
    CoinEntry& c = coins_.find(in.prevout)->second;
    c.spent = true;
    --unspent_;
    credit(c.coin.out.owner, -c.coin.out.amount);
  }
  for (std::uint32_t k = 0; k < tx.outputs.size(); ++k) {
    coins_.insert_or_assign(OutPoint{txid, k}, CoinEntry{Coin{tx.outputs[k], height, tx.is_coinbase()}, false});
    ++unspent_;
    credit(tx.outputs[k].owner, tx.outputs[k].amount);
  }
}

void LedgerView::undo_tx(const Transaction& tx, const Hash256& txid) {
  for (std::uint32_t k = 0; k < tx.outputs.size(); ++k) {
    coins_.erase(OutPoint{txid, k});
    --unspent_;
    credit(tx.outputs[k].owner, -tx.outputs[k].amount);
  }
  for (const TxIn& in : tx.inputs) {
    CoinEntry& c = coins_.find(in.prevout)->second;
    c.spent = false;
    ++unspent_;
    credit(c.coin.out.owner, c.coin.out.amount);
  }
}

// The block's transfers, in order, each against the coins as the ones before it left them.
// On failure the transfers applied so far are undone.
std::optional<LedgerView::TxFailure> LedgerView::connect_transfers(const Block& b, std::int64_t height,
                                                                   Amount* fees_out) {
  const auto& txs = b.txs();
  Amount fees = 0;
  auto fail = [&](std::size_t k, TxError error) {
    for (std::size_t j = k; j-- > 1;) undo_tx(txs[j], b.txids()[j]);
    return TxFailure{std::move(error), k};
  };
  for (std::size_t k = 1; k < txs.size(); ++k) {
    if (options_.rewards_only) return fail(k, {TxReject::no_utxo_set, std::string(kRewardsOnlyRefusal)});
    Amount fee = 0;
    auto lookup = [&](const OutPoint& o, const Coin** c) { return coin_state(o, c); };
    if (auto err = check_inputs(txs[k], lookup, height, params_.coinbase_maturity, &fee)) return fail(k, *err);
    apply_tx(txs[k], b.txids()[k], height);
    // Core ConnectBlock: each fee is in range, and so must their sum be. Both terms <=
    // kMaxMoney before the add, so the add itself cannot overflow.
    fees += fee;
    if (!money_range(fees)) {
      TxFailure f = fail(k + 1, {TxReject::amount_out_of_range, "the fees up to transaction " + std::to_string(k) +
                                                                    " sum to " + format_coins_fixed(fees) +
                                                                    ", out of the money range"});
      f.index = k;
      f.block_reason = BlockReject::fee_out_of_range;
      return f;
    }
  }
  *fees_out = fees;
  return std::nullopt;
}

void LedgerView::credit_coinbase(const Block& b, std::int64_t height, Amount fees) {
  const Transaction& cb = b.txs()[0];
  if (options_.rewards_only) {
    for (const TxOut& o : cb.outputs) credit(o.owner, o.amount);
  } else {
    apply_tx(cb, b.txids()[0], height);
  }
  if (!options_.track_balances) return;
  RewardTotals& r = rewards_[cb.outputs[0].owner];
  r.subsidy += block_subsidy(height, params_);
  r.fees += fees;
  ++r.blocks;
}

std::optional<BlockFailure> LedgerView::connect(const Block& b, std::int64_t height) {
  Amount fees = 0;
  if (auto f = connect_transfers(b, height, &fees)) {
    if (f->block_reason != BlockReject::bad_tx) return BlockFailure{f->block_reason, std::nullopt, 0, f->error.detail};
    return BlockFailure{BlockReject::bad_tx, f->error, f->index,
                        "transaction " + std::to_string(f->index) + " " + hash_to_display(b.txids()[f->index]) +
                            ": " + f->error.detail};
  }
  const Amount subsidy = block_subsidy(height, params_);
  if (auto why = coinbase_overpays(b.txs()[0].value_out(), subsidy, fees)) {
    for (std::size_t k = b.txs().size(); k-- > 1;) undo_tx(b.txs()[k], b.txids()[k]);
    return BlockFailure{BlockReject::bad_coinbase_amount, std::nullopt, 0, *why};
  }
  credit_coinbase(b, height, fees);
  return std::nullopt;
}

void LedgerView::disconnect(const Block& b, std::int64_t height) {
  Amount fees = 0;
  // The coinbase's outputs first: they were created last.
  const Transaction& cb = b.txs()[0];
  if (!options_.rewards_only) undo_tx(cb, b.txids()[0]);
  for (std::size_t k = b.txs().size(); k-- > 1;) {
    const Transaction& tx = b.txs()[k];
    undo_tx(tx, b.txids()[k]);
    Amount in = 0;
    for (const TxIn& ti : tx.inputs) in += coins_.find(ti.prevout)->second.coin.out.amount;
    fees += in - tx.value_out();
  }
  if (options_.rewards_only) {
    for (const TxOut& o : cb.outputs) credit(o.owner, -o.amount);
  }
  if (options_.track_balances) {
    auto it = rewards_.find(cb.outputs[0].owner);
    it->second.subsidy -= block_subsidy(height, params_);
    it->second.fees -= fees;
    if (--it->second.blocks == 0) rewards_.erase(it);
  }
}

const Coin* LedgerView::find_unspent(const OutPoint& out) const {
  auto it = coins_.find(out);
  if (it == coins_.end() || it->second.spent) return nullptr;
  return &it->second.coin;
}

std::vector<std::pair<OutPoint, Coin>> LedgerView::coins_of(std::string_view owner) const {
  std::vector<std::pair<OutPoint, Coin>> out;
  for (const auto& [o, c] : coins_) {
    if (!c.spent && c.coin.out.owner == owner) out.emplace_back(o, c.coin);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.second.height != b.second.height) return a.second.height < b.second.height;
    if (a.first.txid != b.first.txid) return a.first.txid < b.first.txid;
    return a.first.index < b.first.index;
  });
  return out;
}

}  // namespace powlab::detail
