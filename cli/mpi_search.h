// One mine_block at a time on its own thread, for the --mpi commands whose main thread must
// stay free to poll MPI (mine --mpi, race --mode live --mpi).
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#include "powlab/mining/miner.h"

namespace powlab::cli {

class Search {
 public:
  ~Search() {
    if (thread_.joinable()) {
      cancel_ = true;
      thread_.join();
    }
  }
  void start(const ChainState& chain, MineRequest req) {
    cancel_ = false;
    done_ = false;
    req.cancel = &cancel_;
    thread_ = std::thread([this, &chain, req] {
      try {
        result_ = mine_block(chain, req);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
      done_ = true;
    });
  }
  bool running() const { return thread_.joinable(); }
  bool finished() const { return thread_.joinable() && done_.load(); }
  // Stops the search (if it still runs) and returns what it did.
  MineResult stop() {
    if (!thread_.joinable()) return {};
    cancel_ = true;
    thread_.join();
    if (!error_.empty()) throw std::runtime_error(error_);
    return std::move(result_);
  }

 private:
  std::thread thread_;
  std::atomic<bool> cancel_{false}, done_{false};
  MineResult result_;
  std::string error_;
};

}  // namespace powlab::cli
