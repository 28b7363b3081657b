// The mining race's engine, shared by race.cpp (blocks, relay, event mode), race_live.cpp
// (live mode) and race_summary.cpp (the summary and its formulas). Internal to core/sim: the
// public interface is powlab/sim/race.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "powlab/ledger/block_tree.h"
#include "powlab/ledger/chain.h"
#include "powlab/ledger/orphan_pool.h"
#include "powlab/mining/search.h"
#include "powlab/sim/event_queue.h"
#include "powlab/sim/race.h"
#include "powlab/sim/rng.h"

namespace powlab::sim::detail {

// Event mode's genesis time (2023-11-14 22:13:20 UTC): fixed, so a seed fixes every header.
inline constexpr std::int64_t kSimGenesisTime = 1'700'000'000;
inline constexpr double kNever = std::numeric_limits<double>::infinity();
inline constexpr std::uint32_t kNoMiner = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint64_t kNonceSpace = std::uint64_t{1} << 32;

// The first nonce of `found` (a search's report) whose header, re-hashed by the scalar
// reference (BlockHeader::hash, not the kernel that found it), meets its nBits in full, as
// `mine` re-checks (mining/miner.cpp): a kernel bug can never put an invalid block in the
// race. nullopt: the kernel reported only nonces that fail.
std::optional<std::uint32_t> first_verified_nonce(const BlockHeader& header, const std::vector<std::uint32_t>& found,
                                                  const ConsensusParams& params);

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
  OrphanPool<std::uint32_t> waiting;  // blocks it received before their parent (tree indices)
  std::uint32_t gen = 0;          // bumps when a pending find is dropped
  double hashrate = 0;            // event mode: simulated hashes per second
  std::uint64_t found = 0;
  std::uint64_t reorgs = 0;
  std::uint64_t max_reorg_depth = 0;
  std::uint64_t hashes = 0;       // live mode
};

// The race: one shared block tree, nodes as tips into it, an event queue. See race.h.
class Race {
 public:
  Race(const RaceConfig& config, bool keep_arrivals);
  RaceRun run();

 private:
  Topology make_topology();

  // ---- blocks and relay, shared by both modes ----

  std::uint32_t add_block(const BlockPtr& block, std::uint32_t miner, double time);

  const BlockTree::Entry& entry(std::uint32_t i) const { return tree_[i]; }

  void announce(std::uint32_t u, std::uint32_t i, double t);
  void add_genesis(const BlockPtr& genesis);
  void delivered_everywhere(std::uint32_t rec);
  void start_flight(std::uint32_t rec, std::uint32_t source, double t);

  // The flood order from `source`, from the cache when it is there. A random graph's BFS
  // touches every link (~300 us at 10,000 nodes) and the topology never changes, so orders
  // are kept by origin, with 16-bit node ids, up to kFloodCacheBytes; past that they are
  // recomputed. A mesh's order is trivial and never cached.
  static constexpr std::size_t kFloodCacheBytes = std::size_t{256} << 20;
  struct FloodPlan {
    std::vector<std::uint16_t> order;
    std::vector<std::uint32_t> layer_end;
  };
  void plan_flood(std::uint32_t source, std::vector<std::uint32_t>& order, std::vector<std::uint32_t>& layer_end);
  void flight_done(std::uint32_t rec);
  void relay(std::uint32_t u, std::uint32_t rec, double t);
  bool take_delivery(std::uint32_t v, std::uint32_t rec, double t);
  std::int64_t unix_now(double t) const;
  bool holds(std::uint32_t v, std::uint32_t i) const;
  void receive(std::uint32_t u, std::uint32_t i, double t, bool found_here);
  void adopt(std::uint32_t u, std::uint32_t i, double t, bool found_here);

  // ---- strategies (selfish.cpp) ----

  // Block i was just found by u (added to the tree): announced, or withheld by the pool.
  void on_found(std::uint32_t u, std::uint32_t i, double t);
  // The block an honest miner u builds on: its tip, or on a revealed tie the pool's block
  // with probability gamma (drawn once per miner and tie).
  std::uint32_t parent_for(std::uint32_t u);
  void selfish_found(std::uint32_t i, double t);
  void selfish_heard(double t);
  void publish(std::uint32_t i, double t, bool was_withheld);
  void deliver_direct(std::uint32_t v, std::uint32_t i, double t);
  bool flush_selfish(double t);
  void summarize_selfish(RaceResult& res) const;

  // ---- event mode ----

  double work_of(std::uint32_t bits);
  void schedule_find(std::uint32_t u, double t);
  void reschedule(std::uint32_t u, double t);
  BlockPtr make_genesis(std::int64_t time) const;
  void find_block(std::uint32_t u, double t);
  void run_event();
  void deliver(const Ev& e, double t);

  // ---- live mode ----

  struct LiveWork {
    BlockDraft draft;
    U256 target;
    std::uint64_t extranonce = 0;
    std::uint64_t next_nonce = 0;
    bool valid = false;
  };

  void note_recent(std::string line);
  double wall(std::chrono::steady_clock::time_point start) const;
  void deliver_due(double now);
  SearchRequest live_search(const BlockHeader& header, const U256& target) const;
  BlockPtr mine_genesis(BlockDraft d) const;
  void refresh_work(std::uint32_t u, LiveWork& w);
  void emit_view(double now);
  void run_live();
  std::vector<ChainState> replay_chains() const;

  // ---- the summary ----

  void path_formula(const std::vector<double>& shares, RaceResult& res);
  RaceResult summarize();

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

  // The selfish pool (Eyal and Sirer's state machine, selfish.cpp); selfish_ == kNoMiner: none.
  // Its private branch is its node's tip; public_tip_ is the most-work block it knows that
  // everyone may know (honest blocks it received, its own it published).
  std::uint32_t selfish_ = kNoMiner;
  std::uint32_t public_tip_ = 0;
  std::uint32_t public_seen_ = 0;        // public_tip_ when the pool last reacted
  std::vector<std::uint32_t> withheld_;  // its secret blocks, oldest first
  // The revealed tie: the pool's block and the honest block it matched (kNoMiner: none).
  std::uint32_t tie_pool_ = kNoMiner;
  std::uint32_t tie_honest_ = kNoMiner;
  std::vector<std::uint32_t> drawn_tie_;  // per node: the tie (tie_pool_) its gamma draw was for
  std::vector<std::uint8_t> drawn_pool_;  // per node: that draw's answer (1: the pool's block)
  SelfishOutcome selfish_out_;
};

ConsensusParams make_params(const RaceConfig& c);  // lab_network, its errors as ParseError

}  // namespace powlab::sim::detail
