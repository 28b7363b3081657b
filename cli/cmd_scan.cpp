// powlab scan HEX160 --from N --count C: every nonce in [N, N+C) whose sha256d meets the
// header's own target (or --bits / --zeros), through the TBB search and the selected kernel.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <algorithm>
#include <iostream>
#include <optional>

#include "command.h"
#include "powlab/consensus/header.h"
#include "powlab/mining/search.h"
#include "powlab/consensus/target.h"

namespace powlab::cli {

namespace {

struct ScanOptions {
  std::string hex, from, count, bits, kernel;
  std::optional<int> zeros;
  unsigned threads = 0;  // 0: every core (docs/VOCABULARY.md)
  bool json = false;
};

// An easy target (--zeros 0 meets every hash) finds every nonce of the range: print a sample
// and the count, never millions of lines. JSON keeps more, for scripts that tally them.
constexpr std::size_t kTextMaxFound = 20;
constexpr std::size_t kJsonMaxFound = 1000;

std::atomic<bool> g_scan_interrupted{false};
void scan_on_sigint(int) { g_scan_interrupted.store(true); }  // only an atomic store: signal-safe

U256 target_for(const ScanOptions& o, const BlockHeader& h, std::string& how) {
  if (o.zeros) {
    how = "--zeros " + std::to_string(*o.zeros);
    return ~U256(0) >> static_cast<unsigned>(*o.zeros);  // hash < 2^(256-z): z leading zero bits
  }
  const std::uint32_t bits = o.bits.empty() ? h.bits : parse_bits(o.bits);
  const CompactTarget t = decode_compact(bits);
  how = "nBits " + bits_hex(bits) + (o.bits.empty() ? " (the header's)" : "");
  if (t.negative || t.overflow || t.target.is_zero()) {
    throw UsageError("nBits " + bits_hex(bits) + " is not a usable target (negative, overflowing or zero)");
  }
  return t.target;
}

int run(const ScanOptions& o) {
  const BlockHeader h = BlockHeader::from_hex(o.hex);
  constexpr std::uint64_t kSpace = std::uint64_t{1} << 32;
  const std::uint64_t from = parse_count(o.from, "--from", kSpace - 1);
  const std::uint64_t count = parse_count(o.count, "--count", kSpace);
  if (count == 0) throw UsageError("--count must be at least 1");
  if (count > kSpace - from) {
    throw UsageError("range [" + std::to_string(from) + ", " + std::to_string(from + count) +
                     ") runs past the last nonce 4294967295");
  }
  SearchRequest req;
  req.header = h;
  std::string how;
  req.target = target_for(o, h, how);
  req.nonce_begin = from;
  req.nonce_end = from + count;
  req.kernel = o.kernel;
  req.threads = o.threads;
  req.cancel = &g_scan_interrupted;
  req.max_found = std::max(kJsonMaxFound, kTextMaxFound);  // what either output shows; the rest is counted
  if (isatty(STDERR_FILENO)) {
    req.progress = [count](std::uint64_t hashes, double secs) {
      std::fprintf(stderr, "\rscanned %llu / %llu (%.1f%%), %s   ", static_cast<unsigned long long>(hashes),
                   static_cast<unsigned long long>(count), 100.0 * static_cast<double>(hashes) / static_cast<double>(count),
                   format_hashrate(secs > 0 ? static_cast<double>(hashes) / secs : 0.0).c_str());
    };
  }
  auto previous = std::signal(SIGINT, scan_on_sigint);
  SearchResult r;
  try {
    r = search_nonces(req);
  } catch (const std::invalid_argument& e) {
    std::signal(SIGINT, previous);
    throw UsageError(e.what());
  }
  std::signal(SIGINT, previous);
  if (req.progress) std::fprintf(stderr, "\r%60s\r", "");

  const std::uint64_t found = r.found_count;
  if (o.json) {
    const std::size_t shown = std::min(r.found.size(), kJsonMaxFound);
    print_json({{"found", std::vector<std::uint32_t>(r.found.begin(), r.found.begin() + static_cast<std::ptrdiff_t>(shown))},
                {"found_count", found}, {"found_truncated", shown < found}, {"hashes", r.hashes},
                {"seconds", r.seconds}, {"hashes_per_second", r.hashes_per_second}, {"kernel", r.kernel},
                {"threads", r.threads}, {"from", from}, {"count", count}, {"target", req.target.to_hex()},
                {"exhausted", r.exhausted}});
  } else {
    std::cout << "kernel   " << r.kernel << ", " << count_noun(r.threads, "thread") << '\n'
              << "range    [" << from << ", " << from + count << ")\n"
              << "target   " << req.target.to_hex() << "  (" << how << ")\n";
    char line[128];
    std::snprintf(line, sizeof line, " in %.3f s (%s)%s\n", r.seconds, format_hashrate(r.hashes_per_second).c_str(),
                  r.exhausted ? "" : ", INTERRUPTED before the end");
    std::cout << "scanned  " << count_noun(r.hashes, "nonce") << line << "found    ";
    if (found == 0) std::cout << "none";
    if (found > kTextMaxFound) std::cout << count_noun(found, "nonce") << "; the first " << kTextMaxFound << ":";
    for (std::size_t i = 0; i < std::min(r.found.size(), kTextMaxFound); ++i) {
      std::cout << (i || found > kTextMaxFound ? " " : "") << r.found[i];
    }
    std::cout << '\n';
  }
  return g_scan_interrupted.load() ? 130 : kExitOk;
}

}  // namespace

void add_scan(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<ScanOptions>();
  CLI::App* sub = app.add_subcommand("scan", "scan a nonce range of a header for hashes that meet a target");
  sub->add_option("header", o->hex, "the raw header as 160 hex digits (its nonce is ignored)")->required();
  // Nonces are 32-bit header fields, often written in hex: --from and --count take 0x too.
  sub->add_option("--from", o->from, "first nonce (0..4294967295, decimal or 0x hex)")->required()->type_name("INT");
  sub->add_option("--count", o->count, "number of nonces (1..2^32, not past 4294967295)")->required()->type_name("INT");
  auto* bits = sub->add_option("--bits", o->bits, "target as nBits, e.g. 0x1d00ffff (default: the header's)")->type_name("HEX");
  auto* zeros = add_integer_option<int>(sub, "--zeros", o->zeros,
                                        "target: at least Z leading zero bits of the hash (0..255; 0 = every hash)", 0, 255);
  bits->excludes(zeros);
  zeros->excludes(bits);
  sub->add_option("--kernel", o->kernel, "kernel to use (see `powlab kernels`; default: the selected one)");
  add_integer_option<unsigned>(sub, "--threads", o->threads, "worker threads (0 = every core, the default)", 0,
                               kMaxSearchThreads);
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
