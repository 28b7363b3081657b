#include "pictures.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <map>
#include <thread>
#include <unordered_map>

#include "command.h"
#include "powlab/ledger/chain.h"
#include "powlab/sim/attack.h"
#include "powlab/util/error.h"
#include "powlab/util/file.h"
#include "powlab/util/hex.h"

namespace powlab::cli {

namespace {

constexpr char kEventHeader[] = "time,node,kind,height,hash,parent,depth";

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t c = s.find(',', start);
    out.push_back(s.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start));
    if (c == std::string_view::npos) return out;
    start = c + 1;
  }
}

bool is_hash(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

void check_svg_path(const std::string& path) {
  if (path.size() <= 4 || path.compare(path.size() - 4, 4, ".svg") != 0 || path.back() == '/' ||
      path[path.size() - 5] == '/') {
    throw UsageError("--svg: '" + path + "' must name a file ending in .svg");
  }
}

std::string svg_sibling(const std::string& path, const std::string& suffix) {
  return path.substr(0, path.size() - 4) + "-" + suffix + ".svg";
}

void write_figure(const std::string& path, const draw::Figure& figure) {
  draw::write_text_file(path, draw::chart_svg(figure));
}

// ---- event log -> fork tree ----

void EventTreeBuilder::line(std::string_view text) {
  ++line_no_;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  const std::string where = source_ + " line " + std::to_string(line_no_) + ": ";
  if (line_no_ == 1) {
    if (text != kEventHeader) throw ParseError(where + "not a race event log (header must be '" + kEventHeader + "')");
    return;
  }
  if (text.empty()) return;
  const auto f = split_commas(text);
  if (f.size() != 7) throw ParseError(where + "expected 7 fields, found " + std::to_string(f.size()));
  ++rows_;
  const std::string_view kind = f[2];
  if (kind == "received") return;
  if (!is_hash(f[4]) || !is_hash(f[5])) throw ParseError(where + "hash and parent must be 64 lowercase hex digits");
  std::int64_t height = 0;
  const auto [p, ec] = std::from_chars(f[3].data(), f[3].data() + f[3].size(), height);
  if (ec != std::errc{} || p != f[3].data() + f[3].size() || height < 0) {
    throw ParseError(where + "height '" + std::string(f[3]) + "' is not a whole number");
  }
  // A selfish miner's block appears as `withheld` in place of `found`, and `revealed` when it is
  // published (sim/event_log.h): the block's mark says which it was last.
  if (kind == "found" || kind == "withheld") {
    tree_.blocks.push_back({std::string(f[4]), std::string(f[5]), height, std::string(f[1]), false,
                            kind == "withheld" ? "withheld" : "", 0});
  } else if (kind == "reorg") {
    given_up_.emplace_back(f[5]);
  } else if (kind == "revealed") {
    revealed_.emplace_back(f[4]);
  } else {
    throw ParseError(where + "kind '" + std::string(kind) + "' is not found, received, reorg, withheld or revealed");
  }
}

draw::ForkTree EventTreeBuilder::finish(const std::string& title) {
  if (line_no_ == 0) throw ParseError(source_ + ": empty (not a race event log)");
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < tree_.blocks.size(); ++i) {
    if (!index.emplace(tree_.blocks[i].hash, i).second) {
      throw ParseError(source_ + ": block " + tree_.blocks[i].hash + " is found twice");
    }
  }
  for (const std::string& h : given_up_) {
    const auto it = index.find(h);
    if (it != index.end()) ++tree_.blocks[it->second].reorgs;
  }
  for (const std::string& h : revealed_) {
    const auto it = index.find(h);
    if (it != index.end()) tree_.blocks[it->second].mark = "revealed";
  }
  draw::mark_longest_chain(tree_);
  tree_.title = title;
  return std::move(tree_);
}

