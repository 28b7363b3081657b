#include "powlab/sim/race.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "powlab/error.h"
#include "powlab/miner.h"
#include "powlab/pow.h"
#include "powlab/search.h"
#include "powlab/sim/event_queue.h"
#include "powlab/sim/rng.h"
#include "powlab/target.h"

namespace powlab::sim {

namespace {

// Event mode's genesis time (2023-11-14 22:13:20 UTC): fixed, so a seed fixes every header.
constexpr std::int64_t kSimGenesisTime = 1'700'000'000;
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr std::uint32_t kNoMiner = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kNonceSpace = std::uint64_t{1} << 32;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A simulated block's identifier: random-looking bytes (chain state's tables hash the first
// sixteen) with the block's record index in bytes 16..19, so the simulator can map any hash a
// chain state hands back to its own record without a table of its own.
Hash256 sim_block_id(std::uint64_t seed, std::uint32_t index) {
  Hash256 id{};
  const std::uint64_t a = splitmix64(seed ^ (std::uint64_t{index} << 1));
  const std::uint64_t b = splitmix64(a);
  const std::uint64_t c = splitmix64(b);
  std::memcpy(id.data(), &a, 8);
  std::memcpy(id.data() + 8, &b, 8);
  std::memcpy(id.data() + 16, &index, 4);
  std::memcpy(id.data() + 20, &c, 8);
  id[28] = 0x5e;  // "sim": never a real hash below any target, and easy to spot in a log
  id[29] = 0x51;
  id[30] = 0x00;
  id[31] = 0x00;
  return id;
}

struct BlockRec {
  BlockPtr block;
  double time = 0;                 // race seconds when found
  std::int64_t height = 0;
  std::uint32_t miner = kNoMiner;  // kNoMiner for genesis
};

// A block on its way through the network.
struct Flight {
  std::vector<double> arrival;  // earliest scheduled arrival per node; kNever: none yet
  std::vector<std::uint8_t> got;  // the node has taken it in
  std::uint32_t unscheduled = 0;
  std::uint32_t received = 0;
  double latest = 0;            // upper bound of the scheduled arrivals
};

// deliver: the block reaches `node`. broadcast: with fixed latency every message a node sends
// arrives at the same instant, so one event stands for all of them: it reaches each neighbour
// of `node` whose earliest arrival is that instant. (A heap operation per block and sender
// instead of per message: in a 100-node mesh, one instead of 99.)
enum class EvKind : std::uint8_t { find, deliver, broadcast };
struct Ev {
  std::uint32_t node;
  std::uint32_t arg;  // deliver/broadcast: block record; find: the miner's generation
  EvKind kind;
};

struct Node {
  ChainState chain;
  double hashrate = 0;            // event mode: simulated hashes per second
  std::uint32_t gen = 0;          // bumps when a pending find is dropped
  std::uint32_t pending_bits = 0; // nBits the pending find was drawn for
  std::uint64_t found = 0;
  std::uint64_t reorgs = 0;
  std::uint64_t max_reorg_depth = 0;
  std::uint64_t hashes = 0;       // live mode
};

ConsensusParams make_params(const RaceConfig& c) {
  try {
    return lab_network(c.lab);
  } catch (const std::invalid_argument& e) {
    throw ParseError(std::string("lab network: ") + e.what());
  }
}

class Race {
 public:
  explicit Race(const RaceConfig& config)
      : cfg_(config), params_(make_params(config)), rng_(config.seed), topology_(make_topology()) {
    ChainOptions opts;
    opts.validation.accept_simulated_proof = cfg_.mode == RaceMode::event;
    opts.max_orphans = 1000;
    opts.rewards_only = true;  // a race never spends: no UTXO set, one table insert less per node per block
    const auto shares = hash_shares(cfg_.miners);
    nodes_.reserve(cfg_.miners.size());
    for (std::size_t i = 0; i < cfg_.miners.size(); ++i) {
      // Per-owner tables in every node would dominate memory at 10,000 nodes (each node would
      // hold a row per miner). The summary walks one best chain instead; live mode (a few
      // nodes, a per-miner view) and node 0 (the ledger's own totals, for cross-checks) keep them.
      opts.track_balances = cfg_.mode == RaceMode::live || i == 0;
      nodes_.push_back(Node{ChainState(params_, opts)});
      nodes_.back().hashrate = shares[i];
    }
    n_ = static_cast<std::uint32_t>(nodes_.size());
  }

