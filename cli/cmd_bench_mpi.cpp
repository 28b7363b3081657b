// `mpirun -np N powlab bench --mpi` (issue 15): a cluster's aggregate sha256d rate, measured
// the same way on every rank.
//  - Known answer first: bench's range [0, 2^20) of genesis nonces is split into N disjoint
//    slices, each rank scans its own, and rank 0 checksums the winners of all of them in rank
//    (= nonce) order. The checksum is the single-process one only if every slice was scanned,
//    once, correctly: a lost, doubled or miscomputed slice changes it.
//  - Rates: every rank scans its own nonce range (a disjoint slice of [2^24, 2^32)) of its own
//    header (genesis with the rank in the BIP320 version bits, the header field a pool hands out
//    per miner), so no two ranks ever hash the same header and nonce. Each window starts on a
//    barrier, so the ranks' windows overlap and their rates add up to the cluster's.
//  - The wall clock, always: ranks that share cores (--oversubscribe, or two ranks on one node)
//    would each count the shared cores as their own by bench's CPU clock, and the total would
//    add the same cores up more than once. The CPU-clock rate is kept in the JSON for reference.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <thread>

#include "bench_kat.h"
#include "command.h"
#include "mpi_commands.h"
#include "powlab/cluster/comm.h"
#include "powlab/kernels.h"
#include "powlab/mining/miner.h"

