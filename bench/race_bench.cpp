// Event-mode race throughput: blocks per CPU-second on real Block objects and the ledger's
// block tree, per node count and topology; plus the parts (event queue, the shared tree's
// cost per block, one ChainState's accept).
//   race_bench --benchmark_filter=Race
// Counters: blocks/s (found blocks per second of the process's CPU time), accepts/s (node-block
// acceptances), and for the big network the process's peak resident memory.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstring>

#include "powlab/ledger/chain.h"
#include "powlab/sim/event_queue.h"
#include "powlab/sim/race.h"
#include "powlab/sim/rng.h"

namespace {

using namespace powlab;
using namespace powlab::sim;

// Bitcoin's interval, retarget, halving and difficulty-1 nBits.
LabOptions mainnet_timing() {
  LabOptions lab;
  lab.spacing = 600;
  lab.retarget_interval = 2016;
  lab.halving_interval = 210000;
  lab.initial_bits = 0x1d00ffff;
  lab.pow_limit_bits = 0x1d00ffff;
  return lab;
}

RaceConfig bench_config(std::uint32_t nodes, std::uint64_t blocks, const char* topology, double delay_ms) {
  RaceConfig c;
  c.mode = RaceMode::event;
  c.miners = miners_from_distribution(nodes, "equal");
  c.blocks = blocks;
  c.topology = parse_topology(topology);
  c.latency = make_latency("fixed", delay_ms);
  c.lab = mainnet_timing();
  return c;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

// args: nodes, blocks, random degree (0 = mesh). Delay 2 s at T = 600 s: some forks.
void BM_RaceEvent(benchmark::State& state) {
  const auto nodes = static_cast<std::uint32_t>(state.range(0));
  const auto blocks = static_cast<std::uint64_t>(state.range(1));
  const std::string topology = state.range(2) == 0 ? "mesh" : "random:" + std::to_string(state.range(2));
  RaceConfig c = bench_config(nodes, blocks, topology.c_str(), 2000);
  std::uint64_t found = 0, stale = 0, messages = 0;
  for (auto _ : state) {
    const RaceResult r = run_race(c);
    found += r.found;
    stale += r.stale;
    messages += r.messages;
    ++c.seed;
  }
  state.counters["blocks/s"] = benchmark::Counter(static_cast<double>(found), benchmark::Counter::kIsRate);
  state.counters["accepts/s"] =
      benchmark::Counter(static_cast<double>(found) * nodes, benchmark::Counter::kIsRate);
  state.counters["stale%"] = found ? 100.0 * static_cast<double>(stale) / static_cast<double>(found) : 0.0;
  state.counters["msgs/block"] = found ? static_cast<double>(messages) / static_cast<double>(found) : 0.0;
  state.counters["peak_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_RaceEvent)
    ->ArgNames({"nodes", "blocks", "random_k"})
    ->Args({10, 1000000, 0})   // target: >= 1M blocks per CPU-second
    ->Args({100, 200000, 0})   // target: >= 100k
    ->Args({100, 200000, 8})
    ->Args({1000, 50000, 8})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->Iterations(1);

// 10,000 nodes (random:8): memory is the question. Run alone for a clean peak:
//   race_bench --benchmark_filter=BM_RaceEvent10kNodes
void BM_RaceEvent10kNodes(benchmark::State& state) {
  RaceConfig c = bench_config(10000, static_cast<std::uint64_t>(state.range(0)), "random:8", 2000);
  std::uint64_t found = 0;
  for (auto _ : state) found += run_race(c).found;
  state.counters["blocks/s"] = benchmark::Counter(static_cast<double>(found), benchmark::Counter::kIsRate);
  state.counters["peak_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_RaceEvent10kNodes)->Arg(20000)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Iterations(1);

// The event queue alone: a steady heap of `range(0)` pending events, one pop and one push each.
void BM_EventQueue(benchmark::State& state) {
  struct Ev {
    std::uint32_t a, b;
    std::uint8_t k;
  };
  EventQueue<Ev> q;
  Rng rng(1);
  double now = 0;
  for (std::int64_t i = 0; i < state.range(0); ++i) q.push(rng.exponential(1.0), Ev{0, 0, 0});
  for (auto _ : state) {
    const auto e = q.pop();
    now = e.time;
    q.push(now + rng.exponential(1.0), e.payload);
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventQueue)->Arg(16)->Arg(1024)->Arg(100000);

// One node's ChainState accepting a chain of simulated-proof blocks (the ledger's part of
// every delivery): the floor under the race's cost per node per block.
void BM_ChainAcceptExtension(benchmark::State& state) {
  const ConsensusParams params = lab_network(mainnet_timing());
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  // Build the blocks once, on a builder chain.
  ChainOptions opts;
  opts.validation.accept_simulated_proof = true;
  opts.rewards_only = true;
  std::vector<BlockPtr> blocks;
  {
    ChainState builder(params, opts);
    for (std::size_t i = 0; i <= n; ++i) {
      BlockTemplate t;
      if (i > 0) t = builder.next_template(1'700'000'000 + static_cast<std::int64_t>(i) * 600);
      if (i == 0) {
        t.bits = params.initial_bits;
        t.time = 1'700'000'000;
        t.subsidy = block_subsidy(0, params);
      }
      BlockDraft d = make_block_draft(t, "m", {}, 0, 0);
      Hash256 id{};
      const std::uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull;
      std::memcpy(id.data(), &x, 8);
      std::memcpy(id.data() + 8, &i, sizeof i);
      blocks.push_back(Block::make_simulated(d.header, std::move(d.txs), id));
      builder.accept(blocks.back());
    }
  }
  std::uint64_t accepted = 0;
  for (auto _ : state) {
    ChainState node(params, opts);
    for (const BlockPtr& b : blocks) node.accept(b);
    accepted += blocks.size();
  }
  state.counters["accepts/s"] = benchmark::Counter(static_cast<double>(accepted), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChainAcceptExtension)->Arg(100000)->Unit(benchmark::kMillisecond);

// The shared tree's part of every block in the race: build a real simulated-proof block on
// the tip (coinbase, txid, Merkle root), check it against every rule but PoW, insert it, and
// prune its body. The floor under the race's cost per block.
void BM_TreeBuildAndAdd(benchmark::State& state) {
  const ConsensusParams params = lab_network(mainnet_timing());
  const auto n = static_cast<std::uint32_t>(state.range(0));
  TreeOptions opts;
  opts.validation.accept_simulated_proof = true;
  std::uint64_t added = 0;
  for (auto _ : state) {
    BlockTree tree(params, opts);
    tree.reserve(n + 1);
    std::uint32_t tip = BlockTree::npos;
    for (std::uint32_t i = 0; i <= n; ++i) {
      Hash256 id{};
      const std::uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull;
      std::memcpy(id.data(), &x, 8);
      std::memcpy(id.data() + 8, &i, sizeof i);
      tree.prefetch(id);
      const BlockTemplate t = tree.template_on(tip, 1'700'000'000 + static_cast<std::int64_t>(i) * 600);
      std::vector<Transaction> txs;
      txs.push_back(make_coinbase(t.height, "m", t.subsidy, 0));
      const BlockPtr block = Block::make_simulated_committed(template_header(t), std::move(txs), id);
      const AcceptResult a = tree.add(block, &tip, tip);
      if (a.status != AcceptStatus::side_branch) state.SkipWithError("block refused");
      tree.prune_body(tip);
    }
    added += n + 1;
  }
  state.counters["blocks/s"] = benchmark::Counter(static_cast<double>(added), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TreeBuildAndAdd)->Arg(1000000)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
