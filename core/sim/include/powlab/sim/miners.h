// Who races: miner names and relative hash powers, from `--miners alice=3,bob=1` or from
// `--nodes N --power-dist zipf:1.2`. Bad input throws powlab::ParseError (the CLI's exit 2).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace powlab::sim {

struct MinerSpec {
  std::string name;
  double power = 1;  // relative weight, finite and > 0
};

// "alice=3,bob=1": names of [A-Za-z0-9_.-], powers as plain decimal numbers. Refuses an empty
// list, an empty or duplicate name, and a power that is zero, negative, NaN or infinite.
std::vector<MinerSpec> parse_miners(std::string_view text);

// N miners named n1..nN with powers from a distribution: "equal" or "zipf:S" (S >= 0, power of
// the i-th miner 1 / i^S, the long tail of real pools).
std::vector<MinerSpec> miners_from_distribution(std::size_t count, std::string_view dist);

// Checks a list built in code the same way parse_miners checks text.
void validate_miners(const std::vector<MinerSpec>& miners);

// power_i / sum of powers, in input order.
std::vector<double> hash_shares(const std::vector<MinerSpec>& miners);

// Strict decimal parse of a whole string (no trailing junk), e.g. for powers and delays.
// Throws ParseError naming `what` on failure. NaN and inf parse; callers check ranges.
double parse_number(std::string_view text, std::string_view what);

}  // namespace powlab::sim
