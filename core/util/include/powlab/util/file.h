// Reading a whole input file without trusting it. Every command that loads a file (a chain
// file, a header file, a CSV) goes through read_file, so none of them can be made to block on
// a FIFO, spin on /dev/zero, or allocate gigabytes before any check.
#pragma once

#include <cstdint>
#include <string>

namespace powlab {

// The default limit for text and header inputs: 1 GiB. Every mainnet header to date
// (~900,000) as 161-byte hex lines is about 145 MB, so a real input fits several times over.
inline constexpr std::uint64_t kMaxInputFileBytes = std::uint64_t{1} << 30;

// The bytes of the regular file at `path`, at most `max_bytes` of them. Throws ParseError, one
// message per case, each starting "cannot read PATH: ":
//   "is a directory"
//   "not a regular file (a FIFO)"  (also a character device, block device, socket)
//   "N bytes is larger than the M-byte maximum for WHAT"   (`what` names the kind of file)
//   the OS reason (strerror) when it cannot be opened or read ("cannot open PATH: ...").
// The type and size are checked on the open descriptor (fstat), before any byte is read; a
// FIFO is opened non-blocking so the open itself cannot hang. Never buffers more than
// max_bytes: a file that yields more than its size said (growing, or a /proc file) and
// passes the maximum is refused too.
std::string read_file(const std::string& path, std::uint64_t max_bytes = kMaxInputFileBytes,
                      const char* what = "an input file");

}  // namespace powlab