  RaceRun run() {
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_seconds();
    if (cfg_.mode == RaceMode::event) {
      run_event();
    } else {
      run_live();
    }
    RaceRun out;
    out.result = summarize();
    out.result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    out.result.cpu_seconds = process_cpu_seconds() - cpu_start;
    for (Node& n : nodes_) out.chains.push_back(std::move(n.chain));
    return out;
  }

 private:
  Topology make_topology() {
    Topology t = Topology::build(static_cast<std::uint32_t>(cfg_.miners.size()), cfg_.topology, rng_);
    const auto lost = t.unreachable();
    if (!lost.empty()) {
      throw ParseError("disconnected topology: nobody hears from miner '" + cfg_.miners[lost.front()].name + "' (" +
                       std::to_string(lost.size()) + " of " + std::to_string(t.size()) +
                       " nodes cut off); use more links (random:K with a larger K) or another --seed");
    }
    return t;
  }

  // ---- blocks and relay, shared by both modes ----

  std::uint32_t add_block(BlockPtr block, std::uint32_t miner, double time, std::int64_t height) {
    const auto index = static_cast<std::uint32_t>(records_.size());
    if (cfg_.mode == RaceMode::live) live_index_.emplace(block->hash(), index);
    records_.push_back(BlockRec{std::move(block), time, height, miner});
    flight_of_.push_back(-1);
    return index;
  }

  std::uint32_t rec_of(const Hash256& hash) const {
    if (cfg_.mode == RaceMode::live) return live_index_.at(hash);
    std::uint32_t index = 0;
    std::memcpy(&index, hash.data() + 16, 4);
    if (index >= records_.size() || records_[index].block->hash() != hash) {
      throw std::logic_error("race: a chain state returned a block the simulator never made");
    }
    return index;
  }

  void start_flight(std::uint32_t rec, std::uint32_t source, double t) {
    if (n_ == 1) return;
    std::int32_t slot;
    if (!free_flights_.empty()) {
      slot = free_flights_.back();
      free_flights_.pop_back();
    } else {
      slot = static_cast<std::int32_t>(flights_.size());
      flights_.emplace_back();
      flights_.back().arrival.resize(n_);
      flights_.back().got.resize(n_);
    }
    Flight& f = flights_[static_cast<std::size_t>(slot)];
    std::fill(f.arrival.begin(), f.arrival.end(), kNever);
    std::fill(f.got.begin(), f.got.end(), std::uint8_t{0});
    f.arrival[source] = t;
    f.got[source] = 1;
    f.unscheduled = n_ - 1;
    f.received = 1;
    f.latest = t;
    flight_of_[rec] = slot;
  }

  // Earliest-arrival flooding from `u`, which holds `rec` since `t` (see race.h).
  void relay(std::uint32_t u, std::uint32_t rec, double t) {
    const std::int32_t slot = flight_of_[rec];
    if (slot < 0) return;
    Flight& f = flights_[static_cast<std::size_t>(slot)];
    const double soonest = t + cfg_.latency.minimum();
    if (f.unscheduled == 0 && soonest >= f.latest) return;  // no link can beat what is on its way
    if (cfg_.latency.kind == LatencySpec::Kind::fixed) {
      std::uint32_t sent = 0;
      topology_.for_each_neighbor(u, [&](std::uint32_t v) {
        if (f.arrival[v] <= soonest) return;
        if (f.arrival[v] == kNever) --f.unscheduled;
        f.arrival[v] = soonest;
        ++sent;
      });
      if (sent > 0) {
        f.latest = std::max(f.latest, soonest);
        queue_.push(soonest, Ev{u, rec, EvKind::broadcast});
        messages_ += sent;
      }
      return;
    }
    topology_.for_each_neighbor(u, [&](std::uint32_t v) {
      if (f.arrival[v] <= soonest) return;
      const double at = t + cfg_.latency.sample(rng_);
      if (!(at < f.arrival[v])) return;
      if (f.arrival[v] == kNever) --f.unscheduled;
      f.arrival[v] = at;
      f.latest = std::max(f.latest, at);
      queue_.push(at, Ev{v, rec, EvKind::deliver});
      ++messages_;
    });
  }

