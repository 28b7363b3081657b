// powlab verify FILE: check a header chain under mainnet rules.
#include <ctime>
#include <iostream>
#include <iterator>

#include "command.h"
#include "powlab/consensus/chain_verify.h"
#include "powlab/ledger/header_io.h"
#include "powlab/util/csv.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

struct VerifyCliOptions {
  std::string file;
  std::optional<std::int64_t> height;
  bool json = false;
};

// The headers, and for a CSV with a `height` column the height of each row.
struct VerifyInput {
  HeaderFile headers;
  std::vector<std::int64_t> csv_heights;
};

std::vector<std::int64_t> csv_heights(const CsvTable& table) {
  std::vector<std::int64_t> heights;
  if (std::find(table.columns.begin(), table.columns.end(), "height") == table.columns.end()) return heights;
  const std::size_t col = table.column("height");
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    heights.push_back(parse_integer<std::int64_t>("CSV line " + std::to_string(table.lines[r]) + " height",
                                                  table.rows[r][col], 0, std::numeric_limits<std::int32_t>::max()));
  }
  return heights;
}

VerifyInput read_input(const std::string& file) {
  VerifyInput in;
  if (file == "-") {
    const std::string data{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    try {
      in.headers = parse_header_data(data);
    } catch (const powlab::ParseError& e) {
      throw powlab::ParseError(std::string("standard input: ") + e.what());
    }
    if (in.headers.format == "csv") in.csv_heights = csv_heights(parse_csv(data));
  } else {
    in.headers = load_header_file(file);
    if (in.headers.format == "csv") in.csv_heights = csv_heights(read_csv_file(file));
  }
  // Not one header could be read: the input is not a header file (a text file, a CSV without a
  // header_hex column), which is "cannot parse" (exit 2), not an invalid chain (exit 1).
  if (in.headers.headers.empty() && in.headers.bad_length) {
    throw UsageError((file == "-" ? std::string("standard input") : file) + " holds no header (" +
                     in.headers.bad_length->detail +
                     "); verify reads raw 80-byte headers, one 160-hex header per line, or a CSV with a header_hex "
                     "column");
  }
  return in;
}

int run(const VerifyCliOptions& o) {
  const VerifyInput in = read_input(o.file);
  const HeaderFile& file = in.headers;
  // A CSV's own height column says where the headers sit; --height may only agree with it.
  std::int64_t first = o.height.value_or(0);
  if (!in.csv_heights.empty()) {
    if (o.height && *o.height != in.csv_heights.front()) {
      throw UsageError("--height " + std::to_string(*o.height) + " contradicts the CSV's height column, which starts at " +
                       std::to_string(in.csv_heights.front()));
    }
    first = in.csv_heights.front();
  }
  VerifyOptions options;
  options.now = static_cast<std::int64_t>(std::time(nullptr));
  ChainVerifyResult r = verify_header_chain(file.headers, first, mainnet(), options);

  // A truncated or short entry fails where it stands, unless an earlier header failed first.
  if (r.valid() && file.bad_length) {
    r.failure = HeaderFailure{first + static_cast<std::int64_t>(file.bad_length->index), std::nullopt,
                              HeaderReject::bad_length, file.bad_length->detail};
  }
  // The height of entry k: the CSV's own where it has one (a CSV of notable blocks is not
  // consecutive: its fourth row is block 170, which the linkage rule then refuses).
  const auto height_of = [&](std::int64_t counted) {
    const auto k = static_cast<std::size_t>(counted - first);
    return k < in.csv_heights.size() ? in.csv_heights[k] : counted;
  };
  const std::int64_t tip_height = r.headers ? height_of(first + static_cast<std::int64_t>(r.headers) - 1) : -1;

  if (o.json) {
    nlohmann::json j = {{"valid", r.valid()},
                        {"count", r.headers},
                        {"first_height", first},
                        {"tip_height", r.headers ? nlohmann::json(tip_height) : nlohmann::json(nullptr)},
                        {"tip_hash", r.headers ? hash_to_display(r.tip) : ""},
                        {"chainwork", r.chainwork.to_hex()},
                        {"format", file.format},
                        {"unchecked", r.unchecked}};
    if (!r.valid()) {
      const HeaderFailure& f = *r.failure;
      j["failed_height"] = height_of(f.height);
      j["failed_hash"] = f.hash ? nlohmann::json(hash_to_display(*f.hash)) : nlohmann::json(nullptr);
      j["reason"] = std::string(to_string(f.reason));
      j["detail"] = f.detail;
    }
    print_json(j);
  } else if (r.valid()) {
    std::cout << "valid: " << count_noun(r.headers, "header") << ", heights " << first << ".." << tip_height << " ("
              << file.format << ")\n"
              << "tip        " << hash_to_display(r.tip) << '\n'
              << "chainwork  " << r.chainwork.to_hex() << " (these headers only)\n";
    for (const std::string& u : r.unchecked) std::cout << "unchecked  " << u << '\n';
  } else {
    const HeaderFailure& f = *r.failure;
    std::cout << "INVALID at height " << height_of(f.height) << ": " << to_string(f.reason) << '\n';
    if (f.hash) std::cout << "hash       " << hash_to_display(*f.hash) << '\n';
    std::cout << "why        " << f.detail << '\n'
              << "before it  " << count_noun(r.headers, "valid header") << '\n';
  }
  return r.valid() ? kExitOk : kExitInvalid;
}

}  // namespace

void add_verify(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<VerifyCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify", "verify a header chain: linkage, proof of work, retarget nBits, median-time-past (mainnet rules)");
  sub->add_option("file", o->file,
                  "raw 80-byte headers back to back, one 160-hex header per line, or a CSV with header_hex; - reads "
                  "standard input")
      ->required();
  // Heights beyond 2^31 would overflow int32 consumers and no real chain is near them.
  add_integer_option<std::int64_t>(sub, "--height", o->height,
                                   "height of the first header (default: a CSV's height column, else 0)", 0,
                                   std::numeric_limits<std::int32_t>::max());
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
