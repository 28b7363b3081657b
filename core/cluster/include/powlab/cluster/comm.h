// The one door to MPI (issue 15). Everything above this layer speaks in ranks, strings of
// bytes and ranges; no header here includes <mpi.h>, so only this library compiles against it.
//
// Threading: MPI is initialised with MPI_THREAD_FUNNELED. Only the thread that built the Comm
// calls MPI; the TBB search threads never do. Open MPI's progress then happens inside our own
// calls, so a rank that waits for a message must call into MPI now and then (test, not spin).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace powlab::cluster {

class ClusterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// MPI_Init on construction, MPI_Finalize on destruction: build one only when `--mpi` was
// given, so that a plain `powlab bench` never touches MPI. Not copyable; at most one per process.
class Comm {
 public:
  Comm();
  ~Comm();
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  std::string host() const;  // MPI_Get_processor_name

  void barrier();
  // Every rank's `mine`, on rank 0 in rank order; every other rank gets an empty vector.
  std::vector<std::string> gather(const std::string& mine);
  // `text` as `root` had it, on every rank.
  std::string broadcast(const std::string& text, int root = 0);
  // Point to point, tagged. `send` returns once `bytes` may be reused; powlab's messages (a
  // block of a few hundred bytes) go out eagerly, so it does not wait for the receiver.
  void send(int dest, int tag, const std::vector<std::uint8_t>& bytes);
  struct Message {
    int source = 0;
    int tag = 0;
    std::vector<std::uint8_t> bytes;
  };
  // The next message from `source` (kAny: any) with `tag` (kAny: any), received; nullopt at
  // once when none is waiting (MPI_Iprobe: never blocks, so a caller can sleep between polls
  // and leave the CPU to its search threads).
  static constexpr int kAny = -1;
  std::optional<Message> poll(int source, int tag);
  // MPI_Abort: every rank of the job ends with `code` (for an error on one rank that the others
  // would otherwise wait for forever).
  [[noreturn]] void abort(int code);

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Half-open [begin, end).
struct Range {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t size() const { return end - begin; }
};

// Part `index` of `parts` near-equal, disjoint, consecutive pieces of [begin, end): the first
// (end - begin) % parts pieces are one longer. Their union is [begin, end) exactly. Pure.
Range split_range(std::uint64_t begin, std::uint64_t end, std::uint64_t parts, std::uint64_t index);

}  // namespace powlab::cluster
