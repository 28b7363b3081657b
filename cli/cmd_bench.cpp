// powlab bench: sha256d nonces per second for each kernel and thread count, through the same
// TBB search that `scan` and the miner use. Fixed warm-up, fixed measuring windows interleaved
// across kernels and thread counts, median of repeats, scaling efficiency, each kernel's
// ceiling (its binding instruction's measured throughput over its count per nonce) and the
// fraction of it reached, and a known-answer checksum proving the hashing was real.
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <iostream>
#include <thread>

#include "bench_kat.h"
#include "command.h"
#include "mpi_commands.h"
#include "pictures.h"
#include "powlab/consensus/header.h"
#include "powlab/kernels.h"
#include "powlab/mining/search.h"
#include "powlab/sha256.h"

namespace powlab::cli {

namespace {

struct BenchOptions {
  std::string kernel, threads, seconds = "2";
  std::string svg;
  std::string clock = "cpu";
  unsigned repeats = 5;
  bool json = false;
  bool mpi = false;
};


std::vector<unsigned> parse_threads(const std::string& list) {
  std::vector<unsigned> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    const auto t = static_cast<unsigned>(parse_count(list.substr(pos, comma - pos), "--threads entry", kMaxSearchThreads));
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

struct Point {
  const kernels::KernelInfo* kernel;
  unsigned threads;
  std::vector<double> cpu_rates, wall_rates;
  std::uint64_t hashes = 0, found = 0;
};

// One measuring window of one point: the TBB search for `seconds`, rated both per wall second
// and per CPU-second of our threads.
void measure(Point& p, double seconds, unsigned cores) {
  SearchRequest req = base_request();
  req.kernel = p.kernel->name;
  req.threads = p.threads;
  req.nonce_begin = 1u << 24;  // away from the known-answer range
  req.max_seconds = seconds;
  const double cpu0 = process_cpu_seconds();
  const SearchResult r = search_nonces(req);
  const double cpu = process_cpu_seconds() - cpu0;
  // CPU clock: the rate while our threads actually ran (`openssl speed` also counts CPU time),
  // so a busy shared machine does not halve the figure. At most `cores` threads can run at
  // once, so the work is spread over min(threads, cores) of them.
  const double busy = static_cast<double>(std::min(p.threads, cores));
  p.cpu_rates.push_back(cpu > 0 ? static_cast<double>(r.hashes) * busy / cpu : 0);
  p.wall_rates.push_back(r.hashes_per_second);
  p.hashes += r.hashes;
  p.found += r.found.size();
}

int run(const BenchOptions& o) {
  const unsigned cores = usable_cores();
  std::vector<unsigned> threads = o.threads.empty() ? (cores > 1 ? std::vector<unsigned>{1, cores} : std::vector<unsigned>{1})
                                                    : parse_threads(o.threads);
  for (unsigned& t : threads) {
    if (t == 0) t = cores;  // docs/VOCABULARY.md: 0 = every core
  }
  const double seconds = parse_seconds(o.seconds);
  if (o.repeats == 0 || o.repeats > 100) throw UsageError("--repeats must be in 1..100");
  if (o.clock != "cpu" && o.clock != "wall") throw UsageError("--clock must be cpu or wall (got '" + o.clock + "')");
  const bool use_cpu_clock = o.clock == "cpu";
  if (!o.svg.empty()) check_svg_path(o.svg);
  if (o.mpi && !o.svg.empty()) throw UsageError("--svg draws one process's bench: it does not apply with --mpi");
  if (o.mpi) {  // cmd_bench_mpi.cpp: one thread count per rank, every core unless --threads says
    return run_bench_mpi({o.kernel, o.threads.empty() ? std::vector<unsigned>{cores} : threads, seconds, o.repeats, o.json});
  }

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
              << seconds / o.repeats << " s windows, interleaved across points; median reported; " << o.clock
              << " clock\n"
              << "ceiling   per core: the binding instruction's throughput (micro-benchmark, best of 5 windows,\n"
              << "          thread CPU time) / its count per nonce in the compiled kernel\n\n";
  }

  // Known-answer scan first: a kernel that hashes wrongly never gets a rate. The expected
  // value comes from Python's hashlib (kKatChecksum), never from powlab itself.
  nlohmann::json checks = nlohmann::json::array();
  bool all_ok = true;
  std::vector<const kernels::KernelInfo*> good;
  for (const kernels::KernelInfo* k : list) {
    SearchRequest kat = base_request();
    kat.nonce_end = kKatNonces;
    kat.kernel = k->name;
    kat.serial = true;
    const std::vector<std::uint32_t> winners = search_nonces(kat).found;
    const std::string sum = checksum_of(winners);
    const bool ok = sum == kKatChecksum;
    all_ok = all_ok && ok;
    checks.push_back({{"kernel", k->name}, {"checksum", sum}, {"winners", winners.size()}, {"expected", kKatChecksum},
                      {"ok", ok}});
    if (!o.json) {
      std::cout << "checksum  " << k->name << ": " << sum << (ok ? " (known answer: ok)" : " MISMATCH, expected ") << (ok ? "" : kKatChecksum) << '\n';
    }
    if (ok) good.push_back(k);
  }

  // The ceiling of each kernel, measured once, single-threaded, before any rate.
  struct Ceil {
    double per_core = 0, instr_rate = 0;
  };
  std::vector<Ceil> ceilings(good.size());
  for (std::size_t i = 0; i < good.size(); ++i) {
    const kernels::Binding& b = good[i]->binding;
    if (b.rate == nullptr || !(b.per_nonce > 0)) continue;
    ceilings[i].instr_rate = b.rate(0.05);
    ceilings[i].per_core = ceilings[i].instr_rate / b.per_nonce;
  }

  // Every point warms up once, then the repeats go round the points in turn, so a change in the
  // machine's load lands on all of them alike and their ratios stay fair.
  std::vector<Point> points;
  for (const kernels::KernelInfo* k : good) {
    for (unsigned t : threads) points.push_back({k, t, {}, {}});
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (tty) {
      std::fprintf(stderr, "\r[%zu/%zu] %s, %u thread%s: warm-up          ", i + 1, points.size(), points[i].kernel->name,
                   points[i].threads, points[i].threads == 1 ? "" : "s");
    }
    Point warm{points[i].kernel, points[i].threads, {}, {}};
    measure(warm, kWarmupSeconds, cores);
  }
  for (unsigned rep = 0; rep < o.repeats; ++rep) {
    if (tty) std::fprintf(stderr, "\rrepeat %u/%u                                        ", rep + 1, o.repeats);
    for (Point& p : points) measure(p, seconds / o.repeats, cores);
  }
  if (tty) std::fprintf(stderr, "\r%70s\r", "");

  nlohmann::json results = nlohmann::json::array();
  for (std::size_t ki = 0; ki < good.size(); ++ki) {
    const kernels::KernelInfo* k = good[ki];
    double base_rate_per_thread = 0;
    for (const Point& p : points) {
      if (p.kernel != k) continue;
      const double cpu_rate = median(p.cpu_rates), wall_rate = median(p.wall_rates);
      const double rate = use_cpu_clock ? cpu_rate : wall_rate;
      if (base_rate_per_thread == 0) base_rate_per_thread = rate / p.threads;
      const double efficiency = base_rate_per_thread > 0 ? rate / p.threads / base_rate_per_thread : 0;
      // Threads beyond the cores share them: the ceiling grows with the cores in use only.
      const double ceiling = ceilings[ki].per_core * std::min(p.threads, cores);
      nlohmann::json x = {{"kernel", k->name}, {"lanes", k->lanes}, {"threads", p.threads},
                          {"hashes_per_second", wall_rate}, {"hashes_per_second_cpu", cpu_rate},
                          {"clock", o.clock}, {"efficiency", efficiency},
                          {"repeats", use_cpu_clock ? p.cpu_rates : p.wall_rates},
                          {"hashes", p.hashes}, {"found", p.found}};
      if (ceiling > 0) {
        x["ceiling_hashes_per_second"] = ceiling;
        x["fraction_of_ceiling"] = rate / ceiling;
        x["binding_instruction"] = k->binding.instruction;
        x["binding_per_nonce"] = k->binding.per_nonce;
        x["binding_instructions_per_second"] = ceilings[ki].instr_rate;
      } else {
        x["ceiling_hashes_per_second"] = nullptr;
        x["fraction_of_ceiling"] = nullptr;
        x["binding_instruction"] = nullptr;
      }
      results.push_back(x);
      if (!o.json) {
        const auto [lo, hi] = std::minmax_element(x["repeats"].begin(), x["repeats"].end());
        char buf[200];
        std::snprintf(buf, sizeof buf, "%-8s %3u thread%s  %11s (min %s, max %s)  efficiency %5.1f%%", k->name,
                      p.threads, p.threads == 1 ? " " : "s", format_hashrate(rate).c_str(),
                      format_hashrate(lo->get<double>()).c_str(), format_hashrate(hi->get<double>()).c_str(), 100 * efficiency);
        std::string line = buf;
        if (ceiling > 0) {
          // The hybrid's binding is the sum of two ceilings, so it has no single count per nonce.
          if (k->binding.per_nonce != 1) {
            std::snprintf(buf, sizeof buf, "  ceiling %s = %.2f of it (%s, %.1f per nonce)", format_hashrate(ceiling).c_str(),
                          rate / ceiling, k->binding.instruction, k->binding.per_nonce);
          } else {
            std::snprintf(buf, sizeof buf, "  ceiling %s = %.2f of it (%s)", format_hashrate(ceiling).c_str(), rate / ceiling,
                          k->binding.instruction);
          }
          line += buf;
        }
        std::cout << line << '\n' << std::flush;
      }
    }
  }
  if (!o.svg.empty()) {
    std::vector<BenchPoint> drawn;
    for (const auto& x : results) {
      drawn.push_back({x["kernel"], x["threads"], x[use_cpu_clock ? "hashes_per_second_cpu" : "hashes_per_second"]});
    }
    write_figure(o.svg, bench_figure(drawn, o.clock));
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
  CLI::App* sub = app.add_subcommand("bench", "measure sha256d hashes per second per kernel and thread count, and each kernel's ceiling");
  sub->add_option("--kernel", o->kernel, "a kernel name, or 'all' for every supported kernel (default: the selected one)");
  sub->add_option("--threads", o->threads, "comma-separated thread counts, e.g. 1,2; 0 = every core (default: 1 and every core)")
      ->type_name("INT,...");
  sub->add_option("--seconds", o->seconds, "measuring time per kernel and thread count, split over the repeats (default 2)")
      ->type_name("NUM");
  add_integer_option<unsigned>(sub, "--repeats", o->repeats, "measuring windows per point; the median is reported (default 5)",
                               1, 100);
  sub->add_option("--clock", o->clock,
                  "cpu (default): rate per CPU-second of our threads, as `openssl speed` counts; wall: elapsed time");
  sub->add_option("--svg", o->svg, "draw hash rate against threads per kernel to FILE.svg")->type_name("FILE");
  sub->add_flag("--json", o->json, "print a JSON object");
  sub->add_flag("--mpi", o->mpi, "under mpirun: every rank benches its cores, windows started together; rank 0 prints a row per rank and the total (wall clock)");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
