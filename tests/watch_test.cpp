// core/util/proc_stat: parsing /proc/PID/stat and /proc/stat (hostile command names included),
// the CPU percentage and its sliding window, and reading a /proc tree (a fake one, and the real
// one for this very process).
#include <gtest/gtest.h>

#include <cerrno>  // program_invocation_short_name (glibc)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "powlab/util/error.h"
#include "powlab/util/proc_stat.h"
#include "test_util.h"

namespace powlab {
namespace {

// A /proc/PID/stat line as Linux 6.x writes it (52 fields), with the command and the three
// numbers the monitor reads put in.
std::string stat_line(int pid, const std::string& command, std::uint64_t utime, std::uint64_t stime,
                      std::uint64_t start) {
  return std::to_string(pid) + " (" + command + ") S 1 " + std::to_string(pid) + " " + std::to_string(pid) +
         " 34816 " + std::to_string(pid) + " 4194560 1234 0 0 0 " + std::to_string(utime) + " " +
         std::to_string(stime) + " 0 0 20 0 1 0 " + std::to_string(start) +
         " 10293248 2560 18446744073709551615 94000000000000 94000000100000 140730000000000 0 0 0 0 0 0 0 0 0 17 1 0 "
         "0 0 0 0 94000000200000 94000000210000 94000001000000 140730000001000 140730000001100 140730000001100 "
         "140730000004000 0\n";
}

TEST(ProcStat, ParsesTheFieldsAMonitorNeeds) {
  const auto st = parse_proc_stat(stat_line(4242, "powlab", 917, 13, 556677));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, 4242);
  EXPECT_EQ(st->command, "powlab");
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->utime_ticks, 917u);
  EXPECT_EQ(st->stime_ticks, 13u);
  EXPECT_EQ(st->cpu_ticks(), 930u);
  EXPECT_EQ(st->start_ticks, 556677u);
}

// The command is whatever the process named itself (15 bytes, any but NUL): parentheses,
// spaces, a newline, and text that looks like the fields that follow. The fields are read from
// after the LAST ')'.
TEST(ProcStat, NastyCommandNames) {
  const std::vector<std::string> names = {
      "a) b",          ")",        "(",           "()",           ") R 1 2 3 4 5",  "x) S 9 9 9 9 9 9",
      "two words",     "",         "tab\there",   "new\nline",    "((((((((((((((",  "))))))))))))))",
      ") 1 2 3 ) 4 5", "\x1b[2J",  "\xff\xfe\x80", "a (b) c",      " ( ",             "sp ace "};
  for (const std::string& name : names) {
    const auto st = parse_proc_stat(stat_line(77, name, 5, 6, 8));
    ASSERT_TRUE(st) << "name '" << name << "'";
    EXPECT_EQ(st->command, name);
    EXPECT_EQ(st->pid, 77);
    EXPECT_EQ(st->state, 'S');
    EXPECT_EQ(st->utime_ticks, 5u) << "name '" << name << "'";
    EXPECT_EQ(st->stime_ticks, 6u) << "name '" << name << "'";
    EXPECT_EQ(st->start_ticks, 8u) << "name '" << name << "'";
  }
}

TEST(ProcStat, RefusesMalformedText) {
  const std::string good = stat_line(12, "x", 1, 2, 3);
  EXPECT_TRUE(parse_proc_stat(good));
  const std::vector<std::string> bad = {
      "",
      "12",
      "12 (x",                                    // no ')'
      "12 x) S 1",                                // no " ("
      "(x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",  // no pid
      "-12 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
      "0 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
      "99999999999 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
      "12 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18",  // field 22 missing
      "12 (x)S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",  // no space after ')'
      "12 (x) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
      "12 (x) S 1 2 3 4 5 6 7 8 9 10 -11 12 13 14 15 16 17 18 19 20",  // a signed utime
      "12 (x) S 1 2 3 4 5 6 7 8 9 10 +11 12 13 14 15 16 17 18 19 20",
      "12 (x) S 1 2 3 4 5 6 7 8 9 10 11 99999999999999999999 13 14 15 16 17 18 19 20",  // overflow
      "12 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 1x 20",  // a bad start time
      "12 (x) S 1 2 3 4 5 6 7 8 9 10 18446744073709551615 1 13 14 15 16 17 18 19 20",  // utime+stime wraps
  };
  for (const std::string& text : bad) EXPECT_FALSE(parse_proc_stat(text)) << "'" << text << "'";
  EXPECT_TRUE(parse_proc_stat("12 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20"));
}

