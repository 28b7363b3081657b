// The chain file (core/ledger/store): decode_chain_file, then replay_chain, which re-validates
// every block as `powlab chain verify` and `mine --chain` do on load.
//
// The file ends with sha256d(payload), so almost every mutation of a whole file stops at the
// checksum. Input that starts with the magic is taken as a whole file; anything else is taken
// as a payload and framed here (magic, version, length, checksum), so the fuzzer reaches the
// network, block and mempool decoders behind the checksum.
// Properties: a decoded file encodes back to exactly the bytes it came from (one encoding per
// chain), and replaying it never throws anything but a ParseError.
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "powlab/ledger/store.h"
#include "powlab/util/error.h"

namespace {

void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace powlab;
  std::vector<std::uint8_t> file;
  if (size >= sizeof kChainMagic && std::memcmp(data, kChainMagic, sizeof kChainMagic) == 0) {
    file.assign(data, data + size);
  } else {
    file.assign(kChainMagic, kChainMagic + sizeof kChainMagic);
    put_le(file, kChainFileVersion, 4);
    put_le(file, size, 8);
    file.insert(file.end(), data, data + size);
    const Digest sum = sha256d(std::span(data, size));
    file.insert(file.end(), sum.begin(), sum.end());
  }

  ChainFile decoded;
  try {
    decoded = decode_chain_file(file);
  } catch (const ParseError&) {
    return 0;
  }
  FUZZ_CHECK(encode_chain_file(decoded) == file);
  try {
    const LoadReport report = replay_chain(decoded);
    FUZZ_CHECK(report.chain != nullptr);
    for (const auto& failure : report.failures) FUZZ_CHECK(!describe(failure).empty());
  } catch (const ParseError&) {
  }
  return 0;
}
