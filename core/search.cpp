// Serial placeholder over the scalar kernel; the TBB version replaces it (issue 3).
#include "powlab/search.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "powlab/kernels.h"

namespace powlab {

SearchResult search_nonces(const SearchRequest& req) {
  if (req.nonce_begin > req.nonce_end || req.nonce_end > (std::uint64_t{1} << 32)) {
    throw std::invalid_argument("nonce range must satisfy begin <= end <= 2^32");
  }
  if (!req.kernel.empty() && req.kernel != "scalar") throw std::invalid_argument("unknown kernel: " + req.kernel);
  const auto start = std::chrono::steady_clock::now();
  const auto job = kernels::make_scan_job(req.header.serialize(), req.target.to_words());
  SearchResult r;
  r.kernel = "scalar";
  constexpr std::uint64_t kChunk = 4096;
  std::uint64_t n = req.nonce_begin;
  while (n < req.nonce_end) {
    const std::uint64_t end = std::min(req.nonce_end, n + kChunk);
    kernels::scan_scalar(job, n, end, r.found);
    r.hashes += end - n;
    n = end;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if ((req.stop_at_first && !r.found.empty()) || (req.cancel && req.cancel->load()) ||
        (req.max_seconds > 0 && secs >= req.max_seconds) || (req.max_hashes > 0 && r.hashes >= req.max_hashes)) {
      break;
    }
  }
  r.exhausted = n >= req.nonce_end;
  r.stopped = !r.exhausted;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace powlab
