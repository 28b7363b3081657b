#include "race_sweep.h"

#include <algorithm>
#include <charconv>
#include <iostream>

#include "command.h"

namespace powlab::cli {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t at = text.find(sep, pos);
    out.push_back(text.substr(pos, at == std::string::npos ? std::string::npos : at - pos));
    if (at == std::string::npos) return out;
    pos = at + 1;
  }
}

bool parse_u64(const std::string& text, std::uint64_t& v) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  return !text.empty() && ec == std::errc() && ptr == end;
}

// The keys of a race's JSON that measure this machine, not the race: dropped from sweep rows,
// or the same grid would never give the same bytes twice.
constexpr const char* kTimingKeys[] = {"wall_seconds", "cpu_seconds"};
// CSV: the grid's keys, then these summary figures of each race (the JSON array has them all).
constexpr const char* kCsvKeys[] = {"blocks_found", "best_chain_blocks", "stale_blocks", "stale_rate",
                                    "stale_rate_formula", "stale_rate_simple", "mean_interval", "nodes_agree"};

}  // namespace

SweepGrid parse_sweep(const std::string& text, const std::vector<std::string>& keys) {
  const std::string known = [&] {
    std::string s;
    for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
    return s;
  }();
  SweepGrid grid;
  std::size_t points = 1;
  for (const std::string& axis : split(text, ';')) {
    const std::size_t eq = axis.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == axis.size()) {
      throw UsageError("--sweep: '" + axis + "' is not KEY=VALUES (e.g. \"delay-ms=1000,5000;seed=1..8\")");
    }
    SweepAxis a{axis.substr(0, eq), {}};
    if (std::find(keys.begin(), keys.end(), a.key) == keys.end()) {
      throw UsageError("--sweep: '" + a.key + "' cannot be swept (known: " + known + ")");
    }
    for (const SweepAxis& b : grid) {
      if (b.key == a.key) throw UsageError("--sweep: '" + a.key + "' is given twice");
    }
    for (const std::string& v : split(axis.substr(eq + 1), ',')) {
      if (v.empty()) throw UsageError("--sweep: an empty value for '" + a.key + "'");
      const std::size_t dots = v.find("..");
      if (dots == std::string::npos) {
        a.values.push_back(v);
        continue;
      }
      std::uint64_t lo = 0, hi = 0;
      if (!parse_u64(v.substr(0, dots), lo) || !parse_u64(v.substr(dots + 2), hi) || lo > hi) {
        throw UsageError("--sweep: '" + v + "' is not a range A..B of whole numbers with A <= B");
      }
      if (hi - lo >= kMaxSweepPoints) throw UsageError("--sweep: the range '" + v + "' is too long");
      for (std::uint64_t i = lo;; ++i) {
        a.values.push_back(std::to_string(i));
        if (i == hi) break;
      }
    }
    points *= a.values.size();
    if (points > kMaxSweepPoints) {
      throw UsageError("--sweep: more than " + std::to_string(kMaxSweepPoints) + " grid points");
    }
    grid.push_back(std::move(a));
  }
  return grid;
}

std::size_t sweep_size(const SweepGrid& grid) {
  std::size_t n = 1;
  for (const SweepAxis& a : grid) n *= a.values.size();
  return n;
}

SweepPoint sweep_point(const SweepGrid& grid, std::size_t index) {
  SweepPoint p(grid.size());
  for (std::size_t i = grid.size(); i-- > 0;) {
    const std::size_t n = grid[i].values.size();
    p[i] = {grid[i].key, grid[i].values[index % n]};
    index /= n;
  }
  return p;
}

nlohmann::json sweep_row(const SweepPoint& point, nlohmann::json race) {
  for (const char* k : kTimingKeys) race.erase(k);
  nlohmann::json at = nlohmann::json::object();
  for (const auto& [k, v] : point) at[k] = v;
  race["sweep"] = at;
  return race;
}

void print_sweep(const std::vector<nlohmann::json>& rows, const SweepGrid& grid, const SweepOutput& out) {
  if (out.json) {
    print_json(nlohmann::json(rows));
    return;
  }
  std::string line;
  for (const SweepAxis& a : grid) line += a.key + ",";
  for (const char* k : kCsvKeys) line += std::string(k) + ",";
  line.back() = '\n';
  std::cout << line;
  for (const nlohmann::json& r : rows) {
    line.clear();
    // Grid values never hold ',' (it separates them in --sweep), so no CSV quoting is needed.
    for (const SweepAxis& a : grid) line += r["sweep"][a.key].get<std::string>() + ",";
    for (const char* k : kCsvKeys) line += r[k].dump() + ",";
    line.back() = '\n';
    std::cout << line;
  }
  std::cout << std::flush;
}

int run_sweep_local(const SweepGrid& grid, const SweepOutput& out, const SweepRun& one) {
  const std::size_t n = sweep_size(grid);
  for (std::size_t i = 0; i < n; ++i) one(sweep_point(grid, i), true);  // every bad value before any race
  std::vector<nlohmann::json> rows;
  for (std::size_t i = 0; i < n; ++i) {
    const SweepPoint p = sweep_point(grid, i);
    rows.push_back(sweep_row(p, one(p, false)));
  }
  print_sweep(rows, grid, out);
  return kExitOk;
}

}  // namespace powlab::cli
