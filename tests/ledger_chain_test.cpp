// Chain state: fork choice on real headers, orphans, duplicates, block validity, reorg undo
// of the UTXO ledger, halving, and the lab network's retarget.
#include <gtest/gtest.h>

#include <map>

#include "ledger_util.h"
#include "powlab/ledger/chain.h"
#include "powlab/consensus/header.h"
#include "powlab/consensus/network.h"
#include "powlab/consensus/target.h"
#include "test_util.h"

namespace powlab {
namespace {

using test::kT0;

std::map<std::string, BlockPtr> fork_blocks() {
  const CsvTable t = test::data_csv("headers/fork_reorg_btcd_testchain.csv");
  std::map<std::string, BlockPtr> out;
  for (const auto& row : t.rows) {
    out[row[t.column("label")]] = Block::make(BlockHeader::from_hex(row[t.column("header_hex")]), {});
  }
  return out;
}

ChainOptions headers_only() {
  ChainOptions o;
  o.headers_only = true;
  return o;
}

// ---- fork choice on real headers (mainnet rules, header-only blocks) ----

TEST(ForkChoice, B4LosesToA5AndTheChainReorgs) {
  auto b = fork_blocks();
  ChainState chain(mainnet(), headers_only());
  for (const char* l : {"G", "B1", "B2", "B3", "B4"}) {
    const AcceptResult r = chain.accept(b[l]);
    ASSERT_EQ(r.status, AcceptStatus::new_tip) << l << ": " << r.detail;
    EXPECT_FALSE(r.reorg());
  }
  EXPECT_EQ(chain.tip_hash(), b["B4"]->hash());
  EXPECT_EQ(chain.accept(b["A3"]).status, AcceptStatus::side_branch);
  // A4 has exactly B4's work: the first seen (B4) stays the tip.
  EXPECT_EQ(chain.accept(b["A4"]).status, AcceptStatus::side_branch);
  EXPECT_EQ(chain.tip_hash(), b["B4"]->hash());
  const AcceptResult r = chain.accept(b["A5"]);
  ASSERT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
  EXPECT_TRUE(r.reorg());
  EXPECT_EQ(r.disconnected, 2u);  // B3, B4 go stale
  EXPECT_EQ(r.connected, 3u);     // A3, A4, A5
  EXPECT_EQ(r.fork_height, 2);
  EXPECT_EQ(chain.tip_hash(), b["A5"]->hash());
  EXPECT_EQ(chain.height(), 5);
  U256 six;
  for (int i = 0; i < 6; ++i) six += block_work(0x1d00ffff);
  EXPECT_EQ(chain.tip_work(), six);
  // The losers stay in the tree as a side branch.
  EXPECT_TRUE(chain.contains(b["B4"]->hash()));
  EXPECT_FALSE(chain.on_best_chain(b["B4"]->hash()));
  EXPECT_TRUE(chain.on_best_chain(b["B2"]->hash()));
  EXPECT_EQ(chain.block_count(), 8u);
  EXPECT_EQ(chain.side_block_count(), 2u);
}

TEST(ForkChoice, EqualWorkKeepsTheFirstSeenInEitherOrder) {
  auto b = fork_blocks();
  ChainState chain(mainnet(), headers_only());
  for (const char* l : {"G", "B1", "B2", "A3", "A4", "B3", "B4"}) ASSERT_TRUE(chain.accept(b[l]).ok()) << l;
  EXPECT_EQ(chain.tip_hash(), b["A4"]->hash());  // A4 came first this time
  EXPECT_EQ(chain.accept(b["A5"]).disconnected, 0u);
}

TEST(ForkChoice, DuplicatesChangeNothing) {
  auto b = fork_blocks();
  ChainState chain(mainnet(), headers_only());
  for (const char* l : {"G", "B1", "B2"}) chain.accept(b[l]);
  const U256 work = chain.tip_work();
  EXPECT_EQ(chain.accept(b["B2"]).status, AcceptStatus::duplicate);
  EXPECT_EQ(chain.accept(b["G"]).status, AcceptStatus::duplicate);
  EXPECT_EQ(chain.tip_work(), work);
  EXPECT_EQ(chain.block_count(), 3u);
}

TEST(ForkChoice, OrphansWaitAndConnectWhenTheParentArrives) {
  auto b = fork_blocks();
  ChainState chain(mainnet(), headers_only());
  for (const char* l : {"G", "B1", "B2", "B3", "B4"}) chain.accept(b[l]);
  EXPECT_EQ(chain.accept(b["A5"]).status, AcceptStatus::orphan);
  EXPECT_EQ(chain.accept(b["A4"]).status, AcceptStatus::orphan);
  EXPECT_EQ(chain.accept(b["A5"]).status, AcceptStatus::duplicate);  // already queued
  EXPECT_EQ(chain.orphan_count(), 2u);
  const AcceptResult r = chain.accept(b["A3"]);
  EXPECT_EQ(r.status, AcceptStatus::new_tip);
  EXPECT_EQ(r.orphans_accepted, 2u);
  EXPECT_EQ(r.disconnected, 2u);
  EXPECT_EQ(chain.tip_hash(), b["A5"]->hash());
  EXPECT_EQ(chain.orphan_count(), 0u);
}

TEST(ForkChoice, OrphanPoolIsBounded) {
  ChainOptions o = headers_only();
  o.max_orphans = 3;
  ChainState chain(mainnet(), o);
  auto b = fork_blocks();
  chain.accept(b["G"]);
  for (const char* l : {"B2", "B3", "B4", "A3", "A4", "A5"}) EXPECT_EQ(chain.accept(b[l]).status, AcceptStatus::orphan);
  EXPECT_EQ(chain.orphan_count(), 3u);
}

TEST(ForkChoice, RealStaleBlock823226StaysAsASideBranch) {
  const CsvTable t = test::data_csv("headers/stale_headers.csv");
  BlockPtr stale, main;
  for (const auto& row : t.rows) {
    BlockPtr blk = Block::make(BlockHeader::from_hex(row[t.column("header_hex")]), {});
    (row[t.column("kind")] == "stale" ? stale : main) = blk;
  }
  ASSERT_TRUE(stale && main);
  ASSERT_EQ(stale->header().prev_hash, main->header().prev_hash);
  // The anchor stands for the real chain up to 823225, whose header we do not carry. Its
  // recent times are stand-ins earlier than both children (the real ones are too).
  Anchor a;
  a.hash = main->header().prev_hash;
  a.height = 823225;
  a.bits = 0x1703e8b3;  // same retarget period (822528..824543) as both children
  a.recent_times = {1703730000, 1703731000, 1703732000};
  for (int order = 0; order < 2; ++order) {
    ChainState chain(mainnet(), a, headers_only());
    const BlockPtr first = order == 0 ? main : stale;
    const BlockPtr second = order == 0 ? stale : main;
    EXPECT_EQ(chain.accept(first).status, AcceptStatus::new_tip);
    const AcceptResult r = chain.accept(second);
    EXPECT_EQ(r.status, AcceptStatus::side_branch) << r.detail;
    EXPECT_EQ(chain.tip_hash(), first->hash());
    EXPECT_EQ(chain.height(), 823226);
    EXPECT_TRUE(chain.contains(second->hash()));
    EXPECT_EQ(chain.side_block_count(), 1u);
    EXPECT_EQ(chain.blocks_in_order().size(), 2u);
  }
}

TEST(ForkChoice, RejectsBadPowAndBadDiffbitsOnRealHeaders) {
  auto b = fork_blocks();
  ChainState chain(mainnet(), headers_only());
  chain.accept(b["G"]);
  BlockHeader h = b["B1"]->header();
  h.nonce ^= 1;
  AcceptResult r = chain.accept(Block::make(h, {}));
  EXPECT_EQ(r.reason, BlockReject::high_hash);
  h = b["B1"]->header();
  h.bits = 0x1d00fffe;
  r = chain.accept(Block::make(h, {}));
  EXPECT_EQ(r.status, AcceptStatus::invalid);
  EXPECT_TRUE(r.reason == BlockReject::high_hash || r.reason == BlockReject::bad_diffbits);
  EXPECT_EQ(chain.block_count(), 1u);
}

// ---- the lab ledger ----

struct Lab : ::testing::Test {
  ConsensusParams params = test::easy_lab();
  ChainState chain{params};

