// The lab pool behind `powlab serve` (issue 14): a class mines one lab chain together.
//
// Each work request gets its own job: a block draft on the best tip whose coinbase pays the
// pool and carries a fresh extranonce, so no two jobs (and no two miners) ever hash the same
// header. A submitted nonce is a share when sha256d(header) <= the share target; a share that
// also meets the block's nBits becomes a block, validated by the ledger like any other and
// saved atomically into the chain file (ledger/store.h), as `powlab mine` does.
//
// Credit is "proportional" (the classic pool scheme): the shares of a round (since the last
// block) split that block's reward after the pool's fee, in integer 1e-8 coin units, by the
// largest-remainder method, so the credits add up exactly to reward - fee. Refused shares are
// never counted. Memory is bounded by PoolLimits: a client that vanishes costs at most its
// jobs, and the oldest jobs are forgotten first.
//
// Idle miners: a name that has neither asked for work nor had a share accepted for
// `idle_seconds` loses its live slot (its jobs and hash-rate samples are freed, and a new
// name may take the slot), so nobody on a LAN can hold the pool's names forever. Its books
// stay: shares, credit, and round shares still paid at the next block; a name that returns
// continues where it stopped. The books of idle names are bounded too (`max_accounts`): past
// it the name idle longest is retired, its books folded into one "retired" account that keeps
// its credit and its round shares, so the credits still add up exactly.
//
// Thread-safe: one mutex guards everything (the HTTP server calls from many threads). A share
// check is one sha256d of 80 bytes, so holding the lock while hashing costs little; only a
// block (rare) holds it through validation and the fsync'd save.
//
// No HTTP here: the pool is the same for the server, the tests and a load benchmark.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/consensus/u256.h"
#include "powlab/ledger/chain.h"
#include "powlab/ledger/store.h"

