#include "powlab/sim/topology.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>

#include "powlab/util/error.h"
#include "powlab/sim/miners.h"

namespace powlab::sim {

TopologySpec parse_topology(std::string_view text) {
  TopologySpec spec;
  if (text == "mesh") return spec;
  if (text.starts_with("random:")) {
    const std::string_view k = text.substr(7);
    if (k.empty() || k.size() > 9 || k.find_first_not_of("0123456789") != std::string_view::npos) {
      throw ParseError("--topology random:K needs a whole number K >= 1 (got '" + std::string(text) + "')");
    }
    spec.kind = TopologySpec::Kind::random;
    spec.degree = static_cast<std::uint32_t>(std::stoul(std::string(k)));
    if (spec.degree == 0) throw ParseError("--topology random:0 leaves every node alone; K must be >= 1");
    return spec;
  }
  throw ParseError("unknown topology '" + std::string(text) + "' (use mesh or random:K)");
}

std::string to_string(const TopologySpec& spec) {
  return spec.kind == TopologySpec::Kind::mesh ? "mesh" : "random:" + std::to_string(spec.degree);
}

Topology Topology::mesh(std::uint32_t nodes) {
  Topology t;
  t.nodes_ = nodes;
  t.mesh_ = true;
  return t;
}

Topology Topology::from_edges(std::uint32_t nodes, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> both;
  both.reserve(edges.size() * 2);
  for (auto [a, b] : edges) {
    if (a >= nodes || b >= nodes) throw ParseError("topology: link to a node that does not exist");
    if (a == b) continue;  // a self-link carries nothing
    both.emplace_back(a, b);
    both.emplace_back(b, a);
  }
  std::sort(both.begin(), both.end());
  both.erase(std::unique(both.begin(), both.end()), both.end());
  Topology t;
  t.nodes_ = nodes;
  t.offsets_.assign(nodes + 1, 0);
  for (auto [a, b] : both) ++t.offsets_[a + 1];
  for (std::uint32_t i = 0; i < nodes; ++i) t.offsets_[i + 1] += t.offsets_[i];
  t.adjacency_.reserve(both.size());
  for (auto [a, b] : both) t.adjacency_.push_back(b);
  return t;
}

Topology Topology::random(std::uint32_t nodes, std::uint32_t degree, Rng& rng) {
  if (nodes > 1 && degree >= nodes) {
    throw ParseError("--topology random:" + std::to_string(degree) + " needs more than " + std::to_string(degree) +
                     " nodes (have " + std::to_string(nodes) + ")");
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  if (nodes > 1) {
    edges.reserve(static_cast<std::size_t>(nodes) * degree);
    std::vector<std::uint32_t> picked;
    for (std::uint32_t u = 0; u < nodes; ++u) {
      picked.clear();
      while (picked.size() < degree) {
        // Draw among the others: shift past u so a node never picks itself.
        auto v = static_cast<std::uint32_t>(rng.below(nodes - 1));
        if (v >= u) ++v;
        if (std::find(picked.begin(), picked.end(), v) == picked.end()) picked.push_back(v);
      }
      for (std::uint32_t v : picked) edges.emplace_back(u, v);
    }
  }
  return from_edges(nodes, edges);
}

Topology Topology::build(std::uint32_t nodes, const TopologySpec& spec, Rng& rng) {
  return spec.kind == TopologySpec::Kind::mesh ? mesh(nodes) : random(nodes, spec.degree, rng);
}

std::uint64_t Topology::link_count() const {
  if (mesh_) return static_cast<std::uint64_t>(nodes_) * (nodes_ > 0 ? nodes_ - 1 : 0) / 2;
  return adjacency_.size() / 2;
}

std::vector<std::uint32_t> Topology::hops_from(std::uint32_t source) const {
  constexpr std::uint32_t kFar = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> hops(nodes_, kFar);
  if (source >= nodes_) return hops;
  hops[source] = 0;
  std::deque<std::uint32_t> queue{source};
  while (!queue.empty()) {
    const std::uint32_t u = queue.front();
    queue.pop_front();
    for_each_neighbor(u, [&](std::uint32_t v) {
      if (hops[v] == kFar) {
        hops[v] = hops[u] + 1;
        queue.push_back(v);
      }
    });
  }
  return hops;
}

void Topology::flood_order(std::uint32_t source, std::vector<std::uint32_t>& order,
                           std::vector<std::uint32_t>& layer_end, std::vector<std::uint8_t>& seen) const {
  order.clear();
  layer_end.clear();
  if (mesh_) {
    for (std::uint32_t v = 0; v < nodes_; ++v) {
      if (v != source) order.push_back(v);
    }
    if (!order.empty()) layer_end.push_back(static_cast<std::uint32_t>(order.size()));
    return;
  }
  seen[source] = 1;
  auto expand = [&](std::uint32_t u) {
    for (std::uint64_t i = offsets_[u]; i < offsets_[u + 1]; ++i) {
      const std::uint32_t v = adjacency_[i];
      if (seen[v] == 0) {
        seen[v] = 1;
        order.push_back(v);
      }
    }
  };
  expand(source);
  for (std::size_t begin = 0; begin < order.size();) {
    const std::size_t end = order.size();
    layer_end.push_back(static_cast<std::uint32_t>(end));
    for (std::size_t k = begin; k < end; ++k) expand(order[k]);
    begin = end;
  }
  seen[source] = 0;
  for (const std::uint32_t v : order) seen[v] = 0;
}

std::vector<std::uint32_t> Topology::unreachable() const {
  std::vector<std::uint32_t> out;
  if (nodes_ == 0) return out;
  if (mesh_) return out;
  const auto hops = hops_from(0);
  for (std::uint32_t v = 0; v < nodes_; ++v) {
    if (hops[v] == std::numeric_limits<std::uint32_t>::max()) out.push_back(v);
  }
  return out;
}

LatencySpec make_latency(std::string_view kind, double mean_ms) {
  if (std::isnan(mean_ms) || std::isinf(mean_ms)) throw ParseError("--delay-ms must be a finite number");
  if (mean_ms < 0) throw ParseError("--delay-ms must not be negative (got " + std::to_string(mean_ms) + ")");
  LatencySpec s;
  s.mean = mean_ms / 1000.0;
  if (kind == "fixed") {
    s.kind = LatencySpec::Kind::fixed;
  } else if (kind == "exp") {
    s.kind = LatencySpec::Kind::exponential;
  } else if (kind == "uniform") {
    s.kind = LatencySpec::Kind::uniform;
  } else {
    throw ParseError("unknown latency distribution '" + std::string(kind) + "' (use fixed, exp or uniform)");
  }
  return s;
}

std::string to_string(const LatencySpec& spec) {
  char buf[96];
  switch (spec.kind) {
    case LatencySpec::Kind::fixed: std::snprintf(buf, sizeof buf, "fixed %g ms", spec.mean * 1000.0); break;
    case LatencySpec::Kind::exponential:
      std::snprintf(buf, sizeof buf, "exponential, mean %g ms", spec.mean * 1000.0);
      break;
    case LatencySpec::Kind::uniform: std::snprintf(buf, sizeof buf, "uniform 0..%g ms", 2 * spec.mean * 1000.0); break;
  }
  return buf;
}

}  // namespace powlab::sim
