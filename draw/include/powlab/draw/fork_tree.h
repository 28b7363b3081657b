// The fork tree: blocks as boxes, parent to child left to right, the best chain in its miner's
// colour, stale blocks pale and dashed. Laid out by Graphviz's `dot` program (README,
// "Pictures: developer notes" says why the program and not libgvc).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace powlab::draw {

struct TreeBlock {
  std::string hash;      // display order, 64 hex digits (shown shortened)
  std::string parent;    // "" or a hash not among the blocks: a root
  std::int64_t height = 0;
  std::string miner;
  bool best = false;     // on the best chain
  // A word printed in the box and given to its SVG class, for what a strategy did with the
  // block: "withheld", "revealed". Empty for an honest block.
  std::string mark;
  std::uint32_t reorgs = 0;  // times a node gave this block up as its tip (it was reorged out)
};

struct ForkTree {
  std::string title;
  std::vector<TreeBlock> blocks;  // any order; a hash appears once
  // Miners in the order that gives their palette colours, so a race's tree and its charts
  // (which colour miners in `--miners` order) agree. A miner not listed here takes the next
  // colour in the order it first appears in `blocks`.
  std::vector<std::string> miners;
};

// A long race has thousands of heights: the picture holds the last `last_heights` heights of
// the tree (best chain and every stale block among them); what lies below is one summary box
// that counts the best-chain and stale blocks it stands for.
inline constexpr std::int64_t kTreeHeights = 40;

// Marks the best chain when the source cannot say (an event log has no chain work): the chain
// to the highest block, and among equal heights the one listed first (found first, so the
// first-seen rule keeps it). Clears every other `best`.
void mark_longest_chain(ForkTree& tree);

// The Graphviz source: deterministic for equal input. Node ids in the SVG that dot writes are
// "best-HASH16" and "stale-HASH16" (the first 16 hex digits), classes "best", "stale" and
// the mark, so tests can count them.
std::string fork_tree_dot(const ForkTree& tree, std::int64_t last_heights = kTreeHeights);

// Runs `dot -Tsvg` (found on PATH) on `dot_source` and writes the SVG to `svg_path`. Throws
// powlab::ParseError when dot is missing or fails, naming the file. A positive `limit` bounds
// dot's run time (a server must never wait on it unbounded): past it dot is killed, the
// half-written file removed, and ParseError says so. Zero: no limit.
void render_dot(const std::string& dot_source, const std::string& svg_path,
                std::chrono::milliseconds limit = std::chrono::milliseconds::zero());

}  // namespace powlab::draw
