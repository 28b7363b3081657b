// Event mode of the mining race: statistics against the formulas, determinism, hop-by-hop
// relay, and the ledger's own reward totals.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "powlab/util/csv.h"
#include "powlab/util/error.h"
#include "powlab/sim/race.h"
#include "test_util.h"

namespace powlab::sim {
namespace {

// Mainnet-like timing (T = 600 s) so one-second header timestamps hardly matter.
RaceConfig event_config(std::vector<MinerSpec> miners, std::uint64_t blocks, double delay_ms, std::uint64_t seed) {
  RaceConfig c;
  c.mode = RaceMode::event;
  c.miners = std::move(miners);
  c.blocks = blocks;
  c.latency = make_latency("fixed", delay_ms);
  c.seed = seed;
  c.lab.spacing = 600;
  c.lab.retarget_interval = 2016;
  c.lab.halving_interval = 210000;
  c.lab.initial_bits = 0x1d00ffff;
  c.lab.pow_limit_bits = 0x1d00ffff;
  return c;
}

using test::slurp;

TEST(RaceEvent, ShareMatchesHashShareOver200kBlocks) {
  const auto miners = parse_miners("alice=5,bob=3,carol=1,dave=1");
  const RaceResult r = run_race(event_config(miners, 200000, 0, 20261126));
  ASSERT_EQ(r.found, 200000u);
  EXPECT_EQ(r.best_blocks, 200000u);  // zero delay: nothing goes stale
  std::vector<std::uint64_t> observed;
  for (const auto& m : r.miners) observed.push_back(m.blocks);
  EXPECT_EQ(r.chi_square.dof, 3);
  EXPECT_GT(r.chi_square.p_value, 0.001) << "chi-square " << r.chi_square.statistic;
  // The test has power: shares off by two points are rejected at this sample size.
  const std::vector<double> wrong{0.52, 0.28, 0.10, 0.10};
  EXPECT_LT(chi_square_test(observed, wrong).p_value, 0.001);
  for (const auto& m : r.miners) EXPECT_NEAR(m.share, m.expected_share, 0.005) << m.name;
}

TEST(RaceEvent, StaleRateAtOneThirtiethMatchesThePerMinerFormula) {
  // Ten equal miners, full mesh, d = 20 s, T = 600 s: d/T = 1/30.
  const RaceResult r = run_race(event_config(miners_from_distribution(10, "equal"), 60000, 20000, 7));
  ASSERT_GT(r.formula_interval, 0);
  const double d_over_t = r.delay / r.formula_interval;
  EXPECT_NEAR(d_over_t, 1.0 / 30, 0.1 / 30);  // the retarget kept T near 600 s
  const std::vector<double> shares(10, 0.1);
  const double formula = stale_rate_per_miner(shares, r.delay, r.formula_interval);
  EXPECT_DOUBLE_EQ(r.stale_rate_formula, formula);
  EXPECT_NEAR(r.stale_rate, formula, 0.10 * formula) << "stale " << r.stale << " of " << r.found;
  EXPECT_GT(r.stale, 1000u);  // enough stale blocks for the comparison to mean something
  EXPECT_LT(r.stale_rate, r.stale_rate_simple);  // 1-e^(-d/T) ignores that you never race yourself
  std::uint64_t stale_sum = 0;
  for (const auto& m : r.miners) stale_sum += m.stale;
  EXPECT_EQ(stale_sum, r.stale);
}

TEST(RaceEvent, StaleRateOverManyHopsMatchesThePathFormula) {
  // 100 equal miners on random:4 (blocks take several hops), d = 10 s, T = 600 s. The mesh
  // formula is off by the mean hop count; the per-miner formula with path delays is not.
  RaceConfig c = event_config(miners_from_distribution(100, "equal"), 60000, 10000, 5);
  c.topology = parse_topology("random:4");
  const RaceResult r = run_race(c);
  EXPECT_EQ(r.path_origins, 100u);
  EXPECT_GT(r.path_delay, 2 * r.delay);  // several hops on average
  EXPECT_GT(r.stale, 1000u);
  EXPECT_NEAR(r.stale_rate, r.stale_rate_paths, 0.10 * r.stale_rate_paths) << "stale " << r.stale << " of " << r.found;
  EXPECT_GT(r.stale_rate, 1.5 * r.stale_rate_formula);
  // On a mesh the two formulas are one.
  const RaceResult m = run_race(event_config(miners_from_distribution(10, "equal"), 100, 10000, 5));
  EXPECT_EQ(m.stale_rate_paths, m.stale_rate_formula);
  EXPECT_EQ(m.path_delay, m.delay);
}

TEST(RaceEvent, ZeroDelayGivesZeroStale) {
  for (const char* topology : {"mesh", "random:3"}) {
    RaceConfig c = event_config(miners_from_distribution(12, "zipf:1.2"), 20000, 0, 99);
    c.topology = parse_topology(topology);
    const RaceResult r = run_race(c);
    EXPECT_EQ(r.stale, 0u) << topology;
    EXPECT_EQ(r.best_blocks, 20000u) << topology;
    EXPECT_TRUE(r.nodes_agree) << topology;
    for (const auto& m : r.miners) EXPECT_EQ(m.reorgs, 0u) << topology << " " << m.name;
  }
}

class RaceEventLatency : public ::testing::TestWithParam<const char*> {};

// Per-message latencies (exp) and one-event-per-sender broadcasts (fixed) alike.
TEST_P(RaceEventLatency, SameSeedGivesAByteIdenticalEventLog) {
  test::TempDir dir;
  auto run_logged = [&](const std::string& file, std::uint64_t seed) {
    RaceConfig c = event_config(miners_from_distribution(10, "zipf:1"), 3000, 30000, seed);
    c.topology = parse_topology("random:3");
    c.latency = make_latency(GetParam(), 30000);
    EventLog log(dir.file(file));
    c.log = &log;
    const RaceResult r = run_race(c);
    log.close();
    return r;
  };
  const RaceResult a = run_logged("a.csv", 5);
  run_logged("b.csv", 5);
  run_logged("c.csv", 6);
  const std::string la = slurp(dir.file("a.csv")), lb = slurp(dir.file("b.csv")), lc = slurp(dir.file("c.csv"));
  EXPECT_EQ(la, lb);
  EXPECT_NE(la, lc);
  const CsvTable t = parse_csv(la);
  std::map<std::string, std::uint64_t> kinds;
  for (const auto& row : t.rows) ++kinds[row[t.column("kind")]];
  EXPECT_EQ(kinds["found"], a.found);
  EXPECT_EQ(kinds["received"], a.found * 9);  // every block reaches the nine other nodes once
  EXPECT_GT(kinds["reorg"], 0u);              // 30 s delays at T = 600 s make forks
  EXPECT_EQ(kinds.size(), 3u);
}
INSTANTIATE_TEST_SUITE_P(Latency, RaceEventLatency, ::testing::Values("exp", "fixed"));

TEST(RaceEvent, BlocksTravelHopByHop) {
  // Fixed 1 s links over a sparse random graph: a block reaches each node exactly
  // hops(finder, node) seconds after it was found.
  RaceConfig c = event_config(miners_from_distribution(30, "equal"), 300, 1000, 11);
  c.topology = parse_topology("random:2");
  test::TempDir dir;
  EventLog log(dir.file("e.csv"));
  c.log = &log;
  run_race(c);
  log.close();
  const Topology topo = race_topology(c);
  ASSERT_TRUE(topo.unreachable().empty());
  const CsvTable t = parse_csv(slurp(dir.file("e.csv")));
  const std::size_t col_time = t.column("time"), col_node = t.column("node"), col_kind = t.column("kind"),
                    col_hash = t.column("hash");
  auto index_of = [](const std::string& name) { return static_cast<std::uint32_t>(std::stoul(name.substr(1)) - 1); };
  std::map<std::string, std::pair<double, std::uint32_t>> found;  // hash -> (time, finder)
  std::uint32_t max_hops = 0;
  std::size_t checked = 0;
  for (const auto& row : t.rows) {
    const double time = std::stod(row[col_time]);
    if (row[col_kind] == "found") found[row[col_hash]] = {time, index_of(row[col_node])};
    if (row[col_kind] != "received") continue;
    const auto& [t0, finder] = found.at(row[col_hash]);
    const std::uint32_t hops = topo.hops_from(finder)[index_of(row[col_node])];
    max_hops = std::max(max_hops, hops);
    EXPECT_NEAR(time - t0, hops * 1.0, 1e-6);
    ++checked;
  }
  EXPECT_EQ(checked, 300u * 29);
  EXPECT_GE(max_hops, 3u);  // a real multi-hop network, not a star
}

TEST(RaceEvent, RewardsAgreeWithTheLedgersOwnTotals) {
  RaceConfig c = event_config(parse_miners("alice=2,bob=1,carol=1"), 3000, 60000, 3);
  c.lab.halving_interval = 1000;  // rewards halve during the race
  const RaceRun run = run_race_keep_chains(c);
  ASSERT_EQ(run.chains.size(), 3u);
  EXPECT_TRUE(run.result.pow_skipped);  // said, not hidden
  Amount total = 0;
  for (const auto& m : run.result.miners) {
    const auto& totals = run.chains[0].rewards();
    auto it = totals.find(m.name);
    ASSERT_NE(it, totals.end()) << m.name;
    EXPECT_EQ(m.rewards, it->second.subsidy + it->second.fees) << m.name;
    EXPECT_EQ(m.blocks, it->second.blocks) << m.name;
    EXPECT_EQ(run.chains[0].balance(m.name), m.rewards) << m.name;
    total += m.rewards;
  }
  Amount expected = 0;
  for (std::int64_t h = 1; h <= run.chains[0].height(); ++h) expected += block_subsidy(h, run.result.params);
  EXPECT_EQ(total, expected);
  // Stale blocks stay in every node's tree as side branches.
  EXPECT_GT(run.result.stale, 0u);
  for (const ChainState& chain : run.chains) {
    EXPECT_EQ(chain.block_count(), run.result.found + 1);
    EXPECT_EQ(chain.side_block_count(), run.result.stale);
  }
}

TEST(RaceEvent, EveryNodesViewMatchesTheLedgersOwnForkChoice) {
  // Short races with the mean delay at half the interval, on a sparse random graph with
  // exponential latency: forks, reorgs, orphans (a child overtaking its parent on another
  // path) and, often, an equal-work split at the end. A node in the race is only a tip into
  // the shared tree; its tip must be the one the ledger's own ChainState picks when fed that
  // node's blocks in the order the node took them.
  std::uint64_t reorgs = 0, orphans = 0, splits = 0, races = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    RaceConfig c = event_config(miners_from_distribution(12, "equal"), 40, 300000, seed);
    c.topology = parse_topology("random:4");
    c.latency = make_latency("exp", 300000);
    if (!race_topology(c).unreachable().empty()) continue;
    const RaceRun run = run_race_keep_chains(c);
    ++races;
    ASSERT_EQ(run.chains.size(), 12u);
    ASSERT_EQ(run.tips.size(), 12u);
    for (std::size_t u = 0; u < run.chains.size(); ++u) {
      EXPECT_EQ(run.chains[u].tip_hash(), run.tips[u]) << "seed " << seed << " node " << u;
      EXPECT_EQ(run.chains[u].block_count(), run.result.found + 1) << "seed " << seed << " node " << u;
    }
    for (const auto& m : run.result.miners) reorgs += m.reorgs;
    orphans += run.result.orphans;
    if (!run.result.nodes_agree) ++splits;
  }
  EXPECT_GE(races, 20u);
  EXPECT_GT(reorgs, 0u);
  EXPECT_GT(orphans, 0u);
  EXPECT_GT(splits, 0u);
}

TEST(RaceEvent, RetargetHoldsTheIntervalWhenHashRateChanges) {
  // The hash rate is four times what the initial nBits expects: the first period is fast,
  // then the lab retarget brings blocks back to T (Bitcoin's off-by-one makes it T*n/(n-1)).
  RaceConfig c = event_config(miners_from_distribution(3, "equal"), 4000, 0, 8);
  c.lab.retarget_interval = 100;
  c.total_hashrate = 4.0 * 4295032833.0 / 600;  // 4 x work(0x1d00ffff) / T
  const RaceResult r = run_race(c);
  ASSERT_GE(r.difficulty.size(), 3u);
  EXPECT_NEAR(r.difficulty[0].difficulty, 1.0, 1e-9);
  EXPECT_NEAR(r.difficulty.back().difficulty, 4.0, 0.6);
  EXPECT_LT(r.difficulty[1].time, 0.5 * 600 * 100);  // the first period ran fast
  const double late = (r.difficulty.back().time - r.difficulty[r.difficulty.size() - 11].time) / 1000.0;
  EXPECT_NEAR(late, 600.0 * 100 / 99, 0.08 * 600);
}

TEST(RaceEvent, RefusesADisconnectedTopology) {
  RaceConfig c = event_config(miners_from_distribution(40, "equal"), 10, 0, 1);
  c.topology = parse_topology("random:1");
  ASSERT_FALSE(race_topology(c).unreachable().empty());
  try {
    run_race(c);
    FAIL() << "a disconnected topology was accepted";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("disconnected"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace powlab::sim