  // A delivery event: true when it is the node's first copy (not superseded by a faster one).
  bool take_delivery(std::uint32_t v, std::uint32_t rec, double t) {
    const std::int32_t slot = flight_of_[rec];
    if (slot < 0) return false;
    Flight& f = flights_[static_cast<std::size_t>(slot)];
    if (f.got[v] != 0 || f.arrival[v] != t) return false;  // it has it, or a faster copy counts
    f.got[v] = 1;
    if (++f.received == n_) {
      flight_of_[rec] = -1;
      free_flights_.push_back(slot);
    }
    return true;
  }

  std::int64_t unix_now(double t) const {
    if (cfg_.mode == RaceMode::live) return static_cast<std::int64_t>(std::time(nullptr));
    return kSimGenesisTime + static_cast<std::int64_t>(t);
  }

  // Node `u` takes block `rec` into its chain state at time `t`.
  void receive(std::uint32_t u, std::uint32_t rec, double t, bool found_here) {
    Node& node = nodes_[u];
    const BlockRec& r = records_[rec];
    Hash256 old_tip{};
    if (cfg_.log != nullptr && !node.chain.empty()) old_tip = node.chain.tip_hash();
    node.chain.validation().now = unix_now(t) + 1;
    const AcceptResult a = node.chain.accept(r.block);
    if (!a.ok()) {
      // Every block here was built by the simulator on a template of the ledger: a refusal is
      // a bug (in the race or the ledger), never a statistic.
      throw std::logic_error("race: node " + cfg_.miners[u].name + " refused block at height " +
                             std::to_string(r.height) + ": " + std::string(to_string(a.reason)) + " " + a.detail);
    }
    if (a.pow_skipped) pow_skipped_ = true;
    if (cfg_.log != nullptr) {
      cfg_.log->write(t, cfg_.miners[u].name, found_here ? EventKind::found : EventKind::received, r.height,
                      r.block->hash(), r.block->header().prev_hash);
    }
    if (a.status == AcceptStatus::new_tip && a.reorg()) {
      ++node.reorgs;
      node.max_reorg_depth = std::max<std::uint64_t>(node.max_reorg_depth, a.disconnected);
      if (cfg_.log != nullptr) {
        cfg_.log->write(t, cfg_.miners[u].name, EventKind::reorg, node.chain.height(), node.chain.tip_hash(), old_tip,
                        a.disconnected);
      }
      if (cfg_.mode == RaceMode::live) note_recent("reorg at " + cfg_.miners[u].name + ": " +
                                                   std::to_string(a.disconnected) + " block(s) went stale");
    }
    if (a.status == AcceptStatus::new_tip && !found_here && cfg_.mode == RaceMode::event) {
      // A plain extension by this very block, inside a retarget period: the next target is
      // this block's own, so no lookup is needed to know whether the pending find still holds.
      const bool plain = a.disconnected == 0 && a.connected == 1 && a.orphans_accepted == 0;
      const std::int64_t next = r.height + 1;
      if (plain && next % params_.interval() != 0 && r.block->header().bits == node.pending_bits) return;
      on_tip_change(u, t);
    }
  }

  // ---- event mode ----

