// powlab race: miners of unequal power compete for block rewards, on real hashing (live) or
// event-driven at scale (event). Parses, calls core/sim, prints; the race itself is core's.
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "command.h"
#include "powlab/util/error.h"
#include "powlab/sim/race.h"
#include "powlab/consensus/target.h"

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
  std::string threads = "1";
  std::string kernel;
  std::string hashrate = "0";
  std::string max_seconds = "0";
  std::string events;
  bool json = false;
  bool no_view = false;
};

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

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";  // never NaN in the output
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
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
    line("live race  " + fixed(v.seconds, 1) + " s   blocks " + std::to_string(v.found) + "/" +
         std::to_string(v.target_blocks) + "   height " + std::to_string(v.best_height) + "   nBits " +
         bits_hex(v.bits));
    line(pad("miner", 12) + pad("H/s", 12, true) + pad("found", 8, true) + pad("on chain", 10, true) +
         pad("rewards", 18, true));
    for (const auto& m : v.miners) {
      line(pad(m.name, 12) + pad(fixed(m.hashrate, 0), 12, true) + pad(std::to_string(m.found), 8, true) +
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

nlohmann::json to_json(const sim::RaceResult& r) {
  nlohmann::json miners = nlohmann::json::array();
  for (const auto& m : r.miners) {
    miners.push_back({{"name", m.name},
                      {"power", finite_or_zero(m.power)},
                      {"expected_share", finite_or_zero(m.expected_share)},
                      {"share", finite_or_zero(m.share)},
                      {"blocks", m.blocks},
                      {"found", m.found},
                      {"stale", m.stale},
                      {"rewards", m.rewards},
                      {"reorgs", m.reorgs},
                      {"hashrate", finite_or_zero(m.hashrate)}});
  }
  nlohmann::json difficulty = nlohmann::json::array();
  for (const auto& d : r.difficulty) {
    difficulty.push_back({{"height", d.height},
                          {"bits", bits_hex(d.bits)},
                          {"difficulty", finite_or_zero(d.difficulty)},
                          {"time", finite_or_zero(d.time)}});
  }
  return {{"mode", std::string(sim::to_string(r.mode))},
          {"miners", miners},
          {"blocks", r.found},
          {"best_chain_blocks", r.best_blocks},
          {"stale", r.stale},
          {"stale_rate", finite_or_zero(r.stale_rate)},
          {"stale_rate_formula", finite_or_zero(r.stale_rate_formula)},
          {"stale_rate_simple", finite_or_zero(r.stale_rate_simple)},
          {"stale_rate_paths", finite_or_zero(r.stale_rate_paths)},
          {"path_delay_seconds", finite_or_zero(r.path_delay)},
          {"delay_seconds", finite_or_zero(r.delay)},
          {"formula_interval", finite_or_zero(r.formula_interval)},
          {"mean_interval", finite_or_zero(r.mean_interval)},
          {"target_interval", r.params.target_spacing},
          {"chi_square", finite_or_zero(r.chi_square.statistic)},
          {"chi_square_dof", r.chi_square.dof},
          {"p_value", finite_or_zero(r.chi_square.p_value)},
          {"difficulty", difficulty},
          {"seconds", finite_or_zero(r.seconds)},
          {"wall_seconds", finite_or_zero(r.wall_seconds)},
          {"cpu_seconds", finite_or_zero(r.cpu_seconds)},
          {"events", r.events},
          {"messages", r.messages},
          {"nodes_agree", r.nodes_agree},
          {"pow_checked", !r.pow_skipped},
          {"topology", r.topology},
          {"latency", r.latency},
          {"notes", r.notes}};
}

void print_table(const sim::RaceResult& r, std::size_t max_rows) {
  std::cout << "powlab race: " << sim::to_string(r.mode) << " mode, " << r.miners.size() << " miners, " << r.topology
            << ", latency " << r.latency << "\n"
            << "lab network: target interval " << r.params.target_spacing << " s, retarget every "
            << r.params.interval() << " blocks, halving every " << r.params.halving_interval << " blocks\n";
  if (r.pow_skipped) {
    std::cout << "proof of work: SIMULATED. Event mode never hashes headers; only the PoW check was skipped\n"
                 "               (every other block rule was checked, once per block, in the block tree all\n"
                 "               nodes share)\n";
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
      std::cout << "... " << (r.miners.size() - max_rows) << " more (use --json for all)\n";
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
            << " s)\n";
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
  if (!r.nodes_agree) std::cout << "note: the race ended on an equal-work split; nodes disagree on the tip\n";
  for (const auto& n : r.notes) std::cout << "note: " << n << '\n';
  std::cout << "run: " << fixed(r.wall_seconds, 3) << " s wall, " << fixed(r.cpu_seconds, 3) << " s CPU, " << r.events
            << " events, " << r.messages << " block messages";
  if (r.mode == sim::RaceMode::event && r.cpu_seconds > 0) {
    std::cout << ", " << fixed(static_cast<double>(r.found) / r.cpu_seconds, 0) << " blocks per CPU-second";
  }
  std::cout << '\n';
}

int run(const RaceOptions& o) {
  sim::RaceConfig c;
  if (o.mode == "event") {
    c.mode = sim::RaceMode::event;
  } else if (o.mode == "live") {
    c.mode = sim::RaceMode::live;
  } else {
    throw UsageError("--mode must be live or event (got '" + o.mode + "')");
  }
  if (!o.miners.empty() && !o.nodes.empty()) throw UsageError("give --miners or --nodes, not both");
  if (!o.miners.empty()) {
    c.miners = sim::parse_miners(o.miners);
  } else if (!o.nodes.empty()) {
    c.miners = sim::miners_from_distribution(parse_u64("--nodes", o.nodes, 0, 1'000'000), o.power_dist);
  } else {
    throw UsageError("no miners: give --miners NAME=POWER,... or --nodes N [--power-dist equal|zipf:S]");
  }
  c.blocks = parse_u64("--blocks", o.blocks, 0, 1'000'000'000);
  if (c.blocks == 0) throw UsageError("--blocks must be at least 1");
  c.latency = sim::make_latency(o.latency, parse_real("--delay-ms", o.delay_ms));
  c.topology = sim::parse_topology(o.topology);
  c.lab.spacing = static_cast<std::int64_t>(parse_u64("--interval", o.interval, 1, 86400));
  c.lab.retarget_interval = static_cast<std::int64_t>(parse_u64("--retarget", o.retarget, 1, 1'000'000));
  c.lab.halving_interval = static_cast<std::int64_t>(parse_u64("--halving", o.halving, 1, 1'000'000'000));
  c.seed = parse_u64("--seed", o.seed, 0, UINT64_MAX);
  c.threads = static_cast<unsigned>(parse_u64("--threads", o.threads, 0, 1024));
  c.kernel = o.kernel;
  c.live_hashrate = parse_real("--hashrate", o.hashrate);
  c.max_seconds = parse_real("--max-seconds", o.max_seconds);
  if (c.live_hashrate < 0) throw UsageError("--hashrate must not be negative");
  if (c.max_seconds < 0) throw UsageError("--max-seconds must not be negative");
  if (!o.bits.empty()) {
    c.lab.initial_bits = parse_bits(o.bits);
  } else if (c.mode == sim::RaceMode::live) {
    // Calibrate: the first blocks should take about --interval on this machine.
    const double rate = sim::measure_hash_rate(c.threads, c.kernel, 0.2);
    const double cap = c.live_hashrate > 0 ? std::min(rate, c.live_hashrate) : rate;
    c.lab.initial_bits = sim::bits_for_expected_hashes(cap * static_cast<double>(c.lab.spacing), c.lab.pow_limit_bits);
  }
  sim::validate_config(c);

  std::unique_ptr<sim::EventLog> log;
  if (!o.events.empty()) {
    log = std::make_unique<sim::EventLog>(o.events);
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
  if (o.json) {
    print_json(to_json(r));
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
  sub->add_option("--miners", o->miners, "miners and relative powers, e.g. alice=3,bob=1");
  sub->add_option("--nodes", o->nodes, "N miners named n1..nN (instead of --miners)");
  sub->add_option("--power-dist", o->power_dist, "powers for --nodes: equal or zipf:S (default equal)");
  sub->add_option("--blocks", o->blocks, "stop after this many blocks are found")->required();
  sub->add_option("--mode", o->mode, "event (simulated proof, fast) or live (real hashing); default event");
  sub->add_option("--delay-ms", o->delay_ms, "link latency in milliseconds (default 0)");
  sub->add_option("--latency", o->latency, "fixed, exp (exponential) or uniform (0..2x), mean --delay-ms");
  sub->add_option("--topology", o->topology, "mesh (default) or random:K (each node opens K links)");
  sub->add_option("--interval", o->interval, "target block interval in seconds (default 10)");
  sub->add_option("--retarget", o->retarget, "blocks per retarget period (default 20)");
  sub->add_option("--halving", o->halving, "blocks per subsidy halving (default 210000)");
  sub->add_option("--bits", o->bits,
                  "initial nBits, e.g. 0x1f00ffff (default: lab's for event mode; calibrated to --interval for live)");
  sub->add_option("--seed", o->seed, "random seed: the same seed gives the same race (default 1)");
  sub->add_option("--threads", o->threads, "live: threads per hashing slice (0 = every core; default 1)");
  sub->add_option("--kernel", o->kernel, "live: hashing kernel (default: the selected one)");
  sub->add_option("--hashrate", o->hashrate, "live: cap the total hash rate in H/s (default: the machine's)");
  sub->add_option("--max-seconds", o->max_seconds, "live: stop after this many seconds (default: no limit)");
  sub->add_option("--events", o->events, "write every event (found/received/reorg) to this CSV file");
  sub->add_flag("--json", o->json, "print the summary as JSON");
  sub->add_flag("--no-view", o->no_view, "live: no live view on the terminal");
  registry.push_back({sub, [o] {
                        try {
                          return run(*o);
                        } catch (const std::invalid_argument& e) {
                          throw UsageError(e.what());  // e.g. an unknown --kernel
                        }
                      }});
}

}  // namespace powlab::cli
