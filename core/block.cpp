#include "powlab/block.h"

#include <cstring>

#include "powlab/error.h"
#include "powlab/merkle.h"
#include "powlab/target.h"
#include "tx_io.h"

namespace powlab {

Block::Block(const BlockHeader& header, std::vector<Transaction> txs, ProofKind proof)
    : header_(header), txs_(std::move(txs)), proof_(proof) {
  txids_.reserve(txs_.size());
  for (const Transaction& tx : txs_) txids_.push_back(tx.txid());
  computed_root_ = merkle_root(txids_, &mutated_);
  work_ = block_work(header_.bits);
}

BlockPtr Block::make(const BlockHeader& header, std::vector<Transaction> txs) {
  std::shared_ptr<Block> b(new Block(header, std::move(txs), ProofKind::real));
  b->hash_ = header.hash();
  return b;
}

BlockPtr Block::make_simulated(const BlockHeader& header, std::vector<Transaction> txs, const Hash256& id) {
  std::shared_ptr<Block> b(new Block(header, std::move(txs), ProofKind::simulated));
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
