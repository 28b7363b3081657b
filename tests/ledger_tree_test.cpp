// BlockTree on its own (the tree the race shares between nodes): the add path's refusals,
// the parent hint, pruned bodies, and the huge-page arrays it sits on.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "ledger_util.h"
#include "powlab/ledger/block_tree.h"
#include "powlab/util/huge_pages.h"
#include "powlab/consensus/retarget.h"
#include "powlab/sim/topology.h"

namespace powlab {
namespace {

using test::easy_lab;
using test::kT0;

// A child of `parent` in `tree` (npos: a genesis), mined on the tree's own template.
BlockPtr child_of(const BlockTree& tree, std::uint32_t parent, std::int64_t time, const std::string& miner = "m",
                  std::uint64_t extranonce = 0) {
  const BlockTemplate t = tree.template_on(parent, time);
  BlockDraft d = make_block_draft(t, miner, {}, 0, extranonce);
  return Block::make(test::grind(d.header, tree.params()), std::move(d.txs));
}

std::uint32_t add_ok(BlockTree& tree, const BlockPtr& b, std::uint32_t hint = BlockTree::npos) {
  std::uint32_t i = BlockTree::npos;
  const AcceptResult a = tree.add(b, &i, hint);
  EXPECT_EQ(a.status, AcceptStatus::side_branch) << to_string(a.reason) << " " << a.detail;
  return i;
}

TEST(BlockTree, AddRefusesWhatTheLedgerRefuses) {
  BlockTree tree(easy_lab(), {});
  const std::uint32_t g = add_ok(tree, child_of(tree, BlockTree::npos, kT0));
  const std::uint32_t b1 = add_ok(tree, child_of(tree, g, kT0 + 10));

  // The same block again: a duplicate, and nothing is added.
  const BlockPtr again = tree[b1].block;
  std::uint32_t i = 0;
  EXPECT_EQ(tree.add(again, &i).status, AcceptStatus::duplicate);
  EXPECT_EQ(tree.size(), 2u);

  // A second genesis.
  EXPECT_EQ(tree.add(child_of(tree, BlockTree::npos, kT0 + 1, "other"), &i).reason, BlockReject::bad_genesis);

  // An unknown parent (prev-blk-not-found, not bad-prevblk): this tree keeps no orphans.
  BlockTemplate t = tree.template_on(b1, kT0 + 20);
  t.prev_hash[0] ^= 1;
  BlockDraft d = make_block_draft(t, "m", {}, 0, 0);
  const AcceptResult orphan = tree.add(Block::make(test::grind(d.header, tree.params()), std::move(d.txs)), &i);
  EXPECT_EQ(orphan.reason, BlockReject::parent_unknown);
  EXPECT_NE(orphan.detail.find("unknown"), std::string::npos) << orphan.detail;

  // A coinbase paying one satoshi more than the subsidy.
  t = tree.template_on(b1, kT0 + 20);
  t.subsidy += 1;
  d = make_block_draft(t, "m", {}, 0, 0);
  EXPECT_EQ(tree.add(Block::make(test::grind(d.header, tree.params()), std::move(d.txs)), &i).reason,
            BlockReject::bad_coinbase_amount);

  // A transfer: this tree keeps no UTXO set.
  t = tree.template_on(b1, kT0 + 20);
  Transaction spend;
  spend.inputs.push_back(TxIn{OutPoint{tree[b1].block->txids()[0], 0}});
  spend.outputs.push_back(TxOut{1, "bob"});
  d = make_block_draft(t, "m", {spend}, 0, 0);
  const AcceptResult transfer = tree.add(Block::make(test::grind(d.header, tree.params()), std::move(d.txs)), &i);
  EXPECT_EQ(transfer.reason, BlockReject::bad_tx);
  EXPECT_EQ(transfer.tx_index, 1u);

  // nBits other than the retarget rule's.
  t = tree.template_on(b1, kT0 + 20);
  t.bits = 0x207ffffe;
  d = make_block_draft(t, "m", {}, 0, 0);
  EXPECT_EQ(tree.add(Block::make(test::grind(d.header, tree.params()), std::move(d.txs)), &i).reason,
            BlockReject::bad_diffbits);

  // A simulated proof, in a tree that takes real proof only.
  t = tree.template_on(b1, kT0 + 20);
  d = make_block_draft(t, "m", {}, 0, 0);
  Hash256 id{};
  id[5] = 7;
  EXPECT_EQ(tree.add(Block::make_simulated(d.header, std::move(d.txs), id), &i).reason, BlockReject::simulated_proof);
  EXPECT_EQ(tree.size(), 2u);  // nothing refused was kept
}

TEST(BlockTree, ParentHintIsCheckedNotTrusted) {
  BlockTree tree(easy_lab(), {});
  const std::uint32_t g = add_ok(tree, child_of(tree, BlockTree::npos, kT0));
  const std::uint32_t a = add_ok(tree, child_of(tree, g, kT0 + 10, "a"));
  const std::uint32_t b = add_ok(tree, child_of(tree, g, kT0 + 10, "b"));
  // A child of a, hinted as a child of b (or of an index past the end): the hint is ignored
  // and the real parent found by hash.
  const BlockPtr c = child_of(tree, a, kT0 + 20);
  const std::uint32_t ci = add_ok(tree, c, b);
  EXPECT_EQ(tree[ci].parent, a);
  EXPECT_EQ(tree[ci].height, 2);
  const std::uint32_t di = add_ok(tree, child_of(tree, ci, kT0 + 30), 12345);
  EXPECT_EQ(tree[di].parent, ci);
  EXPECT_EQ(tree.fork_point(di, b), g);
  EXPECT_TRUE(tree.better(di, b));
  EXPECT_TRUE(tree.better(a, b));   // equal work: the earlier one
  EXPECT_FALSE(tree.better(b, a));
}

// Pruned bodies: every rule still holds for new blocks, across retargets, because the rules
// read only ancestors' hash, time, nBits and work.
TEST(BlockTree, PrunedAncestorsStillCheckNewBlocks) {
  LabOptions o;
  o.spacing = 10;
  o.retarget_interval = 8;
  o.halving_interval = 1000;
  o.initial_bits = 0x2000ffff;  // below the limit, so a retarget can go either way
  o.pow_limit_bits = 0x207fffff;
  const ConsensusParams params = lab_network(o);
  BlockTree pruned(params, {});
  BlockTree full(params, {});
  std::uint32_t tip = BlockTree::npos;
  std::int64_t time = kT0;
  for (int h = 0; h < 40; ++h) {
    time += (h % 3 == 0) ? 3 : 17;  // uneven spacing: real retargets, and MTP that matters
    const BlockPtr b = child_of(pruned, tip, time);
    const std::uint32_t i = add_ok(pruned, b, tip);
    EXPECT_EQ(add_ok(full, b), i);
    if (tip != BlockTree::npos) pruned.prune_body(tip);
    tip = i;
    EXPECT_EQ(pruned[i].child_bits, full[i].child_bits) << "height " << h;
    EXPECT_EQ(pruned.mtp(i), full.mtp(i)) << "height " << h;
  }
  EXPECT_NE(pruned[tip].bits, params.initial_bits);  // the retarget moved nBits
  EXPECT_EQ(pruned[1].block, nullptr);               // pruned: entry kept, body gone
  EXPECT_EQ(pruned.hash_of(1), full.hash_of(1));
  EXPECT_EQ(pruned.find(full.hash_of(1)), 1u);
  // A block breaking MTP is still refused on the pruned tree.
  BlockTemplate t = pruned.template_on(tip, time);
  t.time = pruned.mtp(tip);
  BlockDraft d = make_block_draft(t, "m", {}, 0, 0);
  std::uint32_t i = 0;
  EXPECT_EQ(pruned.add(Block::make(test::grind(d.header, params), std::move(d.txs)), &i).reason,
            BlockReject::time_too_old);
}

TEST(HugePages, VectorsGrowAcrossTheMappingThreshold) {
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> v;
  for (std::uint64_t k = 0; k < 1'000'000; ++k) v.push_back(k * 3);  // 8 MB: past 2 MiB, several regrowths
  EXPECT_EQ(std::accumulate(v.begin(), v.end(), std::uint64_t{0}), 3ull * 999'999 * 1'000'000 / 2);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % (std::uintptr_t{2} << 20), 0u);  // huge-page aligned
  v.resize(10);
  v.shrink_to_fit();  // back under the threshold: operator new
  EXPECT_EQ(v[9], 27u);
}

TEST(FloodOrder, LayersAreTheHopCounts) {
  sim::Rng rng(3);
  for (const auto& topo : {sim::Topology::random(500, 3, rng), sim::Topology::mesh(40),
                           sim::Topology::from_edges(6, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}})}) {
    std::vector<std::uint8_t> seen(topo.size(), 0);
    std::vector<std::uint32_t> order, layer_end;
    for (std::uint32_t source : {0u, topo.size() / 2, topo.size() - 1}) {
      topo.flood_order(source, order, layer_end, seen);
      const auto hops = topo.hops_from(source);
      ASSERT_EQ(order.size(), topo.size() - 1);
      ASSERT_FALSE(layer_end.empty());
      EXPECT_EQ(layer_end.back(), order.size());
      std::vector<int> count(topo.size(), 0);
      std::uint32_t begin = 0;
      for (std::size_t k = 0; k < layer_end.size(); ++k) {
        for (std::uint32_t j = begin; j < layer_end[k]; ++j) {
          EXPECT_EQ(hops[order[j]], k + 1) << "source " << source << " node " << order[j];
          ++count[order[j]];
        }
        begin = layer_end[k];
      }
      for (std::uint32_t v = 0; v < topo.size(); ++v) EXPECT_EQ(count[v], v == source ? 0 : 1);
      EXPECT_EQ(std::count(seen.begin(), seen.end(), 0), static_cast<long>(topo.size()));  // scratch left clean
    }
  }
}

}  // namespace
}  // namespace powlab
