// The throttle is measured CPU time, so these run alone (CTest RUN_SERIAL, see
// tests/CMakeLists.txt): a correctness check of the duty cycle, not of speed.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ledger_util.h"
#include "powlab/mining/miner.h"
#include "powlab/consensus/network.h"
#include "test_util.h"

namespace powlab {
namespace {

using test::lab_with_bits;
using test::serial_request;
using test::json_lines;

using nlohmann::json;
using test::run_powlab;

double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double rusage_cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return cpu_seconds(u);
}

// The throttle is a correctness property: measured independently (getrusage) the process
// uses about a quarter of one thread.
TEST(Throttle, QuarterUsesAQuarterOfTheCpu) {
  ChainState chain(lab_with_bits(0x1a00ffff));
  MineRequest r = serial_request();
  r.throttle = 0.25;
  r.max_seconds = 2.0;
  const double cpu0 = rusage_cpu_seconds(RUSAGE_SELF);
  const auto t0 = std::chrono::steady_clock::now();
  const MineResult m = mine_block(chain, r);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double measured = (rusage_cpu_seconds(RUSAGE_SELF) - cpu0) / wall;
  EXPECT_TRUE(m.budget_exhausted);
  EXPECT_NEAR(measured, 0.25, 0.1) << "getrusage";
  EXPECT_GT(m.hashes, 0u);
}

// The CLI's figure is the miner's own measure of itself; the kernel's accounting of the child
// process (RUSAGE_CHILDREN, filled in when run_powlab waits for it) is the independent one.
// This test process runs nothing else meanwhile (RUN_SERIAL, one child at a time), so the
// children's CPU delta is the miner's.
TEST(Throttle, CliChildUsesTheQuarterItReports) {
  const double cpu0 = rusage_cpu_seconds(RUSAGE_CHILDREN);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_powlab({"mine", "--bits", "0x1c00ffff", "--threads", "1", "--throttle", "0.25", "--max-seconds",
                             "3", "--json"});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double child = (rusage_cpu_seconds(RUSAGE_CHILDREN) - cpu0) / wall;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["throttle"], 0.25);
  EXPECT_NEAR(child, 0.25, 0.1) << "rusage of the child: " << r.out;
  ASSERT_TRUE(lines[0]["cpu_fraction"].is_number()) << r.out;
  EXPECT_NEAR(lines[0]["cpu_fraction"].get<double>(), child, 0.1) << "the report against rusage: " << r.out;
}

// A run that ends within the first duty cycles cannot show the fraction asked for (the first
// slice runs unthrottled): the CLI says so instead of printing a figure near 1.
TEST(Throttle, TooShortARunSaysSo) {
  auto r = run_powlab({"mine", "--zeros", "4", "--threads", "1", "--throttle", "0.25", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_TRUE(lines[1]["cpu_fraction"].is_null()) << r.out;
  EXPECT_TRUE(lines[1]["cpu_fraction_min_seconds"].is_number()) << r.out;
  r = run_powlab({"mine", "--zeros", "4", "--threads", "1", "--throttle", "0.25"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("too short to measure the CPU fraction"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("measured CPU"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace powlab
