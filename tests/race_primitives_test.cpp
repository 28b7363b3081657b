// The race simulator's building blocks: random numbers, statistics, miner specs, topologies,
// latencies, the event queue and the event log.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "powlab/util/error.h"
#include "powlab/sim/event_log.h"
#include "powlab/sim/event_queue.h"
#include "powlab/sim/miners.h"
#include "powlab/sim/rng.h"
#include "powlab/sim/stats.h"
#include "powlab/sim/topology.h"
#include "test_util.h"

namespace powlab::sim {
namespace {

TEST(RaceRng, Mt19937_64MatchesTheStandardsTenThousandthValue) {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64 is fixed by the
  // standard. Our seeding must be the engine's own.
  Rng rng(5489u);
  std::uint64_t v = 0;
  for (int i = 0; i < 10000; ++i) v = rng.next_u64();
  EXPECT_EQ(v, 9981545732273789042ull);
}

TEST(RaceRng, UniformAndExponentialMoments) {
  Rng rng(42);
  const int n = 200000;
  double sum = 0, sum_e = 0, sum_e2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform_open0();
    ASSERT_GT(u, 0.0);
    ASSERT_LE(u, 1.0);
    sum += u;
    const double e = rng.exponential(4.0);
    sum_e += e;
    sum_e2 += e * e;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_NEAR(sum_e / n, 0.25, 0.0025);                  // mean 1/rate
  EXPECT_NEAR(sum_e2 / n - (sum_e / n) * (sum_e / n), 0.0625, 0.002);  // variance 1/rate^2
}

TEST(RaceRng, BelowIsUniformAndInRange) {
  Rng rng(7);
  std::vector<std::uint64_t> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto v = rng.below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  const std::vector<double> p(7, 1.0 / 7);
  EXPECT_GT(chi_square_test(counts, p).p_value, 0.001);
}

TEST(RaceStats, ChiSquareSurvivalKnownValues) {
  // Critical values from standard chi-square tables.
  EXPECT_NEAR(chi_square_survival(3.841458820694124, 1), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(6.634896601021214, 1), 0.01, 1e-9);
  EXPECT_NEAR(chi_square_survival(10.827566170662733, 1), 0.001, 1e-9);
  EXPECT_NEAR(chi_square_survival(16.918977604620448, 9), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(2.0, 2), std::exp(-1.0), 1e-12);  // dof 2: e^(-x/2)
  EXPECT_NEAR(chi_square_survival(124.342, 100), 0.05, 1e-4);
  EXPECT_EQ(chi_square_survival(0.0, 3), 1.0);
  EXPECT_LT(chi_square_survival(1e6, 3), 1e-100);
}

TEST(RaceStats, ChiSquareTest) {
  const std::vector<std::uint64_t> fair{7500, 2500};
  const std::vector<double> p{0.75, 0.25};
  auto r = chi_square_test(fair, p);
  EXPECT_EQ(r.dof, 1);
  EXPECT_DOUBLE_EQ(r.statistic, 0.0);
  EXPECT_DOUBLE_EQ(r.p_value, 1.0);
  const std::vector<std::uint64_t> biased{7000, 3000};  // (500^2/7500 + 500^2/2500) = 133.3
  r = chi_square_test(biased, p);
  EXPECT_NEAR(r.statistic, 133.333333, 1e-5);
  EXPECT_LT(r.p_value, 1e-20);
  const std::vector<std::uint64_t> none{0, 0};
  EXPECT_EQ(chi_square_test(none, p).p_value, 1.0);  // no data: nothing to reject, never NaN
}

TEST(RaceStats, StaleFormulas) {
  EXPECT_NEAR(stale_rate_simple(1, 30), 1 - std::exp(-1.0 / 30), 1e-15);
  EXPECT_EQ(stale_rate_simple(0, 600), 0.0);
  EXPECT_EQ(stale_rate_simple(1, 0), 0.0);  // no interval: no NaN
  const std::vector<double> ten(10, 0.1);
  EXPECT_NEAR(stale_rate_per_miner(ten, 1, 30), 1 - std::exp(-0.9 / 30), 1e-15);
  const std::vector<double> solo{1.0};
  EXPECT_EQ(stale_rate_per_miner(solo, 5, 30), 0.0);  // nobody to race against
  const std::vector<double> two{0.75, 0.25};
  EXPECT_NEAR(stale_rate_per_miner(two, 2, 10),
              0.75 * (1 - std::exp(-0.25 * 0.2)) + 0.25 * (1 - std::exp(-0.75 * 0.2)), 1e-15);
  // Path delays: equal delays give the per-miner formula back...
  const std::vector<double> exposure(10, 0.9 * 1.0);
  EXPECT_NEAR(stale_rate_paths(ten, exposure, 30), stale_rate_per_miner(ten, 1, 30), 1e-15);
  // ...and a line a - b - c with 1 s links: a reaches b in 1 s and c in 2 s.
  const std::vector<double> line{0.5, 0.3, 0.2};
  const std::vector<double> x{0.3 * 1 + 0.2 * 2, 0.5 * 1 + 0.2 * 1, 0.5 * 2 + 0.3 * 1};
  EXPECT_NEAR(stale_rate_paths(line, x, 10),
              0.5 * (1 - std::exp(-0.7 / 10)) + 0.3 * (1 - std::exp(-0.7 / 10)) + 0.2 * (1 - std::exp(-1.3 / 10)), 1e-15);
  EXPECT_EQ(stale_rate_paths(line, x, 0), 0.0);  // no interval: no NaN
}

TEST(RaceMiners, ParsesAndComputesShares) {
  const auto m = parse_miners("alice=3,bob=1");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].name, "alice");
  EXPECT_EQ(m[1].power, 1.0);
  const auto s = hash_shares(m);
  EXPECT_DOUBLE_EQ(s[0], 0.75);
  EXPECT_DOUBLE_EQ(s[1], 0.25);
  EXPECT_EQ(parse_miners("x=0.5")[0].power, 0.5);
}

