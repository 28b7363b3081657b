#include "powlab/ledger/block.h"

#include <cstring>

#include "powlab/util/error.h"
#include "powlab/consensus/merkle.h"
#include "powlab/consensus/target.h"
#include "tx_io.h"

namespace powlab {

Block::Block(const BlockHeader& header, std::vector<Transaction> txs, ProofKind proof)
    : header_(header), txs_(std::move(txs)), proof_(proof) {
  txids_.reserve(txs_.size());
  for (const Transaction& tx : txs_) txids_.push_back(tx.txid());
  computed_root_ = merkle_root(txids_, &mutated_);
  // A chain's blocks mostly share one nBits: remember the last one (a 256-bit division saved).
  // nBits 0 has zero work, so the initial pair is already right.
  thread_local std::uint32_t last_bits = 0;
  thread_local U256 last_work;
  if (header_.bits != last_bits) {
    last_work = block_work(header_.bits);
    last_bits = header_.bits;
  }
  work_ = last_work;
}

struct Block::Maker : Block {
  Maker(const BlockHeader& header, std::vector<Transaction> txs, ProofKind proof)
      : Block(header, std::move(txs), proof) {}
};

BlockPtr Block::make(const BlockHeader& header, std::vector<Transaction> txs) {
  auto b = std::make_shared<Maker>(header, std::move(txs), ProofKind::real);
  b->hash_ = header.hash();
  return b;
}

BlockPtr Block::make_simulated(const BlockHeader& header, std::vector<Transaction> txs, const Hash256& id) {
  auto b = std::make_shared<Maker>(header, std::move(txs), ProofKind::simulated);
  b->hash_ = id;
  return b;
}

BlockPtr Block::make_simulated_committed(const BlockHeader& header, std::vector<Transaction> txs, const Hash256& id) {
  auto b = std::make_shared<Maker>(header, std::move(txs), ProofKind::simulated);
  b->header_.merkle_root = b->computed_root_;
  b->hash_ = id;
  return b;
}

void Block::serialize_to(std::vector<std::uint8_t>& out) const {
  const auto h = header_.serialize();
  io::put_bytes(out, h);
  io::put_u32(out, static_cast<std::uint32_t>(txs_.size()));
  for (const Transaction& tx : txs_) tx.serialize_to(out);
}

std::vector<std::uint8_t> Block::serialize() const {
  std::vector<std::uint8_t> out;
  serialize_to(out);
  return out;
}

BlockPtr Block::parse(std::span<const std::uint8_t> data, std::size_t& offset) {
  io::Reader r(data, offset);
  const BlockHeader header = BlockHeader::parse(r.bytes(kHeaderSize, "block header"));
  // The smallest transaction (a coinbase with no outputs) is 21 bytes.
  const std::uint32_t n = r.count("transaction count", 21);
  std::vector<Transaction> txs;
  txs.reserve(n);
  std::size_t pos = r.pos();
  for (std::uint32_t i = 0; i < n; ++i) txs.push_back(Transaction::parse(data, pos));
  offset = pos;
  return make(header, std::move(txs));
}

std::size_t Hash256Hasher::operator()(const Hash256& h) const noexcept {
  // Mixed, so a simulator's counter-like identifiers spread as well as real hashes do.
  std::uint64_t a, b;
  std::memcpy(&a, h.data(), sizeof a);
  std::memcpy(&b, h.data() + 8, sizeof b);
  std::uint64_t v = (a ^ (b * 0x9e3779b97f4a7c15ull));
  v ^= v >> 31;
  v *= 0xbf58476d1ce4e5b9ull;
  v ^= v >> 29;
  return static_cast<std::size_t>(v);
}

}  // namespace powlab
