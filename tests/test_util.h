// Helpers shared by the test executables: reference data paths and running the CLI.
#pragma once

#include <string>
#include <vector>

#include "powlab/util/csv.h"

namespace powlab::test {

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
