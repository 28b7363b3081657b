// The economics of a hijacked fleet, and a throttle against a CPU alarm (issue 12, parts 1
// and 2). Closed forms of a model, never a simulation: every output is arithmetic on the
// inputs, which come from the command line, a preset of published figures, or one local
// measurement. Nothing here connects anywhere.
//
// Throttle: θ is Coinhive's `throttle`, the fraction of time the miner sits IDLE (0 = flat
// out, 0.7 = mining 30% of the time). `powlab mine --throttle F` means the opposite, the
// fraction USED; the CLI therefore names this one --coinhive-throttle.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace powlab::sim {

struct CryptojackInputs {
  // The fleet, in one of three forms (the CLI makes them exclusive):
  //   hosts x seconds, sessions x session_seconds (browser visits, not concurrent), or hashes.
  double hosts = 0;
  double seconds = 0;
  double sessions = 0;
  double session_seconds = 0;
  std::optional<double> hashes;     // given directly: the fleet's size and time are unknown
  double host_hashes_per_second = 0;  // one host's rate on every core, flat out
  double threads = 1;               // threads the miner runs ...
  double cores = 1;                 // ... out of the host's cores
  double throttle = 0;              // Coinhive's θ: fraction of time idle, in [0, 1)
  // The coin.
  double expected_hashes_per_block = 0;  // Monero's "difficulty"; Bitcoin's work of nBits
  double block_reward = 0;          // coins per block
  double block_time = 0;            // seconds per block on the whole network (0: unknown)
  double fee = 0;                   // the service's cut, in [0, 1) (Coinhive: 0.3)
  // Energy and price (0: unknown, the outputs that need them are absent).
  double coin_price = 0;
  double watts_load = 0;
  double watts_idle = 0;
  double kwh_price = 0;
};

struct CryptojackResult {
  double duty = 0;                   // (threads / cores) x (1 - θ): share of the host's capacity used
  double hashes = 0;
  double expected_hashes_per_block = 0;
  double gross_coins = 0;            // hashes / expected_hashes_per_block x block_reward
  double fee_coins = 0;
  double attacker_coins = 0;
  std::optional<double> attacker_revenue;   // with a price
  std::optional<double> victim_energy_kwh;  // with a host rate and watts
  std::optional<double> victim_cost;        // with a kWh price
  std::optional<double> cost_to_revenue;    // victim_cost / attacker_revenue
  std::optional<double> fleet_hashes_per_second;  // hosts: all of them; sessions: one browser
  std::optional<double> expected_seconds_per_block;
  std::optional<double> network_share;      // fleet rate over the network's (with block_time)
};

// Throws ParseError naming the input for a negative or non-finite number, θ or fee outside
// [0, 1), threads above cores, a zero expected_hashes_per_block, or no fleet at all.
CryptojackResult cryptojack_model(const CryptojackInputs& in);

// Coinhive's payout per hash as its pages gave it: (hashes / difficulty) x reward x (1 - fee).
double coinhive_payout(double hashes, double difficulty, double reward, double fee);

// A documented case: its inputs, where each came from, and what it is checked against.
struct CryptojackPreset {
  std::string name;
  std::string date;
  std::string summary;
  CryptojackInputs inputs;
  std::vector<std::string> sources;      // "what: where"
  std::vector<std::string> assumptions;  // everything not published
  std::optional<double> reported_attacker_coins;  // a published result to compare with
};

const std::vector<CryptojackPreset>& cryptojack_presets();
// Throws ParseError listing the known names.
const CryptojackPreset& find_cryptojack_preset(const std::string& name);

// Part 2: a CPU alarm over real sites. CPU values are percent of ONE core.
// Reads a CSV with a `max_cpu_percent_of_one_core` column through read_file (bounded, no
// FIFOs); throws ParseError for an unreadable file, a missing column, an empty table or a value
// that is not a finite number >= 0.
std::vector<double> load_cpu_distribution(const std::string& path);

// Share of sites whose cpu x (1 - θ) exceeds threshold (strictly: an alarm at 50% is not
// raised by exactly 50%).
double detected_fraction(const std::vector<double>& cpu, double threshold, double throttle);

struct ThrottleRow {
  double throttle = 0;
  double revenue_fraction = 0;    // 1 - θ: the hashes left, relative to θ = 0
  double detected_fraction = 0;
  double undetected_revenue = 0;  // revenue_fraction x (1 - detected_fraction)
};

// θ = 0, 0.05, ..., 0.95 (computed as i / 20, so 0.7 is the same double as in the table).
std::vector<ThrottleRow> throttle_sweep(const std::vector<double>& cpu, double threshold);
// The θ of the first row with the largest undetected_revenue.
double best_throttle(const std::vector<ThrottleRow>& rows);

}  // namespace powlab::sim
