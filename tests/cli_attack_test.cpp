// `powlab attack` on the command line (issue 11, parts 1 and 3): the JSON keys and values the
// issue lists, lists and --risk, and one-line errors with exit 2 for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace powlab {
namespace {

using test::run_powlab;

nlohmann::json run_json(const std::vector<std::string>& args) {
  const auto r = run_powlab(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(CliAttack, DoubleSpendJson) {
  const auto j = run_json({"attack", "double-spend", "--q", "0.3", "--z", "5", "--trials", "20000", "--seed", "3",
                           "--json"});
  for (const char* key : {"q", "z", "trials", "successes", "probability", "ci95", "exact", "nakamoto",
                          "cutoff_bias_bound", "reorgs"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["trials"], 20000);
  EXPECT_NEAR(j["nakamoto"].get<double>(), 0.1773523, 5e-8);
  EXPECT_NEAR(j["exact"].get<double>(), 0.1976173, 5e-8);
  const double low = j["ci95"][0];
  const double high = j["ci95"][1];
  EXPECT_LE(low, j["exact"].get<double>());
  EXPECT_GE(high, j["exact"].get<double>());
  EXPECT_EQ(j["successes"].get<double>() / 20000, j["probability"].get<double>());
  EXPECT_EQ(j["reorgs"], j["successes"]);
  // The cut-off's bias is far inside the interval.
  EXPECT_LT(j["cutoff_bias_bound"].get<double>(), (high - low) / 100);

  const auto p0 = run_json({"attack", "double-spend", "--q", "0.1", "--z", "5", "--premine", "0", "--json"});
  EXPECT_NEAR(p0["exact"].get<double>(), 0.0003286, 5e-8);
  EXPECT_NEAR(p0["nakamoto"].get<double>(), 0.0009137, 5e-8);
  const auto p1 = run_json({"attack", "double-spend", "--q", "0.1", "--z", "5", "--json"});
  EXPECT_NEAR(p1["exact"].get<double>(), 0.0017818, 5e-8);
  EXPECT_LE(p1["ci95"][0].get<double>(), p1["exact"].get<double>());
  EXPECT_GE(p1["ci95"][1].get<double>(), p1["exact"].get<double>());
}

TEST(CliAttack, SeedChangesSuccesses) {
  const auto a = run_json({"attack", "double-spend", "--q", "0.3", "--z", "5", "--seed", "1", "--json"});
  const auto b = run_json({"attack", "double-spend", "--q", "0.3", "--z", "5", "--seed", "2", "--json"});
  EXPECT_NE(a["successes"], b["successes"]);
  EXPECT_EQ(a["exact"], b["exact"]);
}

TEST(CliAttack, ListsMakeRows) {
  const auto j = run_json({"attack", "double-spend", "--q", "0.1,0.3", "--z", "1,5", "--trials", "2000", "--json"});
  ASSERT_TRUE(j.contains("rows"));
  ASSERT_EQ(j["rows"].size(), 4u);
  EXPECT_EQ(j["rows"][3]["q"], 0.3);
  EXPECT_EQ(j["rows"][3]["z"], 5);
  EXPECT_NEAR(j["rows"][3]["nakamoto"].get<double>(), 0.1773523, 5e-8);
}

TEST(CliAttack, RiskTable) {
  const auto j = run_json({"attack", "double-spend", "--q", "0.10,0.15,0.20,0.25,0.30,0.35,0.40,0.45", "--risk",
                           "0.001", "--json"});
  const std::vector<int> nakamoto{5, 8, 11, 15, 24, 41, 89, 340};
  const std::vector<int> exact{6, 9, 13, 20, 32, 58, 133, 539};
  ASSERT_EQ(j["rows"].size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(j["rows"][i]["min_z_nakamoto"], nakamoto[i]) << i;
    EXPECT_EQ(j["rows"][i]["min_z_exact"], exact[i]) << i;
  }
  const auto text = run_powlab({"attack", "double-spend", "--q", "0.3", "--risk", "0.001"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("24"), std::string::npos);
  EXPECT_NE(text.out.find("32"), std::string::npos);
}

TEST(CliAttack, HalfOrMoreIsCertain) {
  const auto j = run_json({"attack", "double-spend", "--q", "0.6", "--z", "3", "--trials", "500", "--json"});
  EXPECT_EQ(j["exact"], 1.0);
  EXPECT_EQ(j["successes"], 500);
  EXPECT_TRUE(j.contains("exact_note"));
  const auto t = run_powlab({"attack", "double-spend", "--q", "0.5", "--z", "2", "--trials", "200"});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("probability 1"), std::string::npos) << t.out;
}

TEST(CliAttack, MajorityJson) {
  const auto j = run_json({"attack", "majority", "--alpha", "0.4", "--depth", "2", "--trials", "20000", "--json"});
  EXPECT_NEAR(j["analytic"].get<double>(), 0.2963, 5e-5);
  EXPECT_LE(j["ci95"][0].get<double>(), j["analytic"].get<double>());
  EXPECT_GE(j["ci95"][1].get<double>(), j["analytic"].get<double>());
  EXPECT_TRUE(j["mean_blocks"].is_null());
  EXPECT_EQ(j["reorgs"], j["successes"]);
  const auto m = run_json({"attack", "majority", "--alpha", "0.6", "--depth", "6", "--json"});
  EXPECT_EQ(m["probability"], 1.0);
  EXPECT_NEAR(m["mean_blocks_analytic"].get<double>(), 35.0, 1e-9);
  EXPECT_NEAR(m["mean_blocks"].get<double>(), 35.0, 1.2);
}

TEST(CliAttack, BadInputExitsTwoWithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"double-spend", "--q", "0", "--z", "5"},        {"double-spend", "--q", "1", "--z", "5"},
      {"double-spend", "--q", "-0.1", "--z", "5"},     {"double-spend", "--q", "nan", "--z", "5"},
      {"double-spend", "--q", "0.1", "--z", "0"},      {"double-spend", "--q", "0.1", "--z", "5", "--trials", "0"},
      {"double-spend", "--q", "0.1,,0.2", "--z", "5"}, {"double-spend", "--q", "0.1", "--z", "5,"},
      {"double-spend", "--q", "x", "--z", "5"},        {"double-spend", "--q", "0.1"},
      {"double-spend", "--q", "0.1", "--z", "5", "--premine", "2"},
      {"double-spend", "--q", "0.1", "--risk", "1"},   {"double-spend", "--q", "0.1", "--z", "3", "--risk", "0.1"},
      {"majority", "--alpha", "0", "--depth", "2"},    {"majority", "--alpha", "1.5", "--depth", "2"},
      {"majority", "--alpha", "0.4", "--depth", "0"},  {"majority", "--alpha", "0.4", "--depth", "2", "--trials", "0"},
      {"majority", "--depth", "2"},
      {"selfish", "--alpha", "0", "--gamma", "0"},     {"selfish", "--alpha", "1", "--gamma", "0"},
      {"selfish", "--alpha", "-0.2", "--gamma", "0"},  {"selfish", "--alpha", "0.3", "--gamma", "-0.1"},
      {"selfish", "--alpha", "0.3", "--gamma", "1.5"}, {"selfish", "--alpha", "0.3", "--gamma", "nan"},
      {"selfish", "--alpha", "0.3", "--gamma", "x"},   {"selfish", "--alpha", "0.3,", "--gamma", "0"},
      {"selfish", "--alpha", "0.3"},                   {"selfish", "--alpha", "0.3", "--gamma", "0", "--blocks", "0"},
      {"selfish", "--alpha", "0.3", "--gamma", "0", "--blocks", "1000000"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"attack"};
    args.insert(args.end(), c.begin(), c.end());
    const auto r = run_powlab(args);
    std::string what;
    for (const auto& a : args) what += a + " ";
    EXPECT_EQ(r.exit_code, 2) << what << r.err;
    EXPECT_TRUE(r.err.starts_with("powlab attack " + c[0] + ": error: ")) << what << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << r.err;
    EXPECT_EQ(r.out, "") << what;
  }
}

// attack selfish: the keys, the revenue share as counted on the chain, and the closed
// forms beside it.
TEST(CliAttack, SelfishJson) {
  const auto j = run_json({"attack", "selfish", "--alpha", "0.3", "--gamma", "0.5", "--blocks", "20000", "--json"});
  for (const char* key : {"alpha", "gamma", "blocks", "revenue_share", "eyal_sirer", "threshold", "stale_blocks",
                          "best_chain_blocks", "withheld_blocks", "revealed_blocks", "gamma_measured"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["blocks"], 20000);
  EXPECT_NEAR(j["eyal_sirer"].get<double>(), 0.3269, 5e-5);
  EXPECT_NEAR(j["threshold"].get<double>(), 0.25, 1e-12);
  EXPECT_EQ(j["revenue_share"].get<double>(),
            j["pool_best_chain_blocks"].get<double>() / j["best_chain_blocks"].get<double>());
  EXPECT_EQ(j["stale_blocks"].get<std::uint64_t>() + j["best_chain_blocks"].get<std::uint64_t>(), 20000u);
  // 20,000 blocks: four standard deviations of the share are about 0.03 here.
  EXPECT_NEAR(j["revenue_share"].get<double>(), 0.3269, 0.03);
  EXPECT_GT(j["withheld_blocks"].get<std::uint64_t>(), 1000u);

  const auto rows = run_json({"attack", "selfish", "--alpha", "0.3,0.4", "--gamma", "0,1", "--blocks", "2000", "--json"});
  ASSERT_EQ(rows["rows"].size(), 4u);
  EXPECT_EQ(rows["rows"][3]["alpha"], 0.4);
  EXPECT_EQ(rows["rows"][3]["gamma"], 1.0);
  EXPECT_EQ(rows["rows"][3]["ties_to_pool"], rows["rows"][3]["ties"]);
  EXPECT_EQ(rows["rows"][0]["ties_to_pool"], 0);
}

// A selfish miner inside `powlab race`: the summary says what it did, and the event log holds
// its withheld and revealed blocks.
TEST(CliAttack, RaceWithSelfishMiner) {
  test::TempDir dir;
  const std::string csv = dir.file("events.csv");
  const auto r = run_powlab({"race", "--miners", "honest=7,eve=3:selfish", "--gamma", "0.5", "--blocks", "400",
                             "--seed", "4", "--events", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("selfish miner eve (Eyal-Sirer): "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gamma 0.500 (drawn)"), std::string::npos) << r.out;
  std::ifstream in(csv);
  std::map<std::string, int> kinds;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string time, node, kind;
    std::getline(f, time, ',');
    std::getline(f, node, ',');
    std::getline(f, kind, ',');
    ++kinds[kind];
    if (kind == "withheld" || kind == "revealed") {
      EXPECT_EQ(node, "eve") << line;
    }
  }
  EXPECT_GT(kinds["withheld"], 20);
  EXPECT_GT(kinds["revealed"], 20);
  EXPECT_GT(kinds["reorg"], 5);

  const auto j = run_json({"race", "--miners", "h1=1,h2=1,h3=1,eve=1.5:selfish", "--gamma", "network", "--delay-ms",
                           "1000", "--interval", "600", "--blocks", "3000", "--json"});
  EXPECT_TRUE(j["selfish"]["gamma"].is_null());
  EXPECT_EQ(j["selfish"]["gamma_source"], "network");
  EXPECT_GT(j["selfish"]["ties"].get<int>(), 50);
  EXPECT_GT(j["selfish"]["gamma_measured"].get<double>(), 0.4);  // two of three honest nodes see the pool first
}

TEST(CliAttack, RaceSelfishBadInputExitsTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {"--miners", "a=1,b=1:greedy"},
      {"--miners", "a=1:selfish,b=1:selfish"},
      {"--miners", "a=1,b=1:"},
      {"--miners", "a=1,b=1", "--gamma", "0.5"},
      {"--miners", "a=1,b=1:selfish", "--gamma", "1.5"},
      {"--miners", "a=1,b=1:selfish", "--gamma", "-1"},
      {"--miners", "a=1,b=1:selfish", "--gamma", "nets"},
      {"--miners", "a=1,b=1:selfish", "--gamma", "network", "--mode", "live"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"race", "--blocks", "10"};
    args.insert(args.end(), c.begin(), c.end());
    const auto r = run_powlab(args);
    std::string what;
    for (const auto& a : args) what += a + " ";
    EXPECT_EQ(r.exit_code, 2) << what << r.err;
    EXPECT_TRUE(r.err.starts_with("powlab race: error: ")) << what << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << r.err;
    EXPECT_EQ(r.out, "") << what;
  }
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> w;
  std::istringstream in(line);
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

// The README's "Attacks" section shows real output: every `$ powlab attack ...` block in it is
// run again and must print exactly what the README shows.
TEST(CliAttack, ReadmeShowsRealOutput) {
  std::ifstream in(std::string(POWLAB_TEST_DATA) + "/../../README.md");
  ASSERT_TRUE(in) << "README.md not found";
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  int blocks = 0;
  for (std::size_t at = text.find("```console\n$ powlab attack "); at != std::string::npos;
       at = text.find("```console\n$ powlab attack ", at + 1)) {
    const std::size_t cmd_start = at + std::string("```console\n$ ").size();
    const std::size_t cmd_end = text.find('\n', cmd_start);
    const std::size_t out_end = text.find("```", cmd_end);
    auto args = words(text.substr(cmd_start, cmd_end - cmd_start));
    args.erase(args.begin());  // "powlab"
    const auto r = run_powlab(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, text.substr(cmd_end + 1, out_end - cmd_end - 1)) << text.substr(cmd_start, cmd_end - cmd_start);
    ++blocks;
  }
  EXPECT_GE(blocks, 3);
}

// --help shows each attack with output: the lines it shows are what the command prints.
TEST(CliAttack, HelpShowsRealOutput) {
  for (const std::string sub : {"double-spend", "majority", "selfish"}) {
    const auto help = run_powlab({"attack", sub, "--help"});
    ASSERT_EQ(help.exit_code, 0);
    const std::size_t at = help.out.find("$ powlab attack " + sub);
    ASSERT_NE(at, std::string::npos) << help.out;
    std::istringstream lines(help.out.substr(at));
    std::string line;
    std::getline(lines, line);
    auto args = words(line);
    args.erase(args.begin(), args.begin() + 2);  // "$ powlab"
    const auto r = run_powlab(args);
    int shown = 0;
    while (std::getline(lines, line) && line.starts_with("  ")) {
      EXPECT_NE(r.out.find(line + "\n"), std::string::npos) << line;
      ++shown;
    }
    EXPECT_GE(shown, 2) << sub;
  }
}

}  // namespace
}  // namespace powlab
