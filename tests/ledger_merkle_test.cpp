// Merkle roots the Bitcoin way, and the duplicate-last weakness (CVE-2012-2459).
#include <gtest/gtest.h>

#include "powlab/ledger/block.h"
#include "powlab/consensus/merkle.h"
#include "powlab/sha256.h"
#include "powlab/ledger/tx.h"
#include "test_util.h"

namespace powlab {
namespace {

Hash256 leaf(int i) {
  std::uint8_t b = static_cast<std::uint8_t>(i);
  return sha256d(std::span<const std::uint8_t>(&b, 1));
}

Hash256 pair_hash(const Hash256& a, const Hash256& b) {
  std::uint8_t buf[64];
  std::copy(a.begin(), a.end(), buf);
  std::copy(b.begin(), b.end(), buf + 32);
  return sha256d(buf);
}

TEST(Merkle, GenesisRootIsTheCoinbaseTxid) {
  const Transaction cb = make_coinbase(0, "satoshi", 50 * kCoin, 0);
  const Hash256 id = cb.txid();
  const std::vector<Hash256> leaves{id};
  EXPECT_EQ(merkle_root(leaves), id);
  BlockHeader h;
  h.merkle_root = id;
  EXPECT_EQ(Block::make(h, {cb})->computed_merkle_root(), id);
}

TEST(Merkle, TxidIsSha256dOfTheSerialization) {
  const Transaction cb = make_coinbase(7, "alice", 123, 9);
  EXPECT_EQ(cb.txid(), sha256d(cb.serialize()));
  // Changing the extranonce changes the txid (and so the root): what the miner relies on.
  EXPECT_NE(cb.txid(), make_coinbase(7, "alice", 123, 10).txid());
}

TEST(Merkle, EvenCountPairsLevelByLevel) {
  const std::vector<Hash256> l{leaf(1), leaf(2), leaf(3), leaf(4)};
  EXPECT_EQ(merkle_root(l), pair_hash(pair_hash(l[0], l[1]), pair_hash(l[2], l[3])));
  const std::vector<Hash256> two{leaf(1), leaf(2)};
  EXPECT_EQ(merkle_root(two), pair_hash(two[0], two[1]));
}

TEST(Merkle, OddCountDuplicatesTheLast) {
  const std::vector<Hash256> l{leaf(1), leaf(2), leaf(3)};
  EXPECT_EQ(merkle_root(l), pair_hash(pair_hash(l[0], l[1]), pair_hash(l[2], l[2])));
  const std::vector<Hash256> five{leaf(1), leaf(2), leaf(3), leaf(4), leaf(5)};
  const Hash256 h45 = pair_hash(five[4], five[4]);
  const Hash256 right = pair_hash(h45, h45);  // level 2 is odd too: [h12h34, h55] -> duplicate
  EXPECT_EQ(merkle_root(five),
            pair_hash(pair_hash(pair_hash(five[0], five[1]), pair_hash(five[2], five[3])), right));
}

TEST(Merkle, RealBlock100000) {
  // Block 100000's four txids (display order) and its header's Merkle root from
  // notable_headers.csv: the real-world check of pairing and byte order.
  const std::vector<Hash256> ids{
      hash_from_display("8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87"),
      hash_from_display("fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4"),
      hash_from_display("6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4"),
      hash_from_display("e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d")};
  const CsvTable t = test::data_csv("headers/notable_headers.csv");
  std::string root;
  for (const auto& row : t.rows) {
    if (row[t.column("height")] == "100000") root = row[t.column("merkle_root")];
  }
  ASSERT_FALSE(root.empty());
  EXPECT_EQ(hash_to_display(merkle_root(ids)), root);
}

// CVE-2012-2459: duplicating the last transaction (or the last pair) leaves the root, and so
// the header and its proof of work, unchanged. Only the mutation flag tells them apart.
TEST(Merkle, DuplicateLastWeaknessGivesTheSameRoot) {
  const std::vector<Hash256> three{leaf(1), leaf(2), leaf(3)};
  const std::vector<Hash256> four{leaf(1), leaf(2), leaf(3), leaf(3)};
  bool m3 = true, m4 = false;
  EXPECT_EQ(merkle_root(three, &m3), merkle_root(four, &m4));
  EXPECT_FALSE(m3);
  EXPECT_TRUE(m4);
  const std::vector<Hash256> six{leaf(1), leaf(2), leaf(3), leaf(4), leaf(5), leaf(6)};
  const std::vector<Hash256> eight{leaf(1), leaf(2), leaf(3), leaf(4), leaf(5), leaf(6), leaf(5), leaf(6)};
  bool m8 = false;
  EXPECT_EQ(merkle_root(six), merkle_root(eight, &m8));
  EXPECT_TRUE(m8);
  bool m_distinct = true;
  merkle_root(std::vector<Hash256>{leaf(1), leaf(2), leaf(3), leaf(4)}, &m_distinct);
  EXPECT_FALSE(m_distinct);
}

TEST(Merkle, EmptyIsZero) { EXPECT_EQ(merkle_root({}), Hash256{}); }

}  // namespace
}  // namespace powlab
