// Rules of issue 9 parts 1-2: coinbase maturity, the fee range and the supply, orphans taken
// oldest first, refused blocks remembered (and mutated ones not), most work over most
// length, one owner-name rule for the ledger and the race, the live race's scalar re-check,
// and the chain file's maturity field.
#include <gtest/gtest.h>

#include "../core/sim/race_engine.h"
#include "ledger_util.h"
#include "powlab/consensus/network.h"
#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"
#include "powlab/ledger/block_tree.h"
#include "powlab/ledger/chain.h"
#include "powlab/ledger/orphan_pool.h"
#include "powlab/ledger/store.h"
#include "powlab/sha256.h"
#include "powlab/sim/miners.h"
#include "powlab/util/error.h"

namespace powlab {
namespace {

using test::kT0;
constexpr std::uint32_t kEasy = 0x207fffff;

OutPoint coinbase_out(const BlockPtr& b) { return OutPoint{b->txids()[0], 0}; }

struct Chain {
  ConsensusParams params;
  ChainState chain;
  explicit Chain(ConsensusParams p, ChainOptions o = {}) : params(std::move(p)), chain(params, o) {}
  AcceptResult mine(const std::string& miner, std::vector<Transaction> txs = {}, Amount fees = 0) {
    return chain.accept(test::next_block(chain, miner, std::move(txs), fees));
  }
};

// ---- coinbase maturity ----

TEST(CoinbaseMaturity, ASpendNeedsMaturityConfirmationsExactly) {
  Chain c(test::easy_lab(1000, 1000, /*coinbase_maturity=*/3));
  ASSERT_EQ(c.mine("alice").status, AcceptStatus::new_tip);  // height 0
  const OutPoint cb0 = coinbase_out(c.chain.block_at(0));
  const Transaction pay = test::transfer({cb0}, 50 * kCoin, "alice", "bob", kCoin, 0);
  for (std::int64_t spend_height = 1; spend_height < 3; ++spend_height) {
    // The mempool check (spend at tip + 1) and the block rule agree, naming the height.
    const auto err = c.chain.check_tx(pay);
    ASSERT_TRUE(err) << spend_height;
    EXPECT_EQ(err->reason, TxReject::premature_spend);
    EXPECT_EQ(to_string(err->reason), "bad-txns-premature-spend-of-coinbase");
    EXPECT_NE(err->detail.find("matures at height 3"), std::string::npos) << err->detail;
    const AcceptResult r = c.mine("m", {pay});
    EXPECT_EQ(r.reason, BlockReject::bad_tx) << r.detail;
    ASSERT_TRUE(r.tx_error);
    EXPECT_EQ(r.tx_error->reason, TxReject::premature_spend);
    ASSERT_EQ(c.mine("alice").status, AcceptStatus::new_tip);
  }
  EXPECT_FALSE(c.chain.check_tx(pay));  // at height 3 = 0 + maturity it is spendable
  EXPECT_EQ(c.mine("m", {pay}).status, AcceptStatus::new_tip);
  EXPECT_EQ(c.chain.balance("bob"), kCoin);
}

TEST(CoinbaseMaturity, OnlyCoinbasesWait) {
  Chain c(test::easy_lab(1000, 1000, 2));
  c.mine("alice");
  c.mine("alice");
  const Transaction pay = test::transfer({coinbase_out(c.chain.block_at(0))}, 50 * kCoin, "alice", "bob", kCoin, 0);
  ASSERT_EQ(c.mine("m", {pay}).status, AcceptStatus::new_tip);
  // bob's output is not a coinbase: spendable in the very next block.
  const Transaction on = test::transfer({OutPoint{pay.txid(), 0}}, kCoin, "bob", "carol", kCoin, 0);
  EXPECT_EQ(c.mine("m", {on}).status, AcceptStatus::new_tip);
}

TEST(CoinbaseMaturity, PresetsAndNetworkChecks) {
  EXPECT_EQ(mainnet().coinbase_maturity, 100);  // Core COINBASE_MATURITY
  EXPECT_EQ(lab_network().coinbase_maturity, 3);
  LabOptions o;
  o.coinbase_maturity = -1;
  EXPECT_THROW(lab_network(o), std::invalid_argument);
}

// A two-block lab file whose block 1 spends block 0's coinbase: refused with Core's code.
TEST(CoinbaseMaturity, ReplayOfAFileRefusesAPrematureSpend) {
  ChainFile file;
  file.params = lab_network(test::easy_lab_options());
  ChainState c(file.params);
  const BlockPtr b0 = test::next_block(c, "alice");
  ASSERT_TRUE(c.accept(b0).ok());
  const Transaction pay = test::transfer({coinbase_out(b0)}, 50 * kCoin, "alice", "bob", kCoin, 0);
  const BlockPtr b1 = test::next_block(c, "alice", {pay});
  file.blocks = {b0, b1};
  const LoadReport r = replay_chain(file);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(describe(r.failures[0]).find("bad-txns-premature-spend-of-coinbase"), std::string::npos)
      << describe(r.failures[0]);
}

// ---- the chain file carries the maturity; version 1 files keep their old meaning ----

TEST(ChainFileMaturity, RoundTripsAndVersion1LoadsWithoutTheRule) {
  ChainFile file;
  LabOptions o = test::easy_lab_options();
  o.coinbase_maturity = 7;
  file.params = lab_network(o);
  std::vector<std::uint8_t> bytes = encode_chain_file(file);
  EXPECT_EQ(decode_chain_file(bytes).params.coinbase_maturity, 7);

  // The same file as version 1 wrote it: no maturity field (8 bytes after the powLimit).
  constexpr std::size_t kPreamble = 20, kParamsEnd = 1 + 3 + 4 * 8 + 4 + 4;  // "lab"
  std::vector<std::uint8_t> payload(bytes.begin() + kPreamble, bytes.end() - 32);
  payload.erase(payload.begin() + kParamsEnd, payload.begin() + kParamsEnd + 8);
  std::vector<std::uint8_t> v1(bytes.begin(), bytes.begin() + 8);
  for (std::uint8_t b : {1, 0, 0, 0}) v1.push_back(b);
  for (int i = 0; i < 8; ++i) v1.push_back(static_cast<std::uint8_t>(std::uint64_t{payload.size()} >> (8 * i)));
  v1.insert(v1.end(), payload.begin(), payload.end());
  const Hash256 sum = sha256d(payload);
  v1.insert(v1.end(), sum.begin(), sum.end());
  const ChainFile old = decode_chain_file(v1);
  EXPECT_EQ(old.params.coinbase_maturity, 0);
  EXPECT_EQ(old.params.halving_interval, file.params.halving_interval);
}

// ---- fee range and supply ----

TEST(FeeRange, AccumulatedFeesOutOfTheMoneyRangeRefuseTheBlock) {
  // Not a network lab_network would make (check_supply refuses it): each block mints all
  // of MAX_MONEY, so two fees of MAX_MONEY each are possible.
  ConsensusParams p = test::easy_lab();
  p.initial_subsidy = kMaxMoney;
  Chain c(p);
  c.mine("a");
  c.mine("b");
  const Transaction burn0 = test::transfer({coinbase_out(c.chain.block_at(0))}, kMaxMoney, "a", "x", 0, kMaxMoney);
  const Transaction burn1 = test::transfer({coinbase_out(c.chain.block_at(1))}, kMaxMoney, "b", "x", 0, kMaxMoney);
  ASSERT_FALSE(c.chain.check_tx(burn0));
  const AcceptResult r = c.mine("m", {burn0, burn1});
  EXPECT_EQ(r.reason, BlockReject::fee_out_of_range) << r.detail;
  EXPECT_EQ(to_string(r.reason), "bad-txns-accumulated-fee-outofrange");
  EXPECT_EQ(c.chain.height(), 1);
  EXPECT_EQ(c.chain.balance("a"), kMaxMoney);  // nothing of the block stayed applied
  EXPECT_EQ(c.mine("m", {burn0}).status, AcceptStatus::new_tip);  // one fee is in range
}

TEST(FeeRange, ANetworkThatWouldMintMoreThanTheMoneyRangeIsRefused) {
  EXPECT_EQ(check_supply(mainnet()), "");  // 20,999,999.9769 coins
  LabOptions o;
  o.halving_interval = 210'001;  // 50 coins: just over 21 million in all
  EXPECT_THROW(lab_network(o), std::invalid_argument);
  o.halving_interval = 210'000;
  EXPECT_NO_THROW(lab_network(o));
  ConsensusParams p = mainnet();
  p.halving_interval = 1'000'000'000;
  EXPECT_NE(check_network(p).find("money range"), std::string::npos) << check_network(p);
}

// ---- orphans: one pool, oldest first ----

TEST(Orphans, PoolTakesTheOldestReadyFirstAndEvictsTheOldest) {
  OrphanPool<int> pool(3);
  for (int i : {10, 20, 30, 40}) pool.add(i);
  EXPECT_EQ(pool.items(), (std::vector<int>{20, 30, 40}));
  EXPECT_EQ(pool.take_oldest_ready([](int i) { return i >= 30; }), 30);
  EXPECT_EQ(pool.take_oldest_ready([](int i) { return i >= 30; }), 40);
  EXPECT_FALSE(pool.take_oldest_ready([](int i) { return i >= 30; }));
}

// A1, B1 (children of X), then A2, B2, then X: the chain ends on A2, the first seen, as Core
// and the race do (a stack ends on B2).
TEST(Orphans, ResolveOldestFirstAndEndOnTheFirstSeen) {
  const ConsensusParams p = test::easy_lab();
  ChainState chain(p);
  const BlockPtr g = test::next_block(chain, "g");
  ASSERT_TRUE(chain.accept(g).ok());
  const std::int64_t t = g->header().time;
  const BlockPtr x = test::make_block(p, g->hash(), 1, kEasy, t + 10, "x");
  const BlockPtr a1 = test::make_block(p, x->hash(), 2, kEasy, t + 20, "a");
  const BlockPtr b1 = test::make_block(p, x->hash(), 2, kEasy, t + 20, "b");
  const BlockPtr a2 = test::make_block(p, a1->hash(), 3, kEasy, t + 30, "a");
  const BlockPtr b2 = test::make_block(p, b1->hash(), 3, kEasy, t + 30, "b");
  for (const BlockPtr& o : {a1, b1, a2, b2}) ASSERT_EQ(chain.accept(o).status, AcceptStatus::orphan);
  const AcceptResult r = chain.accept(x);
  EXPECT_EQ(r.orphans_accepted, 4u);
  EXPECT_EQ(chain.tip_hash(), a2->hash());
  EXPECT_TRUE(chain.contains(b2->hash()));
  EXPECT_FALSE(chain.on_best_chain(b2->hash()));
}

// ---- refused blocks are remembered, mutated ones are not ----

struct Remember : ::testing::Test {
  ConsensusParams p = test::easy_lab();
  ChainState chain{p};
  BlockPtr g, bad, child, grandchild;
  void SetUp() override {
    g = test::next_block(chain, "g");
    ASSERT_TRUE(chain.accept(g).ok());
    const std::int64_t t = g->header().time;
    // bad: a header and body that match, with a coinbase claiming height 7 at height 1.
    BlockTemplate tmpl = chain.next_template(t + 10);
    BlockDraft d = make_block_draft(tmpl, "eve", {}, 0, 0);
    d.txs[0].coinbase_height = 7;
    set_extranonce(d, 0);
    bad = Block::make(test::grind(d.header, p), d.txs);
    child = test::make_block(p, bad->hash(), 2, kEasy, t + 20, "eve");
    grandchild = test::make_block(p, child->hash(), 3, kEasy, t + 30, "eve");
  }
};

TEST_F(Remember, AChildOfARefusedBlockIsRefusedAtOnceNotQueued) {
  EXPECT_EQ(chain.accept(bad).reason, BlockReject::bad_coinbase_height);
  const AcceptResult c = chain.accept(child);
  EXPECT_EQ(c.status, AcceptStatus::invalid);
  EXPECT_EQ(c.reason, BlockReject::parent_invalid);
  EXPECT_EQ(to_string(c.reason), "bad-prevblk");
  EXPECT_EQ(chain.accept(grandchild).reason, BlockReject::parent_invalid);
  EXPECT_EQ(chain.orphan_count(), 0u);
  EXPECT_EQ(chain.accept(bad).reason, BlockReject::bad_coinbase_height);  // still known
}

TEST_F(Remember, OrphansOfABlockThatTurnsOutInvalidAreDropped) {
  EXPECT_EQ(chain.accept(child).status, AcceptStatus::orphan);
  EXPECT_EQ(chain.accept(grandchild).status, AcceptStatus::orphan);
  EXPECT_EQ(chain.accept(bad).reason, BlockReject::bad_coinbase_height);
  EXPECT_EQ(chain.orphan_count(), 0u);
  EXPECT_EQ(chain.accept(grandchild).reason, BlockReject::parent_invalid);
}

TEST(RememberMutated, AMutatedCopyPoisonsNeitherTheBlockNorItsChildren) {
  const ConsensusParams p = test::easy_lab();
  Chain c(p);
  c.mine("alice");
  c.mine("bob");
  const Transaction t1 = test::transfer({coinbase_out(c.chain.block_at(0))}, 50 * kCoin, "alice", "x", kCoin, 0);
  const Transaction t2 = test::transfer({coinbase_out(c.chain.block_at(1))}, 50 * kCoin, "bob", "y", kCoin, 0);
  const BlockPtr honest = test::next_block(c.chain, "m", {t1, t2});
  std::vector<Transaction> dup = honest->txs();
  dup.push_back(t2);  // CVE-2012-2459: same root, same hash
  const BlockPtr mutated = Block::make(honest->header(), dup);
  const BlockPtr child = test::make_block(p, honest->hash(), 3, kEasy, honest->header().time + 10, "m");
  EXPECT_EQ(c.chain.accept(mutated).reason, BlockReject::merkle_mutated);
  EXPECT_EQ(c.chain.accept(mutated).reason, BlockReject::merkle_mutated);
  EXPECT_EQ(c.chain.accept(child).status, AcceptStatus::orphan);  // not bad-prevblk
  const AcceptResult r = c.chain.accept(honest);
  EXPECT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
  EXPECT_EQ(r.orphans_accepted, 1u);
  EXPECT_EQ(c.chain.tip_hash(), child->hash());
}

// ---- most work, not most length ----

// Retarget every 4 blocks: a branch whose first period came fast retargets to a 4x harder
// target at height 4, and its 5 blocks outweigh the other branch's 7.
struct MostWork : ::testing::Test {
  ConsensusParams p = test::easy_lab(/*retarget_interval=*/4);
  BlockPtr g;
  std::vector<BlockPtr> a, b;
  void SetUp() override {
    ChainState c(p);
    g = test::next_block(c, "g");
    const std::int64_t t = g->header().time;
    Hash256 prev = g->hash();
    for (int h = 1; h <= 3; ++h) {
      a.push_back(test::make_block(p, prev, h, kEasy, t + h, "a"));
      prev = a.back()->hash();
    }
    // The period [g, a3] took 3 s of 40: clamped to 10 s, the target / 4.
    const std::uint32_t hard = calculate_next_work_required(kEasy, t, t + 3, p);
    ASSERT_NE(hard, kEasy);
    a.push_back(test::make_block(p, prev, 4, hard, t + 4, "a"));
    prev = g->hash();
    for (int h = 1; h <= 6; ++h) {  // slow blocks: the target stays at powLimit
      b.push_back(test::make_block(p, prev, h, kEasy, t + 100 * h, "b"));
      prev = b.back()->hash();
    }
  }
  U256 work_of(const std::vector<BlockPtr>& blocks) const {
    U256 w = block_work(g->header().bits);
    for (const BlockPtr& x : blocks) w += block_work(x->header().bits);
    return w;
  }
};

TEST_F(MostWork, ChainStateTakesTheShorterBranchWithMoreWork) {
  ChainState chain(p);
  ASSERT_TRUE(chain.accept(g).ok());
  for (const BlockPtr& x : b) ASSERT_EQ(chain.accept(x).status, AcceptStatus::new_tip);
  EXPECT_EQ(chain.tip_work(), work_of(b));
  for (std::size_t k = 0; k + 1 < a.size(); ++k) ASSERT_EQ(chain.accept(a[k]).status, AcceptStatus::side_branch);
  const AcceptResult r = chain.accept(a.back());
  ASSERT_EQ(r.status, AcceptStatus::new_tip) << r.detail;
  EXPECT_EQ(r.disconnected, 6u);
  EXPECT_EQ(chain.tip_hash(), a.back()->hash());
  EXPECT_EQ(chain.height(), 4);  // shorter than the 6 it replaced
  EXPECT_EQ(chain.tip_work(), work_of(a));
  EXPECT_EQ(chain.info(b.back()->hash())->chainwork, work_of(b));
}

TEST_F(MostWork, BlockTreeRanksByWorkAndCachesItExactly) {
  BlockTree tree(p, TreeOptions{});
  std::uint32_t ig = 0, ia = 0, ib = 0;
  ASSERT_TRUE(tree.add(g, &ig).ok());
  for (const BlockPtr& x : b) ASSERT_TRUE(tree.add(x, &ib).ok());
  for (const BlockPtr& x : a) ASSERT_TRUE(tree.add(x, &ia).ok());
  EXPECT_LT(tree[ia].height, tree[ib].height);
  EXPECT_EQ(tree[ia].chainwork, work_of(a));
  EXPECT_EQ(tree[ib].chainwork, work_of(b));
  EXPECT_TRUE(tree.better(ia, ib));
  EXPECT_FALSE(tree.better(ib, ia));
}

// ---- names that say what they mean ----

TEST(Reasons, EachRefusalHasItsOwnReject) {
  const ConsensusParams p = test::easy_lab();
  ChainOptions no_pool;
  no_pool.max_orphans = 0;
  ChainState chain(p, no_pool);
  const BlockPtr g = test::next_block(chain, "g");
  ASSERT_TRUE(chain.accept(g).ok());
  Hash256 nowhere = g->hash();
  nowhere[0] ^= 1;
  const AcceptResult r = chain.accept(test::make_block(p, nowhere, 1, kEasy, g->header().time + 10, "m"));
  EXPECT_EQ(r.reason, BlockReject::parent_unknown);
  EXPECT_EQ(to_string(r.reason), "prev-blk-not-found");

  const auto cb = chain.check_tx(make_coinbase(1, "m", kCoin, 0));
  ASSERT_TRUE(cb);
  EXPECT_EQ(cb->reason, TxReject::coinbase_as_tx);
  EXPECT_EQ(to_string(cb->reason), "coinbase");

  ChainOptions rewards;
  rewards.rewards_only = true;
  ChainState race_like(p, rewards);
  ASSERT_TRUE(race_like.accept(test::next_block(race_like, "g")).ok());
  const Transaction pay = test::transfer({coinbase_out(race_like.block_at(0))}, 50 * kCoin, "g", "x", kCoin, 0);
  const auto none = race_like.check_tx(pay);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->reason, TxReject::no_utxo_set);
  const AcceptResult in_block = race_like.accept(test::next_block(race_like, "m", {pay}));
  ASSERT_TRUE(in_block.tx_error);
  EXPECT_EQ(in_block.tx_error->reason, TxReject::no_utxo_set);
}

// ---- one owner-name rule for the ledger and the race ----

TEST(OwnerName, TheRaceRefusesAMinerNameTheLedgerRefusesWithItsMessage) {
  const std::string long_name(33, 'm');
  const auto why = check_owner_name(long_name);
  ASSERT_TRUE(why);
  try {
    sim::validate_miners({sim::MinerSpec{long_name, 1.0}});
    FAIL() << "a 33-character miner name was taken";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find(*why), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(sim::validate_miners({sim::MinerSpec{std::string(32, 'm'), 1.0}}));
}

// ---- the live race re-checks every found nonce with the scalar reference ----

TEST(LiveRecheck, OnlyANonceTheScalarHashAcceptsMakesABlock) {
  const ConsensusParams p = test::easy_lab();
  BlockHeader h;
  h.bits = kEasy;
  h.time = static_cast<std::uint32_t>(kT0);
  std::vector<std::uint32_t> good, bad;
  for (std::uint32_t n = 0; good.empty() || bad.empty(); ++n) {
    h.nonce = n;
    (check_proof_of_work(h.hash(), h.bits, p.pow_limit) == PowStatus::ok ? good : bad).push_back(n);
  }
  // A kernel that reports a losing nonce first: the winner after it is taken.
  EXPECT_EQ(sim::detail::first_verified_nonce(h, {bad[0], good[0]}, p), good[0]);
  EXPECT_EQ(sim::detail::first_verified_nonce(h, {bad[0]}, p), std::nullopt);
  EXPECT_EQ(sim::detail::first_verified_nonce(h, {}, p), std::nullopt);
}

}  // namespace
}  // namespace powlab
