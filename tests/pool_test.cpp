// The lab pool (issue 14): share checks, refusals, blocks into the chain file, credits, bounds,
// and the accounting under concurrent submits.
#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "ledger_util.h"
#include "powlab/consensus/target.h"
#include "powlab/draw/fork_tree.h"
#include "powlab/ledger/store.h"
#include "powlab/pool/pool.h"
#include "powlab/sha256.h"
#include "serve.h"
#include "test_util.h"

namespace powlab {
namespace {

// Blocks win with probability ~2^-6 a nonce, shares ~2^-2: a few hundred hashes give both.
constexpr int kBlockZeros = 6;
constexpr int kShareZeros = 2;

ConsensusParams pool_lab() {
  LabOptions o = test::easy_lab_options();
  o.initial_bits = bits_for_leading_zeros(kBlockZeros);
  return lab_network(o);
}

std::unique_ptr<LabPool> make_pool(PoolConfig cfg = {}, const std::string& path = "") {
  ChainFile f;
  f.params = pool_lab();
  auto chain = std::make_unique<ChainState>(f.params);
  cfg.share_zeros = kShareZeros;
  cfg.chain_path = path;
  return std::make_unique<LabPool>(std::move(f), std::move(chain), cfg);
}

// What a nonce is for a job, hashed here independently of the pool.
enum class Kind { none, share, block };
Kind classify(const PoolWork& w, std::uint32_t nonce) {
  auto h = w.header;
  for (int i = 0; i < 4; ++i) h[76 + i] = static_cast<std::uint8_t>(nonce >> (8 * i));
  const U256 v = U256::from_le_bytes(sha256d(h));
  if (v <= w.block_target) return Kind::block;
  return v <= w.share_target ? Kind::share : Kind::none;
}
std::uint32_t find_nonce(const PoolWork& w, Kind want, std::uint32_t from = 0) {
  for (std::uint32_t n = from;; ++n) {
    if (classify(w, n) == want) return n;
  }
}

TEST(PoolSplit, AddsUpExactlyWithLargestRemainder) {
  EXPECT_EQ(split_proportional(10, {1, 1, 1}), (std::vector<std::int64_t>{4, 3, 3}));
  EXPECT_EQ(split_proportional(3'500'000'000, {3, 2}), (std::vector<std::int64_t>{2'100'000'000, 1'400'000'000}));
  EXPECT_EQ(split_proportional(7, {0, 0}), (std::vector<std::int64_t>{0, 0}));
  const std::vector<std::uint64_t> w = {~0ull, 1, 12345, ~0ull >> 1};
  const auto parts = split_proportional(kMaxMoney, w);
  std::int64_t sum = 0;
  for (auto p : parts) sum += p;
  EXPECT_EQ(sum, kMaxMoney);
}

// The dashboard's hash rate: steady shares give their rate; it falls when the miner stops; a
// burst of two shares gives no number rather than a spike; and on random (Poisson) shares its
// mean over many draws lands near the true rate.
TEST(PoolHashRate, SteadyStoppedBurstAndRandomShares) {
  // 11 shares a second apart (10 s), read at the last one, then 30 s after it.
  EXPECT_DOUBLE_EQ(estimate_hash_rate(11, 10.0, 65536.0), 65536.0);
  EXPECT_DOUBLE_EQ(estimate_hash_rate(11, 40.0, 65536.0), 65536.0 * 10 / 40);  // stopped 30 s ago
  EXPECT_EQ(estimate_hash_rate(2, 0.000002, 65536.0), 0.0);
  EXPECT_EQ(estimate_hash_rate(0, 1.0, 65536.0), 0.0);
  EXPECT_EQ(estimate_hash_rate(3, 0.0, 65536.0), 0.0);  // no time has passed

  // 3 shares at 2 a second, read at a random moment after the third, 20,000 times.
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> gap(2.0);
  double sum = 0;
  constexpr int kDraws = 20000;
  for (int d = 0; d < kDraws; ++d) {
    const double since_first = gap(rng) + gap(rng) + gap(rng);  // two intervals, then the wait to now
    sum += estimate_hash_rate(3, since_first, 1.0);
  }
  // Unbiased: (n - 1) over a sum of n exponential gaps has mean exactly the rate (sd of this
  // mean ~0.014). The previous formula, to the last share, averaged twice the rate here.
  EXPECT_NEAR(sum / kDraws, 2.0, 0.1);
}

TEST(Pool, RefusesEachBadShareWithItsReasonAndNeverCountsIt) {
  auto pool = make_pool();
  std::string why;
  const auto w = pool->work("alice", &why);
  ASSERT_TRUE(w) << why;
  EXPECT_EQ(w->share_target, ~U256(0) >> kShareZeros);
  EXPECT_EQ(w->block_target, decode_compact(bits_for_leading_zeros(kBlockZeros)).target);
  EXPECT_FALSE(pool->work("bad name!", &why));

  const std::uint32_t miss = find_nonce(*w, Kind::none);
  const std::uint32_t share = find_nonce(*w, Kind::share);
  EXPECT_EQ(pool->submit("alice", w->job_id, miss).verdict, ShareVerdict::high_hash);
  EXPECT_EQ(pool->submit("alice", "00000000000000ff", share).verdict, ShareVerdict::unknown_job);
  EXPECT_EQ(pool->submit("bob", w->job_id, share).verdict, ShareVerdict::unknown_job);  // not bob's job
  EXPECT_EQ(pool->submit("alice", "xyz", share).verdict, ShareVerdict::malformed);
  EXPECT_EQ(pool->submit("alice", w->job_id, 1ull << 32).verdict, ShareVerdict::malformed);
  EXPECT_EQ(pool->submit("alice", w->job_id, share).verdict, ShareVerdict::accepted);
  EXPECT_EQ(pool->submit("alice", w->job_id, share).verdict, ShareVerdict::duplicate);

  // Another job finds a block: alice's job is now on an old tip.
  const auto w2 = pool->work("carol", &why);
  ASSERT_TRUE(w2);
  const ShareResult b = pool->submit("carol", w2->job_id, find_nonce(*w2, Kind::block));
  EXPECT_EQ(b.verdict, ShareVerdict::accepted);
  EXPECT_TRUE(b.block) << b.detail;
  EXPECT_EQ(pool->submit("alice", w->job_id, find_nonce(*w, Kind::share, share + 1)).verdict, ShareVerdict::stale_job);

  const PoolStats st = pool->stats();
  EXPECT_EQ(st.accepted, 2u);
  EXPECT_EQ(st.blocks, 1u);
  EXPECT_EQ(st.height, 0);
  const std::map<std::string, std::uint64_t> refused = {
      {"high-hash", 1}, {"unknown-job", 2}, {"malformed", 2}, {"duplicate", 1}, {"stale-job", 1}};
  EXPECT_EQ(st.refused, refused);
  for (const auto& m : st.miners) EXPECT_EQ(m.shares, m.name == "bob" ? 0u : 1u) << m.name;
}

TEST(Pool, CreditsTheRoundProportionallyAfterTheFee) {
  auto pool = make_pool();
  std::string why;
  const auto a = pool->work("alice", &why);
  const auto b = pool->work("bob", &why);
  ASSERT_TRUE(a && b);
  std::uint32_t n = 0;
  for (int i = 0; i < 3; ++i) {
    n = find_nonce(*a, Kind::share, i ? n + 1 : 0);
    ASSERT_EQ(pool->submit("alice", a->job_id, n).verdict, ShareVerdict::accepted);
  }
  ASSERT_EQ(pool->submit("bob", b->job_id, find_nonce(*b, Kind::share)).verdict, ShareVerdict::accepted);
  const ShareResult blk = pool->submit("bob", b->job_id, find_nonce(*b, Kind::block));
  ASSERT_TRUE(blk.block) << blk.detail;

  // Round: alice 3 shares, bob 2; reward 50 coins, 30% fee -> 35 coins split 3:2.
  const PoolStats st = pool->stats();
  const Amount reward = pool->params().initial_subsidy;
  ASSERT_EQ(reward, 50 * kCoin);
  EXPECT_EQ(st.rewards, reward);
  EXPECT_EQ(st.pool_cut, 15 * kCoin);
  ASSERT_EQ(st.miners.size(), 2u);
  EXPECT_EQ(st.miners[0].name, "alice");
  EXPECT_EQ(st.miners[0].credited, 21 * kCoin);
  EXPECT_EQ(st.miners[1].credited, 14 * kCoin);
  EXPECT_EQ(st.miners[1].blocks, 1u);
  EXPECT_EQ(st.credited + st.pool_cut, st.rewards);
  ASSERT_EQ(st.recent_blocks.size(), 1u);
  EXPECT_EQ(st.recent_blocks[0].miner, "bob");
  EXPECT_EQ(st.recent_blocks[0].hash, st.tip);
}

TEST(Pool, ABlockIsValidatedAndSavedInTheChainFile) {
  test::TempDir dir;
  const std::string path = dir.file("class.chain");
  auto pool = make_pool({}, path);
  std::string why;
  for (int k = 0; k < 2; ++k) {
    const auto w = pool->work("alice", &why);
    ASSERT_TRUE(w) << why;
    EXPECT_EQ(w->height, k);
    const ShareResult r = pool->submit("alice", w->job_id, find_nonce(*w, Kind::block));
    ASSERT_TRUE(r.block) << r.detail;
    EXPECT_EQ(r.height, k);
  }
  const LoadReport rep = load_chain_file(path);
  ASSERT_TRUE(rep.valid());
  EXPECT_EQ(rep.chain->height(), 1);
  EXPECT_EQ(rep.chain->tip_hash(), pool->stats().tip);
  EXPECT_EQ(rep.chain->balance("labpool"), 2 * pool->params().initial_subsidy);
  EXPECT_TRUE(pool->stats().save_errors.empty());
}

// Another process rewrote the file (here: a different chain): the pool must not overwrite it.
TEST(Pool, NeverOverwritesAChainFileChangedByAnotherProcess) {
  test::TempDir dir;
  const std::string path = dir.file("class.chain");
  auto pool = make_pool({}, path);
  std::string why;
  auto w = pool->work("alice", &why);
  ASSERT_TRUE(pool->submit("alice", w->job_id, find_nonce(*w, Kind::block)).block);
  ChainFile other;
  other.params = pool_lab();
  save_chain_file(path, other);  // no blocks at all
  const auto before = stamp_file(path);
  w = pool->work("alice", &why);
  EXPECT_TRUE(pool->submit("alice", w->job_id, find_nonce(*w, Kind::block)).block);
  EXPECT_EQ(stamp_file(path), before);
  ASSERT_EQ(pool->stats().save_errors.size(), 1u);
  EXPECT_NE(pool->stats().save_errors[0].find("changed by another process"), std::string::npos);
}

TEST(Pool, MemoryStaysBounded) {
  PoolConfig cfg;
  cfg.limits.max_miners = 2;
  cfg.limits.jobs_per_miner = 2;
  cfg.limits.shares_per_job = 1;
  auto pool = make_pool(cfg);
  std::string why;
  const auto first = pool->work("alice", &why);
  ASSERT_TRUE(first);
  ASSERT_TRUE(pool->work("alice", &why));
  const auto third = pool->work("alice", &why);
  ASSERT_TRUE(third);
  EXPECT_EQ(pool->submit("alice", first->job_id, find_nonce(*first, Kind::share)).verdict, ShareVerdict::unknown_job);
  ASSERT_TRUE(pool->work("bob", &why));
  EXPECT_FALSE(pool->work("carol", &why));
  EXPECT_NE(why.find("full"), std::string::npos) << why;
  const std::uint32_t s1 = find_nonce(*third, Kind::share);
  EXPECT_EQ(pool->submit("alice", third->job_id, s1).verdict, ShareVerdict::accepted);
  EXPECT_EQ(pool->submit("alice", third->job_id, find_nonce(*third, Kind::share, s1 + 1)).verdict,
            ShareVerdict::stale_job);
}

// Idle names lose their live slot, never their coins; a returning name continues; the books of
// idle names are bounded, and what is retired still adds up. The clock is injected: no sleeping.
TEST(Pool, IdleMinersFreeTheirSlotsAndKeepTheirBooks) {
  std::int64_t now = 1'700'000'000;
  PoolConfig cfg;
  cfg.clock = [&now] { return now; };
  cfg.limits.max_miners = 2;
  cfg.limits.max_accounts = 3;
  cfg.limits.idle_seconds = 60;
  auto pool = make_pool(cfg);
  std::string why;
  auto books_add_up = [&](const char* when) {
    const PoolStats st = pool->stats();
    std::uint64_t shares = st.retired.shares;
    for (const auto& m : st.miners) shares += m.shares;
    EXPECT_EQ(shares, st.accepted) << when;
    EXPECT_EQ(st.credited + st.pool_cut, st.rewards) << when;
    EXPECT_LE(st.miners.size(), 3u) << when;
    return st;
  };
  const auto a = pool->work("alice", &why);
  ASSERT_TRUE(a) << why;
  ASSERT_EQ(pool->submit("alice", a->job_id, find_nonce(*a, Kind::share)).verdict, ShareVerdict::accepted);
  now += 30;
  const auto b = pool->work("bob", &why);
  ASSERT_TRUE(b) << why;
  EXPECT_FALSE(pool->work("carol", &why));
  EXPECT_NE(why.find("full"), std::string::npos) << why;

  // 59 s after alice's share she still holds her slot; at 60 s she is idle and carol gets it.
  now += 29;
  EXPECT_FALSE(pool->work("carol", &why));
  now += 1;
  const auto c = pool->work("carol", &why);
  ASSERT_TRUE(c) << why;
  PoolStats st = books_add_up("alice idle");
  EXPECT_EQ(st.live_miners, 2u);
  ASSERT_EQ(st.miners[0].name, "alice");
  EXPECT_FALSE(st.miners[0].live);
  EXPECT_EQ(st.miners[0].round_shares, 1u);
  // Her job went with her slot.
  EXPECT_EQ(pool->submit("alice", a->job_id, find_nonce(*a, Kind::share, find_nonce(*a, Kind::share) + 1)).verdict,
            ShareVerdict::unknown_job);

  // carol's block pays the round: idle alice's share is paid too.
  const ShareResult blk = pool->submit("carol", c->job_id, find_nonce(*c, Kind::block));
  ASSERT_TRUE(blk.block) << blk.detail;
  st = books_add_up("after the block");
  const std::int64_t alice_credit = st.miners[0].credited;
  EXPECT_GT(alice_credit, 0);

  // A fourth name needs a fourth account: the longest idle (alice) is retired, coins and all.
  now += 60;  // bob and carol idle too
  ASSERT_TRUE(pool->work("dave", &why)) << why;
  st = books_add_up("alice retired");
  EXPECT_EQ(st.retired.names, 1u);
  EXPECT_EQ(st.retired.credited, alice_credit);
  EXPECT_EQ(st.retired.shares, 1u);
  ASSERT_EQ(st.miners.size(), 3u);
  EXPECT_EQ(st.miners[0].name, "bob");

  // bob returns and continues: same books, new shares on top.
  const auto b2 = pool->work("bob", &why);
  ASSERT_TRUE(b2) << why;
  ASSERT_EQ(pool->submit("bob", b2->job_id, find_nonce(*b2, Kind::share)).verdict, ShareVerdict::accepted);
  st = books_add_up("bob back");
  EXPECT_TRUE(st.miners[0].live);
  EXPECT_EQ(st.miners[0].shares, 1u);

  // Many passing names: the books never grow past max_accounts, and still add up.
  for (int k = 0; k < 20; ++k) {
    now += 61;
    const std::string name = "p" + std::to_string(k);
    const auto w = pool->work(name, &why);
    ASSERT_TRUE(w) << why;
    ASSERT_EQ(pool->submit(name, w->job_id, find_nonce(*w, Kind::share)).verdict, ShareVerdict::accepted);
    if (k % 5 == 4) {
      ASSERT_TRUE(pool->submit(name, w->job_id, find_nonce(*w, Kind::block)).block);
    }
  }
  st = books_add_up("many names");
  EXPECT_EQ(st.miners.size(), 3u);
  EXPECT_EQ(st.retired.names, 21u);  // alice, carol, bob, dave, p0..p16: one per new name
  EXPECT_GT(st.blocks, 4u);
}

// Four miners submit at once, racing each other's blocks (stale jobs) and repeating nonces
// (duplicates). Every answer is tallied here, and the pool's books must match it exactly.
TEST(Pool, ConcurrentSubmitsKeepExactBooks) {
  auto pool = make_pool();
  constexpr int kThreads = 4, kJobs = 3, kNonces = 256;
  std::vector<std::map<std::string, std::uint64_t>> seen(kThreads);
  std::vector<std::uint64_t> blocks(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string name = "m" + std::to_string(t);
      std::string why;
      for (int j = 0; j < kJobs; ++j) {
        const auto w = pool->work(name, &why);
        if (!w) continue;
        for (std::uint32_t n = 0; n < kNonces; ++n) {
          for (int again = 0; again < (n % 8 == 0 ? 2 : 1); ++again) {
            const ShareResult r = pool->submit(name, w->job_id, n);
            ++seen[t][std::string(to_string(r.verdict))];
            blocks[t] += r.block;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::map<std::string, std::uint64_t> total;
  std::uint64_t total_blocks = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (const auto& [k, v] : seen[t]) total[k] += v;
    total_blocks += blocks[t];
  }
  const PoolStats st = pool->stats();
  EXPECT_EQ(st.accepted, total["accepted"]);
  std::uint64_t miner_shares = 0, refused = 0;
  for (const auto& m : st.miners) miner_shares += m.shares;
  for (const auto& [k, v] : st.refused) {
    EXPECT_EQ(v, total[k]) << k;
    refused += v;
  }
  EXPECT_EQ(miner_shares, st.accepted);
  EXPECT_EQ(st.accepted + refused, std::uint64_t{kThreads} * kJobs * (kNonces + kNonces / 8));
  EXPECT_GT(total["duplicate"], 0u);
  EXPECT_GT(total_blocks, 0u);
  EXPECT_EQ(st.blocks, total_blocks);
  EXPECT_EQ(st.height + 1, static_cast<std::int64_t>(total_blocks));
  EXPECT_EQ(st.rewards, static_cast<Amount>(total_blocks) * pool->params().initial_subsidy);
  EXPECT_EQ(st.credited + st.pool_cut, st.rewards);
  EXPECT_EQ(st.pool_cut, static_cast<Amount>(total_blocks) * (pool->params().initial_subsidy * 30 / 100));
}

// ---- the HTTP API over loopback ----

// A LabServer on an ephemeral loopback port, served by a thread for the test's lifetime.
class Running {
 public:
  explicit Running(LabPool& pool, cli::ServeConfig cfg = {}) : server_(pool, cfg) {
    port_ = server_.bind();
    if (port_ > 0) thread_ = std::thread([this] { server_.run(); });
  }
  ~Running() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  cli::LabServer server_;
  int port_ = -1;
  std::thread thread_;
};

void expect_no_framing(const httplib::Result& r, const std::string& what) {
  ASSERT_TRUE(r) << what;
  EXPECT_EQ(r->get_header_value("X-Frame-Options"), "DENY") << what;
  EXPECT_EQ(r->get_header_value("Content-Security-Policy"), "frame-ancestors 'none'") << what;
}

PoolWork parse_work(const nlohmann::json& j) {
  PoolWork w;
  w.job_id = j.at("job_id");
  const auto raw = from_hex(j.at("header_hex").get<std::string>());
  EXPECT_EQ(raw.size(), 80u);
  std::copy(raw.begin(), raw.end(), w.header.begin());
  w.share_target = U256::from_hex(j.at("share_target").get<std::string>());
  w.block_target = U256::from_hex(j.at("block_target").get<std::string>());
  return w;
}

TEST(ServeApi, AnswersTheLabApiRefusesBadSharesAndIsNeverFramed) {
  auto pool = make_pool();
  Running srv(*pool);
  ASSERT_GT(srv.port(), 0);
  httplib::Client c("127.0.0.1", srv.port());

  auto hello = c.Get("/api/hello");
  expect_no_framing(hello, "hello");
  const auto h = nlohmann::json::parse(hello->body);
  EXPECT_EQ(h["protocol"], kLabPoolProtocol);
  EXPECT_EQ(h["magic"], "POWLABCH");
  EXPECT_EQ(h["network"], "lab");

  auto work = c.Get("/api/work?miner=alice");
  expect_no_framing(work, "work");
  ASSERT_EQ(work->status, 200);
  const auto wj = nlohmann::json::parse(work->body);
  EXPECT_EQ(wj["header_hex"].get<std::string>().size(), 160u);
  EXPECT_EQ(wj["share_target"].get<std::string>().size(), 64u);
  EXPECT_EQ(wj["block_target"].get<std::string>().size(), 64u);
  const PoolWork w = parse_work(wj);
  EXPECT_EQ(c.Get("/api/work?miner=no%20spaces")->status, 400);
  EXPECT_EQ(c.Get("/api/work")->status, 400);

  auto post = [&](const std::string& body) {
    auto r = c.Post("/api/share", body, "application/json");
    expect_no_framing(r, body.substr(0, 40));
    return std::pair{r->status, nlohmann::json::parse(r->body, nullptr, false)};
  };
  const std::uint32_t share = find_nonce(w, Kind::share);
  const std::string good = nlohmann::json{{"miner", "alice"}, {"job_id", w.job_id}, {"nonce", share}}.dump();
  auto [s1, a1] = post(good);
  EXPECT_EQ(s1, 200);
  EXPECT_EQ(a1["accepted"], true);
  EXPECT_EQ(a1["block"], false);
  EXPECT_EQ(post(good).second["reason"], "duplicate");
  EXPECT_EQ(post("{\"miner\": \"alice\", \"job_id\": ").second["reason"], "malformed");
  EXPECT_EQ(post(nlohmann::json{{"miner", "alice"}, {"job_id", w.job_id}, {"nonce", -1}}.dump()).second["reason"],
            "malformed");
  const std::uint32_t miss = find_nonce(w, Kind::none);
  EXPECT_EQ(post(nlohmann::json{{"miner", "alice"}, {"job_id", w.job_id}, {"nonce", miss}}.dump()).second["reason"],
            "high-hash");
  auto [s2, big] = post(std::string(4000, ' ') + good);
  EXPECT_EQ(s2, 413);
  EXPECT_EQ(big["reason"], "malformed");

  expect_no_framing(c.Get("/no-such-page"), "404");
  auto stats = c.Get("/api/stats");
  expect_no_framing(stats, "stats");
  const auto st = nlohmann::json::parse(stats->body);
  EXPECT_EQ(st["height"], -1);
  EXPECT_EQ(st["fee"], 30);
  EXPECT_EQ(st["amount_unit"], "1e-8 coin");  // docs/VOCABULARY.md: every amount's JSON says so
  ASSERT_EQ(st["miners"].size(), 1u);
  EXPECT_EQ(st["miners"][0]["name"], "alice");
  EXPECT_EQ(st["miners"][0]["shares"], 1);
  EXPECT_EQ(st["miners"][0]["live"], true);
  EXPECT_EQ(st["live_miners"], 1);
  EXPECT_EQ(st["retired"]["credited"], 0);
  EXPECT_EQ(st["accepted"], 1);
  const nlohmann::json refused = {{"duplicate", 1}, {"malformed", 3}, {"high-hash", 1}};
  EXPECT_EQ(st["refused"], refused);
}

// The pages: consent before any hashing (workers are made only by Start's handler), nothing
// that outlives the tab, never framed; the dashboard's live stream sends the stats.
TEST(ServePages, MinePageAsksFirstStoresNothingAndIsNeverFramed) {
  auto pool = make_pool();
  Running srv(*pool);
  httplib::Client c("127.0.0.1", srv.port());
  for (const char* path : {"/", "/mine", "/miner.js"}) {
    auto r = c.Get(path);
    expect_no_framing(r, path);
    EXPECT_EQ(r->status, 200) << path;
  }
  const std::string page = c.Get("/mine")->body;
  const auto consent = page.find("What this page does, before it does anything");
  const auto start = page.find("$(\"start\").onclick");
  const auto worker = page.find("new Worker(");
  ASSERT_NE(consent, std::string::npos);
  ASSERT_NE(start, std::string::npos);
  EXPECT_LT(consent, start);
  EXPECT_GT(worker, start) << "a worker made outside the Start handler";
  EXPECT_EQ(page.find("new Worker(", worker + 1), std::string::npos);
  EXPECT_NE(page.find("Coinhive"), std::string::npos);
  EXPECT_NE(page.find("w.terminate()"), std::string::npos);
  const std::string all = c.Get("/mine")->body + c.Get("/miner.js")->body + c.Get("/")->body;
  for (const char* banned : {"serviceWorker", "localStorage", "sessionStorage", "indexedDB", "document.cookie"}) {
    EXPECT_EQ(all.find(banned), std::string::npos) << banned;
  }
  std::string first;
  c.Get("/api/events", [&](const char* data, std::size_t n) {
    first.append(data, n);
    return first.find("\n\n") == std::string::npos;  // one event, then hang up
  });
  ASSERT_TRUE(first.starts_with("data: ")) << first;
  const auto event = nlohmann::json::parse(first.substr(6));
  EXPECT_EQ(event["network"], "lab");
  EXPECT_TRUE(event["recent_blocks"].is_array());
}

// The dashboard's fork tree: drawn by dot once per tip (cached), with the tip's block in it;
// without dot the reason comes back instead of a picture.
TEST(ServePages, TheForkTreeIsRedrawnOnlyWhenTheTipMoves) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz's dot is not installed";
  auto pool = make_pool();
  Running srv(*pool);
  httplib::Client c("127.0.0.1", srv.port());
  auto none = c.Get("/tree.svg");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 503);
  EXPECT_NE(none->body.find("no blocks yet"), std::string::npos) << none->body;

  std::string why;
  auto mine_block = [&] {
    const auto w = pool->work("alice", &why);
    ASSERT_TRUE(w) << why;
    ASSERT_TRUE(pool->submit("alice", w->job_id, find_nonce(*w, Kind::block)).block);
  };
  mine_block();
  const std::string tip = hash_to_display(pool->stats().tip);
  auto svg = c.Get("/tree.svg");
  expect_no_framing(svg, "tree");
  ASSERT_EQ(svg->status, 200) << svg->body;
  EXPECT_EQ(svg->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_NE(svg->body.find("<svg"), std::string::npos);
  // The tip's node, id "best-HASH16" (draw/fork_tree.h), which dot writes with '-' as "&#45;".
  EXPECT_NE(svg->body.find("id=\"best&#45;" + tip.substr(0, 16) + "\""), std::string::npos)
      << "the tip's block is not drawn: " << svg->body.substr(0, 1500);
  EXPECT_NE(svg->body.find(">alice</text>"), std::string::npos) << "the block is not named by its finder";

  // No dot on PATH from here on: the same tip is still served (from the cache, so dot did not
  // run again); a new tip needs dot, and the reason comes back instead.
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", "/nonexistent", 1);
  const auto cached = c.Get("/tree.svg");
  mine_block();
  const auto no_dot = c.Get("/tree.svg");
  setenv("PATH", path.c_str(), 1);
  ASSERT_TRUE(cached && no_dot);
  EXPECT_EQ(cached->status, 200);
  EXPECT_EQ(cached->body, svg->body);
  EXPECT_EQ(no_dot->status, 503);
  EXPECT_NE(no_dot->body.find("dot program was not found"), std::string::npos) << no_dot->body;
  EXPECT_NE(c.Get("/")->body.find("/tree.svg"), std::string::npos);
}

// The server bounds dot's time (kDotLimit): a dot that hangs is killed, not waited on.
TEST(ServePages, ADotThatHangsIsStopped) {
  test::TempDir dir;
  const std::string fake = dir.file("dot");
  {
    std::ofstream f(fake);
    f << "#!/bin/sh\nexec sleep 30\n";
  }
  ASSERT_EQ(::chmod(fake.c_str(), 0755), 0);
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (dir.path() + ":" + path).c_str(), 1);
  const auto t0 = std::chrono::steady_clock::now();
  std::string why;
  try {
    draw::render_dot("digraph { a }", dir.file("out.svg"), std::chrono::milliseconds(200));
  } catch (const std::exception& e) {
    why = e.what();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  setenv("PATH", path.c_str(), 1);
  EXPECT_NE(why.find("dot took longer than 200 ms"), std::string::npos) << why;
  EXPECT_LT(seconds, 10.0);  // not dot's 30 s: killed (10 s leaves room for a loaded CI machine)
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.svg")));
}

// A miner's connection serves many shares (httplib's default closes it every 5 requests, and
// 200 reconnecting miners overflowed the accept queue), and no second server can share the
// port (httplib's default SO_REUSEPORT would let one take half the class's connections).
TEST(ServeApi, KeepsConnectionsAliveAndOwnsItsPort) {
  auto pool = make_pool();
  Running srv(*pool);
  httplib::Client c("127.0.0.1", srv.port());
  c.set_keep_alive(true);
  for (int i = 0; i < 12; ++i) {
    const auto r = c.Get("/api/hello");
    ASSERT_TRUE(r);
    EXPECT_NE(r->get_header_value("Connection"), "close") << "request " << i + 1;
  }
  cli::ServeConfig same;
  same.port = srv.port();
  cli::LabServer second(*pool, same);
  EXPECT_EQ(second.bind(), -1);
}

TEST(ServeApi, RateLimitsEachClient) {
  auto pool = make_pool();
  cli::ServeConfig cfg;
  cfg.rate = 5;
  Running srv(*pool, cfg);
  httplib::Client c("127.0.0.1", srv.port());
  int limited = 0;
  for (int i = 0; i < 20; ++i) limited += c.Get("/api/hello")->status == 429;
  EXPECT_GE(limited, 10);
}

TEST(MinePool, RefusesAServerThatIsNotALabPool) {
  httplib::Server fake;
  std::atomic<int> work_requests{0};
  fake.Get("/api/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"protocol": "powlab-lab-pool/1", "magic": "\u00f9\u00be\u00b4\u00d9", "network": "main"})",
                    "application/json");
  });
  fake.Get("/api/work", [&](const httplib::Request&, httplib::Response& res) {
    ++work_requests;
    res.status = 500;
  });
  const int port = fake.bind_to_any_port("127.0.0.1");
  std::thread th([&] { fake.listen_after_bind(); });
  const auto r = test::run_powlab({"mine", "--pool", "http://127.0.0.1:" + std::to_string(port), "--miner", "eve"});
  fake.stop();
  th.join();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("powlab mine: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is not a powlab lab pool"), std::string::npos) << r.err;
  EXPECT_EQ(work_requests.load(), 0);
  EXPECT_EQ(test::run_powlab({"mine", "--pool", "https://pool.example:3333", "--miner", "eve"}).exit_code, 2);
  EXPECT_EQ(test::run_powlab({"mine", "--pool", "http://127.0.0.1:1", "--chain", "x", "--miner", "eve"}).exit_code, 2);
}

TEST(MinePool, ATerminalMinesABlockForTheLabPool) {
  test::TempDir dir;
  const std::string path = dir.file("class.chain");
  auto pool = make_pool({}, path);
  Running srv(*pool);
  const auto r = test::run_powlab({"mine", "--pool", srv.url(), "--miner", "bob", "--blocks", "2", "--threads", "1",
                                   "--max-seconds", "20"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const PoolStats st = pool->stats();
  EXPECT_GE(st.blocks, 2u) << r.out;
  ASSERT_EQ(st.miners.size(), 1u);
  EXPECT_EQ(st.miners[0].name, "bob");
  EXPECT_GT(st.miners[0].credited, 0);
  EXPECT_EQ(st.credited + st.pool_cut, st.rewards);
  EXPECT_TRUE(load_chain_file(path).valid());
}

// The server killed (SIGKILL) half way through saving a block leaves the chain file it had,
// whole and valid: the pool saves as `mine` does (a temporary file, then a rename).
TEST(ServeCli, KillDashNineDuringASaveLeavesTheChainFileValid) {
  test::TempDir dir;
  const std::string path = dir.file("class.chain");
  {  // One block, saved by the pool in this process.
    auto pool = make_pool({}, path);
    std::string why;
    const auto w = pool->work("alice", &why);
    ASSERT_TRUE(w) << why;
    ASSERT_TRUE(pool->submit("alice", w->job_id, find_nonce(*w, Kind::block)).block);
  }
  using test::slurp;
  const std::string before = slurp(path);
  ASSERT_FALSE(before.empty());

  // The real server on that chain, told to stall half way through its next save.
  const std::string out = dir.file("out");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("POWLAB_SAVE_PAUSE_MS", "20000", 1);
    std::freopen(out.c_str(), "w", stdout);
    std::freopen((out + ".err").c_str(), "w", stderr);
    execl(POWLAB_BINARY, POWLAB_BINARY, "serve", "--chain", path.c_str(), "--port", "0", "--share-zeros",
          std::to_string(kShareZeros).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Reaper {  // never leave the server running, whatever fails below
    pid_t pid;
    ~Reaper() {
      if (pid <= 0) return;  // never kill(-1): that would signal every process we may signal
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  int port = 0;
  for (int i = 0; i < 1000 && port == 0; ++i) {
    const std::string banner = std::filesystem::exists(out) ? slurp(out) : "";
    const auto at = banner.find("http://127.0.0.1:");
    if (at != std::string::npos && banner.find('/', at + 17) != std::string::npos) {
      port = std::atoi(banner.c_str() + at + 17);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_GT(port, 0) << slurp(out) << slurp(out + ".err");  // both exist: the child made them

  httplib::Client c("127.0.0.1", port);
  auto work = c.Get("/api/work?miner=bob");
  ASSERT_TRUE(work && work->status == 200);
  const PoolWork w = parse_work(nlohmann::json::parse(work->body));
  const std::string share =
      nlohmann::json{{"miner", "bob"}, {"job_id", w.job_id}, {"nonce", find_nonce(w, Kind::block)}}.dump();
  // The block's share: its answer never comes (the server dies mid-save).
  std::thread submit([&] {
    httplib::Client slow("127.0.0.1", port);
    slow.set_read_timeout(30, 0);
    slow.Post("/api/share", share, "application/json");
  });
  bool mid_save = false;
  for (int i = 0; i < 1000 && !mid_save; ++i) {
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
      if (e.path().filename().string().starts_with("class.chain.tmp.") && std::filesystem::file_size(e.path()) > 0) {
        mid_save = true;
      }
    }
    if (!mid_save) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  reaper.pid = -1;
  submit.join();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_TRUE(mid_save) << "the server never started saving the block";

  EXPECT_EQ(slurp(path), before);
  const LoadReport rep = load_chain_file(path);
  ASSERT_TRUE(rep.valid());
  EXPECT_EQ(rep.chain->height(), 0);
}

TEST(ServeCli, BadOptionsExit2) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"serve", "--bind", "everyone"},
                                              {"serve", "--fee", "101"},
                                              {"serve", "--port", "70000"},
                                              {"serve", "--share-zeros", "0"},
                                              {"serve", "--rate", "-1"},
                                              {"serve", "--chain", "/no/such/dir/x.chain"}}) {
    const auto r = test::run_powlab(args);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find("powlab serve: error:"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace powlab
