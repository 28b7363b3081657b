// The attacks of issue 11 (core/sim/attack.h): the closed forms against the published values,
// and the simulation against the closed forms and against its own ledger. The ledger tests
// would fail if a trial's verdict were computed instead of read from the chain state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "powlab/consensus/pow.h"
#include "powlab/sim/attack.h"
#include "powlab/sim/event_log.h"
#include "powlab/util/error.h"
#include "test_util.h"

namespace powlab {
namespace {

using sim::AttackConfig;
using sim::AttackSim;

// Nakamoto 2008 section 11's table (its values to 7 decimals) and the exact model's values
// from issue 11 (Rosenfeld 2014 with the pre-mined block; without it).
TEST(AttackClosedForms, DoubleSpendValues) {
  EXPECT_NEAR(static_cast<double>(sim::nakamoto_probability(0.1, 5)), 0.0009137, 5e-8);
  EXPECT_NEAR(static_cast<double>(sim::nakamoto_probability(0.3, 5)), 0.1773523, 5e-8);
  EXPECT_NEAR(static_cast<double>(sim::double_spend_exact(0.1, 5, 1)), 0.0017818, 5e-8);
  EXPECT_NEAR(static_cast<double>(sim::double_spend_exact(0.3, 5, 1)), 0.1976173, 5e-8);
  EXPECT_NEAR(static_cast<double>(sim::double_spend_exact(0.1, 5, 0)), 0.0003286, 5e-8);
  EXPECT_NEAR(static_cast<double>(sim::double_spend_exact(0.3, 5, 0)), 0.1117497, 5e-8);
  // z = 1 by hand. With the premine: m = 0 (prob. p) leaves it level, to win (q/p)^1; m >= 1
  // puts it ahead: P = p q/p + (1 - p) = 2q. Without: m = 0 leaves it 1 behind, (q/p)^2; m = 1
  // (prob. p q) level, q/p; m >= 2 ahead: P = q^2/p + q^2 + (1 - p - p q) = q^2/p + 2 q^2.
  EXPECT_NEAR(static_cast<double>(sim::double_spend_exact(0.1, 1, 1)), 0.2, 1e-15);
  EXPECT_NEAR(static_cast<double>(sim::double_spend_exact(0.1, 1, 0)), 0.01 / 0.9 + 0.02, 1e-15);
  EXPECT_EQ(sim::double_spend_exact(0.5, 10, 1), 1.0L);
  EXPECT_EQ(sim::nakamoto_probability(0.6, 10), 1.0L);
}

// Grunspan and Perez-Marco's form of the premine-1 model, P = I_{4pq}(z, 1/2), evaluated here
// by Simpson's rule (t = 1 - u^2 takes away the (1-t)^(-1/2) singularity): an independent
// route to the same number.
double incomplete_beta_half(double x, int z) {
  // I_x(z, 1/2) = (1/B(z, 1/2)) int_0^x t^(z-1) (1-t)^(-1/2) dt
  //            = (2/B) int_{sqrt(1-x)}^1 (1-u^2)^(z-1) du.
  const double beta = std::tgamma(z) * std::tgamma(0.5) / std::tgamma(z + 0.5);
  const double lo = std::sqrt(1 - x);
  const int n = 20000;
  const double h = (1 - lo) / n;
  auto f = [z](double u) { return std::pow(1 - u * u, z - 1); };
  double s = f(lo) + f(1);
  for (int i = 1; i < n; ++i) s += f(lo + i * h) * (i % 2 ? 4 : 2);
  return 2 / beta * s * h / 3;
}

TEST(AttackClosedForms, ExactIsGrunspanPerezMarco) {
  for (const double q : {0.05, 0.1, 0.25, 0.4, 0.45}) {
    for (const int z : {1, 2, 5, 10, 30}) {
      EXPECT_NEAR(static_cast<double>(sim::double_spend_exact(q, z, 1)), incomplete_beta_half(4 * q * (1 - q), z),
                  1e-9)
          << "q " << q << " z " << z;
    }
  }
}

// The whitepaper's "P < 0.001" table, and the exact model's (issue 11): all 16 values.
TEST(AttackClosedForms, RiskTable) {
  const double qs[] = {0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45};
  const std::int64_t nakamoto[] = {5, 8, 11, 15, 24, 41, 89, 340};
  const std::int64_t exact[] = {6, 9, 13, 20, 32, 58, 133, 539};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(sim::min_z_nakamoto(qs[i], 0.001L, 10000), nakamoto[i]) << "q = " << qs[i];
    EXPECT_EQ(sim::min_z_exact(qs[i], 0.001L, 1, 10000), exact[i]) << "q = " << qs[i];
  }
  EXPECT_EQ(sim::min_z_exact(0.45, 0.001L, 1, 100), std::nullopt);
}

TEST(AttackClosedForms, Majority) {
  EXPECT_NEAR(static_cast<double>(sim::majority_analytic(0.4, 2)), 0.2963, 5e-5);
  EXPECT_EQ(sim::majority_analytic(0.6, 2), 1.0L);
  EXPECT_NEAR(*sim::majority_mean_blocks_analytic(0.6, 6), 35.0, 1e-9);
  EXPECT_EQ(sim::majority_mean_blocks_analytic(0.4, 6), std::nullopt);
}

TEST(AttackClosedForms, WilsonInterval) {
  // 0 of 10: [0, z^2/(n + z^2)] = [0, 0.2775].
  const sim::Interval none = sim::wilson_ci95(0, 10);
  EXPECT_EQ(none.low, 0);
  EXPECT_NEAR(none.high, 0.27753, 1e-5);
  const sim::Interval half = sim::wilson_ci95(50, 100);
  EXPECT_NEAR(half.low, 0.40383, 1e-5);
  EXPECT_NEAR(half.high, 0.59617, 1e-5);
}

// The cut-off moves the expected successes by under 0.01 trials; none above q = 1/2.
TEST(AttackClosedForms, CutoffBound) {
  for (const double q : {0.05, 0.1, 0.3, 0.45}) {
    const sim::Cutoff c = sim::choose_cutoff(q, 10000);
    EXPECT_GT(c.deficit, 0);
    EXPECT_LE(c.bias_bound, 0.01 / 10000) << q;
    EXPECT_NEAR(c.bias_bound, std::pow(q / (1 - q), c.deficit + 2), 1e-18);
  }
  EXPECT_EQ(sim::choose_cutoff(0.6, 10000).deficit, 0);
}

// The simulated probability lands within its 95 % interval of the closed form, on fixed seeds.
void expect_matches_exact(double q, std::int64_t z, int premine, std::uint64_t seed) {
  AttackConfig c;
  c.q = q;
  c.confirmations = z;
  c.attacker_head_start = premine;
  c.trials = 20000;
  c.seed = seed;
  AttackSim s(c);
  const sim::AttackResult r = s.run();
  const sim::Interval ci = sim::wilson_ci95(r.successes, r.trials);
  const double exact = static_cast<double>(sim::double_spend_exact(q, z, premine));
  EXPECT_LE(ci.low, exact) << "q " << q << " z " << z << " premine " << premine << ": " << r.successes;
  EXPECT_GE(ci.high, exact) << "q " << q << " z " << z << " premine " << premine << ": " << r.successes;
  // Every success is the ledger's reorg to the attacker's branch, and nothing else reorged.
  EXPECT_EQ(r.reorgs, r.successes);
  EXPECT_TRUE(r.pow_skipped);
}

TEST(AttackSimulation, DoubleSpendMatchesExact) {
  expect_matches_exact(0.1, 5, 1, 1);
  expect_matches_exact(0.3, 5, 1, 2);
  expect_matches_exact(0.1, 5, 0, 3);
  expect_matches_exact(0.3, 5, 0, 4);
  expect_matches_exact(0.25, 2, 1, 5);
}

// The verdict is the ledger's: after a successful trial the merchant's output is gone from the
// node's UTXO set, the conflicting spend's is there, the payment's block is a stale side
// branch and the attacker's branch is the best chain; after a failed one the reverse.
TEST(AttackSimulation, LedgerShowsTheOutcome) {
  AttackConfig c;
  c.q = 0.3;
  c.confirmations = 3;
  c.attacker_head_start = 1;
  c.trials = 1;
  c.seed = 7;
  AttackSim s(c);
  int successes = 0;
  int failures = 0;
  for (int i = 0; i < 200 && (successes < 3 || failures < 3); ++i) {
    const sim::AttackTrial t = s.run_trial();
    const ChainState& ledger = s.last_ledger();
    const bool paid = ledger.find_coin(s.payment_output()) != nullptr;
    const bool conflict = ledger.find_coin(s.conflict_output()) != nullptr;
    ASSERT_NE(paid, conflict) << "exactly one of the two spends of the coin is on the best chain";
    EXPECT_TRUE(ledger.contains(s.payment_block()->hash())) << "the honest block stays in the tree";
    if (t.success) {
      ++successes;
      EXPECT_TRUE(t.published);
      EXPECT_FALSE(paid);
      EXPECT_FALSE(ledger.on_best_chain(s.payment_block()->hash()));
      EXPECT_TRUE(ledger.on_best_chain(s.conflict_block()->hash()));
      EXPECT_EQ(t.reorgs, 1u);
      // The reorg disconnected the whole honest branch, and the attacker's chain is longer.
      EXPECT_EQ(t.reorg_depth, static_cast<std::uint32_t>(t.honest_blocks));
      EXPECT_GT(t.attacker_blocks, t.honest_blocks);
      EXPECT_GE(t.honest_blocks, c.confirmations) << "the merchant shipped before the attack";
      EXPECT_EQ(ledger.height(), t.attacker_blocks);
    } else {
      ++failures;
      EXPECT_TRUE(paid);
      EXPECT_TRUE(ledger.on_best_chain(s.payment_block()->hash()));
      EXPECT_FALSE(ledger.contains(s.conflict_block()->hash())) << "a failed attacker never published";
      EXPECT_EQ(t.reorgs, 0u);
      EXPECT_TRUE(t.cut_off);
    }
  }
  EXPECT_GE(successes, 3);
  EXPECT_GE(failures, 3);
}

// The same config with another seed draws other blocks: another count (a formula would not move).
TEST(AttackSimulation, SeedChangesSuccesses) {
  AttackConfig c;
  c.q = 0.3;
  c.confirmations = 5;
  c.attacker_head_start = 1;
  c.trials = 5000;
  c.seed = 1;
  const std::uint64_t a = AttackSim(c).run().successes;
  c.seed = 2;
  const std::uint64_t b = AttackSim(c).run().successes;
  c.seed = 1;
  const std::uint64_t again = AttackSim(c).run().successes;
  EXPECT_NE(a, b);
  EXPECT_EQ(a, again) << "a seed gives the same run";
}

TEST(AttackSimulation, MajorityRewrite) {
  AttackConfig c;
  c.q = 0.4;
  c.honest_head_start = 2;
  c.confirmations = 2;
  c.trials = 20000;
  c.seed = 11;
  const sim::AttackResult r = AttackSim(c).run();
  const sim::Interval ci = sim::wilson_ci95(r.successes, r.trials);
  const double analytic = static_cast<double>(sim::majority_analytic(0.4, 2));
  EXPECT_LE(ci.low, analytic);
  EXPECT_GE(ci.high, analytic);
  EXPECT_EQ(r.reorgs, r.successes);

  // alpha = 0.6, K = 6: always wins, after 35 blocks on average (sd of the mean ~0.3 here).
  c.q = 0.6;
  c.honest_head_start = 6;
  c.confirmations = 6;
  c.trials = 10000;
  const sim::AttackResult m = AttackSim(c).run();
  EXPECT_EQ(m.successes, m.trials);
  EXPECT_EQ(m.reorgs, m.trials);
  EXPECT_EQ(m.cut_off, 0u);
  EXPECT_NEAR(static_cast<double>(m.blocks_in_successes) / static_cast<double>(m.successes), 35.0, 1.2);
}

// A trial starting further behind than the cut-off is given up at once, and counted so.
TEST(AttackSimulation, CutoffCounted) {
  AttackConfig c;
  c.q = 0.2;
  c.honest_head_start = 10;
  c.confirmations = 10;
  c.trials = 100;
  c.cutoff_deficit = 5;
  const sim::AttackResult r = AttackSim(c).run();
  EXPECT_EQ(r.cut_off, 100u);
  EXPECT_EQ(r.successes, 0u);
  EXPECT_NEAR(r.cutoff.bias_bound, std::pow(0.25, 7), 1e-15);
}

TEST(AttackSimulation, RefusesBadConfig) {
  AttackConfig c;
  c.q = 1.0;
  EXPECT_THROW(AttackSim{c}, std::invalid_argument);
  c.q = 0.1;
  c.confirmations = 0;
  EXPECT_THROW(AttackSim{c}, std::invalid_argument);
}

// ---- selfish mining (issue 11, part 2) ----

// Eyal and Sirer 2014, equation 8, at the values issue 11 lists (given to 4 decimals), and the
// threshold (1-g)/(3-2g): at a = 1/3, g = 0 the pool earns exactly its share.
TEST(SelfishClosedForms, PublishedValues) {
  EXPECT_NEAR(sim::eyal_sirer_revenue(0.30, 0.0), 0.2731, 5e-5);
  EXPECT_NEAR(sim::eyal_sirer_revenue(0.30, 0.5), 0.3269, 5e-5);
  EXPECT_NEAR(sim::eyal_sirer_revenue(0.40, 1.0), 0.5674, 5e-5);
  EXPECT_NEAR(sim::eyal_sirer_revenue(0.45, 0.5), 0.6806, 5e-5);
  EXPECT_NEAR(sim::eyal_sirer_revenue(1.0 / 3, 0.0), 1.0 / 3, 1e-12);
  EXPECT_NEAR(sim::selfish_threshold(0.0), 1.0 / 3, 1e-15);
  EXPECT_NEAR(sim::selfish_threshold(0.5), 0.25, 1e-15);
  EXPECT_EQ(sim::selfish_threshold(1.0), 0.0);
}

sim::RaceResult selfish_race(double alpha, double gamma, std::uint64_t blocks, std::uint64_t seed = 1) {
  return sim::run_race(sim::selfish_race_config(alpha, gamma, blocks, seed));
}

// The pool's share, read from the final best chain, at the 200,000 blocks: one case
// (0.12 s of CPU in Release), within the issue's +-0.01. Over 16 seeds this case's share has a
// standard deviation of 0.0045 at 200,000 blocks (mean 0.6794), the largest of the four
// published cases: +-0.01 is the bound, about 2.2 standard deviations.
TEST(SelfishRace, MatchesEyalSirerAt200kBlocks) {
  const sim::RaceResult r = selfish_race(0.45, 0.5, 200'000);
  ASSERT_TRUE(r.selfish.present);
  EXPECT_EQ(r.found, 200'000u);
  EXPECT_NEAR(r.miners[1].share, 0.6806, 0.01);
}

// The other published values at 40,000 blocks (a fifth of the cost). Each tolerance is four
// standard deviations of the share, measured over 20 seeds at 40,000 blocks: 0.0038 at
// (0.30, 0), 0.0034 at (0.30, 0.5), 0.0065 at (0.40, 1) (long secret leads make the share of a
// larger pool noisier). The sample mean of those 20 seeds was within 0.003 of each value.
TEST(SelfishRace, MatchesEyalSirer) {
  const struct {
    double alpha, gamma, published, tolerance;
  } cases[] = {{0.30, 0.0, 0.2731, 0.016}, {0.30, 0.5, 0.3269, 0.014}, {0.40, 1.0, 0.5674, 0.026}};
  for (const auto& c : cases) {
    const sim::RaceResult r = selfish_race(c.alpha, c.gamma, 40'000, 7);
    EXPECT_NEAR(r.miners[1].share, c.published, c.tolerance) << c.alpha << " " << c.gamma;
  }
}

// At the threshold the pool earns its share; below it, less than honest mining would.
// Tolerances: four standard deviations over 20 seeds at 40,000 blocks (0.0051 at 1/3, 0.0037
// at 0.25).
TEST(SelfishRace, ThresholdAndBelow) {
  const sim::RaceResult third = selfish_race(1.0 / 3, 0.0, 40'000, 3);
  EXPECT_NEAR(third.miners[1].share, 1.0 / 3, 0.021);
  // a = 0.25 with g = 0 (threshold 1/3): equation 8 gives 0.2000, well under 0.25.
  const sim::RaceResult below = selfish_race(0.25, 0.0, 40'000, 3);
  EXPECT_LT(below.miners[1].share, 0.25 - 0.02);
  EXPECT_NEAR(below.miners[1].share, sim::eyal_sirer_revenue(0.25, 0.0), 0.015);
  EXPECT_GT(below.stale, 0u);  // what it lost are blocks: found, not on the best chain
}

// Gamma is what the honest miners do in a revealed tie, read from the blocks: none of the pool's
// ties go its way at 0, every one at 1, about half at 0.5.
TEST(SelfishRace, GammaDecidesTies) {
  const sim::RaceResult g0 = selfish_race(0.35, 0.0, 20'000, 5);
  EXPECT_GT(g0.selfish.ties, 500u);
  EXPECT_EQ(g0.selfish.ties_to_pool, 0u);
  const sim::RaceResult g1 = selfish_race(0.35, 1.0, 20'000, 5);
  EXPECT_GT(g1.selfish.ties, 500u);
  EXPECT_EQ(g1.selfish.ties_to_pool, g1.selfish.ties);
  const sim::RaceResult half = selfish_race(0.35, 0.5, 20'000, 5);
  EXPECT_NEAR(half.selfish.gamma_measured, 0.5, 0.06);  // ~1,500 ties: 4.6 binomial standard errors
}

struct LogRow {
  std::string node, kind, hash, parent;
  std::int64_t height = 0;
  double time = 0;
};

std::vector<LogRow> read_log(const std::string& path) {
  std::ifstream in(path);
  std::vector<LogRow> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string time, height, depth;
    LogRow r;
    std::getline(f, time, ',');
    std::getline(f, r.node, ',');
    std::getline(f, r.kind, ',');
    std::getline(f, height, ',');
    std::getline(f, r.hash, ',');
    std::getline(f, r.parent, ',');
    r.time = std::stod(time);
    r.height = std::stoll(height);
    rows.push_back(r);
  }
  return rows;
}

// A small selfish race's event log holds what the pool did: every block it found is a
// `withheld` row (or `found`, when it won a tie at once), every publication a `revealed` row of
// a block it withheld, and the honest node's reorgs land on revealed blocks (the overrides).
// The pool's revenue, walked from the final tip through the log's own parent links, equals
// what the summary read from the chain; and every node's view, replayed into a ChainState of
// its own, ends on the same tip. A formula could produce none of this.
TEST(SelfishRace, EventLogHoldsWithheldRevealedAndTheirReorgs) {
  test::TempDir dir;
  const std::string path = dir.file("events.csv");
  sim::RaceConfig c = sim::selfish_race_config(0.4, 0.5, 3000, 11);
  sim::EventLog log(path);
  c.log = &log;
  const sim::RaceRun run = sim::run_race_keep_chains(c);
  log.close();
  const sim::RaceResult& r = run.result;
  const std::vector<LogRow> rows = read_log(path);

  std::map<std::string, const LogRow*> block;  // hash -> the row that made it
  std::map<std::string, std::string> first_kind;
  std::size_t withheld = 0, revealed = 0, pool_found = 0, reorgs_onto_revealed = 0;
  std::map<std::string, double> revealed_at;
  for (const LogRow& row : rows) {
    if (row.kind == "withheld" || row.kind == "found") block.emplace(row.hash, &row);
    if (row.kind == "withheld") {
      EXPECT_EQ(row.node, "pool");
      ++withheld;
    }
    if (row.kind == "found" && row.node == "pool") ++pool_found;
    if (row.kind == "revealed") {
      ++revealed;
      ASSERT_TRUE(block.count(row.hash)) << "revealed before found: " << row.hash;
      EXPECT_EQ(block[row.hash]->kind, "withheld");
      revealed_at[row.hash] = row.time;
    }
    if (row.kind == "received" && row.node == "honest" && block.count(row.hash)) {
      // The honest node never hears of a pool block before the pool reveals it.
      if (block[row.hash]->node == "pool" && block[row.hash]->kind == "withheld") {
        EXPECT_TRUE(revealed_at.count(row.hash)) << row.hash;
      }
    }
    if (row.kind == "reorg" && row.node == "honest" && revealed_at.count(row.hash) && revealed_at[row.hash] == row.time) {
      ++reorgs_onto_revealed;
    }
  }
  EXPECT_EQ(withheld, r.selfish.withheld);
  EXPECT_EQ(revealed, r.selfish.revealed);
  EXPECT_EQ(pool_found, r.selfish.published_at_once);
  EXPECT_EQ(withheld + pool_found, r.miners[1].found);
  EXPECT_EQ(r.selfish.withheld, r.selfish.revealed + r.selfish.abandoned);
  EXPECT_GT(withheld, 500u);
  // Without latency the pool never gives up a secret block: Eyal and Sirer's machine loses
  // only blocks it revealed (in ties), which are the pool's stale blocks here.
  EXPECT_EQ(r.selfish.abandoned, 0u);
  EXPECT_GT(reorgs_onto_revealed, 20u);
  // The honest node's other reorgs: onto the pool's block that won a tie at once, and onto its
  // own block on the pool's side of a tie (gamma).
  EXPECT_EQ(reorgs_onto_revealed + r.selfish.published_at_once + r.selfish.ties_to_pool, r.miners[0].reorgs);

  // The pool's revenue, from the log's parent links.
  ASSERT_TRUE(r.nodes_agree);
  std::string at = hash_to_display(run.tips[0]);
  std::uint64_t chain = 0, pool_blocks = 0;
  while (block.count(at)) {
    ++chain;
    if (block[at]->node == "pool") ++pool_blocks;
    at = block[at]->parent;
  }
  EXPECT_EQ(chain, r.best_blocks);
  EXPECT_EQ(pool_blocks, r.miners[1].blocks);
  EXPECT_DOUBLE_EQ(r.miners[1].share, static_cast<double>(pool_blocks) / static_cast<double>(chain));

  // The ledger's own fork choice, node by node, agrees with the race.
  ASSERT_EQ(run.chains.size(), 2u);
  for (std::size_t u = 0; u < 2; ++u) EXPECT_EQ(run.chains[u].tip_hash(), run.tips[u]);
}

// gamma from the network: the pool's zero-latency links put its revealed block in front of
// every honest node but the one that found the competing block, so with nine equal honest
// miners about 8/9 of the honest power mines on the pool's side, with no draw at all.
TEST(SelfishRace, GammaFromTheNetwork) {
  sim::RaceConfig c;
  c.miners = sim::parse_miners("h1=1,h2=1,h3=1,h4=1,h5=1,h6=1,h7=1,h8=1,h9=1,pool=4:selfish");
  c.gamma_network = true;
  c.latency = sim::make_latency("fixed", 2000);
  c.lab.spacing = 600;
  c.lab.retarget_interval = 1'000'000;
  c.blocks = 6000;
  c.seed = 2;
  const sim::RaceResult r = sim::run_race(c);
  ASSERT_TRUE(r.selfish.present);
  EXPECT_GT(r.selfish.ties, 200u);
  EXPECT_NEAR(r.selfish.gamma_measured, 8.0 / 9, 0.06);
  EXPECT_TRUE(r.nodes_agree);
  // The same race with the draw at gamma 0: honest nodes keep the block they saw first.
  c.gamma_network = false;
  c.gamma = 0;
  const sim::RaceResult drawn = sim::run_race(c);
  EXPECT_GT(drawn.selfish.ties, 200u);
  EXPECT_EQ(drawn.selfish.ties_to_pool, 0u);
  EXPECT_LT(drawn.miners[9].share, r.miners[9].share);
}

// Live mode: the pool withholds and reveals real blocks (real proof of work, checked by the
// tree and again by every node's replayed ledger), and the live view says so.
TEST(SelfishRace, LiveModeWithholdsAndReveals) {
  sim::RaceConfig c;
  c.mode = sim::RaceMode::live;
  c.miners = sim::parse_miners("honest=3,pool=2:selfish");
  c.gamma = 0.5;
  c.blocks = 60;
  c.threads = 1;
  c.lab.spacing = 1;
  c.lab.retarget_interval = 100000;
  c.lab.halving_interval = 210000;
  c.lab.initial_bits = bits_for_leading_zeros(12);
  std::set<std::string> seen;
  c.view_period = 0;
  c.on_view = [&seen](const sim::LiveView& v) { seen.insert(v.recent.begin(), v.recent.end()); };
  const sim::RaceRun run = sim::run_race_keep_chains(c);
  const sim::RaceResult& r = run.result;
  EXPECT_GT(r.selfish.withheld, 0u);
  EXPECT_GT(r.selfish.revealed, 0u);
  // Real hashing ends where the clock says, and may end inside a tie the pool revealed: the two
  // nodes then hold different tips of equal work (first seen stays), as in the 200k-block case.
  // Agreement is owed only when the work differs. (CI's ASan run once ended in such a tie.)
  if (!r.nodes_agree) {
    EXPECT_EQ(run.chains[0].tip_work(), run.chains[1].tip_work());
  }
  EXPECT_FALSE(r.pow_skipped);
  for (std::size_t u = 0; u < 2; ++u) EXPECT_EQ(run.chains[u].tip_hash(), run.tips[u]);
  for (const BlockPtr& b : run.chains[0].blocks_in_order()) EXPECT_EQ(b->proof(), ProofKind::real);
  const auto has = [&seen](const char* word) {
    return std::any_of(seen.begin(), seen.end(), [word](const std::string& l) { return l.find(word) != std::string::npos; });
  };
  EXPECT_TRUE(has("WITHHELD"));
  EXPECT_TRUE(has("REVEALS"));
}

// Strategies on the command line: a suffix, refused when unknown or on a second miner.
TEST(SelfishMiners, StrategySuffix) {
  const auto m = sim::parse_miners("honest=7,eve=3:selfish,bob=1:honest");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].strategy, sim::Strategy::honest);
  EXPECT_EQ(m[1].strategy, sim::Strategy::selfish);
  EXPECT_EQ(m[1].power, 3.0);
  EXPECT_EQ(m[2].strategy, sim::Strategy::honest);
  EXPECT_EQ(sim::selfish_miner(m), std::optional<std::size_t>(1));
  EXPECT_THROW(sim::parse_miners("a=1,b=1:greedy"), ParseError);
  EXPECT_THROW(sim::parse_miners("a=1:selfish,b=1:selfish"), ParseError);
  EXPECT_THROW(sim::parse_miners("a=1:"), ParseError);
  EXPECT_THROW(sim::selfish_race_config(0.0, 0.5, 10, 1), ParseError);
  EXPECT_THROW(sim::selfish_race_config(0.3, 1.5, 10, 1), ParseError);
  sim::RaceConfig c = sim::selfish_race_config(0.3, 0.5, 10, 1);
  c.gamma = -0.1;
  EXPECT_THROW(sim::run_race(c), ParseError);
}

}  // namespace
}  // namespace powlab
