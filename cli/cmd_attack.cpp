// powlab attack: attacks on proof of work, each simulated on the ledger (core/sim/attack.h) and
// printed beside the closed form it must match. Parses, calls core/sim, prints.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "command.h"
#include "pictures.h"
#include "powlab/sim/attack.h"
#include "powlab/sim/miners.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

// Past these a run takes minutes or the block cache gigabytes; the closed forms (--risk) are
// not limited by them.
constexpr std::int64_t kMaxZ = 100'000;
constexpr std::uint64_t kMaxTrials = 1'000'000'000;
// --risk scans z = 1, 2, ...: each step costs O(z), so the scan stops here and says so.
constexpr std::int64_t kMaxRiskZ = 20'000;

struct DoubleSpendOptions {
  std::string q;
  std::string z;
  std::uint64_t trials = 10'000;
  std::int64_t premine = 1;
  std::uint64_t seed = 1;
  std::string risk;
  std::string svg;
  bool json = false;
  CLI::App* app = nullptr;
};

struct MajorityOptions {
  std::string alpha;
  std::int64_t depth = 0;
  std::uint64_t trials = 10'000;
  std::uint64_t seed = 1;
  bool json = false;
};

struct SelfishOptions {
  std::string alpha;
  std::string gamma;
  std::uint64_t blocks = 200'000;
  std::uint64_t seed = 1;
  bool json = false;
  std::string svg;
};

std::vector<std::string> split_list(const std::string& text, const std::string& option) {
  std::vector<std::string> items;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw UsageError(option + ": malformed list '" + text + "' (an empty item)");
    items.push_back(item);
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

// A share of the hash rate: strictly between 0 and 1.
double parse_share(const std::string& text, const std::string& option) {
  double v = 0;
  try {
    v = sim::parse_number(text, option);
  } catch (const ParseError&) {
    throw UsageError(option + ": '" + text + "' is not a number");
  }
  if (!(v > 0 && v < 1)) throw UsageError(option + ": " + text + " is outside (0, 1)");
  return v;
}

std::int64_t parse_z(const std::string& text, const std::string& option) {
  return parse_integer<std::int64_t>(option, text, 1, kMaxZ);
}

// Seven significant decimals as the values are written; very small values in e-notation.
std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v != 0 && v < 1e-4 ? "%.4e" : "%.7f", v);
  return buf;
}

