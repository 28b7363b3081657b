// Attacks on proof of work, simulated on the ledger beside the closed forms they must match
// (issue 11): the double spend of Nakamoto 2008 section 11 (with Rosenfeld's and Grunspan and
// Perez-Marco's exact analysis) and the majority rewrite ("51 %" attack).
//
// What is simulated and what is not. Each trial is a real ledger (ChainState) holding real
// blocks with simulated proof of work (ProofKind::simulated, as the event-mode race): a genesis
// paying the attacker, a payment from the attacker to a merchant in the honest branch's first
// block, and a conflicting spend of the same coin back to the attacker in the attacker's
// branch. Only who finds the next block is drawn at random (the attacker with probability q).
// The honest network's node accepts the honest blocks as they are found; the attacker keeps its
// branch secret and hands it to that node once the merchant has shipped and the branch has
// more work. The node's most-work fork choice performs the reorg, and the trial succeeds when
// the node's ledger says so: the payment's output is gone and the conflicting spend's is there.
//
// Floating point here is reporting (probabilities), never consensus: the blocks, their work
// and the fork choice are the ledger's integer rules.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "powlab/ledger/block.h"
#include "powlab/ledger/chain.h"
#include "powlab/sim/race.h"

namespace powlab::sim {

// ---- closed forms (attack.cpp cites the sources) ----

// Nakamoto 2008 section 11: the attacker's progress while the merchant waits for z blocks is
// taken as Poisson with mean z q/p, and catching up from k behind has probability (q/p)^k.
long double nakamoto_probability(double q, std::int64_t z);
// The exact probability for the model simulated here (Rosenfeld 2014; Grunspan and
// Perez-Marco 2017): the attacker's blocks while the honest network finds z are negative
// binomial, and it must get strictly ahead. `premine` (0 or 1) secret blocks before the payment.
long double double_spend_exact(double q, std::int64_t z, int premine);
// Smallest z in 1..max_z whose probability is below `risk`; nullopt when none is.
std::optional<std::int64_t> min_z_nakamoto(double q, long double risk, std::int64_t max_z);
std::optional<std::int64_t> min_z_exact(double q, long double risk, int premine, std::int64_t max_z);
// The majority rewrite from `depth` blocks behind: min(1, (a/(1-a))^(depth+1)).
long double majority_analytic(double alpha, std::int64_t depth);
// Mean blocks mined (by both sides) until the attacker is ahead, for alpha > 1/2: (depth+1)/(2a-1).
std::optional<double> majority_mean_blocks_analytic(double alpha, std::int64_t depth);

// Selfish mining (Eyal and Sirer 2014, "Majority is not enough", equation 8): the pool's share
// of the best chain's blocks, R = [a(1-a)^2(4a + g(1-2a)) - a^3] / [1 - a(1 + (2-a)a)], for
// pool share a < 1/2 and gamma g (honest power that mines on the pool's block in a tie); 1 for
// a >= 1/2.
double eyal_sirer_revenue(double alpha, double gamma);
// The smallest a for which selfish mining pays: (1-g)/(3-2g) (their equation 9's bound).
double selfish_threshold(double gamma);

// The race `attack selfish` runs (core/sim/selfish.cpp plays the pool): two miners on a mesh
// with no latency, "honest" with 1 - alpha and "pool" with alpha, :selfish; one nBits for the
// whole race (no retarget), so most work is most blocks, as in the paper's model.
RaceConfig selfish_race_config(double alpha, double gamma, std::uint64_t blocks, std::uint64_t seed);
// The most blocks it allows: the lab network's longest retarget window, never reached.
inline constexpr std::uint64_t kMaxSelfishBlocks = 999'999;

// The Wilson score interval at 95 % (z = 1.959964) for `successes` of `trials`.
struct Interval {
  double low = 0;
  double high = 0;
};
Interval wilson_ci95(std::uint64_t successes, std::uint64_t trials);

// ---- the simulation ----

struct AttackConfig {
  double q = 0.1;                          // the attacker's share of the hash rate, in (0, 1)
  std::int64_t confirmations = 6;          // honest blocks (the payment's and those after) before the merchant ships
  std::int64_t attacker_head_start = 0;    // secret attacker blocks mined before the race (Rosenfeld's premine)
  std::int64_t honest_head_start = 0;      // honest blocks already mined when the race starts (majority: K)
  std::uint64_t trials = 1;
  std::uint64_t seed = 1;
  // The hopeless-trial cut-off: a trial ends as a failure once the honest branch leads by more
  // than this many blocks. 0: choose_cutoff(q, trials).
  std::int64_t cutoff_deficit = 0;
};

// The deficit past which a trial is given up, and what that may cost. From a deficit of d
// blocks an attacker with q < 1/2 ever gets ahead with probability (q/p)^(d+1) (gambler's
// ruin), so cutting at a deficit above C changes the success probability by at most
// (q/p)^(C+2). C is the smallest with that below 0.01 / trials: the cut-off moves the expected
// number of successes by less than 0.01, far inside any 95 % interval (at least ~3.8 / trials
// wide). C is capped at kMaxCutoff to bound the time per trial (q near 1/2), and then the bound
// printed is larger. For q = 1/2 the walk returns with certainty but not in finite mean time: C
// is kMaxCutoff and the bound is the fraction of trials actually cut off. For q > 1/2 nothing
// is cut: the attacker always wins, after (deficit+1)/(2q-1) blocks on average.
inline constexpr std::int64_t kMaxCutoff = 300;
struct Cutoff {
  std::int64_t deficit = 0;   // 0: none
  double bias_bound = 0;      // a priori bound on the probability it removes (q < 1/2)
};
Cutoff choose_cutoff(double q, std::uint64_t trials);

struct AttackTrial {
  bool success = false;        // the node's ledger lost the payment and holds the conflicting spend
  bool published = false;      // the attacker handed its branch to the node
  bool cut_off = false;        // given up past the cut-off deficit
  std::uint32_t reorgs = 0;    // reorgs the node's fork choice performed
  std::uint32_t reorg_depth = 0;  // blocks disconnected by them
  std::uint64_t blocks_mined = 0;  // blocks found during the race (both sides; head starts not counted)
  std::int64_t honest_blocks = 0;    // on the honest branch, head start included
  std::int64_t attacker_blocks = 0;  // on the attacker's branch, head start included
};

struct AttackResult {
  std::uint64_t trials = 0;
  std::uint64_t successes = 0;
  std::uint64_t reorgs = 0;            // summed over the trials (one per success in this model)
  std::uint64_t cut_off = 0;           // trials given up
  std::uint64_t blocks_in_successes = 0;  // blocks mined in the successful trials (for the mean)
  Cutoff cutoff;
  bool pow_skipped = false;            // the ledger skipped the PoW check (simulated proof): always true
};

// One attack, trial after trial, on fresh ledgers. The blocks of both branches are made once
// (their contents and times depend only on their height and branch) and shared by every trial:
// each trial's ledger still checks every block it is given.
class AttackSim {
 public:
  explicit AttackSim(const AttackConfig& config);
  ~AttackSim();
  AttackSim(const AttackSim&) = delete;
  AttackSim& operator=(const AttackSim&) = delete;

  AttackResult run();          // config.trials trials
  AttackTrial run_trial();     // one more, with the next random numbers

  // The ledger of the last trial (the honest network's node), for tests and for showing it.
  const ChainState& last_ledger() const;
  // The payment's output to the merchant and the conflicting spend's output to the attacker.
  OutPoint payment_output() const;
  OutPoint conflict_output() const;
  // The block carrying the payment (the honest branch's first) and the conflicting spend.
  const BlockPtr& payment_block() const;
  const BlockPtr& conflict_block() const;
  const Cutoff& cutoff() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace powlab::sim
