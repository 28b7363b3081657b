// Helpers shared by the test executables: reference data paths and running the CLI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "powlab/util/csv.h"

namespace powlab::test {

// A 32-bit field written in hex in the reference CSVs (bits, version), e.g. "1d00ffff".
inline std::uint32_t hex32(const std::string& s) { return static_cast<std::uint32_t>(std::stoul(s, nullptr, 16)); }

// Bitcoin's genesis block header, 80 bytes in hex (block 0 of mainnet).
inline constexpr const char* kGenesis =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e"
    "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

// A command line as one string, for failure messages.
inline std::string joined(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += a + " ";
  return s;
}

// Absolute path of a file under tests/data, e.g. data_path("headers/notable_headers.csv").
std::string data_path(const std::string& relative);
CsvTable data_csv(const std::string& relative);

struct CommandResult {
  int exit_code = -1;  // the process's exit status; 128+N when killed by signal N
  std::string out;
  std::string err;
};

// Runs the built powlab binary with `args` (no shell involved), feeding `stdin_data`.
CommandResult run_powlab(const std::vector<std::string>& args, const std::string& stdin_data = "");

// The whole file (powlab's bounded read_file): throws, naming the OS reason, when it cannot be
// read, so a test comparing a file it expected is never comparing an empty string.
std::string slurp(const std::string& path);

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace powlab::test
