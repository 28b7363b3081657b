// powlab difficulty --bits B [--timespan S]: what an nBits means, and the next one.
#include <algorithm>
#include <iostream>
#include <optional>

#include "command.h"
#include "powlab/consensus/params.h"
#include "powlab/consensus/retarget.h"
#include "powlab/consensus/target.h"

namespace powlab::cli {

namespace {

struct DifficultyOptions {
  std::string bits;
  std::optional<std::int64_t> timespan;
  bool json = false;
};

int run(const DifficultyOptions& o) {
  const std::uint32_t bits = parse_bits(o.bits);
  const CompactTarget t = decode_compact(bits);
  if (t.negative) throw UsageError(bits_hex(bits) + " is invalid: negative (sign bit 0x00800000 set)");
  if (t.overflow) throw UsageError(bits_hex(bits) + " is invalid: the target overflows 256 bits");
  if (t.target.is_zero()) throw UsageError(bits_hex(bits) + " is invalid: the target is zero");

  const ConsensusParams& net = mainnet();
  const U256 work = work_from_target(t.target);
  const bool above_limit = t.target > net.pow_limit;
  std::optional<std::uint32_t> next;
  std::int64_t clamped = 0;
  if (o.timespan) {
    next = calculate_next_work_required(bits, 0, *o.timespan, net);
    clamped = std::clamp(*o.timespan, net.target_timespan / 4, net.target_timespan * 4);
  }

  if (o.json) {
    nlohmann::json j = {{"bits", bits_hex(bits)},
                        {"target", t.target.to_hex()},
                        {"difficulty", difficulty(bits)},
                        {"work", work.to_hex()},
                        {"expected_hashes", work.to_double()},
                        {"above_mainnet_pow_limit", above_limit},
                        {"next_bits", nullptr}};
    if (next) {
      j["next_bits"] = bits_hex(*next);
      j["timespan"] = *o.timespan;
      j["clamped_timespan"] = clamped;
    }
    print_json(j);
    return kExitOk;
  }
  std::cout << "bits             " << bits_hex(bits) << '\n'
            << "target           " << t.target.to_hex() << '\n'
            << "difficulty       " << difficulty(bits) << '\n'
            << "work             " << work.to_hex() << '\n'
            << "expected hashes  " << format_big(work.to_double()) << " per block\n";
  if (above_limit) std::cout << "note             easier than mainnet's powLimit 0x1d00ffff: invalid on mainnet\n";
  if (next) {
    std::cout << "timespan         " << *o.timespan << " s";
    if (clamped != *o.timespan) std::cout << " (clamped to " << clamped << " s)";
    std::cout << " for " << net.interval() << " blocks (target " << net.target_timespan << " s)\n"
              << "next bits        " << bits_hex(*next) << "  difficulty " << difficulty(*next)
              << " (mainnet retarget rule)\n";
  }
  return kExitOk;
}

}  // namespace

void add_difficulty(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<DifficultyOptions>();
  CLI::App* sub = app.add_subcommand("difficulty", "target, difficulty and work of an nBits; the next nBits after a period");
  sub->add_option("--bits,-b", o->bits, "compact target, hex with 0x (e.g. 0x1d00ffff)")->required()->type_name("HEX");
  add_integer_option<std::int64_t>(sub, "--timespan,-t", o->timespan,
                                   "seconds the last 2016-block period took: also print the next nBits (mainnet rule)");
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