  double work_of(std::uint32_t bits) {
    auto it = work_cache_.find(bits);
    if (it != work_cache_.end()) return it->second;
    const double w = block_work(bits).to_double();
    work_cache_.emplace(bits, w);
    return w;
  }

  void schedule_find(std::uint32_t u, double t) {
    Node& node = nodes_[u];
    const double rate = node.hashrate / work_of(node.pending_bits);
    queue_.push(t + rng_.exponential(rate), Ev{u, node.gen, EvKind::find});
  }

  // A new tip: the pending block time stays valid unless the target changed (memoryless).
  void on_tip_change(std::uint32_t u, double t) {
    if (found_ >= cfg_.blocks) return;
    Node& node = nodes_[u];
    const std::uint32_t bits = *node.chain.next_bits(node.chain.tip_hash());
    if (bits == node.pending_bits) return;
    node.pending_bits = bits;
    ++node.gen;
    schedule_find(u, t);
  }

  void make_genesis_event() {
    BlockTemplate tmpl;
    tmpl.height = 0;
    tmpl.bits = params_.initial_bits;
    tmpl.time = kSimGenesisTime;
    tmpl.subsidy = block_subsidy(0, params_);
    BlockDraft d = make_block_draft(tmpl, "genesis", {}, 0, 0);
    const std::uint32_t index = static_cast<std::uint32_t>(records_.size());
    add_block(Block::make_simulated(d.header, std::move(d.txs), sim_block_id(cfg_.seed, index)), kNoMiner, 0, 0);
    for (std::uint32_t u = 0; u < n_; ++u) receive_genesis(u);
  }

  void receive_genesis(std::uint32_t u) {
    const AcceptResult a = nodes_[u].chain.accept(records_[0].block);
    if (a.status != AcceptStatus::new_tip) {
      throw std::logic_error("race: genesis refused: " + std::string(to_string(a.reason)) + " " + a.detail);
    }
  }

  void find_block(std::uint32_t u, double t) {
    Node& node = nodes_[u];
    const BlockTemplate tmpl = node.chain.next_template(unix_now(t));
    BlockDraft d = make_block_draft(tmpl, cfg_.miners[u].name, {}, 0, 0);
    const auto index = static_cast<std::uint32_t>(records_.size());
    const std::uint32_t rec = add_block(Block::make_simulated(d.header, std::move(d.txs), sim_block_id(cfg_.seed, index)),
                                        u, t, tmpl.height);
    ++found_;
    ++node.found;
    last_found_time_ = t;
    start_flight(rec, u, t);
    receive(u, rec, t, true);
    relay(u, rec, t);
    if (found_ < cfg_.blocks) {
      node.pending_bits = *node.chain.next_bits(node.chain.tip_hash());
      ++node.gen;
      schedule_find(u, t);
    }
  }

  void run_event() {
    const double total = cfg_.total_hashrate > 0
                             ? cfg_.total_hashrate
                             : work_of(params_.initial_bits) / static_cast<double>(params_.target_spacing);
    for (Node& node : nodes_) node.hashrate *= total;
    make_genesis_event();
    queue_.reserve(4 * n_);
    for (std::uint32_t u = 0; u < n_; ++u) {
      nodes_[u].pending_bits = *nodes_[u].chain.next_bits(nodes_[u].chain.tip_hash());
      schedule_find(u, 0);
    }
    while (!queue_.empty()) {
      const auto e = queue_.pop();
      ++events_;
      if (e.payload.kind == EvKind::find) {
        if (e.payload.arg != nodes_[e.payload.node].gen || found_ >= cfg_.blocks) continue;
        find_block(e.payload.node, e.time);
      } else {
        deliver(e.payload, e.time);
      }
    }
  }