nlohmann::json nullable(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

constexpr char kWhyCertain[] =
    "q >= 1/2: the attacker's branch gains on the honest one on average (or, at exactly 1/2, returns to "
    "level with certainty), so it gets ahead with probability 1";

struct Row {
  double q = 0;
  std::int64_t z = 0;
  sim::AttackResult result;
  double exact = 0;
  double nakamoto = 0;
};

Row double_spend_row(const DoubleSpendOptions& o, double q, std::int64_t z) {
  sim::AttackConfig c;
  c.q = q;
  c.confirmations = z;
  c.attacker_head_start = o.premine;
  c.trials = o.trials;
  c.seed = o.seed;
  sim::AttackSim s(c);
  Row r;
  r.q = q;
  r.z = z;
  r.result = s.run();
  r.exact = static_cast<double>(sim::double_spend_exact(q, z, static_cast<int>(o.premine)));
  r.nakamoto = static_cast<double>(sim::nakamoto_probability(q, z));
  return r;
}

// The keys every attack's JSON shares: what the trials on the ledger gave, and the cut-off.
nlohmann::json simulated_json(const sim::AttackResult& a, std::uint64_t seed) {
  const sim::Interval ci = sim::wilson_ci95(a.successes, a.trials);
  return {{"trials", a.trials},
          {"seed", seed},
          {"successes", a.successes},
          {"probability", static_cast<double>(a.successes) / static_cast<double>(a.trials)},
          {"ci95", {ci.low, ci.high}},
          {"ci_method", "wilson"},
          {"reorgs", a.reorgs},
          {"proof", "simulated"},
          {"cutoff_deficit", a.cutoff.deficit},
          {"cutoff_bias_bound", a.cutoff.bias_bound},
          {"trials_cut_off", a.cut_off}};
}

nlohmann::json row_json(const Row& r, const DoubleSpendOptions& o) {
  nlohmann::json j = simulated_json(r.result, o.seed);
  j["q"] = r.q;
  j["z"] = r.z;
  j["premine"] = o.premine;
  j["exact"] = r.exact;
  j["nakamoto"] = r.nakamoto;
  if (r.q >= 0.5) j["exact_note"] = kWhyCertain;
  return j;
}

std::string cutoff_line(const sim::AttackResult& a, double q, const char* ratio) {
  std::ostringstream s;
  if (a.cutoff.deficit == 0) {
    s << "no cut-off: every trial ran until the attacker got ahead";
  } else if (q == 0.5) {
    s << "cut-off: a trial more than " << count_noun(static_cast<std::uint64_t>(a.cutoff.deficit), "block")
      << " behind is given up (" << a.cut_off << " were); at 1/2 each might still have won, so the bias is at most "
      << "the fraction given up, " << fmt(a.cutoff.bias_bound);
  } else {
    s << "cut-off: a trial more than " << count_noun(static_cast<std::uint64_t>(a.cutoff.deficit), "block")
      << " behind is given up as failed (" << a.cut_off << " were); that lowers the probability by at most (" << ratio << ")^"
      << (a.cutoff.deficit + 2) << " = " << fmt(a.cutoff.bias_bound);
  }
  return s.str();
}

void print_row_text(const Row& r, const DoubleSpendOptions& o) {
  const sim::AttackResult& a = r.result;
  const double p = static_cast<double>(a.successes) / static_cast<double>(a.trials);
  const sim::Interval ci = sim::wilson_ci95(a.successes, a.trials);
  std::cout << "double spend: attacker q = " << r.q << ", merchant waits z = " << r.z << " confirmations, premine "
            << o.premine
            << (o.premine == 1 ? " (one secret block mined before paying, Rosenfeld's model)" : " (no head start)")
            << "\n";
  std::cout << "  simulated  " << fmt(p) << "  " << a.successes << " of " << count_noun(a.trials, "trial")
            << " on the ledger, 95% CI [" << fmt(ci.low) << ", " << fmt(ci.high) << "] (Wilson), seed " << o.seed
            << "\n";
  std::cout << "  exact      " << fmt(r.exact) << "  the simulated model in closed form (Rosenfeld 2014; Grunspan and "
            << "Perez-Marco 2017)\n";
  std::cout << "  nakamoto   " << fmt(r.nakamoto) << "  the whitepaper's section 11 (Poisson approximation)\n";
  if (r.q >= 0.5) std::cout << "  " << kWhyCertain << "\n";
  std::cout << "  ledger: " << count_noun(a.reorgs, "reorg") << " to the attacker's branch, each leaving the "
            << "merchant's payment off the best chain; blocks with simulated proof of work\n";
  std::cout << "  " << cutoff_line(a, r.q, "q/p") << "\n";
}

int run_risk(const DoubleSpendOptions& o, const std::vector<double>& qs) {
  double risk = 0;
  try {
    risk = sim::parse_number(o.risk, "--risk");
  } catch (const ParseError&) {
    throw UsageError("--risk: '" + o.risk + "' is not a number");
  }
  if (!(risk > 0 && risk < 1)) throw UsageError("--risk: " + o.risk + " is outside (0, 1)");
  nlohmann::json rows = nlohmann::json::array();
  if (!o.json) {
    std::cout << "smallest z with an attack probability below " << o.risk << " (premine " << o.premine << ")\n";
    std::cout << "     q   nakamoto   exact\n";
  }
  for (const double q : qs) {
    std::optional<std::int64_t> zn;
    std::optional<std::int64_t> ze;
    if (q < 0.5) {
      zn = sim::min_z_nakamoto(q, risk, kMaxRiskZ);
      ze = sim::min_z_exact(q, risk, static_cast<int>(o.premine), kMaxRiskZ);
    }
    auto shown = [&](const std::optional<std::int64_t>& v) {
      return v ? std::to_string(*v) : q >= 0.5 ? std::string("never") : "> " + std::to_string(kMaxRiskZ);
    };
    nlohmann::json row = {{"q", q},
                          {"risk", risk},
                          {"premine", o.premine},
                          {"min_z_nakamoto", zn ? nlohmann::json(*zn) : nlohmann::json(nullptr)},
                          {"min_z_exact", ze ? nlohmann::json(*ze) : nlohmann::json(nullptr)}};
    if (q >= 0.5) row["note"] = std::string(kWhyCertain) + ": no z is safe";
    rows.push_back(row);
    if (!o.json) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%6.3f  %9s  %6s\n", q, shown(zn).c_str(), shown(ze).c_str());
      std::cout << buf;
    }
  }
  if (o.json) print_json(rows.size() == 1 ? rows[0] : nlohmann::json{{"rows", rows}});
  if (!o.json && qs.back() >= 0.5) std::cout << "never: " << kWhyCertain << "\n";
  return kExitOk;
}

