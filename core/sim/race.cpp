#include "powlab/sim/race.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <numeric>
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

// A block on its way through the network.
struct Flight {
  std::vector<double> arrival;  // drawn latency: earliest scheduled arrival per node; kNever: none yet
  std::vector<std::uint8_t> got;  // the node has taken it in
  std::vector<std::uint32_t> order;      // fixed latency: the flood's order (Topology::flood_order)
  std::vector<std::uint32_t> layer_end;  // fixed latency: where each hop's nodes end in `order`
  std::uint32_t unscheduled = 0;
  std::uint32_t received = 0;
  double latest = 0;            // upper bound of the scheduled arrivals
};

// deliver (drawn latency): the block reaches `node`. layer (fixed latency): every link takes
// the same time, so a flood reaches the nodes k hops away all at once, k link delays after
// the find: one event stands for all of them (a heap operation per block and hop instead of
// per message: in a 10,000-node random graph about 6 instead of 10,000).
enum class EvKind : std::uint8_t { find, deliver, layer };
struct Ev {
  std::uint32_t node;  // find/deliver: the node; layer: the hop index (0 = one hop away)
  std::uint32_t arg;   // deliver/layer: block record; find: the miner's generation
  EvKind kind;
};

// A node's compact view of the shared tree: its best tip, plus what it holds back.
// What every delivery reads (tip, pending_bits, waiting) shares one cache line.
struct Node {
  std::uint32_t tip = 0;          // tree index of its best tip
  std::uint32_t pending_bits = 0; // nBits the pending find was drawn for
  std::vector<std::uint32_t> waiting;  // blocks it received before their parent (orphans)
  std::uint32_t gen = 0;          // bumps when a pending find is dropped
  double hashrate = 0;            // event mode: simulated hashes per second
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

TreeOptions tree_options(const RaceConfig& c) {
  TreeOptions o;
  // Event mode: skip ONLY the PoW check, for simulated-proof blocks (said in the result).
  o.validation.accept_simulated_proof = c.mode == RaceMode::event;
  return o;
}

class Race {
 public:
  Race(const RaceConfig& config, bool keep_arrivals)
      : cfg_(config),
        params_(make_params(config)),
        rng_(config.seed),
        topology_(make_topology()),
        tree_(params_, tree_options(config)),
        keep_arrivals_(keep_arrivals) {
    const auto shares = hash_shares(cfg_.miners);
    nodes_.resize(cfg_.miners.size());
    for (std::size_t i = 0; i < nodes_.size(); ++i) nodes_[i].hashrate = shares[i];
    n_ = static_cast<std::uint32_t>(nodes_.size());
    flood_seen_.assign(n_, 0);
    if (keep_arrivals_) arrivals_.resize(n_);
    if (cfg_.mode == RaceMode::event) {
      const auto expect = static_cast<std::size_t>(std::min<std::uint64_t>(cfg_.blocks + 1, 1u << 26));
      tree_.reserve(expect);
      found_at_.reserve(expect);
      miner_of_.reserve(expect);
      flight_of_.reserve(expect);
      paid_.reserve(expect);
    }
  }

