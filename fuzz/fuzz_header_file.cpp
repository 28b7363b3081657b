// Header files as `powlab verify` reads them (core/ledger/header_io): binary, CSV, hex lines.
// Properties: binary input yields one header per whole 80 bytes, each re-serializing to its
// bytes, and a bad length exactly when a partial header is left; every header read from text
// appears, as lower-case hex, in the (lower-cased) input.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "powlab/ledger/header_io.h"
#include "powlab/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace powlab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  HeaderFile f;
  try {
    f = parse_header_data(text);
  } catch (const ParseError&) {
    return 0;
  }
  FUZZ_CHECK(f.format == "binary" || f.format == "csv" || f.format == "hex");
  if (f.bad_length) FUZZ_CHECK(f.bad_length->index == f.headers.size());
  if (f.format == "binary") {
    FUZZ_CHECK(f.headers.size() == size / kHeaderSize);
    FUZZ_CHECK(f.bad_length.has_value() == (size % kHeaderSize != 0));
    for (std::size_t i = 0; i < f.headers.size(); ++i) {
      const auto raw = f.headers[i].serialize();
      FUZZ_CHECK(std::memcmp(raw.data(), data + i * kHeaderSize, kHeaderSize) == 0);
    }
    return 0;
  }
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const BlockHeader& h : f.headers) FUZZ_CHECK(lower.find(to_hex(h.serialize())) != std::string::npos);
  return 0;
}
