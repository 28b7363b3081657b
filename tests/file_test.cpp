// read_file (core/util/file.h): every input file powlab loads is refused, with its own
// message, when it is a directory, a FIFO, a device, too large, or missing, and nothing is
// read before the type and size are known. The chain-file and header-file loaders use it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "powlab/ledger/header_io.h"
#include "powlab/ledger/store.h"
#include "powlab/util/error.h"
#include "powlab/util/file.h"
#include "test_util.h"

namespace powlab {
namespace {

// The chain format's largest file, from the layout in store.h: 8 magic + 4 version + 8 length,
// a payload of at most 2^32 bytes (store.cpp's kMaxPayload), then the 32-byte checksum.
constexpr std::uint64_t kChainMax = 8 + 4 + 8 + (std::uint64_t{1} << 32) + 32;  // 4294967348

template <class F>
std::string file_refusal(F&& f) {
  try {
    f();
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(no error)";
}

// A file of `size` bytes that uses no disk: ftruncate extends it with a hole.
void make_sparse(const std::string& path, std::uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  ::close(fd);
}

void write_text(const std::string& path, const std::string& s) { std::ofstream(path, std::ios::binary) << s; }

TEST(ReadFile, RegularFileWholeUpToTheExactMaximum) {
  test::TempDir dir;
  write_text(dir.file("f"), "0123456789");
  EXPECT_EQ(read_file(dir.file("f"), 10), "0123456789");  // exactly the maximum: read
  EXPECT_EQ(read_file(dir.file("f")), "0123456789");
  write_text(dir.file("empty"), "");
  EXPECT_EQ(read_file(dir.file("empty"), 0), "");
}

TEST(ReadFile, OneByteOverTheMaximumIsRefusedNamingIt) {
  test::TempDir dir;
  write_text(dir.file("f"), "0123456789");
  EXPECT_EQ(file_refusal([&] { read_file(dir.file("f"), 9, "a test file"); }),
            "cannot read " + dir.file("f") + ": 10 bytes is larger than the 9-byte maximum for a test file");
}

// A /proc file says size 0 and holds more: the size check passes, the read must stop anyway.
TEST(ReadFile, MoreBytesThanTheSizeSaidStopAtTheMaximum) {
  EXPECT_EQ(file_refusal([] { read_file("/proc/self/status", 10, "a test file"); }),
            "cannot read /proc/self/status: it gives more bytes than its size (0) said, more than the 10-byte "
            "maximum for a test file");
  EXPECT_GT(read_file("/proc/self/status").size(), 10u);  // under the default maximum: read whole
}

TEST(ReadFile, DirectoryIsADirectory) {
  test::TempDir dir;
  EXPECT_EQ(file_refusal([&] { read_file(dir.path()); }), "cannot read " + dir.path() + ": is a directory");
}

TEST(ReadFile, FifoIsRefusedWithoutWaitingForAWriter) {
  test::TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // No writer ever opens it: a blocking open would hang here (the ctest timeout would say so).
  EXPECT_EQ(file_refusal([&] { read_file(fifo); }), "cannot read " + fifo + ": not a regular file (a FIFO)");
}

TEST(ReadFile, DevZeroIsRefusedBeforeAnyRead) {
  EXPECT_EQ(file_refusal([] { read_file("/dev/zero"); }), "cannot read /dev/zero: not a regular file (a character device)");
}

TEST(ReadFile, MissingFileGivesTheOsReason) {
  test::TempDir dir;
  EXPECT_EQ(file_refusal([&] { read_file(dir.file("nope")); }), "cannot open " + dir.file("nope") + ": No such file or directory");
  write_text(dir.file("plain"), "x");  // a path through a file: refused even for root
  EXPECT_EQ(file_refusal([&] { read_file(dir.file("plain") + "/x"); }), "cannot open " + dir.file("plain") + "/x: Not a directory");
}

TEST(ReadFile, UnreadableFileGivesTheOsReason) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads a mode-000 file";
  test::TempDir dir;
  write_text(dir.file("secret"), "x");
  ASSERT_EQ(::chmod(dir.file("secret").c_str(), 0), 0);
  EXPECT_EQ(file_refusal([&] { read_file(dir.file("secret")); }), "cannot open " + dir.file("secret") + ": Permission denied");
}

// ---- the loaders that use it ----

TEST(ReadFile, ChainFileRefusesEachKindWithItsMessage) {
  test::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("pipe").c_str(), 0600), 0);
  EXPECT_EQ(file_refusal([&] { read_chain_file(dir.path()); }), "cannot read " + dir.path() + ": is a directory");
  EXPECT_EQ(file_refusal([&] { read_chain_file(dir.file("pipe")); }),
            "cannot read " + dir.file("pipe") + ": not a regular file (a FIFO)");
  EXPECT_EQ(file_refusal([] { read_chain_file("/dev/zero"); }),
            "cannot read /dev/zero: not a regular file (a character device)");
}

TEST(ReadFile, ChainFileOverTheFormatMaximumIsRefusedUnread) {
  test::TempDir dir;
  const std::string big = dir.file("big.chain");
  make_sparse(big, kChainMax + 1);  // a hole: no disk used, and nothing of it may be read
  EXPECT_EQ(file_refusal([&] { read_chain_file(big); }),
            "cannot read " + big + ": 4294967349 bytes is larger than the 4294967348-byte maximum for a chain file");
  // At exactly the maximum the size check passes and the decoder judges the bytes. Reading
  // 4 GiB of zeros is too slow for a unit test, so the boundary is tested at read_file level
  // (RegularFileWholeUpToTheExactMaximum).
}

TEST(ReadFile, HeaderFileRefusesEachKindWithItsMessage) {
  test::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("pipe").c_str(), 0600), 0);
  EXPECT_EQ(file_refusal([&] { load_header_file(dir.path()); }), "cannot read " + dir.path() + ": is a directory");
  EXPECT_EQ(file_refusal([&] { load_header_file(dir.file("pipe")); }),
            "cannot read " + dir.file("pipe") + ": not a regular file (a FIFO)");
  EXPECT_EQ(file_refusal([] { load_header_file("/dev/zero"); }),
            "cannot read /dev/zero: not a regular file (a character device)");
  make_sparse(dir.file("big.bin"), kMaxInputFileBytes + 1);
  EXPECT_EQ(file_refusal([&] { load_header_file(dir.file("big.bin")); }),
            "cannot read " + dir.file("big.bin") +
                ": 1073741825 bytes is larger than the 1073741824-byte maximum for a header file");
}

}  // namespace
}  // namespace powlab
