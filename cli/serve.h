// The HTTP side of the lab pool (issue 14): `powlab serve`'s server, and `powlab mine --pool`'s
// client. The pool itself (jobs, share checks, credits) is core/pool; this is the wire.
//
// cpp-httplib from Debian (libcpp-httplib-dev 0.11.4), not Boost.Beast: a classroom pool
// answers a few hundred small JSON requests a second, which a thread-per-connection server does
// easily, and its API is a page of code instead of Beast's asynchronous state machines.
// Live updates use Server-Sent Events when the pages come (plain HTTP, no upgrade).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "powlab/pool/pool.h"

namespace powlab::cli {

struct ServeConfig {
  std::string bind = "127.0.0.1";  // loopback by default: a LAN needs an explicit --bind
  int port = 0;                    // 0: any free port
  std::size_t body_limit = 1024;   // a share is ~80 bytes of JSON
  double rate = 200;               // requests per second per client address (burst the same); 0 = no limit
  std::string json_log;            // one JSON line per share, "" = none
};

class LabServer {
 public:
  LabServer(LabPool& pool, ServeConfig config);
  ~LabServer();
  LabServer(const LabServer&) = delete;
  LabServer& operator=(const LabServer&) = delete;
  // Binds; returns the port, or -1 (address in use, not an address of this computer).
  int bind();
  // Serves until stop() (from another thread or a signal watcher).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace powlab::cli

namespace powlab::cli {

// `powlab mine --pool http://HOST:PORT --miner NAME` (pool_client.cpp).
struct PoolMineOptions {
  std::string url;
  std::string miner = "miner";
  std::int64_t blocks = 1;      // stop once the pool made this many blocks of this miner's shares
  double max_seconds = 0;       // 0 = until the blocks, or Ctrl-C
  unsigned threads = 0;
  std::string kernel;
  bool json = false;
};
int run_pool_mine(const PoolMineOptions& o);

}  // namespace powlab::cli
