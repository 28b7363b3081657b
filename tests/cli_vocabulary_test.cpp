// docs/VOCABULARY.md, checked: every subcommand of the built binary, with tiny arguments, speaks
// the same dialect: one error format, typed numeric options in --help, `hashes_per_second` for
// every hash rate, integer amounts with `amount_unit`, one hash-rate style and singular counts
// in text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "test_util.h"

namespace powlab {
namespace {

using nlohmann::json;
using test::run_powlab;

using test::kGenesis;

using test::joined;

// Every subcommand, as the words that name it, and tiny valid arguments for it (a chain file
// made by the fixture stands in for FILE).
struct Walk {
  std::vector<std::string> path;
  std::vector<std::string> args;
};

class Vocabulary : public ::testing::Test {
 protected:
  void SetUp() override {
    chain = dir.file("lab.chain");
    const auto m = run_powlab({"mine", "--chain", chain, "--blocks", "2", "--zeros", "4", "--threads", "1", "--miner",
                               "alice", "--maturity", "0"});
    ASSERT_EQ(m.exit_code, 0) << m.err;
    events = dir.file("race.csv");
    const auto e = run_powlab({"race", "--miners", "a=1,b=1", "--blocks", "5", "--events", events});
    ASSERT_EQ(e.exit_code, 0) << e.err;
  }
  std::vector<Walk> walks() const {
    return {
        {{"hash"}, {"--hex", "00"}},
        {{"header"}, {kGenesis}},
        {{"difficulty"}, {"--bits", "0x1d00ffff"}},
        {{"verify"}, {test::data_path("headers/chain_mainnet_0_255.bin")}},
        {{"mine"}, {"--zeros", "4", "--threads", "1"}},
        {{"send"}, {"--chain", chain, "--from", "alice", "--to", "bob", "--amount", "1"}},
        {{"chain", "show"}, {chain}},
        {{"chain", "verify"}, {chain}},
        {{"chain", "balances"}, {chain}},
        {{"chain", "tamper"}, {chain, "--height", "1", "--amount", "7", "--output", dir.file("t.chain")}},
        {{"race"}, {"--miners", "a=1,b=1", "--blocks", "5"}},
        {{"kernels"}, {}},
        {{"scan"}, {kGenesis, "--from", "2083236890", "--count", "10", "--threads", "1"}},
        {{"bench"}, {"--kernel", "scalar", "--threads", "1", "--seconds", "0.05", "--repeats", "1"}},
        {{"attack", "double-spend"}, {"--q", "0.1", "--z", "2", "--trials", "200"}},
        {{"attack", "majority"}, {"--alpha", "0.4", "--depth", "1", "--trials", "200"}},
        {{"cryptojack"}, {"--preset", "coinhive-2018-02"}},
        {{"watch"}, {"--duration", "0.3", "--interval", "0.1"}},
        {{"attack", "selfish"}, {"--alpha", "0.3", "--gamma", "0.5", "--blocks", "2000"}},
        {{"draw"}, {"--events", events, "--svg", dir.file("tree.svg")}},
    };
  }
  static std::vector<std::string> cat(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<std::string> v = a;
    v.insert(v.end(), b.begin(), b.end());
    return v;
  }
  test::TempDir dir;
  std::string chain;
  std::string events;
};

// One line on stderr, "powlab PATH: error: ...", exit 2, nothing on stdout: for an unknown
// option (CLI11's own parse error), for a bad value, and for input that cannot be read.
TEST_F(Vocabulary, OneErrorFormatEverywhere) {
  for (const Walk& w : walks()) {
    const std::string prefix = "powlab " + joined(w.path).substr(0, joined(w.path).size() - 1) + ": error: ";
    for (const auto& bad : {std::vector<std::string>{"--no-such-option"}, std::vector<std::string>{"--json", "extra"}}) {
      const auto args = cat(cat(w.path, w.args), bad);
      const auto r = run_powlab(args);
      EXPECT_EQ(r.exit_code, 2) << joined(args) << r.err;
      EXPECT_TRUE(r.err.starts_with(prefix)) << joined(args) << "\n" << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << joined(args) << "\n" << r.err;
      EXPECT_EQ(r.out, "") << joined(args);
    }
  }
  // A well-formed request that fails a rule speaks the same way (exit 1).
  const auto r = run_powlab({"send", "--chain", chain, "--from", "bob", "--to", "alice", "--amount", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.starts_with("powlab send: error: insufficient funds")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// The type CLI11 shows for each option in --help: "  --name TYPE  description".
std::map<std::string, std::string> option_types(const std::string& help) {
  std::map<std::string, std::string> types;
  static const std::regex line(R"(^\s+(?:-\w,)?(--[a-z-]+)(?:,-\w)?\s+([A-Z][A-Z,.\[\]]*)?)");
  std::istringstream in(help);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) types[m[1]] = m[2];
  }
  return types;
}

// Options whose value is a number, wherever they appear.
const std::set<std::string> kNumeric = {"--blocks",  "--zeros",   "--bits",     "--threads",  "--throttle",
                                        "--max-seconds", "--interval", "--retarget", "--halving", "--pow-limit",
                                        "--height",  "--timespan", "--from",     "--count",    "--seconds",
                                        "--repeats", "--tx",      "--amount",   "--fee",      "--hex",
                                        "--q",       "--z",       "--trials",   "--alpha",    "--depth",
                                        "--risk",    "--premine", "--seed",     "--hosts",    "--sessions",
                                        "--session-seconds", "--hashes", "--coinhive-throttle", "--network-difficulty",
                                        "--block-reward", "--block-time", "--coin-price", "--watts-load",
                                        "--watts-idle", "--kwh-price", "--threshold", "--cores", "--network-bits",
                                        "--window", "--duration", "--pid"};

void expect_typed_help(const std::vector<std::string>& path) {
  std::vector<std::string> args = path;
  args.push_back("--help");
  const auto r = run_powlab(args);
  ASSERT_EQ(r.exit_code, 0) << joined(path);
  for (const auto& [name, type] : option_types(r.out)) {
    if (!kNumeric.count(name) || (path[0] == "send" && name == "--from")) continue;  // send --from is a name
    EXPECT_TRUE(type.starts_with("INT") || type == "NUM" || type == "HEX")
        << joined(path) << name << " shows '" << type << "'";
  }
}

TEST_F(Vocabulary, HelpShowsNumericTypes) {
  for (const Walk& w : walks()) {
    if (w.path[0] == "race") continue;  // race's own options: see RaceSpeaksIt below
    expect_typed_help(w.path);
  }
}

// Every key that holds a hash rate is `hashes_per_second` (or ends with it); every amount is an
// integer and the document says its unit.
void check_json_keys(const json& j, const std::string& where, bool* saw_rate) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      const bool rate_like = key.find("hashrate") != std::string::npos || key.find("hash_rate") != std::string::npos ||
                             key.find("per_second") != std::string::npos || key.find("nonces_per") != std::string::npos;
      if (rate_like) {
        // docs/VOCABULARY.md: wall-clock unless the key says _cpu.
        EXPECT_TRUE(key.ends_with("hashes_per_second") || key.ends_with("hashes_per_second_cpu"))
            << where << ": key '" << key << "'";
        *saw_rate = true;
      }
      static const std::set<std::string> kAmounts = {"amount", "reward", "rewards", "fees", "fee", "subsidy", "change"};
      if (kAmounts.count(key) && !value.is_object()) {
        EXPECT_TRUE(value.is_number_integer()) << where << ": '" << key << "' = " << value;
      }
      check_json_keys(value, where, saw_rate);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) check_json_keys(v, where, saw_rate);
  }
}