  void mine(const std::string& miner, std::vector<Transaction> txs = {}, Amount fees = 0) {
    const AcceptResult r = chain.accept(test::next_block(chain, miner, std::move(txs), fees));
    ASSERT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
  }
  OutPoint coinbase_of(std::int64_t height) const { return OutPoint{chain.block_at(height)->txids()[0], 0}; }
};

TEST_F(Lab, GenesisThenBalancesAndRewards) {
  mine("alice");
  mine("alice");
  mine("bob");
  EXPECT_EQ(chain.height(), 2);
  EXPECT_EQ(chain.balance("alice"), 100 * kCoin);
  EXPECT_EQ(chain.balance("bob"), 50 * kCoin);
  EXPECT_EQ(chain.rewards().at("alice").blocks, 2u);
  EXPECT_EQ(chain.rewards().at("bob").subsidy, 50 * kCoin);
  EXPECT_EQ(chain.utxo_count(), 3u);
}

TEST_F(Lab, TransferPaysAFeeToTheMiner) {
  mine("alice");
  const Transaction tx = test::transfer({coinbase_of(0)}, 50 * kCoin, "alice", "bob", 10 * kCoin, kCoin);
  Amount fee = 0;
  ASSERT_FALSE(chain.check_tx(tx, &fee));
  EXPECT_EQ(fee, kCoin);
  mine("carol", {tx}, fee);
  EXPECT_EQ(chain.balance("alice"), 39 * kCoin);
  EXPECT_EQ(chain.balance("bob"), 10 * kCoin);
  EXPECT_EQ(chain.balance("carol"), 51 * kCoin);
  EXPECT_EQ(chain.rewards().at("carol").fees, kCoin);
}

TEST_F(Lab, TransactionRejectionsEachWithAReason) {
  mine("alice");
  mine("bob");
  const OutPoint a = coinbase_of(0);
  auto reason = [&](const Transaction& tx) {
    auto e = chain.check_tx(tx);
    return e ? e->reason : TxReject{};
  };
  auto err = chain.check_tx(test::transfer({OutPoint{Hash256{}, 0}}, 1, "x", "y", 1, 0));
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, TxReject::missing_input);
  EXPECT_EQ(reason(test::transfer({OutPoint{a.txid, 1}}, 1, "x", "y", 1, 0)), TxReject::missing_input);
  EXPECT_EQ(reason(test::transfer({a}, 50 * kCoin, "alice", "bob", 51 * kCoin, 0)), TxReject::outputs_exceed_inputs);
  EXPECT_EQ(reason(test::transfer({a, a}, 100 * kCoin, "alice", "bob", kCoin, 0)), TxReject::duplicate_input);
  Transaction big = test::transfer({a}, 50 * kCoin, "alice", "bob", kMaxMoney + 1, 0);
  EXPECT_EQ(reason(big), TxReject::amount_out_of_range);
  Transaction neg = test::transfer({a}, 50 * kCoin, "alice", "bob", -1, 0);
  EXPECT_EQ(reason(neg), TxReject::amount_out_of_range);
  Transaction sum;  // each output in range, the sum overflows the money range
  sum.inputs.push_back(TxIn{a});
  sum.outputs = {TxOut{kMaxMoney, "x"}, TxOut{kMaxMoney, "y"}};
  EXPECT_EQ(reason(sum), TxReject::amount_out_of_range);
  Transaction bad_name = test::transfer({a}, 50 * kCoin, "alice", "bob smith", kCoin, 0);
  EXPECT_EQ(reason(bad_name), TxReject::bad_owner);

