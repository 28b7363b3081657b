// Hash Bitcoin's genesis block header and check its proof of work, step by step.
// Build: part of the powlab build (build/examples/genesis_pow).
#include <iostream>

#include "powlab/consensus/header.h"
#include "powlab/consensus/params.h"
#include "powlab/consensus/pow.h"
#include "powlab/consensus/target.h"

int main() {
  using namespace powlab;

  // Block 0, as serialized: version 1, no parent, the merkle root of its one coinbase
  // transaction, time 2009-01-03 18:15:05 UTC, nBits 0x1d00ffff, nonce 2083236893.
  const BlockHeader genesis = BlockHeader::from_hex(
      "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e"
      "67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c");

  // The block hash is sha256d of those 80 bytes. Explorers print it byte-reversed.
  const Hash256 hash = genesis.hash();
  std::cout << "block hash  " << hash_to_display(hash) << '\n';

  // nBits is a compact float: 0x1d00ffff means 0x00ffff * 256^(0x1d - 3).
  const CompactTarget target = decode_compact(genesis.bits);
  std::cout << "target      " << target.target.to_hex() << '\n';

  // Proof of work: the hash, read as a little-endian 256-bit number, must not exceed it.
  const PowStatus status = check_proof_of_work(hash, genesis.bits, mainnet().pow_limit);
  std::cout << "pow         " << to_string(status) << '\n';

  // The work it proves: the expected number of hashes to find such a block, about 2^32.
  std::cout << "work        " << block_work(genesis.bits).to_hex() << '\n';

  // Change one bit of the nonce and the proof is gone.
  BlockHeader tampered = genesis;
  tampered.nonce ^= 1;
  std::cout << "nonce ^ 1   " << to_string(check_proof_of_work(tampered.hash(), tampered.bits, mainnet().pow_limit))
            << '\n';
  return status == PowStatus::ok ? 0 : 1;
}
