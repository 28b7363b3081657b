#include "powlab/util/csv.h"

#include "powlab/util/error.h"

namespace powlab {

std::size_t CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return i;
  }
  throw ParseError("CSV has no '" + std::string(name) + "' column");
}

CsvTable parse_csv(std::string_view text) {
  CsvTable table;
  std::vector<std::string> fields;
  std::string field;
  std::size_t line = 1, row_line = 1;
  bool in_quotes = false, row_has_data = false;

  auto end_row = [&] {
    fields.push_back(std::move(field));
    field.clear();
    if (table.columns.empty()) {
      table.columns = std::move(fields);
    } else {
      if (fields.size() != table.columns.size()) {
        throw ParseError("CSV line " + std::to_string(row_line) + " has " + std::to_string(fields.size()) +
                         " fields, expected " + std::to_string(table.columns.size()));
      }
      table.rows.push_back(std::move(fields));
      table.lines.push_back(row_line);
    }
    fields.clear();
    row_has_data = false;
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (!row_has_data) row_line = line;
    switch (c) {
      case '"': in_quotes = true; row_has_data = true; break;
      case ',': fields.push_back(std::move(field)); field.clear(); row_has_data = true; break;
      case '\r':
        // Only the CR of a CRLF line end is dropped. A lone CR stays in its field: dropping it
        // would join "ab\rcd" into "abcd", a value the file does not hold (found by fuzzing).
        if (i + 1 < text.size() && text[i + 1] == '\n') break;
        field.push_back(c);
        row_has_data = true;
        break;
      case '\n':
        if (row_has_data || !field.empty()) end_row();
        ++line;
        break;
      default: field.push_back(c); row_has_data = true;
    }
  }
  if (in_quotes) throw ParseError("CSV has an unterminated quote starting on line " + std::to_string(row_line));
  if (row_has_data || !field.empty()) end_row();
  if (table.columns.empty()) throw ParseError("CSV is empty");
  return table;
}

CsvTable read_csv_file(const std::string& path) { return parse_csv(read_file(path)); }

}  // namespace powlab
