// The cryptojacking model's closed forms against published figures (issue 12, parts 1 and 2):
// Coinhive's own payouts, the work of a real Bitcoin nBits, the MineSweeper CPU distribution.
#include <gtest/gtest.h>

#include <cmath>

#include "powlab/consensus/target.h"
#include "powlab/sim/cryptojack.h"
#include "powlab/util/error.h"
#include "test_util.h"

namespace powlab {
namespace {

using sim::cryptojack_model;
using sim::find_cryptojack_preset;

double round6(double v) { return std::round(v * 1e6) / 1e6; }

// Coinhive's pages: one million hashes paid 0.000069, 0.000039 and 0.000030 XMR on those dates,
// from (hashes / difficulty) x reward x 0.7.
TEST(Cryptojack, CoinhivePayoutFormulaOnItsThreeDates) {
  EXPECT_EQ(round6(sim::coinhive_payout(1e6, 58'849'124'194, 5.77, 0.3)), 0.000069);
  EXPECT_EQ(round6(sim::coinhive_payout(1e6, 99'937'723'286, 5.53, 0.3)), 0.000039);
  EXPECT_EQ(round6(sim::coinhive_payout(1e6, 116'621'374'500, 5.04, 0.3)), 0.000030);
  // The same numbers through the model and the presets, fee split included.
  for (const auto& [name, expected] : {std::pair{"coinhive-2017-12", 0.000069}, {"coinhive-2018-02", 0.000039},
                                       {"coinhive-2018-03", 0.000030}}) {
    const sim::CryptojackPreset& p = find_cryptojack_preset(name);
    const sim::CryptojackResult r = cryptojack_model(p.inputs);
    EXPECT_EQ(r.hashes, 1e6) << name;
    EXPECT_EQ(round6(r.attacker_coins), expected) << name;
    EXPECT_NEAR(r.fee_coins / r.gross_coins, 0.3, 1e-15) << name;
    EXPECT_EQ(p.reported_attacker_coins.value_or(0), expected) << name;
  }
}

// The domain-parking preset is built from published inputs only: Eskandari et al.'s sessions
// and session length, Coinhive's per-connection rate (13.5M H/s over 2.2M connections) and its
// 2018-02-01 payout rate. The model is exactly those numbers multiplied out.
TEST(Cryptojack, DomainParkingIsThePublishedInputsMultipliedOut) {
  const sim::CryptojackPreset& p = find_cryptojack_preset("domain-parking-2018");
  EXPECT_EQ(p.inputs.sessions, 97'000);
  EXPECT_EQ(p.inputs.session_seconds, 24);
  EXPECT_EQ(p.inputs.host_hashes_per_second, 13.5e6 / 2.2e6);
  EXPECT_EQ(p.reported_attacker_coins.value_or(0), 0.02417);
  EXPECT_FALSE(p.sources.empty());
  const sim::CryptojackResult r = cryptojack_model(p.inputs);
  const double hashes = 97'000 * 24 * (13.5e6 / 2.2e6);
  EXPECT_NEAR(r.hashes, hashes, hashes * 1e-12);
  EXPECT_NEAR(r.attacker_coins, sim::coinhive_payout(hashes, 99'937'723'286, 5.53, 0.3), 1e-15);
}

// Issue 12 asks for the preset to land within a factor of two of 0.02417 XMR from published
// inputs alone. With the only published per-session rate found (Coinhive's own average, 6.14
// H/s) it lands near 0.04 of it: a browser session in this campaign must have hashed ~25x
// faster than Coinhive's average, or the campaign ran longer than 97,000 x 24 s. Left disabled
// (visible in every run as "1 DISABLED TEST") rather than passed by choosing a rate.
TEST(Cryptojack, DISABLED_DomainParkingWithinAFactorOfTwo) {
  const sim::CryptojackPreset& p = find_cryptojack_preset("domain-parking-2018");
  const double ratio = cryptojack_model(p.inputs).attacker_coins / 0.02417;
  EXPECT_GE(ratio, 0.5);
  EXPECT_LE(ratio, 2.0);
}

// Block 840000 (the 2024 halving), nBits 0x17034219: the fleet's expected seconds per block is
// exactly the integer work of that nBits (as a double) over the fleet's rate.
TEST(Cryptojack, WhyNotBitcoinIsWorkOverRate) {
  const CompactTarget t = decode_compact(0x17034219);
  ASSERT_FALSE(t.negative || t.overflow);
  const double work = work_from_target(t.target).to_double();
  sim::CryptojackInputs in;
  in.hosts = 1;
  in.seconds = 1;
  in.host_hashes_per_second = 20e6;  // a laptop's sha256d on every core, order of magnitude
  in.threads = in.cores = 4;
  in.expected_hashes_per_block = work;
  in.block_reward = 3.125;
  const sim::CryptojackResult r = cryptojack_model(in);
  ASSERT_TRUE(r.expected_seconds_per_block.has_value());
  EXPECT_EQ(*r.expected_seconds_per_block, work / 20e6);
  // "every so many hundred million years"
  EXPECT_GT(*r.expected_seconds_per_block / (365.25 * 86400), 1e8);
}

// Throttling hides the miner; it does not make it fairer: the victims' cost over the
// attacker's revenue is the same at every θ, while the revenue itself falls.
TEST(Cryptojack, CostToRevenueDoesNotDependOnThrottle) {
  sim::CryptojackInputs in = find_cryptojack_preset("weblogic-2018").inputs;
  const sim::CryptojackResult base = cryptojack_model(in);
  ASSERT_TRUE(base.cost_to_revenue.has_value());
  for (double theta : {0.05, 0.25, 0.5, 0.7, 0.9, 0.99}) {
    in.throttle = theta;
    const sim::CryptojackResult r = cryptojack_model(in);
    ASSERT_TRUE(r.cost_to_revenue.has_value());
    EXPECT_NEAR(*r.cost_to_revenue, *base.cost_to_revenue, *base.cost_to_revenue * 1e-12) << theta;
    EXPECT_NEAR(*r.attacker_revenue, *base.attacker_revenue * (1 - theta), *base.attacker_revenue * 1e-12) << theta;
  }
}

TEST(Cryptojack, BadInputsThrow) {
  sim::CryptojackInputs in = find_cryptojack_preset("weblogic-2018").inputs;
  auto with = [&](auto change) {
    sim::CryptojackInputs x = in;
    change(x);
    return x;
  };
  EXPECT_THROW(cryptojack_model(with([](auto& x) { x.throttle = 1; })), ParseError);
  EXPECT_THROW(cryptojack_model(with([](auto& x) { x.throttle = -0.1; })), ParseError);
  EXPECT_THROW(cryptojack_model(with([](auto& x) { x.fee = 1; })), ParseError);
  EXPECT_THROW(cryptojack_model(with([](auto& x) { x.hosts = NAN; })), ParseError);
  EXPECT_THROW(cryptojack_model(with([](auto& x) { x.kwh_price = -1; })), ParseError);
  EXPECT_THROW(cryptojack_model(with([](auto& x) { x.expected_hashes_per_block = 0; })), ParseError);
  EXPECT_THROW(cryptojack_model(with([](auto& x) { x.threads = 9; })), ParseError);
  EXPECT_THROW(find_cryptojack_preset("coinhive-2019"), ParseError);
}

// MineSweeper's 1,735 sites against an alarm at 50% of one core: 0.886 flagged as they are,
// 0.547 at θ = 0.5 (its README's facts), and undetected revenue peaks at θ = 0.7.
TEST(Cryptojack, ThrottleAgainstTheAlarmOnMineSweeperData) {
  const std::vector<double> cpu = sim::load_cpu_distribution(test::data_path("cryptojacking/minesweeper_browser_cpu.csv"));
  ASSERT_EQ(cpu.size(), 1735u);
  EXPECT_EQ(std::round(sim::detected_fraction(cpu, 50, 0) * 1000), 886);
  EXPECT_EQ(std::round(sim::detected_fraction(cpu, 50, 0.5) * 1000), 547);
  const auto rows = sim::throttle_sweep(cpu, 50);
  ASSERT_EQ(rows.size(), 20u);
  EXPECT_EQ(rows.front().throttle, 0);
  EXPECT_NEAR(rows.back().throttle, 0.95, 1e-15);
  for (const auto& r : rows) {
    EXPECT_EQ(r.undetected_revenue, r.revenue_fraction * (1 - r.detected_fraction));
  }
  EXPECT_EQ(sim::best_throttle(rows), 0.7);
}

TEST(Cryptojack, MalformedDistributionsThrow) {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
  };
  EXPECT_THROW(sim::load_cpu_distribution(write("col.csv", "service,cpu\na,1\n")), ParseError);
  EXPECT_THROW(sim::load_cpu_distribution(write("val.csv", "service,max_cpu_percent_of_one_core\na,abc\n")), ParseError);
  EXPECT_THROW(sim::load_cpu_distribution(write("neg.csv", "service,max_cpu_percent_of_one_core\na,-3\n")), ParseError);
  EXPECT_THROW(sim::load_cpu_distribution(write("empty.csv", "service,max_cpu_percent_of_one_core\n")), ParseError);
  EXPECT_THROW(sim::load_cpu_distribution(dir.file("missing.csv")), ParseError);
  EXPECT_THROW(sim::load_cpu_distribution(dir.path()), ParseError);
}

}  // namespace
}  // namespace powlab
