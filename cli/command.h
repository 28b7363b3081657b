// Shared plumbing for powlab's subcommands: exit codes, errors, JSON output, strict parsers.
// Subcommands parse, call core, and print; consensus logic never lives here.
#pragma once

#include <CLI/CLI.hpp>
#include <signal.h>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <limits>
#include <optional>
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
void add_mine(CLI::App& app, Registry& registry);   // ledger (issue 4)
void add_send(CLI::App& app, Registry& registry);
void add_chain(CLI::App& app, Registry& registry);
void add_race(CLI::App& app, Registry& registry);
void add_kernels(CLI::App& app, Registry& registry);
void add_scan(CLI::App& app, Registry& registry);
void add_bench(CLI::App& app, Registry& registry);
void add_attack(CLI::App& app, Registry& registry);  // attacks on proof of work (issue 11)
void add_cryptojack(CLI::App& app, Registry& registry);  // issue 12
void add_watch(CLI::App& app, Registry& registry);  // issue 12 part 3
void add_draw(CLI::App& app, Registry& registry);   // issue 13: pictures (in pictures.cpp)
void add_serve(CLI::App& app, Registry& registry);  // issue 14: the classroom's lab pool

// nBits as written everywhere in powlab: "0x" and 1..8 hex digits. Decimal is refused on
// purpose (486604799 and 0x1d00ffff are the same nBits; guessing between them is a trap).
std::uint32_t parse_bits(const std::string& text);
// A count or index in 0..max, decimal or 0x-hex; anything else (sign, spaces, overflow) is a
// UsageError naming `what`.
std::uint64_t parse_count(const std::string& text, const std::string& what, std::uint64_t max);

// Strict decimal integers for options. CLI11 2.1 saturates on overflow and accepts 0x/0b
// prefixes for integers; powlab refuses both: "99999999999999999999" is an error, never
// INT64_MAX. Throws CLI::ValidationError (exit 2) naming the option, the text and the range.
template <class T>
T parse_integer(const std::string& option, const std::string& text, T min = std::numeric_limits<T>::min(),
                T max = std::numeric_limits<T>::max()) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec == std::errc::invalid_argument || ptr != end) {
    throw CLI::ValidationError(option, "'" + text + "' is not a decimal integer");
  }
  if (ec == std::errc::result_out_of_range || value < min || value > max) {
    throw CLI::ValidationError(option, "'" + text + "' is out of range [" + std::to_string(min) + ", " +
                                           std::to_string(max) + "]");
  }
  return value;
}

// An integer option parsed by parse_integer into `out` (a T or a std::optional<T>).
template <class T, class Out>
CLI::Option* add_integer_option(CLI::App* app, const std::string& name, Out& out, const std::string& description,
                                T min = std::numeric_limits<T>::min(), T max = std::numeric_limits<T>::max()) {
  const std::string option = name.substr(0, name.find(','));
  return app
      ->add_option_function<std::string>(
          name, [&out, option, min, max](const std::string& text) { out = parse_integer<T>(option, text, min, max); },
          description)
      ->type_name("INT");  // parsed from a string, CLI11 would show TEXT
}

// SIGINT and SIGTERM call `handler` while this lives (a command that stops cleanly: mine drops
// its unfinished block, watch prints its summary); the previous handlers return on scope exit.
class StopSignals {
 public:
  explicit StopSignals(void (*handler)(int));
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

void print_json(const nlohmann::json& j);
// An optional number as JSON: the number, or null when there is none.
inline nlohmann::json opt_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
// Every JSON document that carries an amount says its unit at the top level (docs/VOCABULARY.md).
inline constexpr char kAmountUnit[] = "1e-8 coin";
// The one text style for an amount: "12.50000000 coins", "1.00000000 coin".
std::string format_coins(std::int64_t units);
// The CPUs this process may run on: its affinity mask, not every core of the machine. They
// differ under `taskset` and under mpirun, whose default binds each rank to one core when it
// starts two or fewer (a rank that counted the machine's cores would then run all its threads
// on one). "Every core" (--threads 0, bench's default) means these.
unsigned usable_cores();
// Seconds since 1970 now: a template's time and the validation clock.
inline std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }
// "2009-01-03 18:15:05 UTC"
std::string format_utc(std::int64_t unix_time);
// 4294967296 -> "4.295e+09 (~2^32.0)"; for work and expected-hash counts.
std::string format_big(double value);

// A number with `digits` decimals, as text and charts print it; "n/a" for NaN or infinity, so
// neither ever reaches the output.
std::string fixed(double v, int digits);

// The one text style for a hash rate (docs/VOCABULARY.md): "26.41 MH/s", "950.00 kH/s", "12 H/s".
std::string format_hashrate(double hashes_per_second);
// "1 block", "2 blocks": count and noun, singular for exactly 1. `plural` defaults to noun + "s".
std::string count_noun(std::uint64_t n, const std::string& noun, const std::string& plural = "");

}  // namespace powlab::cli
