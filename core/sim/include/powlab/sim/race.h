// The mining race: nodes of unequal hash power linked by a topology with latency. Blocks
// travel hop by hop; forks resolve by most work; every node mines on its own best tip.
//
// The ledger, not a re-implementation: every block enters one BlockTree (block_tree.h) that
// all nodes share, where the ledger's rules check it once (each node would reach the same
// verdict, since validity depends only on the block and its ancestors). A node is a compact
// view of that tree: its best tip, chosen by the ledger's rule (strictly more work wins, on
// equal work the tip seen first stays), plus the orphans it holds back until their parent
// reaches it. run_race_keep_chains replays every node's blocks into a ChainState of its own
// and tests hold the two to the same tip.
//
// Two ways to find blocks, on the same nodes, relay and ledger:
//   event  Each miner's next block time is drawn from an exponential distribution with
//          rate = hashrate / expected hashes per block at the target its tip requires
//          (work_from_target). The block is a real Block whose header is never hashed: it is
//          marked as simulated proof, and the tree skips only the PoW check for it
//          (AcceptResult::pow_skipped). Deterministic for a seed.
//   live   Every miner really hashes with search_nonces, in slices whose sizes follow the
//          miners' powers (time-slicing one machine), on lab-network difficulty. Blocks carry
//          real proof of work, checked by the tree.
//
// Cost model of event mode (what makes 10,000 nodes and a million blocks possible):
//   - a block is made once, checked once and shared; its body is pruned once every node has
//     it (the tree keeps its entry: hash, parent, height, work, time, nBits);
//   - a node is ~80 bytes, whatever the chain's length;
//   - fixed latency: a flood reaches the nodes k hops away at one instant, so a block costs
//     one event per hop, delivered in a BFS order cached by origin;
//   - drawn latency (exp, uniform): earliest-arrival flooding, one event per message that
//     could still arrive first, and never a duplicate;
//   - a miner's pending block time stays valid across tip changes (the exponential is
//     memoryless) unless its target changes, so a tip change costs no heap operation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "powlab/ledger/chain.h"
#include "powlab/consensus/network.h"
#include "powlab/sim/event_log.h"
#include "powlab/sim/miners.h"
#include "powlab/sim/stats.h"
#include "powlab/sim/topology.h"

namespace powlab::sim {

enum class RaceMode { event, live };
std::string_view to_string(RaceMode m);

struct LiveView;

struct RaceConfig {
  RaceMode mode = RaceMode::event;
  std::vector<MinerSpec> miners;
  TopologySpec topology;
  LatencySpec latency;
  std::uint64_t blocks = 1000;   // stop mining after this many blocks are found, then drain
  LabOptions lab;                // spacing (the interval T), retarget, halving, initial nBits
  std::uint64_t seed = 1;
  EventLog* log = nullptr;       // every event, when set
  // event mode: total hash rate in hashes per simulated second. 0: work(initial nBits) / T,
  // so the first period runs at the interval.
  double total_hashrate = 0;
  // A :selfish miner's gamma (Eyal and Sirer's γ): on a tie the pool revealed, the fraction
  // of honest power that mines on the pool's block, in [0, 1]. gamma_network: no draw; the
  // pool is linked to every node with zero latency (honest links keep the latency), so the
  // first-seen rule decides, and the result reports the gamma that came of it. Event mode only.
  double gamma = 0;
  bool gamma_network = false;

