// The selfish miner inside the race (issue 11, part 2): Eyal and Sirer, "Majority is not
// enough: Bitcoin mining is vulnerable" (2014), Algorithm 1, played by one node of the race on
// the race's real blocks, relay and fork choice.
//
// The pool's private branch is simply its node's tip: it mines there, the shared tree checks
// every block it finds, and the node's most-work fork choice moves it to the public chain when
// that gets ahead (the state machine's "others win": its secret blocks are abandoned). What the
// strategy adds is only WHEN the pool's blocks leave its node:
//   - found: withheld (event log kind `withheld`), except in a tie it revealed, where the next
//     block on its side wins at once and is published as found (Algorithm 1, Δprev = 0 with a
//     branch of 2);
//   - the public chain it sees grows (an honest block reached its node), with its private
//     branch still ahead or level:
//       level after it (Δprev = 1)    publish all: a tie ("match"), decided by the next block;
//       one ahead after it (Δprev = 2) publish all: the honest block is overridden, reorgs follow;
//       further ahead (Δprev > 2)     publish the secret blocks up to the public height.
//     Published blocks (kind `revealed`) travel like any other; the nodes' fork choice does the
//     rest. Comparisons are by chain work, the lead by height: with one nBits (attack selfish
//     runs without retarget) the two agree, as in the paper's model, which counts blocks.
//   - when the race stops, whatever is still secret is published, so every node ends on one
//     chain (the bias is at most the final lead, a few blocks of the whole race).
//
// Gamma. In a revealed tie every honest node first saw its own side's block (the honest one
// reached the pool before the pool answered), so by the first-seen rule none would mine on the
// pool's. Eyal and Sirer's γ is the fraction of honest power that does. Two ways here:
//   - drawn (default): on a tie, an honest miner that holds both blocks mines on the pool's with
//     probability γ, drawn from the race's seeded stream once per miner and tie. Splitting the
//     honest power this way is exact for the model: the first honest block after the tie comes
//     from a miner drawn by power (exponential races are memoryless), and it lands on the
//     pool's branch with probability γ.
//   - network (event mode): no draw. The pool has a zero-latency link to every node, honest
//     links keep --delay-ms: an honest block reaches the pool at once, the pool's answer reaches
//     every other honest node before the honest block does, and the first-seen rule puts their
//     power on the pool's side. The pool does not relay honest blocks (a selfish node has no
//     reason to speed them up).
// Either way the result reports the γ that happened: of the ties an honest block decided, the
// fraction it decided on the pool's branch (read from the block's parent).
#include <algorithm>
#include <cstdio>

#include "race_engine.h"

