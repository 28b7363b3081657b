// Statistics for the race summary: the chi-square goodness-of-fit test on block shares and the
// analytic stale-rate formulas. Floating point on purpose: this is reporting, never consensus.
#pragma once

#include <cstdint>
#include <span>

namespace powlab::sim {

// Regularized upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), a > 0, x >= 0.
double gamma_q(double a, double x);

// P(X >= chi2) for X ~ chi-square with `dof` degrees of freedom (dof >= 1).
double chi_square_survival(double chi2, int dof);

struct ChiSquareResult {
  double statistic = 0;
  int dof = 0;
  double p_value = 1;  // 1 when there is nothing to test (fewer than 2 categories, or no data)
};

// Pearson's test of observed counts against expected probabilities (which must sum to 1 and be
// positive). Categories: one per entry; dof = categories - 1.
ChiSquareResult chi_square_test(std::span<const std::uint64_t> observed, std::span<const double> expected_prob);

// Probability that a block goes stale when every block takes `delay` to reach everyone and
// blocks arrive at mean interval `interval` (Poisson): 1 - e^(-d/T). Ignores who found it.
double stale_rate_simple(double delay, double interval);

// The same, miner by miner: a miner with hash share a_i competes only against the others'
// (1 - a_i), so the stale rate is sum_i a_i (1 - e^(-(1 - a_i) d / T)). Shares must sum to 1.
double stale_rate_per_miner(std::span<const double> shares, double delay, double interval);

// The same when a block needs different times to reach different miners (several hops):
// miner i's block goes stale unless nobody else finds one before hearing of it, so the rate is
// sum_i a_i (1 - e^(-x_i / T)) with exposure x_i = sum_{j != i} a_j d_ij, d_ij the delay from i
// to j. With d_ij = d for all pairs this is stale_rate_per_miner.
double stale_rate_paths(std::span<const double> shares, std::span<const double> exposure, double interval);

// The mean block interval Bitcoin's retarget settles on, at a constant hash rate, for a window
// of N = `window` blocks and a target interval T = `spacing`: N*T/(N-2), above T. Defined for
// N >= 3; returns 0 for N < 3 (the mean then has no closed form: see stats.cpp).
double expected_mean_interval(double spacing, std::int64_t window);

}  // namespace powlab::sim