  RaceRun run() {
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_seconds();
    if (cfg_.mode == RaceMode::event) {
      run_event();
    } else {
      run_live();
    }
    // The race itself, not the summary (the path formula alone runs a BFS per miner).
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double cpu = process_cpu_seconds() - cpu_start;
    RaceRun out;
    out.result = summarize();
    out.result.wall_seconds = wall;
    out.result.cpu_seconds = cpu;
    if (keep_arrivals_) out.chains = replay_chains();
    for (const Node& node : nodes_) out.tips.push_back(tree_.hash_of(node.tip));
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

  // Into the shared tree, where every rule but (in event mode) PoW is checked, once for all
  // nodes. Every block here was built by the simulator on a template of the tree itself: a
  // refusal is a bug (in the race or the ledger), never a statistic.
  std::uint32_t add_block(const BlockPtr& block, std::uint32_t miner, double time) {
    tree_.validation().now = unix_now(time) + 1;
    std::uint32_t index = 0;
    const AcceptResult a = tree_.add(block, &index, miner == kNoMiner ? BlockTree::npos : nodes_[miner].tip);
    if (a.status != AcceptStatus::side_branch) {
      throw std::logic_error("race: the ledger refused a block at height " +
                             std::to_string(block->txs().empty() ? -1 : block->txs()[0].coinbase_height) + ": " +
                             std::string(to_string(a.reason)) + " " + a.detail);
    }
    if (a.pow_skipped) pow_skipped_ = true;
    found_at_.push_back(time);
    miner_of_.push_back(miner);
    flight_of_.push_back(-1);
    Amount paid = 0;
    for (const TxOut& out : block->txs().front().outputs) paid += out.amount;
    paid_.push_back(paid);
    return index;
  }

  const BlockTree::Entry& entry(std::uint32_t i) const { return tree_[i]; }

  // Every node has the block: its body (the transactions) has been checked, relayed and
  // counted, and nothing reads it again, so the shared tree prunes it and keeps the entry
  // (hash, parent, height, work, time, nBits). This is what keeps a million blocks small.
  // Not when the chains are to be replayed (run_race_keep_chains).
  void delivered_everywhere(std::uint32_t rec) {
    if (!keep_arrivals_) tree_.prune_body(rec);
  }

  void start_flight(std::uint32_t rec, std::uint32_t source, double t) {
    if (n_ == 1) {
      delivered_everywhere(rec);
      return;
    }
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
    std::fill(f.got.begin(), f.got.end(), std::uint8_t{0});
    f.got[source] = 1;
    f.received = 1;
    flight_of_[rec] = slot;
    if (cfg_.latency.kind == LatencySpec::Kind::fixed) {
      plan_flood(source, f.order, f.layer_end);
      if (!f.layer_end.empty()) queue_.push(t + cfg_.latency.mean, Ev{0, rec, EvKind::layer});
      messages_ += f.order.size();  // one message reaches each node; relays never beat it
      return;
    }
    std::fill(f.arrival.begin(), f.arrival.end(), kNever);
    f.arrival[source] = t;
    f.unscheduled = n_ - 1;
    f.latest = t;
  }

  // The flood order from `source`, from the cache when it is there. A random graph's BFS
  // touches every link (~300 us at 10,000 nodes) and the topology never changes, so orders
  // are kept by origin, with 16-bit node ids, up to kFloodCacheBytes; past that they are
  // recomputed. A mesh's order is trivial and never cached.
  static constexpr std::size_t kFloodCacheBytes = std::size_t{256} << 20;
  struct FloodPlan {
    std::vector<std::uint16_t> order;
    std::vector<std::uint32_t> layer_end;
  };
  void plan_flood(std::uint32_t source, std::vector<std::uint32_t>& order, std::vector<std::uint32_t>& layer_end) {
    const bool cacheable = !topology_.is_mesh() && n_ <= 65536;
    if (cacheable && flood_cache_.empty()) flood_cache_.resize(n_);
    if (cacheable && !flood_cache_[source].layer_end.empty()) {
      const FloodPlan& plan = flood_cache_[source];
      order.assign(plan.order.begin(), plan.order.end());
      layer_end = plan.layer_end;
      return;
    }
    topology_.flood_order(source, order, layer_end, flood_seen_);
    const std::size_t bytes = order.size() * 2 + layer_end.size() * 4;
    if (cacheable && flood_cache_bytes_ + bytes <= kFloodCacheBytes) {
      FloodPlan& plan = flood_cache_[source];
      plan.order.assign(order.begin(), order.end());
      plan.layer_end = layer_end;
      flood_cache_bytes_ += bytes;
    }
  }

  void flight_done(std::uint32_t rec) {
    free_flights_.push_back(flight_of_[rec]);
    flight_of_[rec] = -1;
    delivered_everywhere(rec);
  }

  // Drawn latency: earliest-arrival flooding from `u`, which holds `rec` since `t` (see
  // race.h). Fixed latency needs none: start_flight scheduled the whole flood.
  void relay(std::uint32_t u, std::uint32_t rec, double t) {
    if (cfg_.latency.kind == LatencySpec::Kind::fixed) return;
    const std::int32_t slot = flight_of_[rec];
    if (slot < 0) return;
    Flight& f = flights_[static_cast<std::size_t>(slot)];
    const double soonest = t + cfg_.latency.minimum();
    if (f.unscheduled == 0 && soonest >= f.latest) return;  // no link can beat what is on its way
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
    if (++f.received == n_) flight_done(rec);
    return true;
  }

  std::int64_t unix_now(double t) const {
    if (cfg_.mode == RaceMode::live) return static_cast<std::int64_t>(std::time(nullptr));
    return kSimGenesisTime + static_cast<std::int64_t>(t);
  }

  // Whether node v has taken block i into its view (delivered, and not waiting on a parent).
  bool holds(std::uint32_t v, std::uint32_t i) const {
    const std::int32_t slot = flight_of_[i];
    if (slot >= 0 && flights_[static_cast<std::size_t>(slot)].got[v] == 0) return false;
    const auto& w = nodes_[v].waiting;
    return w.empty() || std::find(w.begin(), w.end(), i) == w.end();
  }

  // Block i reaches node u at time t (found_here: u mined it).
  void receive(std::uint32_t u, std::uint32_t i, double t, bool found_here) {
    if (cfg_.log != nullptr) {
      cfg_.log->write(t, cfg_.miners[u].name, found_here ? EventKind::found : EventKind::received, entry(i).height,
                      tree_.hash_of(i), tree_.hash_of(entry(i).parent));
    }
    Node& node = nodes_[u];
    if (!found_here && !holds(u, entry(i).parent)) {
      node.waiting.push_back(i);  // an orphan: taken when its parent arrives
      ++orphans_;
      return;
    }
    adopt(u, i, t, found_here);
    // Orphans this block unlocked, and those in turn.
    for (bool more = !node.waiting.empty(); more;) {
      more = false;
      for (std::size_t k = 0; k < node.waiting.size(); ++k) {
        const std::uint32_t w = node.waiting[k];
        node.waiting.erase(node.waiting.begin() + static_cast<std::ptrdiff_t>(k));
        if (holds(u, entry(w).parent)) {
          adopt(u, w, t, false);
          more = true;
          break;
        }
        node.waiting.insert(node.waiting.begin() + static_cast<std::ptrdiff_t>(k), w);
      }
    }
  }

  // Node u takes block i (its parent already held): the ledger's fork choice, most work, and
  // on equal work the tip it saw first stays (Core's comparator; ChainState does the same).
  void adopt(std::uint32_t u, std::uint32_t i, double t, bool found_here) {
    Node& node = nodes_[u];
    if (keep_arrivals_) arrivals_[u].push_back(i);
    const BlockTree::Entry& e = entry(i);
    const std::uint32_t old = node.tip;
    if (!(e.chainwork > entry(old).chainwork)) return;  // a side branch for this node
    node.tip = i;
    if (e.parent != old) {
      const std::uint32_t fork = tree_.fork_point(old, i);
      const auto depth = static_cast<std::uint64_t>(entry(old).height - entry(fork).height);
      if (depth > 0) {
        ++node.reorgs;
        node.max_reorg_depth = std::max(node.max_reorg_depth, depth);
        if (cfg_.log != nullptr) {
          cfg_.log->write(t, cfg_.miners[u].name, EventKind::reorg, e.height, tree_.hash_of(i), tree_.hash_of(old),
                          static_cast<std::uint32_t>(depth));
        }
        if (cfg_.mode == RaceMode::live) {
          note_recent("reorg at " + cfg_.miners[u].name + ": " + std::to_string(depth) + " block(s) went stale");
        }
      }
    }
    // The pending block time stays valid unless the target changed (memoryless).
    if (!found_here && cfg_.mode == RaceMode::event && e.child_bits != node.pending_bits) reschedule(u, t);
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

  // Drops u's pending find and draws one for the target its tip now requires.
  void reschedule(std::uint32_t u, double t) {
    if (found_ >= cfg_.blocks) return;
    Node& node = nodes_[u];
    node.pending_bits = entry(node.tip).child_bits;
    ++node.gen;
    schedule_find(u, t);
  }

  BlockPtr make_genesis(std::int64_t time) const {
    BlockTemplate tmpl = tree_.template_on(BlockTree::npos, time);
    BlockDraft d = make_block_draft(tmpl, "genesis", {}, 0, 0);
    return cfg_.mode == RaceMode::event ? Block::make_simulated(d.header, std::move(d.txs), sim_block_id(cfg_.seed, 0))
                                        : mine_genesis(std::move(d));
  }

  void find_block(std::uint32_t u, double t) {
    Node& node = nodes_[u];
    const auto index = static_cast<std::uint32_t>(tree_.size());
    const Hash256 id = sim_block_id(cfg_.seed, index);
    tree_.prefetch(id);
    const BlockTemplate tmpl = tree_.template_on(node.tip, unix_now(t));
    BlockHeader h;
    h.version = tmpl.version;
    h.prev_hash = tmpl.prev_hash;
    h.time = static_cast<std::uint32_t>(tmpl.time);
    h.bits = tmpl.bits;
    std::vector<Transaction> txs;
    txs.push_back(make_coinbase(tmpl.height, cfg_.miners[u].name, tmpl.subsidy, 0));
    const std::uint32_t i = add_block(Block::make_simulated_committed(h, std::move(txs), id), u, t);
    ++found_;
    ++node.found;
    last_found_time_ = t;
    start_flight(i, u, t);
    receive(u, i, t, true);
    relay(u, i, t);
    reschedule(u, t);
  }

  void run_event() {
    const double total = cfg_.total_hashrate > 0
                             ? cfg_.total_hashrate
                             : work_of(params_.initial_bits) / static_cast<double>(params_.target_spacing);
    for (Node& node : nodes_) node.hashrate *= total;
    add_block(make_genesis(kSimGenesisTime), kNoMiner, 0);
    for (std::uint32_t u = 0; u < n_; ++u) {
      if (keep_arrivals_) arrivals_[u].push_back(0);
      nodes_[u].pending_bits = entry(0).child_bits;
      schedule_find(u, 0);
    }
    queue_.reserve(4 * n_);
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
    // layer: every node e.node + 1 hops from the finder, in flood order.
    const std::uint32_t rec = e.arg;
    const std::uint32_t k = e.node;
    const auto slot = static_cast<std::size_t>(flight_of_[rec]);
    const std::uint32_t begin = k == 0 ? 0 : flights_[slot].layer_end[k - 1];
    const std::uint32_t end = flights_[slot].layer_end[k];
    for (std::uint32_t idx = begin; idx < end; ++idx) {
      Flight& f = flights_[slot];  // receive may start no flight, but take no reference across it
      const std::uint32_t v = f.order[idx];
      f.got[v] = 1;
      ++f.received;
      receive(v, rec, t, false);
    }
    Flight& f = flights_[slot];
    if (k + 1 < f.layer_end.size()) {
      queue_.push(t + cfg_.latency.mean, Ev{k + 1, rec, EvKind::layer});
    } else {
      flight_done(rec);
    }
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

  BlockPtr mine_genesis(BlockDraft d) const {
    const U256 target = decode_compact(d.header.bits).target;
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
        return Block::make(d.header, std::move(d.txs));
      }
      set_extranonce(d, extranonce);
    }
  }

  void refresh_work(std::uint32_t u, LiveWork& w) {
    const std::uint32_t tip = nodes_[u].tip;
    if (w.valid && w.draft.header.prev_hash == tree_.hash_of(tip)) return;
    const BlockTemplate tmpl = tree_.template_on(tip, static_cast<std::int64_t>(std::time(nullptr)));
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
    v.best_height = entry(nodes_[0].tip).height;
    v.bits = entry(nodes_[0].tip).child_bits;
    for (std::uint32_t u = 0; u < n_; ++u) {
      LiveView::Miner m;
      m.name = cfg_.miners[u].name;
      m.hashrate = now > 0 ? static_cast<double>(nodes_[u].hashes) / now : 0;
      m.found = nodes_[u].found;
      // Its own node's best chain (live chains are short: a walk per view is nothing).
      for (std::uint32_t i = nodes_[u].tip; i != BlockTree::npos; i = entry(i).parent) {
        if (miner_of_[i] != u) continue;
        ++m.blocks;
        m.rewards += paid_[i];
      }
      v.miners.push_back(std::move(m));
    }
    v.recent = recent_;
    cfg_.on_view(v);
  }

  void run_live() {
    add_block(make_genesis(static_cast<std::int64_t>(std::time(nullptr))), kNoMiner, 0);
    if (keep_arrivals_) {
      for (auto& a : arrivals_) a.push_back(0);
    }
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
          // The shared tree checks it in full, real proof of work included (search re-checks
          // too; a block is never trusted on one path's word).
          const double t = wall(start);
          const std::int64_t height = w.draft.txs.front().coinbase_height;
          const std::uint32_t rec = add_block(Block::make(h, w.draft.txs), u, t);
          ++found_;
          ++nodes_[u].found;
          last_found_time_ = t;
          char line[160];
          std::snprintf(line, sizeof line, "#%lld %s %.16s...", static_cast<long long>(height),
                        cfg_.miners[u].name.c_str(), hash_to_display(tree_.hash_of(rec)).c_str());
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

  // Every node's view replayed into a ChainState of its own, in the order the node took the
  // blocks: the ledger's full fork choice and validation, independent of the shared tree.
  std::vector<ChainState> replay_chains() const {
    ChainOptions opts;
    opts.validation.accept_simulated_proof = cfg_.mode == RaceMode::event;
    opts.rewards_only = true;  // a race never spends
    opts.max_orphans = 0;      // a node takes a block only after its parent
    std::vector<ChainState> out;
    out.reserve(n_);
    for (std::uint32_t u = 0; u < n_; ++u) {
      ChainState chain(params_, opts);
      for (const std::uint32_t i : arrivals_[u]) {
        const AcceptResult a = chain.accept(entry(i).block);
        if (!a.ok()) {
          throw std::logic_error("race: replaying node " + cfg_.miners[u].name + ": " + std::string(to_string(a.reason)) +
                                 " " + a.detail);
        }
      }
      out.push_back(std::move(chain));
    }
    return out;
  }

  // ---- the summary ----

  // The per-miner formula with each pair's path delay (RaceResult::stale_rate_paths): the
  // exposure of miner i is d * sum_j a_j hops(i, j), from one BFS per origin.
  void path_formula(const std::vector<double>& shares, RaceResult& res) {
    const double d = cfg_.latency.mean;
    if (topology_.is_mesh() || n_ == 1) {
      res.stale_rate_paths = res.stale_rate_formula;
      res.path_delay = d;
      res.path_origins = n_;
      return;
    }
    std::vector<std::uint32_t> origins;
    constexpr std::uint32_t kExact = 10000, kSample = 1000;
    if (n_ <= kExact) {
      origins.resize(n_);
      for (std::uint32_t i = 0; i < n_; ++i) origins[i] = i;
    } else {
      // Sampled by power (with replacement), on a stream of its own: the race is unchanged.
      Rng pick(cfg_.seed ^ 0x70617468ull);
      std::vector<double> cumulative(shares.size());
      std::partial_sum(shares.begin(), shares.end(), cumulative.begin());
      for (std::uint32_t k = 0; k < kSample; ++k) {
        const double u = pick.uniform01() * cumulative.back();
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
        origins.push_back(static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(it - cumulative.begin(), n_ - 1)));
      }
    }
    std::vector<std::uint32_t> order, layer_end;
    double weighted = 0, weight = 0, sum_f = 0, sum_x = 0;
    std::vector<double> a_o, x_o;
    for (const std::uint32_t i : origins) {
      plan_flood(i, order, layer_end);
      double x = 0;
      std::uint32_t begin = 0;
      for (std::size_t k = 0; k < layer_end.size(); ++k) {
        double layer = 0;
        for (std::uint32_t j = begin; j < layer_end[k]; ++j) layer += shares[order[j]];
        x += static_cast<double>(k + 1) * d * layer;
        begin = layer_end[k];
      }
      a_o.push_back(shares[i]);
      x_o.push_back(x);
      sum_x += x;
      sum_f += -std::expm1(-x / res.formula_interval);
      weighted += shares[i] * x;
      weight += shares[i] * (1 - shares[i]);
    }
    res.path_origins = origins.size();
    if (n_ <= kExact) {
      res.stale_rate_paths = stale_rate_paths(a_o, x_o, res.formula_interval);
      res.path_delay = weight > 0 ? weighted / weight : 0;
    } else {
      // Origins drawn with probability a_i: plain means estimate the a_i-weighted sums.
      res.stale_rate_paths = res.formula_interval > 0 ? sum_f / static_cast<double>(origins.size()) : 0;
      double mean_a = 0;
      for (const double a : a_o) mean_a += 1 - a;
      res.path_delay = mean_a > 0 ? sum_x / mean_a : 0;
    }
  }

  RaceResult summarize() {
    RaceResult res;
    res.mode = cfg_.mode;
    res.params = params_;
    res.topology = to_string(cfg_.topology);
    res.latency = to_string(cfg_.latency);
    res.delay = cfg_.latency.mean;
    res.events = events_;
    res.messages = messages_;
    res.orphans = orphans_;
    res.pow_skipped = pow_skipped_;
    res.notes = notes_;
    res.found = found_;
    res.seconds = last_found_time_;

    // The reference view: the most-work tip (ties: the lowest node), which every node shares
    // after the drain unless the race ended on an equal-work split.
    std::uint32_t ref = 0;
    for (std::uint32_t u = 1; u < n_; ++u) {
      if (entry(nodes_[u].tip).chainwork > entry(nodes_[ref].tip).chainwork) ref = u;
    }
    const std::uint32_t best_tip = nodes_[ref].tip;
    for (std::uint32_t u = 0; u < n_; ++u) {
      if (nodes_[u].tip != best_tip) res.nodes_agree = false;
    }
    const auto shares = hash_shares(cfg_.miners);
    std::vector<std::uint64_t> on_best(n_, 0);
    std::vector<Amount> rewards(n_, 0);
    const std::int64_t height = entry(best_tip).height;
    const std::int64_t interval = params_.interval();
    std::vector<std::uint32_t> chain(static_cast<std::size_t>(height + 1));
    for (std::uint32_t i = best_tip; i != BlockTree::npos; i = entry(i).parent) {
      chain[static_cast<std::size_t>(entry(i).height)] = i;
    }
    std::vector<DifficultySample> samples;
    for (std::int64_t h = 0; h <= height; ++h) {
      const std::uint32_t i = chain[static_cast<std::size_t>(h)];
      if (miner_of_[i] != kNoMiner) {
        ++on_best[miner_of_[i]];
        rewards[miner_of_[i]] += paid_[i];
      }
      const std::uint32_t bits = entry(i).bits;
      if (h % interval == 0) samples.push_back({h, bits, difficulty(bits), found_at_[i]});
      if (h == height) res.mean_interval = height > 0 ? found_at_[i] / static_cast<double>(height) : 0;
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
    path_formula(shares, res);
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
  BlockTree tree_;                       // every block, shared by all nodes; index = block record
  std::vector<double> found_at_;         // per block: race seconds when found
  std::vector<std::uint32_t> miner_of_;  // per block: who found it (kNoMiner: genesis)
  std::vector<std::int32_t> flight_of_;  // per block: flight slot, -1 when delivered everywhere
  std::vector<Amount> paid_;             // per block: what its coinbase pays
  std::vector<Flight> flights_;
  std::vector<std::int32_t> free_flights_;
  std::vector<std::uint8_t> flood_seen_;  // scratch for Topology::flood_order
  std::vector<FloodPlan> flood_cache_;    // by origin (see plan_flood)
  std::size_t flood_cache_bytes_ = 0;
  EventQueue<Ev> queue_;
  std::unordered_map<std::uint32_t, double> work_cache_;
  bool keep_arrivals_ = false;
  std::vector<std::vector<std::uint32_t>> arrivals_;  // per node, blocks in the order taken (tests)
  std::uint64_t found_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t orphans_ = 0;
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

namespace {

RaceRun run_checked(const RaceConfig& config, bool keep_chains) {
  validate_config(config);
  Race race(config, keep_chains);
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

}  // namespace

RaceRun run_race_keep_chains(const RaceConfig& config) { return run_checked(config, true); }

RaceResult run_race(const RaceConfig& config) { return run_checked(config, false).result; }

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
