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

using test::kGenesis;

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
  EXPECT_TRUE(r.out.starts_with("4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358  (internal byte order;")) << r.out;
  r = run_powlab({"hash", "--hex", ""});  // the empty message
  EXPECT_EQ(r.out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
  // A file, streamed: the genesis header's sha256d is its block hash in raw order.
  test::TempDir dir;
  write_file(dir.file("g.bin"), std::string(read_file(test::data_path("headers/chain_mainnet_0_255.bin")), 0, 80));
  r = run_powlab({"hash", "--double", "--file", dir.file("g.bin"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // sha256d names its byte order: internal (as in a header's prev_hash) and display.
  EXPECT_EQ(json::parse(r.out)["digest_internal"], "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000");
  EXPECT_EQ(json::parse(r.out)["digest_display"], "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
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
  EXPECT_EQ(j["count"], 256);
  EXPECT_EQ(j["first_height"], 0);
  EXPECT_EQ(j["tip_hash"], "00000000d0a75c861fabf9ff7b92022f60e4afeed9331fe5aa073d8e4706fe3c");
  EXPECT_EQ(j["chainwork"], std::string(53, '0') + "10001000100");
  r = run_powlab({"verify", test::data_path("headers/chain_mainnet_826540_826579_retarget.csv"), "--height",
                  "826540", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(json::parse(r.out)["count"], 40);
  EXPECT_EQ(json::parse(r.out)["tip_height"], 826579);
  // Wrong --height puts the real retarget inside a period: bad-diffbits. The CSV's own height
  // column would contradict it, so the same headers go in as hex lines.
  test::TempDir dir;
  std::string hex;
  const CsvTable t = test::data_csv("headers/chain_mainnet_826540_826579_retarget.csv");
  for (const auto& row : t.rows) hex += row[t.column("header_hex")] + "\n";
  write_file(dir.file("retarget.hex"), hex);
  r = run_powlab({"verify", dir.file("retarget.hex"), "--height", "826541", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.out)["reason"], "bad-diffbits");
  EXPECT_EQ(json::parse(r.out)["failed_height"], 826561);
}

// A CSV's height column places its headers: no --height needed, and a failure is reported at
// the CSV's height (block 170 of notable_headers.csv was "height 3" before).
TEST(CliVerify, CsvHeightColumnIsUsed) {
  auto r = run_powlab({"verify", test::data_path("headers/chain_mainnet_826540_826579_retarget.csv"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["first_height"], 826540);
  EXPECT_EQ(j["tip_height"], 826579);
  r = run_powlab({"verify", test::data_path("headers/notable_headers.csv"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  j = json::parse(r.out);
  EXPECT_EQ(j["reason"], "bad-prevblk");
  EXPECT_EQ(j["failed_height"], 170);
  EXPECT_EQ(j["count"], 3);
  r = run_powlab({"verify", test::data_path("headers/notable_headers.csv")});
  EXPECT_NE(r.out.find("INVALID at height 170: bad-prevblk"), std::string::npos) << r.out;
  // --height may only agree with the column.
  r = run_powlab({"verify", test::data_path("headers/notable_headers.csv"), "--height", "5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("height column"), std::string::npos) << r.err;
}

// verify and chain verify describe a result with the same keys (docs/VOCABULARY.md).
TEST(CliVerify, OneSetOfResultKeys) {
  test::TempDir dir;
  const std::string bin = read_file(test::data_path("headers/chain_mainnet_0_255.bin"));
  std::string flipped = bin.substr(0, 80 * 10);
  flipped[80 * 7 + 76] ^= 0x01;
  write_file(dir.file("flip.bin"), flipped);
  const json v = json::parse(run_powlab({"verify", dir.file("flip.bin"), "--json"}).out);
  const std::string chain = dir.file("lab.chain");
  ASSERT_EQ(run_powlab({"mine", "--chain", chain, "--blocks", "3", "--zeros", "4", "--threads", "1"}).exit_code, 0);
  ASSERT_EQ(run_powlab({"chain", "tamper", chain, "--height", "1", "--amount", "1000"}).exit_code, 0);
  const json c = json::parse(run_powlab({"chain", "verify", chain + ".tampered", "--json"}).out);
  const json ok = json::parse(run_powlab({"chain", "verify", chain, "--json"}).out);
  for (const char* key : {"valid", "count", "tip_hash", "tip_height", "failed_height", "failed_hash", "reason", "detail"}) {
    EXPECT_TRUE(v.contains(key)) << "verify lacks " << key << ": " << v;
    EXPECT_TRUE(c.contains(key)) << "chain verify lacks " << key << ": " << c;
  }
  EXPECT_EQ(v["failed_height"], 7);
  EXPECT_EQ(v["count"], 7);  // checked before the failure
  EXPECT_EQ(c["failed_height"], 1);
  EXPECT_EQ(c["count"], 3);
  EXPECT_EQ(ok["valid"], true);
  EXPECT_EQ(ok["tip_height"], 2);
  EXPECT_EQ(ok["count"], 3);
  for (const char* old : {"headers", "height", "height_failed", "tip", "blocks"}) {
    EXPECT_FALSE(v.contains(old)) << old;
    EXPECT_FALSE(c.contains(old)) << old;
  }
}

// Input that is not headers cannot be parsed (exit 2): it is not an invalid chain (exit 1).
TEST(CliVerify, NotHeadersIsUsageError) {
  test::TempDir dir;
  write_file(dir.file("hello.txt"), "hello world\n");
  auto r = run_powlab({"verify", dir.file("hello.txt")});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("holds no header"), std::string::npos) << r.err;
  write_file(dir.file("no_hex.csv"), "height,hash\n0,000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\n");
  r = run_powlab({"verify", dir.file("no_hex.csv")});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.err.find("header_hex"), std::string::npos) << r.err;
}

// `-` reads standard input, for header and verify as for hash.
TEST(CliStdin, HeaderAndVerifyRead) {
  auto r = run_powlab({"header", "-", "--json"}, std::string(kGenesis) + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["hash"], "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
  const std::string bin = read_file(test::data_path("headers/chain_mainnet_0_255.bin"));
  r = run_powlab({"verify", "-", "--json"}, bin);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["count"], 256);
  r = run_powlab({"verify", "-", "--json"}, read_file(test::data_path("headers/notable_headers.csv")));
  EXPECT_EQ(json::parse(r.out)["failed_height"], 170);
  r = run_powlab({"header", "-"}, "");
  EXPECT_EQ(r.exit_code, 2);
}

// Each hash printed in text says its byte order where the two commands differ.
TEST(CliHash, ByteOrderIsLabelled) {
  auto r = run_powlab({"hash", "-d", "--hex", kGenesis});
  EXPECT_EQ(r.out,
            "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000  (internal byte order; display order "
            "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f)\n");
  r = run_powlab({"header", kGenesis});
  EXPECT_NE(r.out.find("hash         000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f  (display order)"),
            std::string::npos)
      << r.out;
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
  EXPECT_EQ(j["failed_height"], 10);
  EXPECT_EQ(j["count"], 10);
  // One byte past a whole header: "1 byte", singular (it said "1 bytes").
  write_file(dir.file("plus1.bin"), bin.substr(0, 81));
  r = run_powlab({"verify", dir.file("plus1.bin"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(json::parse(r.out)["detail"].get<std::string>().find("ends with 1 byte:"), std::string::npos) << r.out;
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
  EXPECT_EQ(json::parse(r.out)["failed_height"], 4);
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
  for (const char* sub : {"hash", "header", "difficulty", "verify", "mine", "send", "chain", "race", "kernels", "scan",
                          "bench"}) {
    EXPECT_NE(r.out.find(std::string("  ") + sub), std::string::npos) << sub << " is not listed:\n" << r.out;
  }
  r = run_powlab({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("verify"), std::string::npos);
  r = run_powlab({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find(" (")), "powlab: error: unknown subcommand 'frobnicate'") << r.err;
  r = run_powlab({"chain", "frobnicate", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("powlab chain: error: unknown subcommand 'frobnicate'")) << r.err;
}

// CLI11's own parse errors come out in powlab's format, naming the subcommand, on one line.
TEST(Cli, ParseErrorsNameTheSubcommand) {
  auto r = run_powlab({"header", kGenesis, "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("powlab header: error: ")) << r.err;
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = run_powlab({"chain", "show"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("powlab chain show: error: ")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// scan prints a sample of the winners and their count, never all of a huge range.
TEST(CliScan, CapsThePrintedNonces) {
  auto r = run_powlab({"scan", kGenesis, "--from", "0", "--count", "1000", "--zeros", "0", "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("found    1000 nonces; the first 20: 0 1 2 "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" 20 21"), std::string::npos) << r.out;
  r = run_powlab({"scan", kGenesis, "--from", "0", "--count", "5000", "--zeros", "0", "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["found_count"], 5000);
  EXPECT_EQ(j["found"].size(), 1000u);
  EXPECT_EQ(j["found_truncated"], true);
}

// --threads 0 means every core, in mine and scan as in race; --zeros has one range.
TEST(CliOptions, ThreadsZeroAndZerosRange) {
  auto r = run_powlab({"scan", kGenesis, "--from", "2083236890", "--count", "10", "--threads", "0", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_powlab({"mine", "--zeros", "4", "--threads", "0", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* sub : {"mine", "scan"}) {
    std::vector<std::string> args{sub};
    if (std::string(sub) == "scan") args.insert(args.end(), {kGenesis, "--from", "0", "--count", "1"});
    args.insert(args.end(), {"--zeros", "256"});
    r = run_powlab(args);
    EXPECT_EQ(r.exit_code, 2) << sub;
    EXPECT_NE(r.err.find("255]"), std::string::npos) << sub << ": " << r.err;
  }
}

// mine and race name the lab network's knobs alike.
TEST(CliOptions, MineTakesRacesNetworkNames) {
  test::TempDir dir;
  const std::string chain = dir.file("net.chain");
  auto r = run_powlab({"mine", "--chain", chain, "--zeros", "4", "--threads", "1", "--interval", "60", "--retarget",
                       "10", "--halving", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_powlab({"chain", "show", chain});
  EXPECT_NE(r.out.find("60 s blocks, retarget every 10, halving every 100"), std::string::npos) << r.out;
  for (const char* old : {"--spacing", "--retarget-interval", "--halving-interval"}) {
    r = run_powlab({"mine", "--zeros", "4", old, "10"});
    EXPECT_EQ(r.exit_code, 2) << old;
  }
}

// Every option is checked before the banner: a bad kernel prints no "mining ..." line.
TEST(CliOptions, MineChecksBeforeItsBanner) {
  const auto r = run_powlab({"mine", "--zeros", "4", "--kernel", "no-such-kernel"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(r.err.starts_with("powlab mine: error: --kernel")) << r.err;
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
      {"chain", "tamper", "missing.chain", "--height", "1", "--amount", "5", "--tx", "-1"},
      {"scan", kGenesis, "--from", "0", "--count", "1", "--threads", "-1"},
      {"bench", "--repeats", "-1"},
  };
  for (const auto& args : cases) {
    const auto r = run_powlab(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
    EXPECT_EQ(r.err.find("18446744073709551615"), std::string::npos) << joined << "\n" << r.err;
  }
  // --tx -1 is refused as it stands, before any file is read (it wrapped to 2^64-1 before).
  for (const char* tx : {"-1", "18446744073709551616"}) {
    const auto r = run_powlab({"chain", "tamper", "missing.chain", "--height", "1", "--amount", "5", "--tx", tx});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(r.err.starts_with("powlab chain tamper: error: --tx:")) << r.err;
  }
}

}  // namespace
}  // namespace powlab