  // Double spend: confirmed, then spent again.
  const Transaction t1 = test::transfer({a}, 50 * kCoin, "alice", "bob", 5 * kCoin, 0);
  mine("carol", {t1});
  auto ds = chain.check_tx(test::transfer({a}, 50 * kCoin, "alice", "dave", 5 * kCoin, 0));
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->reason, TxReject::double_spend);
  EXPECT_NE(ds->detail.find("already spent"), std::string::npos);
  // Double spend against the queue (mempool).
  const OutPoint b = coinbase_of(1);
  const Transaction q1 = test::transfer({b}, 50 * kCoin, "bob", "x", kCoin, 0);
  const std::vector<Transaction> queue{q1};
  auto qds = chain.check_tx_after(test::transfer({b}, 50 * kCoin, "bob", "y", kCoin, 0), queue);
  ASSERT_TRUE(qds);
  EXPECT_EQ(qds->reason, TxReject::double_spend);
  // Spending an output created by a queued tx is fine.
  EXPECT_FALSE(chain.check_tx_after(test::transfer({OutPoint{q1.txid(), 0}}, kCoin, "x", "z", kCoin, 0), queue));
}

TEST_F(Lab, BlockWithADoubleSpendInsideIsRefusedAndChangesNothing) {
  mine("alice");
  const OutPoint a = coinbase_of(0);
  const Transaction t1 = test::transfer({a}, 50 * kCoin, "alice", "bob", kCoin, 0);
  const Transaction t2 = test::transfer({a}, 50 * kCoin, "alice", "carol", 2 * kCoin, 0);
  const auto before = chain.balances();
  const AcceptResult r = chain.accept(test::next_block(chain, "m", {t1, t2}));
  ASSERT_EQ(r.status, AcceptStatus::invalid);
  EXPECT_EQ(r.reason, BlockReject::bad_tx);
  ASSERT_TRUE(r.tx_error);
  EXPECT_EQ(r.tx_error->reason, TxReject::double_spend);
  EXPECT_EQ(r.tx_index, 2u);
  EXPECT_EQ(chain.balances(), before);
  EXPECT_EQ(chain.height(), 0);
  EXPECT_TRUE(chain.find_coin(a));
}

