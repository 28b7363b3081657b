#include "race_engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "powlab/util/error.h"
#include "powlab/mining/miner.h"
#include "powlab/consensus/target.h"

namespace powlab::sim {

namespace detail {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A simulated block's identifier: random-looking bytes (what the tree's hash index expects of
// a hash) with the block's index in the tree in bytes 16..19, easy to match in an event log.
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

TreeOptions tree_options(const RaceConfig& c) {
  TreeOptions o;
  // Event mode: skip ONLY the PoW check, for simulated-proof blocks (said in the result).
  o.validation.accept_simulated_proof = c.mode == RaceMode::event;
  return o;
}

}  // namespace

ConsensusParams make_params(const RaceConfig& c) {
  try {
    return lab_network(c.lab);
  } catch (const std::invalid_argument& e) {
    throw ParseError(std::string("lab network: ") + e.what());
  }
}

Race::Race(const RaceConfig& config, bool keep_arrivals)
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
  if (const auto pool = selfish_miner(cfg_.miners)) {
    selfish_ = static_cast<std::uint32_t>(*pool);
    drawn_tie_.assign(n_, kNoMiner);
    drawn_pool_.assign(n_, 0);
  }
  if (cfg_.mode == RaceMode::event) {
    const auto expect = static_cast<std::size_t>(std::min<std::uint64_t>(cfg_.blocks + 1, 1u << 26));
    tree_.reserve(expect);
    found_at_.reserve(expect);
    miner_of_.reserve(expect);
    flight_of_.reserve(expect);
    paid_.reserve(expect);
  }
}

