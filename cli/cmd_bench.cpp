// powlab bench: sha256d nonces per second for each kernel and thread count, through the same
// TBB search that `scan` and the miner use. Fixed warm-up, fixed measuring window, median of
// repeats, scaling efficiency, and a known-answer checksum proving the hashing was real.
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <iostream>
#include <thread>

#include "command.h"
#include "powlab/consensus/header.h"
#include "powlab/kernels.h"
#include "powlab/mining/search.h"
#include "powlab/sha256.h"

namespace powlab::cli {

namespace {

struct BenchOptions {
  std::string kernel, threads, seconds = "2";
  std::string clock = "cpu";
  unsigned repeats = 5;
  bool json = false;
};

constexpr char kGenesisHex[] =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc8"
    "1bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
constexpr double kWarmupSeconds = 0.3;

// Known answer: genesis nonces [0, 2^20) whose hash has 16 leading zero bits (14 of them),
// checksummed as the first 16 hex digits of SHA-256 over the winners as little-endian uint32.
// Derived independently with Python's hashlib, not with powlab.
constexpr std::uint64_t kKatNonces = std::uint64_t{1} << 20;
constexpr char kKatChecksum[] = "105b3eeaa0c4cc17";

SearchRequest base_request() {
  SearchRequest req;
  req.header = BlockHeader::from_hex(kGenesisHex);
  req.target = ~U256(0) >> 16;  // winners are real but rare (1 in 65536): the re-check path runs
  return req;
}

std::string checksum_of(const std::vector<std::uint32_t>& found) {
  std::vector<std::uint8_t> bytes;
  for (std::uint32_t n : found) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  const Digest d = sha256(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) s += {kHex[d[i] >> 4], kHex[d[i] & 15]};
  return s;
}

std::vector<unsigned> parse_threads(const std::string& list) {
  std::vector<unsigned> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    const auto t = static_cast<unsigned>(parse_count(list.substr(pos, comma - pos), "--threads entry", kMaxSearchThreads));
    if (t == 0) throw UsageError("--threads entries must be at least 1");
    out.push_back(t);
    pos = comma + 1;
  }
  return out;
}

double parse_seconds(const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(v > 0) || v > 600) throw UsageError("--seconds must be a number in (0, 600] (got '" + text + "')");
  return v;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int run(const BenchOptions& o) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::vector<unsigned> threads = o.threads.empty() ? (cores > 1 ? std::vector<unsigned>{1, cores} : std::vector<unsigned>{1})
                                                          : parse_threads(o.threads);
  const double seconds = parse_seconds(o.seconds);
  if (o.repeats == 0 || o.repeats > 100) throw UsageError("--repeats must be in 1..100");
  if (o.clock != "cpu" && o.clock != "wall") throw UsageError("--clock must be cpu or wall (got '" + o.clock + "')");
  const bool use_cpu_clock = o.clock == "cpu";

  std::vector<const kernels::KernelInfo*> list;
  const kernels::KernelInfo* selected = nullptr;
  try {
    selected = &kernels::selected_kernel();
    if (o.kernel == "all") {
      for (const auto& k : kernels::registry()) {
        if (kernels::supported(k) && kernels::cached_self_test(k).empty()) list.push_back(&k);
      }
    } else {
      list.push_back(&kernels::resolve_kernel(o.kernel));
    }
  } catch (const kernels::KernelError& e) {
    throw UsageError(e.what());
  }

  const bool tty = isatty(STDERR_FILENO);
  if (!o.json) {
    std::cout << "cpu       " << kernels::cpu_model() << " (" << cores << " logical cores)\n"
              << "features  " << kernels::features_to_string(kernels::cpu_features()) << "\n"
              << "selected  " << selected->name << " (" << selected->lanes << " lanes)\n"
              << "method    per point: " << kWarmupSeconds << " s warm-up, then " << o.repeats << " x "
              << seconds / o.repeats << " s windows; median reported; " << o.clock << " clock\n\n";
  }

