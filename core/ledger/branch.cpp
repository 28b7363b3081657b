#include "powlab/ledger/branch.h"

#include <algorithm>
#include <unordered_map>

#include "powlab/util/hex.h"

namespace powlab {

std::unique_ptr<ChainState> branch_state(std::span<const BlockPtr> blocks, const Hash256& tip,
                                         const ConsensusParams& params, const ChainOptions& options,
                                         std::string* why) {
  std::unordered_map<Hash256, BlockPtr, Hash256Hasher> by_hash;
  by_hash.reserve(blocks.size());
  for (const BlockPtr& b : blocks) by_hash.emplace(b->hash(), b);

  // Tip back to the genesis. At most blocks.size() steps: a path longer than that would
  // repeat a block, which distinct hashes rule out, but a bound costs nothing.
  std::vector<BlockPtr> path;
  Hash256 at = tip;
  while (path.size() <= blocks.size()) {
    const auto it = by_hash.find(at);
    if (it == by_hash.end()) {
      *why = "block " + hash_to_display(at) + (path.empty() ? " is not in the chain" : ", an ancestor, is missing");
      return nullptr;
    }
    path.push_back(it->second);
    at = it->second->header().prev_hash;
    if (at == Hash256{}) break;
  }
  std::reverse(path.begin(), path.end());

  ChainOptions o = options;
  o.max_orphans = 0;
  auto chain = std::make_unique<ChainState>(params, o);
  for (std::size_t h = 0; h < path.size(); ++h) {
    const AcceptResult r = chain->accept(path[h]);
    if (r.status != AcceptStatus::new_tip) {
      *why = "height " + std::to_string(h) + " (block " + hash_to_display(path[h]->hash()) + ") on that branch: " +
             std::string(to_string(r.reason)) + (r.tx_error ? " (" + std::string(to_string(r.tx_error->reason)) + ")" : "") +
             ": " + r.detail;
      return nullptr;
    }
  }
  return chain;
}

std::optional<Hash256> find_block(const ChainState& chain, std::string_view name, std::string* why) {
  const bool digits = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && name.size() != 64) {
    // 18 digits stay below 2^63; a taller height cannot be on any chain anyway.
    if (name.size() > 18 || chain.empty() || std::stoll(std::string(name)) > chain.height()) {
      *why = "height " + std::string(name) + " is above the tip (" +
             (chain.empty() ? std::string("the chain is empty") : "heights 0.." + std::to_string(chain.height())) + ")";
      return std::nullopt;
    }
    return chain.hash_at(std::stoll(std::string(name)));
  }
  Hash256 hash{};
  try {
    hash = hash_from_display(name);
  } catch (const std::exception&) {
    *why = "'" + std::string(name.substr(0, 80)) + "' is neither a height (decimal digits) nor a block hash (64 hex digits)";
    return std::nullopt;
  }
  if (!chain.contains(hash)) {
    *why = "no block " + hash_to_display(hash) + " in the chain";
    return std::nullopt;
  }
  return hash;
}

QueueChoice choose_queued(const ChainState& chain, std::span<const Transaction> queue) {
  QueueChoice c;
  for (const Transaction& tx : queue) {
    if (auto err = chain.check_tx_after(tx, c.taken)) {
      c.left_out.push_back({tx.txid(), std::move(*err)});
    } else {
      c.taken.push_back(tx);
    }
  }
  return c;
}

std::vector<Conflict> conflicting_spends(std::span<const BlockPtr> disconnected, std::span<const BlockPtr> connected) {
  std::unordered_map<OutPoint, Hash256, OutPointHasher> spender;
  for (const BlockPtr& b : connected) {
    for (std::size_t k = 1; k < b->txs().size(); ++k) {  // 0 is the coinbase: it spends nothing
      for (const TxIn& in : b->txs()[k].inputs) spender.emplace(in.prevout, b->txids()[k]);
    }
  }
  std::vector<Conflict> out;
  for (const BlockPtr& b : disconnected) {
    for (std::size_t k = 1; k < b->txs().size(); ++k) {
      for (const TxIn& in : b->txs()[k].inputs) {
        const auto it = spender.find(in.prevout);
        // The same transaction mined again on the new branch is no conflict: it still pays.
        if (it != spender.end() && it->second != b->txids()[k]) out.push_back({in.prevout, b->txids()[k], it->second});
      }
    }
  }
  return out;
}

}  // namespace powlab
