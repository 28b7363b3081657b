// Google Benchmark cases for the hashing core: one single-thread case per kernel (nonces/s),
// batch SHA-256 bytes/s beside OpenSSL's one-stream EVP rate, and TBB search scaling.
// Unsupported kernels are skipped with a message, never run.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <thread>
#include <vector>

#include "powlab/consensus/header.h"
#include "powlab/kernels.h"
#include "powlab/mining/search.h"

namespace {

using namespace powlab;

constexpr char kGenesisHex[] =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc8"
    "1bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

kernels::ScanJob genesis_job() {
  const BlockHeader h = BlockHeader::from_hex(kGenesisHex);
  return kernels::make_scan_job(h.serialize(), {0, 0, 0, 0, 0, 0, 0xffff0000u, 0});
}

// Nonces/s of one kernel on one thread, in chunks the size the search uses.
void BM_Scan(benchmark::State& state, const kernels::KernelInfo* k) {
  if (!kernels::supported(*k)) {
    state.SkipWithError("kernel not supported by this CPU");
    return;
  }
  const kernels::ScanJob job = genesis_job();
  const std::uint64_t chunk = std::uint64_t{k->lanes} * 4096;
  std::uint64_t nonce = 0;
  std::vector<std::uint32_t> found;
  for (auto _ : state) {
    k->scan(job, nonce, nonce + chunk, found);
    nonce = (nonce + chunk) % (std::uint64_t{1} << 31);
    benchmark::DoNotOptimize(found.data());
  }
  state.counters["nonces/s"] = benchmark::Counter(static_cast<double>(state.iterations() * chunk), benchmark::Counter::kIsRate);
}

// Plain SHA-256 of 64-byte messages (one compression each, plus a padding block).
void BM_Sha256Batch(benchmark::State& state, const kernels::KernelInfo* k) {
  if (!kernels::supported(*k)) {
    state.SkipWithError("kernel not supported by this CPU");
    return;
  }
  const std::size_t len = static_cast<std::size_t>(state.range(0)), count = 1024;
  std::vector<std::uint8_t> in(len * count, 0x5a), out(32 * count);
  for (auto _ : state) {
    k->sha256_batch(in.data(), len, count, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * len * count));
}

// OpenSSL's one-stream SHA-256 (SHA-NI where present) over the same messages.
void BM_Sha256OpenSSL(benchmark::State& state) {
  const std::size_t len = static_cast<std::size_t>(state.range(0)), count = 1024;
  std::vector<std::uint8_t> in(len * count, 0x5a), out(32 * count);
  const EVP_MD* md = EVP_sha256();
  for (auto _ : state) {
    for (std::size_t i = 0; i < count; ++i) EVP_Digest(in.data() + i * len, len, out.data() + 32 * i, nullptr, md, nullptr);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * len * count));
}

// The TBB search with the selected kernel over 1..N threads (real time: it is wall-clock work).
void BM_SearchThreads(benchmark::State& state) {
  SearchRequest req;
  req.header = BlockHeader::from_hex(kGenesisHex);
  req.target = U256(0);  // nothing wins: pure scanning
  req.threads = static_cast<unsigned>(state.range(0));
  const std::uint64_t span = std::uint64_t{1} << 24;
  std::uint64_t begin = 0, hashes = 0;
  for (auto _ : state) {
    req.nonce_begin = begin;
    req.nonce_end = begin + span;
    hashes += search_nonces(req).hashes;
    begin = (begin + span) % (std::uint64_t{1} << 31);
  }
  state.counters["nonces/s"] = benchmark::Counter(static_cast<double>(hashes), benchmark::Counter::kIsRate);
  state.SetLabel(kernels::selected_kernel().name);
}

const bool registered = [] {
  for (const kernels::KernelInfo& k : kernels::registry()) {
    benchmark::RegisterBenchmark((std::string("scan/") + k.name).c_str(), BM_Scan, &k)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((std::string("sha256_batch/") + k.name).c_str(), BM_Sha256Batch, &k)->Arg(64)->Arg(1024);
  }
  benchmark::RegisterBenchmark("sha256_openssl_one_stream", BM_Sha256OpenSSL)->Arg(64)->Arg(1024);
  auto* s = benchmark::RegisterBenchmark("search_tbb/threads", BM_SearchThreads)->UseRealTime()->Unit(benchmark::kMillisecond);
  for (unsigned t = 1; t <= std::max(1u, std::thread::hardware_concurrency()); ++t) s->Arg(t);
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
