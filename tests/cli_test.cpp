// The built powlab binary on good and bad input: exit codes, messages, JSON keys.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "powlab/util/csv.h"
#include "test_util.h"

namespace powlab {
namespace {

using test::run_powlab;
using nlohmann::json;

const char* kGenesis =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e"
    "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

TEST(CliHeader, GenesisJson) {
  const auto r = run_powlab({"header", kGenesis, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["hash"], "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["prev_hash"], std::string(64, '0'));
  EXPECT_EQ(j["merkle_root"], "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
  EXPECT_EQ(j["time"], 1231006505);
  EXPECT_EQ(j["bits"], "0x1d00ffff");
  EXPECT_EQ(j["nonce"], 2083236893u);
  EXPECT_EQ(j["target"], "00000000ffff" + std::string(52, '0'));
  EXPECT_EQ(j["difficulty"], 1.0);
  EXPECT_EQ(j["work"], std::string(55, '0') + "100010001");
  EXPECT_EQ(j["pow_ok"], true);
}

TEST(CliHeader, TextAndInvalidPow) {
  auto r = run_powlab({"header", kGenesis});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("2009-01-03 18:15:05 UTC"), std::string::npos);
  std::string tampered = kGenesis;
  tampered[150] = tampered[150] == '0' ? '1' : '0';  // a nonce nibble
  r = run_powlab({"header", tampered, "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.out)["pow_ok"], false);
}

TEST(CliHeader, BadInput) {
  auto r = run_powlab({"header", std::string(kGenesis).substr(0, 158)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("160 hex digits"), std::string::npos) << r.err;
  r = run_powlab({"header", std::string(kGenesis) + "00"});
  EXPECT_EQ(r.exit_code, 2);
  std::string bad = kGenesis;
  bad[10] = 'g';
  r = run_powlab({"header", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a hex digit"), std::string::npos) << r.err;
  r = run_powlab({"header"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"header", kGenesis, "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
}

TEST(CliHash, SourcesAndErrors) {
  auto r = run_powlab({"hash", "--hex", "616263"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
  r = run_powlab({"hash", "--double", "-"}, "abc");
  EXPECT_EQ(r.out, "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358\n");
  r = run_powlab({"hash", "--hex", ""});  // the empty message
  EXPECT_EQ(r.out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
  // A file, streamed: the genesis header's sha256d is its block hash in raw order.
  test::TempDir dir;
  write_file(dir.file("g.bin"), std::string(read_file(test::data_path("headers/chain_mainnet_0_255.bin")), 0, 80));
  r = run_powlab({"hash", "--double", "--file", dir.file("g.bin"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["digest"], "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000");
  EXPECT_EQ(json::parse(r.out)["bytes"], 80);

  r = run_powlab({"hash", "--hex", "abc"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("odd number"), std::string::npos) << r.err;
  r = run_powlab({"hash", "--file", dir.file("missing")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  r = run_powlab({"hash"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("exactly one input"), std::string::npos) << r.err;
  r = run_powlab({"hash", "--hex", "00", "-"}, "x");
  EXPECT_EQ(r.exit_code, 2);
}

TEST(CliDifficulty, RetargetAndInvalidBits) {
  auto r = run_powlab({"difficulty", "--bits", "0x1d00ffff", "--timespan", "1022578", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["bits"], "0x1d00ffff");
  EXPECT_EQ(j["next_bits"], "0x1d00d86a");  // Core pow_tests get_next_work
  EXPECT_EQ(j["difficulty"], 1.0);
  EXPECT_EQ(j["work"], std::string(55, '0') + "100010001");
  EXPECT_EQ(j["target"], "00000000ffff" + std::string(52, '0'));
  r = run_powlab({"difficulty", "--bits", "0x1c05a3f4", "--timespan", "1", "--json"});
  EXPECT_EQ(json::parse(r.out)["next_bits"], "0x1c0168fd");  // clamped at /4
  r = run_powlab({"difficulty", "--bits", "0x1d00ffff", "--json"});
  EXPECT_TRUE(json::parse(r.out)["next_bits"].is_null());

  r = run_powlab({"difficulty", "--bits", "0x1d80ffff"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("negative"), std::string::npos) << r.err;
  r = run_powlab({"difficulty", "--bits", "0xff123456"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("overflow"), std::string::npos) << r.err;
  r = run_powlab({"difficulty", "--bits", "0x00000000"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("zero"), std::string::npos) << r.err;
  r = run_powlab({"difficulty", "--bits", "486604799"});  // decimal is refused, not guessed
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("0x prefix"), std::string::npos) << r.err;
  r = run_powlab({"difficulty", "--bits", "0x1d00ffff", "--timespan", "abc"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"difficulty", "--bits", "0x1d00ffff", "--timespan", "99999999999999999999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
  r = run_powlab({"difficulty", "--bits", "0x1d00ffff", "--timespan", "0x10"});  // no hex guessing
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"difficulty", "--bits", "0x1d00ffff", "--timespan", "-5", "--json"});  // clamps to /4
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(json::parse(r.out)["clamped_timespan"], 302400);
}

TEST(CliVerify, RealChainsValid) {
  auto r = run_powlab({"verify", test::data_path("headers/chain_mainnet_0_255.bin"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  EXPECT_EQ(j["headers"], 256);
  EXPECT_EQ(j["first_height"], 0);
  EXPECT_EQ(j["tip_hash"], "00000000d0a75c861fabf9ff7b92022f60e4afeed9331fe5aa073d8e4706fe3c");
  EXPECT_EQ(j["chainwork"], std::string(53, '0') + "10001000100");
  r = run_powlab({"verify", test::data_path("headers/chain_mainnet_826540_826579_retarget.csv"), "--height",
                  "826540", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(json::parse(r.out)["headers"], 40);
  // Wrong --height puts the real retarget inside a period: bad-diffbits.
  r = run_powlab({"verify", test::data_path("headers/chain_mainnet_826540_826579_retarget.csv"), "--height",
                  "826541", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.out)["reason"], "bad-diffbits");
  EXPECT_EQ(json::parse(r.out)["height"], 826561);
}

TEST(CliVerify, FailuresNameHeightHashReason) {
  test::TempDir dir;
  const std::string bin = read_file(test::data_path("headers/chain_mainnet_0_255.bin"));
  // Truncated file: bad-length at the cut header.
  write_file(dir.file("cut.bin"), bin.substr(0, 80 * 10 + 40));
  auto r = run_powlab({"verify", dir.file("cut.bin"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  json j = json::parse(r.out);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["reason"], "bad-length");
  EXPECT_EQ(j["height"], 10);
  EXPECT_EQ(j["headers"], 10);
  // A flipped nonce byte in header 7: high-hash at 7, with its hash.
  std::string flipped = bin;
  flipped[80 * 7 + 76] ^= 0x01;
  write_file(dir.file("flip.bin"), flipped);
  r = run_powlab({"verify", dir.file("flip.bin")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("INVALID at height 7: high-hash"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hash "), std::string::npos);
  // Reordered headers: bad-prevblk.
  std::string swapped = bin.substr(0, 80 * 6);
  std::swap_ranges(swapped.begin() + 80 * 4, swapped.begin() + 80 * 5, swapped.begin() + 80 * 5);
  write_file(dir.file("swap.bin"), swapped);
  r = run_powlab({"verify", dir.file("swap.bin"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.out)["reason"], "bad-prevblk");
  EXPECT_EQ(json::parse(r.out)["height"], 4);
}

TEST(CliVerify, UnreadableInputIsUsageError) {
  test::TempDir dir;
  auto r = run_powlab({"verify", dir.file("missing.bin")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  write_file(dir.file("empty"), "");
  r = run_powlab({"verify", dir.file("empty")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("empty"), std::string::npos) << r.err;
  write_file(dir.file("junk.txt"), std::string(159, 'a') + "q\n");
  r = run_powlab({"verify", dir.file("junk.txt")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not a hex digit"), std::string::npos) << r.err;
  r = run_powlab({"verify", dir.path()});
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"verify", test::data_path("headers/chain_mainnet_0_255.bin"), "--height", "abc"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"verify", test::data_path("headers/chain_mainnet_0_255.bin"), "--height", "-1"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"verify", test::data_path("headers/chain_mainnet_0_255.bin"), "--height", "99999999999999999999"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"verify", test::data_path("headers/chain_mainnet_0_255.bin"), "--unknown-flag"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, NoSubcommandAndHelp) {
  auto r = run_powlab({});
  EXPECT_EQ(r.exit_code, 2);
  r = run_powlab({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("verify"), std::string::npos);
  r = run_powlab({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace powlab

namespace powlab {
namespace {

// CLI11 2.1 alone would read "0x10" as 16 and saturate an overflow to INT64_MAX: every integer
// option in powlab must refuse both instead (PRACTICES bad input case 2).
TEST(Cli, IntegerOptionsAreStrictEverywhere) {
  const std::vector<std::vector<std::string>> cases = {
      {"difficulty", "--bits", "0x1d00ffff", "--timespan", "0x10"},
      {"verify", test::data_path("headers/chain_mainnet_0_255.bin"), "--height", "1e3"},
      {"mine", "--blocks", "0x10", "--zeros", "8"},
      {"mine", "--blocks", "1", "--zeros", "8", "--threads", "99999999999"},
      {"mine", "--blocks", "1", "--zeros", "99999999999999999999"},
      {"chain", "tamper", "missing.chain", "--height", "1x", "--amount", "5"},
      {"scan", kGenesis, "--from", "0", "--count", "-1"},  // scan takes 0x nonces on purpose
      {"scan", kGenesis, "--from", "0", "--count", "99999999999999999999"},
      {"race", "--miners", "a=1,b=1", "--blocks", "99999999999999999999"},
  };
  for (const auto& args : cases) {
    const auto r = run_powlab(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
}

}  // namespace
}  // namespace powlab
