// powlab cryptojack: what a hijacked fleet earns, what its victims pay, and what a CPU alarm
// sees when the miner throttles (issue 12, parts 1 and 2). The model is core/sim/cryptojack.h;
// this file parses, measures this machine's rate when asked, and prints. It never connects
// anywhere: arithmetic on published figures and, with --host-hashrate auto, one local bench.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "command.h"
#include "pictures.h"
#include "powlab/consensus/header.h"
#include "powlab/consensus/target.h"
#include "powlab/mining/search.h"
#include "powlab/sim/cryptojack.h"
#include "powlab/sim/miners.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

struct CryptojackOptions {
  std::string preset;
  bool explain = false;
  std::map<std::string, std::string> values;  // option name -> text, only those given
  std::string host_hashrate, network_bits, threads, cores, cpu_distribution;
  bool throttle_sweep = false;
  std::string svg;  // --throttle-sweep
  bool json = false;
};

// The plain numeric options: name, help. Each lands in values[name] when given.
struct NumOption {
  const char* name;
  const char* help;
};
constexpr NumOption kNumOptions[] = {
    {"--hosts", "fleet: number of hijacked hosts (with --seconds)"},
    {"--seconds", "fleet: seconds each host mines"},
    {"--sessions", "fleet: browser sessions, one after another (with --session-seconds)"},
    {"--session-seconds", "fleet: average seconds a session mines"},
    {"--hashes", "fleet: a plain count of hashes instead"},
    {"--coinhive-throttle",
     "Coinhive's throttle: the fraction of time the miner sits IDLE, in [0, 1) (default 0). "
     "Not `mine --throttle`, which is the fraction of CPU USED: coinhive-throttle 0.7 = mine --throttle 0.3"},
    {"--network-difficulty", "the coin's expected hashes per block (Monero's difficulty)"},
    {"--block-reward", "coins per block"},
    {"--block-time", "the network's seconds per block (for the fleet's share of the network)"},
    {"--fee", "the mining service's cut, in [0, 1) (Coinhive kept 0.3)"},
    {"--coin-price", "price of one coin (any currency; the same as --kwh-price)"},
    {"--watts-load", "watts one host draws while mining flat out"},
    {"--watts-idle", "watts one host draws idle"},
    {"--kwh-price", "price of one kWh"},
    {"--threshold", "with --cpu-distribution: the alarm's CPU threshold, percent of one core"},
};

