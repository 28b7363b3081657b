// Private to core/ledger: the ledger on a ChainState's best chain. The coin table (every
// output the best chain created, spent ones kept with a flag so a disconnect restores them
// exactly), the owners' balances and reward totals, and the input rules checked against
// them. Knows nothing of the tree or of which chain is best: ActiveChain tells it which
// block to connect or disconnect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "powlab/ledger/chain.h"

namespace powlab::detail {

// Why a block failed, kept for as long as the block is remembered invalid.
struct BlockFailure {
  BlockReject reason = BlockReject::none;
  std::optional<TxError> tx_error;
  std::size_t tx_index = 0;
  std::string detail;
};

enum class CoinState { missing, spent, unspent };

std::string outpoint_text(const OutPoint& o);

// The input rules of a transfer (Core Consensus::CheckTxInputs): every input exists and is
// unspent, a coinbase has matured, the inputs sum in range and cover the outputs. `lookup`
// is CoinState(const OutPoint&, const Coin**). Returns the fee in *fee on success.
template <class Lookup>
std::optional<TxError> check_inputs(const Transaction& tx, Lookup&& lookup, std::int64_t spend_height,
                                    std::int64_t maturity, Amount* fee) {
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
    if (coin->coinbase && spend_height - coin->height < maturity) {
      return TxError{TxReject::premature_spend,
                     "input " + std::to_string(i) + " spends the coinbase " + outpoint_text(o) + " from height " +
                         std::to_string(coin->height) + ", which matures at height " +
                         std::to_string(coin->height + maturity) + " (coinbase maturity " + std::to_string(maturity) +
                         "), not at " + std::to_string(spend_height)};
    }
    in += coin->out.amount;
    if (!money_range(in)) return TxError{TxReject::amount_out_of_range, "the inputs sum out of range"};
  }
  const Amount out = tx.value_out();
  if (out > in) {
    return TxError{TxReject::outputs_exceed_inputs,
                   "outputs " + format_coins_fixed(out) + " exceed inputs " + format_coins_fixed(in)};
  }
  if (fee) *fee = in - out;
  return std::nullopt;
}

class LedgerView {
 public:
  LedgerView(const ConsensusParams& params, const ChainOptions& options) : params_(params), options_(options) {}

  CoinState coin_state(const OutPoint& o, const Coin** coin) const;
  // Applies a block at `height` (transfers, then the coinbase against subsidy + fees). On
  // failure nothing is left applied.
  std::optional<BlockFailure> connect(const Block& b, std::int64_t height);
  // Undoes the block connected last, exactly.
  void disconnect(const Block& b, std::int64_t height);

  const Coin* find_unspent(const OutPoint& out) const;
  std::vector<std::pair<OutPoint, Coin>> coins_of(std::string_view owner) const;
  const std::unordered_map<std::string, Amount>& balances() const { return balances_; }
  const std::unordered_map<std::string, RewardTotals>& rewards() const { return rewards_; }
  std::size_t unspent_count() const { return unspent_; }

 private:
  struct CoinEntry {
    Coin coin;
    bool spent = false;
  };
  struct TxFailure {
    TxError error;
    std::size_t index = 0;
    BlockReject block_reason = BlockReject::bad_tx;  // fee_out_of_range: a rule of the block, not of one tx
  };
  void credit(const std::string& owner, Amount a);
  void apply_tx(const Transaction& tx, const Hash256& txid, std::int64_t height);
  void undo_tx(const Transaction& tx, const Hash256& txid);
  std::optional<TxFailure> connect_transfers(const Block& b, std::int64_t height, Amount* fees_out);
  void credit_coinbase(const Block& b, std::int64_t height, Amount fees);

  const ConsensusParams& params_;
  const ChainOptions& options_;
  // Every output the best chain created, spent or not: a disconnect restores spent ones.
  std::unordered_map<OutPoint, CoinEntry, OutPointHasher> coins_;
  std::size_t unspent_ = 0;
  std::unordered_map<std::string, Amount> balances_;
  std::unordered_map<std::string, RewardTotals> rewards_;
};

}  // namespace powlab::detail
