// The 80-byte header and the proof-of-work check on real mainnet headers.
#include <gtest/gtest.h>

#include <random>

#include "powlab/util/error.h"
#include "powlab/consensus/header.h"
#include "powlab/consensus/params.h"
#include "powlab/consensus/pow.h"
#include "powlab/consensus/target.h"
#include "powlab/ledger/header_io.h"
#include "test_util.h"

namespace powlab {
namespace {

using test::hex32;

// Every notable header: fields match the CSV (display order for hashes), serialization
// round-trips, the hash is the published one, and the PoW is valid under mainnet rules.
TEST(Header, EveryNotableHeaderVerifies) {
  const CsvTable t = test::data_csv("headers/notable_headers.csv");
  ASSERT_EQ(t.rows.size(), 39u);
  for (const auto& row : t.rows) {
    const std::string hex = row[t.column("header_hex")];
    const BlockHeader h = BlockHeader::from_hex(hex);
    SCOPED_TRACE("height " + row[t.column("height")]);
    EXPECT_EQ(static_cast<std::uint32_t>(h.version), hex32(row[t.column("version")]));
    EXPECT_EQ(hash_to_display(h.prev_hash), row[t.column("prev_hash")]);
    EXPECT_EQ(hash_to_display(h.merkle_root), row[t.column("merkle_root")]);
    EXPECT_EQ(h.time, std::stoul(row[t.column("time")]));
    EXPECT_EQ(h.bits, hex32(row[t.column("bits")]));
    EXPECT_EQ(h.nonce, std::stoul(row[t.column("nonce")]));
    EXPECT_EQ(to_hex(h.serialize()), hex);
    EXPECT_EQ(hash_to_display(h.hash()), row[t.column("block_hash")]);
    EXPECT_EQ(check_proof_of_work(h.hash(), h.bits, mainnet().pow_limit), PowStatus::ok);
  }
}

// Pasting a hash in display order where raw order belongs must not pass silently: the
// header no longer hashes to a valid proof.
TEST(Header, DisplayOrderConfusionIsCaught) {
  const CsvTable t = test::data_csv("headers/notable_headers.csv");
  const auto& row = t.rows[1];  // block 1
  BlockHeader h = BlockHeader::from_hex(row[t.column("header_hex")]);
  h.prev_hash = hash_from_display(row[t.column("prev_hash")]);  // correct: display -> raw
  EXPECT_EQ(check_proof_of_work(h.hash(), h.bits, mainnet().pow_limit), PowStatus::ok);
  std::reverse(h.prev_hash.begin(), h.prev_hash.end());  // wrong order
  EXPECT_EQ(check_proof_of_work(h.hash(), h.bits, mainnet().pow_limit), PowStatus::high_hash);
}

TEST(Header, ParseRejectsWrongLengths) {
  std::vector<std::uint8_t> raw(79);
  EXPECT_THROW(BlockHeader::parse(raw), ParseError);
  raw.resize(81);
  EXPECT_THROW(BlockHeader::parse(raw), ParseError);
  EXPECT_THROW(BlockHeader::from_hex(std::string(158, '0')), ParseError);
  EXPECT_THROW(BlockHeader::from_hex(std::string(159, '0') + "x"), ParseError);
}

// Each tampered row fails with its expected reason.
TEST(Header, TamperedHeadersFailAsExpected) {
  const CsvTable t = test::data_csv("headers/tampered_headers_negative.csv");
  ASSERT_EQ(t.rows.size(), 11u);
  for (const auto& row : t.rows) {
    const std::string expected = row[t.column("expected")];
    SCOPED_TRACE(row[t.column("mutation")]);
    const std::string hex = row[t.column("header_hex")];
    if (expected == "parse_fail") {
      EXPECT_THROW(BlockHeader::from_hex(hex), ParseError);
    } else if (expected == "pow_fail") {
      const BlockHeader h = BlockHeader::from_hex(hex);
      EXPECT_NE(check_proof_of_work(h.hash(), h.bits, mainnet().pow_limit), PowStatus::ok);
    } else {
      ASSERT_EQ(expected, "link_fail");  // checked as a chain in chain_verify_test
    }
  }
}

TEST(Pow, EachInvalidTargetHasItsStatus) {
  const BlockHeader g = BlockHeader::from_hex(
      "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e"
      "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c");
  const Hash256 h = g.hash();
  const U256 limit = mainnet().pow_limit;
  EXPECT_EQ(check_proof_of_work(h, 0x1d00ffff, limit), PowStatus::ok);
  EXPECT_EQ(check_proof_of_work(h, 0x1d80ffff, limit), PowStatus::negative_target);
  EXPECT_EQ(check_proof_of_work(h, 0xff123456, limit), PowStatus::overflow_target);
  EXPECT_EQ(check_proof_of_work(h, 0x00000000, limit), PowStatus::zero_target);
  EXPECT_EQ(check_proof_of_work(h, 0x207fffff, limit), PowStatus::above_pow_limit);
  EXPECT_EQ(check_proof_of_work(h, 0x1a00ffff, limit), PowStatus::high_hash);
  // A hash equal to the target is valid (<=); one more is not.
  const U256 target = decode_compact(0x1d00ffff).target;
  EXPECT_EQ(check_proof_of_work(target.to_le_bytes(), 0x1d00ffff, limit), PowStatus::ok);
  EXPECT_EQ(check_proof_of_work((target + U256(1)).to_le_bytes(), 0x1d00ffff, limit), PowStatus::high_hash);
}

// Bitcoin Core fuzz/block_header.cpp properties on arbitrary bytes.
TEST(Header, FuzzStyleRoundTrip) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::array<std::uint8_t, 80> raw;
    for (auto& b : raw) b = static_cast<std::uint8_t>(rng());
    const BlockHeader h = BlockHeader::parse(raw);
    EXPECT_EQ(h.serialize(), raw);
    EXPECT_EQ(BlockHeader::parse(h.serialize()), h);
    EXPECT_NE(hash_to_display(h.hash()), std::string(64, 'f'));
    (void)check_proof_of_work(h.hash(), h.bits, mainnet().pow_limit);  // never crashes or UB
    (void)block_work(h.bits);
  }
}

// Found by fuzz_header_file: the CSV reader dropped every CR, so a header_hex cell holding a
// stray CR inside it was read as a different, valid header. Only a CRLF's CR may go.
TEST(HeaderFile, ALoneCarriageReturnInACsvCellIsNotDropped) {
  const std::string hex =  // the genesis header
      "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e"
      "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
  const std::string crlf = "height,header_hex\r\n0," + hex + "\r\n";
  const HeaderFile ok = parse_header_data(crlf);
  ASSERT_EQ(ok.headers.size(), 1u);
  EXPECT_EQ(to_hex(ok.headers[0].serialize()), hex);

  const std::string stray = "height,header_hex\n0," + hex.substr(0, 100) + "\r" + hex.substr(100) + "\n";
  const HeaderFile bad = parse_header_data(stray);
  EXPECT_TRUE(bad.headers.empty());
  ASSERT_TRUE(bad.bad_length.has_value());
  EXPECT_EQ(bad.bad_length->index, 0u);
}

}  // namespace
}  // namespace powlab
