// powlab mine / send / chain on good and bad input: JSON keys, exit codes, signals, budgets,
// the throttle as the CLI reports it, and the rule that no chain file is ever lost.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "powlab/util/csv.h"
#include "powlab/ledger/store.h"
#include "ledger_util.h"
#include "test_util.h"

extern char** environ;

namespace powlab {
namespace {

using test::json_lines;

namespace fs = std::filesystem;
using nlohmann::json;
using test::run_powlab;

// Fast lab chains: 8 leading zero bits (~256 hashes a block), one thread.
const std::vector<std::string> kFast = {"--zeros", "8", "--threads", "1"};

std::vector<std::string> args(std::initializer_list<std::string> a, const std::vector<std::string>& more = {}) {
  std::vector<std::string> v(a);
  v.insert(v.end(), more.begin(), more.end());
  return v;
}

using test::slurp;

struct CliLedger : ::testing::Test {
  test::TempDir dir;
  std::string chain = dir.file("chain.dat");
  // A new chain without coinbase maturity: these tests spend young coinbases to test other
  // rules; the maturity tests (at the end) keep it.
  void mine(int n, const std::string& miner) {
    std::vector<std::string> more = kFast;
    if (!fs::exists(chain)) more.insert(more.end(), {"--maturity", "0"});
    const auto r = run_powlab(args({"mine", "--chain", chain, "--blocks", std::to_string(n), "--miner", miner}, more));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}));
  }
};

TEST_F(CliLedger, MineJsonHasOneObjectPerBlockAndASummary) {
  const auto r = run_powlab(args({"mine", "--chain", chain, "--blocks", "3", "--miner", "alice", "--json"}, kFast));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  for (int h = 0; h < 3; ++h) {
    const json& b = lines[static_cast<std::size_t>(h)];
    EXPECT_EQ(b["type"], "block");
    EXPECT_EQ(b["height"], h);
    EXPECT_EQ(b["hash"].get<std::string>().size(), 64u);
    EXPECT_EQ(b["hash"].get<std::string>().substr(0, 2), "00");  // 8 zero bits
    for (const char* k : {"nonce", "hashes", "seconds", "hashes_per_second", "extranonce"}) {
      EXPECT_TRUE(b.contains(k)) << k;
    }
    EXPECT_EQ(b["reward"], 5'000'000'000LL);
    EXPECT_EQ(b["miner"], "alice");
    EXPECT_FALSE(b.contains("cpu_fraction"));  // not throttled
  }
  const json& s = lines[3];
  EXPECT_EQ(s["type"], "summary");
  EXPECT_EQ(s["blocks"], 3);
  EXPECT_EQ(s["stopped"], "done");
  EXPECT_EQ(s["height"], 2);
  // The progress line is for terminals only: none on a pipe.
  EXPECT_EQ(r.err.find('\r'), std::string::npos);

  const auto v = run_powlab({"chain", "verify", chain});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("valid: 3 blocks"), std::string::npos) << v.out;
}

TEST_F(CliLedger, InMemoryMiningWritesNoFile) {
  const auto r = run_powlab(args({"mine", "--blocks", "2"}, kFast));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("block 1"), std::string::npos);
  EXPECT_EQ(entries(), 0u);
}