  void deliver(const Ev& e, double t) {
    if (e.kind == EvKind::deliver) {
      if (take_delivery(e.node, e.arg, t)) {
        receive(e.node, e.arg, t, false);
        relay(e.node, e.arg, t);
      }
      return;
    }
    // broadcast: every neighbour of the sender due at t (the flight ends with the last one)
    topology_.for_each_neighbor(e.node, [&](std::uint32_t v) {
      if (flight_of_[e.arg] < 0) return;
      if (take_delivery(v, e.arg, t)) {
        receive(v, e.arg, t, false);
        relay(v, e.arg, t);
      }
    });
  }

  // ---- live mode ----

  struct LiveWork {
    BlockDraft draft;
    U256 target;
    std::uint64_t extranonce = 0;
    std::uint64_t next_nonce = 0;
    bool valid = false;
  };

  void note_recent(std::string line) {
    recent_.push_back(std::move(line));
    if (recent_.size() > 8) recent_.erase(recent_.begin());
  }

  double wall(std::chrono::steady_clock::time_point start) const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  void deliver_due(double now) {
    while (!queue_.empty() && queue_.top().time <= now) {
      const auto e = queue_.pop();
      ++events_;
      deliver(e.payload, e.time);
    }
  }

  void mine_live_genesis() {
    BlockTemplate tmpl;
    tmpl.height = 0;
    tmpl.bits = params_.initial_bits;
    tmpl.time = static_cast<std::int64_t>(std::time(nullptr));
    tmpl.subsidy = block_subsidy(0, params_);
    BlockDraft d = make_block_draft(tmpl, "genesis", {}, 0, 0);
    const U256 target = decode_compact(tmpl.bits).target;
    for (std::uint64_t extranonce = 1;; ++extranonce) {
      SearchRequest req;
      req.header = d.header;
      req.target = target;
      req.stop_at_first = true;
      req.threads = cfg_.threads;
      req.serial = cfg_.threads == 1;
      req.kernel = cfg_.kernel;
      const SearchResult r = search_nonces(req);
      if (!r.found.empty()) {
        d.header.nonce = r.found.front();
        break;
      }
      set_extranonce(d, extranonce);
    }
    add_block(Block::make(d.header, std::move(d.txs)), kNoMiner, 0, 0);
    for (std::uint32_t u = 0; u < n_; ++u) receive_genesis(u);
  }

  void refresh_work(std::uint32_t u, LiveWork& w) {
    const ChainState& chain = nodes_[u].chain;
    if (w.valid && w.draft.header.prev_hash == chain.tip_hash()) return;
    const BlockTemplate tmpl = chain.next_template(static_cast<std::int64_t>(std::time(nullptr)));
    w.extranonce = 0;
    w.draft = make_block_draft(tmpl, cfg_.miners[u].name, {}, 0, w.extranonce);
    w.target = decode_compact(tmpl.bits).target;
    w.next_nonce = 0;
    w.valid = true;
  }

  void emit_view(double now) {
    if (!cfg_.on_view) return;
    LiveView v;
    v.seconds = now;
    v.found = found_;
    v.target_blocks = cfg_.blocks;
    v.best_height = nodes_[0].chain.height();
    v.bits = *nodes_[0].chain.next_bits(nodes_[0].chain.tip_hash());
    for (std::uint32_t u = 0; u < n_; ++u) {
      LiveView::Miner m;
      m.name = cfg_.miners[u].name;
      m.hashrate = now > 0 ? static_cast<double>(nodes_[u].hashes) / now : 0;
      m.found = nodes_[u].found;
      const auto& rewards = nodes_[u].chain.rewards();
      if (auto it = rewards.find(m.name); it != rewards.end()) {
        m.blocks = it->second.blocks;
        m.rewards = it->second.subsidy + it->second.fees;
      }
      v.miners.push_back(std::move(m));
    }
    v.recent = recent_;
    cfg_.on_view(v);
  }