RaceRun Race::run() {
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

Topology Race::make_topology() {
  Topology t = Topology::build(static_cast<std::uint32_t>(cfg_.miners.size()), cfg_.topology, rng_);
  const auto lost = t.unreachable();
  if (!lost.empty()) {
    throw ParseError("disconnected topology: nobody hears from miner '" + cfg_.miners[lost.front()].name + "' (" +
                     std::to_string(lost.size()) + " of " + std::to_string(t.size()) +
                     " nodes cut off); use more links (random:K with a larger K) or another --seed");
  }
  return t;
}

// Into the shared tree, where every rule but (in event mode) PoW is checked, once for all
// nodes. Every block here was built by the simulator on a template of the tree itself: a
// refusal is a bug (in the race or the ledger), never a statistic.
std::uint32_t Race::add_block(const BlockPtr& block, std::uint32_t miner, double time) {
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
  paid_.push_back(block->txs().front().value_out());  // in range: the tree checked it
  return index;
}

// Every node has the block: its body (the transactions) has been checked, relayed and
// counted, and nothing reads it again, so the shared tree prunes it and keeps the entry
// (hash, parent, height, work, time, nBits). This is what keeps a million blocks small.
// Not when the chains are to be replayed (run_race_keep_chains).
// Block i, just found by u at t, is counted and starts its way through the network.
void Race::announce(std::uint32_t u, std::uint32_t i, double t) {
  ++found_;
  ++nodes_[u].found;
  last_found_time_ = t;
  start_flight(i, u, t);
  receive(u, i, t, true);
  relay(u, i, t);
}

void Race::add_genesis(const BlockPtr& genesis) {
  add_block(genesis, kNoMiner, 0);
  if (keep_arrivals_) {
    for (auto& a : arrivals_) a.push_back(0);
  }
}

void Race::delivered_everywhere(std::uint32_t rec) {
  if (!keep_arrivals_) tree_.prune_body(rec);
}

void Race::start_flight(std::uint32_t rec, std::uint32_t source, double t) {
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
    flights_.back().got.resize(n_);
    if (cfg_.latency.kind != LatencySpec::Kind::fixed) flights_.back().arrival.resize(n_);
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

void Race::plan_flood(std::uint32_t source, std::vector<std::uint32_t>& order, std::vector<std::uint32_t>& layer_end) {
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

void Race::flight_done(std::uint32_t rec) {
  free_flights_.push_back(flight_of_[rec]);
  flight_of_[rec] = -1;
  delivered_everywhere(rec);
}

// Drawn latency: earliest-arrival flooding from `u`, which holds `rec` since `t` (see
// race.h). Fixed latency needs none: start_flight scheduled the whole flood.
void Race::relay(std::uint32_t u, std::uint32_t rec, double t) {
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
bool Race::take_delivery(std::uint32_t v, std::uint32_t rec, double t) {
  const std::int32_t slot = flight_of_[rec];
  if (slot < 0) return false;
  Flight& f = flights_[static_cast<std::size_t>(slot)];
  if (f.got[v] != 0 || f.arrival[v] != t) return false;  // it has it, or a faster copy counts
  f.got[v] = 1;
  if (++f.received == n_) flight_done(rec);
  return true;
}

std::int64_t Race::unix_now(double t) const {
  if (cfg_.mode == RaceMode::live) return static_cast<std::int64_t>(std::time(nullptr));
  return kSimGenesisTime + static_cast<std::int64_t>(t);
}

// Whether node v has taken block i into its view (delivered, and not waiting on a parent).
bool Race::holds(std::uint32_t v, std::uint32_t i) const {
  const std::int32_t slot = flight_of_[i];
  if (slot >= 0 && flights_[static_cast<std::size_t>(slot)].got[v] == 0) return false;
  const auto& w = nodes_[v].waiting;
  return w.empty() || !w.contains(i);
}

// Block i reaches node u at time t (found_here: u mined it).
void Race::receive(std::uint32_t u, std::uint32_t i, double t, bool found_here) {
  if (cfg_.log != nullptr) {
    cfg_.log->write(t, cfg_.miners[u].name, found_here ? EventKind::found : EventKind::received, entry(i).height,
                    tree_.hash_of(i), tree_.hash_of(entry(i).parent));
  }
  Node& node = nodes_[u];
  if (!found_here && !holds(u, entry(i).parent)) {
    node.waiting.add(i);  // an orphan: taken when its parent arrives
    ++orphans_;
    return;
  }
  adopt(u, i, t, found_here);
  // Orphans this block unlocked, and those in turn, oldest first: the ledger's order.
  auto ready = [&](std::uint32_t w) { return holds(u, entry(w).parent); };
  while (const auto w = node.waiting.take_oldest_ready(ready)) adopt(u, *w, t, false);
  // The selfish pool reacts once the public chain it sees has grown (selfish.cpp).
  if (u == selfish_ && public_tip_ != public_seen_) selfish_heard(t);
}

// Node u takes block i (its parent already held): the ledger's fork choice, most work, and
// on equal work the tip it saw first stays (Core's comparator; ChainState does the same).
void Race::adopt(std::uint32_t u, std::uint32_t i, double t, bool found_here) {
  Node& node = nodes_[u];
  if (keep_arrivals_) arrivals_[u].push_back(i);
  const BlockTree::Entry& e = entry(i);
  // Everything the pool receives is public (its own blocks never come back to it).
  if (u == selfish_ && !found_here && e.chainwork > entry(public_tip_).chainwork) public_tip_ = i;
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

double Race::work_of(std::uint32_t bits) {
  auto it = work_cache_.find(bits);
  if (it != work_cache_.end()) return it->second;
  const double w = block_work(bits).to_double();
  work_cache_.emplace(bits, w);
  return w;
}

void Race::schedule_find(std::uint32_t u, double t) {
  Node& node = nodes_[u];
  const double rate = node.hashrate / work_of(node.pending_bits);
  queue_.push(t + rng_.exponential(rate), Ev{u, node.gen, EvKind::find});
}

// Drops u's pending find and draws one for the target its tip now requires.
void Race::reschedule(std::uint32_t u, double t) {
  if (found_ >= cfg_.blocks) return;
  Node& node = nodes_[u];
  node.pending_bits = entry(node.tip).child_bits;
  ++node.gen;
  schedule_find(u, t);
}

BlockPtr Race::make_genesis(std::int64_t time) const {
  BlockTemplate tmpl = tree_.template_on(BlockTree::npos, time);
  BlockDraft d = make_block_draft(tmpl, "genesis", {}, 0, 0);
  return cfg_.mode == RaceMode::event ? Block::make_simulated(d.header, std::move(d.txs), sim_block_id(cfg_.seed, 0))
                                      : mine_genesis(std::move(d));
}

void Race::find_block(std::uint32_t u, double t) {
  Node& node = nodes_[u];
  const auto index = static_cast<std::uint32_t>(tree_.size());
  const Hash256 id = sim_block_id(cfg_.seed, index);
  tree_.prefetch(id);
  const std::uint32_t parent = selfish_ == kNoMiner ? node.tip : parent_for(u);
  const BlockTemplate tmpl = tree_.template_on(parent, unix_now(t));
  std::vector<Transaction> txs;
  txs.push_back(make_coinbase(tmpl.height, cfg_.miners[u].name, tmpl.subsidy, 0));
  const std::uint32_t rec = add_block(Block::make_simulated_committed(template_header(tmpl), std::move(txs), id), u, t);
  if (selfish_ == kNoMiner) {
    announce(u, rec, t);
  } else {
    on_found(u, rec, t);
  }
  reschedule(u, t);
}

void Race::run_event() {
  const double total = cfg_.total_hashrate > 0
                           ? cfg_.total_hashrate
                           : work_of(params_.initial_bits) / static_cast<double>(params_.target_spacing);
  for (Node& node : nodes_) node.hashrate *= total;
  add_genesis(make_genesis(kSimGenesisTime));
  for (std::uint32_t u = 0; u < n_; ++u) {
    nodes_[u].pending_bits = entry(0).child_bits;
    schedule_find(u, 0);
  }
  queue_.reserve(4 * n_);
  do {
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
  } while (flush_selfish(last_found_time_));  // a pool still holding blocks publishes them, then drain again
}

void Race::deliver(const Ev& e, double t) {
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
  // Done already: every node had it sooner (the selfish pool's zero-latency links).
  if (flight_of_[rec] < 0) return;
  // A node's receive() may make the selfish pool publish, which starts flights: index, never
  // hold a reference into flights_ across it.
  const auto slot = static_cast<std::size_t>(flight_of_[rec]);
  const std::uint32_t begin = k == 0 ? 0 : flights_[slot].layer_end[k - 1];
  for (std::uint32_t idx = begin; idx < flights_[slot].layer_end[k]; ++idx) {
    Flight& f = flights_[slot];
    const std::uint32_t v = f.order[idx];
    if (f.got[v] != 0) continue;  // had it sooner (deliver_direct)
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

}  // namespace detail

using detail::make_params;
using detail::Race;

std::string_view to_string(RaceMode m) { return m == RaceMode::event ? "event" : "live"; }

void validate_config(const RaceConfig& c) {
  validate_miners(c.miners);
  if (c.blocks == 0) throw ParseError("--blocks must be at least 1");
  if (!std::isfinite(c.latency.mean) || c.latency.mean < 0) throw ParseError("the delay must be finite and >= 0");
  if (c.miners.size() > 1'000'000) throw ParseError("at most 1,000,000 nodes");
  if (!(c.total_hashrate >= 0) || !std::isfinite(c.total_hashrate)) throw ParseError("hash rate must be finite and >= 0");
  if (!(c.live_hashrate >= 0) || !std::isfinite(c.live_hashrate)) throw ParseError("--hashrate must be finite and >= 0");
  if (!(c.max_seconds >= 0) || !std::isfinite(c.max_seconds)) throw ParseError("--max-seconds must be finite and >= 0");
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw ParseError("gamma must be in [0, 1]");
  if (c.gamma_network && c.mode != RaceMode::event) {
    throw ParseError("gamma from the network needs event mode (live mode relays on one machine's clock)");
  }
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

}  // namespace powlab::sim
