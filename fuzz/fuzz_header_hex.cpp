// Header hex and bytes: BlockHeader::from_hex / parse and the hex helpers.
// Properties: whatever parses serializes back to the same bytes (lower-case hex), and the
// display/raw hash orders are inverses.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "powlab/consensus/header.h"
#include "powlab/util/error.h"
#include "powlab/util/hex.h"

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace powlab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::span<const std::uint8_t> bytes(data, size);

  // Raw bytes: only exactly 80 parse, and they come back unchanged.
  try {
    const BlockHeader h = BlockHeader::parse(bytes);
    FUZZ_CHECK(size == kHeaderSize);
    const auto again = h.serialize();
    FUZZ_CHECK(std::equal(again.begin(), again.end(), data));
    FUZZ_CHECK(BlockHeader::parse(again) == h);
  } catch (const ParseError&) {
    FUZZ_CHECK(size != kHeaderSize);
  }

  // Hex text: a header is exactly 160 hex digits; a parsed one prints as the lower-cased input.
  try {
    const BlockHeader h = BlockHeader::from_hex(text);
    FUZZ_CHECK(size == 2 * kHeaderSize);
    FUZZ_CHECK(to_hex(h.serialize()) == lower(text));
  } catch (const ParseError&) {
  }

  try {
    const std::vector<std::uint8_t> raw = from_hex(text);
    FUZZ_CHECK(raw.size() * 2 == size);
    FUZZ_CHECK(to_hex(raw) == lower(text));
  } catch (const ParseError&) {
  }

  try {
    const Hash256 h = hash_from_display(text);
    FUZZ_CHECK(size == 64);
    FUZZ_CHECK(hash_to_display(h) == lower(text));
  } catch (const ParseError&) {
  }
  return 0;
}
