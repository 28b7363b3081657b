#include "app.h"

#include <exception>
#include <iostream>
#include <new>

#include "command.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

int run_subcommand(const Subcommand& sub) {
  const std::string name = sub.app->get_name();
  auto fail = [&](const char* what, const char* kind = "error") {
    std::cerr << "powlab " << name << ": " << kind << ": " << what << '\n';
    return kExitUsage;
  };
  try {
    return sub.run();
  } catch (const UsageError& e) {
    return fail(e.what());
  } catch (const powlab::ParseError& e) {
    return fail(e.what());
  } catch (const std::bad_alloc&) {
    return fail("out of memory", "internal error");
  } catch (const std::exception& e) {
    // Nothing may abort powlab: an exception no command expected is a bug, reported as one.
    return fail(e.what(), "internal error");
  } catch (...) {
    return fail("unknown exception", "internal error");
  }
}

}  // namespace

int run_powlab(int argc, char** argv, bool parse_only) {
  CLI::App app{"powlab: a proof-of-work lab. SHA-256d, Bitcoin headers and consensus arithmetic,\n"
               "checked against real mainnet data. Mines only its own simulated ledger.",
               "powlab"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "powlab 0.1.0");

  Registry registry;
  add_hash(app, registry);
  add_header(app, registry);
  add_difficulty(app, registry);
  add_verify(app, registry);
  add_mine(app, registry);
  add_send(app, registry);
  add_chain(app, registry);
  add_race(app, registry);
  add_kernels(app, registry);
  add_scan(app, registry);
  add_bench(app, registry);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "powlab: error: " << e.what() << "\nRun with --help for usage.\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "powlab: internal error: " << e.what() << '\n';
    return kExitUsage;
  }
  if (parse_only) return kExitOk;

  for (const Subcommand& sub : registry) {
    if (sub.app->parsed()) return run_subcommand(sub);
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace powlab::cli
