// A lab network whose retarget is degenerate is refused before the race starts (issue 9 part
// 3). Before, `race --interval 1 --retarget 2` let a retarget reach nBits 0, the block tree's
// old "unknown" marker, and ended in "internal error: next nBits needs history before the anchor".
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace powlab {
namespace {

using test::run_powlab;

TEST(CliNetwork, DegenerateRetargetIsRefusedWithTheLimit) {
  const std::string quarter =
      "powlab race: error: lab network: retarget timespan (block interval x retarget window) must be at least 4 s "
      "(got 2 s): its quarter, the retarget's lower clamp, would be 0 s and the target could become 0\n";
  auto r = run_powlab({"race", "--nodes", "2", "--blocks", "40", "--interval", "1", "--retarget", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, quarter);
  EXPECT_EQ(r.out, "");
  r = run_powlab({"race", "--nodes", "2", "--blocks", "200", "--interval", "1", "--retarget", "3", "--seed", "4"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("at least 4 s (got 3 s)"), std::string::npos) << r.err;
  r = run_powlab({"race", "--nodes", "2", "--blocks", "40", "--interval", "1", "--retarget", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "powlab race: error: lab network: retarget interval must be 2..1000000 blocks (got 1): a 1-block window "
            "measures no time\n");
}

// The smallest accepted timespan, 4 s, runs to the end however often blocks share a second.
TEST(CliNetwork, SmallestAcceptedTimespanRunsToTheEnd) {
  for (const char* seed : {"1", "4", "7"}) {
    const auto r = run_powlab({"race", "--nodes", "2", "--blocks", "200", "--interval", "1", "--retarget", "4",
                               "--seed", seed});
    EXPECT_EQ(r.exit_code, 0) << "seed " << seed << ": " << r.err;
  }
}

}  // namespace
}  // namespace powlab
