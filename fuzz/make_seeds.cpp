// Writes the fuzz targets' seed corpora from tests/data (nothing generated is committed):
//   make_seeds TESTS_DATA_DIR OUT_DIR
// OUT_DIR/<target>/ gets small, valid examples of what each target parses. The chain file
// seeds (and the transactions inside them) come from a tiny lab chain mined here through the
// CLI itself, since tests/data holds only real headers.
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "app.h"
#include "cli_args_selector.h"
#include "powlab/ledger/store.h"
#include "powlab/util/csv.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& p, const void* data, std::size_t n) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}
void write(const fs::path& p, const std::string& s) { write(p, s.data(), s.size()); }

// The first `lines` lines of a text file: seeds stay far below libFuzzer's input size limit.
std::string head(const std::string& text, int lines) {
  std::size_t pos = 0;
  for (int i = 0; i < lines && pos != std::string::npos; ++i) {
    pos = text.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  return text.substr(0, pos);
}

int run(std::vector<std::string> args) {
  args.insert(args.begin(), "powlab");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return powlab::cli::run_powlab(static_cast<int>(args.size()), argv.data());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_seeds TESTS_DATA_DIR OUT_DIR\n";
    return 2;
  }
  const fs::path data = argv[1], out = argv[2];
  for (const char* t : {"header_hex", "compact_bits", "header_file", "tx_decode", "chain_file", "cli_args"}) {
    fs::create_directories(out / t);
  }

  // Headers: hex and raw bytes of a few mainnet headers, and a display-order hash.
  const std::string csv = slurp(data / "headers/chain_mainnet_0_255.csv");
  const powlab::CsvTable table = powlab::parse_csv(csv);
  const std::size_t hex_col = table.column("header_hex"), hash_col = table.column("block_hash");
  const std::string bin = slurp(data / "headers/chain_mainnet_0_255.bin");
  std::string hex_lines = "# mainnet 0..3\n";
  for (std::size_t r = 0; r < 4; ++r) {
    write(out / "header_hex" / ("hex_" + std::to_string(r)), table.rows[r][hex_col]);
    write(out / "header_hex" / ("raw_" + std::to_string(r)), bin.substr(r * 80, 80));
    write(out / "header_hex" / ("hash_" + std::to_string(r)), table.rows[r][hash_col]);
    hex_lines += table.rows[r][hex_col] + "\n";
  }

  // Header files: each real file cut to a few headers, plus hex lines and a truncated binary.
  write(out / "header_file" / "mainnet.bin", bin.substr(0, 8 * 80));
  write(out / "header_file" / "truncated.bin", bin.substr(0, 2 * 80 + 17));
  write(out / "header_file" / "hex_lines.txt", hex_lines);
  for (const char* f : {"chain_mainnet_0_255.csv", "chain_mainnet_826540_826579_retarget.csv",
                        "fork_reorg_btcd_testchain.csv", "notable_headers.csv", "stale_headers.csv",
                        "tampered_headers_negative.csv"}) {
    write(out / "header_file" / f, head(slurp(data / "headers" / f), 6));
  }

  // nBits: Core's SetCompact vectors, each as 4 bytes of nBits then its 32-byte target.
  const powlab::CsvTable bits = powlab::parse_csv(slurp(data / "difficulty/compact_bits_vectors.csv"));
  for (std::size_t r = 0; r < bits.rows.size(); ++r) {
    // Some rows give only the nBits (an overflow) or only the target (a GetCompact case).
    const std::string& compact = bits.rows[r][bits.column("compact")];
    const std::string& target_hex = bits.rows[r][bits.column("target_hex_256")];
    const std::uint32_t c = compact.empty() ? 0 : static_cast<std::uint32_t>(std::stoul(compact, nullptr, 16));
    std::vector<std::uint8_t> seed{static_cast<std::uint8_t>(c), static_cast<std::uint8_t>(c >> 8),
                                   static_cast<std::uint8_t>(c >> 16), static_cast<std::uint8_t>(c >> 24)};
    const auto target = target_hex.empty() ? std::array<std::uint8_t, 32>{} : powlab::U256::from_hex(target_hex).to_le_bytes();
    seed.insert(seed.end(), target.begin(), target.end());
    write(out / "compact_bits" / ("core_" + std::to_string(r)), seed.data(), seed.size());
  }

  // A lab chain as the README tour makes it (easier), with a transfer and a queued one.
  const fs::path tmp = fs::temp_directory_path() / ("powlab_seeds_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const std::string chain = (tmp / "lab.chain").string();
  const bool made = run({"mine", "--chain", chain, "--blocks", "3", "--zeros", "4", "--miner", "alice", "--threads", "1"}) == 0 &&
                    run({"send", "--chain", chain, "--from", "alice", "--to", "bob", "--amount", "12.5", "--fee", "0.1"}) == 0 &&
                    run({"mine", "--chain", chain, "--blocks", "1", "--miner", "carol", "--threads", "1"}) == 0 &&
                    run({"send", "--chain", chain, "--from", "bob", "--to", "dave", "--amount", "1"}) == 0;
  if (!made) {
    std::cerr << "make_seeds: could not build the lab chain\n";
    return 1;
  }
  const std::string file = slurp(chain);
  fs::remove_all(tmp);
  write(out / "chain_file" / "lab.chain", file);
  // The payload alone: fuzz_chain_file frames it with a valid checksum.
  write(out / "chain_file" / "lab.payload", file.substr(20, file.size() - 20 - 32));
  const powlab::ChainFile decoded =
      powlab::decode_chain_file(std::span(reinterpret_cast<const std::uint8_t*>(file.data()), file.size()));
  int n = 0;
  auto add_tx = [&](const powlab::Transaction& tx) {
    const auto bytes = tx.serialize();
    write(out / "tx_decode" / ("tx_" + std::to_string(n++)), bytes.data(), bytes.size());
  };
  for (const auto& b : decoded.blocks) for (const auto& tx : b->txs()) add_tx(tx);
  for (const auto& tx : decoded.mempool) add_tx(tx);

  // argv: a selector byte (fuzz_cli_args.cpp's kFirst index, or kCliArgsAsGiven), then NUL-separated
  // arguments, from the README's commands.
  const std::vector<std::pair<int, std::vector<std::string>>> cmds = {
      {0, {"-d", "--hex", "abc"}},
      {1, {table.rows[0][hex_col], "--json"}},
      {2, {"--bits", "0x1d00ffff", "--timespan", "1022578"}},
      {3, {"headers.csv", "--height", "826540", "--json"}},
      {4, {"--chain", "lab.chain", "--blocks", "3", "--zeros", "20", "--miner", "alice"}},
      {5, {"--chain", "lab.chain", "--from", "alice", "--to", "bob", "--amount", "12.5", "--fee", "0.1"}},
      {6, {"tamper", "lab.chain", "--height", "1", "--amount", "1000"}},
      {7, {"--miners", "alice=3,bob=1", "--mode", "live", "--blocks", "30", "--interval", "1", "--delay-ms", "50",
           "--no-view"}},
      {7, {"--nodes", "10", "--blocks", "1000", "--interval", "600", "--bits", "0x1d00ffff", "--retarget", "2016",
           "--seed", "7"}},
      {8, {"--json"}},
      {9, {table.rows[0][hex_col], "--from", "2080000000", "--count", "5000000"}},
      {10, {"--help"}},
      {11, {"lab.chain", "--json"}},
      {kCliArgsAsGiven, {"chain", "verify", "lab.chain"}},
      {kCliArgsAsGiven, {"--version"}},
      // issue 11, a double spend by hand: the branch to build on, by height and by hash
      {4, {"--chain", "lab.chain", "--parent", "0", "--miner", "mallory"}},
      {5, {"--chain", "lab.chain", "--parent", std::string(64, 'a'), "--from", "alice", "--to", "mallory", "--amount", "1"}},
  };
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    std::string seed(1, static_cast<char>(cmds[i].first));
    for (std::size_t a = 0; a < cmds[i].second.size(); ++a) {
      if (a) seed.push_back('\0');
      seed += cmds[i].second[a];
    }
    write(out / "cli_args" / ("argv_" + std::to_string(i)), seed);
  }
  std::cout << "seeds written to " << out.string() << '\n';
  return 0;
}