int run_double_spend(const DoubleSpendOptions& o) {
  std::vector<double> qs;
  for (const auto& t : split_list(o.q, "--q")) qs.push_back(parse_share(t, "--q"));
  if (!o.risk.empty()) {
    if (!o.z.empty()) throw UsageError("--risk finds z itself: give --q without --z");
    if (o.app->count("--trials") > 0 || o.app->count("--seed") > 0) {
      throw UsageError("--risk uses the closed forms only: --trials and --seed do not apply");
    }
    if (!o.svg.empty()) throw UsageError("--svg draws simulated points: give --z instead of --risk");
    return run_risk(o, qs);
  }
  if (!o.svg.empty()) check_svg_path(o.svg);
  if (o.z.empty()) throw UsageError("--z is required (or --risk P to find it)");
  std::vector<std::int64_t> zs;
  for (const auto& t : split_list(o.z, "--z")) zs.push_back(parse_z(t, "--z"));

  const bool table = qs.size() > 1 || zs.size() > 1;
  std::vector<Row> rows;
  for (const double q : qs) {
    for (const std::int64_t z : zs) rows.push_back(double_spend_row(o, q, z));
  }
  if (!o.svg.empty()) {
    std::vector<DoubleSpendPoint> points;
    for (const Row& r : rows) points.push_back({r.q, r.z, r.result.successes, r.result.trials, r.exact, r.nakamoto});
    write_figure(o.svg, double_spend_figure(points, o.premine, o.seed));
  }
  if (o.json) {
    if (!table) {
      print_json(row_json(rows[0], o));
    } else {
      nlohmann::json all = nlohmann::json::array();
      for (const Row& r : rows) all.push_back(row_json(r, o));
      print_json({{"rows", all}});
    }
    return kExitOk;
  }
  if (!table) {
    print_row_text(rows[0], o);
    return kExitOk;
  }
  std::cout << "double spend, premine " << o.premine << ", " << count_noun(o.trials, "trial") << " per row, seed "
            << o.seed << "; 95% CI by Wilson\n";
  std::cout << "     q      z   successes  simulated  95% CI                   exact      nakamoto\n";
  for (const Row& r : rows) {
    const double p = static_cast<double>(r.result.successes) / static_cast<double>(r.result.trials);
    const sim::Interval ci = sim::wilson_ci95(r.result.successes, r.result.trials);
    char buf[200];
    std::snprintf(buf, sizeof buf, "%6.3f  %5lld  %10llu  %s  [%s, %s]  %s  %s\n", r.q, static_cast<long long>(r.z),
                  static_cast<unsigned long long>(r.result.successes), fmt(p).c_str(), fmt(ci.low).c_str(),
                  fmt(ci.high).c_str(), fmt(r.exact).c_str(), fmt(r.nakamoto).c_str());
    std::cout << buf;
  }
  double worst = 0;
  for (const Row& r : rows) worst = std::max(worst, r.result.cutoff.bias_bound);
  std::cout << "cut-off bias at most " << fmt(worst) << " in any row; every success is a reorg on the ledger\n";
  if (qs.back() >= 0.5 || qs.front() >= 0.5) std::cout << kWhyCertain << "\n";
  return kExitOk;
}