TEST_F(Lab, CoinbaseMayNotPayMoreThanSubsidyPlusFees) {
  mine("alice");
  const Transaction tx = test::transfer({coinbase_of(0)}, 50 * kCoin, "alice", "bob", kCoin, 3);
  AcceptResult r = chain.accept(test::next_block(chain, "m", {tx}, 4));  // claims one unit too many
  EXPECT_EQ(r.reason, BlockReject::bad_coinbase_amount) << r.detail;
  r = chain.accept(test::next_block(chain, "m", {tx}, 3));
  EXPECT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
}

TEST_F(Lab, HeaderAndBodyRulesEachRefuse) {
  mine("alice");
  const BlockTemplate t = chain.next_template(kT0 + 10);
  auto draft = [&] { return make_block_draft(t, "m", {}, 0, 0); };
  auto reason = [&](BlockHeader h, std::vector<Transaction> txs) {
    return chain.accept(Block::make(test::grind(h, params), std::move(txs))).reason;
  };
  {  // Merkle root not matching the transactions
    BlockDraft d = draft();
    d.txs[0].extranonce = 99;
    EXPECT_EQ(reason(d.header, d.txs), BlockReject::bad_merkle);
  }
  {  // nBits not the retarget rule's
    BlockDraft d = draft();
    d.header.bits = 0x2000ffff;
    EXPECT_EQ(reason(d.header, d.txs), BlockReject::bad_diffbits);
  }
  {  // not after the median time past
    BlockDraft d = draft();
    d.header.time = static_cast<std::uint32_t>(kT0);
    EXPECT_EQ(reason(d.header, d.txs), BlockReject::time_too_old);
  }
  {  // more than 2 h ahead of now
    chain.validation().now = kT0;
    BlockDraft d = draft();
    d.header.time = static_cast<std::uint32_t>(kT0 + 2 * 3600 + 1);
    EXPECT_EQ(reason(d.header, d.txs), BlockReject::time_too_new);
    d.header.time = static_cast<std::uint32_t>(kT0 + 2 * 3600);
    EXPECT_EQ(reason(d.header, d.txs), BlockReject::none);
    chain.validation().now.reset();
  }
  {  // no transactions; coinbase not first; wrong coinbase height
    BlockDraft d = draft();
    EXPECT_EQ(reason(d.header, {}), BlockReject::no_coinbase);
    BlockTemplate t2 = chain.next_template(kT0 + 30);
    BlockDraft bad_h = make_block_draft(t2, "m", {}, 0, 0);
    bad_h.txs[0].coinbase_height = 7;
    set_extranonce(bad_h, 0);
    EXPECT_EQ(reason(bad_h.header, bad_h.txs), BlockReject::bad_coinbase_height);
  }
  {  // proof of work not met
    BlockDraft d = make_block_draft(chain.next_template(kT0 + 40), "m", {}, 0, 0);
    BlockHeader h = d.header;
    for (h.nonce = 0; check_proof_of_work(h.hash(), h.bits, params.pow_limit) == PowStatus::ok; ++h.nonce) {
    }
    EXPECT_EQ(chain.accept(Block::make(h, d.txs)).reason, BlockReject::high_hash);
  }
  {  // a second genesis
    BlockTemplate g;
    g.bits = params.initial_bits;
    g.time = kT0;
    g.subsidy = block_subsidy(0, params);
    BlockDraft d = make_block_draft(g, "other", {}, 0, 5);
    EXPECT_EQ(reason(d.header, d.txs), BlockReject::bad_genesis);
  }
  EXPECT_EQ(chain.height(), 1);  // only the good one at now + 2 h went in
}

