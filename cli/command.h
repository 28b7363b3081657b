// Shared plumbing for powlab's subcommands: exit codes, errors, JSON output, strict parsers.
// Subcommands parse, call core, and print; consensus logic never lives here.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace powlab::cli {

// The same everywhere (README "Exit codes").
inline constexpr int kExitOk = 0;       // ok / valid
inline constexpr int kExitInvalid = 1;  // well-formed input that is invalid (bad PoW, broken chain)
inline constexpr int kExitUsage = 2;    // usage error, or input that cannot be read or parsed

// A usage problem found after CLI11's own parsing (mutually exclusive inputs, a range past
// 2^32). Reported like a parse error: message on stderr, exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Each subcommand registers itself and the action to run when it was chosen.
struct Subcommand {
  CLI::App* app;
  std::function<int()> run;
};
using Registry = std::vector<Subcommand>;

void add_hash(CLI::App& app, Registry& registry);
void add_header(CLI::App& app, Registry& registry);
void add_difficulty(CLI::App& app, Registry& registry);
void add_verify(CLI::App& app, Registry& registry);

// nBits as written everywhere in powlab: "0x" and 1..8 hex digits. Decimal is refused on
// purpose (486604799 and 0x1d00ffff are the same nBits; guessing between them is a trap).
std::uint32_t parse_bits(const std::string& text);
std::string bits_to_string(std::uint32_t bits);  // "0x1d00ffff"

void print_json(const nlohmann::json& j);
// "2009-01-03 18:15:05 UTC"
std::string format_utc(std::int64_t unix_time);
// 4294967296 -> "4.295e+09 (~2^32.0)"; for work and expected-hash counts.
std::string format_big(double value);

}  // namespace powlab::cli
