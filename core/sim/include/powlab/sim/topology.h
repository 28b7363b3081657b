// Who talks to whom, and how long a message takes. Links are undirected. A full mesh is kept
// implicit (10,000 nodes would be 50 million links); a random topology is stored as compressed
// adjacency lists.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/sim/rng.h"

namespace powlab::sim {

struct TopologySpec {
  enum class Kind { mesh, random };
  Kind kind = Kind::mesh;
  std::uint32_t degree = 0;  // random: links each node opens (its degree is at least this)
};

// "mesh" or "random:K" (K >= 1). Throws ParseError.
TopologySpec parse_topology(std::string_view text);
std::string to_string(const TopologySpec& spec);

class Topology {
 public:
  static Topology mesh(std::uint32_t nodes);
  // Each node opens `degree` links to distinct random peers (as a Bitcoin node opens its
  // outbound connections); a link opened both ways counts once. Requires degree < nodes.
  static Topology random(std::uint32_t nodes, std::uint32_t degree, Rng& rng);
  // From explicit undirected edges, for tests and hand-made lab exercises.
  static Topology from_edges(std::uint32_t nodes, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges);
  static Topology build(std::uint32_t nodes, const TopologySpec& spec, Rng& rng);

  std::uint32_t size() const { return nodes_; }
  bool is_mesh() const { return mesh_; }
  std::uint64_t link_count() const;

  // Calls f(v) for every neighbour v of u, in increasing order.
  template <class F>
  void for_each_neighbor(std::uint32_t u, F&& f) const {
    if (mesh_) {
      for (std::uint32_t v = 0; v < nodes_; ++v) {
        if (v != u) f(v);
      }
    } else {
      for (std::uint64_t i = offsets_[u]; i < offsets_[u + 1]; ++i) f(adjacency_[i]);
    }
  }

  // Nodes that cannot reach node 0 (or are unreachable from it: links are undirected).
  // Empty when the topology is connected.
  std::vector<std::uint32_t> unreachable() const;

  // Hop counts from `source` by breadth-first search (UINT32_MAX where unreachable). A plain
  // BFS kept apart from flood_order on purpose: tests check the race's floods against it.
  std::vector<std::uint32_t> hops_from(std::uint32_t source) const;

  // How a flood from `source` reaches the other nodes when every link has the same latency:
  // breadth-first, each node's neighbours in increasing order (the order in which relaying
  // message by message reaches them). order[layer_end[k-1] .. layer_end[k]) are the nodes
  // k+1 hops away, all reached at the same instant. `seen` is scratch of size() bytes, all
  // zero on entry and again on return.
  void flood_order(std::uint32_t source, std::vector<std::uint32_t>& order, std::vector<std::uint32_t>& layer_end,
                   std::vector<std::uint8_t>& seen) const;

 private:
  std::uint32_t nodes_ = 0;
  bool mesh_ = false;
  std::vector<std::uint64_t> offsets_;
  std::vector<std::uint32_t> adjacency_;
};

// Link latency: fixed, or drawn per message from a distribution with the given mean.
struct LatencySpec {
  enum class Kind { fixed, exponential, uniform };
  Kind kind = Kind::fixed;
  double mean = 0;  // seconds, >= 0

  // fixed: mean; exponential: Exp(1/mean); uniform: U[0, 2 mean). Never negative.
  double sample(Rng& rng) const {
    switch (kind) {
      case Kind::fixed: return mean;
      case Kind::exponential: return mean > 0 ? rng.exponential(1.0 / mean) : 0.0;
      case Kind::uniform: return 2.0 * mean * rng.uniform01();
    }
    return mean;
  }
  // The least latency a message can have (a relay can never beat a direct path by less).
  double minimum() const { return kind == Kind::fixed ? mean : 0.0; }
};

// "fixed", "exp" or "uniform" with a mean in milliseconds; throws ParseError for a negative,
// NaN or infinite delay.
LatencySpec make_latency(std::string_view kind, double mean_ms);
std::string to_string(const LatencySpec& spec);

}  // namespace powlab::sim
