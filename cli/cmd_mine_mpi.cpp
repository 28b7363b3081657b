// `mpirun -np N powlab mine --mpi --chain F` (issue 15): the ranks mine one chain as a pool.
//  - Rank 0 owns the chain and the file. It sends every rank the chain (the file's bytes, which
//    each rank replays and checks in full) and, with every new tip, the block and the time the
//    next template carries. So every rank builds the template rank 0 would build; each searches
//    its own extranonce range (rank r starts at r x 2^40), so no two ranks hash the same header.
//  - A rank that finds a block sends it to rank 0. Rank 0 takes the first one that extends its
//    tip, checks it fully (chain.accept: proof of work and every block rule), saves the file
//    (atomic: a whole new file renamed over the old), and sends it to every rank, which stops
//    its search, checks and accepts the block, and mines on it. A find for an older tip is stale.
//  - Waiting is non-blocking: the main thread of each rank polls MPI (MPI_Iprobe) every
//    kPollMs and sleeps in between, while the search runs on its own threads.
//  - A rank that dies: mpirun ends the job and SIGTERMs the rest; rank 0 drops the block in hand
//    and leaves the file as last saved, whole.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <thread>

#include "command.h"
#include "mpi_commands.h"
#include "mpi_search.h"
#include "powlab/cluster/comm.h"
#include "powlab/consensus/target.h"
#include "powlab/ledger/store.h"
#include "powlab/mining/miner.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

constexpr int kTagFound = 1;  // rank -> 0: a block found (its bytes)
constexpr int kTagBlock = 2;  // 0 -> all: the new tip: u64 template time, then the block's bytes
constexpr int kTagDone = 3;   // 0 -> all: stop, then send your hashes in the final gather
constexpr int kPollMs = 2;    // a block found waits at most this long before MPI sees it
constexpr std::uint64_t kExtranonceSpan = std::uint64_t{1} << 40;  // per rank: 2^72 headers each

std::atomic<bool> g_mpi_stop{false};
volatile std::sig_atomic_t g_mpi_signal = 0;
void on_signal(int sig) {
  g_mpi_signal = sig;
  g_mpi_stop.store(true);
}


MineRequest make_request(const MineMpiArgs& a, int rank, std::int64_t time) {
  MineRequest req;
  req.miner = a.miner;
  req.threads = a.threads;
  req.kernel = a.kernel;
  req.first_extranonce = static_cast<std::uint64_t>(rank) * kExtranonceSpan;
  req.clock = [time] { return time; };
  return req;
}

std::vector<std::uint8_t> with_time(std::int64_t time, const std::vector<std::uint8_t>& bytes) {
  std::vector<std::uint8_t> out(8 + bytes.size());
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(time) >> (8 * i));
  std::copy(bytes.begin(), bytes.end(), out.begin() + 8);
  return out;
}

std::int64_t time_of(const std::vector<std::uint8_t>& msg) {
  if (msg.size() < 8) throw powlab::ParseError("a message without its template time");
  std::uint64_t t = 0;
  for (int i = 0; i < 8; ++i) t |= std::uint64_t{msg[static_cast<std::size_t>(i)]} << (8 * i);
  return static_cast<std::int64_t>(t);
}

BlockPtr parse_block(std::span<const std::uint8_t> bytes) {
  std::size_t offset = 0;
  BlockPtr b = Block::parse(bytes, offset);
  if (offset != bytes.size()) throw powlab::ParseError("trailing bytes after a block");
  return b;
}

// Rank 0 at the start: the chain to mine on, or nullopt (and a message) when F cannot be mined.
std::optional<ChainFile> open_chain(const MineMpiArgs& a) {
  if (!std::filesystem::exists(a.chain)) {
    ChainFile f;
    f.params = a.new_network();
    return f;
  }
  ChainFile f = read_chain_file(a.chain);
  ChainOptions co;
  co.validation.now = unix_now();
  const LoadReport report = replay_chain(f, co);
  if (!report.valid()) {
    std::cerr << "powlab mine: error: " << a.chain << " is invalid at " << describe(report.failures.front())
              << "; refusing to mine on it (run `powlab chain verify " << a.chain << "`)\n";
    return std::nullopt;
  }
  return f;
}

std::unique_ptr<ChainState> replay(const ChainFile& f) {
  ChainOptions co;
  co.validation.now = unix_now();
  LoadReport report = replay_chain(f, co);
  if (!report.valid()) throw std::runtime_error("the chain from rank 0 does not replay: " + describe(report.failures.front()));
  return std::move(report.chain);
}

