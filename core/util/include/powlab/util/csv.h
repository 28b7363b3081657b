// A small RFC 4180 reader: comma-separated, double-quoted fields may hold commas and "".
// Enough for the reference data and header files; not a general CSV library.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "powlab/util/file.h"  // read_file, which callers of this header have long used

namespace powlab {

struct CsvTable {
  std::vector<std::string> columns;            // the header row
  std::vector<std::vector<std::string>> rows;  // each as long as `columns`
  std::vector<std::size_t> lines;              // 1-based source line of each row

  // Index of a column; throws ParseError naming the missing column.
  std::size_t column(std::string_view name) const;
};

// Throws ParseError on an unterminated quote or a row with the wrong number of fields.
CsvTable parse_csv(std::string_view text);
// Reads through read_file (file.h), so with its checks and its 1 GiB limit.
CsvTable read_csv_file(const std::string& path);

}  // namespace powlab
