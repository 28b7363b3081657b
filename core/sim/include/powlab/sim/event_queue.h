// The simulator's clock: a binary min-heap of events ordered by (time, sequence number). The
// sequence number is the order of scheduling, so two events at the same instant always run in
// the same order and a seed gives the same run. Events are small plain structs (no
// allocation per event), and the heap lives in one vector that is reused.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace powlab::sim {

template <class Payload>
class EventQueue {
 public:
  struct Entry {
    double time;
    std::uint64_t seq;
    Payload payload;
  };

  void push(double time, const Payload& payload) {
    heap_.push_back(Entry{time, next_seq_++, payload});
    sift_up(heap_.size() - 1);
  }

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Entry& top() const { return heap_.front(); }

  Entry pop() {
    Entry out = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    return out;
  }

  void clear() {
    heap_.clear();
    next_seq_ = 0;
  }
  void reserve(std::size_t n) { heap_.reserve(n); }

 private:
  static bool before(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
  void sift_up(std::size_t i) {
    Entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void sift_down(std::size_t i) {
    Entry e = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
      if (!before(heap_[child], e)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = e;
  }

  std::vector<Entry> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace powlab::sim
