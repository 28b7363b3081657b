// powlab watch: a read-only CPU alarm on real processes, like the per-process CPU alarm of a
// cloud console or an endpoint agent (issue 12 part 3). It samples /proc, reports each
// process's CPU use in percent of one core over a sliding window, and flags those above a
// threshold: start `powlab mine --throttle 0.9` and `--throttle 0.2` beside it, and it flags
// the first and never the second, which is why cryptojacking scripts throttle.
//
// It only reads /proc. It never signals, renices, hides or kills anything: there is no call
// here that could (no kill, setpriority or ptrace), and it must stay so.
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "command.h"
#include "powlab/util/error.h"
#include "powlab/util/proc_stat.h"

namespace powlab::cli {

namespace {

// The /proc tree to read. Tests point it at a fake tree (a missing one, to see the "no /proc"
// error; one with hostile command names); nobody else should set it.
constexpr char kProcRootVariable[] = "POWLAB_PROC_ROOT";

// Below this the sampling is its own load (every sample reads every /proc/PID/stat) and the
// 10 ms clock tick is a large part of each interval.
constexpr double kMinInterval = 0.1;
// A window holds at most this many intervals: each watched process keeps about that many
// samples, so the bound keeps memory in proportion to the processes watched.
constexpr double kMaxIntervalsPerWindow = 1000;
// Processes under this much CPU are left out of the text view (they are in --json): an idle
// machine runs hundreds of them.
constexpr double kTextMinPercent = 1.0;

std::atomic<bool> g_watch_stop{false};

void on_watch_stop_signal(int) { g_watch_stop.store(true); }

struct WatchOptions {
  // Half a core: the figure of issue 12's lesson, and the alarm `cryptojack --threshold` models
  // on the MineSweeper data.
  double threshold = 50;
  double window = kDefaultCpuWindowSeconds;
  double interval = 1;
  std::optional<double> duration;  // none: until interrupted
  std::vector<int> pids;           // none: every process
  bool json = false;
};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

unsigned online_cores() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

void check_options(const WatchOptions& o) {
  if (!std::isfinite(o.interval) || o.interval < kMinInterval) {
    throw UsageError("--interval must be a number of seconds, at least " + num(kMinInterval) + " (got " +
                     num(o.interval) + ")");
  }
  if (!std::isfinite(o.window) || o.window < o.interval) {
    throw UsageError("--window must be a number of seconds, at least one --interval (" + num(o.interval) + " s) (got " +
                     num(o.window) + ")");
  }
  if (o.window / o.interval > kMaxIntervalsPerWindow) {
    throw UsageError("--window may span at most " + num(kMaxIntervalsPerWindow) + " intervals (got " + num(o.window) +
                     " s at --interval " + num(o.interval) + " s)");
  }
  if (o.duration && (!std::isfinite(*o.duration) || *o.duration < o.interval)) {
    throw UsageError("--duration must be a number of seconds, at least one --interval (" + num(o.interval) +
                     " s): a CPU figure needs two samples (got " + num(*o.duration) + ")");
  }
  const double max_threshold = 100.0 * online_cores();
  if (!std::isfinite(o.threshold) || o.threshold < 0 || o.threshold > max_threshold) {
    throw UsageError("--threshold must be a percent of one core in [0, " + num(max_threshold) + "] (this machine has " +
                     count_noun(online_cores(), "core") + ") (got " + num(o.threshold) + ")");
  }
}

// One process, from the sample it was first seen in to the last.
struct Tracked {
  int pid = 0;
  std::uint64_t start_ticks = 0;
  std::string command;
  CpuWindow window{kDefaultCpuWindowSeconds};
  double first_wall = 0, last_wall = 0;
  double first_cpu = 0, last_cpu = 0;
  std::optional<double> percent;      // over the window, at the latest sample
  std::optional<double> max_percent;  // the highest windowed figure
  unsigned flagged_samples = 0;       // samples in which it was above the threshold
  bool flagged_now = false;
  bool exited = false;

  std::optional<double> average_percent() const {
    if (!(last_wall > first_wall)) return std::nullopt;
    return cpu_percent(last_cpu - first_cpu, last_wall - first_wall);
  }
};


class Watch {
 public:
  Watch(const WatchOptions& o, ProcReader reader)
      : o_(o), reader_(std::move(reader)), tck_(static_cast<double>(clock_ticks_per_second())),
        system_(o.window), tty_(!o.json && ::isatty(STDOUT_FILENO) == 1) {
    requested_.insert(o.pids.begin(), o.pids.end());
  }

