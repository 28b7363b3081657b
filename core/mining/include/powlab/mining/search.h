// Parallel sha256d nonce search over one header: the only place powlab spreads hashing over
// threads. Built on the kernels' scan API; every reported nonce is re-checked in full.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "powlab/consensus/header.h"
#include "powlab/consensus/u256.h"

namespace powlab {

struct SearchRequest {
  BlockHeader header;               // its nonce field is ignored
  U256 target;                      // a nonce wins when hash <= target
  std::uint64_t nonce_begin = 0;    // scan [nonce_begin, nonce_end), nonce_end <= 2^32
  std::uint64_t nonce_end = std::uint64_t{1} << 32;
  bool stop_at_first = false;       // found-first mode: stop soon after any winner
  unsigned threads = 0;             // 0: every core; 1 with `serial` for deterministic tests
  bool serial = false;              // run on the calling thread only, no TBB
  double max_seconds = 0;           // time budget, 0 = none
  std::uint64_t max_hashes = 0;     // hash budget, 0 = none
  // Keep only the smallest this many winners (0 = keep all); found_count still counts every
  // one. A target every hash meets over 2^32 nonces would otherwise hold 16 GiB of nonces.
  std::size_t max_found = 0;
  const std::atomic<bool>* cancel = nullptr;  // set by a signal handler or another thread
  std::string kernel;               // "" = the selected kernel
  // Called now and then (about every progress_seconds) from a worker with hashes and seconds
  // so far; calls never overlap. Optional.
  std::function<void(std::uint64_t hashes, double seconds)> progress;
  double progress_seconds = 0.5;
};

struct SearchResult {
  std::vector<std::uint32_t> found;  // the winners scanned, sorted (the smallest max_found of them)
  std::uint64_t found_count = 0;     // every winner scanned
  std::uint64_t hashes = 0;          // nonces actually scanned
  double seconds = 0;
  bool exhausted = false;            // the whole range was scanned
  bool stopped = false;              // stopped early: winner (found-first), budget or cancel
  std::string kernel;
  unsigned threads = 1;
  double hashes_per_second = 0;      // hashes / seconds
  std::uint64_t chunk = 0;           // nonces per work item (a multiple of the kernel's lanes)
};

// Throws std::invalid_argument for a bad range (begin > end, end > 2^32), a thread count above
// kMaxSearchThreads, or a kernel that is unknown, unsupported here, or fails its self-test.
inline constexpr unsigned kMaxSearchThreads = 1024;
SearchResult search_nonces(const SearchRequest& request);

}  // namespace powlab
