#include "powlab/cluster/comm.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace powlab::cluster {

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw ClusterError(std::string(what) + ": " + std::string(text, static_cast<std::size_t>(len)));
}

int checked_int(std::size_t n, const char* what) {
  // MPI counts are int: a message past 2 GiB would be truncated silently.
  if (n > static_cast<std::size_t>(INT_MAX)) throw ClusterError(std::string(what) + ": message over 2 GiB");
  return static_cast<int>(n);
}

}  // namespace

Comm::Comm() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised != 0) throw ClusterError("MPI is already initialised in this process");
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  // Errors come back as codes (and become ClusterError) instead of aborting inside MPI, so a
  // message can name what failed. A peer that dies is still noticed by mpirun, which ends the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Comm::~Comm() { MPI_Finalize(); }

std::string Comm::host() const {
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  return std::string(name, static_cast<std::size_t>(len));
}

void Comm::barrier() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

std::vector<std::string> Comm::gather(const std::string& mine) {
  const int len = checked_int(mine.size(), "gather");
  std::vector<int> lens(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
  check(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::vector<int> offsets(lens.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < lens.size(); ++i) {
    offsets[i] = checked_int(total, "gather");
    total += static_cast<std::size_t>(lens[i]);
  }
  checked_int(total, "gather");
  std::string all(total, '\0');
  check(MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lens.size(); ++i) {
    out.push_back(all.substr(static_cast<std::size_t>(offsets[i]), static_cast<std::size_t>(lens[i])));
  }
  return out;
}

std::string Comm::broadcast(const std::string& text, int root) {
  std::uint64_t n = text.size();
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
  std::string out = rank_ == root ? text : std::string(n, '\0');
  check(MPI_Bcast(out.data(), checked_int(out.size(), "broadcast"), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
  return out;
}

void Comm::send(int dest, int tag, const std::vector<std::uint8_t>& bytes) {
  check(MPI_Send(bytes.data(), checked_int(bytes.size(), "send"), MPI_BYTE, dest, tag, MPI_COMM_WORLD), "MPI_Send");
}

std::optional<Comm::Message> Comm::poll(int source, int tag) {
  int flag = 0;
  MPI_Status st;
  check(MPI_Iprobe(source == kAny ? MPI_ANY_SOURCE : source, tag == kAny ? MPI_ANY_TAG : tag, MPI_COMM_WORLD, &flag, &st),
        "MPI_Iprobe");
  if (flag == 0) return std::nullopt;
  int n = 0;
  check(MPI_Get_count(&st, MPI_BYTE, &n), "MPI_Get_count");
  Message m{st.MPI_SOURCE, st.MPI_TAG, std::vector<std::uint8_t>(static_cast<std::size_t>(n))};
  check(MPI_Recv(m.bytes.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
  return m;
}

void Comm::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest if it ever did
}

Range split_range(std::uint64_t begin, std::uint64_t end, std::uint64_t parts, std::uint64_t index) {
  if (parts == 0 || index >= parts || end < begin) throw ClusterError("split_range: bad arguments");
  const std::uint64_t n = end - begin, base = n / parts, extra = n % parts;
  const std::uint64_t first = begin + index * base + std::min(index, extra);
  return {first, first + base + (index < extra ? 1 : 0)};
}

}  // namespace powlab::cluster