namespace powlab::cli {

namespace {

constexpr std::uint64_t kRateBegin = std::uint64_t{1} << 24;  // away from the known-answer range
constexpr std::uint64_t kRateEnd = std::uint64_t{1} << 32;
constexpr int kVersionShift = 13;                                // BIP320: bits 13..28 roll
constexpr std::uint64_t kMaxRanks = kVersionRollingMask >> kVersionShift;  // 65535 more versions

// What one rank measured, as it travels to rank 0.
nlohmann::json measure_rank(cluster::Comm& comm, const BenchMpiArgs& a,
                            const kernels::KernelInfo& k, const std::vector<std::uint32_t>& kat_found,
                            const cluster::Range& kat) {
  const auto rank = static_cast<std::uint64_t>(comm.rank()), size = static_cast<std::uint64_t>(comm.size());
  const cluster::Range nonces = cluster::split_range(kRateBegin, kRateEnd, size, rank);
  SearchRequest req = base_request();
  req.header.version |= static_cast<std::int32_t>(rank << kVersionShift);
  req.kernel = k.name;
  req.threads = a.threads[0];
  req.nonce_begin = nonces.begin;
  req.nonce_end = nonces.end;
  const unsigned cores = usable_cores();
  const double busy = static_cast<double>(std::min(a.threads[0], cores));

  comm.barrier();
  req.max_seconds = kWarmupSeconds;
  search_nonces(req);
  std::vector<double> wall, cpu;
  std::uint64_t hashes = 0;
  req.max_seconds = a.seconds / a.repeats;
  for (unsigned rep = 0; rep < a.repeats; ++rep) {
    comm.barrier();  // every rank's window starts together
    const double cpu0 = process_cpu_seconds();
    const SearchResult r = search_nonces(req);
    const double used = process_cpu_seconds() - cpu0;
    wall.push_back(r.hashes_per_second);
    cpu.push_back(used > 0 ? static_cast<double>(r.hashes) * busy / used : 0);
    hashes += r.hashes;
  }
  return {{"rank", rank},
          {"host", comm.host()},
          {"kernel", k.name},
          {"threads", a.threads[0]},
          {"version", req.header.version},
          {"nonce_begin", nonces.begin},
          {"nonce_end", nonces.end},
          {"kat_nonce_begin", kat.begin},
          {"kat_nonce_end", kat.end},
          {"kat_found", kat_found},
          {"hashes", hashes},
          {"hashes_per_second", median(wall)},
          {"hashes_per_second_cpu", median(cpu)},
          {"repeats", wall}};
}

}  // namespace

int run_bench_mpi(const BenchMpiArgs& a) {
  if (a.threads.size() != 1) throw UsageError("--threads: bench --mpi takes one thread count per rank (got " + std::to_string(a.threads.size()) + ")");
  if (a.kernel == "all") throw UsageError("--kernel all: bench --mpi measures one kernel per run; name it");
  const kernels::KernelInfo* k = nullptr;
  try {
    k = &kernels::resolve_kernel(a.kernel);
  } catch (const kernels::KernelError& e) {
    throw UsageError(e.what());
  }
  cluster::Comm comm;
  const auto rank = static_cast<std::uint64_t>(comm.rank()), size = static_cast<std::uint64_t>(comm.size());
  if (size > kMaxRanks + 1) {
    if (rank == 0) throw UsageError("bench --mpi: at most " + std::to_string(kMaxRanks + 1) + " ranks (got " + std::to_string(size) + ")");
    return kExitOk;  // rank 0 reports it; a non-zero exit here would make mpirun cut it off
  }

  const cluster::Range kat = cluster::split_range(0, kKatNonces, size, rank);
  SearchRequest req = base_request();
  req.nonce_begin = kat.begin;
  req.nonce_end = kat.end;
  req.kernel = k->name;
  req.serial = true;
  const std::vector<std::uint32_t> kat_found = search_nonces(req).found;

  const nlohmann::json mine = measure_rank(comm, a, *k, kat_found, kat);
  const std::vector<std::string> all = comm.gather(mine.dump());
  if (rank != 0) return kExitOk;

  std::vector<std::uint32_t> winners;
  nlohmann::json rows = nlohmann::json::array();
  double total = 0, total_cpu = 0;
  std::uint64_t hashes = 0, threads = 0;
  for (const std::string& text : all) {
    nlohmann::json row = nlohmann::json::parse(text);
    for (const auto& n : row["kat_found"]) winners.push_back(n.get<std::uint32_t>());  // slices ascend with rank
    total += row["hashes_per_second"].get<double>();
    total_cpu += row["hashes_per_second_cpu"].get<double>();
    hashes += row["hashes"].get<std::uint64_t>();
    threads += row["threads"].get<std::uint64_t>();
    row["kat_winners"] = row["kat_found"].size();
    row.erase("kat_found");
    rows.push_back(row);
  }
  const std::string sum = checksum_of(winners);
  const bool ok = sum == kKatChecksum;
  const char* clock = "wall";
  if (a.json) {
    print_json({{"ranks", size},
                {"kernel", k->name},
                {"clock", clock},
                {"warmup_seconds", kWarmupSeconds},
                {"window_seconds", a.seconds / a.repeats},
                {"repeats", a.repeats},
                {"checksum", {{"checksum", sum}, {"winners", winners.size()}, {"expected", kKatChecksum}, {"ok", ok}}},
                {"results", rows},
                {"total", {{"ranks", size},
                           {"threads", threads},
                           {"hashes", hashes},
                           {"hashes_per_second", total},
                           {"hashes_per_second_cpu", total_cpu}}}});
    return ok ? kExitOk : kExitInvalid;
  }
  std::cout << "bench --mpi: " << count_noun(size, "rank") << ", kernel " << k->name << ", " << kWarmupSeconds
            << " s warm-up, then " << a.repeats << " x " << a.seconds / a.repeats
            << " s windows, each started on a barrier; median per rank; " << clock << " clock\n"
            << "checksum  " << k->name << ": " << sum << " from " << count_noun(size, "rank")
            << "' slices of nonces [0, 2^20)" << (ok ? " (known answer: ok)" : " MISMATCH, expected ")
            << (ok ? "" : kKatChecksum) << "\n\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-5s %-16s %-8s %7s  %-26s %-10s %14s\n", "rank", "host", "kernel", "threads",
                "nonces", "version", "hash rate");
  std::cout << buf;
  for (const nlohmann::json& r : rows) {
    const std::string range = "[" + std::to_string(r["nonce_begin"].get<std::uint64_t>()) + ", " +
                              std::to_string(r["nonce_end"].get<std::uint64_t>()) + ")";
    char version[16];
    std::snprintf(version, sizeof version, "0x%08x", r["version"].get<std::uint32_t>());
    const double rate = r["hashes_per_second"].get<double>();
    std::snprintf(buf, sizeof buf, "%-5llu %-16s %-8s %7llu  %-26s %-10s %14s\n",
                  static_cast<unsigned long long>(r["rank"].get<std::uint64_t>()), r["host"].get<std::string>().c_str(),
                  r["kernel"].get<std::string>().c_str(), static_cast<unsigned long long>(r["threads"].get<std::uint64_t>()),
                  range.c_str(), version, format_hashrate(rate).c_str());
    std::cout << buf;
  }
  std::cout << "total " << count_noun(size, "rank") << ", " << count_noun(threads, "thread") << ": "
            << format_hashrate(total) << '\n';
  return ok ? kExitOk : kExitInvalid;
}

}  // namespace powlab::cli