  int run() {
    StopSignals signals(on_watch_stop_signal);  // SIGINT / SIGTERM end the watch with its summary
    g_watch_stop = false;
    t0_ = Clock::now();
    if (!o_.json) print_header();
    if (!o_.json && !tty_) std::cout << "      time     pid      cpu  alarm  command" << std::endl;
    std::string stopped = "interrupted";
    for (std::uint64_t k = 0;; ++k) {
      sample();
      if (k > 0) report_sample();
      if (!requested_.empty() && live_.empty()) {
        stopped = "exited";
        break;
      }
      if (o_.duration && elapsed() >= *o_.duration - 1e-9) {
        stopped = "duration";
        break;
      }
      double next = static_cast<double>(k + 1) * o_.interval;
      if (o_.duration) next = std::min(next, *o_.duration);
      if (!sleep_until(next)) break;  // interrupted
    }
    report_summary(stopped);
    // A clean stop: Ctrl-C is how a watch without --duration ends, and the summary was written.
    return kExitOk;
  }

 private:
  using Clock = std::chrono::steady_clock;
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

  // Sleeps in short steps so SIGINT ends the watch promptly. false when interrupted.
  bool sleep_until(double t) {
    while (!g_watch_stop.load()) {
      const double left = t - elapsed();
      if (left <= 0) return true;
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(left, 0.05)));
    }
    return false;
  }

  void sample() {
    ++samples_;
    const double now = elapsed();
    try {
      const SystemCpu s = reader_.system();
      system_.add(now, static_cast<double>(s.busy_ticks) / tck_);
      if (!system_first_) system_first_ = {now, static_cast<double>(s.busy_ticks) / tck_};
      system_last_ = {now, static_cast<double>(s.busy_ticks) / tck_};
    } catch (const ParseError&) {
      // /proc/stat was readable at the start; a failure now costs this sample's machine figure only.
    }
    // With --pid: the ones asked for, until each has gone (a new process with a reused pid is
    // not the one asked for).
    std::vector<int> pids;
    if (requested_.empty()) {
      pids = reader_.pids();
    } else if (samples_ == 1) {
      pids.assign(requested_.begin(), requested_.end());
    } else {
      for (const auto& [pid, t] : live_) pids.push_back(pid);
    }
    std::set<int> seen;
    for (const int pid : pids) {
      const double wall = elapsed();  // per process: reading hundreds of files takes a while
      const std::optional<ProcStat> st = reader_.process(pid);
      // Gone since the listing: no error, it just vanishes. A zombie (Z) has exited too: it
      // uses no CPU and only waits for its parent to collect its exit status.
      if (!st || st->state == 'Z' || st->state == 'X') continue;
      auto it = live_.find(pid);
      if (it != live_.end() && it->second.start_ticks != st->start_ticks) {
        retire(it);  // the pid was reused: a different process
        if (!requested_.empty()) continue;
        it = live_.end();
      }
      const double cpu = static_cast<double>(st->cpu_ticks()) / tck_;
      if (it == live_.end()) {
        Tracked t;
        t.pid = pid;
        t.start_ticks = st->start_ticks;
        t.window = CpuWindow(o_.window);
        t.first_wall = wall;
        t.first_cpu = cpu;
        it = live_.emplace(pid, std::move(t)).first;
      }
      Tracked& t = it->second;
      t.command = printable_command(st->command);  // a process may rename itself
      t.window.add(wall, cpu);
      t.last_wall = wall;
      t.last_cpu = cpu;
      t.percent = t.window.percent();
      t.flagged_now = t.percent && *t.percent > o_.threshold;
      if (t.percent) t.max_percent = std::max(t.max_percent.value_or(*t.percent), *t.percent);
      if (t.flagged_now) ++t.flagged_samples;
      seen.insert(pid);
    }
    for (auto it = live_.begin(); it != live_.end();) {
      if (seen.count(it->first)) {
        ++it;
      } else {
        it = retire(it);
      }
    }
  }

  std::map<int, Tracked>::iterator retire(std::map<int, Tracked>::iterator it) {
    it->second.exited = true;
    it->second.flagged_now = false;
    done_.push_back(std::move(it->second));
    return live_.erase(it);
  }

  // The processes with a CPU figure, busiest first.
  std::vector<const Tracked*> measured() const {
    std::vector<const Tracked*> v;
    for (const auto& [pid, t] : live_) {
      if (t.percent) v.push_back(&t);
    }
    std::sort(v.begin(), v.end(), [](const Tracked* a, const Tracked* b) {
      return *a->percent != *b->percent ? *a->percent > *b->percent : a->pid < b->pid;
    });
    return v;
  }

  std::optional<double> system_average() const {
    if (!system_first_ || !(system_last_.first > system_first_->first)) return std::nullopt;
    return cpu_percent(system_last_.second - system_first_->second, system_last_.first - system_first_->first);
  }