  void run_live() {
    mine_live_genesis();
    const auto shares = hash_shares(cfg_.miners);
    const double max_share = *std::max_element(shares.begin(), shares.end());
    // Nonces per round: a 64th of a block's expected work, so the round order barely matters,
    // but at least 64 per miner (search call overhead) and at most ~10 ms of hashing.
    const double expected = work_of(params_.initial_bits);
    const double machine = std::max(1e4, live_rate_);
    const double round = std::clamp(expected / 64.0, 64.0 / max_share, std::max(64.0 / max_share, machine * 0.01));
    std::vector<LiveWork> work(n_);
    std::vector<std::uint64_t> slice(n_);
    for (std::uint32_t u = 0; u < n_; ++u) {
      slice[u] = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(round * shares[u])));
    }
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t total_hashes = 0;
    double next_view = 0;
    bool stop = false;
    while (!stop && found_ < cfg_.blocks) {
      for (std::uint32_t u = 0; u < n_ && found_ < cfg_.blocks; ++u) {
        deliver_due(wall(start));
        LiveWork& w = work[u];
        refresh_work(u, w);
        SearchRequest req;
        req.header = w.draft.header;
        req.target = w.target;
        req.nonce_begin = w.next_nonce;
        req.nonce_end = std::min(kNonceSpace, w.next_nonce + slice[u]);
        req.stop_at_first = true;
        req.threads = cfg_.threads;
        req.serial = cfg_.threads == 1;
        req.kernel = cfg_.kernel;
        const SearchResult r = search_nonces(req);
        nodes_[u].hashes += r.hashes;
        total_hashes += r.hashes;
        w.next_nonce = req.nonce_end;
        if (!r.found.empty()) {
          BlockHeader h = w.draft.header;
          h.nonce = r.found.front();
          BlockPtr block = Block::make(h, w.draft.txs);
          // Re-checked in full before it counts (search re-checks too; a block is never
          // trusted on one path's word).
          if (check_proof_of_work(block->hash(), h.bits, params_.pow_limit) != PowStatus::ok) {
            throw std::logic_error("race: search reported a nonce that fails the proof-of-work check");
          }
          const double t = wall(start);
          const std::int64_t height = w.draft.txs.front().coinbase_height;
          const std::uint32_t rec = add_block(std::move(block), u, t, height);
          ++found_;
          ++nodes_[u].found;
          last_found_time_ = t;
          char line[160];
          std::snprintf(line, sizeof line, "#%lld %s %.16s...", static_cast<long long>(height),
                        cfg_.miners[u].name.c_str(), hash_to_display(records_[rec].block->hash()).c_str());
          note_recent(line);
          start_flight(rec, u, t);
          receive(u, rec, t, true);
          relay(u, rec, t);
          w.valid = false;
        } else if (w.next_nonce >= kNonceSpace) {
          set_extranonce(w.draft, ++w.extranonce);
          w.next_nonce = 0;
        }
      }
      const double now = wall(start);
      if (cfg_.live_hashrate > 0) {
        const double due = static_cast<double>(total_hashes) / cfg_.live_hashrate;
        if (due > now) std::this_thread::sleep_for(std::chrono::duration<double>(due - now));
      }
      if (now >= next_view) {
        emit_view(now);
        next_view = now + cfg_.view_period;
      }
      if ((cfg_.cancel != nullptr && cfg_.cancel->load()) || (cfg_.max_seconds > 0 && now >= cfg_.max_seconds)) {
        stop = true;
        notes_.push_back(cfg_.cancel != nullptr && cfg_.cancel->load()
                             ? "stopped early (interrupted) after " + std::to_string(found_) + " blocks"
                             : "stopped at the time budget after " + std::to_string(found_) + " blocks");
      }
    }
    // Messages still on their way are delivered at once (no point waiting for the wall clock).
    deliver_due(kNever);
    emit_view(wall(start));
  }

  // ---- the summary ----

