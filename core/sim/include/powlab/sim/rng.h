// The simulator's random numbers. std::mt19937_64's output is fixed by the C++ standard, but
// std::uniform_real_distribution, std::exponential_distribution and friends are not: libstdc++
// and libc++ turn the same engine output into different numbers. So the distributions are
// written here, and a seed gives the same run (and a byte-identical event log) everywhere the
// engine and libm's log/exp agree.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace powlab::sim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next_u64() { return engine_(); }

  // Uniform in (0, 1]: the top 53 bits plus one, so never exactly 0 (log(0) is -inf).
  double uniform_open0() { return static_cast<double>((engine_() >> 11) + 1) * 0x1.0p-53; }
  // Uniform in [0, 1).
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), n > 0, without modulo bias (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(engine_()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(engine_()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Exponential with the given rate (> 0) by inversion: -ln(U) / rate, U in (0, 1].
  double exponential(double rate) { return -std::log(uniform_open0()) / rate; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace powlab::sim