draw::ForkTree tree_from_events_file(const std::string& path) {
  const std::string text = read_file(path, kMaxInputFileBytes, "an event log");
  EventTreeBuilder b(path);
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    b.line(std::string_view(text).substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return b.finish("fork tree from " + path);
}

// ---- race ----

// The race writes its event log into a pipe (path /dev/fd/N) and a thread builds the tree as
// rows arrive, copying every byte to the --events file when one was asked for: a long race's
// `received` rows never have to be read back (nor fit read_file's 1 GiB), and without --events
// nothing reaches the disk. The thread always reads to the end, so the race never blocks on a
// full pipe.
struct RacePictures::Tap {
  int read_fd = -1;
  int write_fd = -1;
  EventTreeBuilder builder{"the race's events"};
  std::exception_ptr error;
  std::string copy_path;
  std::FILE* copy = nullptr;
  int copy_errno = 0;  // the first failed write's reason
  std::thread reader;

  explicit Tap(std::string events_path) : copy_path(std::move(events_path)) {
    if (!copy_path.empty()) {
      copy = std::fopen(copy_path.c_str(), "wb");  // the same refusal as sim::EventLog's
      if (copy == nullptr) throw ParseError("cannot write events file " + copy_path + ": " + std::strerror(errno));
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      if (copy != nullptr) std::fclose(copy);
      throw ParseError(std::string("--svg: cannot open a pipe: ") + std::strerror(errno));
    }
    read_fd = fds[0];
    write_fd = fds[1];
    reader = std::thread([this] { run(); });
  }
  void run() {
    std::string pending;
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(read_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      // ferror is checked at the end; the first failure's reason is kept for the message.
      if (copy != nullptr && std::fwrite(buf, 1, static_cast<std::size_t>(n), copy) != static_cast<std::size_t>(n) &&
          copy_errno == 0) {
        copy_errno = errno;
      }
      if (error) continue;  // keep draining so the writer never blocks
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      try {
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
          builder.line(std::string_view(pending).substr(start, nl - start));
        }
      } catch (...) {
        error = std::current_exception();
      }
      pending.erase(0, start);
    }
  }
  void close_writer() {
    if (write_fd >= 0) ::close(write_fd);
    write_fd = -1;
  }
  // After the race's EventLog closed: waits for the last rows; throws like EventLog::close
  // when the copy could not be written.
  void finish() {
    close_writer();
    if (reader.joinable()) reader.join();
    if (copy != nullptr) {
      const bool failed = std::ferror(copy) != 0;
      const int rc = std::fclose(copy);
      if (rc != 0 && copy_errno == 0) copy_errno = errno;
      copy = nullptr;
      if (failed || rc != 0) {
        throw ParseError("cannot write events file " + copy_path + ": " + std::strerror(copy_errno != 0 ? copy_errno : EIO));
      }
    }
    if (error) std::rethrow_exception(error);
  }
  ~Tap() {
    close_writer();
    if (reader.joinable()) reader.join();
    if (read_fd >= 0) ::close(read_fd);
    if (copy != nullptr) std::fclose(copy);
  }
};

RacePictures::RacePictures(std::string svg_path, std::string events_path)
    : svg_(std::move(svg_path)), events_(std::move(events_path)) {
  check_svg_path(svg_);
  tap_ = std::make_unique<Tap>(events_);
}

RacePictures::~RacePictures() = default;

std::string RacePictures::event_log_path() const { return "/dev/fd/" + std::to_string(tap_->write_fd); }

void RacePictures::draw(const sim::RaceResult& r) {
  const std::string title = "race fork tree: " + count_noun(r.found, "block") + " found, " +
                            count_noun(r.stale, "stale block") + ", delay " + fixed(r.delay * 1000, 0) + " ms";
  tap_->finish();
  draw::ForkTree tree = tap_->builder.finish(title);
  for (const auto& m : r.miners) tree.miners.push_back(m.name);  // the share chart's colours
  draw::render_dot(draw::fork_tree_dot(tree), svg_);
  write_figure(svg_sibling(svg_, "share"), race_share_figure(r));
  write_figure(svg_sibling(svg_, "difficulty"), race_difficulty_figure(r));
}

draw::Figure race_share_figure(const sim::RaceResult& r) {
  draw::Panel p;
  p.title = "share of the best chain against hash share";
  p.x_label = "hash share (power / total power)";
  p.y_label = "share of best-chain blocks";
  double top = 0;
  for (const auto& m : r.miners) {
    const sim::Interval ci = sim::wilson_ci95(m.blocks, std::max<std::uint64_t>(r.best_blocks, 1));
    p.series.push_back({m.name, draw::Style::points, {{m.expected_share, m.share, ci.low, ci.high}}, ""});
    top = std::max({top, m.expected_share, ci.high});
  }
  top = std::min(1.0, top * 1.1 + 0.01);
  p.series.push_back({"ideal: share = hash share", draw::Style::dashed_line, {{0, 0}, {top, top}}, "#777777"});
  draw::Figure f;
  f.title = "race: " + count_noun(r.miners.size(), "miner") + ", " + count_noun(r.best_blocks, "best-chain block");
  f.panels.push_back(std::move(p));
  f.notes.push_back("bars: 95% Wilson interval of each miner's share over " +
                    count_noun(r.best_blocks, "best-chain block") + "; chi-square p-value " +
                    fixed(r.chi_square.p_value, 4));
  return f;
}