  void print_header() const {
    std::cout << "powlab watch: CPU of "
              << (requested_.empty() ? std::string("every process")
                                     : count_noun(requested_.size(), "process", "processes") + " (--pid)")
              << " in percent of one core, over the last " << num(o_.window) << " s, sampled every " << num(o_.interval)
              << " s; alarm above " << num(o_.threshold) << "%. Read-only: nothing is signalled or changed."
              << (o_.duration ? "" : " Ctrl-C stops it with a summary.") << std::endl;
  }

  bool shown_in_text(const Tracked& t) const {
    return t.flagged_now || requested_.count(t.pid) || *t.percent >= kTextMinPercent;
  }

  std::string row(const Tracked& t) const {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%8d  %6.1f%%  %-5s  %s", t.pid, *t.percent, t.flagged_now ? "ALARM" : "",
                  t.command.c_str());
    return buf;
  }

  void report_sample() const {
    const double now = elapsed();
    const std::vector<const Tracked*> rows = measured();
    if (o_.json) {
      nlohmann::json procs = nlohmann::json::array();
      for (const Tracked* t : rows) {
        procs.push_back({{"pid", t->pid},
                         {"command", t->command},
                         {"cpu_percent", *t->percent},
                         {"flagged", t->flagged_now},
                         {"seconds", t->window.span()}});
      }
      const nlohmann::json j = {{"type", "sample"},
                                {"elapsed", now},
                                {"system_cpu_percent", opt_json(system_.percent())},
                                {"processes", procs}};
      std::cout << j.dump() << std::endl;
      return;
    }
    char when[32];
    std::snprintf(when, sizeof when, "%8.1f s", now);
    if (!tty_) {
      // Plain lines, each complete (time, pid, CPU, alarm, command), for grep and logs.
      for (const Tracked* t : rows) {
        if (shown_in_text(*t)) std::cout << when << row(*t) << '\n';
      }
      std::cout.flush();
      return;
    }
    // A terminal: the table redrawn in place, as top does, cut to the window's height.
    winsize ws{};
    const int height = ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 ? ws.ws_row : 24;
    std::cout << "\033[H\033[J";
    print_header();
    const std::optional<double> sys = system_.percent();
    char at[32];
    std::snprintf(at, sizeof at, "%.1f s", now);
    std::cout << "at " << at << ": the machine is busy " << (sys ? num(std::round(*sys)) + "%" : std::string("?"))
              << " of one core in all (" << count_noun(online_cores(), "core") << ", so at most "
              << num(100.0 * online_cores()) << "%)\n";
    std::cout << "     pid      cpu  alarm  command\n";
    int shown = 0, hidden = 0;
    for (const Tracked* t : rows) {
      if (!shown_in_text(*t) || shown >= height - 5) {
        ++hidden;
        continue;
      }
      std::cout << row(*t) << '\n';
      ++shown;
    }
    if (hidden > 0) std::cout << "(" << hidden << " more, quieter)\n";
    std::cout.flush();
  }

  // Every process with a figure, plus the ones asked for by --pid even without one.
  std::vector<const Tracked*> summary_rows() const {
    std::vector<const Tracked*> v;
    auto wanted = [&](const Tracked& t) { return t.max_percent || requested_.count(t.pid); };
    for (const auto& [pid, t] : live_) {
      if (wanted(t)) v.push_back(&t);
    }
    for (const Tracked& t : done_) {
      if (wanted(t)) v.push_back(&t);
    }
    std::sort(v.begin(), v.end(), [](const Tracked* a, const Tracked* b) {
      const double pa = a->max_percent.value_or(-1), pb = b->max_percent.value_or(-1);
      return pa != pb ? pa > pb : a->pid < b->pid;
    });
    return v;
  }

  void report_summary(const std::string& stopped) const {
    const double seconds = elapsed();
    const std::vector<const Tracked*> rows = summary_rows();
    std::size_t flagged = 0;
    for (const Tracked* t : rows) flagged += t->flagged_samples > 0;
    if (o_.json) {
      nlohmann::json procs = nlohmann::json::array();
      for (const Tracked* t : rows) {
        procs.push_back({{"pid", t->pid},
                         {"command", t->command},
                         {"cpu_percent", opt_json(t->average_percent())},
                         {"max_cpu_percent", opt_json(t->max_percent)},
                         {"flagged", t->flagged_samples > 0},
                         {"flagged_samples", t->flagged_samples},
                         {"seconds", t->last_wall - t->first_wall},
                         {"exited", t->exited}});
      }
      const nlohmann::json j = {{"type", "summary"},
                                {"stopped", stopped},
                                {"seconds", seconds},
                                {"samples", samples_},
                                {"threshold", o_.threshold},
                                {"window", o_.window},
                                {"interval", o_.interval},
                                {"clock_tick_hz", static_cast<long>(tck_)},  // not "..._per_second": that names a hash rate
                                {"cores", online_cores()},
                                {"system_cpu_percent", opt_json(system_average())},
                                {"flagged_processes", flagged},
                                {"processes", procs}};
      std::cout << j.dump() << std::endl;
      return;
    }
    const std::string why = stopped == "duration" ? "--duration reached"
                            : stopped == "exited" ? "every watched process exited"
                                                  : "interrupted";
    char head[64];
    std::snprintf(head, sizeof head, "watched %.1f s (", seconds);
    std::cout << head << why << "), " << count_noun(samples_, "sample") << ": alarm above " << num(o_.threshold)
              << "% of one core for " << count_noun(flagged, "process", "processes");
    if (const auto sys = system_average()) std::cout << "; the machine used " << num(std::round(*sys)) << "% in all";
    std::cout << '\n';
    for (const Tracked* t : rows) {
      // Without --pid every process is watched: the summary names the flagged ones only.
      if (requested_.empty() && t->flagged_samples == 0) continue;
      const auto percent = [](const std::optional<double>& v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f%%", v.value_or(0));
        return v ? std::string(buf) : std::string("?");
      };
      char line[256];
      const unsigned measured_samples = samples_ > 0 ? samples_ - 1 : 0;  // the first sample has no figure
      std::snprintf(line, sizeof line, "  %-5s  pid %d %s: average %s, at most %s of one core, above %s%% in %u of %s%s",
                    t->flagged_samples > 0 ? "ALARM" : "", t->pid, t->command.c_str(),
                    percent(t->average_percent()).c_str(), percent(t->max_percent).c_str(), num(o_.threshold).c_str(),
                    t->flagged_samples, count_noun(measured_samples, "sample").c_str(), t->exited ? " (exited)" : "");
      std::cout << line << '\n';
    }
  }

  const WatchOptions& o_;
  ProcReader reader_;
  double tck_;
  std::set<int> requested_;
  std::map<int, Tracked> live_;
  std::vector<Tracked> done_;
  CpuWindow system_;
  std::optional<std::pair<double, double>> system_first_;
  std::pair<double, double> system_last_{0, 0};
  unsigned samples_ = 0;
  bool tty_;
  Clock::time_point t0_{};
};

