// Bitcoin's Merkle root (consensus/merkle.cpp ComputeMerkleRoot): pair hashes level by level
// with sha256d(left || right); on a level with an odd count the last hash is paired with
// itself.
//
// The known weakness (CVE-2012-2459): because the last hash is duplicated, the lists
// [a, b, c] and [a, b, c, c] give the same root, and likewise any list whose tail repeats a
// whole subtree. A block with a duplicated transaction thus has the same header hash as the
// honest block. Bitcoin Core detects it with the `mutated` flag (two equal siblings); powlab
// does the same, and a block whose transactions are mutated is invalid ("bad-txns-duplicate").
#pragma once

#include <span>
#include <vector>

#include "powlab/util/hex.h"

namespace powlab {

// Root of `leaves` (txids, raw order). One leaf: the root is the leaf itself. No leaves: all
// zeros (Core returns uint256() too; a block without a coinbase is invalid anyway).
// `mutated`, when given, is set if any level paired two equal hashes (see above).
Hash256 merkle_root(std::span<const Hash256> leaves, bool* mutated = nullptr);

}  // namespace powlab
