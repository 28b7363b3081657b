// powlab race: miners of unequal power compete for block rewards, on real hashing (live) or
// event-driven at scale (event). Parses, calls core/sim, prints; the race itself is core's.
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "command.h"
#include "mpi_commands.h"
#include "pictures.h"
#include "powlab/consensus/amount.h"
#include "powlab/consensus/target.h"
#include "powlab/ledger/tx.h"
#include "powlab/sim/attack.h"
#include "powlab/sim/race.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

struct RaceOptions {
  std::string miners;
  std::string nodes;
  std::string power_dist = "equal";
  std::string blocks;
  std::string mode = "event";
  std::string delay_ms = "0";
  std::string latency = "fixed";
  std::string topology = "mesh";
  std::string interval = "10";
  std::string retarget = "20";
  std::string halving = "210000";
  std::string bits;
  std::string seed = "1";
  std::string threads = "0";
  std::string kernel;
  std::string hashrate = "0";
  std::string max_seconds = "0";
  std::string events;
  std::string gamma;
  std::string svg;
  bool json = false;
  bool no_view = false;
  std::string sweep;  // issue 15: a grid of event races (race_sweep.h)
  bool mpi = false;
  CLI::App* app = nullptr;  // to ask which options were given
};

// Options that only live mode reads. Event mode never hashes, so taking them silently would
// let a user believe a kernel or a thread count shaped an event race. (Event mode has no
// options of its own that live mode ignores: --delay-ms, --latency, --topology, --bits and
// the network options shape both.)
constexpr const char* kLiveOnly[] = {"--kernel", "--hashrate", "--threads", "--max-seconds", "--no-view"};

// Past a day a link delay teaches nothing (every block goes stale at any --interval up to
// 86400 s), and a bound keeps the race's clock arithmetic far from overflow.
constexpr double kMaxDelayMs = 86'400'000;
constexpr double kMinHashrate = 1000;

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

std::uint64_t parse_u64(const std::string& option, const std::string& text, std::uint64_t min, std::uint64_t max) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    throw UsageError(option + ": '" + text + "' is not a whole number");
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    throw UsageError(option + ": '" + text + "' is out of range [" + std::to_string(min) + ", " + std::to_string(max) +
                     "]");
  }
  return v;
}

double parse_real(const std::string& option, const std::string& text) {
  const double v = sim::parse_number(text, option);
  if (!std::isfinite(v)) throw UsageError(option + ": must be a finite number (got '" + text + "')");
  return v;
}