TEST_F(CliLedger, SendThenMineMovesCoinsAndPaysTheFee) {
  mine(2, "alice");
  auto s = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "12.5", "--fee", "0.5",
                       "--json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const json sj = json::parse(s.out);
  EXPECT_EQ(sj["amount"], 1'250'000'000LL);
  EXPECT_EQ(sj["fee"], 50'000'000LL);
  EXPECT_EQ(sj["change"], 3'700'000'000LL);
  // Queued but not mined: balances unchanged.
  auto b = run_powlab({"chain", "balances", chain, "--json"});
  EXPECT_EQ(json::parse(b.out)["balances"]["alice"], 10'000'000'000LL);
  // A second send spends the queued change, not the same output twice.
  s = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "carol", "--amount", "80"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  mine(1, "miner2");
  b = run_powlab({"chain", "balances", chain, "--json"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const json bal = json::parse(b.out)["balances"];
  EXPECT_EQ(bal["bob"], 1'250'000'000LL);
  EXPECT_EQ(bal["carol"], 8'000'000'000LL);
  EXPECT_EQ(bal["alice"], 10'000'000'000LL - 1'250'000'000LL - 50'000'000LL - 8'000'000'000LL - 10'000LL);
  EXPECT_EQ(bal["miner2"], 5'000'000'000LL + 50'000'000LL + 10'000LL);
  const auto show = run_powlab({"chain", "show", chain, "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json sh = json::parse(show.out);
  EXPECT_EQ(sh["height"], 2);
  EXPECT_EQ(sh["blocks"][2]["txs"].size(), 3u);
  EXPECT_TRUE(sh["mempool"].empty());
}

TEST_F(CliLedger, SendRefusesBadInputAndLeavesTheFileUntouched) {
  mine(1, "alice");
  const std::string before = slurp(chain);
  struct Case {
    std::vector<std::string> extra;
    int code;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"--from", "alice", "--to", "bob", "--amount", "51"}, 1, "insufficient funds"},
      {{"--from", "nobody", "--to", "bob", "--amount", "1"}, 1, "insufficient funds"},
      {{"--from", "alice", "--to", "bob", "--amount", "abc"}, 2, "not a plain decimal"},
      {{"--from", "alice", "--to", "bob", "--amount", "-1"}, 2, "not a plain decimal"},
      {{"--from", "alice", "--to", "bob", "--amount", "1e3"}, 2, "not a plain decimal"},
      {{"--from", "alice", "--to", "bob", "--amount", "0.000000001"}, 2, "more than 8 decimals"},
      {{"--from", "alice", "--to", "bob", "--amount", "99999999999"}, 2, "21,000,000"},
      {{"--from", "alice", "--to", "bob", "--amount", "0"}, 2, "more than 0"},
      {{"--from", "alice", "--to", "bob smith", "--amount", "1"}, 2, "[A-Za-z0-9_.-]"},
      {{"--from", "alice", "--to", "bob", "--amount", "1", "--fee", "x"}, 2, "--fee"},
      {{"--from", "alice", "--to", "bob"}, 2, "amount"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> a{"send", "--chain", chain};
    a.insert(a.end(), c.extra.begin(), c.extra.end());
    const auto r = run_powlab(a);
    EXPECT_EQ(r.exit_code, c.code) << c.extra.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.extra.back() << ": " << r.err;
    EXPECT_EQ(slurp(chain), before);
  }
  const auto missing = run_powlab({"send", "--chain", dir.file("nope.dat"), "--from", "a", "--to", "b", "--amount", "1"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;
  EXPECT_EQ(entries(), 1u);
}

TEST_F(CliLedger, MineRefusesBadInputWithoutCreatingAFile) {
  const std::vector<std::vector<std::string>> bad = {
      {"--throttle", "0"},     {"--throttle", "1.5"},   {"--throttle", "nan"},      {"--throttle", "abc"},
      {"--zeros", "0"},        {"--zeros", "300"},      {"--bits", "486604799"},    {"--bits", "0x1d00ffff", "--zeros", "8"},
      {"--threads", "1025"},   {"--threads", "-1"},     {"--blocks", "0"},          {"--blocks", "x"},
      {"--miner", "a b"},      {"--max-seconds", "-1"}, {"--max-seconds", "inf"},   {"--network", "testnet"},
      {"--bits", "0x21000001"}, {"--bits", "0x01803456"}, {"--bits", "0x23000001"},
      {"--zeros", "8", "--pow-limit", "0x1f00ffff"},  // initial easier than powLimit
      {"--interval", "0"},     {"--retarget", "0"}, {"--network", "mainnet", "--zeros", "8"},
      {"--kernel", "no-such-kernel"},
  };
  for (const auto& b : bad) {
    std::vector<std::string> a{"mine", "--chain", chain};
    a.insert(a.end(), b.begin(), b.end());
    const auto r = run_powlab(a);
    EXPECT_EQ(r.exit_code, 2) << b[0] << " " << b[1] << ": " << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << b[0];
    EXPECT_FALSE(fs::exists(chain)) << b[0] << " " << b[1];
  }
  // Network options do not apply to an existing chain.
  mine(1, "alice");
  const std::string before = slurp(chain);
  for (const std::vector<std::string>& b :
       std::vector<std::vector<std::string>>{{"--network", "mainnet"}, {"--interval", "60"}, {"--zeros", "20"}}) {
    std::vector<std::string> a{"mine", "--chain", chain};
    a.insert(a.end(), b.begin(), b.end());
    const auto r = run_powlab(a);
    EXPECT_EQ(r.exit_code, 2) << b[0] << ": " << r.err;
    EXPECT_EQ(slurp(chain), before);
  }
}

TEST_F(CliLedger, MaxSecondsStopsWithASummaryAndNoPartialBlock) {
  mine(1, "alice");
  const std::string before = slurp(chain);
  // 0x1f00ffff on an 8-zero-bit chain would be refused; use a new hopeless chain instead.
  const std::string hard = dir.file("hard.dat");
  const auto r = run_powlab({"mine", "--chain", hard, "--bits", "0x1c00ffff", "--threads", "1", "--max-seconds", "0.5",
                             "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["type"], "summary");
  EXPECT_EQ(lines[0]["blocks"], 0);
  EXPECT_EQ(lines[0]["stopped"], "budget");
  EXPECT_GT(lines[0]["hashes"].get<double>(), 0);
  EXPECT_FALSE(fs::exists(hard));  // no block, nothing written
  EXPECT_EQ(slurp(chain), before);
}

// Spawns powlab with stdout/stderr to files, so a test can signal it.
pid_t spawn(const std::vector<std::string>& a, const std::string& out, const std::vector<std::string>& env_extra = {}) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (out + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_s{POWLAB_BINARY};
  argv_s.insert(argv_s.end(), a.begin(), a.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  env_s.insert(env_s.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, POWLAB_BINARY, &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(CliLedger, SigintAndSigtermStopCleanlyWithWholeBlocksOnly) {
  mine(1, "alice");
  const std::string before = slurp(chain);
  for (const int sig : {SIGINT, SIGTERM}) {
    // A hopeless new chain: the signal arrives mid-block, so nothing may be written.
    const std::string hard = dir.file("hard" + std::to_string(sig) + ".dat");
    const pid_t pid = spawn({"mine", "--chain", hard, "--bits", "0x1c00ffff", "--threads", "1", "--blocks", "5"},
                            dir.file("out"));
    ASSERT_GT(pid, 0);
    // Signal only once it is mining (its handlers are in place by then), else the default
    // action would kill it with the same exit status and prove nothing.
    auto started = [&] { return fs::exists(dir.file("out")) && slurp(dir.file("out")).find("mining ") != std::string::npos; };
    for (int i = 0; i < 1000 && !started(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_EQ(kill(pid, sig), 0);
    EXPECT_EQ(wait_exit(pid), 128 + sig);
    const std::string out = slurp(dir.file("out"));
    EXPECT_NE(out.find("interrupted: 0 of 5 blocks"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(hard));
    EXPECT_EQ(slurp(chain), before);
  }
}

TEST_F(CliLedger, KillDashNineDuringASaveLeavesTheOldFileValid) {
  mine(2, "alice");
  const std::string before = slurp(chain);
  const pid_t pid = spawn(args({"mine", "--chain", chain, "--blocks", "1"}, kFast), dir.file("out"),
                          {"POWLAB_SAVE_PAUSE_MS=20000"});
  ASSERT_GT(pid, 0);
  bool mid_save = false;
  for (int i = 0; i < 1000 && !mid_save; ++i) {
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path().filename().string().starts_with("chain.dat.tmp.") && fs::file_size(e.path()) > 0) mid_save = true;
    }
    if (!mid_save) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  ASSERT_TRUE(mid_save);
  EXPECT_EQ(slurp(chain), before);
  const auto v = run_powlab({"chain", "verify", chain});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("tip height 1"), std::string::npos) << v.out;
  // Mining again works, and clears the dead process's temporary file.
  mine(1, "bob");
  EXPECT_EQ(entries(), 3u);  // chain.dat, out, out.err
}

TEST_F(CliLedger, SendWhileMiningIsKeptAndMined) {
  ASSERT_EQ(run_powlab({"mine", "--chain", chain, "--zeros", "14", "--threads", "1", "--miner", "alice", "--maturity", "0"})
                .exit_code,
            0);
  // Every step below waits for an event, not for a time: a 3 s mining budget used to end
  // before the transfer was queued or mined on a loaded 2-core machine. The deadline only
  // bounds a test that would otherwise hang, and --max-seconds a miner whose test died.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  auto balance = [&](const std::string& owner) -> std::int64_t {
    const auto b = run_powlab({"chain", "balances", chain, "--json"});
    if (b.exit_code != 0) return -1;
    const json j = json::parse(b.out)["balances"];
    return j.contains(owner) ? j[owner].get<std::int64_t>() : 0;
  };
  auto poll_until = [&](auto done) {  // calls done() until it holds or the deadline passes
    for (;;) {
      if (done()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  // A miner that keeps saving blocks until it is told to stop ...
  const pid_t pid = spawn({"mine", "--chain", chain, "--blocks", "100000", "--threads", "1", "--miner", "m2",
                           "--max-seconds", "600"},
                          dir.file("out"));
  ASSERT_GT(pid, 0);
  struct Stop {  // SIGINT on every way out, so no ASSERT leaves a miner running
    pid_t pid;
    int code = -1;
    int stop() {
      if (code < 0 && pid > 0) {
        kill(pid, SIGINT);
        code = wait_exit(pid);
      }
      return code;
    }
    ~Stop() { stop(); }
  } miner{pid};
  ASSERT_TRUE(poll_until([&] { return balance("m2") > 0; })) << "the miner saved no block";
  // ... and a transfer queued while it saves (retried if it raced a save, as its message says).
  int code = -1;
  ASSERT_TRUE(poll_until([&] {
    const auto s = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "3"});
    code = s.exit_code;
    EXPECT_TRUE(code == 0 || s.err.find("changed while") != std::string::npos) << s.err;
    return code == 0 || s.err.find("changed while") == std::string::npos;
  }));
  ASSERT_EQ(code, 0);
  EXPECT_TRUE(poll_until([&] { return balance("bob") == 300'000'000LL; }))
      << "the queued transfer was lost or not mined";
  EXPECT_EQ(miner.stop(), 128 + SIGINT) << slurp(dir.file("out.err"));
  EXPECT_EQ(balance("bob"), 300'000'000LL);
}

TEST_F(CliLedger, TamperThenVerifyShowsTheMerkleFailureAndTheBrokenLinks) {
  mine(1, "alice");
  ASSERT_EQ(run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "5"}).exit_code, 0);
  mine(3, "carol");
  const std::string before = slurp(chain);
  auto t = run_powlab({"chain", "tamper", chain, "--height", "1", "--amount", "5000"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(slurp(chain), before);  // the original is never touched
  const std::string copy = chain + ".tampered";
  auto v = run_powlab({"chain", "verify", copy});
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.out.find("INVALID at height 1: bad-txnmrklroot"), std::string::npos) << v.out;
  v = run_powlab({"chain", "verify", copy, "--json"});
  const json j = json::parse(v.out);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["failed_height"], 1);
  EXPECT_EQ(j["reason"], "bad-txnmrklroot");
  ASSERT_EQ(j["failures"].size(), 3u);  // heights 1, 2, 3
  EXPECT_EQ(j["failures"][1]["reason"], "bad-prevblk");
  EXPECT_EQ(j["failures"][2]["height"], 3);

  // With the Merkle root rewritten the header hash changes: PoW (almost surely) and the next link break.
  t = run_powlab({"chain", "tamper", chain, "--height", "1", "--to", "mallory", "--fix-merkle", "--output",
                  dir.file("fixed.dat")});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  v = run_powlab({"chain", "verify", dir.file("fixed.dat"), "--json"});
  EXPECT_EQ(v.exit_code, 1);
  const json f = json::parse(v.out);
  EXPECT_EQ(f["failed_height"], 1);
  // Block 2 names the original block 1, which is in no file: not found (not "invalid").
  EXPECT_EQ(f["failures"][1]["reason"], "prev-blk-not-found");

  // Bad tamper requests.
  EXPECT_EQ(run_powlab({"chain", "tamper", chain, "--height", "9", "--amount", "1"}).exit_code, 2);
  EXPECT_EQ(run_powlab({"chain", "tamper", chain, "--height", "1"}).exit_code, 2);
  EXPECT_EQ(run_powlab({"chain", "tamper", chain, "--height", "1", "--amount", "1", "--to", "x"}).exit_code, 2);
  const auto self = run_powlab({"chain", "tamper", chain, "--height", "1", "--amount", "1", "--output", chain});
  EXPECT_EQ(self.exit_code, 2);
  EXPECT_NE(self.err.find("must not be the original"), std::string::npos) << self.err;
  EXPECT_EQ(slurp(chain), before);
}

TEST_F(CliLedger, VerifyRefusesUnreadableFilesWithExitTwo) {
  mine(2, "alice");
  const std::string bytes = slurp(chain);
  std::ofstream(dir.file("cut.dat"), std::ios::binary) << bytes.substr(0, bytes.size() - 7);
  std::ofstream(dir.file("text.dat")) << "hello\n";
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x20;
  std::ofstream(dir.file("flip.dat"), std::ios::binary) << flipped;
  struct Case {
    std::string file;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{{dir.file("cut.dat"), "truncated"},
                                         {dir.file("text.dat"), "wrong magic"},
                                         {dir.file("flip.dat"), "checksum mismatch"},
                                         {dir.file("missing.dat"), "cannot open"}}) {
    for (const char* sub : {"verify", "show", "balances"}) {
      const auto r = run_powlab({"chain", sub, c.file});
      EXPECT_EQ(r.exit_code, 2) << sub << " " << c.file;
      EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    }
  }
  // Mining onto a damaged file is refused, and the file is left as it was.
  const auto m = run_powlab(args({"mine", "--chain", dir.file("flip.dat")}, {"--threads", "1"}));
  EXPECT_EQ(m.exit_code, 2);
  EXPECT_EQ(slurp(dir.file("flip.dat")), flipped);
}

// ---- coinbase maturity (issue 9) ----

TEST_F(CliLedger, MaturityIsChosenStoredShownAndEnforcedBySend) {
  auto r = run_powlab(args({"mine", "--chain", chain, "--blocks", "2", "--miner", "alice", "--maturity", "2"}, kFast));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto show = run_powlab({"chain", "show", chain});
  EXPECT_NE(show.out.find("coinbase maturity 2"), std::string::npos) << show.out;
  EXPECT_EQ(json::parse(run_powlab({"chain", "show", chain, "--json"}).out)["coinbase_maturity"], 2);
  // Next block: height 2. Block 0's coinbase matures there, block 1's at height 3.
  const std::string before = slurp(chain);
  r = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "60"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("powlab send: error: bad-txns-premature-spend-of-coinbase: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("mature at height 3"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(chain), before);
  r = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "40"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // --maturity is a property of a new chain; mainnet's is Bitcoin's 100.
  r = run_powlab(args({"mine", "--chain", chain, "--miner", "alice", "--maturity", "5"}, {"--threads", "1"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_powlab(args({"mine", "--chain", dir.file("bad.dat"), "--maturity", "-1"}, kFast));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("bad.dat")));
}

// Before issue 9 a two-block lab file whose block 1 spends block 0's coinbase passed.
TEST_F(CliLedger, VerifyReportsAPrematureCoinbaseSpendWithCoresCode) {
  ChainFile file;
  file.params = lab_network(test::easy_lab_options());  // the lab default maturity
  ChainState c(file.params);
  const BlockPtr b0 = test::next_block(c, "alice");
  ASSERT_TRUE(c.accept(b0).ok());
  const Transaction pay = test::transfer({OutPoint{b0->txids()[0], 0}}, 50 * kCoin, "alice", "bob", kCoin, 0);
  file.blocks = {b0, test::next_block(c, "alice", {pay})};
  save_chain_file(chain, file);
  const auto r = run_powlab({"chain", "verify", chain});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("bad-txns-premature-spend-of-coinbase"), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("height 1"), std::string::npos) << r.out << r.err;
}

// ---- a double spend by hand (issue 11): send --parent, mine --parent, the reorg in chain show ----

// The trainer's story, exactly: alice pays bob, z = 2 blocks confirm it; from the block before
// the payment alice queues a conflicting spend to mallory and mines a branch, block by block
// (the second mine names the branch's tip by hash); when the branch has more work the file
// reorgs; balances lose bob's payment, and chain show names the reorg and both spends.
TEST_F(CliLedger, DoubleSpendByHandReorgsTheFileAndNamesBothSpends) {
  mine(1, "alice");  // height 0: alice's 50 coins (maturity 0)
  const json genesis = json::parse(run_powlab({"chain", "show", chain, "--json"}).out)["blocks"][0];
  const std::string coin = genesis["txs"][0]["txid"].get<std::string>() + ":0";
  auto pay = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "10", "--json"});
  ASSERT_EQ(pay.exit_code, 0) << pay.err;
  const std::string bob_tx = json::parse(pay.out)["txid"];
  mine(2, "honest");  // the payment's block (height 1) and one more: z = 2
  const json honest = json::parse(run_powlab({"chain", "show", chain, "--json"}).out);
  ASSERT_EQ(honest["height"], 2);
  ASSERT_EQ(honest["blocks"][1]["txs"][1]["txid"], bob_tx);

  // On the tip, alice's coin is spent: a plain send of 45 fails; on the branch from height 0
  // (the block before the payment) the same coin is unspent.
  auto tip_try = run_powlab({"send", "--chain", chain, "--from", "alice", "--to", "mallory", "--amount", "45"});
  EXPECT_EQ(tip_try.exit_code, 1) << tip_try.err;
  auto evil = run_powlab(
      {"send", "--chain", chain, "--parent", "0", "--from", "alice", "--to", "mallory", "--amount", "45", "--json"});
  ASSERT_EQ(evil.exit_code, 0) << evil.err;
  const json ej = json::parse(evil.out);
  const std::string mallory_tx = ej["txid"];
  EXPECT_EQ(ej["parent"], genesis["hash"]);

  // Decision: a queued transfer not valid on the branch being mined stays queued, named on
  // stderr. A plain mine on the tip leaves mallory's spend out and keeps it.
  const auto plain = run_powlab(args({"mine", "--chain", chain, "--miner", "honest", "--json"}, kFast));
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(json_lines(plain.out)[0]["txs"], 1);
  EXPECT_NE(plain.err.find(mallory_tx + " is not valid on this branch and stays queued"), std::string::npos) << plain.err;
  json shown = json::parse(run_powlab({"chain", "show", chain, "--json"}).out);
  ASSERT_EQ(shown["mempool"].size(), 1u);
  EXPECT_EQ(shown["mempool"][0]["txid"], mallory_tx);
  const std::vector<json> honest_blocks = {shown["blocks"][1], shown["blocks"][2], shown["blocks"][3]};

  // The branch: its first block takes mallory's spend and stays a side branch.
  auto first = run_powlab(args({"mine", "--chain", chain, "--parent", "0", "--miner", "alice", "--json"}, kFast));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const json f = json_lines(first.out)[0];
  EXPECT_EQ(f["height"], 1);
  EXPECT_EQ(f["txs"], 2);
  EXPECT_EQ(f["best_chain"], false);
  EXPECT_EQ(f["reorg_depth"], 0);
  EXPECT_EQ(f["parent"], genesis["hash"]);
  // Extended by hash, three more: at equal work the first-seen chain stays (heights 2, 3), the
  // fourth block gives the branch more work and the file's fork choice reorgs (depth 3).
  auto more = run_powlab(args({"mine", "--chain", chain, "--parent", f["hash"], "--blocks", "3", "--miner", "alice",
                               "--json"}, kFast));
  ASSERT_EQ(more.exit_code, 0) << more.err;
  const auto lines = json_lines(more.out);
  ASSERT_EQ(lines.size(), 4u) << more.out;
  EXPECT_EQ(lines[1]["best_chain"], false);
  EXPECT_EQ(lines[2]["height"], 4);
  EXPECT_EQ(lines[2]["best_chain"], true);
  EXPECT_EQ(lines[2]["reorg_depth"], 3);
  EXPECT_EQ(lines[2]["fork_height"], 0);
  EXPECT_EQ(lines[3]["branch_tip_hash"], lines[2]["hash"]);

  // Bob's payment is gone, mallory is paid.
  const auto bal = run_powlab({"chain", "balances", chain, "--json"});
  ASSERT_EQ(bal.exit_code, 0) << bal.err;
  const json bj = json::parse(bal.out)["balances"];
  EXPECT_FALSE(bj.contains("bob")) << bj;
  EXPECT_EQ(bj["mallory"], 4'500'000'000LL);

  // chain show: the reorg, its blocks, and both spends of alice's coin.
  shown = json::parse(run_powlab({"chain", "show", chain, "--json"}).out);
  ASSERT_EQ(shown["reorgs"].size(), 1u) << shown["reorgs"];
  const json& r = shown["reorgs"][0];
  EXPECT_EQ(r["depth"], 3);
  EXPECT_EQ(r["fork_height"], 0);
  ASSERT_EQ(r["disconnected"].size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(r["disconnected"][k]["hash"], honest_blocks[static_cast<std::size_t>(k)]["hash"]);
    EXPECT_EQ(r["disconnected"][k]["height"], k + 1);
  }
  ASSERT_EQ(r["connected"].size(), 4u);
  EXPECT_EQ(r["connected"][0]["hash"], f["hash"]);
  ASSERT_EQ(r["conflicts"].size(), 1u);
  EXPECT_EQ(r["conflicts"][0]["outpoint"], coin);
  EXPECT_EQ(r["conflicts"][0]["disconnected_txid"], bob_tx);
  EXPECT_EQ(r["conflicts"][0]["connected_txid"], mallory_tx);
  EXPECT_TRUE(shown["mempool"].empty());
  EXPECT_EQ(shown["stale"].size(), 3u);
  const auto text = run_powlab({"chain", "show", chain});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("reorg at file block 7: depth 3, fork at height 0; 3 blocks left the best chain, 4 joined"),
            std::string::npos) << text.out;
  EXPECT_NE(text.out.find("double spend of output " + coin + ":\n    tx " + bob_tx + "  -> bob 10.00000000 coins"),
            std::string::npos) << text.out;
  EXPECT_NE(text.out.find("    tx " + mallory_tx + "  -> mallory 45.00000000 coins"), std::string::npos) << text.out;
  EXPECT_EQ(run_powlab({"chain", "verify", chain}).exit_code, 0);
}

// --parent naming no block: one line, exit 2, nothing written (mine and send alike).
TEST_F(CliLedger, ParentRefusesUnknownBlocksWithExitTwo) {
  const std::vector<std::string> send = {"--from", "alice", "--to", "bob", "--amount", "1"};
  const auto none = run_powlab(args({"mine", "--chain", chain, "--parent", "0"}, kFast));
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("powlab mine: error: --parent: "), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(chain));
  const auto memory = run_powlab(args({"mine", "--parent", "0"}, kFast));
  EXPECT_EQ(memory.exit_code, 2) << memory.err;
  EXPECT_NE(memory.err.find("--parent needs --chain"), std::string::npos) << memory.err;

  mine(2, "alice");
  const std::string before = slurp(chain);
  const std::string unknown(64, 'a');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"2", "height 2 is above the tip (heights 0..1)"},
      {"99999999999999999999", "height 99999999999999999999 is above the tip"},
      {unknown, "no block " + unknown + " in the chain"},
      {"xyz", "'xyz' is neither a height"},
      {"-1", "'-1' is neither a height"},
      {"0x1", "'0x1' is neither a height"},
      {std::string(63, 'a'), "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is neither a height (decimal digits) nor a block hash"},
  };
  for (const auto& [parent, says] : cases) {
    for (const std::string sub : {"mine", "send"}) {
      std::vector<std::string> a = {sub, "--chain", chain, "--parent=" + parent};
      a.insert(a.end(), sub == "mine" ? kFast.begin() : send.begin(), sub == "mine" ? kFast.end() : send.end());
      const auto r = run_powlab(a);
      EXPECT_EQ(r.exit_code, 2) << sub << " " << parent << ": " << r.out << r.err;
      EXPECT_NE(r.err.find("powlab " + sub + ": error: --parent: " + says), std::string::npos) << sub << ": " << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_TRUE(r.out.empty()) << r.out;  // refused before the banner
      EXPECT_EQ(slurp(chain), before) << sub << " " << parent;
    }
  }
}

}  // namespace
}  // namespace powlab
