// The nonce search: the one place powlab spreads hashing over threads (TBB). The range is cut
// into disjoint chunks, each a multiple of the kernel's lanes, so threads never overlap and an
// exhaustive scan reports the same winners whatever the thread count.
#include "powlab/mining/search.h"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "powlab/kernels.h"

namespace powlab {
namespace {

using Clock = std::chrono::steady_clock;

// ~0.1-1 ms of work per chunk at full speed: the stop flag is seen promptly and the TBB
// overhead per chunk is noise. Scalar gets smaller chunks (it is ~20x slower per nonce).
constexpr std::uint64_t kChunkBatches = 4096;

struct Shared {
  Shared(const SearchRequest& r, const kernels::KernelInfo& k, std::uint64_t c)
      : req(r), kernel(k), job(kernels::make_scan_job(r.header.serialize(), r.target.to_words())),
        start(Clock::now()), chunk(c), next_progress(r.progress_seconds) {}

  const SearchRequest& req;
  const kernels::KernelInfo& kernel;
  const kernels::ScanJob job;
  const Clock::time_point start;
  std::uint64_t chunk;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> claimed{0};  // nonces handed out (for the hash budget)
  std::atomic<std::uint64_t> hashes{0};   // nonces scanned
  std::mutex found_mu;
  std::vector<std::uint32_t> found;
  std::uint64_t found_count = 0;  // under found_mu
  std::mutex progress_mu;
  double next_progress;

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start).count(); }

  bool should_stop() {
    if (stop.load(std::memory_order_relaxed)) return true;
    if ((req.cancel && req.cancel->load(std::memory_order_relaxed)) ||
        (req.max_seconds > 0 && elapsed() >= req.max_seconds)) {
      stop.store(true, std::memory_order_relaxed);
    }
    return stop.load(std::memory_order_relaxed);
  }

  // Scans chunk i unless a stop condition holds. Returns false once stopping.
  bool run_chunk(std::uint64_t i) {
    if (should_stop()) return false;
    const std::uint64_t b = req.nonce_begin + i * chunk;
    const std::uint64_t e = std::min(req.nonce_end, b + chunk);
    if (req.max_hashes > 0 && claimed.fetch_add(e - b, std::memory_order_relaxed) >= req.max_hashes) {
      stop.store(true, std::memory_order_relaxed);
      return false;
    }
    std::vector<std::uint32_t> local;
    kernel.scan(job, b, e, local);
    hashes.fetch_add(e - b, std::memory_order_relaxed);
    if (!local.empty()) {
      {
        std::lock_guard lock(found_mu);
        found.insert(found.end(), local.begin(), local.end());
        found_count += local.size();
        // Chunks finish out of order, so keep the smallest max_found seen so far: trimming at
        // twice the cap keeps the work amortised and the memory bounded.
        if (req.max_found > 0 && found.size() > 2 * req.max_found) {
          std::nth_element(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(req.max_found), found.end());
          found.resize(req.max_found);
        }
      }
      if (req.stop_at_first) stop.store(true, std::memory_order_relaxed);
    }
    report_progress();
    return true;
  }

  void report_progress() {
    if (!req.progress) return;
    std::unique_lock lock(progress_mu, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const double now = elapsed();
    if (now < next_progress) return;
    next_progress = now + req.progress_seconds;
    req.progress(hashes.load(std::memory_order_relaxed), now);
  }
};

const kernels::KernelInfo& kernel_for(const std::string& name) {
  try {
    return kernels::resolve_kernel(name);
  } catch (const kernels::KernelError& e) {
    throw std::invalid_argument(e.what());
  }
}

}  // namespace

SearchResult search_nonces(const SearchRequest& req) {
  if (req.nonce_begin > req.nonce_end || req.nonce_end > (std::uint64_t{1} << 32)) {
    throw std::invalid_argument("nonce range must satisfy begin <= end <= 2^32");
  }
  if (req.threads > kMaxSearchThreads) {
    throw std::invalid_argument("at most " + std::to_string(kMaxSearchThreads) + " threads, got " +
                                std::to_string(req.threads));
  }
  const kernels::KernelInfo& kernel = kernel_for(req.kernel);
  const std::uint64_t chunk = std::uint64_t{kernel.lanes} * kChunkBatches;
  Shared sh(req, kernel, chunk);

  const std::uint64_t chunks = (req.nonce_end - req.nonce_begin + chunk - 1) / chunk;
  const unsigned hw = static_cast<unsigned>(tbb::info::default_concurrency());
  const unsigned threads = req.serial ? 1 : (req.threads == 0 ? hw : req.threads);

  if (req.serial || threads == 1) {
    // Serial mode: chunk after chunk on the calling thread, no TBB.
    for (std::uint64_t i = 0; i < chunks; ++i) {
      if (!sh.run_chunk(i)) break;
    }
  } else {
    // More threads than cores is allowed (slow but correct): lift TBB's default cap for the call.
    std::unique_ptr<tbb::global_control> oversubscribe;
    if (threads > hw) {
      oversubscribe = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
    }
    tbb::task_arena arena(static_cast<int>(threads));
    tbb::task_group_context ctx;
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::uint64_t>(0, chunks, 1),
          [&](const tbb::blocked_range<std::uint64_t>& r) {
            for (std::uint64_t i = r.begin(); i != r.end(); ++i) {
              if (!sh.run_chunk(i)) {
                ctx.cancel_group_execution();  // stop handing out the remaining chunks
                return;
              }
            }
          },
          tbb::simple_partitioner(), ctx);
    });
  }

  SearchResult r;
  r.found = std::move(sh.found);
  std::sort(r.found.begin(), r.found.end());
  if (req.max_found > 0 && r.found.size() > req.max_found) r.found.resize(req.max_found);
  r.found_count = sh.found_count;
  r.hashes = sh.hashes.load();
  r.seconds = sh.elapsed();
  r.exhausted = r.hashes == req.nonce_end - req.nonce_begin;
  r.stopped = !r.exhausted;
  r.kernel = kernel.name;
  r.threads = threads;
  r.hashes_per_second = r.seconds > 0 ? static_cast<double>(r.hashes) / r.seconds : 0;
  r.chunk = chunk;
  return r;
}

}  // namespace powlab
