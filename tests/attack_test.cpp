// The attacks of issue 11 (core/sim/attack.h): the closed forms against the published values,
// and the simulation against the closed forms and against its own ledger. The ledger tests
// would fail if a trial's verdict were computed instead of read from the chain state.
#include <gtest/gtest.h>

#include <cmath>

#include "powlab/sim/attack.h"

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

}  // namespace
}  // namespace powlab
