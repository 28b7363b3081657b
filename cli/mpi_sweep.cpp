// `race --mode event --mpi --sweep GRID` (issue 15): the grid's points dealt round-robin to the
// ranks (neighbouring points often cost alike, e.g. one delay over many seeds, so dealing them
// out balances better than cutting the grid in blocks), the rows gathered on rank 0 and printed
// in grid order by the same printer as the single-process sweep: the bytes are the same.
#include <iostream>

#include "command.h"
#include "mpi_commands.h"
#include "powlab/cluster/comm.h"

namespace powlab::cli {

int run_sweep_mpi(const std::string& text, const std::vector<std::string>& keys, const SweepOutput& out,
                  const SweepRun& one) {
  cluster::Comm comm;
  const auto rank = static_cast<std::size_t>(comm.rank()), size = static_cast<std::size_t>(comm.size());
  // Every rank parses the grid and validates every point (no race runs, so this is cheap), and
  // so every rank reaches the same verdict without a message. Rank 0 alone reports it (one
  // line, exit 2); the others end quietly with 0, because mpirun ends the whole job as soon as
  // one rank exits non-zero, and would cut rank 0 off before its line is written.
  SweepGrid grid;
  try {
    grid = parse_sweep(text, keys);
    for (std::size_t i = 0; i < sweep_size(grid); ++i) one(sweep_point(grid, i), true);
  } catch (const UsageError&) {
    if (rank == 0) throw;
    return kExitOk;
  }
  const std::size_t n = sweep_size(grid);
  // This rank's rows as [index, row] pairs; an unexpected failure travels as {"error": ...} so
  // that no rank is left waiting in the gather for one that threw.
  nlohmann::json mine = nlohmann::json::array();
  try {
    for (std::size_t i = rank; i < n; i += size) {
      const SweepPoint p = sweep_point(grid, i);
      mine.push_back({i, sweep_row(p, one(p, false))});
    }
  } catch (const std::exception& e) {
    mine = {{"error", "rank " + std::to_string(rank) + ": " + e.what()}};
  }
  const std::vector<std::string> all = comm.gather(mine.dump());
  if (rank != 0) return kExitOk;
  std::vector<nlohmann::json> rows(n);
  std::vector<bool> have(n, false);
  for (const std::string& text : all) {
    const nlohmann::json part = nlohmann::json::parse(text);
    if (part.is_object()) throw std::runtime_error(part["error"].get<std::string>());
    for (const nlohmann::json& pair : part) {
      const auto i = pair[0].get<std::size_t>();
      rows[i] = pair[1];
      have[i] = true;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!have[i]) throw std::runtime_error("sweep point " + std::to_string(i) + " came back from no rank");
  }
  print_sweep(rows, grid, out);
  return kExitOk;
}

}  // namespace powlab::cli