TEST_F(Lab, MutatedMerkleBlockIsRefusedButTheHonestTwinIsNot) {
  mine("alice");
  mine("bob");
  const Transaction t1 = test::transfer({coinbase_of(0)}, 50 * kCoin, "alice", "x", kCoin, 0);
  const Transaction t2 = test::transfer({coinbase_of(1)}, 50 * kCoin, "bob", "y", kCoin, 0);
  const BlockPtr honest = test::next_block(chain, "m", {t1, t2});
  std::vector<Transaction> dup = honest->txs();
  dup.push_back(t2);  // [cb, t1, t2, t2]: same root, same header, same hash
  const BlockPtr mutated = Block::make(honest->header(), dup);
  ASSERT_EQ(mutated->hash(), honest->hash());
  EXPECT_EQ(mutated->computed_merkle_root(), honest->computed_merkle_root());
  const AcceptResult r = chain.accept(mutated);
  EXPECT_EQ(r.reason, BlockReject::merkle_mutated) << r.detail;
  EXPECT_EQ(chain.accept(honest).status, AcceptStatus::new_tip);  // not poisoned by its twin
}

TEST_F(Lab, SimulatedProofIsRefusedUnlessAllowedAndSkipsOnlyPow) {
  mine("alice");
  BlockDraft d = make_block_draft(chain.next_template(kT0 + 10), "sim", {}, 0, 0);
  // A header that fails real PoW: only the simulated marking can get it in.
  for (d.header.nonce = 0; check_proof_of_work(d.header.hash(), d.header.bits, params.pow_limit) == PowStatus::ok;
       ++d.header.nonce) {
  }
  Hash256 id{};
  id[0] = 0x42;
  const BlockPtr sim = Block::make_simulated(d.header, d.txs, id);
  EXPECT_EQ(chain.accept(sim).reason, BlockReject::simulated_proof);
  chain.validation().accept_simulated_proof = true;
  const AcceptResult r = chain.accept(sim);
  EXPECT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
  EXPECT_TRUE(r.pow_skipped);
  EXPECT_EQ(chain.tip_hash(), id);
  // Every other rule still applies to simulated blocks.
  BlockDraft bad = make_block_draft(chain.next_template(kT0 + 20), "sim", {}, 0, 0);
  bad.header.bits = 0x1f00ffff;
  id[0] = 0x43;
  EXPECT_EQ(chain.accept(Block::make_simulated(bad.header, bad.txs, id)).reason, BlockReject::bad_diffbits);
}