TEST(RaceMiners, RefusesBadInput) {
  for (const char* bad : {"", "alice=0", "alice=-1", "alice=nan", "alice=inf", "alice=-inf", "alice=", "alice",
                          "alice=3,alice=1", "alice=3,", ",bob=1", "al ice=1", "=1", "alice=1x", "alice= 1",
                          "a=1e308,b=1e308"}) {
    EXPECT_THROW(parse_miners(bad), ParseError) << "'" << bad << "'";
  }
  try {
    parse_miners("alice=3,alice=1");
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate"), std::string::npos);
  }
}

TEST(RaceMiners, Distributions) {
  const auto z = miners_from_distribution(4, "zipf:1");
  ASSERT_EQ(z.size(), 4u);
  EXPECT_EQ(z[0].name, "n1");
  EXPECT_DOUBLE_EQ(z[3].power, 0.25);
  const auto e = miners_from_distribution(3, "equal");
  EXPECT_EQ(e[2].power, 1.0);
  EXPECT_THROW(miners_from_distribution(0, "equal"), ParseError);
  EXPECT_THROW(miners_from_distribution(3, "zipf:-1"), ParseError);
  EXPECT_THROW(miners_from_distribution(3, "zipf:nan"), ParseError);
  EXPECT_THROW(miners_from_distribution(3, "pareto"), ParseError);
  EXPECT_THROW(miners_from_distribution(3, "zipf:5000"), ParseError);  // underflows to power 0
}

