#include "powlab/util/proc_stat.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <filesystem>

#include "powlab/util/error.h"
#include "powlab/util/file.h"

namespace powlab {

namespace {

// /proc/PID/stat is one line of about 52 fields, a 15-byte command and 20-digit numbers at
// most: well under 1 KiB. 4 KiB refuses nothing real and bounds what a fake tree can make us read.
constexpr std::uint64_t kMaxPidStatBytes = 4096;
// /proc/stat grows with the CPUs (one line each) and the interrupt counters (one number per
// IRQ): tens of KiB on large machines. 4 MiB is far above both.
constexpr std::uint64_t kMaxSystemStatBytes = std::uint64_t{4} << 20;

bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;  // no sign, no space
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

// Splits on runs of spaces (and the final newline); the kernel writes single spaces.
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\n') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const std::size_t open = text.find(" (");
  const std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open + 2) return std::nullopt;
  ProcStat st;
  std::uint64_t pid = 0;
  if (!parse_u64(text.substr(0, open), pid) || pid == 0 || pid > 0x7fffffff) return std::nullopt;
  st.pid = static_cast<int>(pid);
  st.command = std::string(text.substr(open + 2, close - (open + 2)));
  // After the command: " S ppid ...", fields 3 onwards; field k is rest[k - 3].
  const std::string_view after = text.substr(close + 1);
  if (after.empty() || after.front() != ' ') return std::nullopt;
  const std::vector<std::string_view> rest = fields(after);
  constexpr std::size_t kState = 0, kUtime = 11, kStime = 12, kStart = 19;
  if (rest.size() <= kStart || rest[kState].size() != 1) return std::nullopt;
  st.state = rest[kState][0];
  if (!parse_u64(rest[kUtime], st.utime_ticks) || !parse_u64(rest[kStime], st.stime_ticks) ||
      !parse_u64(rest[kStart], st.start_ticks)) {
    return std::nullopt;
  }
  if (st.utime_ticks > UINT64_MAX - st.stime_ticks) return std::nullopt;  // cpu_ticks() must not wrap
  return st;
}

std::optional<SystemCpu> parse_system_stat(std::string_view text) {
  // The aggregate line comes first: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const std::vector<std::string_view> f = fields(line);
    if (f.empty() || f[0] != "cpu") continue;
    // Linux 2.6.11 onward writes at least 8 numbers (steal); older kernels 4 to 7.
    if (f.size() < 5) return std::nullopt;
    std::uint64_t v[8] = {};
    for (std::size_t i = 1; i < f.size() && i <= 8; ++i) {
      if (!parse_u64(f[i], v[i - 1])) return std::nullopt;
    }
    const std::uint64_t user = v[0], nice = v[1], system = v[2], idle = v[3], iowait = v[4], irq = v[5],
                        softirq = v[6], steal = v[7];
    SystemCpu cpu;
    // Each is a 64-bit tick count since boot; the sums cannot wrap in any real uptime (2^64
    // ticks at 100 Hz is 5.8e9 years), but a fake file could: refuse it.
    const std::uint64_t parts[] = {user, nice, system, irq, softirq, steal};
    for (std::uint64_t p : parts) {
      if (cpu.busy_ticks > UINT64_MAX - p) return std::nullopt;
      cpu.busy_ticks += p;
    }
    if (idle > UINT64_MAX - iowait) return std::nullopt;
    cpu.idle_ticks = idle + iowait;
    return cpu;
  }
  return std::nullopt;
}

std::string printable_command(std::string_view raw) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : raw) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

double cpu_percent(double cpu_seconds, double wall_seconds) { return 100.0 * cpu_seconds / wall_seconds; }

void CpuWindow::add(double wall_seconds, double cpu_seconds) {
  samples_.push_back({wall_seconds, cpu_seconds});
  // The base is the sample closest to (newest - window), never the newest itself. Distances to
  // that point fall then rise along the deque, and the point only moves forward, so a sample
  // dropped here is never the closest again.
  const double target = wall_seconds - window_;
  while (samples_.size() > 2 && std::abs(samples_[1].wall - target) <= std::abs(samples_[0].wall - target)) {
    samples_.pop_front();
  }
}

std::optional<double> CpuWindow::percent() const {
  if (samples_.size() < 2 || !(span() > 0)) return std::nullopt;
  return cpu_percent(samples_.back().cpu - samples_.front().cpu, span());
}

double CpuWindow::span() const { return samples_.size() < 2 ? 0 : samples_.back().wall - samples_.front().wall; }

long clock_ticks_per_second() {
  const long t = ::sysconf(_SC_CLK_TCK);
  return t > 0 ? t : 100;  // USER_HZ: 100 on every Linux architecture powlab builds for
}

SystemCpu ProcReader::system() const {
  const std::string path = root_ + "/stat";
  const std::optional<SystemCpu> cpu = parse_system_stat(read_file(path, kMaxSystemStatBytes, "/proc/stat"));
  if (!cpu) throw ParseError(path + " has no \"cpu\" line of Linux's form");
  return *cpu;
}

std::vector<int> ProcReader::pids() const {
  std::vector<int> out;
  std::error_code ec;
  // Entries appear and vanish while we list: errors end the listing, they are not fatal.
  for (std::filesystem::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::uint64_t pid = 0;
    if (parse_u64(name, pid) && pid > 0 && pid <= 0x7fffffff) out.push_back(static_cast<int>(pid));
  }
  return out;
}

std::optional<ProcStat> ProcReader::process(int pid) const {
  std::string text;
  try {
    text = read_file(root_ + "/" + std::to_string(pid) + "/stat", kMaxPidStatBytes, "/proc/PID/stat");
  } catch (const ParseError&) {
    return std::nullopt;  // gone between listing and reading, or hidden from us (hidepid)
  }
  std::optional<ProcStat> st = parse_proc_stat(text);
  if (st && st->pid != pid) return std::nullopt;  // not the file it claims to be
  return st;
}

}  // namespace powlab
