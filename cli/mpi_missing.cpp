// The `--mpi` entry points of a build without MPI: each refuses with one line saying how to
// build it (exit 2), so the option exists, and says the same thing, in every build.
#include "command.h"
#include "mpi_commands.h"

namespace powlab::cli {

int run_bench_mpi(const BenchMpiArgs&) { throw UsageError(kMpiMissing); }
int run_mine_mpi(const MineMpiArgs&) { throw UsageError(kMpiMissing); }
int run_race_live_mpi(sim::RaceConfig, const LiveMpiArgs&, const std::function<void(const sim::RaceResult&)>&) {
  throw UsageError(kMpiMissing);
}
int run_sweep_mpi(const std::string&, const std::vector<std::string>&, const SweepOutput&, const SweepRun&) { throw UsageError(kMpiMissing); }

}  // namespace powlab::cli