// Any command name of 0..15 bytes other than NUL round-trips with the fields around it; and
// arbitrary bytes never crash the parser (deterministic seeds; the fuzz targets go further).
TEST(ProcStat, RandomNamesRoundTripAndGarbageNeverCrashes) {
  std::mt19937_64 rng(12);
  const std::string alphabet = std::string(") (\n S0123456789-x\x1b\xff");
  for (int i = 0; i < 20000; ++i) {
    std::string name(rng() % 16, ' ');
    for (char& c : name) c = rng() % 3 == 0 ? alphabet[rng() % alphabet.size()] : static_cast<char>(1 + rng() % 255);
    const std::uint64_t u = rng(), s = rng() >> 1, start = rng();
    const auto st = parse_proc_stat(stat_line(1 + static_cast<int>(rng() % 4194304), name, u >> 1, s >> 1, start));
    ASSERT_TRUE(st) << i;
    ASSERT_EQ(st->command, name) << i;
    ASSERT_EQ(st->utime_ticks, u >> 1);
    ASSERT_EQ(st->stime_ticks, s >> 1);
    ASSERT_EQ(st->start_ticks, start);
    std::string garbage(rng() % 300, ' ');
    for (char& c : garbage) c = alphabet[rng() % alphabet.size()];
    (void)parse_proc_stat(garbage);
    (void)parse_system_stat(garbage);
  }
}

TEST(ProcStat, SystemStatLine) {
  const auto cpu = parse_system_stat(
      "cpu  100 5 30 1000 7 1 2 3 50 0\ncpu0 50 2 15 500 3 1 1 1 25 0\ncpu1 50 3 15 500 4 0 1 2 25 0\nintr 1 2 3\n");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->busy_ticks, 100u + 5 + 30 + 1 + 2 + 3);  // guest (50) is already in user
  EXPECT_EQ(cpu->idle_ticks, 1000u + 7);
  // An old kernel's four numbers (no iowait and after) still count.
  const auto old = parse_system_stat("cpu 1 2 3 4\n");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->busy_ticks, 6u);
  EXPECT_EQ(old->idle_ticks, 4u);
  EXPECT_FALSE(parse_system_stat(""));
  EXPECT_FALSE(parse_system_stat("cpu0 1 2 3 4 5\n"));  // no aggregate line
  EXPECT_FALSE(parse_system_stat("cpu 1 2 3\n"));
  EXPECT_FALSE(parse_system_stat("cpu 1 -2 3 4 5\n"));
  EXPECT_FALSE(parse_system_stat("cpu 18446744073709551615 1 0 0 0\n"));  // busy wraps
}

TEST(ProcStat, PrintableCommand) {
  EXPECT_EQ(printable_command("powlab"), "powlab");
  EXPECT_EQ(printable_command("a) (b"), "a) (b");
  EXPECT_EQ(printable_command("\x1b[2J"), "\\x1b[2J");  // cannot wipe the monitor's screen
  EXPECT_EQ(printable_command(std::string("a\nb\0c", 5)), "a\\x0ab\\x00c");
  EXPECT_EQ(printable_command("\xff\x80"), "\\xff\\x80");  // not UTF-8: a JSON writer would refuse it
}

TEST(CpuPercent, PercentOfOneCore) {
  EXPECT_DOUBLE_EQ(cpu_percent(1, 2), 50);
  EXPECT_DOUBLE_EQ(cpu_percent(3, 1.5), 200);  // two busy threads
  EXPECT_DOUBLE_EQ(cpu_percent(0, 5), 0);
}

// Regular samples with jitter either way: the figure spans exactly window / interval
// intervals once that much history exists, and only the samples it needs are kept.
TEST(CpuWindow, SpansTheWindowDespiteJitter) {
  CpuWindow w(2.0);
  EXPECT_FALSE(w.percent());
  w.add(0, 10);
  EXPECT_FALSE(w.percent());
  EXPECT_EQ(w.span(), 0);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> jitter(-0.02, 0.02);
  double cpu = 10;
  double prev_wall = 0;
  for (int k = 1; k <= 40; ++k) {
    const double wall = 0.5 * k + jitter(rng);
    // 30% of a core before t = 10 s, then 90%.
    cpu += (wall - prev_wall) * (wall <= 10 ? 0.3 : 0.9);
    prev_wall = wall;
    w.add(wall, cpu);
    ASSERT_TRUE(w.percent());
    if (k < 4) {
      EXPECT_NEAR(w.span(), wall, 1e-9) << "before a full window: from the first sample";
    } else {
      EXPECT_NEAR(w.span(), 2.0, 0.05) << k;
      EXPECT_LE(w.samples(), 6u);
    }
    if (k <= 19) {
      EXPECT_NEAR(*w.percent(), 30, 1e-6) << k;
    } else if (k >= 25) {
      EXPECT_NEAR(*w.percent(), 90, 1e-6) << k;
    }
  }
}