  nlohmann::json results = nlohmann::json::array();
  nlohmann::json checks = nlohmann::json::array();
  bool all_ok = true;
  const std::size_t points = list.size() * threads.size();
  std::size_t point = 0;
  for (const kernels::KernelInfo* k : list) {
    // Known-answer scan first: a kernel that hashes wrongly never gets a rate.
    SearchRequest kat = base_request();
    kat.nonce_end = kKatNonces;
    kat.kernel = k->name;
    kat.serial = true;
    const std::string sum = checksum_of(search_nonces(kat).found);
    const bool ok = sum == kKatChecksum;
    all_ok = all_ok && ok;
    checks.push_back({{"kernel", k->name}, {"checksum", sum}, {"expected", kKatChecksum}, {"ok", ok}});
    if (!o.json) {
      std::cout << "checksum  " << k->name << ": " << sum << (ok ? " (known answer: ok)" : " MISMATCH, expected ") << (ok ? "" : kKatChecksum) << '\n';
    }
    if (!ok) continue;

    double base_rate_per_thread = 0;
    for (unsigned t : threads) {
      ++point;
      SearchRequest req = base_request();
      req.kernel = k->name;
      req.threads = t;
      req.nonce_begin = 1u << 24;  // away from the known-answer range
      req.max_seconds = kWarmupSeconds;
      if (tty) std::fprintf(stderr, "\r[%zu/%zu] %s, %u thread%s: warm-up          ", point, points, k->name, t, t == 1 ? "" : "s");
      search_nonces(req);
      std::vector<double> rates, wall_rates;
      std::uint64_t hashes = 0, found = 0;
      for (unsigned rep = 0; rep < o.repeats; ++rep) {
        if (tty) std::fprintf(stderr, "\r[%zu/%zu] %s, %u thread%s: repeat %u/%u    ", point, points, k->name, t, t == 1 ? "" : "s", rep + 1, o.repeats);
        req.max_seconds = seconds / o.repeats;
        const double cpu0 = process_cpu_seconds();
        const SearchResult r = search_nonces(req);
        const double cpu = process_cpu_seconds() - cpu0;
        // CPU clock: the rate while our threads actually ran (`openssl speed` also counts CPU
        // time), so a busy shared machine does not halve the figure. At most `cores` threads
        // can run at once, so the work is spread over min(threads, cores) of them.
        const double busy = static_cast<double>(std::min(t, cores));
        const double cpu_rate = cpu > 0 ? static_cast<double>(r.hashes) * busy / cpu : 0;
        rates.push_back(use_cpu_clock ? cpu_rate : r.hashes_per_second);
        wall_rates.push_back(r.hashes_per_second);
        hashes += r.hashes;
        found += r.found.size();
      }
      const double rate = median(rates);
      if (base_rate_per_thread == 0) base_rate_per_thread = rate / t;
      const double efficiency = rate / t / base_rate_per_thread;
      results.push_back({{"kernel", k->name}, {"lanes", k->lanes}, {"threads", t}, {"hashes_per_second", rate},
                         {"efficiency", efficiency}, {"repeats", rates},
                         {"wall_hashes_per_second", median(wall_rates)}, {"clock", o.clock}, {"hashes", hashes}, {"found", found}});
      if (tty) std::fprintf(stderr, "\r%70s\r", "");
      if (!o.json) {
        char line[160];
        std::snprintf(line, sizeof line, "%-8s %3u thread%s  %12s  (min %s, max %s)  efficiency %5.1f%%  [%s]\n",
                      k->name, t, t == 1 ? " " : "s", format_hashrate(rate).c_str(),
                      format_hashrate(*std::min_element(rates.begin(), rates.end())).c_str(),
                      format_hashrate(*std::max_element(rates.begin(), rates.end())).c_str(), 100 * efficiency,
                      count_noun(found, "winner").c_str());
        std::cout << line << std::flush;
      }
    }
  }
  if (o.json) {
    print_json({{"cpu", {{"model", kernels::cpu_model()}, {"features", kernels::features_to_string(kernels::cpu_features())},
                         {"cores", cores}, {"selected", selected->name}}},
                {"warmup_seconds", kWarmupSeconds}, {"clock", o.clock}, {"window_seconds", seconds / o.repeats}, {"repeats", o.repeats},
                {"checksums", checks}, {"results", results}});
  }
  return all_ok ? kExitOk : kExitInvalid;
}

}  // namespace

void add_bench(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand("bench", "measure sha256d hashes per second per kernel and thread count");
  sub->add_option("--kernel", o->kernel, "a kernel name, or 'all' for every supported kernel (default: the selected one)");
  sub->add_option("--threads", o->threads, "comma-separated thread counts, e.g. 1,2 (default: 1 and every core)")
      ->type_name("INT,...");
  sub->add_option("--seconds", o->seconds, "measuring time per kernel and thread count, split over the repeats (default 2)")
      ->type_name("NUM");
  add_integer_option<unsigned>(sub, "--repeats", o->repeats, "measuring windows per point; the median is reported (default 5)",
                               1, 100);
  sub->add_option("--clock", o->clock,
                  "cpu (default): rate per CPU-second of our threads, as `openssl speed` counts; wall: elapsed time");
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