  RaceResult summarize() {
    RaceResult res;
    res.mode = cfg_.mode;
    res.params = params_;
    res.topology = to_string(cfg_.topology);
    res.latency = to_string(cfg_.latency);
    res.delay = cfg_.latency.mean;
    res.events = events_;
    res.messages = messages_;
    res.pow_skipped = pow_skipped_;
    res.notes = notes_;
    res.found = found_;
    res.seconds = last_found_time_;

    // The reference view: the most-work tip (ties: the lowest node), which every node shares
    // after the drain unless the race ended on an equal-work split.
    std::uint32_t ref = 0;
    for (std::uint32_t u = 1; u < n_; ++u) {
      if (nodes_[u].chain.tip_work() > nodes_[ref].chain.tip_work()) ref = u;
    }
    const ChainState& best = nodes_[ref].chain;
    for (std::uint32_t u = 0; u < n_; ++u) {
      if (nodes_[u].chain.tip_hash() != best.tip_hash()) res.nodes_agree = false;
    }
    const auto shares = hash_shares(cfg_.miners);
    std::vector<std::uint64_t> on_best(n_, 0);
    std::vector<Amount> rewards(n_, 0);
    const std::int64_t height = best.height();
    const std::int64_t interval = params_.interval();
    std::vector<DifficultySample> samples;
    for (std::int64_t h = 0; h <= height; ++h) {
      const BlockPtr b = best.block_at(h);
      const BlockRec& r = records_[rec_of(b->hash())];
      if (r.miner != kNoMiner) {
        ++on_best[r.miner];
        for (const TxOut& out : b->txs().front().outputs) rewards[r.miner] += out.amount;
      }
      if (h % interval == 0) {
        samples.push_back({h, b->header().bits, difficulty(b->header().bits), r.time});
      }
      if (h == height) res.mean_interval = height > 0 ? r.time / static_cast<double>(height) : 0;
    }
    const std::size_t stride = (samples.size() + 199) / 200;
    for (std::size_t i = 0; i < samples.size(); i += std::max<std::size_t>(1, stride)) {
      res.difficulty.push_back(samples[i]);
    }
    if (!samples.empty() && (res.difficulty.empty() || res.difficulty.back().height != samples.back().height)) {
      res.difficulty.push_back(samples.back());
    }
    res.best_blocks = static_cast<std::uint64_t>(std::max<std::int64_t>(0, height));
    res.stale = res.found - std::min(res.found, res.best_blocks);
    res.stale_rate = res.found > 0 ? static_cast<double>(res.stale) / static_cast<double>(res.found) : 0;
    res.formula_interval = res.found > 0 ? res.seconds / static_cast<double>(res.found) : 0;
    res.stale_rate_simple = stale_rate_simple(res.delay, res.formula_interval);
    res.stale_rate_formula = stale_rate_per_miner(shares, res.delay, res.formula_interval);
    res.chi_square = chi_square_test(on_best, shares);
    for (std::uint32_t u = 0; u < n_; ++u) {
      MinerOutcome m;
      m.name = cfg_.miners[u].name;
      m.power = cfg_.miners[u].power;
      m.expected_share = shares[u];
      m.found = nodes_[u].found;
      m.blocks = on_best[u];
      m.stale = m.found - std::min(m.found, m.blocks);
      m.share = res.best_blocks > 0 ? static_cast<double>(m.blocks) / static_cast<double>(res.best_blocks) : 0;
      m.rewards = rewards[u];
      m.reorgs = nodes_[u].reorgs;
      m.max_reorg_depth = nodes_[u].max_reorg_depth;
      m.hashes = nodes_[u].hashes;
      if (cfg_.mode == RaceMode::live) {
        m.hashrate = res.seconds > 0 ? static_cast<double>(m.hashes) / res.seconds : 0;
      } else {
        m.hashrate = nodes_[u].hashrate;
      }
      res.miners.push_back(std::move(m));
    }
    return res;
  }

 public:
  double live_rate_ = 0;  // measured machine rate, set before a live run

