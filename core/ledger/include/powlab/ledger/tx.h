// Transactions of powlab's teaching ledger: a minimal UTXO model with no scripts and no
// signatures. Owners are plain names ("alice"): anyone may spend anyone's coins by naming
// them. That is deliberate (this ledger teaches proof of work, not ownership) and the README
// says so. Amounts are integers in the smallest unit, like satoshi.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/consensus/amount.h"
#include "powlab/util/hex.h"

namespace powlab {

// Owner names: 1..32 characters from [A-Za-z0-9_.-]. Returns why a name is refused, if it is.
std::optional<std::string> check_owner_name(std::string_view name);

struct OutPoint {
  Hash256 txid{};
  std::uint32_t index = 0;
  friend bool operator==(const OutPoint&, const OutPoint&) = default;
};

struct TxIn {
  OutPoint prevout;
  friend bool operator==(const TxIn&, const TxIn&) = default;
};

struct TxOut {
  Amount amount = 0;
  std::string owner;
  friend bool operator==(const TxOut&, const TxOut&) = default;
};

// A coinbase has no inputs; it records the block height (BIP34: so two coinbases paying the
// same miner the same amount still have different txids) and an extranonce the miner rolls
// when the header's 2^32 nonces are exhausted.
struct Transaction {
  std::vector<TxIn> inputs;   // empty: a coinbase
  std::vector<TxOut> outputs;
  std::int64_t coinbase_height = 0;     // coinbase only
  std::uint64_t extranonce = 0;         // coinbase only

  bool is_coinbase() const { return inputs.empty(); }

  // Layout (all integers little-endian):
  //   u8 kind (0 coinbase, 1 transfer)
  //   coinbase: i64 height, u64 extranonce
  //   u32 n_inputs, then per input: txid[32] (raw order), u32 index      (transfer only)
  //   u32 n_outputs, then per output: i64 amount, u8 name length, name bytes
  std::vector<std::uint8_t> serialize() const;
  void serialize_to(std::vector<std::uint8_t>& out) const;
  // Reads one transaction at `offset` and advances it. Throws ParseError naming what is wrong
  // (truncated, unknown kind, a count larger than the bytes left, a bad owner name).
  static Transaction parse(std::span<const std::uint8_t> data, std::size_t& offset);

  Hash256 txid() const;  // sha256d(serialize()), raw order; display with hash_to_display
  // Sum of the outputs (Core GetValueOut). Throws std::out_of_range when an output or the sum
  // leaves the money range: callers use it on transactions check_tx_context_free passed.
  Amount value_out() const;

  friend bool operator==(const Transaction&, const Transaction&) = default;
};

Transaction make_coinbase(std::int64_t height, const std::string& miner, Amount amount, std::uint64_t extranonce);

// Why a transaction or a block's transactions are refused. Strings (to_string) are stable
// and follow Bitcoin Core's reject codes where one exists.
enum class TxReject {
  missing_input,       // "bad-txns-inputs-missing": the output never existed (on this chain)
  premature_spend,     // "bad-txns-premature-spend-of-coinbase": a coinbase younger than the maturity
  coinbase_as_tx,      // "coinbase": a coinbase offered as a transaction (Core's mempool reason)
  no_utxo_set,         // "bad-txns-no-utxo-set": this ledger keeps no UTXO set (rewards-only, headers-only)
  double_spend,        // "bad-txns-inputs-spent": the output existed and is already spent
  outputs_exceed_inputs,  // "bad-txns-in-belowout"
  amount_out_of_range,    // "bad-txns-amount-range": negative, above kMaxMoney, or the sum overflows
  no_outputs,          // "bad-txns-vout-empty"
  duplicate_input,     // "bad-txns-inputs-duplicate": one outpoint twice in the same tx
  bad_owner,           // "bad-txns-owner": an invalid owner name
};
std::string_view to_string(TxReject r);

struct TxError {
  TxReject reason{};
  std::string detail;  // which input/output and the amounts involved
};

}  // namespace powlab
