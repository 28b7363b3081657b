// Transaction::parse on arbitrary bytes. Properties: a parse consumes a prefix of the input,
// re-serializing the transaction gives back exactly that prefix (one encoding per
// transaction), the serialization parses to an equal transaction, and the txid is the hash of
// those bytes. Parsing continues after the first transaction, as a block's list is read.
#include <algorithm>
#include <cstdint>
#include <span>

#include "fuzz_check.h"
#include "powlab/ledger/tx.h"
#include "powlab/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace powlab;
  const std::span<const std::uint8_t> bytes(data, size);
  std::size_t offset = 0;
  for (int n = 0; n < 8 && offset < size; ++n) {
    const std::size_t start = offset;
    Transaction tx;
    try {
      tx = Transaction::parse(bytes, offset);
    } catch (const ParseError&) {
      return 0;
    }
    FUZZ_CHECK(offset > start && offset <= size);
    const std::vector<std::uint8_t> again = tx.serialize();
    FUZZ_CHECK(again.size() == offset - start);
    FUZZ_CHECK(std::equal(again.begin(), again.end(), data + start));
    std::size_t pos = 0;
    FUZZ_CHECK(Transaction::parse(again, pos) == tx);
    FUZZ_CHECK(pos == again.size());
    FUZZ_CHECK(tx.txid() == sha256d(again));
    for (const TxOut& out : tx.outputs) FUZZ_CHECK(!check_owner_name(out.owner).has_value());
  }
  return 0;
}