 private:
  const RaceConfig& cfg_;
  ConsensusParams params_;
  Rng rng_;
  Topology topology_;
  std::vector<Node> nodes_;
  std::uint32_t n_ = 0;
  std::vector<BlockRec> records_;
  std::vector<std::int32_t> flight_of_;  // record -> flight slot, -1 when delivered everywhere
  std::vector<Flight> flights_;
  std::vector<std::int32_t> free_flights_;
  EventQueue<Ev> queue_;
  std::unordered_map<std::uint32_t, double> work_cache_;
  std::unordered_map<Hash256, std::uint32_t, Hash256Hasher> live_index_;
  std::uint64_t found_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t messages_ = 0;
  double last_found_time_ = 0;
  bool pow_skipped_ = false;
  std::vector<std::string> notes_;
  std::vector<std::string> recent_;
};

}  // namespace

std::string_view to_string(RaceMode m) { return m == RaceMode::event ? "event" : "live"; }

void validate_config(const RaceConfig& c) {
  validate_miners(c.miners);
  if (c.blocks == 0) throw ParseError("--blocks must be at least 1");
  if (!std::isfinite(c.latency.mean) || c.latency.mean < 0) throw ParseError("the delay must be finite and >= 0");
  if (c.miners.size() > 1'000'000) throw ParseError("at most 1,000,000 nodes");
  if (!(c.total_hashrate >= 0) || !std::isfinite(c.total_hashrate)) throw ParseError("hash rate must be finite and >= 0");
  if (!(c.live_hashrate >= 0) || !std::isfinite(c.live_hashrate)) throw ParseError("--hashrate must be finite and >= 0");
  if (!(c.max_seconds >= 0) || !std::isfinite(c.max_seconds)) throw ParseError("--max-seconds must be finite and >= 0");
  if (c.topology.kind == TopologySpec::Kind::random && c.miners.size() > 1 && c.topology.degree >= c.miners.size()) {
    throw ParseError("--topology random:" + std::to_string(c.topology.degree) + " needs more than " +
                     std::to_string(c.topology.degree) + " nodes (have " + std::to_string(c.miners.size()) + ")");
  }
  make_params(c);
}

RaceRun run_race_keep_chains(const RaceConfig& config) {
  validate_config(config);
  Race race(config);
  if (config.mode == RaceMode::live) {
    race.live_rate_ = measure_hash_rate(config.threads, config.kernel, 0.05);
    RaceRun run = race.run();
    if (config.live_hashrate > 0 && config.live_hashrate > race.live_rate_) {
      run.result.notes.push_back("the requested hash rate exceeds this machine's ~" +
                                 std::to_string(static_cast<long long>(race.live_rate_)) +
                                 " H/s: ran as fast as the machine allows, in the same power ratio");
    }
    return run;
  }
  return race.run();
}

RaceResult run_race(const RaceConfig& config) { return run_race_keep_chains(config).result; }

Topology race_topology(const RaceConfig& config) {
  Rng rng(config.seed);  // the same first draws as Race's own stream
  return Topology::build(static_cast<std::uint32_t>(config.miners.size()), config.topology, rng);
}

double measure_hash_rate(unsigned threads, const std::string& kernel, double seconds) {
  SearchRequest req;
  req.target = U256(0);  // nothing wins: pure hashing
  req.threads = threads;
  req.serial = threads == 1;
  req.kernel = kernel;
  req.max_seconds = seconds;
  const SearchResult r = search_nonces(req);
  return r.seconds > 0 ? static_cast<double>(r.hashes) / r.seconds : 0;
}

std::uint32_t bits_for_expected_hashes(double hashes, std::uint32_t pow_limit_bits) {
  const U256 limit = decode_compact(pow_limit_bits).target;
  if (!(hashes > 1)) return encode_compact(limit);
  // target = 2^256 / hashes - 1, computed as (2^256 - 1) / ceil(hashes) in integers.
  const double capped = std::min(hashes, 1.8e19);
  const U256 target = (~U256(0)) / U256(static_cast<std::uint64_t>(std::ceil(capped)));
  return encode_compact(std::min(target, limit));
}

}  // namespace powlab::sim
