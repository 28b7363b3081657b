#include "powlab/util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "powlab/util/error.h"

namespace powlab {

namespace {

// Closes the descriptor on every path out, exceptions included.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

const char* kind_of(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "an unknown file type";
}

}  // namespace

std::string read_file(const std::string& path, std::uint64_t max_bytes, const char* what) {
  const std::string who = "cannot read " + path + ": ";
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, before fstat could
  // refuse it. It changes nothing for a regular file.
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (f.fd < 0) throw ParseError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw ParseError(who + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw ParseError(who + "is a directory");
  if (!S_ISREG(st.st_mode)) throw ParseError(who + "not a regular file (" + kind_of(st.st_mode) + ")");
  const std::string limit = "the " + std::to_string(max_bytes) + "-byte maximum for " + what;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) throw ParseError(who + std::to_string(size) + " bytes is larger than " + limit);

  std::string data;
  data.reserve(static_cast<std::size_t>(size));
  char buf[1 << 16];
  for (;;) {
    // Never ask for more than the maximum allows, plus one byte to see whether there is more
    // (written so that a maximum near 2^64 cannot wrap).
    const std::uint64_t left = max_bytes - data.size();
    const std::size_t want = left < sizeof buf ? static_cast<std::size_t>(left) + 1 : sizeof buf;
    const ssize_t n = ::read(f.fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ParseError(who + std::strerror(errno));
    }
    if (n == 0) break;
    // More bytes than fstat said: a file growing under us, or one (in /proc) whose size is 0.
    if (static_cast<std::uint64_t>(n) > left) {
      throw ParseError(who + "it gives more bytes than its size (" + std::to_string(size) + ") said, more than " + limit);
    }
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

}  // namespace powlab
