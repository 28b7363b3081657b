// `mpirun -np N powlab race --mode live --mpi --nodes N` (issue 15): each rank is one miner node
// with its own block tree, nothing shared. A node that finds a block accepts it and sends its
// bytes (powlab's block encoding) to every other rank; a receiver holds it --delay-ms (on top of
// MPI's own latency), then checks it in full, proof of work included, before its tree takes
// it. Forks, stale blocks and reorgs come from real timing. Stop: once a node knows --blocks
// blocks it stops mining and tells the others; every node delivers all it was sent, then
// rank 0 gathers every node's best chain and counts, and prints the summary single-process
// races print (same text, same --json keys).
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <set>
#include <thread>

#include "command.h"
#include "mpi_commands.h"
#include "mpi_search.h"
#include "powlab/cluster/comm.h"
#include "powlab/consensus/network.h"
#include "powlab/sim/stats.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

constexpr int kLiveTagBlock = 1;  // a block found by the sender (its bytes)
constexpr int kLiveTagDone = 2;   // the sender stopped mining; every block it sent is before this
constexpr int kLivePollMs = 1;

using Clock = std::chrono::steady_clock;

std::string hex_of(const Hash256& h) { return hash_to_display(h); }

BlockPtr parse_block(const std::vector<std::uint8_t>& bytes) {
  std::size_t offset = 0;
  BlockPtr b = Block::parse(bytes, offset);
  if (offset != bytes.size()) throw powlab::ParseError("trailing bytes after a block");
  return b;
}

struct Pending {
  Clock::time_point due;
  std::vector<std::uint8_t> bytes;
};

}  // namespace

