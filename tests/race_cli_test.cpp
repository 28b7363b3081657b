// `powlab race` on the command line: bad input exits 2 with a clear message; JSON and the
// event log come out whole and NaN-free.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

namespace powlab {
namespace {

using test::run_powlab;

struct BadCase {
  std::vector<std::string> args;
  std::string message;  // a piece of what stderr must say
};

TEST(RaceCli, BadInputExitsTwoWithAClearMessage) {
  const std::vector<BadCase> cases = {
      {{"--miners", "alice=0,bob=1"}, "power must be > 0"},
      {{"--miners", "alice=-3,bob=1"}, "power must be > 0"},
      {{"--miners", "alice=nan,bob=1"}, "NaN"},
      {{"--miners", "alice=inf,bob=1"}, "infinite"},
      {{"--miners", "alice=3,alice=1"}, "duplicate miner name 'alice'"},
      {{"--miners", ""}, "no miners"},
      {{}, "no miners"},
      {{"--nodes", "0"}, "no miners"},
      {{"--miners", "alice=1", "--delay-ms", "-5"}, "must not be negative"},
      {{"--miners", "alice=1", "--delay-ms", "nan"}, "finite"},
      {{"--miners", "alice=1", "--blocks", "0"}, "--blocks must be at least 1"},
      {{"--nodes", "40", "--topology", "random:1", "--seed", "1"}, "disconnected topology"},
      {{"--nodes", "5", "--topology", "random:9"}, "needs more than 9 nodes"},
      {{"--nodes", "5", "--topology", "ring"}, "unknown topology"},
      {{"--miners", "a=1", "--mode", "warp"}, "--mode must be live or event"},
      {{"--miners", "a=1", "--nodes", "3"}, "not both"},
      {{"--nodes", "3", "--power-dist", "zipf:-2"}, "zipf exponent"},
      {{"--miners", "a=1", "--seed", "-1"}, "--seed"},
      {{"--miners", "a=1", "--interval", "0"}, "--interval"},
      {{"--miners", "a=1", "--mode", "live", "--kernel", "no-such-kernel"}, "no-such-kernel"},
  };
  for (const BadCase& c : cases) {
    std::vector<std::string> args{"race"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    if (std::find(c.args.begin(), c.args.end(), "--blocks") == c.args.end()) {
      args.push_back("--blocks");
      args.push_back("10");
    }
    const auto r = run_powlab(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << joined << "\nstderr: " << r.err;
    EXPECT_EQ(r.out, "") << joined;
  }
  EXPECT_EQ(run_powlab({"race", "--miners", "a=1"}).exit_code, 2);  // --blocks is required
}

TEST(RaceCli, JsonSummaryHasEveryFieldAndNoNaN) {
  test::TempDir dir;
  const auto r = run_powlab({"race", "--miners", "alice=3,bob=1", "--blocks", "500", "--delay-ms", "800",
                             "--seed", "3", "--json", "--events", dir.file("ev.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("null"), std::string::npos);
  EXPECT_EQ(r.out.find("nan"), std::string::npos);
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["miners"].size(), 2u);
  std::uint64_t on_chain = 0, stale = 0;
  for (const auto& m : j["miners"]) {
    for (const char* key : {"name", "power", "expected_share", "share", "blocks", "stale", "rewards"}) {
      EXPECT_TRUE(m.contains(key)) << key;
    }
    on_chain += m["blocks"].get<std::uint64_t>();
    stale += m["stale"].get<std::uint64_t>();
  }
  EXPECT_EQ(j["miners"][0]["name"], "alice");
  EXPECT_DOUBLE_EQ(j["miners"][0]["expected_share"].get<double>(), 0.75);
  EXPECT_EQ(j["blocks"].get<std::uint64_t>(), 500u);
  EXPECT_EQ(on_chain, j["best_chain_blocks"].get<std::uint64_t>());
  EXPECT_EQ(on_chain + stale, 500u);
  for (const char* key : {"stale_rate", "stale_rate_formula", "mean_interval", "blocks"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["stale_rate_formula"].get<double>(), 0.0);
  EXPECT_FALSE(j["pow_checked"].get<bool>());
  std::ifstream in(dir.file("ev.csv"));
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "time,node,kind,height,hash,parent,depth");
}

TEST(RaceCli, OneMinerNeverPrintsNaN) {
  const auto r = run_powlab({"race", "--miners", "solo=1", "--blocks", "5", "--delay-ms", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("nan"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("one miner: nothing to test"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(
      run_powlab({"race", "--miners", "solo=1", "--blocks", "5", "--json"}).out);
  EXPECT_EQ(j["stale_rate"].get<double>(), 0.0);
  EXPECT_EQ(j["miners"][0]["share"].get<double>(), 1.0);
}

TEST(RaceCli, LiveModeRunsAndSaysPowIsReal) {
  const auto r = run_powlab({"race", "--mode", "live", "--miners", "alice=3,bob=1", "--blocks", "10", "--bits",
                             "0x1f0fffff", "--interval", "1", "--retarget", "1000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("proof of work: real"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("10 found"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace powlab
