// Blocks that arrived before their parent, waiting for it: one pool type for ChainState
// (items are blocks) and the race's nodes (items are tree indices).
//
// Resolution order is oldest first: when a parent arrives, the waiting item that arrived
// first among those now ready is taken, then again, until none is ready. Ties in work go to
// the block taken first (the tree's order), so the order decides forks: with orphans A1, B1
// (children of X), then A2, B2, then X, the best tip ends on A2, as in Bitcoin Core, whose
// orphan work queue is first in, first out. A stack would end on B2.
//
// Bounded: when full, the oldest is evicted (Core's orphan pool also drops to a bound). Cost:
// a linear scan per take; pools are small (ChainState's bound is 100).
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <vector>

namespace powlab {

template <class Item>
class OrphanPool {
 public:
  explicit OrphanPool(std::size_t bound = std::numeric_limits<std::size_t>::max()) : bound_(bound) {}

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::size_t bound() const { return bound_; }
  const std::vector<Item>& items() const { return items_; }
  bool contains(const Item& item) const { return std::find(items_.begin(), items_.end(), item) != items_.end(); }
  template <class Pred>
  bool any_of(Pred&& pred) const {
    return std::any_of(items_.begin(), items_.end(), pred);
  }

  // Queues `item` as the newest; when the pool is full, the oldest is evicted first. A pool
  // with bound 0 holds nothing.
  void add(Item item) {
    if (bound_ == 0) return;
    if (items_.size() >= bound_) items_.erase(items_.begin());
    items_.push_back(std::move(item));
  }

  // The oldest item for which ready(item) holds, removed from the pool; nullopt when none is.
  template <class Ready>
  std::optional<Item> take_oldest_ready(Ready&& ready) {
    const auto it = std::find_if(items_.begin(), items_.end(), ready);
    if (it == items_.end()) return std::nullopt;
    Item item = std::move(*it);
    items_.erase(it);
    return item;
  }

  // Removes every item for which pred holds; returns them, oldest first.
  template <class Pred>
  std::vector<Item> remove_if(Pred&& pred) {
    std::vector<Item> out;
    auto keep = items_.begin();
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (pred(*it)) {
        out.push_back(std::move(*it));
      } else {
        if (keep != it) *keep = std::move(*it);
        ++keep;
      }
    }
    items_.erase(keep, items_.end());
    return out;
  }

 private:
  std::vector<Item> items_;  // arrival order, oldest first
  std::size_t bound_;
};

}  // namespace powlab