int run_majority(const MajorityOptions& o) {
  const double alpha = parse_share(o.alpha, "--alpha");
  sim::AttackConfig c;
  c.q = alpha;
  // The honest chain already holds the K blocks to replace (the first carries the payment the
  // attacker's branch contradicts): the race starts K behind, and nothing waits for a merchant.
  c.honest_head_start = o.depth;
  c.confirmations = o.depth;
  c.trials = o.trials;
  c.seed = o.seed;
  sim::AttackSim s(c);
  const sim::AttackResult a = s.run();
  const double p = static_cast<double>(a.successes) / static_cast<double>(a.trials);
  const sim::Interval ci = sim::wilson_ci95(a.successes, a.trials);
  const double analytic = static_cast<double>(sim::majority_analytic(alpha, o.depth));
  const std::optional<double> mean_analytic = sim::majority_mean_blocks_analytic(alpha, o.depth);
  std::optional<double> mean;
  if (alpha > 0.5 && a.successes > 0) {
    mean = static_cast<double>(a.blocks_in_successes) / static_cast<double>(a.successes);
  }
  if (o.json) {
    nlohmann::json j = simulated_json(a, o.seed);
    j["alpha"] = alpha;
    j["depth"] = o.depth;
    j["analytic"] = analytic;
    j["mean_blocks"] = nullable(mean);
    j["mean_blocks_analytic"] = nullable(mean_analytic);
    print_json(j);
    return kExitOk;
  }
  std::cout << "majority rewrite: attacker alpha = " << alpha << " starts " << count_noun(o.depth, "block")
            << " behind the honest tip\n";
  std::cout << "  simulated  " << fmt(p) << "  " << a.successes << " of " << count_noun(a.trials, "trial")
            << " rewrote the chain on the ledger, 95% CI [" << fmt(ci.low) << ", " << fmt(ci.high)
            << "] (Wilson), seed " << o.seed << "\n";
  std::cout << "  analytic   " << fmt(analytic) << "  min(1, (alpha/(1-alpha))^(K+1))\n";
  if (mean_analytic) {
    std::cout << "  blocks until it is ahead: " << (mean ? fmt(*mean) : std::string("-")) << " simulated, "
              << fmt(*mean_analytic) << " analytic ((K+1)/(2 alpha-1))\n";
  }
  std::cout << "  ledger: " << count_noun(a.reorgs, "reorg") << ", each removing the honest branch's payment\n";
  std::cout << "  " << cutoff_line(a, alpha, "alpha/(1-alpha)") << "\n";
  return kExitOk;
}

// gamma: a fraction of the honest power, 0 and 1 included.
double parse_gamma(const std::string& text) {
  double v = 0;
  try {
    v = sim::parse_number(text, "--gamma");
  } catch (const ParseError&) {
    throw UsageError("--gamma: '" + text + "' is not a number");
  }
  if (!(v >= 0 && v <= 1)) throw UsageError("--gamma: " + text + " is outside [0, 1]");
  return v;
}

struct SelfishRow {
  double alpha = 0;
  double gamma = 0;
  sim::RaceResult race;
  double revenue_share = 0;  // the pool's share of the final best chain's blocks
  double eyal_sirer = 0;
  double threshold = 0;
};

SelfishRow selfish_row(const SelfishOptions& o, double alpha, double gamma) {
  SelfishRow r;
  r.alpha = alpha;
  r.gamma = gamma;
  r.race = sim::run_race(sim::selfish_race_config(alpha, gamma, o.blocks, o.seed));
  // The pool's blocks on the final best chain, counted by walking that chain (race_summary.cpp).
  r.revenue_share = r.race.miners[r.race.selfish.miner].share;
  r.eyal_sirer = sim::eyal_sirer_revenue(alpha, gamma);
  r.threshold = sim::selfish_threshold(gamma);
  return r;
}

std::uint64_t total_reorgs(const sim::RaceResult& r) {
  std::uint64_t n = 0;
  for (const auto& m : r.miners) n += m.reorgs;
  return n;
}

nlohmann::json selfish_json(const SelfishRow& r, const SelfishOptions& o) {
  const sim::SelfishOutcome& s = r.race.selfish;
  return {{"alpha", r.alpha},
          {"gamma", r.gamma},
          {"blocks", o.blocks},
          {"seed", o.seed},
          {"revenue_share", r.revenue_share},
          {"eyal_sirer", r.eyal_sirer},
          {"threshold", r.threshold},
          {"stale_blocks", r.race.stale},
          {"best_chain_blocks", r.race.best_blocks},
          {"pool_best_chain_blocks", r.race.miners[s.miner].blocks},
          {"withheld_blocks", s.withheld},
          {"revealed_blocks", s.revealed},
          {"abandoned_blocks", s.abandoned},
          {"ties", s.ties},
          {"ties_to_pool", s.ties_to_pool},
          {"gamma_measured", s.gamma_measured},
          {"reorgs", total_reorgs(r.race)},
          {"proof", "simulated"}};
}

constexpr char kVerdictAbove[] = "above the threshold: selfish mining earns more than honest mining";
constexpr char kVerdictBelow[] = "below the threshold: selfish mining earns less than honest mining";