// Frequent samples, as the miner's progress calls give: the figure covers the last window,
// not the whole run.
TEST(CpuWindow, ForgetsWhatIsOlderThanTheWindow) {
  CpuWindow w(5.0);
  double cpu = 0;
  for (int k = 0; k <= 2000; ++k) {
    const double wall = 0.01 * k;
    if (k > 0) cpu += 0.01 * (wall <= 10 ? 1.0 : 0.2);
    w.add(wall, cpu);
  }
  ASSERT_TRUE(w.percent());
  EXPECT_NEAR(w.span(), 5.0, 0.011);
  EXPECT_NEAR(*w.percent(), 20, 0.5);
  EXPECT_LE(w.samples(), 502u);
}

// A fake /proc tree: what the reader lists and reads, and what it treats as gone.
TEST(ProcReader, ReadsAFakeTree) {
  test::TempDir dir;
  auto write = [&](const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir.file(rel)).parent_path());
    std::ofstream(dir.file(rel)) << text;
  };
  write("stat", "cpu  10 0 10 100 0 0 0 0 0 0\ncpu0 10 0 10 100 0 0 0 0 0 0\n");
  write("17/stat", stat_line(17, "a) (b", 40, 2, 900));
  write("18/stat", stat_line(99, "liar", 1, 1, 1));  // not the process its directory names
  write("19/stat", "garbage");
  std::filesystem::create_directories(dir.file("self"));
  std::filesystem::create_directories(dir.file("sys"));
  std::filesystem::create_directories(dir.file("20"));  // exited between listing and reading
  const ProcReader r(dir.path());
  EXPECT_EQ(r.system().busy_ticks, 20u);
  std::vector<int> pids = r.pids();
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(pids, (std::vector<int>{17, 18, 19, 20}));
  ASSERT_TRUE(r.process(17));
  EXPECT_EQ(r.process(17)->command, "a) (b");
  EXPECT_EQ(r.process(17)->cpu_ticks(), 42u);
  EXPECT_FALSE(r.process(18));
  EXPECT_FALSE(r.process(19));
  EXPECT_FALSE(r.process(20));
  EXPECT_FALSE(r.process(21));
  const ProcReader none(dir.file("no-such-dir"));
  EXPECT_THROW(none.system(), ParseError);
  EXPECT_TRUE(none.pids().empty());
}

// The real /proc: this process is there, and its CPU ticks grow as it works.
TEST(ProcReader, SeesThisProcessWork) {
  if (!std::filesystem::exists("/proc/self/stat")) GTEST_SKIP() << "no /proc on this system";
  const ProcReader r("/proc");
  EXPECT_GT(r.system().busy_ticks + r.system().idle_ticks, 0u);
  const auto before = r.process(static_cast<int>(::getpid()));
  ASSERT_TRUE(before);
  // The kernel's comm is the executable's name cut to 15 bytes (TASK_COMM_LEN - 1).
  EXPECT_EQ(before->command, std::string(program_invocation_short_name).substr(0, 15));
  // Spin until this process has used 50 ms of CPU (5 ticks at 100 Hz), not for a wall-clock
  // time: on a loaded machine 300 ms of wall clock once gave it less than one tick.
  const auto cpu_now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  };
  const auto t0 = cpu_now();
  volatile std::uint64_t x = 0;
  while (cpu_now() - t0 < std::chrono::milliseconds(50)) x = x + 1;
  const auto after = r.process(static_cast<int>(::getpid()));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->start_ticks, before->start_ticks);
  EXPECT_GT(after->cpu_ticks(), before->cpu_ticks());
  EXPECT_EQ(clock_ticks_per_second(), ::sysconf(_SC_CLK_TCK));
}

}  // namespace
}  // namespace powlab
