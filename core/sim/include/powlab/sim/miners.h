// Who races: miner names, relative hash powers and strategies, from
// `--miners alice=3,bob=1,eve=2:selfish` or from `--nodes N --power-dist zipf:1.2`. Bad input
// throws powlab::ParseError (the CLI's exit 2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace powlab::sim {

// honest: mines on its best tip and publishes every block at once. selfish: Eyal and Sirer's
// pool (2014, Algorithm 1): withholds its blocks and reveals them to match or override the
// public chain (core/sim/selfish.cpp). At most one selfish miner per race: the state machine
// is defined for one pool against honest miners, not for pools racing each other.
enum class Strategy : std::uint8_t { honest, selfish };
std::string_view to_string(Strategy s);

struct MinerSpec {
  std::string name;
  double power = 1;  // relative weight, finite and > 0
  Strategy strategy = Strategy::honest;
};

// "alice=3,bob=1,eve=2:selfish": names of [A-Za-z0-9_.-], powers as plain decimal numbers, an
// optional strategy suffix :honest (the default) or :selfish. Refuses an empty list, an empty
// or duplicate name, a power that is zero, negative, NaN or infinite, an unknown strategy and
// more than one selfish miner.
std::vector<MinerSpec> parse_miners(std::string_view text);

// N miners named n1..nN with powers from a distribution: "equal" or "zipf:S" (S >= 0, power of
// the i-th miner 1 / i^S, the long tail of real pools).
std::vector<MinerSpec> miners_from_distribution(std::size_t count, std::string_view dist);

// Checks a list built in code the same way parse_miners checks text.
void validate_miners(const std::vector<MinerSpec>& miners);

// The index of the selfish miner, or nullopt when every miner is honest.
std::optional<std::size_t> selfish_miner(const std::vector<MinerSpec>& miners);

// power_i / sum of powers, in input order.
std::vector<double> hash_shares(const std::vector<MinerSpec>& miners);

// Strict decimal parse of a whole string (no trailing junk), e.g. for powers and delays.
// Throws ParseError naming `what` on failure. NaN and inf parse; callers check ranges.
double parse_number(std::string_view text, std::string_view what);

}  // namespace powlab::sim