  // live mode
  unsigned threads = 1;          // threads per search slice (0: every core)
  double live_hashrate = 0;      // cap on the total hash rate (H/s); 0: as fast as the machine
  double max_seconds = 0;        // wall budget, 0 = none
  const std::atomic<bool>* cancel = nullptr;
  std::string kernel;            // "" = the selected kernel
  // Called about every `view_period` seconds with the state of the race (the terminal view).
  std::function<void(const LiveView&)> on_view;
  double view_period = 0.2;
};

struct MinerOutcome {
  std::string name;
  double power = 0;
  double expected_share = 0;     // power / total power
  std::uint64_t found = 0;       // blocks this miner found
  std::uint64_t blocks = 0;      // of them, on the final best chain
  std::uint64_t stale = 0;       // found - blocks
  double share = 0;              // blocks / best-chain blocks (0 when there are none)
  Amount rewards = 0;            // subsidy + fees earned on the best chain
  std::uint64_t reorgs = 0;      // reorgs this node went through
  std::uint64_t max_reorg_depth = 0;
  std::uint64_t hashes = 0;      // live mode: hashes tried
  double hashrate = 0;           // live: measured H/s; event: simulated H/s
};

// What a :selfish miner did (core/sim/selfish.cpp). Its revenue is its MinerOutcome: blocks
// on the final best chain, read from the chain.
struct SelfishOutcome {
  bool present = false;
  std::uint32_t miner = 0;            // index into RaceResult::miners
  double gamma = 0;                   // as configured (meaningless when gamma_network)
  bool gamma_network = false;
  std::uint64_t withheld = 0;         // blocks it kept secret when found
  std::uint64_t revealed = 0;         // of them, published later
  std::uint64_t published_at_once = 0;  // found in a revealed tie and published at once
  std::uint64_t abandoned = 0;        // withheld blocks given up when the public chain overtook
  std::uint64_t ties = 0;             // ties it revealed (match) that an honest block then decided
  std::uint64_t ties_to_pool = 0;     // of them, decided by an honest block on the pool's branch
  double gamma_measured = 0;          // ties_to_pool / ties (0 when no tie was decided)
};

struct DifficultySample {
  std::int64_t height = 0;
  std::uint32_t bits = 0;
  double difficulty = 0;         // display only
  double time = 0;               // when the block at `height` was found (race seconds)
};

struct RaceResult {
  RaceMode mode = RaceMode::event;
  std::vector<MinerOutcome> miners;
  std::uint64_t found = 0;           // blocks found in all
  std::uint64_t best_blocks = 0;     // on the final best chain (genesis not counted)
  std::uint64_t stale = 0;           // found - best_blocks
  double stale_rate = 0;             // stale / found
  double stale_rate_simple = 0;      // 1 - e^(-d/T)
  double stale_rate_formula = 0;     // sum a_i (1 - e^(-(1 - a_i) d/T))
  double delay = 0;                  // d: mean link latency in seconds
  // Multi-hop topologies: the per-miner formula with each pair's path delay (hop count x d,
  // stale_rate_paths), and the power-weighted mean of those delays. On a mesh: the formula
  // above and d. Computed from every miner up to 10,000 nodes, else from 1,000 sampled by power
  // (path_origins says how many).
  double stale_rate_paths = 0;
  double path_delay = 0;
  std::uint64_t path_origins = 0;
  double formula_interval = 0;       // T used in the formulas: observed time per found block
  double mean_interval = 0;          // race time per best-chain block
  // What the retarget makes the mean interval, N*T/(N-2) (stats.h expected_mean_interval);
  // 0 for windows under 3 blocks, which have no closed form.
  double expected_mean_interval = 0;
  double seconds = 0;                // race time (simulated or wall) until the last block
  double wall_seconds = 0;           // how long the race took (the summary after it not counted)
  double cpu_seconds = 0;            // process CPU time the race took (blocks per CPU-second)
  ChiSquareResult chi_square;        // best-chain blocks per miner vs hash share
  std::vector<DifficultySample> difficulty;  // at every retarget on the best chain (thinned to <= 200)
  std::uint64_t events = 0;          // events processed (event mode), deliveries (live)
  std::uint64_t messages = 0;        // block messages sent between nodes
  std::uint64_t orphans = 0;         // blocks a node received before their parent (held until it came)
  bool nodes_agree = true;           // every node ended on the same best tip
  bool pow_skipped = false;          // event mode: PoW was not checked (simulated proof)
  std::string topology;
  std::string latency;
  SelfishOutcome selfish;
  ConsensusParams params;
  std::vector<std::string> notes;    // things the user should know (machine too slow, ...)
};

// What the live view shows.
struct LiveView {
  double seconds = 0;
  std::uint64_t found = 0;
  std::uint64_t target_blocks = 0;
  std::int64_t best_height = 0;
  std::uint32_t bits = 0;
  struct Miner {
    std::string name;
    double hashrate = 0;
    std::uint64_t found = 0;
    std::uint64_t blocks = 0;   // on its own node's best chain
    Amount rewards = 0;
  };
  std::vector<Miner> miners;
  std::vector<std::string> recent;  // recent blocks and forks, newest last
};

// Checks the configuration (miners, topology connectivity, blocks > 0, gamma, ...) and throws
// ParseError naming the problem. run_race calls it first.
void validate_config(const RaceConfig& config);

RaceResult run_race(const RaceConfig& config);

// Event mode stamps headers from a simulated clock that starts at 1.7e9 (Unix seconds), and a
// header's 32-bit time ends at 2^32 - 1 (February 2106). The most blocks an event race on this
// lab network may be asked for so that its clock stays below that, with a margin for the
// random intervals (race_summary.cpp says how it is chosen). Live mode uses the wall clock.
std::uint64_t max_event_blocks(const LabOptions& lab);

// The topology a race with this configuration runs on: the first draws of the seed's stream
// (tests use it to check hop-by-hop arrival times).
Topology race_topology(const RaceConfig& config);

// After a race, every node's chain for inspection (tests: full re-validation of live blocks).
// Same as run_race, but also hands back the nodes' chain states.
// Every node's view is replayed into a ChainState of its own, in the order that node took
// the blocks: the ledger's full fork choice, independent of the shared tree, so tests can hold
// the two to the same answer (tips[u] == chains[u].tip_hash()).
struct RaceRun {
  RaceResult result;
  std::vector<ChainState> chains;  // one per node, in miner order
  std::vector<Hash256> tips;       // each node's best tip in the race itself
};
RaceRun run_race_keep_chains(const RaceConfig& config);

// Live mode helpers. The machine's hash rate over about `seconds` (threads/kernel as in
// search_nonces), and the compact nBits whose expected work is rate * interval hashes
// (capped at the powLimit), so the first blocks arrive near the interval.
double measure_hash_rate(unsigned threads, const std::string& kernel, double seconds);
std::uint32_t bits_for_expected_hashes(double hashes, std::uint32_t pow_limit_bits);

}  // namespace powlab::sim