namespace powlab {

// The handshake `powlab mine --pool` checks (with the chain's magic and network name): a
// client refuses any server that does not answer with all three.
inline constexpr char kLabPoolProtocol[] = "powlab-lab-pool/1";

struct PoolLimits {
  std::size_t max_miners = 1024;      // live names (see above); a new one past this is refused
  // Names whose books are kept, live or idle (>= max_miners). ~150 bytes each: 4096 is 0.6 MB,
  // a day of classes with their names changing; past it the longest-idle name is retired.
  std::size_t max_accounts = 4096;
  // Silence after which a name loses its live slot. The /mine page asks for work every 2 s and
  // `mine --pool` every 2 s of mining, so a live miner is never silent for long; 5 minutes
  // also covers a Wi-Fi drop or a laptop lid closed over a short break. Too long costs little
  // (a full pool frees up later); it costs the name nothing either way (the books stay).
  std::int64_t idle_seconds = 300;
  std::size_t jobs_per_miner = 8;     // older jobs are forgotten: their shares are unknown-job
  std::size_t shares_per_job = 4096;  // nonces remembered per job (duplicate check); then stale-job
};

struct PoolConfig {
  std::string chain_path;             // "" = in memory (tests)
  int share_zeros = 16;               // share target = (2^256 - 1) >> share_zeros, never harder than a block
  int fee_percent = 30;               // the pool's cut of each block (Coinhive kept 30%)
  std::string owner = "labpool";      // the coinbase owner of the pool's blocks
  PoolLimits limits;
  std::function<std::int64_t()> clock;  // unix seconds; default std::time (block times, idleness)
};

enum class ShareVerdict { accepted, duplicate, stale_job, high_hash, unknown_job, malformed };
// "accepted", "duplicate", "stale-job", "high-hash", "unknown-job", "malformed": the API's words.
std::string_view to_string(ShareVerdict v);

struct PoolWork {
  std::string job_id;
  std::array<std::uint8_t, 80> header{};  // nonce 0
  U256 share_target;
  U256 block_target;
  std::int64_t height = 0;
};

struct ShareResult {
  ShareVerdict verdict = ShareVerdict::malformed;
  bool block = false;        // the share became a block on the best chain, saved
  std::string detail;        // why a refusal, or why a block-meeting share was not a block
  std::int64_t height = -1;  // of the block, when block
};

// A miner's hash rate for display, from its last `shares` shares and the time since the first
// of them: the shares - 1 intervals since the first over that time, times the hashes a share
// takes on average. Counting up to now, not to the last share, lets the rate fall when a miner
// stops. Below 3 shares it is 0 (not yet measured): with shares arriving at random, one
// interval's reciprocal has no finite mean (2 shares a microsecond apart once showed 5 MH/s for
// a 200 kH/s browser), two intervals' has.
double estimate_hash_rate(std::size_t shares, double seconds_since_first, double hashes_per_share);

struct PoolMinerStats {
  std::string name;
  double hashes_per_second = 0;  // display only: shares x expected hashes per share / time
  std::uint64_t shares = 0;      // accepted, all rounds
  std::uint64_t round_shares = 0;
  std::int64_t credited = 0;     // 1e-8 coin
  std::uint64_t blocks = 0;
  bool live = true;              // false: idle, its slot freed (its books kept)
};

// The books of retired names (PoolLimits::max_accounts), summed.
struct PoolRetired {
  std::uint64_t names = 0;
  std::uint64_t shares = 0;
  std::int64_t credited = 0;
};

struct PoolBlock {
  std::int64_t height = 0;
  Hash256 hash{};
  std::string miner;  // whose share it was
};

struct PoolStats {
  std::int64_t height = -1;
  Hash256 tip{};
  std::string network;
  int fee_percent = 0;
  std::uint64_t accepted = 0;
  std::map<std::string, std::uint64_t> refused;  // by reason
  std::uint64_t blocks = 0;       // found by the pool since it started
  std::int64_t rewards = 0;       // their coinbase values
  std::int64_t pool_cut = 0;      // fee kept
  std::int64_t credited = 0;      // sum of the miners' and retired credits == rewards - pool_cut
  std::vector<PoolMinerStats> miners;  // by name, live and idle
  std::size_t live_miners = 0;
  PoolRetired retired;
  std::vector<PoolBlock> recent_blocks;  // the pool's last few blocks, newest first
  std::vector<std::string> save_errors;  // blocks found but not saved (the last few)
};

class LabPool {
 public:
  // `chain` is the replayed, valid chain of `file` (or a new empty one). Throws
  // std::invalid_argument for a bad config.
  LabPool(ChainFile file, std::unique_ptr<ChainState> chain, PoolConfig config);
  ~LabPool();
  LabPool(const LabPool&) = delete;
  LabPool& operator=(const LabPool&) = delete;

  // New work for `miner`, or nullopt with `why` (bad name, pool full).
  std::optional<PoolWork> work(const std::string& miner, std::string* why);
  // A nonce above 2^32 - 1 is malformed.
  ShareResult submit(const std::string& miner, const std::string& job_id, std::uint64_t nonce);
  // Counts a refusal found before the pool saw the share (bad JSON, oversized body).
  void count_refusal(ShareVerdict v);

  PoolStats stats() const;
  const ConsensusParams& params() const;
  // Calls `f` with the pool's chain, under the pool's lock: keep `f` short (every share
  // waits), and never let the reference escape.
  void with_chain(const std::function<void(const ChainState&)>& f) const;
  // The pool's last 64 blocks, newest first, with whose share each was (the coinbase pays
  // the pool, so the chain cannot say).
  std::vector<PoolBlock> found_blocks() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits `amount` among `weights` in proportion, in integers, by the largest remainder; ties go
// to the earlier index. The parts add up exactly to `amount`. All weights zero: all parts zero
// except nothing is split (returns zeros, and the caller keeps `amount`).
std::vector<std::int64_t> split_proportional(std::int64_t amount, const std::vector<std::uint64_t>& weights);

}  // namespace powlab
