// The race's summary: shares against the hash shares, the stale rate against its formulas,
// the difficulty over time, and (for tests) every node's chain replayed into a ChainState.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "powlab/consensus/target.h"
#include "race_engine.h"

namespace powlab::sim::detail {

// Every node's view replayed into a ChainState of its own, in the order the node took the
// blocks: the ledger's full fork choice and validation, independent of the shared tree.
std::vector<ChainState> Race::replay_chains() const {
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

// The per-miner formula with each pair's path delay (RaceResult::stale_rate_paths): the
// exposure of miner i is d * sum_j a_j hops(i, j), from one BFS per origin.
void Race::path_formula(const std::vector<double>& shares, RaceResult& res) {
  const double d = cfg_.latency.mean;
  if (topology_.is_mesh() || n_ == 1) {
    res.stale_rate_paths = res.stale_rate_formula;
    res.path_delay = d;
    res.path_origins = n_;
    return;
  }
  // Every miner, each weighted by its share; or, past kExact nodes, kSample origins drawn by
  // share, each weighted 1/kSample (the plain mean then estimates the share-weighted sum).
  std::vector<std::uint32_t> origins;
  std::vector<double> weight;
  constexpr std::uint32_t kExact = 10000, kSample = 1000;
  if (n_ <= kExact) {
    origins.resize(n_);
    for (std::uint32_t i = 0; i < n_; ++i) origins[i] = i;
    weight = shares;
  } else {
    // Sampled with replacement, on a stream of its own: the race is unchanged.
    Rng pick(cfg_.seed ^ 0x70617468ull);
    std::vector<double> cumulative(shares.size());
    std::partial_sum(shares.begin(), shares.end(), cumulative.begin());
    for (std::uint32_t k = 0; k < kSample; ++k) {
      const double u = pick.uniform01() * cumulative.back();
      const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
      origins.push_back(static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(it - cumulative.begin(), n_ - 1)));
    }
    weight.assign(kSample, 1.0 / kSample);
  }
  std::vector<std::uint32_t> order, layer_end;
  std::vector<double> exposure;
  double delay_sum = 0, pair_weight = 0;
  for (std::size_t o = 0; o < origins.size(); ++o) {
    const std::uint32_t i = origins[o];
    plan_flood(i, order, layer_end);
    double x = 0;
    std::uint32_t begin = 0;
    for (std::size_t k = 0; k < layer_end.size(); ++k) {
      double layer = 0;
      for (std::uint32_t j = begin; j < layer_end[k]; ++j) layer += shares[order[j]];
      x += static_cast<double>(k + 1) * d * layer;
      begin = layer_end[k];
    }
    exposure.push_back(x);
    delay_sum += weight[o] * x;
    pair_weight += weight[o] * (1 - shares[i]);
  }
  res.path_origins = origins.size();
  res.stale_rate_paths = stale_rate_paths(weight, exposure, res.formula_interval);
  res.path_delay = pair_weight > 0 ? delay_sum / pair_weight : 0;
}

RaceResult Race::summarize() {
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
  res.expected_mean_interval = expected_mean_interval(static_cast<double>(params_.target_spacing), interval);
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
  summarize_selfish(res);
  return res;
}

}  // namespace powlab::sim::detail

namespace powlab::sim {

// The clock after B blocks is B times the mean interval the retarget settles on, which is
// N*T/(N-2) (stats.cpp) for a window of N >= 3 blocks. For N = 2 it has no closed form; a Monte
// Carlo of Core's rule with its x4 clamp puts it near 5 T, so 6 T stands in for it. On top of
// that, a factor 1.25, for two things the closed form leaves out:
//   - a target held at the powLimit raises the mean (Monte Carlo: +5% at N = 20, +4% at N = 2);
//   - the randomness of the total: the limit binds only from room / (86400 s * 6 * 1.25),
//     about 4,000 blocks, up, and there the total's relative standard deviation is under 2% for
//     every window (Monte Carlo, N = 2..20), so 25% is more than ten of them.
// Conservative on purpose: a refused run costs a message, a wrapped header time a failed race.
std::uint64_t max_event_blocks(const LabOptions& lab) {
  constexpr double kHeaderTimeEnd = 4294967295.0;  // 2^32 - 1, the last 32-bit header time
  constexpr double kMargin = 1.25;
  const double spacing = static_cast<double>(std::max<std::int64_t>(1, lab.spacing));
  const double settles = lab.retarget_interval >= 3
                             ? expected_mean_interval(spacing, lab.retarget_interval)
                             : 6.0 * spacing;
  const double room = kHeaderTimeEnd - static_cast<double>(detail::kSimGenesisTime);
  return static_cast<std::uint64_t>(std::floor(room / (settles * kMargin)));
}

}  // namespace powlab::sim
