// powlab: a proof-of-work lab for the command line.
#include <iostream>

#include "command.h"
#include "powlab/util/error.h"

int main(int argc, char** argv) {
  using namespace powlab::cli;
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
  }

  for (const Subcommand& sub : registry) {
    if (!sub.app->parsed()) continue;
    const std::string name = sub.app->get_name();
    try {
      return sub.run();
    } catch (const UsageError& e) {
      std::cerr << "powlab " << name << ": error: " << e.what() << '\n';
      return kExitUsage;
    } catch (const powlab::ParseError& e) {
      std::cerr << "powlab " << name << ": error: " << e.what() << '\n';
      return kExitUsage;
    }
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}
