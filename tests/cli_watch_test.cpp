// powlab watch on real processes (issue 12 part 3), and the CPU figure `mine --throttle` shows
// in its progress line (part 4). These measure real CPU time, so CTest runs them alone
// (RUN_SERIAL, tests/CMakeLists.txt), like ledger_throttle.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "test_util.h"

extern char** environ;

namespace powlab {
namespace {

using nlohmann::json;
using test::run_powlab;

std::vector<json> json_lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) v.push_back(json::parse(l));
  }
  return v;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Reads what is there on `fd` into `out` for up to `timeout_s`; false at end of file.
bool drain(int fd, std::string& out, double timeout_s) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout_s * 1000)) <= 0) return true;
  char buf[4096];
  const ssize_t n = read(fd, buf, sizeof buf);
  if (n <= 0) return false;  // EOF; on a pty master, EIO once the child has gone
  out.append(buf, static_cast<std::size_t>(n));
  return true;
}

// A powlab process in the background, its stdout on a pipe and its stderr on `stderr_fd`
// (/dev/null by default). The destructor kills (SIGKILL) and reaps it if it is still there,
// so a failed assertion leaves nothing running.
class Background {
 public:
  Background(const std::vector<std::string>& args, bool own_session, int stderr_fd = -1) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    const int null_fd = open("/dev/null", O_RDWR);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, null_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd >= 0 ? stderr_fd : null_fd, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Its own session, hence its own scheduler autogroup (sched(7)), so that boost() can
    // reach it; and SIGINT at its default, whatever this process has.
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSIGDEF | (own_session ? POSIX_SPAWN_SETSID : 0)));
    std::vector<std::string> storage{POWLAB_BINARY};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, POWLAB_BINARY, &actions, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(null_fd);
    out_ = out[0];
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
  }
  ~Background() {
    if (reaper_.joinable()) {
      // Never signal here: once reaped, the pid may already be another process's. Whoever
      // calls reap_when_done gives the child a short --max-seconds.
      reaper_.join();
    } else if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  std::string pid_text() const { return std::to_string(pid_); }
  bool running() const { return !reaped_ && waitpid(pid_, nullptr, WNOHANG) == 0; }
  // Reads stdout until `needle` shows up (or end of file, or the timeout).
  std::string read_until(const std::string& needle, double timeout_s) {
    const auto t0 = std::chrono::steady_clock::now();
    while (out_text_.find(needle) == std::string::npos && seconds_since(t0) < timeout_s) {
      if (!drain(out_, out_text_, 0.1)) break;
    }
    return out_text_;
  }
  // Sends `sig` (none: waits for it to end), then reads stdout to the end and reaps it.
  // Returns the exit status, 128+N when killed by signal N.
  int finish(int sig, std::string& out) {
    if (sig != 0) kill(pid_, sig);
    while (drain(out_, out_text_, 30)) {
    }
    out = out_text_;
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Reaps it the moment it exits, so its /proc entry vanishes then rather than staying a zombie.
  void reap_when_done() {
    reaped_ = true;
    reaper_ = std::thread([p = pid_] { waitpid(p, nullptr, 0); });
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string out_text_;
  bool reaped_ = false;
  std::thread reaper_;
};

// The lesson needs a free core for the 0.9 miner ("a 1-thread miner at 0.9 gets ~90% of a
// core only if a core is free"). On a shared machine the kernel splits the cores between
// sessions (autogroups, sched(7)) before it splits a session's share between its processes,
// so each miner runs in a session of its own and that session's weight is raised, as root
// may; without the privilege, nothing changes. This is the test harness treating its own
// children; `powlab watch` itself never changes any process.
bool boost(pid_t pid) {
  bool done = false;
  std::ofstream autogroup("/proc/" + std::to_string(pid) + "/autogroup");
  if (autogroup) {
    autogroup << "-10" << std::flush;
    done = autogroup.good();
  }
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(pid), -10) == 0) done = true;
  return done;
}

const json* find_pid(const json& doc, pid_t pid) {
  for (const json& p : doc.at("processes")) {
    if (p.at("pid") == pid) return &p;
  }
  return nullptr;
}

