// `powlab cryptojack` on the command line: the model's outputs under the issue's key names, the
// "why not Bitcoin" line at a measured rate, presets and overrides, the throttle sweep, and
// bad input exiting 2 with one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "powlab/consensus/target.h"
#include "test_util.h"

namespace powlab {
namespace {

using nlohmann::json;
using test::run_powlab;

using test::joined;

json cryptojack_json(std::vector<std::string> args) {
  args.insert(args.begin(), "cryptojack");
  args.push_back("--json");
  const auto r = run_powlab(args);
  EXPECT_EQ(r.exit_code, 0) << joined(args) << r.err;
  return json::parse(r.out);
}

const std::string kCpu = test::data_path("cryptojacking/minesweeper_browser_cpu.csv");

TEST(CryptojackCli, OutputsUnderTheIssuesKeysAndSaysModel) {
  const json j = cryptojack_json({"--preset", "weblogic-2018"});
  for (const char* key : {"hashes", "expected_hashes_per_block", "gross_coins", "fee_coins", "attacker_coins",
                          "attacker_revenue", "victim_energy_kwh", "victim_cost", "cost_to_revenue",
                          "expected_seconds_per_block"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j[key].is_number()) << key << " = " << j[key];
  }
  EXPECT_EQ(j["model"], "closed form");
  const auto text = run_powlab({"cryptojack", "--preset", "weblogic-2018"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("model"), std::string::npos);
  EXPECT_EQ(text.out.find("simulated"), std::string::npos);
  EXPECT_NE(text.out.find("cost_to_revenue"), std::string::npos);
}

TEST(CryptojackCli, CoinhivePresetsAndAnOverride) {
  EXPECT_EQ(std::round(cryptojack_json({"--preset", "coinhive-2017-12"})["attacker_coins"].get<double>() * 1e6), 69);
  EXPECT_EQ(std::round(cryptojack_json({"--preset", "coinhive-2018-02"})["attacker_coins"].get<double>() * 1e6), 39);
  EXPECT_EQ(std::round(cryptojack_json({"--preset", "coinhive-2018-03"})["attacker_coins"].get<double>() * 1e6), 30);
  // An explicit option overrides the preset's value; the rest of the preset stays.
  const json two = cryptojack_json({"--preset", "coinhive-2017-12", "--hashes", "2000000"});
  const json one = cryptojack_json({"--preset", "coinhive-2017-12"});
  EXPECT_DOUBLE_EQ(two["attacker_coins"].get<double>(), 2 * one["attacker_coins"].get<double>());
  const json nofee = cryptojack_json({"--preset", "coinhive-2017-12", "--fee", "0"});
  EXPECT_DOUBLE_EQ(nofee["attacker_coins"].get<double>(), one["gross_coins"].get<double>());
}

TEST(CryptojackCli, ExplainPrintsDateSourcesAndAssumptions) {
  for (const char* name : {"coinhive-2017-12", "coinhive-2018-02", "coinhive-2018-03", "domain-parking-2018",
                           "weblogic-2018"}) {
    const auto r = run_powlab({"cryptojack", "--preset", name, "--explain"});
    ASSERT_EQ(r.exit_code, 0) << name << r.err;
    EXPECT_NE(r.out.find("sources:"), std::string::npos) << name;
    EXPECT_NE(r.out.find("assumptions:"), std::string::npos) << name;
    EXPECT_NE(r.out.find("201"), std::string::npos) << name;  // a date
  }
}

// The domain-parking preset prints its per-session rate and payout rate with their sources, and
// the ratio of the model to the reported 0.02417 XMR.
TEST(CryptojackCli, DomainParkingPrintsSourcesAndRatio) {
  const auto r = run_powlab({"cryptojack", "--preset", "domain-parking-2018"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model / reported = "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Status Report"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Eskandari"), std::string::npos) << r.out;
  const json j = cryptojack_json({"--preset", "domain-parking-2018"});
  EXPECT_DOUBLE_EQ(j["ratio_to_reported"].get<double>(), j["attacker_coins"].get<double>() / 0.02417);
}

// One host at this machine's measured sha256d rate, at block 840000's nBits: the expected
// seconds per block are exactly the integer work of 0x17034219 over the measured rate.
TEST(CryptojackCli, WhyNotBitcoinAtThisMachinesRate) {
  const json j = cryptojack_json({"--hosts", "1", "--seconds", "3600", "--host-hashrate", "auto", "--network-bits",
                           "0x17034219", "--block-reward", "3.125"});
  EXPECT_TRUE(j["host_rate_measured_here"].get<bool>());
  const double rate = j["host_hashes_per_second"].get<double>();
  ASSERT_GT(rate, 0);
  const double work = work_from_target(decode_compact(0x17034219).target).to_double();
  EXPECT_EQ(j["expected_hashes_per_block"].get<double>(), work);
  EXPECT_EQ(j["expected_seconds_per_block"].get<double>(), work / rate);
  EXPECT_EQ(j["work_hex"], work_from_target(decode_compact(0x17034219).target).to_hex());
  const auto text = run_powlab({"cryptojack", "--hosts", "1", "--seconds", "3600", "--host-hashrate", "20000000",
                                "--network-bits", "0x17034219", "--block-reward", "3.125"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("CPU-friendly proof of work is why Coinhive mined Monero"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("years"), std::string::npos) << text.out;
}

TEST(CryptojackCli, CostToRevenueSameAtEveryThrottle) {
  const double base = cryptojack_json({"--preset", "weblogic-2018"})["cost_to_revenue"].get<double>();
  for (const char* theta : {"0.1", "0.5", "0.7", "0.95"}) {
    const json j = cryptojack_json({"--preset", "weblogic-2018", "--coinhive-throttle", theta});
    EXPECT_NEAR(j["cost_to_revenue"].get<double>(), base, base * 1e-12) << theta;
    EXPECT_EQ(j["throttle"].get<double>(), std::stod(theta));
  }
}

TEST(CryptojackCli, DetectionAndSweepOnMineSweeperData) {
  const json at0 = cryptojack_json({"--cpu-distribution", kCpu, "--threshold", "50"});
  EXPECT_EQ(std::round(at0["detected_fraction"].get<double>() * 1000), 886);
  const json half = cryptojack_json({"--cpu-distribution", kCpu, "--threshold", "50", "--coinhive-throttle", "0.5"});
  EXPECT_EQ(std::round(half["detected_fraction"].get<double>() * 1000), 547);
  const json sweep = cryptojack_json({"--cpu-distribution", kCpu, "--threshold", "50", "--throttle-sweep"});
  ASSERT_EQ(sweep["sweep"].size(), 20u);
  for (const auto& row : sweep["sweep"]) {
    for (const char* k : {"throttle", "revenue_fraction", "detected_fraction", "undetected_revenue"}) {
      EXPECT_TRUE(row.contains(k)) << k;
    }
  }
  EXPECT_EQ(sweep["best_throttle"].get<double>(), 0.7);
  const auto text = run_powlab({"cryptojack", "--cpu-distribution", kCpu, "--threshold", "50", "--throttle-sweep"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("throttle  revenue_fraction  detected_fraction  undetected_revenue"), std::string::npos);
  EXPECT_NE(text.out.find("    0.70             0.300              0.116               0.265  <- best"),
            std::string::npos)
      << text.out;
}

struct CryptojackBadCase {
  std::vector<std::string> args;
  std::string message;
};

TEST(CryptojackCli, BadInputExitsTwoWithOneLine) {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name)) << text;
    return dir.file(name);
  };
  const std::string wrong_column = write("col.csv", "service,cpu\na,1\n");
  const std::string bad_value = write("val.csv", "service,max_cpu_percent_of_one_core\na,lots\n");
  const std::string ragged = write("ragged.csv", "service,max_cpu_percent_of_one_core\na,1,2\n");
  const std::vector<CryptojackBadCase> cases = {
      {{"--preset", "coinhive-2017-12", "--hashes=-1"}, "negative"},
      {{"--preset", "coinhive-2017-12", "--hashes", "nan"}, "finite"},
      {{"--preset", "coinhive-2017-12", "--hashes", "inf"}, "finite"},
      {{"--preset", "coinhive-2017-12", "--block-reward", "1e999"}, "finite"},
      {{"--preset", "weblogic-2018", "--kwh-price=-0.1"}, "negative"},
      {{"--preset", "weblogic-2018", "--coinhive-throttle", "1"}, "[0, 1)"},
      {{"--preset", "weblogic-2018", "--coinhive-throttle=-0.2"}, "negative"},
      {{"--preset", "weblogic-2018", "--fee", "1"}, "[0, 1)"},
      {{"--preset", "weblogic-2018", "--fee", "1.5"}, "[0, 1)"},
      {{"--preset", "no-such-case"}, "unknown preset 'no-such-case'"},
      {{"--preset", "weblogic-2018", "--network-bits", "386089497"}, "hex"},
      {{"--preset", "weblogic-2018", "--network-bits", "0x00000000"}, "not a valid target"},
      {{"--preset", "weblogic-2018", "--network-difficulty", "1", "--network-bits", "0x1d00ffff"}, "not both"},
      {{"--hosts", "3", "--hashes", "5", "--network-difficulty", "10"}, "one fleet"},
      {{"--hosts", "3", "--seconds", "5", "--network-difficulty", "10"}, "--host-hashrate"},
      {{"--hashes", "5"}, "no coin"},
      {{"--cpu-distribution", dir.file("absent.csv"), "--threshold", "50"}, "cannot"},
      {{"--cpu-distribution", dir.path(), "--threshold", "50"}, "directory"},
      {{"--cpu-distribution", wrong_column, "--threshold", "50"}, "max_cpu_percent_of_one_core"},
      {{"--cpu-distribution", bad_value, "--threshold", "50"}, "lots"},
      {{"--cpu-distribution", ragged, "--threshold", "50"}, ""},
      {{"--cpu-distribution", kCpu}, "--threshold"},
      {{"--cpu-distribution", kCpu, "--threshold", "50", "--coinhive-throttle", "1"}, "[0, 1)"},
      {{"--cpu-distribution", kCpu, "--threshold", "nan"}, "finite"},
      {{"--cpu-distribution", kCpu, "--threshold", "50", "--preset", "weblogic-2018"}, "not used"},
      {{"--cpu-distribution", kCpu, "--threshold", "50", "--hosts", "3"}, "not used"},
      {{"--hosts", "1", "--seconds", "1", "--host-hashrate", "auto", "--cores", "64", "--network-difficulty", "9"},
       "--cores"},
      {{"--preset", "weblogic-2018", "--threads", "9"}, "--threads"},
      {{"--preset", "weblogic-2018", "--watts-load", "50"}, "--watts-load"},
      {{"--throttle-sweep"}, "--cpu-distribution"},
      {{"--explain"}, "--preset"},
  };
  for (const CryptojackBadCase& c : cases) {
    std::vector<std::string> args{"cryptojack"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = run_powlab(args);
    EXPECT_EQ(r.exit_code, 2) << joined(args) << "\nstderr: " << r.err;
    EXPECT_EQ(r.err.rfind("powlab cryptojack: error: ", 0), 0u) << joined(args) << "\nstderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << joined(args) << "\nstderr: " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << joined(args) << "\nstderr: " << r.err;
    EXPECT_EQ(r.out, "") << joined(args);
  }
}

}  // namespace
}  // namespace powlab