void print_selfish_text(const SelfishRow& r, const SelfishOptions& o) {
  const sim::SelfishOutcome& s = r.race.selfish;
  std::cout << "selfish mining: pool alpha = " << r.alpha << ", gamma = " << r.gamma << ", " << count_noun(o.blocks, "block")
            << " found, seed " << o.seed << "\n";
  std::cout << "  simulated    " << fixed(r.revenue_share, 4) << "  the pool's share of the "
            << count_noun(r.race.best_blocks, "best-chain block") << ", read from the final best chain\n";
  std::cout << "  eyal-sirer   " << fixed(r.eyal_sirer, 4) << "  equation 8 (Eyal and Sirer 2014)\n";
  std::cout << "  honest       " << fixed(r.alpha, 4) << "  alpha: what the pool earns mining honestly\n";
  std::cout << "  threshold    " << fixed(r.threshold, 4) << "  (1-gamma)/(3-2gamma); alpha is "
            << (r.alpha > r.threshold ? kVerdictAbove : kVerdictBelow) << "\n";
  std::cout << "  ledger: " << count_noun(s.withheld, "block") << " withheld, " << s.revealed << " revealed, "
            << s.abandoned << " abandoned; " << count_noun(total_reorgs(r.race), "reorg") << "; "
            << count_noun(r.race.stale, "stale block") << "; blocks with simulated proof of work\n";
  std::cout << "  ties: " << count_noun(s.ties, "revealed tie") << " decided by an honest block, " << s.ties_to_pool
            << " on the pool's branch (gamma measured " << fixed(s.gamma_measured, 4) << ")\n";
}

int run_selfish(const SelfishOptions& o) {
  std::vector<double> alphas;
  std::vector<double> gammas;
  for (const auto& t : split_list(o.alpha, "--alpha")) alphas.push_back(parse_share(t, "--alpha"));
  for (const auto& t : split_list(o.gamma, "--gamma")) gammas.push_back(parse_gamma(t));
  if (!o.svg.empty()) check_svg_path(o.svg);
  std::vector<SelfishRow> rows;
  for (const double a : alphas) {
    for (const double g : gammas) rows.push_back(selfish_row(o, a, g));
  }
  if (!o.svg.empty()) {
    std::vector<SelfishPoint> points;
    for (const SelfishRow& r : rows) {
      const sim::MinerOutcome& pool = r.race.miners[r.race.selfish.miner];
      const auto ci = sim::wilson_ci95(pool.blocks, r.race.best_blocks);
      points.push_back({r.alpha, r.gamma, r.revenue_share, ci.low, ci.high});
    }
    write_figure(o.svg, selfish_figure(points));
  }
  const bool table = rows.size() > 1;
  if (o.json) {
    if (!table) {
      print_json(selfish_json(rows[0], o));
    } else {
      nlohmann::json all = nlohmann::json::array();
      for (const SelfishRow& r : rows) all.push_back(selfish_json(r, o));
      print_json({{"rows", all}});
    }
    return kExitOk;
  }
  if (!table) {
    print_selfish_text(rows[0], o);
    return kExitOk;
  }
  std::cout << "selfish mining, " << count_noun(o.blocks, "block") << " found per row, seed " << o.seed
            << "; simulated = the pool's share of the final best chain\n";
  std::cout << " alpha  gamma  simulated  eyal-sirer  threshold  stale blocks  gamma measured\n";
  for (const SelfishRow& r : rows) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%6.3f  %5.3f  %9s  %10s  %9s  %12llu  %14s\n", r.alpha, r.gamma,
                  fixed(r.revenue_share, 4).c_str(), fixed(r.eyal_sirer, 4).c_str(), fixed(r.threshold, 4).c_str(),
                  static_cast<unsigned long long>(r.race.stale), fixed(r.race.selfish.gamma_measured, 4).c_str());
    std::cout << buf;
  }
  return kExitOk;
}

}  // namespace