std::vector<json> json_documents(const std::string& out) {
  std::vector<json> docs;
  if (out.starts_with("{\n")) return {json::parse(out)};  // one pretty document
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) docs.push_back(json::parse(l));  // JSON Lines
  }
  return docs;
}

TEST_F(Vocabulary, JsonRatesAndAmounts) {
  for (const Walk& w : walks()) {
    if (w.path[0] == "race") continue;
    const auto args = cat(cat(w.path, w.args), {"--json"});
    const auto r = run_powlab(args);
    ASSERT_EQ(r.exit_code, 0) << joined(args) << r.err;
    bool saw_rate = false;
    for (const json& doc : json_documents(r.out)) {
      check_json_keys(doc, joined(args), &saw_rate);
      const bool has_amount = doc.dump().find("\"amount\"") != std::string::npos ||
                              doc.dump().find("\"reward\"") != std::string::npos ||
                              doc.dump().find("\"balances\"") != std::string::npos;
      if (has_amount) {
        EXPECT_EQ(doc.value("amount_unit", ""), "1e-8 coin") << joined(args);
      }
    }
    // The commands that hash report a rate, under that name.
    if (w.path[0] == "mine" || w.path[0] == "scan" || w.path[0] == "bench") {
      EXPECT_TRUE(saw_rate) << joined(args) << r.out;
    }
  }
}

