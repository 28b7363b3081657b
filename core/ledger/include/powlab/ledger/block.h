// A block: the 80-byte header plus its transactions. Blocks are immutable and shared
// (BlockPtr): a simulation with many nodes holds each block once, and every node's chain state
// points at it. The block hash, the txids and the Merkle root of the transactions are computed
// once, when the block is made, and cached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "powlab/consensus/header.h"
#include "powlab/ledger/tx.h"
#include "powlab/consensus/u256.h"

namespace powlab {

class Block;
using BlockPtr = std::shared_ptr<const Block>;

// How a block's proof of work is to be taken.
enum class ProofKind : std::uint8_t {
  real,       // hash() is sha256d(header) and must meet the target
  simulated,  // an event-mode block (the mining race): its header was never hashed. hash() is
              // an identifier chosen by the simulator; chain state skips ONLY the PoW check,
              // and only when ValidationOptions::accept_simulated_proof is set.
};

class Block {
 public:
  // A real block. Computes and caches sha256d(header), the txids and their Merkle root.
  static BlockPtr make(const BlockHeader& header, std::vector<Transaction> txs);
  // A simulated-proof block with a caller-chosen identifier (unique per simulation; children
  // must use it as prev_hash). No header hash is computed.
  static BlockPtr make_simulated(const BlockHeader& header, std::vector<Transaction> txs, const Hash256& id);
  // The same, with the header's Merkle root set from `txs` (their txids are hashed once):
  // how the event-mode race builds its blocks.
  static BlockPtr make_simulated_committed(const BlockHeader& header, std::vector<Transaction> txs,
                                           const Hash256& id);

  const BlockHeader& header() const { return header_; }
  const std::vector<Transaction>& txs() const { return txs_; }
  const std::vector<Hash256>& txids() const { return txids_; }
  const Hash256& hash() const { return hash_; }
  ProofKind proof() const { return proof_; }
  // block_work(header().bits), computed once: what this block adds to chain work (zero for
  // an invalid nBits).
  const U256& work() const { return work_; }
  // Root of txids() (the Merkle root these transactions commit to), and whether that tree
  // is mutated (CVE-2012-2459, see merkle.h).
  const Hash256& computed_merkle_root() const { return computed_root_; }
  bool merkle_mutated() const { return mutated_; }

  // u32 header+txs payload: header[80], u32 n_txs, txs. Throws ParseError (bounded by the
  // bytes present, never by a count read from the data).
  std::vector<std::uint8_t> serialize() const;
  void serialize_to(std::vector<std::uint8_t>& out) const;
  static BlockPtr parse(std::span<const std::uint8_t> data, std::size_t& offset);

 private:
  struct Maker;  // lets make_shared reach the private constructor: one allocation per block
  Block(const BlockHeader& header, std::vector<Transaction> txs, ProofKind proof);
  BlockHeader header_;
  std::vector<Transaction> txs_;
  std::vector<Hash256> txids_;
  Hash256 hash_{};
  Hash256 computed_root_{};
  U256 work_;
  ProofKind proof_ = ProofKind::real;
  bool mutated_ = false;
};

// A fast hash for hash-keyed tables: the hashes are uniformly random already, so eight of
// their bytes are as good a table hash as any.
struct Hash256Hasher {
  std::size_t operator()(const Hash256& h) const noexcept;
};

}  // namespace powlab