void add_attack(CLI::App& app, Registry& registry) {
  CLI::App* attack = app.add_subcommand("attack", "attacks on proof of work, simulated on the ledger beside their "
                                                  "closed forms");
  attack->require_subcommand(1);

  auto d = std::make_shared<DoubleSpendOptions>();
  CLI::App* ds = attack->add_subcommand(
      "double-spend", "pay a merchant, wait for z confirmations, then outrun the honest chain with a conflicting spend");
  d->app = ds;
  ds->add_option("--q", d->q, "the attacker's share of the hash rate, in (0, 1); a comma-separated list for a table")
      ->type_name("NUM")
      ->required();
  ds->add_option("--z", d->z, "confirmations the merchant waits for (1.." + std::to_string(kMaxZ) + "); a list too")
      ->type_name("INT");
  add_integer_option<std::uint64_t>(ds, "--trials", d->trials, "trials on the ledger (default 10000)", 1, kMaxTrials);
  add_integer_option<std::int64_t>(ds, "--premine", d->premine,
                                   "1 (default): the attacker mines one secret block before paying; 0: none", 0, 1);
  add_integer_option<std::uint64_t>(ds, "--seed", d->seed, "random seed (default 1)");
  ds->add_option("--risk", d->risk, "print the smallest z with a probability below this, for each --q")
      ->type_name("NUM");
  ds->add_option("--svg", d->svg, "draw probability against z for each q to FILE.svg")->type_name("FILE");
  ds->add_flag("--json", d->json, "print JSON");
  ds->footer(
      "Each trial is a real ledger: a payment to the merchant in the honest branch, a conflicting spend in the\n"
      "attacker's; only who finds the next block is random. The ledger's most-work rule performs the reorg and\n"
      "its coins decide success.\n\n"
      "$ powlab attack double-spend --q 0.3 --z 5\n"
      "  simulated  0.1974000  1974 of 10000 trials on the ledger, 95% CI [0.1897155, 0.2053169] (Wilson), seed 1\n"
      "  exact      0.1976173  the simulated model in closed form (Rosenfeld 2014; Grunspan and Perez-Marco 2017)\n"
      "  nakamoto   0.1773523  the whitepaper's section 11 (Poisson approximation)\n"
      "The whitepaper's table is optimistic: the merchant needs more confirmations (--risk 0.001).");
  registry.push_back({ds, [d] { return run_double_spend(*d); }});

  auto m = std::make_shared<MajorityOptions>();
  CLI::App* mj = attack->add_subcommand("majority", "rewrite the last K blocks: race from K behind until ahead");
  mj->add_option("--alpha", m->alpha, "the attacker's share of the hash rate, in (0, 1)")->type_name("NUM")->required();
  add_integer_option<std::int64_t>(mj, "--depth", m->depth, "blocks to replace, K >= 1", 1, kMaxZ)->required();
  add_integer_option<std::uint64_t>(mj, "--trials", m->trials, "trials on the ledger (default 10000)", 1, kMaxTrials);
  add_integer_option<std::uint64_t>(mj, "--seed", m->seed, "random seed (default 1)");
  mj->add_flag("--json", m->json, "print JSON");
  mj->footer(
      "$ powlab attack majority --alpha 0.4 --depth 2\n"
      "  simulated  0.2982000  2982 of 10000 trials rewrote the chain on the ledger, 95% CI [0.2893127, 0.3072423] "
      "(Wilson), seed 1\n"
      "  analytic   0.2962963  min(1, (alpha/(1-alpha))^(K+1))");
  registry.push_back({mj, [m] { return run_majority(*m); }});

  auto sf = std::make_shared<SelfishOptions>();
  CLI::App* se = attack->add_subcommand(
      "selfish", "a pool withholds its blocks and reveals them to match or override (Eyal and Sirer 2014)");
  se->add_option("--alpha", sf->alpha, "the pool's share of the hash rate, in (0, 1); a comma-separated list for a table")
      ->type_name("NUM")
      ->required();
  se->add_option("--gamma", sf->gamma,
                 "in a tie the pool revealed, the fraction of honest power that mines on the pool's block, in [0, 1]; "
                 "a list too")
      ->type_name("NUM")
      ->required();
  add_integer_option<std::uint64_t>(se, "--blocks", sf->blocks, "blocks found per race (default 200000)", 1,
                                    sim::kMaxSelfishBlocks);
  add_integer_option<std::uint64_t>(se, "--seed", sf->seed, "random seed (default 1)");
  se->add_flag("--json", sf->json, "print JSON");
  se->add_option("--svg", sf->svg, "draw the pool's revenue against alpha for each gamma to FILE.svg")->type_name("FILE");
  se->footer(
      "The pool is a miner in the race engine (event mode): real blocks in one block tree, checked by the\n"
      "ledger's rules; its blocks leave its node only when the Eyal-Sirer state machine says so, and the\n"
      "nodes' most-work fork choice performs the reorgs. Its share is read from the final best chain.\n\n"
      "$ powlab attack selfish --alpha 0.4 --gamma 1 --blocks 50000\n"
      "  simulated    0.5635  the pool's share of the 35371 best-chain blocks, read from the final best chain\n"
      "  eyal-sirer   0.5674  equation 8 (Eyal and Sirer 2014)\n"
      "  honest       0.4000  alpha: what the pool earns mining honestly\n"
      "Below the threshold (1-gamma)/(3-2gamma) selfish mining earns less than its share: try --alpha 0.25 --gamma 0.");
  registry.push_back({se, [sf] { return run_selfish(*sf); }});
}

}  // namespace powlab::cli
