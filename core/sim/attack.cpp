#include "powlab/sim/attack.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "powlab/consensus/network.h"
#include "powlab/consensus/params.h"
#include "powlab/sim/rng.h"
#include "powlab/util/error.h"

namespace powlab::sim {

// ---------------------------------------------------------------------------------------------
// Closed forms. Long double throughout: at q = 0.45 the table needs z ~ 540, where the
// negative-binomial terms start near p^z ~ 1e-140 and the answer is 1 minus a sum close to 1.

long double nakamoto_probability(double q, std::int64_t z) {
  // Nakamoto 2008, "Bitcoin: A Peer-to-Peer Electronic Cash System", section 11 (the C code
  // there): lambda = z q/p; P = 1 - sum_{k=0..z} e^-lambda lambda^k / k! (1 - (q/p)^(z-k)).
  if (q >= 0.5) return 1.0L;
  const long double ql = q;
  const long double p = 1.0L - ql;
  const long double lambda = static_cast<long double>(z) * ql / p;
  long double poisson = std::exp(-lambda);  // k = 0; the terms are built up by lambda/k
  long double sum = 1.0L;
  for (std::int64_t k = 0; k <= z; ++k) {
    if (k > 0) poisson *= lambda / static_cast<long double>(k);
    sum -= poisson * (1.0L - std::pow(ql / p, static_cast<long double>(z - k)));
  }
  return sum < 0 ? 0.0L : sum;
}

long double double_spend_exact(double q, std::int64_t z, int premine) {
  // The model simulated here. While the honest network finds z blocks, the attacker finds m
  // with the negative-binomial probability C(m+z-1, m) p^z q^m (Rosenfeld 2014, "Analysis of
  // hashrate-based double-spending", arXiv:1402.2009). It then stands
  // d = z - m - premine blocks behind and must get strictly ahead (more work), which from d
  // behind happens with probability (q/p)^(d+1) (gambler's ruin; 1 when already ahead, d < 0):
  //
  //   P = 1 - sum_{m=0..z-premine} C(m+z-1, m) p^z q^m (1 - (q/p)^(z-m-premine+1)).
  //
  // With premine = 1 this is Rosenfeld's r(q, z) = 1 - sum_{m=0..z} C(m+z-1, m)(p^z q^m -
  // q^z p^m) (his attacker pre-mines one block), and Grunspan and Perez-Marco's closed form
  // P = I_{4pq}(z, 1/2), the regularized incomplete beta function ("Double spend races", 2017,
  // arXiv:1702.02867; attack_test.cpp checks the two agree). With premine = 0 the attacker
  // starts level when the payment is sent.
  // q = 0.1, z = 5: 0.0017818 (premine 1), 0.0003286 (premine 0); q >= 1/2: 1.
  if (q >= 0.5) return 1.0L;
  const long double ql = q;
  const long double p = 1.0L - ql;
  const long double ratio = ql / p;
  long double nb = std::pow(p, static_cast<long double>(z));  // m = 0
  long double sum = 1.0L;
  for (std::int64_t m = 0; m <= z - premine; ++m) {
    if (m > 0) nb *= ql * static_cast<long double>(m + z - 1) / static_cast<long double>(m);
    sum -= nb * (1.0L - std::pow(ratio, static_cast<long double>(z - m - premine + 1)));
  }
  return sum < 0 ? 0.0L : sum;
}

std::optional<std::int64_t> min_z_nakamoto(double q, long double risk, std::int64_t max_z) {
  for (std::int64_t z = 1; z <= max_z; ++z) {
    if (nakamoto_probability(q, z) < risk) return z;
  }
  return std::nullopt;
}

std::optional<std::int64_t> min_z_exact(double q, long double risk, int premine, std::int64_t max_z) {
  for (std::int64_t z = 1; z <= max_z; ++z) {
    if (double_spend_exact(q, z, premine) < risk) return z;
  }
  return std::nullopt;
}

long double majority_analytic(double alpha, std::int64_t depth) {
  // K blocks behind, the attacker must get one ahead: K + 1 net steps of a walk that goes up
  // with probability alpha (gambler's ruin against an infinitely rich opponent).
  if (alpha >= 0.5) return 1.0L;
  const long double a = alpha;
  return std::pow(a / (1.0L - a), static_cast<long double>(depth + 1));
}

std::optional<double> majority_mean_blocks_analytic(double alpha, std::int64_t depth) {
  // Each block moves the deficit by +1 (honest) or -1 (attacker): drift 2 alpha - 1 per block
  // towards the attacker, K + 1 to go (Wald's identity).
  if (alpha <= 0.5) return std::nullopt;
  return static_cast<double>(depth + 1) / (2 * alpha - 1);
}

double eyal_sirer_revenue(double alpha, double gamma) {
  // Eyal and Sirer 2014, equation 8 (the stationary distribution of their state machine):
  // (0.30, 0) -> 0.2731, (0.30, 0.5) -> 0.3269, (0.40, 1) -> 0.5674, (0.45, 0.5) -> 0.6806.
  // The model assumes a < 1/2; at 1/2 it gives 1, and past it the pool's secret branch outgrows
  // the public one for good, so it earns every block.
  if (alpha >= 0.5) return 1.0;
  const double a = alpha;
  const double num = a * (1 - a) * (1 - a) * (4 * a + gamma * (1 - 2 * a)) - a * a * a;
  const double den = 1 - a * (1 + (2 - a) * a);
  return num / den;
}

double selfish_threshold(double gamma) { return (1 - gamma) / (3 - 2 * gamma); }

RaceConfig selfish_race_config(double alpha, double gamma, std::uint64_t blocks, std::uint64_t seed) {
  if (!(alpha > 0 && alpha < 1)) throw ParseError("alpha must be in (0, 1)");
  if (!(gamma >= 0 && gamma <= 1)) throw ParseError("gamma must be in [0, 1]");
  if (blocks < 1 || blocks > kMaxSelfishBlocks) {
    throw ParseError("blocks must be in [1, " + std::to_string(kMaxSelfishBlocks) + "]");
  }
  RaceConfig c;
  c.mode = RaceMode::event;
  c.miners = {MinerSpec{"honest", 1 - alpha, Strategy::honest}, MinerSpec{"pool", alpha, Strategy::selfish}};
  c.gamma = gamma;
  c.blocks = blocks;
  c.seed = seed;
  c.lab.spacing = 600;
  c.lab.halving_interval = 210'000;  // the race command's default
  // No retarget inside the race: the lab network's longest window, past the most blocks asked.
  c.lab.retarget_interval = static_cast<std::int64_t>(kMaxSelfishBlocks) + 1;
  return c;
}

Interval wilson_ci95(std::uint64_t successes, std::uint64_t trials) {
  // Wilson 1927: the score interval; unlike the normal approximation it stays inside [0, 1]
  // and is not empty at 0 successes.
  if (trials == 0) return {0, 1};
  constexpr double z = 1.959963984540054;  // the 97.5 % point of the standard normal
  const double n = static_cast<double>(trials);
  const double s = static_cast<double>(successes);
  const double z2 = z * z;
  const double centre = (s + z2 / 2) / (n + z2);
  const double half = z / (n + z2) * std::sqrt(s * (n - s) / n + z2 / 4);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Cutoff choose_cutoff(double q, std::uint64_t trials) {
  Cutoff c;
  if (q > 0.5) return c;  // the attacker always wins; nothing to cut
  if (q == 0.5) {
    c.deficit = kMaxCutoff;
    c.bias_bound = 1;  // a priori none: AttackResult reports the fraction actually cut off
    return c;
  }
  const double ratio = q / (1 - q);
  const double target = 0.01 / static_cast<double>(trials);
  c.deficit = 1;
  while (c.deficit < kMaxCutoff && std::pow(ratio, static_cast<double>(c.deficit + 2)) > target) ++c.deficit;
  c.bias_bound = std::pow(ratio, static_cast<double>(c.deficit + 2));
  return c;
}

// ---------------------------------------------------------------------------------------------
// The simulation.

namespace {

constexpr std::int64_t kT0 = 1'700'000'000;
constexpr Amount kCoin = 100'000'000;
constexpr char kAttacker[] = "attacker";
constexpr char kMerchant[] = "merchant";
constexpr std::int64_t kMaxHeight = 999'999;  // lab_network's retarget window is at most 10^6

// Every block's identifier (simulated proof: the header is never hashed) must be unique in a
// trial; these are random-looking (the tree's hash index expects that) with the branch and
// index readable in bytes 24..31.
Hash256 sim_id(std::uint8_t branch, std::uint64_t index) {
  auto mix = [](std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  const std::uint64_t a = mix((std::uint64_t{branch} << 56) ^ index);
  const std::uint64_t b = mix(a);
  const std::uint64_t c = mix(b);
  Hash256 id{};
  std::memcpy(id.data(), &a, 8);
  std::memcpy(id.data() + 8, &b, 8);
  std::memcpy(id.data() + 16, &c, 8);
  std::memcpy(id.data() + 24, &index, 7);
  id[31] = branch;
  return id;
}

ConsensusParams attack_params() {
  LabOptions o;
  o.spacing = 600;
  // No retarget and no halving inside any trial: every block has the same nBits and so the same
  // work (most work = most blocks, the model's assumption), and the block at a height is the
  // same in every trial, so the blocks can be made once. The lab network's longest window;
  // AttackSim refuses to build a block at its end (kMaxHeight).
  o.retarget_interval = kMaxHeight + 1;
  o.halving_interval = 210'000;
  o.coinbase_maturity = 0;  // the attacker pays from the genesis coinbase at height 1
  o.initial_bits = 0x1d00ffff;
  o.pow_limit_bits = 0x1d00ffff;
  return lab_network(o);
}

}  // namespace

struct AttackSim::Impl {
  AttackConfig cfg;
  ConsensusParams params;
  ChainOptions options;
  Cutoff cutoff;
  Rng rng;
  BlockPtr genesis;
  Transaction payment;
  Transaction conflict;
  OutPoint pay_out;
  OutPoint conflict_out;
  // The blocks of each branch by index (height - 1), made on first use.
  std::vector<BlockPtr> honest;
  std::vector<BlockPtr> attacker;
  std::unique_ptr<ChainState> ledger;
  bool pow_skipped = false;

  explicit Impl(const AttackConfig& c) : cfg(c), params(attack_params()), rng(c.seed) {
    if (!(c.q > 0 && c.q < 1)) throw std::invalid_argument("q must be in (0, 1)");
    if (c.confirmations < 1) throw std::invalid_argument("confirmations must be at least 1");
    if (c.attacker_head_start < 0 || c.honest_head_start < 0) throw std::invalid_argument("negative head start");
    if (c.trials < 1) throw std::invalid_argument("trials must be at least 1");
    cutoff = c.cutoff_deficit > 0 ? Cutoff{c.cutoff_deficit, std::pow(c.q / (1 - c.q), double(c.cutoff_deficit + 2))}
                                  : choose_cutoff(c.q, c.trials);
    options.validation.accept_simulated_proof = true;
    // The blocks' times are kT0 + 600 s x height: "now" is far past any of them.
    options.validation.now = std::numeric_limits<std::int64_t>::max() / 4;
    options.track_balances = false;  // the verdict reads the UTXO set, not owner tables

    BlockTemplate t;
    t.height = 0;
    t.bits = params.initial_bits;
    t.time = t.min_time = kT0;
    t.max_time = kT0 + 7200;
    t.subsidy = block_subsidy(0, params);
    BlockDraft d = make_block_draft(t, kAttacker, {}, 0, 0);
    genesis = Block::make_simulated(d.header, std::move(d.txs), sim_id(0, 0));

    // The coin spent twice: the genesis coinbase, the attacker's.
    const OutPoint coin{genesis->txids()[0], 0};
    const Amount value = t.subsidy;
    payment.inputs.push_back(TxIn{coin});
    payment.outputs.push_back(TxOut{kCoin, kMerchant});
    payment.outputs.push_back(TxOut{value - kCoin, kAttacker});
    conflict.inputs.push_back(TxIn{coin});
    conflict.outputs.push_back(TxOut{value, kAttacker});
    pay_out = OutPoint{payment.txid(), 0};
    conflict_out = OutPoint{conflict.txid(), 0};
  }

  // Block `index` of a branch: height index + 1 on the genesis, the first carrying the payment
  // (honest) or the conflicting spend (attacker), the coinbase paying the branch's miner.
  const BlockPtr& block(bool attacker_branch, std::size_t index) {
    std::vector<BlockPtr>& branch = attacker_branch ? attacker : honest;
    while (branch.size() <= index) {
      const std::size_t i = branch.size();
      if (static_cast<std::int64_t>(i) + 1 > kMaxHeight) {
        // Only a race near q = 1/2 from far behind gets here; past it the retarget would
        // change nBits and the blocks would no longer be the same in every trial.
        throw ParseError("a trial ran past height " + std::to_string(kMaxHeight) +
                         ": the attacker is too close to 1/2 for this many blocks; lower z (or K) or move q away from 1/2");
      }
      BlockTemplate t;
      t.prev_hash = i == 0 ? genesis->hash() : branch[i - 1]->hash();
      t.height = static_cast<std::int64_t>(i) + 1;
      t.bits = params.initial_bits;
      t.time = t.min_time = kT0 + params.target_spacing * t.height;
      t.max_time = t.time + 7200;
      t.subsidy = block_subsidy(t.height, params);
      std::vector<Transaction> txs;
      if (i == 0) txs.push_back(attacker_branch ? conflict : payment);
      BlockDraft d = make_block_draft(t, attacker_branch ? kAttacker : "honest", std::move(txs), 0, 0);
      branch.push_back(Block::make_simulated(d.header, std::move(d.txs), sim_id(attacker_branch ? 2 : 1, i)));
    }
    return branch[index];
  }

  // Into the node. Every block here was built on the ledger's own rules: a refusal is a bug.
  AcceptResult give(const BlockPtr& b) {
    AcceptResult r = ledger->accept(b);
    if (!r.ok()) {
      throw std::logic_error("attack: the ledger refused a block: " + std::string(to_string(r.reason)) + " " +
                             r.detail);
    }
    if (r.pow_skipped) pow_skipped = true;
    return r;
  }

  AttackTrial trial() {
    AttackTrial out;
    ledger = std::make_unique<ChainState>(params, options);
    give(genesis);
    std::int64_t h = 0;
    std::int64_t a = cfg.attacker_head_start;
    for (; h < cfg.honest_head_start; ++h) give(block(false, static_cast<std::size_t>(h)));
    // The attacker's own count of its branch's work (what it compares before publishing).
    U256 attacker_work = ledger->info(genesis->hash())->chainwork;
    for (std::int64_t i = 0; i < a; ++i) attacker_work += block(true, static_cast<std::size_t>(i))->work();
    const Hash256 payment_hash = block(false, 0)->hash();

    for (;;) {
      // The merchant ships once the payment's block has z confirmations on the node's chain.
      const bool shipped = h >= 1 && ledger->on_best_chain(payment_hash) &&
                           ledger->height() - ledger->info(payment_hash)->height + 1 >= cfg.confirmations;
      if (shipped && attacker_work > ledger->tip_work()) {
        out.published = true;
        for (std::int64_t i = 0; i < a; ++i) {
          const AcceptResult r = give(block(true, static_cast<std::size_t>(i)));
          if (r.reorg()) {
            ++out.reorgs;
            out.reorg_depth += r.disconnected;
          }
        }
        break;
      }
      if (cutoff.deficit > 0 && h - a > cutoff.deficit) {
        out.cut_off = true;
        break;
      }
      ++out.blocks_mined;
      if (rng.uniform01() < cfg.q) {
        attacker_work += block(true, static_cast<std::size_t>(a))->work();
        ++a;
      } else {
        give(block(false, static_cast<std::size_t>(h)));
        ++h;
      }
    }
    out.honest_blocks = h;
    out.attacker_blocks = a;
    // The verdict is the node's ledger: the merchant's coin is gone, the conflicting spend is there.
    out.success = ledger->find_coin(pay_out) == nullptr && ledger->find_coin(conflict_out) != nullptr;
    return out;
  }
};

AttackSim::AttackSim(const AttackConfig& config) : impl_(std::make_unique<Impl>(config)) {}
AttackSim::~AttackSim() = default;

AttackTrial AttackSim::run_trial() { return impl_->trial(); }

AttackResult AttackSim::run() {
  AttackResult r;
  r.cutoff = impl_->cutoff;
  for (std::uint64_t i = 0; i < impl_->cfg.trials; ++i) {
    const AttackTrial t = impl_->trial();
    ++r.trials;
    r.reorgs += t.reorgs;
    if (t.cut_off) ++r.cut_off;
    if (t.success) {
      ++r.successes;
      r.blocks_in_successes += t.blocks_mined;
    }
  }
  r.pow_skipped = impl_->pow_skipped;
  // At q = 1/2 nothing bounds the cut-off a priori: each trial cut off might have won.
  if (impl_->cfg.q == 0.5) r.cutoff.bias_bound = static_cast<double>(r.cut_off) / static_cast<double>(r.trials);
  return r;
}

const ChainState& AttackSim::last_ledger() const {
  if (!impl_->ledger) throw std::logic_error("attack: no trial has run");
  return *impl_->ledger;
}
OutPoint AttackSim::payment_output() const { return impl_->pay_out; }
OutPoint AttackSim::conflict_output() const { return impl_->conflict_out; }
const BlockPtr& AttackSim::payment_block() const { return impl_->block(false, 0); }
const BlockPtr& AttackSim::conflict_block() const { return impl_->block(true, 0); }
const Cutoff& AttackSim::cutoff() const { return impl_->cutoff; }

}  // namespace powlab::sim