draw::Figure race_difficulty_figure(const sim::RaceResult& r) {
  draw::Panel d;
  d.title = "difficulty at each retarget";
  d.x_label = "height";
  d.y_label = "difficulty (display only)";
  draw::Series ds{"difficulty", draw::Style::line, {}, ""};
  draw::Panel iv;
  iv.title = "mean block interval over each retarget period";
  iv.x_label = "height";
  iv.y_label = "seconds per block";
  iv.y_min = 0;
  draw::Series is{"mean interval", draw::Style::line, {}, ""};
  for (std::size_t i = 0; i < r.difficulty.size(); ++i) {
    const auto& s = r.difficulty[i];
    ds.points.push_back({static_cast<double>(s.height), s.difficulty});
    if (i > 0 && s.height > r.difficulty[i - 1].height) {
      is.points.push_back({static_cast<double>(s.height),
                           (s.time - r.difficulty[i - 1].time) / static_cast<double>(s.height - r.difficulty[i - 1].height),
                           });
    }
  }
  d.series.push_back(std::move(ds));
  iv.series.push_back(std::move(is));
  if (!r.difficulty.empty()) {
    const double target = static_cast<double>(r.params.target_spacing);
    iv.series.push_back({"target " + std::to_string(r.params.target_spacing) + " s", draw::Style::dashed_line,
                         {{static_cast<double>(r.difficulty.front().height), target},
                          {static_cast<double>(r.difficulty.back().height), target}},
                         "#777777"});
  }
  draw::Figure f;
  f.title = "race: difficulty and block interval over height";
  f.panels.push_back(std::move(d));
  f.panels.push_back(std::move(iv));
  f.notes.push_back("retarget every " + count_noun(static_cast<std::uint64_t>(r.params.interval()), "block") +
                    "; samples at retargets on the best chain (at most 200)");
  return f;
}

// ---- chain show ----

void draw_chain_tree(const std::string& svg_path, const ChainState& chain, const std::string& title) {
  draw::ForkTree tree;
  tree.title = title;
  for (const BlockPtr& b : chain.blocks_in_order()) {
    const auto info = chain.info(b->hash());
    if (!info) continue;
    const std::string miner = b->txs().empty() || b->txs()[0].outputs.empty() ? "" : b->txs()[0].outputs[0].owner;
    tree.blocks.push_back({hash_to_display(b->hash()), hash_to_display(b->header().prev_hash), info->height, miner,
                           info->best, info->invalid ? "invalid" : "", 0});
  }
  draw::render_dot(draw::fork_tree_dot(tree), svg_path);
}

// ---- attacks ----

draw::Figure double_spend_figure(const std::vector<DoubleSpendPoint>& points, std::int64_t premine,
                                 std::uint64_t seed) {
  draw::Panel p;
  p.title = "attacker success against confirmations";
  p.x_label = "z (confirmations the merchant waits for)";
  p.integer_x = true;
  p.y_label = "probability the double spend succeeds";
  p.log_y = true;
  std::map<double, std::size_t> slot;  // q -> colour, in the order given
  for (const auto& pt : points) slot.emplace(pt.q, slot.size());
  std::uint64_t trials = 0;
  for (const auto& [q, k] : slot) {
    const std::string qs = "q = " + fixed(q, 3);
    draw::Series sim{qs + " simulated", draw::Style::points, {}, draw::palette(k)};
    draw::Series exact{qs + " exact", draw::Style::line, {}, draw::palette(k)};
    draw::Series nak{qs + " Nakamoto", draw::Style::dashed_line, {}, draw::palette(k)};
    for (const auto& pt : points) {
      if (pt.q != q) continue;
      trials = std::max(trials, pt.trials);
      const sim::Interval ci = sim::wilson_ci95(pt.successes, pt.trials);
      const double z = static_cast<double>(pt.z);
      sim.points.push_back({z, static_cast<double>(pt.successes) / static_cast<double>(pt.trials), ci.low, ci.high});
      exact.points.push_back({z, pt.exact});
      nak.points.push_back({z, pt.nakamoto});
    }
    p.series.push_back(std::move(sim));
    p.series.push_back(std::move(exact));
    p.series.push_back(std::move(nak));
  }
  draw::Figure f;
  f.title = "double spend (premine " + std::to_string(premine) + ")";
  f.panels.push_back(std::move(p));
  f.notes.push_back("points: simulated on the ledger, " + count_noun(trials, "trial") + " each, seed " +
                    std::to_string(seed) + "; bars: 95% Wilson interval");
  f.notes.push_back("solid: exact (Rosenfeld 2014; Grunspan and Perez-Marco 2017); dashed: Nakamoto 2008 section 11");
  f.notes.push_back("hollow on the bottom edge: no success in the trials (0 has no place on a log axis)");
  return f;
}

