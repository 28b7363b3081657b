// A process's CPU use as Linux's /proc shows it: what `powlab watch` (a read-only CPU alarm,
// like a cloud console's or an endpoint agent's) sees, and what `mine --throttle` reports of
// itself. Parsing is pure (string in, value out, never throws) so it can be fuzzed and
// unit-tested on hostile input; reading goes through read_file's bounded reads.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace powlab {

// The fields of /proc/PID/stat that a CPU alarm needs (proc(5), "/proc/pid/stat").
struct ProcStat {
  int pid = 0;                    // field 1
  std::string command;            // field 2, comm: the raw bytes between the parentheses
  char state = '?';               // field 3: R, S, D, Z, ...
  std::uint64_t utime_ticks = 0;  // field 14: user-mode CPU time, in clock ticks (sysconf(_SC_CLK_TCK))
  std::uint64_t stime_ticks = 0;  // field 15: kernel-mode CPU time, in clock ticks
  std::uint64_t start_ticks = 0;  // field 22: start time after boot, in clock ticks; with the pid, names
                                  // one process (a pid is reused once its process has gone)

  std::uint64_t cpu_ticks() const { return utime_ticks + stime_ticks; }
};

// Parses the contents of /proc/PID/stat. The command is in parentheses and is chosen by the
// process itself (prctl(PR_SET_NAME), up to 15 bytes): it may hold spaces, '(' and ')', even
// a newline. So it runs to the LAST ')' of the text; every field after it is a number or the
// one-letter state. nullopt for anything malformed (a missing field, a sign, an overflow).
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The whole machine's CPU time, from the aggregate "cpu" line of /proc/stat, in clock ticks
// summed over every CPU: busy = user + nice + system + irq + softirq + steal; idle = idle +
// iowait. (guest and guest_nice are already counted in user and nice, proc(5).)
struct SystemCpu {
  std::uint64_t busy_ticks = 0;
  std::uint64_t idle_ticks = 0;
};
std::optional<SystemCpu> parse_system_stat(std::string_view text);

// A command name safe to print on a terminal and in JSON: bytes outside printable ASCII
// become \xNN (a process can name itself "\033[2J" to wipe the monitor's screen, or with bytes
// that are not UTF-8, which a JSON writer refuses).
std::string printable_command(std::string_view raw);

// CPU use in percent of one core: 100 x CPU seconds / wall seconds (a process with two busy
// threads shows 200). The one formula for this figure: `powlab watch` and the progress line
// of `mine --throttle` both get it here, through CpuWindow. wall_seconds must be > 0.
double cpu_percent(double cpu_seconds, double wall_seconds);

// CPU use over a sliding window of samples (wall seconds, CPU seconds), as a monitor that
// samples every few seconds computes it. The figure is measured from the sample closest to
// `window` seconds before the newest one (so regular samples give exactly window / interval
// intervals, whatever their jitter); before that much history exists, from the oldest
// sample. Keeps only the samples it may still need.
class CpuWindow {
 public:
  explicit CpuWindow(double window_seconds) : window_(window_seconds) {}
  // Samples must come in order of wall time.
  void add(double wall_seconds, double cpu_seconds);
  // nullopt until two samples span a positive time.
  std::optional<double> percent() const;
  // The wall time the figure is measured over (0 before two samples).
  double span() const;
  std::size_t samples() const { return samples_.size(); }

 private:
  struct Sample {
    double wall;
    double cpu;
  };
  double window_;
  std::deque<Sample> samples_;
};

// The default window of `powlab watch`, which the progress line of `mine --throttle` uses
// too: long enough to span many of the throttled miner's duty cycles (0.05 s of hashing, then
// a sleep: 0.25 s at --throttle 0.2) and hundreds of clock ticks, short enough to react
// within seconds, as an endpoint agent's per-process CPU alarm does.
inline constexpr double kDefaultCpuWindowSeconds = 5;

// Clock ticks per second, the unit of /proc's CPU times (sysconf(_SC_CLK_TCK); 100 on Linux).
long clock_ticks_per_second();

// Reads a /proc tree. `root` is "/proc" except in tests, which point it at a fake tree.
class ProcReader {
 public:
  explicit ProcReader(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  // The machine's CPU (root/stat). Throws ParseError when it cannot be read or parsed: no
  // /proc at all, or not Linux's.
  SystemCpu system() const;
  // The numeric entries of root: every process at this moment.
  std::vector<int> pids() const;
  // One process; nullopt when it has gone (or never existed, or cannot be read or parsed:
  // a process can exit between listing and reading, which is no error for a monitor).
  std::optional<ProcStat> process(int pid) const;

 private:
  std::string root_;
};

}  // namespace powlab
