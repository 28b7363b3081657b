// Commands that load a file refuse a directory, a FIFO, a device or an oversize file with
// exit 2 and one line naming the problem (issue 9 part 3, issue 10 "A directory gives 'is a
// directory'"). Before, a directory read as "empty file (0 bytes)" and /dev/zero was read
// until memory ran out.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace powlab {
namespace {

using test::run_powlab;

// One line on stderr: "powlab SUBCOMMAND: error: MESSAGE", nothing on stdout, exit 2.
void expect_refused(const std::vector<std::string>& args, const std::string& sub, const std::string& message) {
  const test::CommandResult r = run_powlab(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "powlab " + sub + ": error: " + message + "\n");
  EXPECT_EQ(r.out, "");
}

TEST(CliFiles, DirectoryIsADirectoryForEveryCommandThatLoadsAFile) {
  test::TempDir dir;
  const std::string d = dir.path();
  const std::string msg = "cannot read " + d + ": is a directory";
  expect_refused({"mine", "--chain", d, "--blocks", "1", "--zeros", "8", "--threads", "1"}, "mine", msg);
  expect_refused({"send", "--chain", d, "--from", "alice", "--to", "bob", "--amount", "1"}, "send", msg);
  expect_refused({"chain", "show", d}, "chain show", msg);
  expect_refused({"chain", "verify", d}, "chain verify", msg);
  expect_refused({"verify", d}, "verify", msg);
}

TEST(CliFiles, DevZeroIsRefusedNotReadForever) {
  const std::string msg = "cannot read /dev/zero: not a regular file (a character device)";
  expect_refused({"chain", "show", "/dev/zero"}, "chain show", msg);
  expect_refused({"verify", "/dev/zero"}, "verify", msg);
}

TEST(CliFiles, FifoIsRefusedWithoutWaitingForAWriter) {
  test::TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string msg = "cannot read " + fifo + ": not a regular file (a FIFO)";
  expect_refused({"chain", "show", fifo}, "chain show", msg);
  expect_refused({"mine", "--chain", fifo, "--blocks", "1", "--zeros", "8", "--threads", "1"}, "mine", msg);
}

TEST(CliFiles, ChainFileOverTheFormatMaximumIsRefusedUnread) {
  test::TempDir dir;
  const std::string big = dir.file("big.chain");
  const int fd = ::open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  // 20-byte preamble + 2^32 payload + 32-byte checksum = 4294967348, the format's maximum;
  // one byte more, as a hole that uses no disk.
  ASSERT_EQ(::ftruncate(fd, 4294967349), 0);
  ::close(fd);
  expect_refused({"chain", "show", big}, "chain show",
                 "cannot read " + big + ": 4294967349 bytes is larger than the 4294967348-byte maximum for a chain file");
}

}  // namespace
}  // namespace powlab