// Reorg undo: a transfer confirmed only on the losing branch is gone after the reorg, and
// the UTXO set and balances are exactly those of the fork point plus the winner's blocks.
TEST_F(Lab, ReorgUndoRestoresTheLedgerExactly) {
  mine("alice");
  mine("alice");
  const Hash256 fork = chain.tip_hash();
  const auto balances_at_fork = chain.balances();
  const auto alice_coins_at_fork = chain.coins_of("alice");
  const std::size_t utxo_at_fork = chain.utxo_count();

  const Transaction pay = test::transfer({coinbase_of(0)}, 50 * kCoin, "alice", "bob", 20 * kCoin, kCoin);
  mine("carol", {pay}, kCoin);  // losing branch X: x2
  mine("carol");                // x3
  const Hash256 x3 = chain.tip_hash();
  EXPECT_EQ(chain.balance("bob"), 20 * kCoin);
  EXPECT_EQ(chain.balance("carol"), 101 * kCoin);

  // Branch Y from the fork: three blocks by dave, without the transfer.
  const std::int64_t base_time = chain.block_at(1)->header().time;
  BlockPtr y2 = test::make_block(params, fork, 2, 0x207fffff, base_time + 5, "dave");
  BlockPtr y3 = test::make_block(params, y2->hash(), 3, 0x207fffff, base_time + 6, "dave");
  BlockPtr y4 = test::make_block(params, y3->hash(), 4, 0x207fffff, base_time + 7, "dave");
  EXPECT_EQ(chain.accept(y2).status, AcceptStatus::side_branch);
  EXPECT_EQ(chain.accept(y3).status, AcceptStatus::side_branch);  // equal work: x3 stays
  const AcceptResult r = chain.accept(y4);
  ASSERT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
  EXPECT_EQ(r.disconnected, 2u);
  EXPECT_EQ(r.connected, 3u);
  EXPECT_EQ(r.fork_height, 1);

  auto expected = balances_at_fork;
  expected["dave"] = 150 * kCoin;
  EXPECT_EQ(chain.balances(), expected);
  EXPECT_EQ(chain.balance("bob"), 0);
  EXPECT_EQ(chain.balance("carol"), 0);
  EXPECT_EQ(chain.rewards().count("carol"), 0u);
  EXPECT_EQ(chain.coins_of("alice"), alice_coins_at_fork);
  EXPECT_EQ(chain.utxo_count(), utxo_at_fork + 3);
  EXPECT_FALSE(chain.find_coin(OutPoint{pay.txid(), 0}));
  // The transfer is valid again on the winner (its input is unspent there).
  EXPECT_FALSE(chain.check_tx(pay));

  // And back: X grows past Y; the transfer is confirmed again, dave's blocks go stale.
  BlockPtr x4 = test::make_block(params, x3, 4, 0x207fffff, base_time + 40, "carol");
  EXPECT_EQ(chain.accept(x4).status, AcceptStatus::side_branch);
  BlockPtr x5 = test::make_block(params, x4->hash(), 5, 0x207fffff, base_time + 50, "carol");
  const AcceptResult back = chain.accept(x5);
  EXPECT_EQ(back.disconnected, 3u);
  EXPECT_EQ(chain.balance("bob"), 20 * kCoin);
  EXPECT_EQ(chain.balance("dave"), 0);
  EXPECT_EQ(chain.balance("carol"), 4 * 50 * kCoin + kCoin);
}

