#include "active_chain.h"

#include <stdexcept>

namespace powlab::detail {

ActiveChain::ActiveChain(ConsensusParams params, const ChainOptions& options)
    : tree_(std::move(params), TreeOptions{options.validation, options.headers_only}),
      options_(options),
      ledger_(tree_.params(), options) {}

ActiveChain::ActiveChain(ConsensusParams params, const Anchor& anchor, const ChainOptions& options)
    : tree_(std::move(params), anchor, TreeOptions{options.validation, options.headers_only}),
      options_(options),
      ledger_(tree_.params(), options) {
  active_.push_back(0);
  base_height_ = anchor.height;
}

bool ActiveChain::is_best(std::uint32_t i) const {
  const std::int64_t k = tree_[i].height - base_height_;
  return k >= 0 && k < static_cast<std::int64_t>(active_.size()) && active_[static_cast<std::size_t>(k)] == i;
}

std::uint32_t ActiveChain::find_parent(const Hash256& prev) const {
  const std::uint32_t t = tip();
  if (t != kNone && tree_.hash_of(t) == prev) return t;
  return tree_.find(prev);
}

// Connects entry i (a child of the tip) to the best chain.
std::optional<BlockFailure> ActiveChain::connect(std::uint32_t i) {
  if (!options_.headers_only) {
    if (auto bad = ledger_.connect(*tree_[i].block, tree_[i].height)) return bad;
  }
  active_.push_back(i);
  return std::nullopt;
}

void ActiveChain::disconnect_tip() {
  const BlockTree::Entry& e = tree_[active_.back()];
  if (!options_.headers_only) ledger_.disconnect(*e.block, e.height);
  active_.pop_back();
}

void ActiveChain::mark_invalid(std::uint32_t i, BlockFailure info, std::vector<std::uint32_t>* marked) {
  invalid_info_.emplace(i, std::move(info));
  if (marked) marked->push_back(i);
  for (const std::uint32_t k : tree_.mark_invalid(i)) {
    invalid_info_.emplace(k, BlockFailure{BlockReject::parent_invalid, std::nullopt, 0,
                                          "descends from invalid block " + hash_to_display(tree_.hash_of(i)) +
                                              " at height " + std::to_string(tree_[i].height)});
    if (marked) marked->push_back(k);
  }
}

// Makes `target` the best tip (it has more work than the current one).
ActiveChain::Activation ActiveChain::activate(std::uint32_t target, std::vector<std::uint32_t>* marked) {
  Activation a;
  std::vector<std::uint32_t> branch;  // target back to the best chain
  std::uint32_t f = target;
  while (f != kNone && !is_best(f)) {
    branch.push_back(f);
    f = tree_[f].parent;
  }
  a.fork_height = f == kNone ? -1 : tree_[f].height;
  std::vector<std::uint32_t> old;
  while (!active_.empty() && active_.back() != f) {
    old.push_back(active_.back());
    disconnect_tip();
  }
  a.disconnected = static_cast<std::uint32_t>(old.size());
  for (auto it = branch.rbegin(); it != branch.rend(); ++it) {
    if (auto bad = connect(*it)) {
      a.failure = std::make_pair(*it, *bad);
      mark_invalid(*it, std::move(*bad), marked);
      // Back to the old chain (its blocks connected before, so they connect again).
      while (!active_.empty() && active_.back() != f) disconnect_tip();
      for (auto o = old.rbegin(); o != old.rend(); ++o) connect(*o);
      a.disconnected = 0;
      a.connected = 0;
      return a;
    }
    ++a.connected;
  }
  return a;
}

std::uint32_t ActiveChain::best_valid_entry() const {
  std::uint32_t best = kNone;
  for (std::uint32_t i = 0; i < tree_.size(); ++i) {
    if (!is_invalid(i) && tree_.better(i, best)) best = i;
  }
  return best;
}

// Entry i's branch failed: report why, and move to the best valid tip, which may be a prefix
// of the failed branch with more work than the restored tip.
AcceptResult ActiveChain::after_failed_activation(std::uint32_t i, const Activation& a,
                                                  std::vector<std::uint32_t>* marked) {
  const BlockFailure& info = invalid_info_.at(i);
  AcceptResult res = BlockTree::refuse(info.reason, "");
  res.tx_error = info.tx_error;
  res.tx_index = info.tx_index;
  res.detail = a.failure->first == i ? info.detail
                                     : "branch block at height " + std::to_string(tree_[a.failure->first].height) +
                                           " failed: " + a.failure->second.detail;
  for (std::uint32_t best = best_valid_entry(); best != kNone && best != tip() && tree_.better(best, tip());
       best = best_valid_entry()) {
    Activation again = activate(best, marked);
    if (!again.failure) {
      res.disconnected += again.disconnected;
      res.connected += again.connected;
      break;
    }
  }
  return res;
}

AcceptResult ActiveChain::add(const BlockPtr& block, bool pow_skipped, std::vector<std::uint32_t>* marked) {
  const Block& b = *block;
  const BlockHeader& h = b.header();
  std::uint32_t parent = kNone;
  std::int64_t height = 0;
  if (!(h.prev_hash == Hash256{} && tree_.empty())) {
    parent = find_parent(h.prev_hash);
    // ChainState calls add only for a block whose parent it found: a bug otherwise.
    if (parent == kNone) throw std::logic_error("ActiveChain::add: the parent is not in the tree");
    if (is_invalid(parent)) {
      return BlockTree::refuse(BlockReject::parent_invalid, "parent " + hash_to_display(h.prev_hash) + " is invalid");
    }
    height = tree_[parent].height + 1;
  }
  if (auto bad = tree_.check_contextual(b, parent, height)) return *bad;

  const std::uint32_t i = tree_.insert(block, parent, height);
  AcceptResult res;
  res.pow_skipped = pow_skipped;
  if (!tree_.better(i, tip())) {
    res.status = AcceptStatus::side_branch;
    return res;
  }
  if (parent != kNone && parent == tip()) {
    // The common case: a child of the tip. No branch walk, no allocation.
    if (auto bad = connect(i)) {
      AcceptResult r = BlockTree::refuse(bad->reason, bad->detail);
      r.tx_error = bad->tx_error;
      r.tx_index = bad->tx_index;
      mark_invalid(i, std::move(*bad), marked);
      return r;
    }
    res.status = AcceptStatus::new_tip;
    res.connected = 1;
    return res;
  }
  const Activation a = activate(i, marked);
  if (a.failure) {
    AcceptResult r = after_failed_activation(i, a, marked);
    r.pow_skipped = pow_skipped;
    return r;
  }
  res.status = AcceptStatus::new_tip;
  res.disconnected = a.disconnected;
  res.connected = a.connected;
  res.fork_height = a.disconnected > 0 ? a.fork_height : -1;
  return res;
}

}  // namespace powlab::detail
