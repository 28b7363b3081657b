#include "powlab/sim/cryptojack.h"

#include <cmath>
#include <initializer_list>
#include <utility>
#include <string_view>

#include "powlab/sim/miners.h"
#include "powlab/util/csv.h"
#include "powlab/util/error.h"
#include "powlab/util/file.h"

namespace powlab::sim {

namespace {

void check_non_negative(double v, std::string_view what) {
  if (!std::isfinite(v)) throw ParseError(std::string(what) + " must be a finite number");
  if (v < 0) throw ParseError(std::string(what) + " must not be negative");
}

void check_fraction(double v, std::string_view what) {
  check_non_negative(v, what);
  if (v >= 1) throw ParseError(std::string(what) + " must be in [0, 1)");
}

constexpr double kJoulesPerKwh = 3.6e6;

}  // namespace

double coinhive_payout(double hashes, double difficulty, double reward, double fee) {
  return hashes / difficulty * reward * (1 - fee);
}

CryptojackResult cryptojack_model(const CryptojackInputs& in) {
  using Named = std::pair<double, const char*>;
  const std::initializer_list<Named> numbers = {
      {in.hosts, "--hosts"},
      {in.seconds, "--seconds"},
      {in.sessions, "--sessions"},
      {in.session_seconds, "--session-seconds"},
      {in.host_hashes_per_second, "--host-hashrate"},
      {in.threads, "--threads"},
      {in.cores, "--cores"},
      {in.expected_hashes_per_block, "expected hashes per block"},
      {in.block_reward, "--block-reward"},
      {in.block_time, "--block-time"},
      {in.coin_price, "--coin-price"},
      {in.watts_load, "--watts-load"},
      {in.watts_idle, "--watts-idle"},
      {in.kwh_price, "--kwh-price"}};
  for (const auto& [v, what] : numbers) {
    check_non_negative(v, what);
  }
  if (in.hashes) check_non_negative(*in.hashes, "--hashes");
  check_fraction(in.throttle, "--coinhive-throttle");
  check_fraction(in.fee, "--fee");
  if (!(in.cores > 0)) throw ParseError("--cores must be at least 1");
  if (in.threads > in.cores) throw ParseError("--threads must not exceed --cores");
  if (!(in.expected_hashes_per_block > 0)) {
    throw ParseError("no coin: give --network-difficulty or --network-bits (or a --preset)");
  }
  // Below idle a mining host would save energy: a sign the two were swapped.
  if (in.watts_load < in.watts_idle) throw ParseError("--watts-load must not be below --watts-idle");

  CryptojackResult r;
  r.duty = in.threads / in.cores * (1 - in.throttle);
  r.expected_hashes_per_block = in.expected_hashes_per_block;
  const double rate = in.host_hashes_per_second * r.duty;  // one host or one browser, throttled
  if (in.hashes) {
    r.hashes = *in.hashes;
  } else if (in.sessions > 0 || in.session_seconds > 0) {
    r.hashes = in.sessions * in.session_seconds * rate;
    // Visits come and go: the rate that meets the network at any moment is unknown, so the
    // block time is given for one browser.
    if (rate > 0) r.fleet_hashes_per_second = rate;
  } else if (in.hosts > 0 || in.seconds > 0) {
    r.hashes = in.hosts * in.seconds * rate;
    if (rate > 0) r.fleet_hashes_per_second = in.hosts * rate;
  } else {
    throw ParseError("no fleet: give --hosts and --seconds, --sessions and --session-seconds, or --hashes");
  }
  if (!std::isfinite(r.hashes)) throw ParseError("the fleet's hashes overflow a double: inputs too large");

  r.gross_coins = r.hashes / in.expected_hashes_per_block * in.block_reward;
  r.fee_coins = r.gross_coins * in.fee;
  r.attacker_coins = r.gross_coins - r.fee_coins;
  if (in.coin_price > 0) r.attacker_revenue = r.attacker_coins * in.coin_price;

  // Energy: a host draws watts_idle anyway; mining at duty d adds d x (load - idle). Over the
  // time that computed the hashes that is hashes / host rate x (load - idle) joules, so the
  // extra energy per hash does not depend on θ, and neither does cost over revenue.
  if (in.host_hashes_per_second > 0 && in.watts_load > 0) {
    r.victim_energy_kwh = r.hashes / in.host_hashes_per_second * (in.watts_load - in.watts_idle) / kJoulesPerKwh;
    if (in.kwh_price > 0) r.victim_cost = *r.victim_energy_kwh * in.kwh_price;
  }
  if (r.victim_cost && r.attacker_revenue && *r.attacker_revenue > 0) {
    r.cost_to_revenue = *r.victim_cost / *r.attacker_revenue;
  }
  if (r.fleet_hashes_per_second) {
    r.expected_seconds_per_block = in.expected_hashes_per_block / *r.fleet_hashes_per_second;
    if (in.block_time > 0) {
      r.network_share = *r.fleet_hashes_per_second / (in.expected_hashes_per_block / in.block_time);
    }
  }
  return r;
}

namespace {

// Coinhive's payout page, as quoted (with its dates) in issue 12. Monero's block target has
// been 120 s since its v2 fork (2016); Coinhive kept 30% (its documentation and FAQ).
constexpr double kMoneroBlockTime = 120;
constexpr double kCoinhiveFee = 0.3;
const char* const kCoinhiveFeeSource = "fee 30%: Coinhive's documentation (it paid out 70% of the block reward)";
const char* const kMoneroTimeSource = "block time 120 s: Monero's target since its 2016 v2 fork";

CryptojackPreset coinhive_case(const std::string& name, const std::string& date, double difficulty, double reward,
                               double reported) {
  CryptojackPreset p;
  p.name = name;
  p.date = date;
  p.summary = "Coinhive's payout for one million hashes on " + date + ": (hashes / difficulty) x reward x 0.7";
  p.inputs.hashes = 1e6;
  p.inputs.expected_hashes_per_block = difficulty;
  p.inputs.block_reward = reward;
  p.inputs.block_time = kMoneroBlockTime;
  p.inputs.fee = kCoinhiveFee;
  p.sources = {"network difficulty and block reward on " + date +
                   ": Coinhive's payout-rate page, as quoted in powlab issue 12",
               kCoinhiveFeeSource, kMoneroTimeSource,
               "result: Coinhive's page gave " + std::to_string(reported).substr(0, 8) + " XMR per 1M hashes"};
  p.assumptions = {"none beyond the page's own rounding to six decimals"};
  p.reported_attacker_coins = reported;
  return p;
}

std::vector<CryptojackPreset> make_presets() {
  std::vector<CryptojackPreset> v;
  v.push_back(coinhive_case("coinhive-2017-12", "2017-12-23", 58'849'124'194, 5.77, 0.000069));
  v.push_back(coinhive_case("coinhive-2018-02", "2018-02-01", 99'937'723'286, 5.53, 0.000039));
  v.push_back(coinhive_case("coinhive-2018-03", "2018-03-17", 116'621'374'500, 5.04, 0.000030));

  CryptojackPreset d;
  d.name = "domain-parking-2018";
  d.date = "early 2018 (reported March 2018)";
  d.summary = "a network of parked domains ran Coinhive in visitors' browsers";
  d.inputs.sessions = 97'000;
  d.inputs.session_seconds = 24;
  // Coinhive's status report (Sept 2017): a peak of 13.5 million hashes/s while it handled 2.2
  // million concurrent WebSocket connections, one per mining browser tab: the only published
  // per-session rate we found. It is an average over every device Coinhive saw, throttles
  // included, so threads = cores = 1 and θ = 0 here: the rate already contains them.
  d.inputs.host_hashes_per_second = 13.5e6 / 2.2e6;
  d.inputs.expected_hashes_per_block = 99'937'723'286;
  d.inputs.block_reward = 5.53;
  d.inputs.block_time = kMoneroBlockTime;
  d.inputs.fee = kCoinhiveFee;
  d.sources = {
      "sessions (>97,000), average session 24 s, result 0.02417 XMR: Eskandari, Leoutsarakos, Mursch, Clark, "
      "\"A first look at browser-based cryptojacking\", IEEE S&B workshop 2018 (arXiv:1803.02887)",
      "per-session rate 13.5e6 / 2.2e6 = 6.14 H/s: Coinhive's blog \"Status Report\" (Sept 2017): peak 13.5M "
      "hashes/s over 2.2M concurrent WebSocket connections",
      "payout rate: Coinhive's 2018-02-01 figures (difficulty 99,937,723,286, reward 5.53 XMR, 70% paid)",
      kMoneroTimeSource};
  d.assumptions = {"every session mined for its whole 24 s at Coinhive's average per-connection rate",
                   "the 2018-02-01 payout rate held over the whole campaign (it fell as difficulty rose)",
                   "sessions are not concurrent: expected_seconds_per_block is for one browser"};
  d.reported_attacker_coins = 0.02417;
  v.push_back(d);

  CryptojackPreset w;
  w.name = "weblogic-2018";
  w.date = "2018-01";
  w.summary = "Oracle WebLogic servers hijacked through CVE-2017-10271 ran XMRig on every core";
  w.inputs.hosts = 1000;
  w.inputs.seconds = 30 * 86'400;
  w.inputs.host_hashes_per_second = 8 * 40;
  w.inputs.threads = 8;
  w.inputs.cores = 8;
  w.inputs.expected_hashes_per_block = 99'937'723'286;
  w.inputs.block_reward = 5.53;
  w.inputs.block_time = kMoneroBlockTime;
  w.inputs.fee = 0.01;
  w.inputs.coin_price = 300;
  w.inputs.watts_load = 250;
  w.inputs.watts_idle = 100;
  w.inputs.kwh_price = 0.10;
  w.sources = {"CVE-2017-10271: Oracle's October 2017 Critical Patch Update (WebLogic WLS-WSAT component)",
               "XMRig mining Monero on hijacked WebLogic servers: SANS ISC and Morphus Labs reports, January 2018",
               "network difficulty and reward: Coinhive's 2018-02-01 figures (99,937,723,286; 5.53 XMR)",
               kMoneroTimeSource};
  w.assumptions = {"1,000 hosts for 30 days (assumed: the reports give wallets, not host counts)",
                   "8 cores per host at 40 H/s each on CryptoNight, 320 H/s per host (assumed, not measured here)",
                   "every core mining, no throttle (XMRig's default on a server nobody watches)",
                   "pool fee 1% (assumed: no Coinhive cut; the attacker used a public pool)",
                   "XMR at 300 (assumed, in the currency of --kwh-price)",
                   "250 W under load, 100 W idle per server, electricity 0.10 per kWh (assumed)"};
  v.push_back(w);
  return v;
}

}  // namespace

const std::vector<CryptojackPreset>& cryptojack_presets() {
  static const std::vector<CryptojackPreset> presets = make_presets();
  return presets;
}

const CryptojackPreset& find_cryptojack_preset(const std::string& name) {
  std::string known;
  for (const CryptojackPreset& p : cryptojack_presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw ParseError("unknown preset '" + name + "' (known: " + known + ")");
}

std::vector<double> load_cpu_distribution(const std::string& path) {
  // A distribution is a few thousand short lines; 16 MiB is far beyond any real one.
  const CsvTable t = parse_csv(read_file(path, std::uint64_t{16} << 20, "a CPU distribution"));
  const std::size_t col = t.column("max_cpu_percent_of_one_core");
  if (t.rows.empty()) throw ParseError(path + ": no sites in the distribution");
  std::vector<double> cpu;
  cpu.reserve(t.rows.size());
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const std::string where = path + ":" + std::to_string(t.lines[i]);
    const double v = parse_number(t.rows[i][col], where);
    if (!std::isfinite(v) || v < 0) throw ParseError(where + ": CPU must be a finite number >= 0");
    cpu.push_back(v);
  }
  return cpu;
}

double detected_fraction(const std::vector<double>& cpu, double threshold, double throttle) {
  if (cpu.empty()) return 0;
  std::size_t flagged = 0;
  for (double c : cpu) flagged += c * (1 - throttle) > threshold ? 1 : 0;
  return static_cast<double>(flagged) / static_cast<double>(cpu.size());
}

std::vector<ThrottleRow> throttle_sweep(const std::vector<double>& cpu, double threshold) {
  std::vector<ThrottleRow> rows;
  for (int i = 0; i < 20; ++i) {
    ThrottleRow r;
    r.throttle = i / 20.0;
    r.revenue_fraction = 1 - r.throttle;
    r.detected_fraction = detected_fraction(cpu, threshold, r.throttle);
    r.undetected_revenue = r.revenue_fraction * (1 - r.detected_fraction);
    rows.push_back(r);
  }
  return rows;
}

double best_throttle(const std::vector<ThrottleRow>& rows) {
  double best = 0, best_value = -1;
  for (const ThrottleRow& r : rows) {
    if (r.undetected_revenue > best_value) {
      best_value = r.undetected_revenue;
      best = r.throttle;
    }
  }
  return best;
}

}  // namespace powlab::sim