double number(const std::string& option, const std::string& text) {
  const double v = sim::parse_number(text, option);
  if (!std::isfinite(v)) throw UsageError(option + ": must be a finite number (got '" + text + "')");
  if (v < 0) throw UsageError(option + ": must not be negative (got '" + text + "')");
  return v;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "1 host", "2.5 hosts": counts here are real numbers (a fleet can be given as 1e5).
std::string count_of(double n, const std::string& noun) { return fmt("%g", n) + " " + noun + (n == 1 ? "" : "s"); }

// Eight decimals and the unit (docs/VOCABULARY.md); a value too small for eight decimals also
// shows its digits, so "0.00000000 coins" never hides a result.
std::string coins(double v) {
  std::string s = fmt("%.8f coins", v);
  if (v != 0 && std::fabs(v) < 5e-9) s += " (" + fmt("%.3g", v) + ")";
  return s;
}


// This machine's sha256d rate on every core, for about half a second: the bench's search, on
// the genesis header, with a target nothing meets (only the rate matters).
double measure_host_rate(unsigned cores) {
  SearchRequest req;
  req.header = BlockHeader::from_hex(
      "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc8"
      "1bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c");
  req.target = U256(0);
  req.threads = cores;
  req.max_seconds = 0.5;
  return search_nonces(req).hashes_per_second;
}

void explain(const sim::CryptojackPreset& p, bool json) {
  const sim::CryptojackInputs& in = p.inputs;
  if (json) {
    print_json({{"preset", p.name}, {"date", p.date}, {"summary", p.summary}, {"sources", p.sources},
                {"assumptions", p.assumptions}, {"reported_attacker_coins", opt_json(p.reported_attacker_coins)}});
    return;
  }
  std::cout << "preset " << p.name << " (" << p.date << "): " << p.summary << "\ninputs:\n";
  if (in.hashes) std::cout << "  --hashes " << fmt("%.0f", *in.hashes) << '\n';
  if (in.hosts > 0) std::cout << "  --hosts " << fmt("%g", in.hosts) << " --seconds " << fmt("%g", in.seconds) << '\n';
  if (in.sessions > 0) {
    std::cout << "  --sessions " << fmt("%g", in.sessions) << " --session-seconds " << fmt("%g", in.session_seconds)
              << '\n';
  }
  if (in.host_hashes_per_second > 0) {
    std::cout << "  --host-hashrate " << fmt("%g", in.host_hashes_per_second) << " ("
              << format_hashrate(in.host_hashes_per_second) << "), threads " << fmt("%g", in.threads) << " of "
              << fmt("%g", in.cores) << " cores\n";
  }
  std::cout << "  --network-difficulty " << fmt("%.0f", in.expected_hashes_per_block) << " --block-reward "
            << fmt("%g", in.block_reward) << " --block-time " << fmt("%g", in.block_time) << " --fee "
            << fmt("%g", in.fee) << '\n';
  if (in.coin_price > 0 || in.watts_load > 0) {
    std::cout << "  --coin-price " << fmt("%g", in.coin_price) << " --watts-load " << fmt("%g", in.watts_load)
              << " --watts-idle " << fmt("%g", in.watts_idle) << " --kwh-price " << fmt("%g", in.kwh_price) << '\n';
  }
  std::cout << "sources:\n";
  for (const auto& s : p.sources) std::cout << "  " << s << '\n';
  std::cout << "assumptions:\n";
  for (const auto& s : p.assumptions) std::cout << "  " << s << '\n';
}

int run_detection(const CryptojackOptions& o, const std::optional<double>& throttle) {
  if (!o.values.count("--threshold")) throw UsageError("--cpu-distribution needs --threshold PCT");
  for (const auto& [name, text] : o.values) {
    if (name != "--threshold" && name != "--coinhive-throttle") {
      throw UsageError(name + " is not used with --cpu-distribution (the alarm model takes --threshold and a throttle)");
    }
  }
  // The alarm model reads a distribution, a threshold and a throttle; taking a fleet or a coin
  // silently would let a user believe they shaped the result.
  using Given = std::pair<bool, const char*>;
  for (const auto& [given, name] : std::initializer_list<Given>{{!o.preset.empty(), "--preset"},
                                                                {o.explain, "--explain"},
                                                                {!o.host_hashrate.empty(), "--host-hashrate"},
                                                                {!o.network_bits.empty(), "--network-bits"},
                                                                {!o.threads.empty(), "--threads"},
                                                                {!o.cores.empty(), "--cores"}}) {
    if (given) {
      throw UsageError(std::string(name) +
                       " is not used with --cpu-distribution (the alarm model takes --threshold and a throttle)");
    }
  }
  if (o.throttle_sweep && throttle) throw UsageError("give --coinhive-throttle or --throttle-sweep, not both");
  const double threshold = number("--threshold", o.values.at("--threshold"));
  const std::vector<double> cpu = sim::load_cpu_distribution(o.cpu_distribution);
  if (!o.throttle_sweep) {
    const double t = throttle.value_or(0);
    const double d = sim::detected_fraction(cpu, threshold, t);
    if (o.json) {
      print_json({{"model", "closed form over a measured distribution"}, {"sites", cpu.size()},
                  {"threshold", threshold}, {"throttle", t}, {"detected_fraction", d}});
    } else {
      std::cout << "powlab cryptojack: CPU alarm model over " << count_noun(cpu.size(), "site") << " (each site's CPU x (1 - "
                << "throttle) against " << fmt("%g", threshold) << "% of one core)\n"
                << "throttle " << fmt("%.2f", t) << " (Coinhive's: fraction idle): detected_fraction "
                << fmt("%.3f", d) << '\n';
    }
    return kExitOk;
  }
  const auto rows = sim::throttle_sweep(cpu, threshold);
  const double best = sim::best_throttle(rows);
  if (!o.svg.empty()) write_figure(o.svg, throttle_figure(rows, threshold, cpu.size()));
  if (o.json) {
    nlohmann::json sweep = nlohmann::json::array();
    for (const auto& r : rows) {
      sweep.push_back({{"throttle", r.throttle}, {"revenue_fraction", r.revenue_fraction},
                       {"detected_fraction", r.detected_fraction}, {"undetected_revenue", r.undetected_revenue}});
    }
    print_json({{"model", "closed form over a measured distribution"}, {"sites", cpu.size()}, {"threshold", threshold},
                {"sweep", sweep}, {"best_throttle", best}});
    return kExitOk;
  }
  std::cout << "powlab cryptojack: throttle sweep over " << count_noun(cpu.size(), "site") << ", alarm above "
            << fmt("%g", threshold) << "% of one core (model: each site's CPU x (1 - throttle))\n"
            << "throttle = Coinhive's, the fraction of time idle; revenue_fraction = 1 - throttle;\n"
            << "undetected_revenue = revenue_fraction x (1 - detected_fraction)\n\n"
            << "throttle  revenue_fraction  detected_fraction  undetected_revenue\n";
  for (const auto& r : rows) {
    std::printf("%8.2f  %16.3f  %17.3f  %18.3f%s\n", r.throttle, r.revenue_fraction, r.detected_fraction,
                r.undetected_revenue, r.throttle == best ? "  <- best" : "");
  }
  std::fflush(stdout);
  std::cout << "\nbest_throttle " << fmt("%.2f", best)
            << ": past it the miner earns less; below it the alarm catches more sites than the extra hashes pay for\n";
  return kExitOk;
}

// What run() needs besides the model's inputs: how they were given.
struct ModelInputs {
  sim::CryptojackInputs in;
  const sim::CryptojackPreset* preset = nullptr;
  std::optional<std::uint32_t> bits;  // --network-bits, with its exact work
  U256 work;
  bool measured = false;  // --host-hashrate auto
};

constexpr double kSecondsPerYear = 365.25 * 86'400;
constexpr const char* kWhyNotBitcoin =
    "CPU-friendly proof of work is why Coinhive mined Monero: Bitcoin's sha256d belongs to ASICs, so a CPU fleet "
    "waits ages for a block, while Monero's CryptoNight ran on the CPUs a browser or a hijacked server has";

// The model's inputs: the preset's, then every option given on top of it, checked.
ModelInputs read_inputs(const CryptojackOptions& o, std::optional<double> throttle,
                        const sim::CryptojackPreset* preset) {
  ModelInputs m;
  m.preset = preset;
  sim::CryptojackInputs& in = m.in;
  in = preset ? preset->inputs : sim::CryptojackInputs{};
  const unsigned this_cores = usable_cores();
  if (!preset) in.threads = in.cores = this_cores;
  auto given = [&](const char* name) { return o.values.count(name) > 0; };
  auto value = [&](const char* name) { return number(name, o.values.at(name)); };

  // The fleet: one form, and an explicit one replaces the preset's whole fleet.
  const bool hosts_form = given("--hosts") || given("--seconds");
  const bool sessions_form = given("--sessions") || given("--session-seconds");
  const bool hashes_form = given("--hashes");
  if (hosts_form + sessions_form + hashes_form > 1) {
    throw UsageError("give one fleet: --hosts/--seconds, --sessions/--session-seconds, or --hashes");
  }
  if (hosts_form || sessions_form || hashes_form) {
    in.hosts = in.seconds = in.sessions = in.session_seconds = 0;
    in.hashes.reset();
  }
  if (hosts_form) {
    if (!given("--hosts") || !given("--seconds")) throw UsageError("--hosts and --seconds go together");
    in.hosts = value("--hosts");
    in.seconds = value("--seconds");
  }
  if (sessions_form) {
    if (!given("--sessions") || !given("--session-seconds")) {
      throw UsageError("--sessions and --session-seconds go together");
    }
    in.sessions = value("--sessions");
    in.session_seconds = value("--session-seconds");
  }
  if (hashes_form) in.hashes = value("--hashes");

  if (given("--network-difficulty") && !o.network_bits.empty()) {
    throw UsageError("give --network-difficulty or --network-bits, not both");
  }
  if (given("--network-difficulty")) in.expected_hashes_per_block = value("--network-difficulty");
  if (!o.network_bits.empty()) {
    m.bits = parse_bits(o.network_bits);
    const CompactTarget t = decode_compact(*m.bits);
    if (t.negative || t.overflow || t.target == U256(0)) {
      throw UsageError("--network-bits " + bits_hex(*m.bits) + " is not a valid target (negative, zero or overflow)");
    }
    // Consensus integers first (the exact work of this nBits); the double is for the model.
    m.work = work_from_target(t.target);
    in.expected_hashes_per_block = m.work.to_double();
  }
  if (given("--block-reward")) in.block_reward = value("--block-reward");
  if (given("--block-time")) in.block_time = value("--block-time");
  if (given("--fee")) in.fee = value("--fee");
  if (given("--coin-price")) in.coin_price = value("--coin-price");
  if (given("--watts-load")) in.watts_load = value("--watts-load");
  if (given("--watts-idle")) in.watts_idle = value("--watts-idle");
  if (given("--kwh-price")) in.kwh_price = value("--kwh-price");
  if (throttle) in.throttle = *throttle;
  if (!o.cores.empty()) in.cores = static_cast<double>(parse_integer<unsigned>("--cores", o.cores, 1, 1'000'000));
  if (!o.threads.empty()) {
    const unsigned t = parse_integer<unsigned>("--threads", o.threads, 0, 1'000'000);
    in.threads = t == 0 ? in.cores : t;  // docs/VOCABULARY.md: 0 = every core
  } else if (!o.cores.empty() && !preset) {
    in.threads = in.cores;
  }
  if (in.threads > in.cores) throw UsageError("--threads must not exceed the host's --cores");

  if (o.host_hashrate == "auto") {
    if (!o.cores.empty()) {
      throw UsageError("--cores is this machine's own with --host-hashrate auto; give a rate to model other hosts");
    }
    // The rate of this machine on every core; a fleet of hosts like it.
    in.cores = this_cores;
    if (o.threads.empty()) in.threads = this_cores;
    if (in.threads > in.cores) throw UsageError("--threads must not exceed this machine's cores with --host-hashrate auto");
    in.host_hashes_per_second = measure_host_rate(this_cores);
    m.measured = true;
  } else if (!o.host_hashrate.empty()) {
    in.host_hashes_per_second = number("--host-hashrate", o.host_hashrate);
  }
  if (!hashes_form && !in.hashes && !(in.host_hashes_per_second > 0)) {
    throw UsageError("a fleet of hosts or sessions needs --host-hashrate H (or auto)");
  }

  return m;
}

void print_model_json(const ModelInputs& m, const sim::CryptojackResult& r, std::optional<double> ratio) {
  const sim::CryptojackInputs& in = m.in;
  const sim::CryptojackPreset* preset = m.preset;
    nlohmann::json j = {
        {"model", "closed form"},
        {"preset", preset ? nlohmann::json(preset->name) : nlohmann::json(nullptr)},
        {"host_hashes_per_second", in.host_hashes_per_second},
        {"host_rate_measured_here", m.measured},
        {"threads", in.threads},
        {"cores", in.cores},
        {"throttle", in.throttle},
        {"duty", r.duty},
        {"fee_fraction", in.fee},  // a fraction, not an amount (amount keys are integers)
        {"hashes", r.hashes},
        {"expected_hashes_per_block", r.expected_hashes_per_block},
        {"gross_coins", r.gross_coins},
        {"fee_coins", r.fee_coins},
        {"attacker_coins", r.attacker_coins},
        {"attacker_revenue", opt_json(r.attacker_revenue)},
        {"victim_energy_kwh", opt_json(r.victim_energy_kwh)},
        {"victim_cost", opt_json(r.victim_cost)},
        {"cost_to_revenue", opt_json(r.cost_to_revenue)},
        {"fleet_hashes_per_second", opt_json(r.fleet_hashes_per_second)},
        {"expected_seconds_per_block", opt_json(r.expected_seconds_per_block)},
        {"network_share", opt_json(r.network_share)},
    };
    if (m.bits) {
      j["network_bits"] = bits_hex(*m.bits);
      j["work_hex"] = m.work.to_hex();
      j["note"] = kWhyNotBitcoin;
    }
    if (preset) {
      j["sources"] = preset->sources;
      j["assumptions"] = preset->assumptions;
      j["reported_attacker_coins"] = opt_json(preset->reported_attacker_coins);
      j["ratio_to_reported"] = opt_json(ratio);
    }
    print_json(j);
}


void print_model_text(const ModelInputs& m, const sim::CryptojackResult& r, std::optional<double> ratio) {
  const sim::CryptojackInputs& in = m.in;
  const sim::CryptojackPreset* preset = m.preset;
  std::cout << "powlab cryptojack: model (closed forms on the inputs below, not a simulation; nothing connects anywhere)\n";
  if (preset) std::cout << "preset      " << preset->name << " (" << preset->date << "): " << preset->summary << '\n';
  if (in.hashes) {
    std::cout << "fleet       " << fmt("%.0f", *in.hashes) << " hashes, given\n";
  } else {
    const bool sessions = in.sessions > 0 || in.session_seconds > 0;
    std::cout << "fleet       " << (sessions ? count_of(in.sessions, "session") + " x " + fmt("%g", in.session_seconds) + " s"
                                             : count_of(in.hosts, "host") + " x " + fmt("%g", in.seconds) + " s")
              << " at " << format_hashrate(in.host_hashes_per_second) << (sessions ? " per session" : " per host")
              << (m.measured ? " (sha256d, measured on this machine for 0.5 s on every core)" : "") << '\n'
              << "duty        " << fmt("%.3f", r.duty) << " = threads " << fmt("%g", in.threads) << "/" << fmt("%g", in.cores)
              << " x (1 - throttle " << fmt("%g", in.throttle) << ")   [throttle: Coinhive's, fraction of time idle]\n";
  }
  if (m.bits) {
    std::cout << "coin        nBits " << bits_hex(*m.bits) << ": work = 2^256 / (target + 1) = 0x" << m.work.to_hex() << '\n';
  }
  auto line = [](const char* key, const std::string& v) { std::printf("%-27s %s\n", key, v.c_str()); };
  auto opt = [](const std::optional<double>& v, const char* format) { return v ? fmt(format, *v) : std::string("n/a"); };
  line("hashes", fmt("%.6g", r.hashes));
  line("expected_hashes_per_block", format_big(r.expected_hashes_per_block));
  line("gross_coins", coins(r.gross_coins));
  line("fee_coins", coins(r.fee_coins) + " (fee " + fmt("%g", in.fee) + ")");
  line("attacker_coins", coins(r.attacker_coins));
  line("attacker_revenue", opt(r.attacker_revenue, "%.2f") + (r.attacker_revenue ? "" : " (no --coin-price)"));
  line("victim_energy_kwh", opt(r.victim_energy_kwh, "%.4g") + (r.victim_energy_kwh ? "" : " (no --watts-load)"));
  line("victim_cost", opt(r.victim_cost, "%.2f"));
  line("cost_to_revenue", opt(r.cost_to_revenue, "%.4g") +
                              (r.cost_to_revenue ? "  (the same at any throttle: throttling hides the miner, it is no fairer)"
                                                 : ""));
  if (r.expected_seconds_per_block) {
    line("expected_seconds_per_block",
         fmt("%.6g s", *r.expected_seconds_per_block) + " = " +
             fmt("%.4g years", *r.expected_seconds_per_block / kSecondsPerYear) + " for the fleet at " +
             format_hashrate(*r.fleet_hashes_per_second));
  } else {
    line("expected_seconds_per_block", "n/a (a plain --hashes has no rate)");
  }
  if (r.network_share) line("network_share", fmt("%.3g", *r.network_share) + " of the network's hash rate");
  if (m.bits) std::cout << "why not Bitcoin: " << kWhyNotBitcoin << '\n';
  if (preset) {
    if (ratio) {
      std::cout << "reported    " << fmt("%.8f coins", *preset->reported_attacker_coins) << "; model / reported = "
                << fmt("%.3f", *ratio) << '\n';
    }
    std::cout << "sources:\n";
    for (const auto& s : preset->sources) std::cout << "  " << s << '\n';
    std::cout << "assumptions:\n";
    for (const auto& s : preset->assumptions) std::cout << "  " << s << '\n';
  }
}

int run(const CryptojackOptions& o) {
  if (!o.svg.empty() && !o.throttle_sweep) throw UsageError("--svg draws the throttle sweep: give --throttle-sweep");
  if (!o.svg.empty()) check_svg_path(o.svg);
  std::optional<double> throttle;
  if (o.values.count("--coinhive-throttle")) {
    throttle = number("--coinhive-throttle", o.values.at("--coinhive-throttle"));
    if (*throttle >= 1) throw UsageError("--coinhive-throttle must be in [0, 1) (got " + o.values.at("--coinhive-throttle") + ")");
  }
  if (!o.cpu_distribution.empty()) return run_detection(o, throttle);
  if (o.throttle_sweep) throw UsageError("--throttle-sweep needs --cpu-distribution FILE --threshold PCT");
  if (o.values.count("--threshold")) throw UsageError("--threshold needs --cpu-distribution FILE");

  const sim::CryptojackPreset* preset = o.preset.empty() ? nullptr : &sim::find_cryptojack_preset(o.preset);
  if (o.explain) {
    if (!preset) throw UsageError("--explain needs --preset NAME");
    explain(*preset, o.json);
    return kExitOk;
  }
  const ModelInputs m = read_inputs(o, throttle, preset);
  sim::CryptojackResult r;
  try {
    r = sim::cryptojack_model(m.in);
  } catch (const ParseError& e) {
    throw UsageError(e.what());
  }
  std::optional<double> ratio;
  if (preset && preset->reported_attacker_coins && *preset->reported_attacker_coins > 0) {
    ratio = r.attacker_coins / *preset->reported_attacker_coins;
  }
  if (o.json) {
    print_model_json(m, r, ratio);
  } else {
    print_model_text(m, r, ratio);
  }
  return kExitOk;
}

}  // namespace

