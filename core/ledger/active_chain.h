// Private to core/ledger: a ChainState's block tree and its best chain. Takes in blocks
// whose parent is known (add), keeps the most-work valid tip, and moves the ledger along
// with it: connect, disconnect, reorg activation (all-or-nothing: a branch block that fails
// is marked invalid with its descendants and the previous best chain is restored). Orphans
// and the memory of refused blocks are ChainState's (chain.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ledger_view.h"

namespace powlab::detail {

class ActiveChain {
 public:
  static constexpr std::uint32_t kNone = BlockTree::npos;

  ActiveChain(ConsensusParams params, const ChainOptions& options);
  ActiveChain(ConsensusParams params, const Anchor& anchor, const ChainOptions& options);

  // Takes in a block whose parent is in the tree (or a first genesis), after its
  // context-free checks passed. A block refused by a rule comes back invalid; when it was
  // marked invalid in the tree, *marked lists it and its descendants newly marked.
  AcceptResult add(const BlockPtr& block, bool pow_skipped, std::vector<std::uint32_t>* marked);

  BlockTree& tree() { return tree_; }
  const BlockTree& tree() const { return tree_; }
  const LedgerView& ledger() const { return ledger_; }
  const std::vector<std::uint32_t>& active() const { return active_; }
  std::int64_t base_height() const { return base_height_; }
  std::uint32_t tip() const { return active_.empty() ? kNone : active_.back(); }
  bool is_best(std::uint32_t i) const;
  bool is_invalid(std::uint32_t i) const { return (tree_[i].flags & BlockTree::kInvalid) != 0; }
  // The parent's entry: the tip without a lookup in the common case.
  std::uint32_t find_parent(const Hash256& prev) const;
  const BlockFailure& failure(std::uint32_t i) const { return invalid_info_.at(i); }

 private:
  struct Activation {
    std::uint32_t disconnected = 0, connected = 0;
    std::int64_t fork_height = -1;
    std::optional<std::pair<std::uint32_t, BlockFailure>> failure;  // the first block that failed
  };
  std::optional<BlockFailure> connect(std::uint32_t i);
  void disconnect_tip();
  void mark_invalid(std::uint32_t i, BlockFailure info, std::vector<std::uint32_t>* marked);
  Activation activate(std::uint32_t target, std::vector<std::uint32_t>* marked);
  std::uint32_t best_valid_entry() const;
  AcceptResult after_failed_activation(std::uint32_t i, const Activation& a, std::vector<std::uint32_t>* marked);

  BlockTree tree_;
  const ChainOptions& options_;
  LedgerView ledger_;
  std::vector<std::uint32_t> active_;  // best chain, by height - base_height_
  std::int64_t base_height_ = 0;
  std::unordered_map<std::uint32_t, BlockFailure> invalid_info_;
};

}  // namespace powlab::detail
