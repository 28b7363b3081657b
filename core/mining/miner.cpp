#include "powlab/mining/miner.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "powlab/consensus/pow.h"
#include "powlab/mining/search.h"
#include "powlab/consensus/target.h"

namespace powlab {

double process_cpu_seconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

namespace {

using Clock = std::chrono::steady_clock;  // monotonic: rates and budgets survive NTP steps

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Target length of one search slice: long enough that the search's start-up cost is noise,
// short enough for a live progress line, a prompt budget and a smooth throttle.
constexpr double kSliceSeconds = 0.05;
constexpr std::uint64_t kMinSlice = 1024;
constexpr std::uint64_t kMaxSlice = std::uint64_t{1} << 30;

}  // namespace

MineResult mine_block(const ChainState& chain, const MineRequest& req) {
  if (!(req.throttle > 0 && req.throttle <= 1)) {
    throw std::invalid_argument("throttle must be in (0, 1], got " + std::to_string(req.throttle));
  }
  if (req.nonce_limit == 0 || req.nonce_limit > (std::uint64_t{1} << 32)) {
    throw std::invalid_argument("nonce limit must be 1..2^32");
  }
  if (auto why = check_owner_name(req.miner)) throw std::invalid_argument("miner name: " + *why);
  if (chain.options().headers_only) throw std::invalid_argument("cannot mine on a header-only chain");

  // The queued transactions, in order, against the tip: the block carries only valid ones.
  Amount fees = 0;
  for (std::size_t k = 0; k < req.txs.size(); ++k) {
    Amount fee = 0;
    if (auto err = chain.check_tx_after(req.txs[k], std::span(req.txs).first(k), &fee)) {
      throw std::invalid_argument("queued transaction " + std::to_string(k) + " is invalid: " +
                                  std::string(to_string(err->reason)) + ": " + err->detail);
    }
    fees += fee;
  }

  auto now = [&] { return req.clock ? req.clock() : static_cast<std::int64_t>(std::time(nullptr)); };
  const BlockTemplate tmpl = chain.next_template(now());
  if (tmpl.min_time > tmpl.max_time) {
    // Blocks mined faster than one a second push median-time-past ahead of the clock; past
    // now + 2 h no valid time is left (time-too-old vs time-too-new). Say so, never mine an
    // invalid block.
    throw std::invalid_argument("the chain's median time past (" + std::to_string(tmpl.min_time - 1) +
                                ") is more than 2 h ahead of the clock (" + std::to_string(tmpl.max_time -
                                chain.params().max_future_block_time) + "): no valid block time exists until the clock catches up");
  }
  const CompactTarget target = decode_compact(tmpl.bits);
  const ConsensusParams& params = chain.params();
  BlockDraft draft = make_block_draft(tmpl, req.miner, req.txs, fees, req.first_extranonce);
  const std::uint32_t base_version = static_cast<std::uint32_t>(tmpl.version) & ~kVersionRollingMask;
  std::uint32_t version_roll = 0;

  MineResult out;
  out.fees = fees;
  out.extranonce = req.first_extranonce;
  const auto t0 = Clock::now();
  const double cpu0 = process_cpu_seconds();
  const double expected = work_from_target(target.target).to_double();
  std::uint64_t nonce = 0;
  std::uint64_t slice = 1u << 16;
  unsigned threads = req.serial ? 1 : req.threads;

  auto finish = [&] {
    out.seconds = since(t0);
    out.cpu_seconds = process_cpu_seconds() - cpu0;
    out.threads = std::max(1u, threads);
    out.cpu_fraction = out.seconds > 0 ? out.cpu_seconds / (out.seconds * out.threads) : 0;
    return out;
  };

  for (;;) {
    if (req.cancel && req.cancel->load()) {
      out.cancelled = true;
      return finish();
    }
    const double elapsed = since(t0);
    if (req.max_seconds > 0 && elapsed >= req.max_seconds) {
      out.budget_exhausted = true;
      return finish();
    }

    SearchRequest sr;
    sr.header = draft.header;
    sr.target = target.target;
    sr.nonce_begin = nonce;
    sr.nonce_end = std::min(req.nonce_limit, nonce + slice);
    sr.stop_at_first = true;
    sr.threads = req.serial ? 1 : req.threads;
    sr.serial = req.serial;
    sr.cancel = req.cancel;
    sr.kernel = req.kernel;
    if (req.max_seconds > 0) sr.max_seconds = std::max(1e-3, req.max_seconds - elapsed);
    const auto slice_t0 = Clock::now();
    const SearchResult res = search_nonces(sr);
    const double slice_seconds = since(slice_t0);
    out.hashes += res.hashes;
    threads = res.threads;
    out.kernel = res.kernel;

    // Every reported nonce is re-hashed by the scalar header code and checked in full
    // before it becomes a block: a kernel bug can never make an invalid block.
    for (const std::uint32_t n : res.found) {
      BlockHeader h = draft.header;
      h.nonce = n;
      if (check_proof_of_work(h.hash(), h.bits, params.pow_limit) == PowStatus::ok) {
        out.block = Block::make(h, draft.txs);
        out.reward = tmpl.subsidy + fees;
        return finish();
      }
    }
    if (!res.found.empty() && !res.exhausted) {
      // A kernel reported a nonce the full check refuses (a kernel bug): never a block; go on
      // past it.
      nonce = std::uint64_t{res.found.back()} + 1;
      continue;
    }
    if (!res.exhausted) continue;  // stopped by cancel or budget: the loop head says which

    // Adapt the slice to the measured rate.
    if (slice_seconds > 0 && res.hashes > 0) {
      const double want = static_cast<double>(res.hashes) / slice_seconds * kSliceSeconds;
      slice = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(want), kMinSlice, kMaxSlice);
    }
    nonce = sr.nonce_end;
    if (nonce >= req.nonce_limit) {
      // The nonce space of this header is exhausted: change something else (never wrap).
      nonce = 0;
      if (req.version_rolling && version_roll < (kVersionRollingMask >> 13)) {
        ++version_roll;
        ++out.version_rolls;
        draft.header.version = static_cast<std::int32_t>(base_version | (version_roll << 13));
      } else {
        version_roll = 0;
        draft.header.version = tmpl.version;
        ++out.extranonce;
        ++out.extranonce_rolls;
        set_extranonce(draft, out.extranonce);  // a new coinbase txid: a new Merkle root
        const std::int64_t t = std::clamp(now(), tmpl.min_time, tmpl.max_time);
        draft.header.time = static_cast<std::uint32_t>(t);
      }
    }

    if (req.progress) {
      MineProgress p;
      p.hashes = out.hashes;
      p.seconds = since(t0);
      p.hashes_per_second = p.seconds > 0 ? static_cast<double>(out.hashes) / p.seconds : 0;
      p.expected_hashes = expected;
      p.extranonce = out.extranonce;
      p.cpu_fraction = p.seconds > 0 ? (process_cpu_seconds() - cpu0) / (p.seconds * std::max(1u, threads)) : 0;
      req.progress(p);
    }

    // Duty cycle: sleep until the process's CPU time is `throttle` of each thread's wall
    // time. Measured, not assumed, so TBB's own overheads are throttled too.
    if (req.throttle < 1) {
      const double cpu = process_cpu_seconds() - cpu0;
      const double want_wall = cpu / (req.throttle * std::max(1u, threads));
      double sleep_for = want_wall - since(t0);
      if (req.max_seconds > 0) sleep_for = std::min(sleep_for, req.max_seconds - since(t0));
      while (sleep_for > 0 && !(req.cancel && req.cancel->load())) {
        const double step = std::min(sleep_for, 0.05);
        std::this_thread::sleep_for(std::chrono::duration<double>(step));
        sleep_for -= step;
      }
    }
  }
}

}  // namespace powlab