int run_rank0(cluster::Comm& comm, const MineMpiArgs& a, ChainFile file, std::int64_t time) {
  const int size = comm.size();
  std::unique_ptr<ChainState> chain = replay(file);
  StopSignals signals(on_signal);
  std::vector<std::uint64_t> blocks_of(static_cast<std::size_t>(size), 0);
  std::uint64_t hashes0 = 0, stale = 0, rejected = 0;
  std::int64_t mined = 0;
  const auto t0 = std::chrono::steady_clock::now();
  if (!a.json) {
    std::cout << "mining " << count_noun(static_cast<std::uint64_t>(a.blocks), "block") << " into " << a.chain << " with "
              << count_noun(static_cast<std::uint64_t>(size), "rank") << ", next height " << chain->height() + 1
              << ", nBits " << bits_hex(chain->next_template(time).bits) << std::endl;
  }
  Search search;
  search.start(*chain, make_request(a, 0, time));
  while (mined < a.blocks && !g_mpi_stop) {
    BlockPtr block;
    int from = 0;
    if (auto m = comm.poll(cluster::Comm::kAny, kTagFound)) {
      from = m->source;
      try {
        block = parse_block(m->bytes);
      } catch (const powlab::ParseError& e) {
        std::cerr << "powlab mine: warning: rank " << from << " sent a block that does not parse: " << e.what() << '\n';
        ++rejected;
        continue;
      }
    } else if (search.finished()) {
      const MineResult r = search.stop();
      hashes0 += r.hashes;
      block = r.block;
      if (!block) {  // the extranonce range ran out: start again (never at lab difficulties)
        search.start(*chain, make_request(a, 0, time));
        continue;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
      continue;
    }
    if (block->header().prev_hash != chain->tip_hash()) {
      ++stale;  // found on a tip that has moved on; the finder already has the new one
      continue;
    }
    hashes0 += search.stop().hashes;  // no-op when it already stopped
    chain->validation().now = unix_now();
    const AcceptResult r = chain->accept(block);
    if (r.status != AcceptStatus::new_tip) {
      std::cerr << "powlab mine: warning: rank " << from << "'s block refused: " << to_string(r.reason) << ": "
                << r.detail << '\n';
      ++rejected;
      search.start(*chain, make_request(a, 0, time));
      continue;
    }
    // Relay first, then save: the others stop searching on the old tip while the save (an
    // fsync, ~10 ms here) runs; saving first, one measured run at ~20 blocks a second had 12 of
    // 28 finds go stale. A failed save aborts every rank, so no rank mines past the file.
    time = unix_now();
    const std::vector<std::uint8_t> msg = with_time(time, block->serialize());
    for (int r = 1; r < size; ++r) comm.send(r, kTagBlock, msg);
    file.blocks = chain->blocks_in_order();
    try {
      save_chain_file(a.chain, file);
    } catch (const StoreError& e) {
      std::cerr << "powlab mine: error: " << e.what() << '\n';
      comm.abort(kExitUsage);
    }
    ++mined;
    ++blocks_of[static_cast<std::size_t>(from)];
    if (!a.json) {
      std::cout << "block " << chain->height() << " " << hash_to_display(block->hash()) << " by rank " << from << std::endl;
    }
    if (mined < a.blocks) search.start(*chain, make_request(a, 0, time));
  }
  hashes0 += search.stop().hashes;
  if (g_mpi_stop) {
    // mpirun SIGTERMs every rank when one dies (or on Ctrl-C): no gather can complete now.
    std::cerr << "powlab mine: error: stopped by signal " << static_cast<int>(g_mpi_signal)
              << " (a rank died or the job was interrupted); " << a.chain << " holds "
              << count_noun(chain->block_count(), "whole block") << ", the last saved\n";
    return 128 + static_cast<int>(g_mpi_signal);
  }
  for (int r = 1; r < size; ++r) comm.send(r, kTagDone, {});
  const std::vector<std::string> all = comm.gather(nlohmann::json({{"hashes", hashes0}, {"host", comm.host()}}).dump());
  // A find sent just before the ranks saw kTagDone: received, so that none is left in flight.
  while (comm.poll(cluster::Comm::kAny, kTagFound)) ++stale;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json ranks = nlohmann::json::array();
  std::uint64_t hashes = 0;
  for (int r = 0; r < size; ++r) {
    const nlohmann::json j = nlohmann::json::parse(all[static_cast<std::size_t>(r)]);
    const std::uint64_t h = j["hashes"];
    hashes += h;
    ranks.push_back({{"rank", r}, {"host", j["host"]}, {"hashes", h}, {"blocks_found", blocks_of[static_cast<std::size_t>(r)]},
                     {"hashes_per_second", seconds > 0 ? static_cast<double>(h) / seconds : 0}});
  }
  if (a.json) {
    print_json({{"chain", a.chain}, {"ranks", ranks}, {"blocks_mined", mined}, {"height", chain->height()},
                {"tip", hash_to_display(chain->tip_hash())}, {"stale_blocks", stale}, {"rejected_blocks", rejected},
                {"hashes", hashes}, {"seconds", seconds},
                {"hashes_per_second", seconds > 0 ? static_cast<double>(hashes) / seconds : 0}});
  } else {
    for (const auto& r : ranks) {
      std::cout << "rank " << r["rank"].get<int>() << " (" << r["host"].get<std::string>() << "): "
                << count_noun(r["blocks_found"].get<std::uint64_t>(), "block") << ", "
                << format_big(static_cast<double>(r["hashes"].get<std::uint64_t>())) << " hashes, "
                << format_hashrate(r["hashes_per_second"].get<double>()) << '\n';
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f s", seconds);
    std::cout << "total: " << count_noun(static_cast<std::uint64_t>(mined), "block") << " in " << secs << ", "
              << format_hashrate(seconds > 0 ? static_cast<double>(hashes) / seconds : 0) << ", "
              << count_noun(stale, "stale find") << "; " << a.chain << " at height " << chain->height() << '\n';
  }
  return kExitOk;
}

int run_rank(cluster::Comm& comm, const MineMpiArgs& a, std::unique_ptr<ChainState> chain, std::int64_t time) {
  std::uint64_t hashes = 0;
  Search search;
  search.start(*chain, make_request(a, comm.rank(), time));
  for (;;) {
    if (auto m = comm.poll(0, cluster::Comm::kAny)) {
      hashes += search.stop().hashes;
      if (m->tag == kTagDone) break;
      time = time_of(m->bytes);
      const BlockPtr block = parse_block(std::span(m->bytes).subspan(8));
      chain->validation().now = unix_now();
      const AcceptResult r = chain->accept(block);  // checked in full, as rank 0 did
      if (r.status != AcceptStatus::new_tip) {
        throw std::runtime_error("rank 0's block " + hash_to_display(block->hash()) + " refused: " + std::string(to_string(r.reason)));
      }
      search.start(*chain, make_request(a, comm.rank(), time));
    } else if (search.finished()) {
      const MineResult r = search.stop();
      hashes += r.hashes;
      if (r.block) {
        comm.send(0, kTagFound, r.block->serialize());  // then wait for rank 0's verdict: a new tip
      } else {
        search.start(*chain, make_request(a, comm.rank(), time));
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
  }
  comm.gather(nlohmann::json({{"hashes", hashes}, {"host", comm.host()}}).dump());
  return kExitOk;
}

}  // namespace

int run_mine_mpi(const MineMpiArgs& a) {
  if (a.chain.empty()) throw UsageError("--mpi: give --chain FILE (rank 0 owns it)");
  cluster::Comm comm;
  // Rank 0 sends the chain (empty payload: it cannot be mined) and the first template's time.
  std::string payload;
  std::optional<ChainFile> file;
  const std::int64_t time = unix_now();
  if (comm.rank() == 0) {
    file = open_chain(a);
    if (file) {
      const std::vector<std::uint8_t> bytes = with_time(time, encode_chain_file(*file));
      payload.assign(bytes.begin(), bytes.end());
    }
  }
  payload = comm.broadcast(payload);
  // Rank 0 said why; the others end quietly with 0 so that mpirun lets it finish saying so.
  if (payload.empty()) return comm.rank() == 0 ? kExitInvalid : kExitOk;
  if (comm.rank() == 0) return run_rank0(comm, a, std::move(*file), time);
  const std::vector<std::uint8_t> bytes(payload.begin(), payload.end());
  return run_rank(comm, a, replay(decode_chain_file(std::span(bytes).subspan(8))), time_of(bytes));
}

}  // namespace powlab::cli