namespace powlab::sim::detail {

namespace {

// snprintf, not "#" + std::to_string: g++ 12 warns falsely on that (-Wrestrict).
std::string line(const char* format, long long a, const std::string& name, long long b = 0) {
  char buf[200];
  std::snprintf(buf, sizeof buf, format, a, name.c_str(), b);
  return buf;
}

}  // namespace

std::uint32_t Race::parent_for(std::uint32_t u) {
  const std::uint32_t tip = nodes_[u].tip;
  if (u == selfish_ || tie_pool_ == kNoMiner || cfg_.gamma_network) return tip;
  if (tip != tie_pool_ && tip != tie_honest_) return tip;
  if (!holds(u, tie_pool_) || !holds(u, tie_honest_)) return tip;
  if (drawn_tie_[u] != tie_pool_) {
    drawn_tie_[u] = tie_pool_;
    drawn_pool_[u] = rng_.uniform01() < cfg_.gamma ? 1 : 0;
  }
  return drawn_pool_[u] != 0 ? tie_pool_ : tie_honest_;
}

void Race::on_found(std::uint32_t u, std::uint32_t i, double t) {
  const std::uint32_t parent = entry(i).parent;
  // A revealed tie is decided by the first block found on either of its sides.
  const bool on_tie = tie_pool_ != kNoMiner && (parent == tie_pool_ || parent == tie_honest_);
  const bool pool_side = on_tie && parent == tie_pool_;
  if (on_tie) {
    if (u != selfish_) {
      ++selfish_out_.ties;
      if (pool_side) ++selfish_out_.ties_to_pool;
    }
    tie_pool_ = tie_honest_ = kNoMiner;
  }
  if (u != selfish_) {
    announce(u, i, t);
    if (cfg_.gamma_network) deliver_direct(selfish_, i, t);
    return;
  }
  ++found_;
  ++nodes_[u].found;
  last_found_time_ = t;
  if (pool_side) {
    // Its side of the tie now has more work: published at once, it wins the tie.
    ++selfish_out_.published_at_once;
    receive(u, i, t, true);
    publish(i, t, false);
    public_seen_ = public_tip_;
    if (cfg_.mode == RaceMode::live) {
      note_recent(line("#%lld %s wins the tie: published at once", entry(i).height, cfg_.miners[u].name));
    }
    return;
  }
  if (cfg_.log != nullptr) {
    cfg_.log->write(t, cfg_.miners[u].name, EventKind::withheld, entry(i).height, tree_.hash_of(i),
                    tree_.hash_of(parent));
  }
  ++selfish_out_.withheld;
  withheld_.push_back(i);
  adopt(u, i, t, true);
  if (cfg_.mode == RaceMode::live) {
    note_recent(line("#%lld %s WITHHELD (secret lead %lld)", entry(i).height, cfg_.miners[u].name,
                     entry(i).height - entry(public_tip_).height));
  }
}

// The pool's node heard the public chain grow: Algorithm 1's "others found a block".
void Race::selfish_heard(double t) {
  public_seen_ = public_tip_;
  if (withheld_.empty()) return;
  const std::uint32_t secret = withheld_.back();
  if (nodes_[selfish_].tip != secret) {
    // Its fork choice took the public chain: the secret branch lost.
    selfish_out_.abandoned += withheld_.size();
    withheld_.clear();
    if (cfg_.mode == RaceMode::live) note_recent(cfg_.miners[selfish_].name + " gives up its secret branch");
    return;
  }
  const BlockTree::Entry& mine = entry(secret);
  const BlockTree::Entry& pub = entry(public_tip_);
  const bool match = mine.chainwork == pub.chainwork;
  std::size_t count = withheld_.size();  // match, or override when one ahead
  if (!match && mine.height - pub.height > 1) {
    count = 0;
    while (count < withheld_.size() && entry(withheld_[count]).height <= pub.height) ++count;
  }
  if (count == 0) return;
  const std::int64_t first = entry(withheld_.front()).height;
  const std::int64_t last = entry(withheld_[count - 1]).height;
  const bool all = count == withheld_.size();
  for (std::size_t k = 0; k < count; ++k) publish(withheld_[k], t, true);
  withheld_.erase(withheld_.begin(), withheld_.begin() + static_cast<std::ptrdiff_t>(count));
  if (match) {
    tie_pool_ = secret;
    tie_honest_ = public_tip_;
  }
  public_seen_ = public_tip_;
  if (cfg_.mode == RaceMode::live) {
    const char* why = match ? "match: a tie" : all ? "override" : "keeps its lead";
    char text[200];
    if (last > first) {
      std::snprintf(text, sizeof text, "%s REVEALS #%lld..#%lld (%s)", cfg_.miners[selfish_].name.c_str(),
                    static_cast<long long>(first), static_cast<long long>(last), why);
    } else {
      std::snprintf(text, sizeof text, "%s REVEALS #%lld (%s)", cfg_.miners[selfish_].name.c_str(),
                    static_cast<long long>(first), why);
    }
    note_recent(text);
  }
}

// The pool sends block i to the network. `was_withheld`: logged as revealed.
void Race::publish(std::uint32_t i, double t, bool was_withheld) {
  if (was_withheld) {
    ++selfish_out_.revealed;
    if (cfg_.log != nullptr) {
      cfg_.log->write(t, cfg_.miners[selfish_].name, EventKind::revealed, entry(i).height, tree_.hash_of(i),
                      tree_.hash_of(entry(i).parent));
    }
  }
  if (entry(i).chainwork > entry(public_tip_).chainwork) public_tip_ = i;
  if (!cfg_.gamma_network) {
    start_flight(i, selfish_, t);
    relay(selfish_, i, t);
    return;
  }
  // Zero-latency links from the pool to every node: the flood is one step.
  for (std::uint32_t v = 0; v < n_; ++v) {
    if (v == selfish_) continue;
    receive(v, i, t, false);
    ++messages_;
  }
  delivered_everywhere(i);
}

// Node v gets block i at once (the pool's zero-latency link), ahead of the block's flood.
void Race::deliver_direct(std::uint32_t v, std::uint32_t i, double t) {
  const std::int32_t slot = flight_of_[i];
  if (slot < 0) return;  // every node has it already
  {
    Flight& f = flights_[static_cast<std::size_t>(slot)];
    if (f.got[v] != 0) return;
    f.got[v] = 1;
    if (!f.arrival.empty()) f.arrival[v] = t;  // drawn latency: nothing slower is scheduled for it
    ++f.received;
  }
  receive(v, i, t, false);  // may publish, which may grow flights_: no reference held across it
  if (flight_of_[i] == slot && flights_[static_cast<std::size_t>(slot)].received == n_) flight_done(i);
}

bool Race::flush_selfish(double t) {
  if (withheld_.empty()) return false;
  for (const std::uint32_t i : withheld_) publish(i, t, true);
  withheld_.clear();
  public_seen_ = public_tip_;
  return true;
}

void Race::summarize_selfish(RaceResult& res) const {
  if (selfish_ == kNoMiner) return;
  res.selfish = selfish_out_;
  res.selfish.present = true;
  res.selfish.miner = selfish_;
  res.selfish.gamma = cfg_.gamma;
  res.selfish.gamma_network = cfg_.gamma_network;
  res.selfish.gamma_measured =
      res.selfish.ties > 0 ? static_cast<double>(res.selfish.ties_to_pool) / static_cast<double>(res.selfish.ties) : 0;
}

}  // namespace powlab::sim::detail