int run_race_live_mpi(sim::RaceConfig c, const LiveMpiArgs& a, const std::function<void(const sim::RaceResult&)>& print) {
  cluster::Comm comm;
  const int size = comm.size(), rank = comm.rank();
  // Refusals: rank 0 says it (exit 2), the others end quietly so that mpirun lets it.
  const auto refuse = [&](const std::string& why) {
    if (rank == 0) throw UsageError(why);
    return kExitOk;
  };
  if (size < 2) return refuse("race --mode live --mpi needs two ranks or more, one node each (got -np 1)");
  if (c.miners.size() != static_cast<std::size_t>(size)) {
    return refuse("--mpi: one node per rank: give --nodes " + std::to_string(size) + " (got " +
                  std::to_string(c.miners.size()) + " miners for " + std::to_string(size) + " ranks)");
  }
  if (a.latency != "fixed" || a.topology != "mesh") {
    return refuse("--mpi: every rank sends to every other (a mesh) after a fixed --delay-ms; --latency and --topology do not apply");
  }
  const std::string name = c.miners[static_cast<std::size_t>(rank)].name;

  // The difficulty: --bits, or rank 0's measured rate x ranks over --interval.
  if (a.calibrate) {
    std::string bits;
    if (rank == 0) {
      const double rate = sim::measure_hash_rate(c.threads, c.kernel, 0.2) * size;
      bits = std::to_string(sim::bits_for_expected_hashes(rate * static_cast<double>(c.lab.spacing), c.lab.pow_limit_bits));
    }
    c.lab.initial_bits = static_cast<std::uint32_t>(std::stoul(comm.broadcast(bits)));
  }
  const ConsensusParams params = lab_network(c.lab);
  ChainState chain(params);
  const auto request = [&] {
    MineRequest req;
    req.miner = name;
    req.threads = c.threads;
    req.kernel = c.kernel;
    return req;
  };
  // One genesis for all, mined by rank 0 (not counted: the race is the blocks after it).
  std::string genesis;
  if (rank == 0) {
    MineRequest req = request();
    req.miner = "genesis";
    const std::vector<std::uint8_t> b = mine_block(chain, req).block->serialize();
    genesis.assign(b.begin(), b.end());
  }
  genesis = comm.broadcast(genesis);
  chain.validation().now = static_cast<std::int64_t>(std::time(nullptr));
  if (chain.accept(parse_block(std::vector<std::uint8_t>(genesis.begin(), genesis.end()))).status != AcceptStatus::new_tip) {
    throw std::runtime_error("the genesis from rank 0 was refused");
  }

  const auto delay = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(a.delay_ms));
  std::deque<Pending> pending;  // FIFO: one fixed delay keeps arrival order
  std::vector<std::string> found;
  std::uint64_t hashes = 0, known = 0, reorgs = 0, max_depth = 0, deliveries = 0, messages = 0, refused = 0;
  int done_from = 0;
  bool stopping = false;
  Search search;
  comm.barrier();
  const auto t0 = Clock::now();
  const double cpu0 = process_cpu_seconds();
  search.start(chain, request());

  const auto take = [&](const BlockPtr& block) {  // into this node's tree, checked in full
    chain.validation().now = static_cast<std::int64_t>(std::time(nullptr));
    const Hash256 old_tip = chain.tip_hash();
    const AcceptResult r = chain.accept(block);
    if (r.status == AcceptStatus::invalid) {
      ++refused;
      return;
    }
    ++known;
    if (r.status == AcceptStatus::new_tip) {
      if (r.reorg()) {
        ++reorgs;
        max_depth = std::max<std::uint64_t>(max_depth, r.disconnected);
      }
      if (!stopping && chain.tip_hash() != old_tip) {
        hashes += search.stop().hashes;
        search.start(chain, request());
      }
    }
  };

  for (;;) {
    bool busy = false;
    const auto now = Clock::now();
    while (!pending.empty() && (stopping || pending.front().due <= now)) {
      ++deliveries;
      take(parse_block(pending.front().bytes));
      pending.pop_front();
      busy = true;
    }
    if (auto m = comm.poll(cluster::Comm::kAny, cluster::Comm::kAny)) {
      if (m->tag == kLiveTagDone) {
        ++done_from;
      } else {
        pending.push_back({now + delay, std::move(m->bytes)});
      }
      busy = true;
    }
    if (!stopping && search.finished()) {
      const MineResult r = search.stop();
      hashes += r.hashes;
      if (r.block) {
        found.push_back(hex_of(r.block->hash()));
        const std::vector<std::uint8_t> bytes = r.block->serialize();
        for (int to = 0; to < size; ++to) {
          if (to != rank) comm.send(to, kLiveTagBlock, bytes);
        }
        messages += static_cast<std::uint64_t>(size - 1);
        take(r.block);
      }
      if (!search.running() && !stopping) search.start(chain, request());
      busy = true;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!stopping && (known >= c.blocks || (c.max_seconds > 0 && elapsed >= c.max_seconds))) {
      stopping = true;
      hashes += search.stop().hashes;
      for (int to = 0; to < size; ++to) {
        if (to != rank) comm.send(to, kLiveTagDone, {});
      }
    }
    if (stopping && done_from == size - 1 && pending.empty()) break;
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(kLivePollMs));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  nlohmann::json best = nlohmann::json::array();
  for (std::int64_t h = 1; h <= chain.height(); ++h) best.push_back(hex_of(chain.block_at(h)->hash()));
  const nlohmann::json mine = {{"found", found},       {"hashes", hashes},          {"reorgs", reorgs},
                               {"max_reorg_depth", max_depth}, {"best", best},    {"seconds", seconds},
                               {"cpu_seconds", process_cpu_seconds() - cpu0}, {"deliveries", deliveries},
                               {"messages", messages}, {"refused", refused}};
  const std::vector<std::string> all = comm.gather(mine.dump());
  if (rank != 0) return kExitOk;

  std::vector<nlohmann::json> nodes;
  for (const std::string& text : all) nodes.push_back(nlohmann::json::parse(text));
  // Agreement: the longest prefix every node's best chain shares with rank 0's.
  std::size_t common = best.size();
  bool agree = true;
  for (const nlohmann::json& n : nodes) {
    std::size_t k = 0;
    while (k < n["best"].size() && k < best.size() && n["best"][k] == best[k]) ++k;
    common = std::min(common, k);
    agree = agree && n["best"] == best;
  }
  const std::set<std::string> on_best(best.begin(), best.end());
  sim::RaceResult res;
  res.mode = sim::RaceMode::live;
  res.params = params;
  double total_hashes = 0, wall = 0;
  for (const nlohmann::json& n : nodes) {
    total_hashes += n["hashes"].get<double>();
    wall = std::max(wall, n["seconds"].get<double>());
  }
  std::vector<std::uint64_t> observed;
  std::vector<double> expected;
  for (int r = 0; r < size; ++r) {
    const nlohmann::json& n = nodes[static_cast<std::size_t>(r)];
    sim::MinerOutcome m;
    m.name = c.miners[static_cast<std::size_t>(r)].name;
    m.power = c.miners[static_cast<std::size_t>(r)].power;
    m.hashes = n["hashes"];
    m.hashrate = wall > 0 ? static_cast<double>(m.hashes) / wall : 0;
    // The share this node should win is its share of the hashes actually tried: every rank
    // hashes as fast as its cores let it, whatever --miners says.
    m.expected_share = total_hashes > 0 ? static_cast<double>(m.hashes) / total_hashes : 0;
    m.found = n["found"].size();
    for (const auto& h : n["found"]) m.blocks += on_best.count(h.get<std::string>());
    m.stale = m.found - m.blocks;
    m.reorgs = n["reorgs"];
    m.max_reorg_depth = n["max_reorg_depth"];
    res.found += m.found;
    res.events += n["deliveries"].get<std::uint64_t>();
    res.messages += n["messages"].get<std::uint64_t>();
    res.cpu_seconds += n["cpu_seconds"].get<double>();
    res.miners.push_back(m);
  }
  for (std::int64_t h = 1; h <= chain.height(); ++h) {
    for (const TxOut& out : chain.block_at(h)->txs()[0].outputs) {
      for (auto& m : res.miners) {
        if (m.name == out.owner) m.rewards += out.amount;
      }
    }
  }
  res.best_blocks = best.size();
  res.stale = res.found - res.best_blocks;
  res.stale_rate = res.found > 0 ? static_cast<double>(res.stale) / static_cast<double>(res.found) : 0;
  res.delay = a.delay_ms / 1000;
  res.path_delay = res.delay;
  res.formula_interval = res.found > 0 ? wall / static_cast<double>(res.found) : 0;
  const double dt = res.formula_interval > 0 ? res.delay / res.formula_interval : 0;
  res.stale_rate_simple = 1 - std::exp(-dt);
  for (auto& m : res.miners) {
    m.share = res.best_blocks > 0 ? static_cast<double>(m.blocks) / static_cast<double>(res.best_blocks) : 0;
    res.stale_rate_formula += m.expected_share * (1 - std::exp(-(1 - m.expected_share) * dt));
    observed.push_back(m.blocks);
    expected.push_back(m.expected_share);
  }
  res.stale_rate_paths = res.stale_rate_formula;
  res.path_origins = res.miners.size();
  res.mean_interval = res.best_blocks > 0 ? wall / static_cast<double>(res.best_blocks) : 0;
  res.expected_mean_interval = sim::expected_mean_interval(static_cast<double>(params.target_spacing), params.interval());
  res.seconds = wall;
  res.wall_seconds = wall;
  res.chi_square = sim::chi_square_test(observed, expected);
  res.nodes_agree = agree;
  res.topology = "mesh";
  res.latency = "fixed " + std::to_string(static_cast<long long>(a.delay_ms)) + " ms on top of MPI between " +
                std::to_string(size) + " ranks";
  res.notes.push_back("each node is an MPI rank with its own block tree; every block crossed MPI as bytes and was checked "
                      "in full (real proof of work) by every receiver");
  // Where they differ after that prefix, the branches hold equal work (a node keeps the branch
  // it saw first), so their lengths are printed too.
  std::string lengths;
  for (const nlohmann::json& n : nodes) lengths += " " + std::to_string(n["best"].size());
  res.notes.push_back("every node's best chain agrees with rank 0's on the first " + std::to_string(common) + " of " +
                      std::to_string(best.size()) + " blocks; best-chain lengths by rank:" + lengths);
  std::uint64_t refused_all = 0;
  for (const nlohmann::json& n : nodes) refused_all += n["refused"].get<std::uint64_t>();
  if (refused_all > 0) res.notes.push_back(std::to_string(refused_all) + " received blocks were refused by the receiver's checks");
  print(res);
  return kExitOk;
}

}  // namespace powlab::cli