std::string pad(const std::string& s, std::size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string general(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

double finite_or_zero(double v) { return std::isfinite(v) ? v : 0.0; }

// The live view: redrawn in place on stderr (only when stderr is a terminal).
class LiveScreen {
 public:
  void draw(const sim::LiveView& v) {
    std::ostringstream os;
    if (lines_ > 0) os << "\x1b[" << lines_ << "F";  // back to the first line of the last frame
    int lines = 0;
    auto line = [&](const std::string& s) {
      os << "\x1b[2K" << s << '\n';
      ++lines;
    };
    line("live race  " + fixed(v.seconds, 1) + " s   blocks found " + std::to_string(v.found) + "/" +
         std::to_string(v.target_blocks) + "   height " + std::to_string(v.best_height) + "   nBits " +
         bits_hex(v.bits));
    line(pad("miner", 12) + pad("hash rate", 14, true) + pad("found", 8, true) + pad("on chain", 10, true) +
         pad("rewards", 18, true));
    for (const auto& m : v.miners) {
      line(pad(m.name, 12) + pad(format_hashrate(m.hashrate), 14, true) + pad(std::to_string(m.found), 8, true) +
           pad(std::to_string(m.blocks), 10, true) + pad(format_coins_fixed(m.rewards), 18, true));
    }
    line("recent blocks and forks:");
    for (std::size_t i = 0; i < 8; ++i) line(i < v.recent.size() ? "  " + v.recent[i] : "");
    lines_ = lines;
    std::cerr << os.str() << std::flush;
  }

 private:
  int lines_ = 0;
};

// Key names follow docs/VOCABULARY.md: counts say what they count, amounts are integer base
// units, a unit that is not seconds is in the key (delay_ms, like --delay-ms).
nlohmann::json to_json(const sim::RaceResult& r, std::uint64_t seed) {
  nlohmann::json miners = nlohmann::json::array();
  for (const auto& m : r.miners) {
    miners.push_back({{"name", m.name},
                      {"power", finite_or_zero(m.power)},
                      {"expected_share", finite_or_zero(m.expected_share)},
                      {"share", finite_or_zero(m.share)},
                      {"blocks_found", m.found},
                      {"best_chain_blocks", m.blocks},
                      {"stale_blocks", m.stale},
                      {"rewards", m.rewards},
                      {"reorgs", m.reorgs},
                      {"max_reorg_depth", m.max_reorg_depth},
                      {"hashes_per_second", finite_or_zero(m.hashrate)}});
  }
  nlohmann::json difficulty = nlohmann::json::array();
  for (const auto& d : r.difficulty) {
    difficulty.push_back({{"height", d.height},
                          {"bits", bits_hex(d.bits)},
                          {"difficulty", finite_or_zero(d.difficulty)},
                          {"time", finite_or_zero(d.time)}});
  }
  nlohmann::json j = {{"mode", std::string(sim::to_string(r.mode))},
                      {"amount_unit", "1e-8 coin"},
                      {"miners", miners},
                      {"blocks_found", r.found},
                      {"best_chain_blocks", r.best_blocks},
                      {"stale_blocks", r.stale},
                      {"stale_rate", finite_or_zero(r.stale_rate)},
                      {"stale_rate_formula", finite_or_zero(r.stale_rate_formula)},
                      {"stale_rate_simple", finite_or_zero(r.stale_rate_simple)},
                      {"stale_rate_paths", finite_or_zero(r.stale_rate_paths)},
                      {"path_delay_ms", finite_or_zero(r.path_delay * 1000)},
                      {"delay_ms", finite_or_zero(r.delay * 1000)},
                      {"formula_interval", finite_or_zero(r.formula_interval)},
                      {"mean_interval", finite_or_zero(r.mean_interval)},
                      {"target_interval", r.params.target_spacing},
                      {"retarget", r.params.interval()},
                      {"halving", r.params.halving_interval},
                      {"seed", seed},
                      {"chi_square", finite_or_zero(r.chi_square.statistic)},
                      {"chi_square_dof", r.chi_square.dof},
                      {"p_value", finite_or_zero(r.chi_square.p_value)},
                      {"difficulty", difficulty},
                      {"seconds", finite_or_zero(r.seconds)},
                      {"wall_seconds", finite_or_zero(r.wall_seconds)},
                      {"cpu_seconds", finite_or_zero(r.cpu_seconds)},
                      {"events_processed", r.events},
                      {"block_messages", r.messages},
                      {"nodes_agree", r.nodes_agree},
                      {"pow_checked", !r.pow_skipped},
                      {"topology", r.topology},
                      {"latency", r.latency},
                      {"notes", r.notes}};
  if (r.selfish.present) {
    const sim::SelfishOutcome& s = r.selfish;
    const double alpha = r.miners[s.miner].expected_share;
    const double gamma = s.gamma_network ? s.gamma_measured : s.gamma;
    j["selfish"] = {{"name", r.miners[s.miner].name},
                    // One type per key (docs/VOCABULARY.md): gamma is the number given, or null
                    // when the network decides ties; gamma_source says which.
                    {"gamma", s.gamma_network ? nlohmann::json(nullptr) : nlohmann::json(s.gamma)},
                    {"gamma_source", s.gamma_network ? "network" : "drawn"},
                    {"gamma_measured", s.gamma_measured},
                    {"ties", s.ties},
                    {"ties_to_pool", s.ties_to_pool},
                    {"withheld_blocks", s.withheld},
                    {"revealed_blocks", s.revealed},
                    {"published_at_once_blocks", s.published_at_once},
                    {"abandoned_blocks", s.abandoned},
                    {"revenue_share", finite_or_zero(r.miners[s.miner].share)},
                    {"eyal_sirer", sim::eyal_sirer_revenue(alpha, gamma)},
                    {"threshold", sim::selfish_threshold(gamma)}};
  }
  // Absent, not 0 or null, where the window has no closed form (fewer than 3 blocks).
  if (r.expected_mean_interval > 0) j["expected_mean_interval"] = r.expected_mean_interval;
  return j;
}

void print_table(const sim::RaceResult& r, std::size_t max_rows) {
  std::cout << "powlab race: " << sim::to_string(r.mode) << " mode, " << count_noun(r.miners.size(), "miner") << ", "
            << r.topology << ", latency " << r.latency << "\n"
            << "lab network: target interval " << r.params.target_spacing << " s, retarget every "
            << count_noun(static_cast<std::uint64_t>(r.params.interval()), "block") << ", halving every "
            << count_noun(static_cast<std::uint64_t>(r.params.halving_interval), "block") << "\n";
  if (r.pow_skipped) {
    std::cout << "proof of work: SIMULATED. Event mode never hashes headers; only the PoW check was skipped\n"
                 "               (every other block rule was checked, once per block, in the block tree all\n"
                 "               nodes share)\n";
  } else if (r.latency.find(" MPI ") != std::string::npos) {  // issue 15: a tree per rank
    std::cout << "proof of work: real, checked in full by every node (MPI rank) that received the block\n";
  } else {
    std::cout << "proof of work: real, checked once per block in the block tree all nodes share\n";
  }
  std::cout << '\n'
            << pad("miner", 12) << pad("power", 10, true) << pad("hash share", 12, true) << pad("found", 10, true)
            << pad("best chain", 12, true) << pad("stale", 8, true) << pad("share", 9, true)
            << pad("rewards (coins)", 22, true) << '\n';
  std::size_t shown = 0;
  for (const auto& m : r.miners) {
    if (shown++ == max_rows) {
      std::cout << "... " << count_noun(r.miners.size() - max_rows, "more miner") << " (use --json for all)\n";
      break;
    }
    std::cout << pad(m.name, 12) << pad(fixed(m.power, 3), 10, true) << pad(fixed(m.expected_share, 4), 12, true)
              << pad(std::to_string(m.found), 10, true) << pad(std::to_string(m.blocks), 12, true)
              << pad(std::to_string(m.stale), 8, true) << pad(fixed(m.share, 4), 9, true)
              << pad(format_coins_fixed(m.rewards), 22, true) << '\n';
  }
  std::cout << "\nshare vs hash share: chi-square " << fixed(r.chi_square.statistic, 3) << ", dof " << r.chi_square.dof
            << ", p-value " << general(r.chi_square.p_value)
            << (r.chi_square.dof == 0 ? " (one miner: nothing to test)" : "") << '\n'
            << "blocks: " << r.found << " found, " << r.best_blocks << " on the best chain, " << r.stale << " stale\n"
            << "stale rate: " << fixed(100 * r.stale_rate, 3) << "%   formulas with d = " << fixed(r.delay, 3)
            << " s, T = " << fixed(r.formula_interval, 3) << " s:  1-e^(-d/T) = " << fixed(100 * r.stale_rate_simple, 3)
            << "%,  sum a_i(1-e^(-(1-a_i)d/T)) = " << fixed(100 * r.stale_rate_formula, 3) << "%\n";
  if (r.topology != "mesh") {
    std::cout << "  over " << r.topology << " a block takes several hops; with each pair's path delay (hops x d, "
              << "power-weighted mean " << fixed(r.path_delay, 3) << " s) the per-miner formula gives "
              << fixed(100 * r.stale_rate_paths, 3) << "%";
    if (r.path_origins < r.miners.size()) std::cout << " (from " << r.path_origins << " origins sampled by power)";
    if (r.latency.rfind("fixed", 0) != 0) std::cout << " (d: the mean; relays can beat a drawn latency)";
    std::cout << '\n';
  }
  std::cout << "mean block interval: " << fixed(r.mean_interval, 3) << " s (target " << r.params.target_spacing
            << " s";
  const std::int64_t window = r.params.interval();
  if (r.expected_mean_interval > 0) {
    std::cout << "; expected N*T/(N-2) = " << fixed(r.expected_mean_interval, 3) << " s with N = " << window
              << " at a constant hash rate)\n"
              << "  why not the target: each retarget times N-1 intervals but divides by N, and"
                 " E[1/timespan] > 1/E[timespan]\n";
  } else {
    std::cout << "; a " << count_noun(static_cast<std::uint64_t>(window), "block")
              << " window has no closed-form mean)\n";
  }
  if (!r.difficulty.empty()) {
    std::cout << "difficulty over time (height: nBits difficulty):";
    const std::size_t step = std::max<std::size_t>(1, r.difficulty.size() / 8);
    for (std::size_t i = 0; i < r.difficulty.size(); i += step) {
      const auto& d = r.difficulty[i];
      char buf[96];
      std::snprintf(buf, sizeof buf, "\n  %lld: %s %.6g", static_cast<long long>(d.height), bits_hex(d.bits).c_str(),
                    finite_or_zero(d.difficulty));
      std::cout << buf;
    }
    std::cout << '\n';
  }
  if (r.selfish.present) {
    const sim::SelfishOutcome& s = r.selfish;
    const sim::MinerOutcome& m = r.miners[s.miner];
    const double gamma = s.gamma_network ? s.gamma_measured : s.gamma;
    std::cout << "selfish miner " << m.name << " (Eyal-Sirer): " << count_noun(s.withheld, "block") << " withheld, "
              << s.revealed << " revealed, " << s.abandoned << " abandoned, " << s.published_at_once
              << " published at once (won a tie)\n"
              << "  gamma " << (s.gamma_network ? std::string("from the network (zero-latency links from the pool)")
                                                : fixed(s.gamma, 3) + " (drawn)")
              << ": of " << count_noun(s.ties, "revealed tie") << " an honest block decided, " << s.ties_to_pool
              << " went to the pool's branch: gamma measured " << fixed(s.gamma_measured, 3) << "\n"
              << "  revenue share " << fixed(m.share, 4) << " for hash share " << fixed(m.expected_share, 4)
              << "; Eyal-Sirer equation 8 with gamma " << fixed(gamma, 3) << ": "
              << fixed(sim::eyal_sirer_revenue(m.expected_share, gamma), 4) << ", threshold (1-gamma)/(3-2gamma) "
              << fixed(sim::selfish_threshold(gamma), 4) << "\n"
              << "  the stale-rate formulas above model honest miners and latency only; the pool's ties and "
                 "overrides make the rest\n";
  }
  if (!r.nodes_agree) std::cout << "note: the race ended on an equal-work split; nodes disagree on the tip\n";
  for (const auto& n : r.notes) std::cout << "note: " << n << '\n';
  std::cout << "run: " << fixed(r.wall_seconds, 3) << " s wall, " << fixed(r.cpu_seconds, 3) << " s CPU, "
            << count_noun(r.events, "event") << ", " << count_noun(r.messages, "block message");
  if (r.mode == sim::RaceMode::event && r.cpu_seconds > 0) {
    std::cout << ", " << fixed(static_cast<double>(r.found) / r.cpu_seconds, 0) << " blocks per CPU-second";
  }
  std::cout << '\n';
}

// Every check that can be made before the race starts, in the order a user reads the options.
// Each refusal is a UsageError (one line, exit 2) naming the option and its limit.
sim::RaceConfig build_config(const RaceOptions& o) {
  sim::RaceConfig c;
  if (o.mode == "event") {
    c.mode = sim::RaceMode::event;
  } else if (o.mode == "live") {
    c.mode = sim::RaceMode::live;
  } else {
    throw UsageError("--mode must be live or event (got '" + o.mode + "')");
  }
  if (c.mode == sim::RaceMode::event) {
    for (const char* option : kLiveOnly) {
      if (o.app != nullptr && o.app->count(option) > 0) {
        throw UsageError(std::string(option) + " applies only to --mode live (event mode never hashes)");
      }
    }
  }
  if (!o.miners.empty() && !o.nodes.empty()) throw UsageError("give --miners or --nodes, not both");
  if (!o.miners.empty()) {
    c.miners = sim::parse_miners(o.miners);
    // The race pays each miner in a coinbase whose owner is the miner's name, so the name must
    // pass the ledger's owner rule; checked here so a long name is refused before any block.
    for (const sim::MinerSpec& m : c.miners) {
      if (auto why = check_owner_name(m.name)) throw UsageError("--miners: " + *why);
    }
  } else if (!o.nodes.empty()) {
    c.miners = sim::miners_from_distribution(parse_u64("--nodes", o.nodes, 0, 1'000'000), o.power_dist);
  } else {
    throw UsageError("no miners: give --miners NAME=POWER,... or --nodes N [--power-dist equal|zipf:S]");
  }
  // Powers 1e-300 and 1e300 are each fine, but the first one's share of the total rounds to
  // 0, and a miner with no share cannot be tested against it (the chi-square needs it > 0).
  const std::vector<double> shares = sim::hash_shares(c.miners);
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (!(shares[i] > 0)) {
      throw UsageError("miner '" + c.miners[i].name + "' has a share of the total power that rounds to 0;" +
                       " keep the powers within a factor of 1e300 of each other");
    }
  }
  c.blocks = parse_u64("--blocks", o.blocks, 0, 1'000'000'000);
  if (c.blocks == 0) throw UsageError("--blocks must be at least 1");
  const double delay_ms = parse_real("--delay-ms", o.delay_ms);
  if (delay_ms < 0) throw UsageError("--delay-ms must not be negative (got '" + o.delay_ms + "')");
  if (delay_ms > kMaxDelayMs) {
    throw UsageError("--delay-ms must be at most 86400000 (one day; got '" + o.delay_ms + "')");
  }
  c.latency = sim::make_latency(o.latency, delay_ms);
  c.topology = sim::parse_topology(o.topology);
  c.lab.spacing = static_cast<std::int64_t>(parse_u64("--interval", o.interval, 1, 86400));
  c.lab.retarget_interval = static_cast<std::int64_t>(parse_u64("--retarget", o.retarget, 1, 1'000'000));
  c.lab.halving_interval = static_cast<std::int64_t>(parse_u64("--halving", o.halving, 1, 1'000'000'000));
  c.seed = parse_u64("--seed", o.seed, 0, UINT64_MAX);
  c.threads = static_cast<unsigned>(parse_u64("--threads", o.threads, 0, 1024));
  c.kernel = o.kernel;
  c.live_hashrate = parse_real("--hashrate", o.hashrate);
  c.max_seconds = parse_real("--max-seconds", o.max_seconds);
  if (!o.gamma.empty()) {
    if (!sim::selfish_miner(c.miners)) throw UsageError("--gamma applies only with a :selfish miner in --miners");
    if (o.gamma == "network") {
      if (c.mode != sim::RaceMode::event) throw UsageError("--gamma network needs --mode event");
      c.gamma_network = true;
    } else {
      c.gamma = parse_real("--gamma", o.gamma);
      if (c.gamma < 0 || c.gamma > 1) throw UsageError("--gamma must be in [0, 1] or network (got '" + o.gamma + "')");
    }
  }
  if (c.live_hashrate < 0) throw UsageError("--hashrate must not be negative");
  // Live mode hashes in slices of at least 64 hashes per miner and sleeps off what a slice ran
  // ahead of the cap; under 1000 H/s one sleep would outlast the live view and --max-seconds.
  if (c.live_hashrate > 0 && c.live_hashrate < kMinHashrate) {
    throw UsageError("--hashrate must be 0 (no cap) or at least 1000 H/s (got '" + o.hashrate + "')");
  }
  if (c.max_seconds < 0) throw UsageError("--max-seconds must not be negative");
  if (!o.bits.empty()) {
    try {
      c.lab.initial_bits = parse_bits(o.bits);
    } catch (const UsageError& e) {
      throw UsageError(std::string("--bits: ") + e.what());
    }
  }
  // The network (lab_network's refusals, e.g. a degenerate retarget), miners and topology,
  // before live mode spends time calibrating.
  sim::validate_config(c);
  if (c.mode == sim::RaceMode::event) {
    const std::uint64_t most = sim::max_event_blocks(c.lab);
    if (c.blocks > most) {
      throw UsageError("at --interval " + std::to_string(c.lab.spacing) + " and --retarget " +
                       std::to_string(c.lab.retarget_interval) +
                       " the 32-bit header time (it ends in 2106; the simulated clock starts in 2023) allows at most " +
                       std::to_string(most) + " blocks (asked for " + std::to_string(c.blocks) + ")");
    }
  }
  return c;
}

// issue 15: --sweep (and --mpi) hand each grid point's values to this, over a copy of the options.
int run_sweep(const RaceOptions& o) {
  auto fields = [](RaceOptions& x) {
    return std::map<std::string, std::string*>{{"blocks", &x.blocks},   {"delay-ms", &x.delay_ms}, {"latency", &x.latency},
                                               {"topology", &x.topology}, {"interval", &x.interval}, {"retarget", &x.retarget},
                                               {"bits", &x.bits},       {"nodes", &x.nodes},       {"seed", &x.seed}};
  };
  RaceOptions keys_of = o;
  std::vector<std::string> keys;
  for (const auto& f : fields(keys_of)) keys.push_back(f.first);
  if (o.mode == "live" && o.sweep.empty()) {  // each rank one node (cmd_race_live_mpi.cpp)
    const sim::RaceConfig c = build_config(o);
    return run_race_live_mpi(c, {o.bits.empty(), parse_real("--delay-ms", o.delay_ms), o.latency, o.topology},
                             [&o, &c](const sim::RaceResult& r) { o.json ? print_json(to_json(r, c.seed)) : print_table(r, 40); });
  }
  if (o.mode != "event") throw UsageError("--sweep runs event races only (got --mode " + o.mode + ")");
  if (o.sweep.empty()) throw UsageError("--mpi: event mode splits a --sweep grid across ranks; give --sweep");
  if (!o.events.empty()) throw UsageError("--events cannot be combined with --sweep (every race would write the file)");
  const SweepRun one = [&o, &fields](const SweepPoint& point, bool check_only) -> nlohmann::json {
    RaceOptions x = o;
    for (const auto& [key, value] : point) *fields(x).at(key) = value;
    const sim::RaceConfig c = build_config(x);
    if (check_only) return nullptr;
    return to_json(sim::run_race(c), c.seed);
  };
  return o.mpi ? run_sweep_mpi(o.sweep, keys, {o.json}, one) : run_sweep_local(parse_sweep(o.sweep, keys), {o.json}, one);
}

int run(const RaceOptions& o) {
  if (!o.sweep.empty() || o.mpi) return run_sweep(o);
  sim::RaceConfig c = build_config(o);
  if (o.bits.empty() && c.mode == sim::RaceMode::live) {
    // Calibrate: the first blocks should take about --interval on this machine.
    const double rate = sim::measure_hash_rate(c.threads, c.kernel, 0.2);
    const double cap = c.live_hashrate > 0 ? std::min(rate, c.live_hashrate) : rate;
    c.lab.initial_bits = sim::bits_for_expected_hashes(cap * static_cast<double>(c.lab.spacing), c.lab.pow_limit_bits);
    sim::validate_config(c);
  }

  std::unique_ptr<RacePictures> pictures;  // before the log: destroyed after it closes
  if (!o.svg.empty()) pictures = std::make_unique<RacePictures>(o.svg, o.events);
  std::unique_ptr<sim::EventLog> log;
  if (!o.events.empty() || pictures) {
    log = std::make_unique<sim::EventLog>(pictures ? pictures->event_log_path() : o.events);
    c.log = log.get();
  }
  LiveScreen screen;
  if (c.mode == sim::RaceMode::live) {
    std::signal(SIGINT, on_sigint);
    c.cancel = &g_interrupted;
    if (!o.no_view && isatty(STDERR_FILENO) != 0) c.on_view = [&screen](const sim::LiveView& v) { screen.draw(v); };
  }
  const sim::RaceResult r = sim::run_race(c);
  if (log) log->close();
  if (pictures) pictures->draw(r);
  if (o.json) {
    print_json(to_json(r, c.seed));
  } else {
    print_table(r, 40);
  }
  return kExitOk;
}

}  // namespace

void add_race(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<RaceOptions>();
  CLI::App* sub = app.add_subcommand(
      "race", "miners of unequal power race for block rewards: live on real hashing, or event-driven at scale");
  o->app = sub;
  sub->add_option("--miners", o->miners,
                  "miners and relative powers, e.g. alice=3,bob=1; a suffix :selfish makes one miner an Eyal-Sirer "
                  "selfish pool (bob=1:selfish)");
  sub->add_option("--nodes", o->nodes, "N miners named n1..nN (instead of --miners)")->type_name("INT");
  sub->add_option("--power-dist", o->power_dist, "powers for --nodes: equal or zipf:S (default equal)");
  sub->add_option("--blocks", o->blocks, "stop after this many blocks are found")->required()->type_name("INT");
  sub->add_option("--mode", o->mode, "event (simulated proof, fast) or live (real hashing); default event");
  sub->add_option("--delay-ms", o->delay_ms, "link latency in milliseconds, 0..86400000 (default 0)")->type_name("NUM");
  sub->add_option("--latency", o->latency, "fixed, exp (exponential) or uniform (0..2x), mean --delay-ms");
  sub->add_option("--topology", o->topology, "mesh (default) or random:K (each node opens K links)");
  sub->add_option("--interval", o->interval, "target block interval in seconds (default 10)")->type_name("INT");
  sub->add_option("--retarget", o->retarget, "blocks per retarget period (default 20)")->type_name("INT");
  sub->add_option("--halving", o->halving, "blocks per subsidy halving (default 210000)")->type_name("INT");
  sub->add_option("--bits", o->bits,
                  "initial nBits, e.g. 0x1f00ffff (default: lab's for event mode; calibrated to --interval for live)")
      ->type_name("HEX");
  sub->add_option("--seed", o->seed, "random seed: the same seed gives the same race (default 1)")->type_name("INT");
  sub->add_option("--threads", o->threads, "live: threads per hashing slice (0 = every core, the default)")
      ->type_name("INT");
  sub->add_option("--kernel", o->kernel, "live: hashing kernel (default: the selected one)");
  sub->add_option("--hashrate", o->hashrate, "live: cap the total hash rate in H/s (default: the machine's)")
      ->type_name("NUM");
  sub->add_option("--max-seconds", o->max_seconds, "live: stop after this many seconds (default: no limit)")
      ->type_name("NUM");
  sub->add_option("--events", o->events,
                  "write every event (found/received/reorg, and withheld/revealed for a selfish miner) to this CSV file")
      ->type_name("FILE");
  sub->add_option("--gamma", o->gamma,
                  "with a :selfish miner: in a tie it revealed, the fraction of honest power on its block, in [0, 1] "
                  "(default 0), or network (event mode: the pool has zero-latency links, the first-seen rule decides)")
      ->type_name("NUM|network");
  sub->add_option("--svg", o->svg, "draw the fork tree to FILE.svg, and FILE-share.svg, FILE-difficulty.svg")
      ->type_name("FILE");
  sub->add_flag("--json", o->json, "print the summary as JSON");
  sub->add_flag("--no-view", o->no_view, "live: no live view on the terminal");
  sub->add_option("--sweep", o->sweep, "event: a grid of races, e.g. \"delay-ms=1000,5000;seed=1..8\"; one row each (CSV, or --json)")
      ->type_name("GRID");
  sub->add_flag("--mpi", o->mpi, "under mpirun: split the --sweep grid across ranks; rank 0 prints the rows in grid order");
  registry.push_back({sub, [o] {
                        try {
                          return run(*o);
                        } catch (const std::invalid_argument& e) {
                          throw UsageError(e.what());  // e.g. an unknown --kernel
                        }
                      }});
}

}  // namespace powlab::cli
