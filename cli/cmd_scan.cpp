// powlab scan HEX160 --from N --count C: every nonce in [N, N+C) whose sha256d meets the
// header's own target (or --bits / --zeros), through the TBB search and the selected kernel.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "command.h"
#include "powlab/consensus/header.h"
#include "powlab/mining/search.h"
#include "powlab/consensus/target.h"

namespace powlab::cli {

namespace {

struct ScanOptions {
  std::string hex, from, count, bits, zeros, kernel, threads;
  bool json = false;
};

std::atomic<bool> g_interrupted{false};
void scan_on_sigint(int) { g_interrupted.store(true); }  // only an atomic store: signal-safe

U256 target_for(const ScanOptions& o, const BlockHeader& h, std::string& how) {
  if (!o.zeros.empty()) {
    const std::uint64_t z = parse_count(o.zeros, "--zeros", 256);
    how = "--zeros " + std::to_string(z);
    return ~U256(0) >> static_cast<unsigned>(z);  // hash < 2^(256-z): z leading zero bits
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
  req.threads = o.threads.empty() ? 0 : static_cast<unsigned>(parse_count(o.threads, "--threads", kMaxSearchThreads));
  if (!o.threads.empty() && req.threads == 0) throw UsageError("--threads must be at least 1");
  req.cancel = &g_interrupted;
  if (isatty(STDERR_FILENO)) {
    req.progress = [count](std::uint64_t hashes, double secs) {
      std::fprintf(stderr, "\rscanned %llu / %llu (%.1f%%), %.1f M/s   ", static_cast<unsigned long long>(hashes),
                   static_cast<unsigned long long>(count), 100.0 * static_cast<double>(hashes) / static_cast<double>(count),
                   secs > 0 ? static_cast<double>(hashes) / secs / 1e6 : 0.0);
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

  if (o.json) {
    print_json({{"found", r.found}, {"hashes", r.hashes}, {"seconds", r.seconds},
                {"hashes_per_second", r.hashes_per_second}, {"kernel", r.kernel}, {"threads", r.threads},
                {"from", from}, {"count", count}, {"target", req.target.to_hex()}, {"exhausted", r.exhausted}});
  } else {
    std::cout << "kernel   " << r.kernel << ", " << r.threads << " thread" << (r.threads == 1 ? "" : "s") << '\n'
              << "range    [" << from << ", " << from + count << ")\n"
              << "target   " << req.target.to_hex() << "  (" << how << ")\n";
    char line[128];
    std::snprintf(line, sizeof line, "scanned  %llu nonces in %.3f s (%.2f M/s)%s\n",
                  static_cast<unsigned long long>(r.hashes), r.seconds, r.hashes_per_second / 1e6,
                  r.exhausted ? "" : ", INTERRUPTED before the end");
    std::cout << line << "found    ";
    if (r.found.empty()) std::cout << "none";
    for (std::size_t i = 0; i < r.found.size(); ++i) std::cout << (i ? " " : "") << r.found[i];
    std::cout << '\n';
  }
  return g_interrupted.load() ? 130 : kExitOk;
}

}  // namespace

void add_scan(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<ScanOptions>();
  CLI::App* sub = app.add_subcommand("scan", "scan a nonce range of a header for hashes that meet a target");
  sub->add_option("header", o->hex, "the raw header as 160 hex digits (its nonce is ignored)")->required();
  sub->add_option("--from", o->from, "first nonce (0..4294967295)")->required();
  sub->add_option("--count", o->count, "number of nonces (1..2^32, not past 4294967295)")->required();
  auto* bits = sub->add_option("--bits", o->bits, "target as nBits, e.g. 0x1d00ffff (default: the header's)");
  auto* zeros = sub->add_option("--zeros", o->zeros, "target: at least Z leading zero bits of the hash (0..256)");
  bits->excludes(zeros);
  zeros->excludes(bits);
  sub->add_option("--kernel", o->kernel, "kernel to use (see `powlab kernels`; default: the selected one)");
  sub->add_option("--threads", o->threads, "worker threads (default: every core)");
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