int run(WatchOptions o) {
  check_options(o);
  const char* root_env = std::getenv(kProcRootVariable);
  ProcReader reader(root_env != nullptr && *root_env != '\0' ? root_env : "/proc");
  try {
    reader.system();
  } catch (const ParseError& e) {
    throw UsageError("this system has no Linux /proc to read (" + std::string(e.what()) +
                     "); powlab watch reads each process's CPU time from it");
  }
  std::sort(o.pids.begin(), o.pids.end());
  o.pids.erase(std::unique(o.pids.begin(), o.pids.end()), o.pids.end());
  for (const int pid : o.pids) {
    if (!reader.process(pid)) {
      throw UsageError("--pid " + std::to_string(pid) + ": no such process (nothing at " + reader.root() + "/" +
                       std::to_string(pid) + "/stat)");
    }
  }
  Watch w(o, std::move(reader));
  return w.run();
}

}  // namespace

void add_watch(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<WatchOptions>();
  CLI::App* sub = app.add_subcommand(
      "watch",
      "a read-only CPU alarm on real processes: each one's CPU in percent of one core over a sliding window, from "
      "/proc; flags those above --threshold. Never signals or changes anything");
  sub->add_option("--threshold", o->threshold, "alarm above this percent of one core (default 50)")->type_name("NUM");
  sub->add_option("--window", o->window, "seconds the CPU figure is measured over (default 5)")->type_name("NUM");
  sub->add_option("--interval", o->interval, "seconds between samples, at least 0.1 (default 1)")->type_name("NUM");
  sub->add_option("--duration", o->duration, "stop after this many seconds (default: until Ctrl-C, exit 0)")
      ->type_name("NUM");
  sub->add_option_function<std::vector<std::string>>(
         "--pid",
         [o](const std::vector<std::string>& texts) {
           for (const std::string& t : texts) o->pids.push_back(parse_integer<int>("--pid", t, 1));
         },
         "watch only this process (repeatable); default every process")
      ->type_name("INT");
  sub->add_flag("--json", o->json,
                "JSON Lines: one object per sample, then a summary (a watch streams, and may run until Ctrl-C)");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
