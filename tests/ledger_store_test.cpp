// The durable chain file: round trip, refusal of every truncation and every flipped byte,
// precise messages for wrong magic / future version / hostile length, atomic saves that
// survive injected I/O errors and a real kill -9 in the middle of a save.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ledger_util.h"
#include "powlab/util/csv.h"
#include "powlab/util/error.h"
#include "powlab/sha256.h"
#include "powlab/ledger/store.h"
#include "test_util.h"

namespace powlab {
namespace {

namespace fs = std::filesystem;
using test::kT0;

// A small chain: 4 blocks on the best chain, a stale side block, a transfer, a queued tx.
ChainFile sample_file(int extra_blocks = 0) {
  const ConsensusParams p = test::easy_lab(1000, 1000);
  ChainState chain(p);
  chain.accept(test::next_block(chain, "alice"));
  chain.accept(test::next_block(chain, "bob"));
  const OutPoint a{chain.block_at(0)->txids()[0], 0};
  const Transaction pay = test::transfer({a}, 50 * kCoin, "alice", "carol", 7 * kCoin, 2);
  chain.accept(test::next_block(chain, "bob", {pay}, 2));
  const BlockPtr stale = test::make_block(p, chain.hash_at(1), 2, 0x207fffff, kT0 + 15, "mallory");
  EXPECT_EQ(chain.accept(stale).status, AcceptStatus::side_branch);
  for (int i = 0; i < 1 + extra_blocks; ++i) chain.accept(test::next_block(chain, "alice"));
  ChainFile f;
  f.params = p;
  f.blocks = chain.blocks_in_order();
  const OutPoint b{chain.block_at(1)->txids()[0], 0};
  f.mempool.push_back(test::transfer({b}, 50 * kCoin, "bob", "dave", kCoin, 1));
  return f;
}

std::vector<std::uint8_t> file_bytes(const std::string& path) {
  const std::string s = read_file(path);
  return {s.begin(), s.end()};
}

std::string refusal(std::span<const std::uint8_t> bytes) {
  try {
    decode_chain_file(bytes);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(ChainFile, RoundTripReplaysToTheSameState) {
  const ChainFile f = sample_file();
  const auto bytes = encode_chain_file(f);
  const ChainFile g = decode_chain_file(bytes);
  ASSERT_EQ(g.blocks.size(), f.blocks.size());
  for (std::size_t i = 0; i < f.blocks.size(); ++i) {
    EXPECT_EQ(g.blocks[i]->hash(), f.blocks[i]->hash());
    EXPECT_EQ(g.blocks[i]->txs(), f.blocks[i]->txs());
  }
  EXPECT_EQ(g.mempool, f.mempool);
  EXPECT_EQ(g.params.target_timespan, f.params.target_timespan);
  EXPECT_EQ(encode_chain_file(g), bytes);

  LoadReport r = replay_chain(g);
  ASSERT_TRUE(r.valid());
  EXPECT_EQ(r.chain->height(), 3);
  EXPECT_EQ(r.chain->side_block_count(), 1u);
  EXPECT_EQ(r.chain->balance("carol"), 7 * kCoin);
  EXPECT_EQ(r.chain->balance("bob"), 100 * kCoin + 2);
  EXPECT_EQ(r.chain->balance("mallory"), 0);
}

TEST(ChainFile, SaveAndReadBack) {
  test::TempDir dir;
  const std::string path = dir.file("chain.dat");
  const ChainFile f = sample_file();
  save_chain_file(path, f);
  EXPECT_EQ(file_bytes(path), encode_chain_file(f));
  EXPECT_EQ(read_chain_file(path).blocks.size(), f.blocks.size());
  // Nothing but the file itself is left in the directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

// The one check `mine` and the lab pool make before saving over a file another process may
// have written: unchanged, changed with the same blocks (keep its mempool), other blocks.
TEST(ChainFile, ACheckBeforeSavingSaysWhatAnotherProcessChanged) {
  test::TempDir dir;
  const std::string path = dir.file("chain.dat");
  ChainFile f = sample_file();
  save_chain_file(path, f);
  const FileStamp loaded = stamp_file(path);
  EXPECT_EQ(check_chain_file(path, loaded, f.blocks).change, ChainFileChange::unchanged);
  EXPECT_EQ(check_chain_file(dir.file("gone.dat"), loaded, f.blocks).change, ChainFileChange::unchanged);

  f.mempool.clear();  // another process rewrote it: same blocks, another queue
  save_chain_file(path, f);
  const ChainFileCheck same = check_chain_file(path, loaded, f.blocks);
  EXPECT_EQ(same.change, ChainFileChange::same_blocks);
  EXPECT_TRUE(same.theirs.mempool.empty());

  // The file holds a block we never loaded: saving ours would drop it.
  const std::vector<BlockPtr> fewer(f.blocks.begin(), f.blocks.end() - 1);
  EXPECT_EQ(check_chain_file(path, loaded, fewer).change, ChainFileChange::other_blocks);
  std::vector<BlockPtr> other = f.blocks;
  std::swap(other[0], other[1]);
  EXPECT_EQ(check_chain_file(path, loaded, other).change, ChainFileChange::other_blocks);
}

TEST(ChainFile, EveryTruncationOffsetIsRefused) {
  const auto bytes = encode_chain_file(sample_file());
  ASSERT_GT(bytes.size(), 500u);
  for (std::size_t k = 0; k < bytes.size(); ++k) {
    const std::string why = refusal(std::span(bytes).first(k));
    ASSERT_FALSE(why.empty()) << "a prefix of " << k << " bytes was accepted";
    const bool precise = why.find("truncated") != std::string::npos || (k == 0 && why.find("empty") != std::string::npos);
    EXPECT_TRUE(precise) << k << ": " << why;
  }
}

TEST(ChainFile, EveryFlippedByteIsRefused) {
  const auto bytes = encode_chain_file(sample_file());
  for (std::size_t k = 0; k < bytes.size(); ++k) {
    auto copy = bytes;
    copy[k] ^= 0x01;
    const std::string why = refusal(copy);
    ASSERT_FALSE(why.empty()) << "flipping byte " << k << " was not noticed";
    if (k >= 20) {
      EXPECT_NE(why.find("checksum mismatch"), std::string::npos) << k << ": " << why;
    }
  }
}

TEST(ChainFile, PreciseMessagesForForeignAndHostileFiles) {
  auto bytes = encode_chain_file(sample_file());
  EXPECT_NE(refusal({}).find("empty file"), std::string::npos);
  const std::string text = "height,hash\n0,abc\n";
  EXPECT_NE(refusal(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())).find("wrong magic"),
            std::string::npos);
  auto future = bytes;
  future[8] = 3;  // version 3
  EXPECT_NE(refusal(future).find("version 3 is newer"), std::string::npos);
  auto hostile = bytes;
  for (int i = 12; i < 20; ++i) hostile[static_cast<std::size_t>(i)] = 0xff;  // length 2^64 - 1
  EXPECT_NE(refusal(hostile).find("bad length field"), std::string::npos);
  auto longer = bytes;
  longer[12] = static_cast<std::uint8_t>(longer[12] + 1);  // one byte more than there is
  EXPECT_NE(refusal(longer).find("truncated"), std::string::npos);
  auto trailing = bytes;
  trailing.push_back(0);
  EXPECT_NE(refusal(trailing).find("trailing data"), std::string::npos);
}

TEST(ChainFile, HostileCountsInsideAValidChecksumAreRefusedWithoutAllocating) {
  // A writer with the format in hand can make the checksum right: the counts are still
  // bounded by the bytes present.
  ChainFile f = sample_file();
  auto bytes = encode_chain_file(f);
  // The block count sits right after the network section: name "lab" (1+3) + 4*8 + 2*4,
  // then the coinbase maturity (8, since version 2).
  const std::size_t at = 20 + 1 + 3 + 32 + 8 + 8;
  for (int i = 0; i < 4; ++i) bytes[at + static_cast<std::size_t>(i)] = 0xff;
  const std::size_t len = bytes.size() - 20 - 32;
  const Hash256 sum = sha256d(std::span(bytes).subspan(20, len));
  std::copy(sum.begin(), sum.end(), bytes.end() - 32);
  const std::string why = refusal(bytes);
  EXPECT_NE(why.find("bad length: block count 4294967295"), std::string::npos) << why;
}

TEST(ChainFile, ReplayFindsATamperedTransactionAndTheBrokenLinksAfterIt) {
  ChainFile f = sample_file(2);
  // Alter the transfer in block 2 (index 2 in arrival order) without re-mining.
  std::vector<Transaction> txs = f.blocks[2]->txs();
  ASSERT_EQ(txs.size(), 2u);
  txs[1].outputs[0].amount += kCoin;
  f.blocks[2] = Block::make(f.blocks[2]->header(), txs);
  LoadReport r = replay_chain(decode_chain_file(encode_chain_file(f)));
  ASSERT_FALSE(r.valid());
  EXPECT_EQ(r.failures[0].height, 2);
  EXPECT_EQ(r.failures[0].result.reason, BlockReject::bad_merkle);
  // Every later best-chain block descends from it and is refused too (the stale sibling at
  // height 2 is fine: it does not descend from the bad block).
  ASSERT_EQ(r.failures.size(), 4u);
  for (std::size_t k = 1; k < r.failures.size(); ++k) {
    EXPECT_EQ(r.failures[k].result.reason, BlockReject::parent_invalid);
    EXPECT_EQ(r.failures[k].height, static_cast<std::int64_t>(2 + k));
  }
  EXPECT_EQ(r.chain->height(), 2);  // the stale sibling is now the best tip
}

TEST(ChainFile, ReplayChecksTheTransactionsOfStaleSideBranchesToo) {
  ChainFile f = sample_file();
  const ConsensusParams& p = f.params;
  // A side block at height 1 (sibling of bob's block) spending an output that does not exist
  // on its branch. As a side branch the chain state never connects it; the file check must.
  const BlockPtr genesis = f.blocks[0];
  const Transaction bogus = test::transfer({OutPoint{Hash256{}, 9}}, kCoin, "eve", "eve", kCoin, 0);
  const BlockPtr bad = test::make_block(p, genesis->hash(), 1, 0x207fffff, kT0 + 1, "eve", {bogus});
  f.blocks.push_back(bad);
  LoadReport r = replay_chain(f);
  ASSERT_FALSE(r.valid());
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_EQ(r.failures[0].hash, bad->hash());
  EXPECT_EQ(r.failures[0].height, 1);
  EXPECT_EQ(r.failures[0].result.reason, BlockReject::bad_tx);
  EXPECT_NE(r.failures[0].result.detail.find("side branch"), std::string::npos);
  EXPECT_EQ(r.chain->height(), 3);  // the best chain itself is unaffected
}

// A double spend on a side branch (issue 11 by hand): replay records the reorg, the blocks it
// moved, and the one output spent on both sides; a transfer mined on both branches is no
// conflict. branch_state gives the side branch's coins; find_block resolves --parent.
TEST(ChainFile, ReplayRecordsEachReorgAndTheSpendsThatConflictAcrossIt) {
  const ConsensusParams p = test::easy_lab(1000, 1000);
  ChainState chain(p);
  chain.accept(test::next_block(chain, "alice"));
  chain.accept(test::next_block(chain, "alice"));
  const OutPoint coin0{chain.block_at(0)->txids()[0], 0};
  const OutPoint coin1{chain.block_at(1)->txids()[0], 0};
  const Transaction carol = test::transfer({coin0}, 50 * kCoin, "alice", "carol", 7 * kCoin, 0);
  const Transaction dave = test::transfer({coin1}, 50 * kCoin, "alice", "dave", kCoin, 0);
  const Transaction mallory = test::transfer({coin0}, 50 * kCoin, "alice", "mallory", 7 * kCoin, 0);
  ASSERT_EQ(chain.accept(test::next_block(chain, "bob", {carol, dave})).status, AcceptStatus::new_tip);
  const BlockPtr honest = chain.block_at(2);
  const BlockPtr side2 = test::make_block(p, chain.hash_at(1), 2, 0x207fffff, kT0 + 25, "eve", {dave, mallory});
  const BlockPtr side3 = test::make_block(p, side2->hash(), 3, 0x207fffff, kT0 + 35, "eve");
  ChainFile f;
  f.params = p;
  f.blocks = chain.blocks_in_order();
  f.blocks.push_back(side2);

  // The coins of the side branch before it is best: alice's first coin is unspent there.
  std::string why;
  const auto branch = branch_state(f.blocks, chain.hash_at(1), p, {}, &why);
  ASSERT_TRUE(branch) << why;
  EXPECT_EQ(branch->height(), 1);
  EXPECT_TRUE(branch->find_coin(coin0));
  const QueueChoice q = choose_queued(*branch, std::vector<Transaction>{mallory, carol});
  ASSERT_EQ(q.taken.size(), 1u);  // carol's payment now conflicts with mallory's, queued first
  ASSERT_EQ(q.left_out.size(), 1u);
  EXPECT_EQ(q.left_out[0].txid, carol.txid());
  EXPECT_FALSE(branch_state(f.blocks, side3->hash(), p, {}, &why));
  EXPECT_NE(why.find("is not in the chain"), std::string::npos) << why;

  f.blocks.push_back(side3);
  const LoadReport r = replay_chain(f);
  ASSERT_TRUE(r.valid());
  ASSERT_EQ(r.reorgs.size(), 1u);
  const ReorgRecord& g = r.reorgs[0];
  EXPECT_EQ(g.index, 4u);
  EXPECT_EQ(g.fork_height, 1);
  ASSERT_EQ(g.depth(), 1u);
  EXPECT_EQ(g.disconnected[0], honest);
  ASSERT_EQ(g.connected.size(), 2u);
  EXPECT_EQ(g.connected[0], side2);
  ASSERT_EQ(g.conflicts.size(), 1u);
  EXPECT_EQ(g.conflicts[0].outpoint, coin0);
  EXPECT_EQ(g.conflicts[0].disconnected_txid, carol.txid());
  EXPECT_EQ(g.conflicts[0].connected_txid, mallory.txid());
  EXPECT_EQ(r.chain->balance("carol"), 0);
  EXPECT_EQ(r.chain->balance("dave"), kCoin);

  EXPECT_EQ(find_block(*r.chain, "1", &why), r.chain->hash_at(1));
  EXPECT_EQ(find_block(*r.chain, hash_to_display(honest->hash()), &why), honest->hash());  // stale, still found
  EXPECT_FALSE(find_block(*r.chain, "4", &why));
  EXPECT_EQ(why, "height 4 is above the tip (heights 0..3)");
  EXPECT_FALSE(find_block(*r.chain, std::string(64, '0'), &why));
  EXPECT_FALSE(find_block(*r.chain, "+1", &why));
}

// ---- atomic saves ----

struct SaveFaults : ::testing::Test {
  test::TempDir dir;
  std::string path = dir.file("chain.dat");
  void TearDown() override { set_save_fault_hook(nullptr); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}));
  }
};

TEST_F(SaveFaults, AnInjectedFailureAtEveryStepLeavesTheOldFileAndSaysWhy) {
  const ChainFile old_file = sample_file();
  save_chain_file(path, old_file);
  const auto old_bytes = file_bytes(path);
  const ChainFile new_file = sample_file(3);
  for (const char* step : {"open", "write", "fsync", "close", "rename"}) {
    set_save_fault_hook([&](std::string_view s, const std::string&) { return s == step ? ENOSPC : 0; });
    try {
      save_chain_file(path, new_file);
      ADD_FAILURE() << step << ": the save did not fail";
    } catch (const StoreError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
      EXPECT_NE(msg.find("unchanged"), std::string::npos) << msg;
    }
    EXPECT_EQ(file_bytes(path), old_bytes) << step;
    EXPECT_EQ(entries(), 1u) << step << ": the temporary file was left behind";
  }
  set_save_fault_hook(nullptr);
  save_chain_file(path, new_file);
  EXPECT_EQ(read_chain_file(path).blocks.size(), new_file.blocks.size());
}

TEST_F(SaveFaults, DirectoryFsyncFailureIsReportedAfterTheRename) {
  save_chain_file(path, sample_file());
  set_save_fault_hook([](std::string_view s, const std::string&) { return s == "fsync-dir" ? EIO : 0; });
  const ChainFile new_file = sample_file(1);
  EXPECT_THROW(save_chain_file(path, new_file), StoreError);
  EXPECT_EQ(file_bytes(path), encode_chain_file(new_file));  // complete, not torn
}

TEST_F(SaveFaults, UnwritableDirectoryReportsTheError) {
  const std::string missing = dir.file("no/such/dir/chain.dat");
  try {
    save_chain_file(missing, sample_file());
    ADD_FAILURE() << "saved into a missing directory";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
  }
}

TEST_F(SaveFaults, KillDashNineMidSaveLeavesTheOldFileLoadable) {
  const ChainFile old_file = sample_file();
  save_chain_file(path, old_file);
  const auto old_bytes = file_bytes(path);
  const ChainFile new_file = sample_file(20);

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    setenv("POWLAB_SAVE_PAUSE_MS", "10000", 1);  // stall half way through the write
    try {
      save_chain_file(path, new_file);
    } catch (...) {
    }
    _exit(0);
  }
  // Wait until the child has written half of its temporary file.
  bool half_written = false;
  for (int i = 0; i < 500 && !half_written; ++i) {
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path().filename().string().starts_with("chain.dat.tmp.") && fs::file_size(e.path()) > 0) {
        half_written = true;
      }
    }
    if (!half_written) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_TRUE(half_written) << "the child never started writing";

  // The torn temporary is there; the chain file is the old one, whole.
  EXPECT_EQ(entries(), 2u);
  EXPECT_EQ(file_bytes(path), old_bytes);
  const ChainFile loaded = read_chain_file(path);
  EXPECT_TRUE(replay_chain(loaded).valid());
  EXPECT_EQ(loaded.blocks.size(), old_file.blocks.size());
  // The next save clears the dead writer's temporary.
  save_chain_file(path, new_file);
  EXPECT_EQ(entries(), 1u);
  EXPECT_EQ(read_chain_file(path).blocks.size(), new_file.blocks.size());
}

}  // namespace
}  // namespace powlab