TEST_F(Lab, ABranchWhoseTransactionFailsIsMarkedInvalidAndTheOldChainKept) {
  mine("alice");
  const Hash256 g = chain.tip_hash();
  const std::int64_t t0 = chain.block_at(0)->header().time;
  mine("bob");
  const auto before = chain.balances();
  const Hash256 tip = chain.tip_hash();
  // Side branch: y1 (fine), y2 spends an output that does not exist there.
  BlockPtr y1 = test::make_block(params, g, 1, 0x207fffff, t0 + 3, "eve");
  const Transaction bogus = test::transfer({OutPoint{Hash256{}, 3}}, kCoin, "eve", "eve", kCoin, 0);
  BlockPtr y2 = test::make_block(params, y1->hash(), 2, 0x207fffff, t0 + 4, "eve", {bogus});
  EXPECT_EQ(chain.accept(y1).status, AcceptStatus::side_branch);
  const AcceptResult r = chain.accept(y2);
  EXPECT_EQ(r.status, AcceptStatus::invalid);
  EXPECT_EQ(r.reason, BlockReject::bad_tx);
  EXPECT_EQ(r.tx_error->reason, TxReject::missing_input);
  EXPECT_EQ(chain.tip_hash(), tip);
  EXPECT_EQ(chain.balances(), before);
  // Its descendants are refused too.
  BlockPtr y3 = test::make_block(params, y2->hash(), 3, 0x207fffff, t0 + 5, "eve");
  EXPECT_EQ(chain.accept(y3).reason, BlockReject::parent_invalid);
}

TEST(LedgerModes, RewardsOnlyCreditsCoinbasesUndoesThemOnReorgAndRefusesTransfers) {
  const ConsensusParams p = test::easy_lab();
  ChainOptions o;
  o.rewards_only = true;
  ChainState chain(p, o);
  chain.accept(test::next_block(chain, "alice"));
  const Hash256 g = chain.tip_hash();
  chain.accept(test::next_block(chain, "bob"));
  EXPECT_EQ(chain.balance("bob"), 50 * kCoin);
  EXPECT_EQ(chain.utxo_count(), 0u);  // no UTXO set
  const std::int64_t t0 = chain.block_at(0)->header().time;
  BlockPtr c1 = test::make_block(p, g, 1, 0x207fffff, t0 + 1, "carol");
  BlockPtr c2 = test::make_block(p, c1->hash(), 2, 0x207fffff, t0 + 2, "carol");
  chain.accept(c1);
  EXPECT_EQ(chain.accept(c2).disconnected, 1u);
  EXPECT_EQ(chain.balance("bob"), 0);
  EXPECT_EQ(chain.rewards().count("bob"), 0u);
  EXPECT_EQ(chain.balance("carol"), 100 * kCoin);
  const Transaction tx = test::transfer({OutPoint{c1->txids()[0], 0}}, 50 * kCoin, "carol", "dave", kCoin, 0);
  const AcceptResult r = chain.accept(test::next_block(chain, "m", {tx}));
  EXPECT_EQ(r.reason, BlockReject::bad_tx);
  EXPECT_NE(r.detail.find("UTXO set"), std::string::npos) << r.detail;
}

TEST(LedgerModes, WithoutBalancesNothingIsTrackedButEveryRuleStillHolds) {
  const ConsensusParams p = test::easy_lab();
  ChainOptions o;
  o.rewards_only = true;
  o.track_balances = false;
  ChainState chain(p, o);
  chain.accept(test::next_block(chain, "alice"));
  chain.accept(test::next_block(chain, "bob"));
  EXPECT_EQ(chain.height(), 1);
  EXPECT_TRUE(chain.balances().empty());
  EXPECT_TRUE(chain.rewards().empty());
  EXPECT_EQ(chain.accept(test::next_block(chain, "greedy", {}, 1)).reason, BlockReject::bad_coinbase_amount);
}

// ---- subsidy ----

