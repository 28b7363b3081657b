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

double rusage_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// The throttle is a correctness property: measured independently (getrusage) the process
// uses about a quarter of one thread.
TEST(Throttle, QuarterUsesAQuarterOfTheCpu) {
  ChainState chain(lab_with_bits(0x1a00ffff));
  MineRequest r = serial_request();
  r.throttle = 0.25;
  r.max_seconds = 2.0;
  const double cpu0 = rusage_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const MineResult m = mine_block(chain, r);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double measured = (rusage_cpu_seconds() - cpu0) / wall;
  EXPECT_TRUE(m.budget_exhausted);
  EXPECT_NEAR(measured, 0.25, 0.1) << "getrusage";
  EXPECT_NEAR(m.cpu_fraction, 0.25, 0.1) << "the miner's own report";
  EXPECT_GT(m.hashes, 0u);
}

TEST(Throttle, CliReportsTheMeasuredQuarter) {
  const auto r = run_powlab({"mine", "--bits", "0x1c00ffff", "--threads", "1", "--throttle", "0.25", "--max-seconds",
                             "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["throttle"], 0.25);
  EXPECT_NEAR(lines[0]["cpu_fraction"].get<double>(), 0.25, 0.1) << r.out;
}

}  // namespace
}  // namespace powlab
