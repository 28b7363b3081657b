#include "powlab/pool/pool.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstdio>
#include <ctime>
#include <deque>
#include <numeric>
#include <set>
#include <stdexcept>
#include <vector>

#include "powlab/consensus/pow.h"
#include "powlab/consensus/target.h"
#include "powlab/ledger/tx.h"

namespace powlab {

std::string_view to_string(ShareVerdict v) {
  switch (v) {
    case ShareVerdict::accepted: return "accepted";
    case ShareVerdict::duplicate: return "duplicate";
    case ShareVerdict::stale_job: return "stale-job";
    case ShareVerdict::high_hash: return "high-hash";
    case ShareVerdict::unknown_job: return "unknown-job";
    case ShareVerdict::malformed: return "malformed";
  }
  return "malformed";
}

std::vector<std::int64_t> split_proportional(std::int64_t amount, const std::vector<std::uint64_t>& weights) {
  std::vector<std::int64_t> parts(weights.size(), 0);
  unsigned __int128 total = 0;
  for (auto w : weights) total += w;
  if (total == 0 || amount <= 0) return parts;
  // amount x weight needs up to 63 + 64 bits: 128-bit products, never a double.
  std::vector<std::pair<unsigned __int128, std::size_t>> remainders;
  std::int64_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const unsigned __int128 p = static_cast<unsigned __int128>(amount) * weights[i];
    parts[i] = static_cast<std::int64_t>(p / total);
    given += parts[i];
    remainders.emplace_back(p % total, i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  // Floors lose less than one unit each, so what is left is smaller than the number of parts.
  for (std::size_t k = 0; given < amount; ++k, ++given) ++parts[remainders[k].second];
  return parts;
}

namespace {

using Steady = std::chrono::steady_clock;

struct Job {
  std::uint64_t id = 0;
  BlockDraft draft;
  Amount reward = 0;
  // Shares seen (accepted), sorted, for duplicates. A sorted vector, not a hash set: 4 bytes a
  // nonce instead of ~40, so the worst case (max_miners x jobs_per_miner x shares_per_job) is
  // 134 MB, not 1.3 GB; an insert moves at most 16 KB (shares_per_job = 4096).
  std::vector<std::uint32_t> nonces;
};

// Share times kept per miner for its hash rate (display only).
constexpr std::size_t kRateSamples = 64;

struct Miner {
  // The books: kept while the name is live or idle, until it is retired.
  std::uint64_t shares = 0;
  std::uint64_t round_shares = 0;
  std::int64_t credited = 0;
  std::uint64_t blocks = 0;
  std::int64_t last_seen = 0;  // pool clock, seconds: the last work request or accepted share
  bool live = true;
  // The live slot: freed when the name goes idle.
  std::deque<Job> jobs;  // oldest first
  std::deque<Steady::time_point> share_times;
};

constexpr std::size_t kSaveErrorsKept = 8;
constexpr std::size_t kRecentBlocksShown = 10;  // in stats: what a projector's list shows
// Kept to name the finders in the dashboard's fork tree: more than the 40 heights it draws.
constexpr std::size_t kRecentBlocksKept = 64;

}  // namespace

struct LabPool::Impl {
  mutable std::mutex mu;
  ChainFile file;
  std::unique_ptr<ChainState> chain;
  PoolConfig cfg;
  U256 share_floor;  // (2^256 - 1) >> share_zeros
  std::map<std::string, Miner> miners;  // every account, live or idle (<= max_accounts)
  std::size_t live = 0;                 // live ones (<= max_miners)
  std::set<std::pair<std::int64_t, std::string>> idle;  // (last_seen, name): who retires first
  PoolRetired retired;
  std::uint64_t retired_round_shares = 0;  // paid to `retired` at the next block
  std::int64_t last_sweep = INT64_MIN;
  std::uint64_t next_job = 1;
  std::uint64_t next_extranonce = 1;
  std::uint64_t accepted = 0;
  std::map<std::string, std::uint64_t> refused;
  std::uint64_t blocks = 0;
  std::int64_t rewards = 0, pool_cut = 0;
  std::vector<std::string> save_errors;
  std::deque<PoolBlock> recent;  // newest first
  FileStamp disk;  // the version of the chain file this pool last read or wrote

  std::int64_t now() const { return cfg.clock ? cfg.clock() : static_cast<std::int64_t>(std::time(nullptr)); }

  U256 share_target(std::uint32_t bits) const {
    const U256 block = decode_compact(bits).target;
    return std::max(share_floor, block);  // a share is never harder than a block
  }

  ShareResult refuse(ShareVerdict v, std::string detail) {
    ++refused[std::string(to_string(v))];
    return {v, false, std::move(detail), -1};
  }

  // Pays the round: every miner's round shares (idle ones' too, and the retired names') split
  // reward - fee.
  void pay_round(Amount reward) {
    const Amount cut = reward * cfg.fee_percent / 100;  // reward <= 50 coins: no overflow
    std::vector<std::uint64_t> weights;
    std::vector<Miner*> who;
    for (auto& [name, m] : miners) {
      if (m.round_shares == 0) continue;
      weights.push_back(m.round_shares);
      who.push_back(&m);
    }
    weights.push_back(retired_round_shares);  // last: ties go to named miners first
    const auto parts = split_proportional(reward - cut, weights);
    for (std::size_t i = 0; i < who.size(); ++i) {
      who[i]->credited += parts[i];
      who[i]->round_shares = 0;
    }
    retired.credited += parts.back();
    retired_round_shares = 0;
    rewards += reward;
    pool_cut += cut;
  }

  // Frees the live slots of names silent for idle_seconds. A scan of every account, so at most
  // once per clock second (the clock's resolution: a sooner scan could find nothing new).
  void sweep(std::int64_t t) {
    if (t == last_sweep) return;
    last_sweep = t;
    for (auto& [name, m] : miners) {
      if (!m.live || t - m.last_seen < cfg.limits.idle_seconds) continue;
      m.live = false;
      --live;
      std::deque<Job>().swap(m.jobs);  // swap, not clear: a deque keeps its blocks after clear()
      std::deque<Steady::time_point>().swap(m.share_times);
      idle.emplace(m.last_seen, name);
    }
  }

  // The longest-idle name's books go into `retired`.
  void retire_one() {
    const auto first = idle.begin();
    const auto it = miners.find(first->second);
    retired.names += 1;
    retired.shares += it->second.shares;
    retired.credited += it->second.credited;
    retired_round_shares += it->second.round_shares;
    miners.erase(it);
    idle.erase(first);
  }

  // The live slot for `name` (new, idle or live), or nullptr with `why`.
  Miner* claim(const std::string& name, std::int64_t t, std::string* why) {
    sweep(t);
    auto it = miners.find(name);
    if (it == miners.end() || !it->second.live) {
      if (live >= cfg.limits.max_miners) {
        if (why) {
          *why = "the pool is full (" + std::to_string(cfg.limits.max_miners) + " miners active in the last " +
                 std::to_string(cfg.limits.idle_seconds) + " s)";
        }
        return nullptr;
      }
      if (it == miners.end()) {
        // live < max_miners <= max_accounts, so a full table has an idle name to retire.
        if (miners.size() >= cfg.limits.max_accounts) retire_one();
        it = miners.emplace(name, Miner{}).first;
      } else {
        idle.erase({it->second.last_seen, name});
        it->second.live = true;
      }
      ++live;
    }
    it->second.last_seen = t;
    return &it->second;
  }

  // Accepts the block into the chain and saves the file; returns why not, if not.
  std::optional<std::string> take_block(const BlockPtr& block) {
    chain->validation().now = now();
    const AcceptResult r = chain->accept(block);
    if (r.status != AcceptStatus::new_tip) {
      return std::string("the block was refused: ") + std::string(to_string(r.reason)) + ": " + r.detail;
    }
    if (cfg.chain_path.empty()) return std::nullopt;
    try {
      const DirLock lock(cfg.chain_path);
      // As `mine` does: another process may have written the file since (`powlab send`
      // queueing a transfer): keep its queue, but never overwrite blocks it did not load.
      std::vector<BlockPtr> ours = chain->blocks_in_order();
      ours.pop_back();  // the block just found is not on disk yet
      ChainFileCheck on_disk = check_chain_file(cfg.chain_path, disk, ours);
      if (on_disk.change == ChainFileChange::other_blocks) {
        throw StoreError(cfg.chain_path + " was changed by another process (its blocks differ); not overwriting it");
      }
      if (on_disk.change == ChainFileChange::same_blocks) file.mempool = std::move(on_disk.theirs.mempool);
      file.blocks = chain->blocks_in_order();
      save_chain_file(cfg.chain_path, file);
      disk = stamp_file(cfg.chain_path);
    } catch (const std::exception& e) {
      // The block stays on the in-memory chain (the pool goes on); the next save retries.
      save_errors.push_back(e.what());
      if (save_errors.size() > kSaveErrorsKept) save_errors.erase(save_errors.begin());
    }
    return std::nullopt;
  }
};

double estimate_hash_rate(std::size_t shares, double seconds_since_first, double hashes_per_share) {
  if (shares < 3 || !(seconds_since_first > 0)) return 0;
  return static_cast<double>(shares - 1) * hashes_per_share / seconds_since_first;
}

LabPool::LabPool(ChainFile file, std::unique_ptr<ChainState> chain, PoolConfig config)
    : impl_(std::make_unique<Impl>()) {
  if (!chain) throw std::invalid_argument("no chain");
  if (config.share_zeros < 0 || config.share_zeros > 255) throw std::invalid_argument("share zeros must be 0..255");
  if (config.fee_percent < 0 || config.fee_percent > 100) throw std::invalid_argument("fee must be 0..100 percent");
  if (auto why = check_owner_name(config.owner)) throw std::invalid_argument("pool owner: " + *why);
  if (config.limits.max_miners == 0 || config.limits.jobs_per_miner == 0 || config.limits.shares_per_job == 0 ||
      config.limits.idle_seconds <= 0) {
    throw std::invalid_argument("pool limits must be positive");
  }
  if (config.limits.max_accounts < config.limits.max_miners) {
    throw std::invalid_argument("pool limits: max_accounts must be at least max_miners");
  }
  impl_->file = std::move(file);
  impl_->chain = std::move(chain);
  impl_->cfg = std::move(config);
  impl_->share_floor = ~U256(0) >> static_cast<unsigned>(impl_->cfg.share_zeros);
  if (!impl_->cfg.chain_path.empty()) impl_->disk = stamp_file(impl_->cfg.chain_path);
}

LabPool::~LabPool() = default;

const ConsensusParams& LabPool::params() const { return impl_->chain->params(); }

std::optional<PoolWork> LabPool::work(const std::string& miner, std::string* why) {
  if (auto bad = check_owner_name(miner)) {
    if (why) *why = "miner name: " + *bad;
    return std::nullopt;
  }
  Impl& s = *impl_;
  const std::lock_guard lock(s.mu);
  const std::int64_t t = s.now();
  Miner* slot = s.claim(miner, t, why);
  if (!slot) return std::nullopt;
  const BlockTemplate tmpl = s.chain->next_template(t);
  if (tmpl.min_time > tmpl.max_time) {
    if (why) *why = "the chain's median time past is more than 2 h ahead of the clock; no valid block time";
    return std::nullopt;
  }
  Job job;
  job.id = s.next_job++;
  job.draft = make_block_draft(tmpl, s.cfg.owner, {}, 0, s.next_extranonce++);
  job.reward = tmpl.subsidy;
  PoolWork w;
  char id[24];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(job.id));
  w.job_id = id;
  w.header = job.draft.header.serialize();
  w.block_target = decode_compact(tmpl.bits).target;
  w.share_target = s.share_target(tmpl.bits);
  w.height = tmpl.height;
  Miner& m = *slot;
  m.jobs.push_back(std::move(job));
  if (m.jobs.size() > s.cfg.limits.jobs_per_miner) m.jobs.pop_front();
  return w;
}

ShareResult LabPool::submit(const std::string& miner, const std::string& job_id, std::uint64_t nonce) {
  Impl& s = *impl_;
  const std::lock_guard lock(s.mu);
  if (check_owner_name(miner)) return s.refuse(ShareVerdict::malformed, "miner name");
  if (nonce > 0xffffffffu) return s.refuse(ShareVerdict::malformed, "nonce must be 0..4294967295");
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(job_id.data(), job_id.data() + job_id.size(), id, 16);
  if (job_id.size() != 16 || ec != std::errc{} || end != job_id.data() + job_id.size() ||
      job_id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return s.refuse(ShareVerdict::malformed, "job_id must be 16 hex digits");
  }
  auto mit = s.miners.find(miner);
  if (mit == s.miners.end()) return s.refuse(ShareVerdict::unknown_job, "no work was given to this miner");
  Miner& m = mit->second;
  if (!m.live) return s.refuse(ShareVerdict::unknown_job, "this miner was idle and its jobs are forgotten; ask for work");
  auto jit = std::find_if(m.jobs.begin(), m.jobs.end(), [id](const Job& j) { return j.id == id; });
  if (jit == m.jobs.end()) return s.refuse(ShareVerdict::unknown_job, "no such job for this miner (or forgotten)");
  Job& job = *jit;
  if (job.draft.header.prev_hash != (s.chain->empty() ? Hash256{} : s.chain->tip_hash())) {
    return s.refuse(ShareVerdict::stale_job, "the chain moved on since this job");
  }
  const auto n = static_cast<std::uint32_t>(nonce);
  const auto seen = std::lower_bound(job.nonces.begin(), job.nonces.end(), n);
  if (seen != job.nonces.end() && *seen == n) {
    return s.refuse(ShareVerdict::duplicate, "this nonce was already counted");
  }
  BlockHeader h = job.draft.header;
  h.nonce = n;
  const Hash256 hash = h.hash();
  const U256 value = hash_to_u256(hash);
  if (value > s.share_target(h.bits)) return s.refuse(ShareVerdict::high_hash, "hash above the share target");
  if (job.nonces.size() >= s.cfg.limits.shares_per_job) {
    return s.refuse(ShareVerdict::stale_job, "this job has its fill of shares; ask for new work");
  }
  job.nonces.insert(seen, n);
  ++s.accepted;
  ++m.shares;
  ++m.round_shares;
  m.last_seen = s.now();
  m.share_times.push_back(Steady::now());
  if (m.share_times.size() > kRateSamples) m.share_times.pop_front();

  ShareResult out{ShareVerdict::accepted, false, "", -1};
  if (check_proof_of_work(hash, h.bits, s.chain->params().pow_limit) == PowStatus::ok) {
    const Amount reward = job.reward;
    const BlockPtr block = Block::make(h, job.draft.txs);
    if (auto why = s.take_block(block)) {
      out.detail = *why;  // still a good share: counted, paid with the next block's round
    } else {
      out.block = true;
      out.height = s.chain->height();
      ++s.blocks;
      ++m.blocks;
      s.recent.push_front({out.height, block->hash(), miner});
      if (s.recent.size() > kRecentBlocksKept) s.recent.pop_back();
      s.pay_round(reward);
    }
  }
  return out;
}

void LabPool::with_chain(const std::function<void(const ChainState&)>& f) const {
  const std::lock_guard lock(impl_->mu);
  f(*impl_->chain);
}

std::vector<PoolBlock> LabPool::found_blocks() const {
  const std::lock_guard lock(impl_->mu);
  return {impl_->recent.begin(), impl_->recent.end()};
}

void LabPool::count_refusal(ShareVerdict v) {
  const std::lock_guard lock(impl_->mu);
  impl_->refuse(v, "");
}

PoolStats LabPool::stats() const {
  const Impl& s = *impl_;
  const std::lock_guard lock(s.mu);
  PoolStats st;
  st.height = s.chain->height();
  if (!s.chain->empty()) st.tip = s.chain->tip_hash();
  st.network = s.chain->params().name;
  st.fee_percent = s.cfg.fee_percent;
  st.accepted = s.accepted;
  st.refused = s.refused;
  st.blocks = s.blocks;
  st.rewards = s.rewards;
  st.pool_cut = s.pool_cut;
  st.save_errors = s.save_errors;
  st.recent_blocks.assign(s.recent.begin(), s.recent.begin() + static_cast<std::ptrdiff_t>(
                                                              std::min(s.recent.size(), kRecentBlocksShown)));
  const std::uint32_t bits = s.chain->next_template(s.now()).bits;
  const double per_share = work_from_target(s.share_target(bits)).to_double();
  const Steady::time_point now = Steady::now();
  for (const auto& [name, m] : s.miners) {
    PoolMinerStats ms;
    ms.name = name;
    ms.shares = m.shares;
    ms.round_shares = m.round_shares;
    ms.credited = m.credited;
    ms.blocks = m.blocks;
    ms.live = m.live;
    if (!m.share_times.empty()) {
      const double since_first = std::chrono::duration<double>(now - m.share_times.front()).count();
      ms.hashes_per_second = estimate_hash_rate(m.share_times.size(), since_first, per_share);
    }
    st.credited += m.credited;
    st.miners.push_back(std::move(ms));
  }
  st.live_miners = s.live;
  st.retired = s.retired;
  st.credited += s.retired.credited;
  return st;
}

}  // namespace powlab
