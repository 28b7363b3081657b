// powlab verify FILE: check a header chain under mainnet rules.
#include <ctime>
#include <iostream>

#include "command.h"
#include "powlab/consensus/chain_verify.h"
#include "powlab/ledger/header_io.h"

namespace powlab::cli {

namespace {

struct VerifyCliOptions {
  std::string file;
  std::int64_t height = 0;
  bool json = false;
};

int run(const VerifyCliOptions& o) {
  const HeaderFile file = load_header_file(o.file);
  VerifyOptions options;
  options.now = static_cast<std::int64_t>(std::time(nullptr));
  ChainVerifyResult r = verify_header_chain(file.headers, o.height, mainnet(), options);

  // A truncated or short entry fails where it stands, unless an earlier header failed first.
  if (r.valid() && file.bad_length) {
    r.failure = HeaderFailure{o.height + static_cast<std::int64_t>(file.bad_length->index), std::nullopt,
                              HeaderReject::bad_length, file.bad_length->detail};
  }

  if (o.json) {
    nlohmann::json j = {{"valid", r.valid()},       {"headers", r.headers},
                        {"first_height", o.height}, {"tip_hash", r.headers ? hash_to_display(r.tip) : ""},
                        {"chainwork", r.chainwork.to_hex()}, {"format", file.format},
                        {"unchecked", r.unchecked}};
    if (!r.valid()) {
      const HeaderFailure& f = *r.failure;
      j["height"] = f.height;
      j["hash"] = f.hash ? nlohmann::json(hash_to_display(*f.hash)) : nlohmann::json(nullptr);
      j["reason"] = std::string(to_string(f.reason));
      j["detail"] = f.detail;
    }
    print_json(j);
  } else if (r.valid()) {
    std::cout << "valid: " << r.headers << " headers, heights " << o.height << ".."
              << o.height + static_cast<std::int64_t>(r.headers) - 1 << " (" << file.format << ")\n"
              << "tip        " << hash_to_display(r.tip) << '\n'
              << "chainwork  " << r.chainwork.to_hex() << " (these headers only)\n";
    for (const std::string& u : r.unchecked) std::cout << "unchecked  " << u << '\n';
  } else {
    const HeaderFailure& f = *r.failure;
    std::cout << "INVALID at height " << f.height << ": " << to_string(f.reason) << '\n';
    if (f.hash) std::cout << "hash       " << hash_to_display(*f.hash) << '\n';
    std::cout << "why        " << f.detail << '\n'
              << "before it  " << r.headers << " valid headers\n";
  }
  return r.valid() ? kExitOk : kExitInvalid;
}

}  // namespace

void add_verify(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<VerifyCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "verify", "verify a header chain: linkage, proof of work, retarget nBits, median-time-past (mainnet rules)");
  sub->add_option("file", o->file,
                  "raw 80-byte headers back to back, one 160-hex header per line, or a CSV with header_hex")
      ->required();
  // Heights beyond 2^31 would overflow int32 consumers and no real chain is near them.
  add_integer_option<std::int64_t>(sub, "--height", o->height, "height of the first header (default 0)", 0,
                                   std::numeric_limits<std::int32_t>::max());
  sub->add_flag("--json", o->json, "print a JSON object");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
