// `--mpi` under a real mpirun with 4 ranks on this one machine (issue 15): the CI form is
// `mpirun --allow-run-as-root --oversubscribe -np 4`. Registered only when MPI is built
// (label `mpi`); each test keeps its runs well under a few seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <sys/wait.h>

#include "test_util.h"

namespace powlab {
namespace {

using nlohmann::json;

using test::slurp;

struct MpiRun {
  int exit_code = -1;
  std::string out, err;
};

// A shell line with `$P` for the powlab binary and `$MPIRUN` for mpirun and its CI options.
MpiRun shell(const std::string& script) {
  test::TempDir dir;
  const char* mpirun = std::getenv("POWLAB_MPIRUN");
  const std::string line = "P='" + std::string(POWLAB_BINARY) + "'; MPIRUN='" + (mpirun ? mpirun : "mpirun") +
                           " --allow-run-as-root --oversubscribe'; ( " + script + " ) >'" + dir.file("out") + "' 2>'" +
                           dir.file("err") + "'";
  const int status = std::system(line.c_str());
  MpiRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(dir.file("out"));
  r.err = slurp(dir.file("err"));
  return r;
}

// Kills mpirun's `nth` child (rank nth-1) with SIGKILL once all 4 ranks exist and have run for
// a second, then waits for mpirun. Bounded: after 20 s without 4 ranks it kills mpirun itself.
std::string kill_rank_of(const std::string& job, int nth) {
  return job + " & pid=$!; i=0; until [ $(pgrep -P $pid | wc -l) -ge 4 ] || [ $i -ge 200 ]; do sleep 0.1; i=$((i+1)); done; "
               "sleep 1; kill -9 $(pgrep -P $pid | sed -n " + std::to_string(nth) + "p) 2>/dev/null || kill $pid; wait $pid";
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// Totals add up, ranges are disjoint, and the known-answer checksum of bench holds when the
// ranks scan its range in slices.
TEST(MpiBench, FourRanksAddUpOverDisjointRanges) {
  const MpiRun r = shell("$MPIRUN -np 4 $P bench --mpi --threads 1 --seconds 0.1 --repeats 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ranks"], 4);
  EXPECT_EQ(j["checksum"]["checksum"], "105b3eeaa0c4cc17");  // bench's single-process known answer
  EXPECT_EQ(j["checksum"]["ok"], true);
  ASSERT_EQ(j["results"].size(), 4u);
  double rate = 0;
  std::uint64_t hashes = 0, kat_end = 0;
  std::set<std::int64_t> versions;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (std::size_t i = 0; i < 4; ++i) {
    const json& row = j["results"][i];
    EXPECT_EQ(row["rank"], i);
    EXPECT_GT(row["hashes_per_second"].get<double>(), 0);
    rate += row["hashes_per_second"].get<double>();
    hashes += row["hashes"].get<std::uint64_t>();
    versions.insert(row["version"].get<std::int64_t>());
    ranges.push_back({row["nonce_begin"], row["nonce_end"]});
    EXPECT_LE(row["hashes"].get<std::uint64_t>(), ranges.back().second - ranges.back().first);
    // The known-answer slices tile [0, 2^20) in rank order.
    EXPECT_EQ(row["kat_nonce_begin"].get<std::uint64_t>(), kat_end);
    kat_end = row["kat_nonce_end"];
  }
  EXPECT_EQ(kat_end, std::uint64_t{1} << 20);
  EXPECT_EQ(versions.size(), 4u) << "two ranks hashed the same header";
  for (std::size_t a = 0; a < 4; ++a) {
    for (std::size_t b = a + 1; b < 4; ++b) {
      EXPECT_TRUE(ranges[a].second <= ranges[b].first || ranges[b].second <= ranges[a].first) << a << " and " << b;
    }
  }
  EXPECT_DOUBLE_EQ(j["total"]["hashes_per_second"].get<double>(), rate);
  EXPECT_EQ(j["total"]["hashes"].get<std::uint64_t>(), hashes);
  EXPECT_EQ(j["total"]["threads"], 4);
}

// A rank that dies mid-run: mpirun ends the others, names the rank, and the job exits non-zero.
TEST(MpiBench, KilledRankStopsTheJob) {
  // 30 s of measuring that the kill cuts short; rank 1 (mpirun's second child) is killed.
  const MpiRun r = shell(kill_rank_of("$MPIRUN -np 4 $P bench --mpi --threads 1 --seconds 30 --repeats 1", 2));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("exited on signal 9"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("total"), std::string::npos) << "a total was printed without every rank";
}

constexpr char kRace[] = " race --mode event --nodes 4 --blocks 40 --sweep 'delay-ms=1000,5000;seed=1..3'";

// Sweeps on 4 ranks are byte-identical to 1 rank and to no MPI at all, CSV and JSON alike.
TEST(MpiSweep, FourRanksGiveTheBytesOfOne) {
  for (const std::string format : {"", " --json"}) {
    const MpiRun four = shell("$MPIRUN -np 4 $P" + std::string(kRace) + " --mpi" + format);
    const MpiRun one = shell("$MPIRUN -np 1 $P" + std::string(kRace) + " --mpi" + format);
    const MpiRun plain = shell("$P" + std::string(kRace) + format);
    ASSERT_EQ(four.exit_code, 0) << four.err;
    ASSERT_EQ(one.exit_code, 0) << one.err;
    ASSERT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_EQ(four.out, one.out);
    EXPECT_EQ(plain.out, one.out);
    if (format.empty()) {
      EXPECT_EQ(lines(four.out), 7u) << four.out;  // a header and 6 grid points
      EXPECT_EQ(four.out.substr(0, four.out.find('\n')),
                "delay-ms,seed,blocks_found,best_chain_blocks,stale_blocks,stale_rate,stale_rate_formula,"
                "stale_rate_simple,mean_interval,nodes_agree");
    } else {
      const json rows = json::parse(four.out);
      ASSERT_EQ(rows.size(), 6u);
      EXPECT_EQ(rows[1]["sweep"]["delay-ms"], "1000");  // grid order: the last axis fastest
      EXPECT_EQ(rows[1]["sweep"]["seed"], "2");
      EXPECT_EQ(rows[3]["sweep"]["delay-ms"], "5000");
      EXPECT_EQ(rows[3]["seed"], 1);
      EXPECT_FALSE(rows[0].contains("wall_seconds"));
    }
  }
}

// A grid that does not parse, or a value the race refuses: exit 2, one error line, from rank 0.
TEST(MpiSweep, BadGridExitsTwo) {
  for (const std::string grid : {"delay-ms=1000;seed=3..1", "delay-ms=-5"}) {  // the parser, then the race
    const MpiRun r = shell("$MPIRUN -np 4 $P race --mode event --mpi --nodes 4 --blocks 5 --sweep '" + grid + "'");
    EXPECT_EQ(r.exit_code, 2) << grid;
    // mpirun relays each rank's stderr in the pieces the rank wrote, and may put its own notice
    // between them: count the pieces of the error line, not whole lines.
    for (const std::string piece : {"powlab race", "error: "}) {
      std::size_t n = 0;
      for (std::size_t at = r.err.find(piece); at != std::string::npos; at = r.err.find(piece, at + 1)) ++n;
      EXPECT_EQ(n, 1u) << grid << ": " << r.err;
    }
  }
  // Live mode: one node per rank, and so two ranks at least.
  const MpiRun one = shell("$MPIRUN -np 1 $P race --mode live --mpi --nodes 1 --blocks 1 --bits 0x1f00ffff");
  EXPECT_EQ(one.exit_code, 2) << one.err;
  EXPECT_NE(one.err.find("needs two ranks or more"), std::string::npos) << one.err;
}

// One chain mined by 4 ranks as a pool: every block found is credited to one rank, the hashes
// add up, and the file verifies in full.
TEST(MpiMine, FourRanksMineOneChain) {
  test::TempDir dir;
  const std::string chain = dir.file("pool.chain");
  // 22 zero bits, ~4 M hashes a block: at 16 (65,536) the 4 blocks were found within
  // milliseconds, before a rank that 4 ranks on 2 loaded cores had not yet scheduled hashed once.
  const MpiRun r = shell("$MPIRUN -np 4 $P mine --mpi --chain " + chain + " --blocks 4 --zeros 22 --threads 1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["blocks_mined"], 4);
  EXPECT_EQ(j["height"], 3);
  ASSERT_EQ(j["ranks"].size(), 4u);
  std::uint64_t blocks = 0, hashes = 0;
  for (const json& rank : j["ranks"]) {
    blocks += rank["blocks_found"].get<std::uint64_t>();
    hashes += rank["hashes"].get<std::uint64_t>();
    EXPECT_GT(rank["hashes"].get<std::uint64_t>(), 0u) << rank.dump();  // every rank searched
  }
  EXPECT_EQ(blocks, 4u);
  EXPECT_EQ(hashes, j["hashes"].get<std::uint64_t>());
  const MpiRun verify = shell("$P chain verify " + chain);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// A rank killed while the others mine (and rank 0 saves a block every few milliseconds): the
// job stops with mpirun's notice and a non-zero exit, and the file is whole and valid.
TEST(MpiMine, KilledRankLeavesAWholeFile) {
  test::TempDir dir;
  const std::string chain = dir.file("pool.chain");
  ASSERT_EQ(shell("$P mine --chain " + chain + " --zeros 8 --threads 1").exit_code, 0);
  const MpiRun r = shell(kill_rank_of("$MPIRUN -np 4 $P mine --mpi --chain " + chain + " --blocks 1000000 --threads 1", 3));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("exited on signal 9"), std::string::npos) << r.err;
  const MpiRun verify = shell("$P chain verify " + chain);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// A live race whose nodes are 4 processes, each with its own block tree: blocks cross MPI as
// bytes and are checked in full by every receiver. The summary has the keys of a single-process
// race, the counts add up, and every node's best chain agrees with rank 0's (a tie at the tip,
// if the race ended on one, is the only disagreement allowed).
TEST(MpiLiveRace, FourNodesAgreeOnTheCommonPrefix) {
  const MpiRun r = shell("$MPIRUN -np 4 $P race --mode live --mpi --nodes 4 --blocks 12 --bits 0x1e0fffff --threads 1 "
                         "--delay-ms 20 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  const MpiRun single = shell("$P race --mode live --nodes 2 --blocks 2 --bits 0x1f00ffff --threads 1 --no-view --json");
  ASSERT_EQ(single.exit_code, 0) << single.err;
  std::set<std::string> keys, single_keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  const json sj = json::parse(single.out);
  for (const auto& [k, v] : sj.items()) single_keys.insert(k);
  EXPECT_EQ(keys, single_keys);
  EXPECT_EQ(j["mode"], "live");
  EXPECT_EQ(j["pow_checked"], true);
  EXPECT_GE(j["blocks_found"].get<std::uint64_t>(), 12u);
  std::uint64_t found = 0, best = 0;
  for (const json& m : j["miners"]) {
    found += m["blocks_found"].get<std::uint64_t>();
    best += m["best_chain_blocks"].get<std::uint64_t>();
  }
  EXPECT_EQ(found, j["blocks_found"].get<std::uint64_t>());
  EXPECT_EQ(best, j["best_chain_blocks"].get<std::uint64_t>());
  EXPECT_EQ(j["best_chain_blocks"].get<std::uint64_t>() + j["stale_blocks"].get<std::uint64_t>(), found);
  EXPECT_EQ(j["block_messages"].get<std::uint64_t>(), 3 * found);  // each find sent to the 3 others
  // After the common prefix, nodes may sit on different branches only if those hold equal work:
  // at one nBits (12 blocks stay inside the first 20-block retarget window), equal lengths.
  unsigned long common = 0, height = 0;
  std::vector<unsigned long> lengths(4, 0);
  int parsed = 0;
  for (const json& n : j["notes"]) {
    const std::string s = n;
    parsed = std::sscanf(s.c_str(),
                         "every node's best chain agrees with rank 0's on the first %lu of %lu blocks; "
                         "best-chain lengths by rank: %lu %lu %lu %lu",
                         &common, &height, &lengths[0], &lengths[1], &lengths[2], &lengths[3]);
    if (parsed == 6) break;
  }
  ASSERT_EQ(parsed, 6) << j["notes"].dump();
  EXPECT_EQ(height, j["best_chain_blocks"].get<std::uint64_t>());
  for (unsigned long l : lengths) EXPECT_EQ(l, height) << j["notes"].dump();
  EXPECT_EQ(j["nodes_agree"].get<bool>(), common == height) << j["notes"].dump();
}

}  // namespace
}  // namespace powlab