// Issue 12's lesson, on real processes: two 1-thread miners, one using 20% of its thread and
// one 90%; a CPU alarm at half a core flags the second and never the first.
TEST(WatchLesson, FlagsTheNinetyNeverTheTwenty) {
  // --zeros 60: ~1.2e18 hashes a block, so neither can finish; --max-seconds bounds them if
  // this test dies before it stops them.
  Background low({"mine", "--zeros", "60", "--threads", "1", "--throttle", "0.2", "--max-seconds", "60", "--json"}, true);
  Background high({"mine", "--zeros", "60", "--threads", "1", "--throttle", "0.9", "--max-seconds", "60", "--json"}, true);
  const bool boosted = boost(low.pid()) && boost(high.pid());
  // Past start-up (kernel self-test) and the first unthrottled search slice.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  ASSERT_TRUE(low.running() && high.running());

  const auto w = run_powlab({"watch", "--threshold", "50", "--pid", low.pid_text(), "--pid", high.pid_text(),
                             "--duration", "3", "--interval", "0.5", "--window", "2", "--json"});
  // It only read: both miners still run, unsignalled.
  EXPECT_TRUE(low.running() && high.running());
  std::string low_out, high_out;
  EXPECT_EQ(low.finish(SIGINT, low_out), 130);
  EXPECT_EQ(high.finish(SIGINT, high_out), 130);

  ASSERT_EQ(w.exit_code, 0) << w.err;
  const auto lines = json_lines(w.out);
  // Samples at 0.5, 1, ..., 3 s, then the summary (fewer if the machine delayed a sample past 3 s).
  ASSERT_GE(lines.size(), 4u) << w.out;
  ASSERT_LE(lines.size(), 7u) << w.out;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    ASSERT_EQ(lines[i]["type"], "sample") << lines[i];
    const json* l = find_pid(lines[i], low.pid());
    ASSERT_NE(l, nullptr) << lines[i];
    EXPECT_FALSE(l->at("flagged").get<bool>()) << "the 0.2 miner flagged: " << lines[i];
    EXPECT_LT(l->at("cpu_percent").get<double>(), 50) << lines[i];
    ASSERT_NE(find_pid(lines[i], high.pid()), nullptr) << lines[i];
  }
  const json& summary = lines.back();
  ASSERT_EQ(summary["type"], "summary");
  EXPECT_EQ(summary["stopped"], "duration");
  EXPECT_EQ(summary["threshold"], 50);
  const json* l = find_pid(summary, low.pid());
  const json* h = find_pid(summary, high.pid());
  ASSERT_TRUE(l && h) << summary;
  EXPECT_EQ(l->at("command"), "powlab");
  EXPECT_FALSE(l->at("flagged").get<bool>()) << summary;
  EXPECT_EQ(l->at("flagged_samples"), 0);
  // The figure is measured, not a flag: the 0.2 miner shows its throttle.
  EXPECT_NEAR(l->at("cpu_percent").get<double>(), 20, 8) << summary;

  // The 0.9 miner's own account of its CPU (CLOCK_PROCESS_CPUTIME_ID over its whole run,
  // another clock than watch's /proc ticks).
  const auto high_lines = json_lines(high_out);
  ASSERT_FALSE(high_lines.empty());
  ASSERT_TRUE(high_lines.back()["cpu_fraction"].is_number()) << high_out;
  const double own = 100 * high_lines.back()["cpu_fraction"].get<double>();
  // Whatever CPU the machine gave it, watch saw the same (its run began 0.8 s before the watch).
  EXPECT_NEAR(h->at("cpu_percent").get<double>(), own, 20) << "watch against the miner's own clock: " << summary;
  if (!h->at("flagged").get<bool>() && own < 60) {
    GTEST_SKIP() << "the machine gave the 0.9 miner only " << own << "% of a core (watch saw "
                 << h->at("cpu_percent") << "%; priority " << (boosted ? "raised" : "could not be raised")
                 << "): the lesson needs a free core";
  }
  EXPECT_TRUE(h->at("flagged").get<bool>()) << summary;
  EXPECT_GT(h->at("max_cpu_percent").get<double>(), 50);
  EXPECT_GE(h->at("flagged_samples").get<int>(), 3) << summary;
}

// Part 4: on a terminal, `mine --throttle` shows the CPU that watch would see: percent of one
// core over watch's kind of window; here against the miner's own whole-run figure, which a
// run shorter than the window must match.
TEST(MineProgress, ShowsTheCpuWatchSees) {
  int master = -1, slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  std::string progress, out;
  int code = -1;
  {
    Background mine({"mine", "--zeros", "60", "--threads", "1", "--throttle", "0.5", "--max-seconds", "3", "--json"},
                    false, slave);
    close(slave);
    while (drain(master, progress, 30)) {
    }
    code = mine.finish(0, out);
  }
  close(master);
  ASSERT_EQ(code, 0) << out;
  static const std::regex figure(R"(cpu (\d+)% of one core \(watch's view, last (\d+) s\))");
  std::smatch m, last;
  for (auto it = progress.cbegin(); std::regex_search(it, progress.cend(), m, figure); it = m[0].second) last = m;
  ASSERT_FALSE(last.empty()) << "no CPU figure in the progress line: " << progress.substr(0, 400);
  const double shown = std::stod(last[1].str());
  EXPECT_LE(std::stoi(last[2].str()), 5);
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  ASSERT_TRUE(lines[0]["cpu_fraction"].is_number()) << out;
  EXPECT_NEAR(shown, 100 * lines[0]["cpu_fraction"].get<double>(), 12) << progress.substr(progress.size() - 300);
  EXPECT_LE(shown, 65) << "at --throttle 0.5";
}

