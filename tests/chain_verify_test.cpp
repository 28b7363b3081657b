// Header-chain verification (the engine of `powlab verify`) on real mainnet chains.
#include <gtest/gtest.h>

#include <map>

#include "powlab/consensus/chain_verify.h"
#include "powlab/util/csv.h"
#include "powlab/util/error.h"
#include "powlab/ledger/header_io.h"
#include "powlab/consensus/pow.h"
#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"
#include "test_util.h"

namespace powlab {
namespace {

std::vector<BlockHeader> csv_headers(const CsvTable& t, const std::vector<std::size_t>& rows) {
  std::vector<BlockHeader> out;
  for (std::size_t r : rows) out.push_back(BlockHeader::from_hex(t.rows[r][t.column("header_hex")]));
  return out;
}

TEST(ChainVerify, Mainnet0To255BinaryAndCsvAgree) {
  const HeaderFile bin = load_header_file(test::data_path("headers/chain_mainnet_0_255.bin"));
  const HeaderFile csv = load_header_file(test::data_path("headers/chain_mainnet_0_255.csv"));
  EXPECT_EQ(bin.format, "binary");
  EXPECT_EQ(csv.format, "csv");
  ASSERT_EQ(bin.headers.size(), 256u);
  EXPECT_EQ(bin.headers, csv.headers);
  const ChainVerifyResult r = verify_header_chain(bin.headers, 0, mainnet());
  ASSERT_TRUE(r.valid()) << r.failure->detail;
  EXPECT_EQ(r.headers, 256u);
  EXPECT_EQ(hash_to_display(r.tip), "00000000d0a75c861fabf9ff7b92022f60e4afeed9331fe5aa073d8e4706fe3c");
  // chainwork(h) = sum over 0..h; all at difficulty 1: 256 * 0x100010001.
  EXPECT_EQ(r.chainwork, U256::from_hex("10001000100"));
  EXPECT_TRUE(r.unchecked.empty());  // from genesis every rule is checkable
}

TEST(ChainVerify, RetargetWindow826540To826579) {
  const HeaderFile f = load_header_file(test::data_path("headers/chain_mainnet_826540_826579_retarget.csv"));
  ASSERT_EQ(f.headers.size(), 40u);
  const ChainVerifyResult r = verify_header_chain(f.headers, 826540, mainnet());
  ASSERT_TRUE(r.valid()) << r.failure->detail;
  // The boundary at 826560 changes nBits; only the x4 bounds can be checked, and it says so.
  EXPECT_NE(f.headers[19].bits, f.headers[20].bits);
  bool said = false;
  for (const auto& u : r.unchecked) said |= u.find("826560") != std::string::npos;
  EXPECT_TRUE(said);
  // The summed work of the 40 headers, computed apart from powlab with Python's integers:
  //   t = lambda b: (b & 0x7fffff) << 8 * ((b >> 24) - 3)
  //   hex(sum((1 << 256) // (t(int(row['bits'], 16)) + 1) for row in csv.DictReader(f)))
  // over this CSV: 20 headers at 0x1703d869 and 20 at 0x1704005a.
  EXPECT_EQ(r.chainwork, U256::from_hex("a3309c9113b902bfb1a04"));
  // The x4 bound at 826560 without the period start is tested on an easy chain below
  // (X4BoundCaughtWithoutThePeriodStart): a changed nBits in a real header breaks its proof of
  // work first, so a real header cannot show that bound check at work.
}

TEST(ChainVerify, ForkFileBranchesEachVerify) {
  const CsvTable t = test::data_csv("headers/fork_reorg_btcd_testchain.csv");
  std::map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < t.rows.size(); ++r) row_of[t.rows[r][t.column("label")]] = r;
  const auto branch_b = csv_headers(t, {row_of["G"], row_of["B1"], row_of["B2"], row_of["B3"], row_of["B4"]});
  const auto branch_a =
      csv_headers(t, {row_of["G"], row_of["B1"], row_of["B2"], row_of["A3"], row_of["A4"], row_of["A5"]});
  const auto rb = verify_header_chain(branch_b, 0, mainnet());
  const auto ra = verify_header_chain(branch_a, 0, mainnet());
  ASSERT_TRUE(rb.valid()) << rb.failure->detail;
  ASSERT_TRUE(ra.valid()) << ra.failure->detail;
  EXPECT_GT(ra.chainwork, rb.chainwork);  // A5's branch has more work
  // Mixing the branches breaks the link at A3's position.
  auto mixed = branch_b;
  mixed.push_back(branch_a[4]);  // A4 after B4
  const auto rm = verify_header_chain(mixed, 0, mainnet());
  ASSERT_FALSE(rm.valid());
  EXPECT_EQ(rm.failure->reason, HeaderReject::bad_prevblk);
  EXPECT_EQ(rm.failure->height, 5);
}

TEST(ChainVerify, LinkFailFromTamperedFile) {
  const CsvTable t = test::data_csv("headers/tampered_headers_negative.csv");
  const CsvTable chain = test::data_csv("headers/chain_mainnet_0_255.csv");
  for (const auto& row : t.rows) {
    if (row[t.column("expected")] != "link_fail") continue;
    std::vector<BlockHeader> hs = {BlockHeader::from_hex(chain.rows[0][chain.column("header_hex")]),
                                   BlockHeader::from_hex(row[t.column("header_hex")])};
    const auto r = verify_header_chain(hs, 0, mainnet());
    ASSERT_FALSE(r.valid());
    EXPECT_EQ(r.failure->reason, HeaderReject::bad_prevblk);
    EXPECT_EQ(r.failure->height, 1);
  }
}

// A regtest-like network (powLimit 0x207fffff, 10-block periods) where a header is mined
// in a couple of hashes, so every rule can be broken on purpose with valid proof of work.
ConsensusParams easy_params() {
  ConsensusParams p = mainnet();
  p.name = "easy";
  p.pow_limit_bits = 0x207fffff;
  p.pow_limit = decode_compact(0x207fffff).target;
  p.target_timespan = 10 * 600;
  return p;
}

void mine(BlockHeader& h, const ConsensusParams& p) {
  for (h.nonce = 0; check_proof_of_work(h.hash(), h.bits, p.pow_limit) != PowStatus::ok; ++h.nonce) {
  }
}

// `n` linked headers from height 0 with the given block spacing, nBits by the rule.
std::vector<BlockHeader> easy_chain(std::size_t n, std::int64_t spacing, const ConsensusParams& p) {
  std::vector<BlockHeader> hs;
  for (std::size_t i = 0; i < n; ++i) {
    BlockHeader h;
    h.version = 1;
    h.time = static_cast<std::uint32_t>(1700000000 + spacing * static_cast<std::int64_t>(i));
    h.bits = p.pow_limit_bits;
    if (i > 0) {
      h.prev_hash = hs.back().hash();
      h.bits = hs.back().bits;
      if (is_retarget_height(static_cast<std::int64_t>(i), p)) {
        h.bits = calculate_next_work_required(hs.back().bits, hs[i - p.interval()].time, hs.back().time, p);
      }
    }
    mine(h, p);
    hs.push_back(h);
  }
  return hs;
}

std::string first_failure(const std::vector<BlockHeader>& hs, const ConsensusParams& p, VerifyOptions o = {}) {
  const auto r = verify_header_chain(hs, 0, p, o);
  return r.valid() ? "valid" : std::string(to_string(r.failure->reason)) + "@" + std::to_string(r.failure->height);
}

// Re-mine headers [from, end) after a change, relinking each to its predecessor.
void remine_from(std::vector<BlockHeader>& hs, std::size_t from, const ConsensusParams& p) {
  for (std::size_t i = from; i < hs.size(); ++i) {
    if (i > 0) hs[i].prev_hash = hs[i - 1].hash();
    mine(hs[i], p);
  }
}

TEST(ChainVerify, EachRuleHasItsReasonCode) {
  const ConsensusParams p = easy_params();
  // Blocks 4 minutes apart: each retarget (heights 10, 20) makes the target harder.
  const auto good = easy_chain(25, 240, p);
  ASSERT_EQ(first_failure(good, p), "valid");
  ASSERT_NE(good[10].bits, good[9].bits);
  ASSERT_NE(good[20].bits, good[19].bits);
  {
    auto h = good;  // the next nonce whose hash misses the target
    do {
      ++h[5].nonce;
    } while (check_proof_of_work(h[5].hash(), h[5].bits, p.pow_limit) == PowStatus::ok);
    EXPECT_EQ(first_failure(h, p), "high-hash@5");
  }
  {
    auto h = good;
    std::swap(h[3], h[4]);
    EXPECT_EQ(first_failure(h, p), "bad-prevblk@3");
  }
  {
    auto h = good;  // nBits changed inside a period, with valid PoW
    h[7].bits = 0x2003ffff;
    remine_from(h, 7, p);
    EXPECT_EQ(first_failure(h, p), "bad-diffbits@7");
  }
  for (const std::uint32_t delta : {1u, 0xffffffffu}) {  // retarget result +-1 at height 20
    auto h = good;
    h[20].bits += delta;
    remine_from(h, 20, p);
    EXPECT_EQ(first_failure(h, p), "bad-diffbits@20") << "delta " << static_cast<int>(delta);
  }
  {
    auto h = good;  // time equal to the median of the previous 11: too old
    std::vector<std::int64_t> prev;
    for (int k = 4; k < 15; ++k) prev.push_back(h[k].time);
    h[15].time = static_cast<std::uint32_t>(median_time_past(prev));
    remine_from(h, 15, p);
    EXPECT_EQ(first_failure(h, p), "time-too-old@15");
    h[15].time += 1;  // one second later is fine
    remine_from(h, 15, p);
    EXPECT_EQ(first_failure(h, p), "valid");
  }
  {
    VerifyOptions o;
    o.now = static_cast<std::int64_t>(good[12].time) - p.max_future_block_time - 1;
    EXPECT_EQ(first_failure(good, p, o), "time-too-new@12");
  }
}

// A boundary nBits outside [old/4, old*4] is caught even when the file starts inside the
// period, so the rule's own value cannot be computed, only its bounds. Every header has valid
// proof of work for the nBits it carries, so nothing but the bound check can refuse it.
TEST(ChainVerify, X4BoundCaughtWithoutThePeriodStart) {
  const ConsensusParams p = easy_params();
  const auto good = easy_chain(25, 240, p);
  // Heights 15..24: the period 10..19 starts before the file; 20 is a boundary.
  const std::vector<BlockHeader> window(good.begin() + 15, good.end());
  const ChainVerifyResult ok = verify_header_chain(window, 15, p);
  ASSERT_TRUE(ok.valid()) << ok.failure->detail;
  ASSERT_FALSE(ok.unchecked.empty());  // the exact retarget at 20 could not be checked
  const U256 old = decode_compact(good[19].bits).target;
  auto with_bits_at_20 = [&](const U256& target) {
    std::vector<BlockHeader> h = good;
    for (std::size_t k = 20; k < h.size(); ++k) h[k].bits = encode_compact(target);  // the whole new period
    remine_from(h, 20, p);
    return verify_header_chain(std::vector<BlockHeader>(h.begin() + 15, h.end()), 15, p);
  };
  // 2x harder than before: inside the bounds, accepted without the period start.
  const ChainVerifyResult inside = with_bits_at_20(old >> 1);
  EXPECT_TRUE(inside.valid()) << inside.failure->detail;
  // 8x harder: outside the bounds, refused at 20 with the bound's reason code.
  const ChainVerifyResult bad = with_bits_at_20(old >> 3);
  ASSERT_FALSE(bad.valid());
  EXPECT_EQ(bad.failure->height, 20);
  EXPECT_EQ(bad.failure->reason, HeaderReject::bad_diffbits) << bad.failure->detail;
}

TEST(HeaderIo, FormatsAndBadLength) {
  const std::string bin = read_file(test::data_path("headers/chain_mainnet_0_255.bin"));
  // Truncated binary: every header before the cut is read, the cut one is bad-length.
  const HeaderFile cut = parse_header_data(std::string_view(bin).substr(0, 80 * 3 + 17));
  EXPECT_EQ(cut.headers.size(), 3u);
  ASSERT_TRUE(cut.bad_length.has_value());
  EXPECT_EQ(cut.bad_length->index, 3u);
  // Hex lines with comments and blank lines.
  const CsvTable t = test::data_csv("headers/chain_mainnet_0_255.csv");
  std::string text = "# first three\n\n";
  for (int i = 0; i < 3; ++i) text += t.rows[i][t.column("header_hex")] + "\r\n";
  const HeaderFile hex = parse_header_data(text);
  EXPECT_EQ(hex.format, "hex");
  EXPECT_EQ(hex.headers.size(), 3u);
  EXPECT_FALSE(hex.bad_length);
  // A short line is bad-length at its index; a non-hex line is a parse error.
  const HeaderFile short_line = parse_header_data(text + std::string(158, 'a') + "\n");
  ASSERT_TRUE(short_line.bad_length);
  EXPECT_EQ(short_line.bad_length->index, 3u);
  EXPECT_THROW(parse_header_data(text + std::string(159, 'a') + "z\n"), ParseError);
  EXPECT_THROW(parse_header_data(""), ParseError);
  EXPECT_THROW(parse_header_data("# nothing here\n"), ParseError);
  EXPECT_THROW(load_header_file("/nonexistent/powlab/file"), ParseError);
  EXPECT_THROW(load_header_file("/"), ParseError);
}

}  // namespace
}  // namespace powlab
