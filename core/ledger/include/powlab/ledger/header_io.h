// Reading header files for `powlab verify`. Three formats, told apart by content:
//   - binary: concatenated raw 80-byte headers (any byte outside printable text means binary);
//   - CSV: text whose first line has a `header_hex` column;
//   - hex lines: text with one 160-hex-digit header per line (blank lines and # comments skipped).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/consensus/header.h"

namespace powlab {

struct HeaderFile {
  std::string format;  // "binary", "csv" or "hex"
  std::vector<BlockHeader> headers;
  // The first entry that is not exactly 80 bytes (a truncated binary tail, a short hex line):
  // its index among the headers and what was wrong. Headers before it were read.
  struct BadLength {
    std::size_t index;
    std::string detail;
  };
  std::optional<BadLength> bad_length;
};

// Throws ParseError for input that cannot be read or parsed (no such file, not hex, empty).
HeaderFile parse_header_data(std::string_view data);
HeaderFile load_header_file(const std::string& path);

}  // namespace powlab