// Processes that exit mid-window vanish without error; new ones appear.
TEST(Watch, ProcessesComeAndGo) {
  Background watch({"watch", "--interval", "0.2", "--window", "1", "--duration", "2.6", "--json"}, false);
  watch.read_until("\"type\":\"sample\"", 10);
  Background miner({"mine", "--zeros", "60", "--threads", "1", "--throttle", "0.5", "--max-seconds", "1", "--json"},
                   false);
  miner.reap_when_done();
  std::string out;
  ASSERT_EQ(watch.finish(0, out), 0);
  const auto lines = json_lines(out);
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(find_pid(lines.front(), miner.pid()), nullptr) << "seen before it started";
  const json* s = find_pid(lines.back(), miner.pid());
  ASSERT_NE(s, nullptr) << lines.back();
  EXPECT_TRUE(s->at("exited").get<bool>());
  EXPECT_GT(s->at("max_cpu_percent").get<double>(), 5);
  EXPECT_EQ(lines.back()["stopped"], "duration");
  EXPECT_NE(find_pid(lines.back(), watch.pid()), nullptr) << "watch sees itself too";
}

// --pid of processes that all exit: the watch ends there, without error.
TEST(Watch, EndsWhenEveryWatchedProcessHasExited) {
  Background miner({"mine", "--zeros", "60", "--threads", "1", "--throttle", "0.5", "--max-seconds", "1", "--json"},
                   false);
  miner.reap_when_done();
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_powlab({"watch", "--pid", miner.pid_text(), "--interval", "0.2", "--duration", "20", "--json"});
  EXPECT_LT(seconds_since(t0), 10);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["stopped"], "exited");
  const json* s = find_pid(lines.back(), miner.pid());
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->at("exited").get<bool>());
}

// Ctrl-C: a clean stop with the summary, exit 0 (the way a watch without --duration ends).
TEST(Watch, InterruptGivesTheSummary) {
  for (const bool json_out : {true, false}) {
    std::vector<std::string> args = {"watch", "--interval", "0.2", "--pid", std::to_string(getpid())};
    if (json_out) args.push_back("--json");
    Background watch(args, false);
    watch.read_until(json_out ? "\"type\":\"sample\"" : "test_cli_watch", 10);
    std::string out;
    ASSERT_EQ(watch.finish(SIGINT, out), 0) << out;
    if (json_out) {
      const auto lines = json_lines(out);
      ASSERT_GE(lines.size(), 2u);
      EXPECT_EQ(lines.back()["type"], "summary");
      EXPECT_EQ(lines.back()["stopped"], "interrupted");
      EXPECT_NE(find_pid(lines.back(), getpid()), nullptr);
    } else {
      EXPECT_NE(out.find("(interrupted), "), std::string::npos) << out;
      EXPECT_NE(out.find("pid " + std::to_string(getpid()) + " test_cli_watch: average "), std::string::npos) << out;
    }
  }
}

// Sets an environment variable for the children this test starts.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(Watch, NoProcIsExitTwo) {
  const ScopedEnv env("POWLAB_PROC_ROOT", "/no-such-proc-root");
  const auto r = run_powlab({"watch", "--duration", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("powlab watch: error: this system has no Linux /proc to read (cannot open "
                                "/no-such-proc-root/stat: No such file or directory)"))
      << r.err;
  EXPECT_EQ(r.out, "");
}

