#include "powlab/sim/stats.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace powlab::sim {

namespace {

// Series for P(a, x), good for x < a + 1 (Numerical Recipes 6.2 idea, written afresh).
double gamma_p_series(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < 10000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-16) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Continued fraction for Q(a, x), good for x >= a + 1 (modified Lentz).
double gamma_q_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

double gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0) || std::isinf(a)) throw std::invalid_argument("gamma_q needs a > 0 and x >= 0");
  if (x == 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  if (x < a + 1.0) return 1.0 - gamma_p_series(a, x);
  return gamma_q_fraction(a, x);
}

double chi_square_survival(double chi2, int dof) {
  if (dof < 1) throw std::invalid_argument("chi-square needs at least one degree of freedom");
  if (!(chi2 > 0)) return 1.0;
  return gamma_q(dof / 2.0, chi2 / 2.0);
}

ChiSquareResult chi_square_test(std::span<const std::uint64_t> observed, std::span<const double> expected_prob) {
  if (observed.size() != expected_prob.size()) throw std::invalid_argument("chi-square: size mismatch");
  ChiSquareResult r;
  std::uint64_t total = 0;
  for (std::uint64_t o : observed) total += o;
  if (observed.size() < 2 || total == 0) return r;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    if (!(expected_prob[i] > 0)) throw std::invalid_argument("chi-square: expected probabilities must be positive");
    const double e = expected_prob[i] * static_cast<double>(total);
    const double diff = static_cast<double>(observed[i]) - e;
    r.statistic += diff * diff / e;
  }
  r.dof = static_cast<int>(observed.size()) - 1;
  r.p_value = chi_square_survival(r.statistic, r.dof);
  return r;
}

double stale_rate_simple(double delay, double interval) {
  if (!(interval > 0) || !(delay >= 0)) return 0.0;
  return -std::expm1(-delay / interval);
}

double stale_rate_paths(std::span<const double> shares, std::span<const double> exposure, double interval) {
  if (!(interval > 0) || shares.size() != exposure.size()) return 0.0;
  double s = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (exposure[i] >= 0) s += shares[i] * -std::expm1(-exposure[i] / interval);
  }
  return s;
}

double stale_rate_per_miner(std::span<const double> shares, double delay, double interval) {
  if (!(interval > 0) || !(delay >= 0)) return 0.0;
  double s = 0;
  for (double a : shares) s += a * -std::expm1(-(1.0 - a) * delay / interval);
  return s;
}

// Why the mean interval sits above T (issue 10), derived for Core's rule (pow.cpp
// CalculateNextWorkRequired), which the lab network uses unchanged:
//   The retarget at height kN measures S = time(kN - 1) - time(kN - N): the span of N - 1 block
//   intervals, not N (the off-by-one), and sets target' = target * S / (N*T). At a constant hash
//   rate a block's expected time D is proportional to 1/target, so D' = D * N*T / S.
//   Within a period every block is mined at the same D, so the N - 1 intervals are independent
//   exponentials with mean D and S ~ Gamma(N - 1, D). For a Gamma(k, D) variable
//   E[1/S] = 1 / ((k - 1) D) (k > 1), hence
//       E[D'] = D * N*T * E[1/S] = N*T / (N - 2),
//   whatever D was: every period after the first has expected interval N*T/(N-2) (666.7 s for
//   N = 20, T = 600 s). Two effects add up: the N - 1 intervals alone give N/(N-1) (+5.3% at
//   N = 20), and Jensen's inequality, E[1/S] > 1/E[S], gives (N-1)/(N-2) (+5.6%).
// What the closed form leaves out, checked with a Monte Carlo of the rule above (not of
// powlab): Core's x4 clamp on S pulls the mean below it for small windows (N = 3: 2.45 T
// instead of 3 T; N = 4: 1.88 T instead of 2 T), and a target held at the powLimit pushes it up
// a little (N = 20: 1.16 T). For N = 2, S is one exponential and E[1/S] diverges: only the
// clamp keeps the mean finite (about 5 T), so there is no closed form to print.
// The first period is mined at the initial target (D = T in event mode), so a run of B blocks
// has expected mean ((N-1) T + (B-N+1) N T/(N-2)) / B, within (N-1)/B of the steady state.
double expected_mean_interval(double spacing, std::int64_t window) {
  if (window < 3 || !(spacing > 0)) return 0.0;
  const double n = static_cast<double>(window);
  return n * spacing / (n - 2.0);
}

}  // namespace powlab::sim
