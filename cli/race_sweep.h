// `race --sweep "delay-ms=1000,5000;seed=1..8"`: a grid of event races, one row each, printed in
// grid order as CSV or a JSON array. The same grid gives the same bytes on one process, on one
// MPI rank or on many (issue 15): rows hold results of the race only, never timings.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace powlab::cli {

struct SweepAxis {
  std::string key;                  // a race option without its dashes, e.g. "delay-ms"
  std::vector<std::string> values;  // as the user wrote them; "1..3" expanded to 1, 2, 3
};
using SweepGrid = std::vector<SweepAxis>;
using SweepPoint = std::vector<std::pair<std::string, std::string>>;  // key, value; axis order

// "key=v1,v2;key=a..b": axes separated by ';', values by ','; an integer range a..b (a <= b).
// Keys must be in `keys`, each at most once; at most kMaxSweepPoints points. UsageError
// (exit 2) naming the problem otherwise.
inline constexpr std::size_t kMaxSweepPoints = 100'000;
SweepGrid parse_sweep(const std::string& text, const std::vector<std::string>& keys);
std::size_t sweep_size(const SweepGrid& grid);
// Point `index` of the grid: the first axis varies slowest, the last fastest.
SweepPoint sweep_point(const SweepGrid& grid, std::size_t index);

// One race at `point` (the race's own options with the point's values on top); with
// `check_only` it only validates them (a UsageError for a bad value) and returns null.
using SweepRun = std::function<nlohmann::json(const SweepPoint& point, bool check_only)>;

struct SweepOutput {
  bool json = false;  // a JSON array; otherwise CSV
};

// The row printed for one grid point: the point's values, then the race's JSON without the
// keys that measure this machine rather than the race (wall and CPU seconds).
nlohmann::json sweep_row(const SweepPoint& point, nlohmann::json race);
// Prints `rows` (in grid order) to stdout.
void print_sweep(const std::vector<nlohmann::json>& rows, const SweepGrid& grid, const SweepOutput& out);

// Every grid point in this process, in order (no --mpi).
int run_sweep_local(const SweepGrid& grid, const SweepOutput& out, const SweepRun& one);

}  // namespace powlab::cli
