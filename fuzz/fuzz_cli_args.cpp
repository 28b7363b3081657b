// Every subcommand's argument parsing, fed arbitrary argv: run_powlab(parse_only = true)
// builds the whole CLI11 tree and parses, but runs no action (nothing is mined or written).
// Input: one selector byte, then arguments separated by NUL bytes. The selector puts a
// subcommand name first (so each one is reached from the first input on), or, for the byte
// kCliArgsAsGiven (cli_args_selector.h), leaves argv as given (unknown subcommands, global
// flags). A fixed byte, not "the last index", so appending a subcommand keeps every seed's
// meaning.
// Property: the parser returns an exit code (0 or 2 here, as README "Exit codes" says) and
// never throws or crashes.
#include <cstdint>
#include <string>
#include <vector>

#include "app.h"
#include "cli_args_selector.h"
#include "fuzz_check.h"

namespace {

// cli/app.cpp's subcommands, and chain's own. Keep in step when one is added.
// New ones go at the end, so the seeds' first bytes (make_seeds.cpp) keep their meaning.
const char* const kFirst[] = {"hash",       "header",          "difficulty",   "verify",
                              "mine",       "send",            "chain",        "race",
                              "kernels",    "scan",            "bench",        "chain show",
                              "attack double-spend", "attack majority", "cryptojack", "watch",
                              "attack selfish", "draw"};
constexpr std::size_t kChoices = sizeof kFirst / sizeof kFirst[0];
constexpr std::size_t kMaxArgs = 24;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::vector<std::string> args{"powlab"};
  if (data[0] != kCliArgsAsGiven) {
    const std::string first = kFirst[data[0] % kChoices];
    const std::size_t space = first.find(' ');
    args.push_back(first.substr(0, space));
    if (space != std::string::npos) args.push_back(first.substr(space + 1));
  }
  std::string current;
  for (std::size_t i = 1; i < size && args.size() < kMaxArgs; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  if (size > 1 && args.size() < kMaxArgs) args.push_back(current);

  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = powlab::cli::run_powlab(static_cast<int>(args.size()), argv.data(), /*parse_only=*/true);
  FUZZ_CHECK(rc == 0 || rc == 2);
  return 0;
}
