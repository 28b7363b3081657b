// `--svg FILE`: the pictures each command draws from the data of the same run (issue 13).
// The commands collect their data into the plain structs here and call one function; the
// drawing itself is draw/ (charts) and Graphviz (the fork tree).
//
// One vocabulary (docs/VOCABULARY.md): `--svg FILE` names a file ending in ".svg". A command
// that draws several pictures writes the first to FILE and the others beside it with a
// suffix before ".svg" (race: race.svg, race-share.svg, race-difficulty.svg).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "powlab/draw/chart.h"
#include "powlab/draw/fork_tree.h"
#include "powlab/sim/cryptojack.h"
#include "powlab/sim/race.h"

namespace powlab {
class ChainState;
}

namespace powlab::cli {

// Refuses (UsageError) a --svg FILE that does not end in ".svg" or has nothing before it.
void check_svg_path(const std::string& path);
// "out/race.svg" + "share" -> "out/race-share.svg".
std::string svg_sibling(const std::string& path, const std::string& suffix);

// Reads an event log (sim/event_log.h columns) into a fork tree: one block per `found` or
// `withheld` row (marked "withheld", then "revealed" by a `revealed` row), and `reorg` rows
// counted against the tip they gave up. The best chain is the longest
// (mark_longest_chain: the log has no chain work). Feed it line by line.
class EventTreeBuilder {
 public:
  // `source` names the input in errors. Throws ParseError on a malformed line.
  explicit EventTreeBuilder(std::string source) : source_(std::move(source)) {}
  void line(std::string_view text);
  draw::ForkTree finish(const std::string& title);
  std::uint64_t rows() const { return rows_; }

 private:
  std::string source_;
  std::uint64_t line_no_ = 0;
  std::uint64_t rows_ = 0;
  draw::ForkTree tree_;
  std::vector<std::string> given_up_;  // reorg rows' old tips
  std::vector<std::string> revealed_;  // withheld blocks later published
};
draw::ForkTree tree_from_events_file(const std::string& path);

// race --svg: the fork tree from the race's own events, read through a pipe while the race
// runs (and copied to the --events file when one is given), then the share and difficulty charts.
class RacePictures {
 public:
  RacePictures(std::string svg_path, std::string events_path);
  ~RacePictures();
  RacePictures(const RacePictures&) = delete;
  RacePictures& operator=(const RacePictures&) = delete;
  // Where the race's EventLog must write (the pipe; never the --events file itself).
  std::string event_log_path() const;
  // After the EventLog was closed: draws all three pictures.
  void draw(const sim::RaceResult& r);

 private:
  struct Tap;
  std::string svg_;
  std::string events_;
  std::unique_ptr<Tap> tap_;
};

// The race's two charts, separately for tests.
draw::Figure race_share_figure(const sim::RaceResult& r);
draw::Figure race_difficulty_figure(const sim::RaceResult& r);

// chain show --svg: the chain file's tree, side branches included.
void draw_chain_tree(const std::string& svg_path, const ChainState& chain, const std::string& title);

// attack double-spend --svg: probability against z, one colour per q.
struct DoubleSpendPoint {
  double q = 0;
  std::int64_t z = 0;
  std::uint64_t successes = 0;
  std::uint64_t trials = 0;
  double exact = 0;
  double nakamoto = 0;
};
draw::Figure double_spend_figure(const std::vector<DoubleSpendPoint>& points, std::int64_t premine,
                                 std::uint64_t seed);

// attack selfish --svg: the pool's relative revenue against alpha, one series of simulated
// points per gamma beside Eyal and Sirer's closed form, the honest line (revenue = alpha) and each gamma's threshold (Eyal and Sirer 2014:
// (1 - gamma) / (3 - 2 gamma)) as a dashed vertical.
struct SelfishPoint {
  double alpha = 0;
  double gamma = 0;
  double revenue = 0;     // the pool's share of the best chain's blocks
  double ci_low = 0;      // its 95 % interval
  double ci_high = 0;
};
draw::Figure selfish_figure(const std::vector<SelfishPoint>& points);

// cryptojack --throttle-sweep --svg.
draw::Figure throttle_figure(const std::vector<sim::ThrottleRow>& rows, double threshold, std::size_t sites);

// bench --svg: hash rate against threads per kernel, with each kernel's linear line
// (its one-thread rate times the threads).
struct BenchPoint {
  std::string kernel;
  unsigned threads = 0;
  double hashes_per_second = 0;
};
draw::Figure bench_figure(const std::vector<BenchPoint>& points, const std::string& clock);

// Writes a figure to an .svg file (ParseError naming the file on failure).
void write_figure(const std::string& path, const draw::Figure& figure);

}  // namespace powlab::cli
