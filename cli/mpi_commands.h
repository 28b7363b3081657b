// The `--mpi` paths of bench and race (issue 15), called from the subcommands' own files by a
// one-line hook. With MPI built they live in cmd_bench_mpi.cpp and mpi_sweep.cpp; without it,
// mpi_missing.cpp answers every one with a UsageError that says how to build them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "powlab/consensus/params.h"
#include "powlab/sim/race.h"
#include "race_sweep.h"

namespace powlab::cli {

// What --mpi needs to say when MPI was not built (exit 2).
inline constexpr char kMpiMissing[] =
    "--mpi: this powlab was built without MPI; install Open MPI (apt-get install openmpi-bin libopenmpi-dev) "
    "and configure with -DPOWLAB_MPI=ON, then run it under mpirun";

struct BenchMpiArgs {
  std::string kernel;            // "" = the selected kernel; "all" is refused
  std::vector<unsigned> threads; // exactly one entry: threads per rank
  double seconds = 2;            // measuring time, split over the repeats
  unsigned repeats = 5;
  bool json = false;
};

// `mpirun -np N powlab bench --mpi`: every rank runs this; rank 0 prints.
int run_bench_mpi(const BenchMpiArgs& args);

// `mpirun -np N powlab mine --mpi --chain F` (cmd_mine_mpi.cpp): rank 0 owns F and the
// templates; every rank searches its own extranonce range.
struct MineMpiArgs {
  std::string chain;
  std::int64_t blocks = 1;
  unsigned threads = 0;  // per rank; 0 = every core
  std::string kernel;
  std::string miner = "miner";
  bool json = false;
  std::function<ConsensusParams()> new_network;  // rank 0, when F does not exist yet
};
int run_mine_mpi(const MineMpiArgs& args);

// `mpirun -np N powlab race --mode live --mpi --nodes N` (cmd_race_live_mpi.cpp): each rank one
// node with its own block tree; rank 0 prints the summary with `print`, as race prints its own.
struct LiveMpiArgs {
  bool calibrate = true;  // no --bits: rank 0 measures and sets the difficulty
  double delay_ms = 0;
  std::string latency = "fixed";
  std::string topology = "mesh";
};
int run_race_live_mpi(sim::RaceConfig config, const LiveMpiArgs& args,
                      const std::function<void(const sim::RaceResult&)>& print);

// `mpirun -np N powlab race --mode event --mpi --sweep GRID` (mpi_sweep.cpp): rank r runs the
// grid points i with i % N == r, and rank 0 prints every row in grid order.
// The grid is parsed (parse_sweep, with `keys`) on every rank, and only rank 0 reports an error.
int run_sweep_mpi(const std::string& grid, const std::vector<std::string>& keys, const SweepOutput& out,
                  const SweepRun& one);

}  // namespace powlab::cli