draw::Figure selfish_figure(const std::vector<SelfishPoint>& points) {
  draw::Panel p;
  p.title = "selfish mining: the pool's revenue against its power";
  p.x_label = "alpha (the pool's hash share)";
  p.y_label = "the pool's share of best-chain blocks";
  p.y_min = 0;
  std::map<double, std::size_t> slot;
  double amax = 0;
  for (const auto& pt : points) {
    slot.emplace(pt.gamma, slot.size());
    amax = std::max(amax, pt.alpha);
  }
  for (const auto& [g, k] : slot) {
    draw::Series s{"gamma = " + fixed(g, 2), draw::Style::points, {}, draw::palette(k)};
    for (const auto& pt : points) {
      if (pt.gamma == g) s.points.push_back({pt.alpha, pt.revenue, pt.ci_low, pt.ci_high});
    }
    std::sort(s.points.begin(), s.points.end(), [](const draw::Point& a, const draw::Point& b) { return a.x < b.x; });
    // The closed form the points must match, Eyal and Sirer's equation (8), drawn over
    // 0 < alpha < 1/2 (the model's range) as 100 samples: a curve, not the points joined.
    draw::Series line{"eq. 8 (gamma " + fixed(g, 2) + ")", draw::Style::line, {}, draw::palette(k)};
    const double top = std::min(0.495, std::max(amax, 0.45));
    for (int i = 1; i <= 100; ++i) {
      const double a = top * i / 100;
      line.points.emplace_back(a, sim::eyal_sirer_revenue(a, g));
    }
    // Eyal and Sirer 2014, eq. (8): selfish mining pays above alpha > (1 - gamma) / (3 - 2 gamma).
    const double threshold = (1 - g) / (3 - 2 * g);
    draw::Series th{"threshold " + fixed(threshold, 3), draw::Style::dashed_line,
                    {{threshold, 0}, {threshold, 1}}, draw::palette(k)};
    p.series.push_back(std::move(s));
    p.series.push_back(std::move(line));
    p.series.push_back(std::move(th));
  }
  p.series.push_back({"honest: revenue = alpha", draw::Style::dashed_line, {{0, 0}, {std::max(amax, 0.5), std::max(amax, 0.5)}},
                      "#777777"});
  p.y_max = 1;
  draw::Figure f;
  f.title = "selfish mining (Eyal and Sirer 2014)";
  f.panels.push_back(std::move(p));
  f.notes.push_back("points: simulated, 95% bars; lines: Eyal-Sirer eq. 8; dashed: threshold (1-gamma)/(3-2gamma)");
  return f;
}

draw::Figure throttle_figure(const std::vector<sim::ThrottleRow>& rows, double threshold, std::size_t sites) {
  draw::Panel p;
  p.title = "throttle against detection";
  p.x_label = "throttle theta (fraction of time idle)";
  p.y_label = "fraction";
  p.y_min = 0;
  p.y_max = 1;
  draw::Series rev{"revenue (1 - theta)", draw::Style::line, {}, ""};
  draw::Series det{"detected fraction of sites", draw::Style::line, {}, ""};
  draw::Series und{"undetected revenue", draw::Style::line, {}, ""};
  for (const auto& r : rows) {
    rev.points.push_back({r.throttle, r.revenue_fraction});
    det.points.push_back({r.throttle, r.detected_fraction});
    und.points.push_back({r.throttle, r.undetected_revenue});
  }
  p.series = {rev, det, und};
  draw::Figure f;
  f.title = "cryptojacking: throttle sweep over " + count_noun(sites, "site");
  f.panels.push_back(std::move(p));
  f.notes.push_back("alarm above " + fixed(threshold, 1) +
                    "% of one core; model: each site's CPU x (1 - theta); undetected = revenue x (1 - detected)");
  return f;
}

