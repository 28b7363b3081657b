// `--events FILE.csv`: every event of a race, one row each, enough to replay and grade a lab
// exercise. Columns:
//   time    simulated seconds since the race began (event mode), or wall seconds (live mode)
//   node    the node's (miner's) name
//   kind    found | received | reorg | withheld | revealed
//           withheld: a selfish miner found the block and keeps it secret (in place of found);
//           revealed: it publishes a block it withheld (the block then travels as any other)
//   height  the block's height (reorg: the new tip's height)
//   hash    the block's hash in display order (reorg: the new tip)
//   parent  its parent's hash (reorg: the tip that was given up)
//   depth   reorg: blocks taken off the old chain; 0 for the other kinds
// Numbers are printed with fixed formats, so one seed gives a byte-identical file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "powlab/util/hex.h"

namespace powlab::sim {

enum class EventKind { found, received, reorg, withheld, revealed };
std::string_view to_string(EventKind k);

class EventLog {
 public:
  // Opens (truncates) `path` and writes the header row. Throws ParseError when it cannot.
  explicit EventLog(const std::string& path);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  void write(double time, std::string_view node, EventKind kind, std::int64_t height, const Hash256& hash,
             const Hash256& parent, std::uint64_t depth = 0);
  // Flushes and closes; throws std::runtime_error naming the file when any write failed.
  void close();
  std::uint64_t rows() const { return rows_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t rows_ = 0;
  int write_errno_ = 0;  // the first failed write's reason (ENOSPC on a full disk)
};

}  // namespace powlab::sim
