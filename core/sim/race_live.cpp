// The race's live mode: every miner really hashes, in time slices that follow the powers.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "powlab/consensus/pow.h"
#include "powlab/mining/search.h"
#include "powlab/consensus/target.h"
#include "race_engine.h"

namespace powlab::sim {

namespace detail {

std::optional<std::uint32_t> first_verified_nonce(const BlockHeader& header, const std::vector<std::uint32_t>& found,
                                                  const ConsensusParams& params) {
  for (const std::uint32_t nonce : found) {
    BlockHeader h = header;
    h.nonce = nonce;
    if (check_proof_of_work(h.hash(), h.bits, params.pow_limit) == PowStatus::ok) return nonce;
  }
  return std::nullopt;
}

void Race::note_recent(std::string line) {
  recent_.push_back(std::move(line));
  if (recent_.size() > 8) recent_.erase(recent_.begin());
}

double Race::wall(std::chrono::steady_clock::time_point start) const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Race::deliver_due(double now) {
  while (!queue_.empty() && queue_.top().time <= now) {
    const auto e = queue_.pop();
    ++events_;
    deliver(e.payload, e.time);
  }
}

// A search for the first winning nonce, on the race's threads and kernel.
SearchRequest Race::live_search(const BlockHeader& header, const U256& target) const {
  SearchRequest req;
  req.header = header;
  req.target = target;
  req.stop_at_first = true;
  req.threads = cfg_.threads;
  req.serial = cfg_.threads == 1;
  req.kernel = cfg_.kernel;
  return req;
}

BlockPtr Race::mine_genesis(BlockDraft d) const {
  const U256 target = decode_compact(d.header.bits).target;
  for (std::uint64_t extranonce = 1;; ++extranonce) {
    const SearchResult r = search_nonces(live_search(d.header, target));
    if (const auto nonce = first_verified_nonce(d.header, r.found, params_)) {
      d.header.nonce = *nonce;
      return Block::make(d.header, std::move(d.txs));
    }
    set_extranonce(d, extranonce);
  }
}

void Race::refresh_work(std::uint32_t u, LiveWork& w) {
  // The tip, or on a tie the pool revealed the side this miner's gamma draw chose.
  const std::uint32_t tip = selfish_ == kNoMiner ? nodes_[u].tip : parent_for(u);
  if (w.valid && w.draft.header.prev_hash == tree_.hash_of(tip)) return;
  const BlockTemplate tmpl = tree_.template_on(tip, static_cast<std::int64_t>(std::time(nullptr)));
  w.extranonce = 0;
  w.draft = make_block_draft(tmpl, cfg_.miners[u].name, {}, 0, w.extranonce);
  w.target = decode_compact(tmpl.bits).target;
  w.next_nonce = 0;
  w.valid = true;
}

void Race::emit_view(double now) {
  if (!cfg_.on_view) return;
  LiveView v;
  v.seconds = now;
  v.found = found_;
  v.target_blocks = cfg_.blocks;
  v.best_height = entry(nodes_[0].tip).height;
  v.bits = entry(nodes_[0].tip).child_bits;
  for (std::uint32_t u = 0; u < n_; ++u) {
    LiveView::Miner m;
    m.name = cfg_.miners[u].name;
    m.hashrate = now > 0 ? static_cast<double>(nodes_[u].hashes) / now : 0;
    m.found = nodes_[u].found;
    // Its own node's best chain (live chains are short: a walk per view is nothing).
    for (std::uint32_t i = nodes_[u].tip; i != BlockTree::npos; i = entry(i).parent) {
      if (miner_of_[i] != u) continue;
      ++m.blocks;
      m.rewards += paid_[i];
    }
    v.miners.push_back(std::move(m));
  }
  v.recent = recent_;
  cfg_.on_view(v);
}

void Race::run_live() {
  add_genesis(make_genesis(static_cast<std::int64_t>(std::time(nullptr))));
  const auto shares = hash_shares(cfg_.miners);
  const double max_share = *std::max_element(shares.begin(), shares.end());
  // Nonces per round: a 64th of a block's expected work, so the round order barely matters,
  // but at least 64 per miner (search call overhead) and at most ~10 ms of hashing.
  const double expected = work_of(params_.initial_bits);
  const double machine = std::max(1e4, live_rate_);
  const double round = std::clamp(expected / 64.0, 64.0 / max_share, std::max(64.0 / max_share, machine * 0.01));
  std::vector<LiveWork> work(n_);
  std::vector<std::uint64_t> slice(n_);
  for (std::uint32_t u = 0; u < n_; ++u) {
    slice[u] = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(round * shares[u])));
  }
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t total_hashes = 0;
  double next_view = 0;
  bool stop = false;
  while (!stop && found_ < cfg_.blocks) {
    for (std::uint32_t u = 0; u < n_ && found_ < cfg_.blocks; ++u) {
      deliver_due(wall(start));
      LiveWork& w = work[u];
      refresh_work(u, w);
      SearchRequest req = live_search(w.draft.header, w.target);
      req.nonce_begin = w.next_nonce;
      req.nonce_end = std::min(kNonceSpace, w.next_nonce + slice[u]);
      const SearchResult r = search_nonces(req);
      nodes_[u].hashes += r.hashes;
      total_hashes += r.hashes;
      w.next_nonce = req.nonce_end;
      const std::optional<std::uint32_t> nonce = first_verified_nonce(w.draft.header, r.found, params_);
      if (!r.found.empty() && !nonce) {
        // The kernel reported nonces the scalar re-check refuses (a kernel bug): never a
        // block; go on past them.
        w.next_nonce = std::uint64_t{r.found.back()} + 1;
        note_recent(cfg_.miners[u].name + ": a kernel-reported nonce failed the scalar re-check");
      }
      if (nonce) {
        BlockHeader h = w.draft.header;
        h.nonce = *nonce;
        // Re-hashed by the scalar reference above; the shared tree checks it in full again.
        const double t = wall(start);
        const std::int64_t height = w.draft.txs.front().coinbase_height;
        const std::uint32_t rec = add_block(Block::make(h, w.draft.txs), u, t);
        if (u != selfish_) {  // the selfish pool's blocks are noted as withheld or published (selfish.cpp)
          char line[160];
          std::snprintf(line, sizeof line, "#%lld %s %.16s...", static_cast<long long>(height),
                        cfg_.miners[u].name.c_str(), hash_to_display(tree_.hash_of(rec)).c_str());
          note_recent(line);
        }
        on_found(u, rec, t);
        w.valid = false;
      } else if (w.next_nonce >= kNonceSpace) {
        set_extranonce(w.draft, ++w.extranonce);
        w.next_nonce = 0;
      }
    }
    const double now = wall(start);
    if (cfg_.live_hashrate > 0) {
      const double due = static_cast<double>(total_hashes) / cfg_.live_hashrate;
      if (due > now) std::this_thread::sleep_for(std::chrono::duration<double>(due - now));
    }
    if (now >= next_view) {
      emit_view(now);
      next_view = now + cfg_.view_period;
    }
    if ((cfg_.cancel != nullptr && cfg_.cancel->load()) || (cfg_.max_seconds > 0 && now >= cfg_.max_seconds)) {
      stop = true;
      notes_.push_back(cfg_.cancel != nullptr && cfg_.cancel->load()
                           ? "stopped early (interrupted) after " + std::to_string(found_) + " blocks"
                           : "stopped at the time budget after " + std::to_string(found_) + " blocks");
    }
  }
  // Messages still on their way are delivered at once (no point waiting for the wall clock),
  // and a selfish pool publishes what it still holds.
  do {
    deliver_due(kNever);
  } while (flush_selfish(wall(start)));
  emit_view(wall(start));
}

}  // namespace detail

double measure_hash_rate(unsigned threads, const std::string& kernel, double seconds) {
  SearchRequest req;
  req.target = U256(0);  // nothing wins: pure hashing
  req.threads = threads;
  req.serial = threads == 1;
  req.kernel = kernel;
  req.max_seconds = seconds;
  const SearchResult r = search_nonces(req);
  return r.seconds > 0 ? static_cast<double>(r.hashes) / r.seconds : 0;
}

std::uint32_t bits_for_expected_hashes(double hashes, std::uint32_t pow_limit_bits) {
  const U256 limit = decode_compact(pow_limit_bits).target;
  if (!(hashes > 1)) return encode_compact(limit);
  // target = 2^256 / hashes - 1, computed as (2^256 - 1) / ceil(hashes) in integers.
  const double capped = std::min(hashes, 1.8e19);
  const U256 target = (~U256(0)) / U256(static_cast<std::uint64_t>(std::ceil(capped)));
  return encode_compact(std::min(target, limit));
}

}  // namespace powlab::sim