// Text: hash rates only as format_hashrate writes them; "1 block", never "1 blocks".
TEST_F(Vocabulary, TextRatesAndCounts) {
  static const std::regex bad_rate(R"(\d (M|k|G)?/s|nonces/s|\d M\b)");
  static const std::regex good_rate(R"(\d+(\.\d\d)? (k|M|G|T)?H/s)");
  static const std::regex one_plural(
      R"(\b1 (blocks|headers|valid headers|bytes|txs|transactions|transfers|inputs|threads|nonces|hashes|miners|winners|coins|stale blocks)\b)");
  for (const Walk& w : walks()) {
    const auto args = cat(w.path, w.args);
    const auto r = run_powlab(args);
    ASSERT_EQ(r.exit_code, 0) << joined(args) << r.err;
    EXPECT_FALSE(std::regex_search(r.out, bad_rate)) << joined(args) << "\n" << r.out;
    EXPECT_FALSE(std::regex_search(r.out, one_plural)) << joined(args) << "\n" << r.out;
    if (w.path[0] == "mine" || w.path[0] == "scan" || w.path[0] == "bench") {
      EXPECT_TRUE(std::regex_search(r.out, good_rate)) << joined(args) << "\n" << r.out;
    }
  }
  // Exactly one of each, where the old wording said "1 txs" and "1 valid headers".
  const auto one = run_powlab({"mine", "--chain", chain, "--blocks", "1", "--threads", "1", "--miner", "carol"});
  EXPECT_NE(one.out.find("done: 1 of 1 block,"), std::string::npos) << one.out;
  const auto single = run_powlab({"verify", test::data_path("headers/chain_mainnet_0_255.bin"), "--json"});
  ASSERT_EQ(single.exit_code, 0);
}

// Amounts in text: eight decimals and the unit, everywhere.
TEST_F(Vocabulary, TextAmountsHaveEightDecimals) {
  const auto b = run_powlab({"chain", "balances", chain});
  EXPECT_NE(b.out.find("alice  100.00000000 coins  (mined 2 blocks: subsidy 100.00000000 coins, fees 0.00000000 coins)"),
            std::string::npos)
      << b.out;
  const auto s = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "12.5"});
  EXPECT_NE(s.out.find("alice -> bob 12.50000000 coins (fee 0.00010000 coins, 1 input, change 37.49990000 coins"),
            std::string::npos)
      << s.out;
}

// race follows the same vocabulary (docs/VOCABULARY.md): typed help, hashes_per_second, and
// integer rewards with amount_unit.
TEST_F(Vocabulary, RaceSpeaksIt) {
  expect_typed_help({"race"});
  const auto r = run_powlab({"race", "--miners", "a=1,b=1", "--blocks", "5", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  bool saw_rate = false;
  const json j = json::parse(r.out);
  check_json_keys(j, "race --json", &saw_rate);
  EXPECT_TRUE(saw_rate);
  EXPECT_EQ(j.value("amount_unit", ""), "1e-8 coin");
}

}  // namespace
}  // namespace powlab
