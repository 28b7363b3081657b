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

}  // namespace powlab::sim