TEST(RaceTopology, ParseAndBuild) {
  EXPECT_EQ(parse_topology("mesh").kind, TopologySpec::Kind::mesh);
  const auto r = parse_topology("random:4");
  EXPECT_EQ(r.kind, TopologySpec::Kind::random);
  EXPECT_EQ(r.degree, 4u);
  for (const char* bad : {"random:0", "random:", "random:-1", "random:x", "ring", ""}) {
    EXPECT_THROW(parse_topology(bad), ParseError) << bad;
  }
  Rng rng(1);
  const Topology t = Topology::random(200, 4, rng);
  for (std::uint32_t u = 0; u < t.size(); ++u) {
    std::uint32_t degree = 0;
    t.for_each_neighbor(u, [&](std::uint32_t v) {
      EXPECT_NE(u, v);
      ++degree;
    });
    EXPECT_GE(degree, 4u);
  }
  EXPECT_TRUE(t.unreachable().empty());
  EXPECT_THROW(Topology::random(4, 4, rng), ParseError);
  EXPECT_EQ(Topology::mesh(100).link_count(), 4950u);
}

TEST(RaceTopology, FindsADisconnectedNode) {
  // 0-1-2 and 3-4: nodes 3 and 4 are never heard from.
  const Topology t = Topology::from_edges(5, {{0, 1}, {1, 2}, {3, 4}});
  EXPECT_EQ(t.unreachable(), (std::vector<std::uint32_t>{3, 4}));
  const auto hops = t.hops_from(0);
  EXPECT_EQ(hops[2], 2u);
  EXPECT_EQ(hops[3], std::numeric_limits<std::uint32_t>::max());
  EXPECT_TRUE(Topology::from_edges(3, {{0, 1}, {2, 1}}).unreachable().empty());
}

TEST(RaceTopology, Latency) {
  Rng rng(3);
  EXPECT_DOUBLE_EQ(make_latency("fixed", 250).sample(rng), 0.25);
  EXPECT_THROW(make_latency("fixed", -1), ParseError);
  EXPECT_THROW(make_latency("fixed", std::nan("")), ParseError);
  EXPECT_THROW(make_latency("fixed", INFINITY), ParseError);
  EXPECT_THROW(make_latency("gauss", 1), ParseError);
  const LatencySpec e = make_latency("exp", 100);
  const LatencySpec u = make_latency("uniform", 100);
  double se = 0, su = 0;
  for (int i = 0; i < 100000; ++i) {
    const double a = e.sample(rng), b = u.sample(rng);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    ASSERT_LT(b, 0.2);
    se += a;
    su += b;
  }
  EXPECT_NEAR(se / 100000, 0.1, 0.002);
  EXPECT_NEAR(su / 100000, 0.1, 0.002);
  EXPECT_EQ(make_latency("exp", 0).sample(rng), 0.0);
}

TEST(RaceEventQueue, OrdersByTimeThenBySchedulingOrder) {
  EventQueue<int> q;
  Rng rng(9);
  std::vector<std::pair<double, int>> pushed;
  for (int i = 0; i < 1000; ++i) {
    const double t = static_cast<double>(rng.below(50));  // many ties on purpose
    q.push(t, i);
    pushed.emplace_back(t, i);
  }
  std::stable_sort(pushed.begin(), pushed.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (const auto& [t, i] : pushed) {
    ASSERT_FALSE(q.empty());
    const auto e = q.pop();
    EXPECT_EQ(e.time, t);
    EXPECT_EQ(e.payload, i);
  }
  EXPECT_TRUE(q.empty());
}

TEST(RaceEventLog, WritesFixedFormatRows) {
  test::TempDir dir;
  const std::string path = dir.file("events.csv");
  {
    EventLog log(path);
    Hash256 h{};
    h[31] = 0xab;  // display order puts the last raw byte first
    Hash256 p{};
    p[0] = 0x01;
    log.write(1.5, "alice", EventKind::found, 7, h, p);
    log.write(2.25, "bob", EventKind::reorg, 8, h, p, 2);
    log.close();
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string zeros62(62, '0');
  EXPECT_EQ(ss.str(), "time,node,kind,height,hash,parent,depth\n"
                      "1.500000,alice,found,7,ab" + zeros62 + "," + zeros62 + "01,0\n"
                      "2.250000,bob,reorg,8,ab" + zeros62 + "," + zeros62 + "01,2\n");
  EXPECT_THROW(EventLog(dir.file("no/such/dir/x.csv")), ParseError);
}

}  // namespace
}  // namespace powlab::sim