TEST(Subsidy, HalvesAtTheConfiguredIntervalAndReachesZero) {
  const ConsensusParams p = test::easy_lab(1000, 5);
  ChainState chain(p);
  for (int i = 0; i < 12; ++i) chain.accept(test::next_block(chain, "m"));
  ASSERT_EQ(chain.height(), 11);
  // heights 0-4: 50, 5-9: 25, 10-11: 12.5
  EXPECT_EQ(chain.balance("m"), 5 * 50 * kCoin + 5 * 25 * kCoin + 2 * (25 * kCoin / 2));
  EXPECT_EQ(chain.next_template(kT0 + 1000).subsidy, 25 * kCoin / 2);
  const ConsensusParams& m = mainnet();
  for (int k = 0; k < 64; ++k) {
    EXPECT_EQ(block_subsidy(k * m.halving_interval, m), (50 * kCoin) >> k) << k;
    EXPECT_EQ(block_subsidy((k + 1) * m.halving_interval - 1, m), (50 * kCoin) >> k) << k;
  }
  EXPECT_EQ(block_subsidy(64 * m.halving_interval, m), 0);
  EXPECT_EQ(block_subsidy(1000 * m.halving_interval, m), 0);
  EXPECT_EQ(block_subsidy(33 * m.halving_interval, m), 0);  // 5e9 >> 33 already rounds to 0
  EXPECT_EQ(block_subsidy(32 * m.halving_interval, m), 1);
}

// ---- lab retarget over several periods ----

TEST(LabRetarget, FasterAndSlowerBlocksMoveTheTargetByBitcoinsRule) {
  LabOptions o;
  o.spacing = 10;
  o.retarget_interval = 4;
  o.initial_bits = 0x1f00ffff;
  o.pow_limit_bits = 0x207fffff;
  const ConsensusParams p = lab_network(o);
  ChainOptions co;
  co.validation.accept_simulated_proof = true;  // nBits is under test, not PoW
  ChainState chain(p, co);
  // Block gaps per period: fast (2 s), slow (25 s), very slow (clamped x4), on target.
  const std::vector<std::int64_t> gaps{2, 25, 1000, 10, 1};
  std::int64_t t = kT0;
  std::uint32_t bits = o.initial_bits;
  std::vector<std::uint32_t> seen;
  for (std::size_t period = 0; period < gaps.size(); ++period) {
    for (int k = 0; k < 4; ++k) {
      const std::int64_t height = chain.height() + 1;
      if (height > 0 && height % 4 == 0) {
        // Independent arithmetic: the period's 4 blocks span 3 intervals (Bitcoin's
        // off-by-one), clamped to [timespan/4, timespan*4], target * actual / timespan.
        const std::int64_t first = chain.block_at(height - 4)->header().time;
        const std::int64_t last = chain.block_at(height - 1)->header().time;
        const std::int64_t actual = std::clamp<std::int64_t>(last - first, 40 / 4, 40 * 4);
        bool overflow = false;
        U256 target = U256::mul_div(decode_compact(bits).target, static_cast<std::uint64_t>(actual), 40, &overflow);
        if (overflow || target > p.pow_limit) target = p.pow_limit;
        bits = encode_compact(target);
        seen.push_back(bits);
      }
      BlockTemplate tmpl = chain.next_template(t);
      ASSERT_EQ(tmpl.bits, bits) << "height " << height;
      tmpl.time = t;
      BlockDraft d = make_block_draft(tmpl, "m", {}, 0, 0);
      if (height > 0 && height % 4 == 0) {  // the wrong nBits is refused at the boundary
        BlockDraft wrong = d;
        wrong.header.bits = bits + 1;
        EXPECT_EQ(chain.accept(Block::make_simulated(wrong.header, wrong.txs, wrong.header.hash())).reason,
                  BlockReject::bad_diffbits);
      }
      const AcceptResult r = chain.accept(Block::make_simulated(d.header, d.txs, d.header.hash()));
      ASSERT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
      t += gaps[period];
    }
  }
  ASSERT_EQ(seen.size(), 4u);
  // Fast blocks make it harder, slow ones easier, the clamp limits a period to x4.
  EXPECT_LT(decode_compact(seen[0]).target, decode_compact(o.initial_bits).target);
  EXPECT_GT(decode_compact(seen[1]).target, decode_compact(seen[0]).target);
  EXPECT_EQ(seen[0], 0x1e3fffc0u);  // 0x1f00ffff * 10/40 (3 gaps of 2 s = 6 s clamped to 10)
}

}  // namespace
}  // namespace powlab
