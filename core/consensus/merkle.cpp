#include "powlab/consensus/merkle.h"

#include <algorithm>

#include "powlab/sha256.h"

namespace powlab {

Hash256 merkle_root(std::span<const Hash256> leaves, bool* mutated) {
  bool mut = false;
  if (leaves.empty()) {
    if (mutated) *mutated = false;
    return Hash256{};
  }
  std::vector<Hash256> level(leaves.begin(), leaves.end());
  std::uint8_t pair[64];
  while (level.size() > 1) {
    // Core's ComputeMerkleRoot: two equal siblings mean the tree may be a duplicate of a
    // smaller one (CVE-2012-2459).
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      if (level[i] == level[i + 1]) mut = true;
    }
    if (level.size() % 2 != 0) level.push_back(level.back());  // duplicate-last
    for (std::size_t i = 0; i < level.size() / 2; ++i) {
      std::copy(level[2 * i].begin(), level[2 * i].end(), pair);
      std::copy(level[2 * i + 1].begin(), level[2 * i + 1].end(), pair + 32);
      level[i] = sha256d(pair);
    }
    level.resize(level.size() / 2);
  }
  if (mutated) *mutated = mut;
  return level[0];
}

}  // namespace powlab
