// The ledger's block tree on header-only blocks: its median-time-past against the plain rule
// written out here, and the real mainnet headers 0..255 through ChainState's headers-only path.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "ledger_util.h"
#include "powlab/ledger/block_tree.h"
#include "powlab/ledger/chain.h"
#include "powlab/ledger/header_io.h"
#include "test_util.h"

namespace powlab {
namespace {

// The plain rule (Bitcoin Core GetMedianTimePast): the times of a block and up to 10 of its
// ancestors, sorted, and the element at index size/2.
std::int64_t plain_mtp(const std::vector<std::int64_t>& chain_times) {
  const std::size_t n = std::min<std::size_t>(11, chain_times.size());
  std::vector<std::int64_t> w(chain_times.end() - static_cast<std::ptrdiff_t>(n), chain_times.end());
  std::sort(w.begin(), w.end());
  return w[n / 2];
}

// A header-only child of `parent` at `time`, with the nBits the tree asks for, mined.
BlockPtr header_child(const BlockTree& tree, std::uint32_t parent, std::int64_t time) {
  BlockHeader h;
  h.version = 1;
  h.time = static_cast<std::uint32_t>(time);
  if (parent == BlockTree::npos) {
    h.bits = tree.params().initial_bits;
  } else {
    h.prev_hash = tree.hash_of(parent);
    h.bits = tree.template_on(parent, time).bits;
  }
  return Block::make(test::grind(h, tree.params()), {});
}

TreeOptions headers_only_tree() {
  TreeOptions o;
  o.headers_only = true;
  return o;
}

// 300 blocks whose times jump back and forth (each only just above the median, or well
// above it), so every 11-block window is out of order. At each height: a block at exactly the
// plain median is refused as time-too-old, one second later is accepted, and the tree's MTP of
// the new tip equals the plain rule's.
TEST(TreeMedianTimePast, MatchesThePlainRuleOnOutOfOrderWindows) {
  BlockTree tree(test::easy_lab(100000), headers_only_tree());
  std::mt19937_64 rng(11);
  std::vector<std::int64_t> times;
  std::uint32_t tip = BlockTree::npos;
  std::int64_t t = test::kT0;
  for (int h = 0; h < 300; ++h) {
    if (h > 0) {
      const std::int64_t m = plain_mtp(times);
      ASSERT_EQ(tree.mtp(tip), m) << "height " << h - 1;
      std::uint32_t i = BlockTree::npos;
      const AcceptResult old = tree.add(header_child(tree, tip, m), &i);
      ASSERT_EQ(old.status, AcceptStatus::invalid) << "height " << h;
      EXPECT_EQ(old.reason, BlockReject::time_too_old) << "height " << h << ": " << old.detail;
      // Just above the median (older than the parent, often), or up to 1,000 s later.
      const std::uint64_t pick = rng() % 3;
      t = pick == 0 ? m + 1 : m + 1 + static_cast<std::int64_t>(rng() % (pick == 1 ? 30 : 1000));
    }
    std::uint32_t i = BlockTree::npos;
    const AcceptResult r = tree.add(header_child(tree, tip, t), &i);
    ASSERT_TRUE(r.ok()) << "height " << h << ": " << r.detail;
    times.push_back(t);
    tip = i;
  }
  EXPECT_EQ(tree.mtp(tip), plain_mtp(times));
  // The times really were out of order: many blocks are older than their parent.
  int backwards = 0;
  for (std::size_t k = 1; k < times.size(); ++k) backwards += times[k] < times[k - 1];
  EXPECT_GT(backwards, 50);
}

// nBits 0 is a value a header can carry, not the tree's "unknown" marker: an anchor whose
// nBits is 0, inside a period, gives its child nBits 0 (which no proof of work can meet), where
// the tree used to say "next nBits needs history before the anchor" (a logic_error).
TEST(TreeHeaders, NbitsZeroIsAValueNotUnknown) {
  Anchor a;
  a.height = 5;
  a.bits = 0;
  a.recent_times = {test::kT0};
  BlockTree tree(test::easy_lab(1000), a, headers_only_tree());
  EXPECT_EQ(tree.template_on(0, test::kT0 + 10).bits, 0u);
  // Across a boundary whose period start the anchor does not give, nBits is truly unknown.
  a.height = 999;
  BlockTree at_boundary(test::easy_lab(1000), a, headers_only_tree());
  EXPECT_THROW(at_boundary.template_on(0, test::kT0 + 10), std::logic_error);
}

ChainOptions headers_only_chain() {
  ChainOptions o;
  o.headers_only = true;
  return o;
}

TEST(TreeHeaders, Mainnet0To255AreEveryOneAccepted) {
  const HeaderFile f = load_header_file(test::data_path("headers/chain_mainnet_0_255.bin"));
  ASSERT_EQ(f.headers.size(), 256u);
  ChainState chain(mainnet(), headers_only_chain());
  for (std::size_t h = 0; h < f.headers.size(); ++h) {
    const AcceptResult r = chain.accept(Block::make(f.headers[h], {}));
    ASSERT_EQ(r.status, AcceptStatus::new_tip) << "height " << h << ": " << r.detail;
  }
  EXPECT_EQ(chain.height(), 255);
  EXPECT_EQ(hash_to_display(chain.tip_hash()), "00000000d0a75c861fabf9ff7b92022f60e4afeed9331fe5aa073d8e4706fe3c");
  EXPECT_EQ(chain.tip_work(), U256::from_hex("10001000100"));  // 256 * 0x100010001, difficulty 1
}

TEST(TreeHeaders, TamperedMainnetHeadersAreRefusedWithTheirReason) {
  // Each proof-of-work row of the tampered file changes the genesis: high-hash.
  const CsvTable t = test::data_csv("headers/tampered_headers_negative.csv");
  int pow_rows = 0;
  for (const auto& row : t.rows) {
    if (row[t.column("expected")] != "pow_fail") continue;
    ChainState chain(mainnet(), headers_only_chain());
    const AcceptResult r = chain.accept(Block::make(BlockHeader::from_hex(row[t.column("header_hex")]), {}));
    EXPECT_EQ(r.status, AcceptStatus::invalid) << row[t.column("mutation")];
    EXPECT_EQ(r.reason, BlockReject::high_hash) << row[t.column("mutation")] << ": " << r.detail;
    ++pow_rows;
  }
  EXPECT_EQ(pow_rows, 8);
  // One real header in the middle, its time one second later: refused at its height, and the
  // chain stays on its parent.
  const HeaderFile f = load_header_file(test::data_path("headers/chain_mainnet_0_255.bin"));
  ChainState chain(mainnet(), headers_only_chain());
  for (std::size_t h = 0; h < 100; ++h) ASSERT_TRUE(chain.accept(Block::make(f.headers[h], {})).ok());
  BlockHeader bad = f.headers[100];
  bad.time += 1;
  const AcceptResult r = chain.accept(Block::make(bad, {}));
  EXPECT_EQ(r.status, AcceptStatus::invalid);
  EXPECT_EQ(r.reason, BlockReject::high_hash) << r.detail;
  EXPECT_EQ(chain.height(), 99);
  EXPECT_TRUE(chain.accept(Block::make(f.headers[100], {})).ok());  // the real one still fits
}

}  // namespace
}  // namespace powlab