// A fake /proc whose processes name themselves with parentheses and a terminal escape: the
// names come through whole, and harmless, in JSON and in text.
TEST(Watch, HostileNamesInAFakeProc) {
  test::TempDir dir;
  auto write = [&](const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir.file(rel)).parent_path());
    std::ofstream(dir.file(rel)) << text;
  };
  write("stat", "cpu  10 0 10 100 0 0 0 0 0 0\n");
  const std::string tail = " 1 1 1 0 1 0 0 0 0 0 40 2 0 0 20 0 1 0 900 0 0\n";
  write("17/stat", "17 (x) (\x1b[2J) R" + tail);
  write("18/stat", "18 (a b) ) S" + tail);
  const ScopedEnv env("POWLAB_PROC_ROOT", dir.path());
  const auto r = run_powlab({"watch", "--interval", "0.1", "--duration", "0.3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  const json* a = find_pid(lines.back(), 17);
  const json* b = find_pid(lines.back(), 18);
  ASSERT_TRUE(a && b) << r.out;
  EXPECT_EQ(a->at("command"), "x) (\\x1b[2J");
  EXPECT_EQ(b->at("command"), "a b) ");
  EXPECT_EQ(a->at("cpu_percent"), 0);
  EXPECT_FALSE(a->at("flagged").get<bool>());
  const auto text = run_powlab({"watch", "--interval", "0.1", "--duration", "0.3", "--pid", "17", "--threshold", "0"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.find('\x1b'), std::string::npos);
  EXPECT_NE(text.out.find("pid 17 x) (\\x1b[2J: average 0.0%, at most 0.0% of one core, above 0% in 0 of 3 samples"), std::string::npos) << text.out;
  const auto gone = run_powlab({"watch", "--pid", "19", "--duration", "1"});
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_EQ(gone.err, "powlab watch: error: --pid 19: no such process (nothing at " + dir.path() + "/19/stat)\n");
}

// Bad input: one line, exit 2, nothing on stdout, and nothing watched.
TEST(Watch, BadInputIsExitTwo) {
  std::string pid_max = "4194304";
  std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;  // pids stay below it: this one never exists
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--interval", "0"}, "--interval must be a number of seconds, at least 0.1 (got 0)"},
      {{"--interval", "-1"}, "--interval must be"},
      {{"--interval", "nan"}, "--interval must be"},
      {{"--interval", "inf"}, "--interval must be"},
      {{"--interval", "0.01"}, "at least 0.1"},
      {{"--interval", "x"}, "--interval"},
      {{"--window", "0.5", "--interval", "1"}, "--window must be a number of seconds, at least one --interval (1 s)"},
      {{"--window", "inf"}, "--window must be"},
      {{"--window", "1000", "--interval", "0.1"}, "--window may span at most 1000 intervals"},
      {{"--threshold", "-1"}, "--threshold must be a percent of one core in [0, "},
      {{"--threshold", "1e9"}, "--threshold must be"},
      {{"--threshold", "nan"}, "--threshold must be"},
      {{"--duration", "0"}, "--duration must be a number of seconds, at least one --interval"},
      {{"--duration", "-3"}, "--duration must be"},
      {{"--duration", "nan"}, "--duration must be"},
      {{"--pid", "abc"}, "--pid: 'abc' is not a decimal integer"},
      {{"--pid", "-5"}, "--pid: '-5' is out of range"},
      {{"--pid", "1.5"}, "--pid: '1.5' is not a decimal integer"},
      {{"--pid", "0"}, "--pid: '0' is out of range"},
      {{"--pid", "99999999999"}, "out of range"},
      {{"--pid", pid_max}, "--pid " + pid_max + ": no such process"},
      {{"--pid", "1", "--pid", pid_max}, "--pid " + pid_max + ": no such process"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> full = {"watch", "--duration", "5"};
    if (args[0] == "--duration") full = {"watch"};
    full.insert(full.end(), args.begin(), args.end());
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_powlab(full);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("powlab watch: error: ")) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << "want '" << message << "' in: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.out, "") << r.out;
    EXPECT_LT(seconds_since(t0), 4) << "refused only after watching: " << args[0];
  }
}

// Every numeric option says its type in --help (docs/VOCABULARY.md).
TEST(Watch, HelpShowsNumericTypes) {
  const auto r = run_powlab({"watch", "--help"});
  ASSERT_EQ(r.exit_code, 0);
  for (const char* opt : {"--threshold NUM", "--window NUM", "--interval NUM", "--duration NUM", "--pid INT"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt << "\n" << r.out;
  }
}

// It only reads: no call in watch's code could signal, renice, trace or reschedule a process.
TEST(Watch, ItsCodeCannotTouchAProcess) {
  for (const char* file : {"cli/cmd_watch.cpp", "core/util/proc_stat.cpp", "core/util/include/powlab/util/proc_stat.h"}) {
    std::ifstream in(std::string(POWLAB_SOURCE_DIR) + "/" + file);
    ASSERT_TRUE(in) << file;
    const std::string code((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    static const std::regex forbidden(
        R"(\b(kill|killpg|tgkill|sigqueue|raise|setpriority|nice|sched_set\w+|ptrace|prlimit|pidfd_send_signal|process_vm_writev)\s*\()");
    std::smatch m;
    EXPECT_FALSE(std::regex_search(code, m, forbidden)) << file << ": " << m.str();
    EXPECT_EQ(code.find("O_WRONLY"), std::string::npos) << file;
    EXPECT_EQ(code.find("O_RDWR"), std::string::npos) << file;
  }
}

}  // namespace
}  // namespace powlab
