// powlab header HEX160: every field of an 80-byte header, its hash, target, work and PoW.
#include <cstdio>
#include <iostream>
#include <iterator>

#include "command.h"
#include "powlab/consensus/header.h"
#include "powlab/consensus/params.h"
#include "powlab/consensus/pow.h"
#include "powlab/consensus/target.h"

namespace powlab::cli {

namespace {

struct HeaderOptions {
  std::string hex;
  bool json = false;
};

// `-` reads the 160 hex digits from standard input (surrounding whitespace ignored), as
// `hash -` does.
std::string header_text(const std::string& arg) {
  if (arg != "-") return arg;
  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw UsageError("standard input is empty: give 160 hex digits");
  text.erase(0, first);
  text.erase(text.find_last_not_of(" \t\r\n") + 1);
  return text;
}

int run(const HeaderOptions& o) {
  const BlockHeader h = BlockHeader::from_hex(header_text(o.hex));
  const Hash256 hash = h.hash();
  const CompactTarget target = decode_compact(h.bits);
  const U256 work = block_work(h.bits);
  const PowStatus pow = check_proof_of_work(hash, h.bits, mainnet().pow_limit);
  const bool pow_ok = pow == PowStatus::ok;

  if (o.json) {
    print_json({{"hash", hash_to_display(hash)},
                {"version", h.version},
                {"prev_hash", hash_to_display(h.prev_hash)},
                {"merkle_root", hash_to_display(h.merkle_root)},
                {"time", h.time},
                {"bits", bits_hex(h.bits)},
                {"nonce", h.nonce},
                {"target", target.target.to_hex()},
                {"difficulty", difficulty(h.bits)},
                {"work", work.to_hex()},
                {"pow_ok", pow_ok},
                {"pow_status", std::string(to_string(pow))}});
  } else {
    char version[48];
    std::snprintf(version, sizeof version, "%d (0x%08x)", h.version, static_cast<std::uint32_t>(h.version));
    // Display order, as block explorers and Bitcoin Core's RPC print a hash; the header's own
    // bytes (and `powlab hash -d`) hold the reverse.
    std::cout << "hash         " << hash_to_display(hash) << "  (display order)\n"
              << "version      " << version << '\n'
              << "prev_hash    " << hash_to_display(h.prev_hash) << "  (display order)\n"
              << "merkle_root  " << hash_to_display(h.merkle_root) << "  (display order)\n"
              << "time         " << h.time << " (" << format_utc(h.time) << ")\n"
              << "bits         " << bits_hex(h.bits) << '\n'
              << "nonce        " << h.nonce << '\n'
              << "target       " << target.target.to_hex() << '\n'
              << "difficulty   " << difficulty(h.bits) << '\n'
              << "work         " << work.to_hex() << "  " << format_big(work.to_double()) << " hashes\n"
              << "pow          " << (pow_ok ? "valid" : "INVALID: " + std::string(to_string(pow)))
              << " (mainnet rules)\n";
  }
  return pow_ok ? kExitOk : kExitInvalid;
}

}  // namespace

void add_header(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<HeaderOptions>();
  CLI::App* sub = app.add_subcommand("header", "decode an 80-byte header (160 hex digits) and check its proof of work");
  sub->add_option("header", o->hex, "the raw header as 160 hex digits (serialization order); - reads standard input")->required();
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
