#include "powlab/ledger/tx.h"

#include <stdexcept>

#include "powlab/util/error.h"
#include "powlab/sha256.h"
#include "tx_io.h"

namespace powlab {

namespace {
constexpr std::uint8_t kKindCoinbase = 0;
constexpr std::uint8_t kKindTransfer = 1;
constexpr std::size_t kMaxOwnerLength = 32;
}  // namespace

std::optional<std::string> check_owner_name(std::string_view name) {
  if (name.empty()) return std::string("owner name is empty");
  if (name.size() > kMaxOwnerLength) {
    return "owner name '" + std::string(name.substr(0, 40)) + "' is longer than " + std::to_string(kMaxOwnerLength) +
           " characters";
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return "owner name '" + std::string(name) + "' has a character outside [A-Za-z0-9_.-]";
  }
  return std::nullopt;
}

void Transaction::serialize_to(std::vector<std::uint8_t>& out) const {
  if (is_coinbase()) {
    io::put_u8(out, kKindCoinbase);
    io::put_u64(out, static_cast<std::uint64_t>(coinbase_height));
    io::put_u64(out, extranonce);
  } else {
    io::put_u8(out, kKindTransfer);
    io::put_u32(out, static_cast<std::uint32_t>(inputs.size()));
    for (const TxIn& in : inputs) {
      io::put_bytes(out, in.prevout.txid);
      io::put_u32(out, in.prevout.index);
    }
  }
  io::put_u32(out, static_cast<std::uint32_t>(outputs.size()));
  for (const TxOut& o : outputs) {
    io::put_u64(out, static_cast<std::uint64_t>(o.amount));
    io::put_u8(out, static_cast<std::uint8_t>(o.owner.size()));
    out.insert(out.end(), o.owner.begin(), o.owner.end());
  }
}

std::vector<std::uint8_t> Transaction::serialize() const {
  std::vector<std::uint8_t> out;
  out.reserve(32 + 36 * inputs.size() + 24 * outputs.size());
  serialize_to(out);
  return out;
}

Transaction Transaction::parse(std::span<const std::uint8_t> data, std::size_t& offset) {
  io::Reader r(data, offset);
  Transaction tx;
  const std::size_t start = r.pos();
  const std::uint8_t kind = r.u8("transaction kind");
  if (kind == kKindCoinbase) {
    tx.coinbase_height = static_cast<std::int64_t>(r.u64("coinbase height"));
    tx.extranonce = r.u64("coinbase extranonce");
  } else if (kind == kKindTransfer) {
    const std::uint32_t n_in = r.count("input count", 36);
    if (n_in == 0) throw ParseError("transfer at offset " + std::to_string(start) + " has no inputs");
    tx.inputs.resize(n_in);
    for (TxIn& in : tx.inputs) {
      auto h = r.bytes(32, "input txid");
      std::copy(h.begin(), h.end(), in.prevout.txid.begin());
      in.prevout.index = r.u32("input index");
    }
  } else {
    throw ParseError("unknown transaction kind " + std::to_string(kind) + " at offset " + std::to_string(start));
  }
  const std::uint32_t n_out = r.count("output count", 9);
  tx.outputs.resize(n_out);
  for (TxOut& o : tx.outputs) {
    o.amount = static_cast<Amount>(r.u64("output amount"));
    const std::uint8_t len = r.u8("owner length");
    auto name = r.bytes(len, "owner name");
    o.owner.assign(name.begin(), name.end());
    if (auto why = check_owner_name(o.owner)) {
      throw ParseError(*why + " (transaction at offset " + std::to_string(start) + ")");
    }
  }
  offset = r.pos();
  return tx;
}

Hash256 Transaction::txid() const {
  thread_local std::vector<std::uint8_t> bytes;  // reused: no allocation per txid
  bytes.clear();
  serialize_to(bytes);
  return sha256d(bytes);
}

Amount Transaction::value_out() const {
  Amount total = 0;
  for (const TxOut& o : outputs) {
    // Both terms in range before the add: it cannot overflow.
    if (!money_range(o.amount) || !money_range(total += o.amount)) {
      throw std::out_of_range("transaction outputs out of the money range");
    }
  }
  return total;
}

Transaction make_coinbase(std::int64_t height, const std::string& miner, Amount amount, std::uint64_t extranonce) {
  Transaction tx;
  tx.coinbase_height = height;
  tx.extranonce = extranonce;
  tx.outputs.push_back(TxOut{amount, miner});
  return tx;
}

std::string_view to_string(TxReject r) {
  switch (r) {
    case TxReject::missing_input: return "bad-txns-inputs-missing";
    case TxReject::premature_spend: return "bad-txns-premature-spend-of-coinbase";
    case TxReject::coinbase_as_tx: return "coinbase";
    case TxReject::no_utxo_set: return "bad-txns-no-utxo-set";
    case TxReject::double_spend: return "bad-txns-inputs-spent";
    case TxReject::outputs_exceed_inputs: return "bad-txns-in-belowout";
    case TxReject::amount_out_of_range: return "bad-txns-amount-range";
    case TxReject::no_outputs: return "bad-txns-vout-empty";
    case TxReject::duplicate_input: return "bad-txns-inputs-duplicate";
    case TxReject::bad_owner: return "bad-txns-owner";
  }
  return "unknown";
}

}  // namespace powlab