draw::Figure bench_figure(const std::vector<BenchPoint>& points, const std::string& clock) {
  draw::Panel p;
  p.title = "hash rate against threads";
  p.x_label = "threads";
  p.integer_x = true;
  p.y_label = "hash rate (MH/s)";
  p.y_min = 0;
  std::vector<std::string> kernels;
  for (const auto& pt : points) {
    if (std::find(kernels.begin(), kernels.end(), pt.kernel) == kernels.end()) kernels.push_back(pt.kernel);
  }
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    draw::Series s{kernels[k], draw::Style::line, {}, draw::palette(k)};
    // The linear line runs through the fewest-threads point: its rate per thread, times threads.
    double per_thread = 0;
    unsigned tmin = 0, tmax = 0;
    for (const auto& pt : points) {
      if (pt.kernel != kernels[k] || pt.threads == 0) continue;
      s.points.push_back({static_cast<double>(pt.threads), pt.hashes_per_second / 1e6});
      if (tmin == 0 || pt.threads < tmin) {
        tmin = pt.threads;
        per_thread = pt.hashes_per_second / pt.threads;
      }
      tmax = std::max(tmax, pt.threads);
    }
    std::sort(s.points.begin(), s.points.end(), [](const draw::Point& a, const draw::Point& b) { return a.x < b.x; });
    p.series.push_back(std::move(s));
    if (per_thread > 0 && tmax > tmin) {
      p.series.push_back({kernels[k] + " linear", draw::Style::dashed_line,
                          {{static_cast<double>(tmin), per_thread * tmin / 1e6},
                           {static_cast<double>(tmax), per_thread * tmax / 1e6}},
                          draw::palette(k)});
    }
  }
  draw::Figure f;
  f.title = "bench: sha256d nonce scan";
  f.panels.push_back(std::move(p));
  f.notes.push_back("rate per " + clock + " second; dashed: the fewest-threads rate per thread, times the threads (perfect scaling)");
  return f;
}

// ---- powlab draw --events FILE.csv --svg OUT.svg ----
// A race's event log read back into its fork tree, so a class can draw the tree of a race run
// earlier (or on another machine) without rerunning it. Here and not in a cmd_draw.cpp of its
// own: each CLI translation unit costs about 7 s of CPU in each of CI's two builds.

namespace {

struct DrawOptions {
  std::string events;
  std::string svg;
  bool json = false;
};

int run(const DrawOptions& o) {
  check_svg_path(o.svg);
  const draw::ForkTree tree = tree_from_events_file(o.events);
  std::uint64_t stale = 0;
  for (const auto& b : tree.blocks) stale += b.best ? 0 : 1;
  draw::render_dot(draw::fork_tree_dot(tree), o.svg);
  if (o.json) {
    print_json({{"events", o.events},
                {"svg", o.svg},
                {"blocks_found", tree.blocks.size()},
                {"best_chain_blocks", tree.blocks.size() - stale},
                {"stale_blocks", stale},
                {"heights_drawn", draw::kTreeHeights}});
    return kExitOk;
  }
  std::cout << "fork tree of " << count_noun(tree.blocks.size(), "block") << " (" << count_noun(stale, "stale block")
            << ") from " << o.events << " written to " << o.svg << "; the last " << draw::kTreeHeights
            << " heights are drawn, best chain = the longest\n";
  return kExitOk;
}

}  // namespace

void add_draw(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<DrawOptions>();
  CLI::App* sub = app.add_subcommand("draw", "draw the fork tree of a race's event log (race --events) to an SVG file");
  sub->add_option("--events", o->events, "the CSV that `race --events` wrote")->type_name("FILE")->required();
  sub->add_option("--svg", o->svg, "the picture to write, FILE.svg")->type_name("FILE")->required();
  sub->add_flag("--json", o->json, "print what was drawn as JSON");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
