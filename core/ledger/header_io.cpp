#include "powlab/ledger/header_io.h"

#include "powlab/util/csv.h"
#include "powlab/util/error.h"
#include "powlab/util/file.h"

namespace powlab {

namespace {

bool looks_like_text(std::string_view data) {
  for (unsigned char c : data) {
    if (c == '\n' || c == '\r' || c == '\t') continue;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// One hex header: wrong length is bad-length (reported by verify), non-hex is a parse error.
bool add_hex_header(HeaderFile& out, std::string_view hex, const std::string& where) {
  if (hex.size() != 2 * kHeaderSize) {
    out.bad_length = HeaderFile::BadLength{out.headers.size(), where + ": " + std::to_string(hex.size()) +
                                                                   " hex digits, a header needs 160"};
    return false;
  }
  try {
    out.headers.push_back(BlockHeader::from_hex(hex));
  } catch (const ParseError& e) {
    throw ParseError(where + ": " + e.what());
  }
  return true;
}

}  // namespace

HeaderFile parse_header_data(std::string_view data) {
  if (data.empty()) throw ParseError("the input is empty: no headers");
  HeaderFile out;
  if (!looks_like_text(data)) {
    out.format = "binary";
    const std::size_t whole = data.size() / kHeaderSize;
    for (std::size_t i = 0; i < whole; ++i) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(data.data()) + i * kHeaderSize;
      out.headers.push_back(BlockHeader::parse(std::span(p, kHeaderSize)));
    }
    if (const std::size_t rest = data.size() % kHeaderSize; rest != 0) {
      const auto bytes = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); };
      out.bad_length = HeaderFile::BadLength{whole, "the file ends with " + bytes(rest) + ": a truncated header (" +
                                                        bytes(data.size()) + " is not a multiple of 80)"};
    }
    return out;
  }

  const std::string_view first_line = data.substr(0, data.find('\n'));
  if (first_line.find("header_hex") != std::string_view::npos) {
    out.format = "csv";
    const CsvTable table = parse_csv(data);
    const std::size_t col = table.column("header_hex");
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
      if (!add_hex_header(out, trim(table.rows[r][col]), "CSV line " + std::to_string(table.lines[r]))) break;
    }
  } else {
    out.format = "hex";
    std::size_t line_no = 0, pos = 0;
    while (pos <= data.size()) {
      const std::size_t nl = data.find('\n', pos);
      const std::string_view line = trim(data.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
      ++line_no;
      pos = nl == std::string_view::npos ? data.size() + 1 : nl + 1;
      if (line.empty() || line.front() == '#') continue;
      if (!add_hex_header(out, line, "line " + std::to_string(line_no))) break;
    }
  }
  if (out.headers.empty() && !out.bad_length) throw ParseError("the input holds no headers");
  return out;
}

HeaderFile load_header_file(const std::string& path) {
  // read_file refuses a directory, a FIFO, a device and anything over kMaxInputFileBytes.
  const std::string data = read_file(path, kMaxInputFileBytes, "a header file");
  try {
    return parse_header_data(data);
  } catch (const ParseError& e) {
    throw ParseError(path + ": " + e.what());
  }
}

}  // namespace powlab
