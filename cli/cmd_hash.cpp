// powlab hash: SHA-256 or sha256d of hex, a file, or stdin.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "command.h"
#include "powlab/util/hex.h"
#include "powlab/sha256.h"

namespace powlab::cli {

namespace {

struct HashOptions {
  bool twice = false;
  bool json = false;
  std::string hex;
  bool have_hex = false;  // --hex "" is the empty message, so presence is tracked apart
  std::string file;
  std::string positional;  // "-" for stdin
};

// Streams the input in chunks so large files need no memory.
std::uint64_t hash_stream(std::istream& in, Sha256& h, const std::string& name) {
  std::vector<char> buf(1 << 16);
  std::uint64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    h.update(reinterpret_cast<const std::uint8_t*>(buf.data()), got);
    total += got;
  }
  if (in.bad()) throw UsageError("cannot read " + name + ": " + std::strerror(errno));
  return total;
}

int run(const HashOptions& o) {
  const int sources = o.have_hex + !o.file.empty() + !o.positional.empty();
  if (sources != 1) throw UsageError("give exactly one input: --hex HEX, --file PATH, or - for stdin");
  if (!o.positional.empty() && o.positional != "-") {
    throw UsageError("unexpected argument '" + o.positional + "' (use --file PATH, or - for stdin)");
  }

  Sha256 h;
  std::uint64_t bytes = 0;
  if (o.have_hex) {
    const auto data = from_hex(o.hex);
    h.update(data);
    bytes = data.size();
  } else if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) throw UsageError("cannot open " + o.file + ": " + std::strerror(errno));
    bytes = hash_stream(in, h, o.file);
  } else {
    bytes = hash_stream(std::cin, h, "stdin");
  }
  Digest d = h.final();
  if (o.twice) d = sha256(d);

  const std::string digest = to_hex(d);
  if (!o.twice) {
    // A plain SHA-256 digest has one byte order, the one sha256sum prints.
    if (o.json) {
      print_json({{"algorithm", "sha256"}, {"bytes", bytes}, {"digest", digest}});
    } else {
      std::cout << digest << '\n';
    }
    return kExitOk;
  }
  // sha256d as Bitcoin uses it: the digest's bytes as computed (internal order, as stored in a
  // header's prev_hash) and reversed (display order, as `powlab header` and explorers print).
  std::string display;
  for (std::size_t i = digest.size(); i >= 2; i -= 2) display += digest.substr(i - 2, 2);
  if (o.json) {
    print_json({{"algorithm", "sha256d"}, {"bytes", bytes}, {"digest_internal", digest}, {"digest_display", display}});
  } else {
    std::cout << digest << "  (internal byte order; display order " << display << ")\n";
  }
  return kExitOk;
}

}  // namespace

void add_hash(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<HashOptions>();
  CLI::App* sub = app.add_subcommand("hash", "SHA-256 (or sha256d with --double) of hex, a file, or stdin");
  sub->add_flag("--double,-d", o->twice, "sha256d: SHA-256 applied twice, as Bitcoin hashes headers");
  CLI::Option* hex = sub->add_option("--hex", o->hex, "the message as hex digits (an even count; \"\" is empty)")->type_name("HEX");
  sub->add_option("--file,-f", o->file, "hash the contents of this file");
  sub->add_option("input", o->positional, "- to read stdin");
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o, hex] {
                        o->have_hex = hex->count() > 0;
                        return run(*o);
                      }});
}

}  // namespace powlab::cli