void add_cryptojack(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<CryptojackOptions>();
  CLI::App* sub = app.add_subcommand(
      "cryptojack",
      "model what a hijacked mining fleet earns and costs its victims, and what a CPU alarm sees under a throttle "
      "(closed forms on published figures; nothing connects anywhere)");
  sub->add_option("--preset", o->preset,
                  "a documented case: coinhive-2017-12, coinhive-2018-02, coinhive-2018-03, domain-parking-2018, "
                  "weblogic-2018 (explicit options override its values)")
      ->type_name("NAME");
  sub->add_flag("--explain", o->explain, "with --preset: print the case's date, inputs, sources and assumptions");
  for (const NumOption& n : kNumOptions) {
    const std::string name = n.name;
    sub->add_option_function<std::string>(
           name, [o, name](const std::string& text) { o->values[name] = text; }, n.help)
        ->type_name("NUM");
  }
  sub->add_option("--host-hashrate", o->host_hashrate,
                  "one host's hash rate on every core in H/s, or 'auto': this machine's sha256d rate, measured for 0.5 s")
      ->type_name("NUM|auto");
  sub->add_option("--threads", o->threads, "threads the miner runs on each host (0 = every core, the default)")
      ->type_name("INT");
  sub->add_option("--cores", o->cores, "cores per host (default: this machine's)")->type_name("INT");
  sub->add_option("--network-bits", o->network_bits,
                  "the coin's difficulty as Bitcoin's nBits, e.g. 0x17034219; expected hashes = the work of that nBits")
      ->type_name("HEX");
  sub->add_option("--cpu-distribution", o->cpu_distribution,
                  "CSV of sites' CPU use (column max_cpu_percent_of_one_core), e.g. the MineSweeper data; with --threshold")
      ->type_name("FILE");
  sub->add_flag("--throttle-sweep", o->throttle_sweep,
                "with --cpu-distribution: detected fraction and undetected revenue for Coinhive throttles 0..0.95");
  sub->add_option("--svg", o->svg, "with --throttle-sweep: draw revenue and detection against the throttle to FILE.svg")
      ->type_name("FILE");
  sub->add_flag("--json", o->json, "print a JSON object");
  sub->footer(
      "Throttle: Coinhive's throttle is the fraction of time the miner is IDLE; `powlab mine --throttle F` is the\n"
      "fraction of CPU USED. The two are opposite, so this command names its option --coinhive-throttle:\n"
      "--coinhive-throttle 0.7 mines as much as `mine --throttle 0.3`.");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
