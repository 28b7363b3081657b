#include "app.h"

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>

#include "command.h"
#include "powlab/util/error.h"

namespace powlab::cli {

namespace {

// The subcommands CLI11 had entered, outermost first: {"chain", "show"}. Valid after a
// successful parse and after a failed one (CLI11 marks a subcommand parsed as it enters it),
// so a parse error inside `chain show` is reported as "powlab chain show: error: ...".
std::vector<const CLI::App*> entered(const CLI::App& app) {
  std::vector<const CLI::App*> path;
  const CLI::App* cur = &app;
  for (;;) {
    const CLI::App* next = nullptr;
    for (const CLI::App* s : cur->get_subcommands([](const CLI::App* a) { return a->parsed(); })) next = s;
    if (next == nullptr) return path;
    path.push_back(next);
    cur = next;
  }
}

std::string prefix_of(const std::vector<const CLI::App*>& path) {
  std::string p = "powlab";
  for (const CLI::App* a : path) p += " " + a->get_name();
  return p;
}

std::string subcommand_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + s->get_name();
  }
  return names;
}

// CLI11's messages are sometimes two lines and start with a capital; powlab's errors are one
// line (docs/VOCABULARY.md), so newlines become "; ".
std::string one_line(std::string text) {
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
    text.replace(at, 1, "; ");
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == ';')) text.pop_back();
  return text;
}

// The first argument after `app`'s own name that is not an option: the word the user meant
// as a subcommand, if any.
std::string first_word_after(const std::vector<const CLI::App*>& path, int argc, char** argv) {
  std::size_t depth = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("-")) return "";
    if (depth < path.size() && arg == path[depth]->get_name()) {
      ++depth;
      continue;
    }
    return depth == path.size() ? arg : "";
  }
  return "";
}

int report_parse_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const std::vector<const CLI::App*> path = entered(app);
  const CLI::App& where = path.empty() ? app : *path.back();
  std::string message = one_line(e.what());
  // A word where a subcommand was expected: CLI11 says "arguments were not expected" or "A
  // subcommand is required"; say which word and which subcommands exist.
  const bool wants_subcommand = !where.get_subcommands([](const CLI::App*) { return true; }).empty();
  if (wants_subcommand) {
    const std::string word = first_word_after(path, argc, argv);
    if (!word.empty()) {
      message = "unknown subcommand '" + word + "' (known: " + subcommand_names(where) + ")";
    } else if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && message.starts_with("A subcommand")) {
      // CLI11 checks for the subcommand before it complains of an unknown option before it.
      const std::string first = path.empty() && argc > 1 ? argv[1] : "";
      message = (first.starts_with("-") ? "unknown option '" + first + "'; " : std::string()) +
                "give a subcommand: " + subcommand_names(where);
    }
  }
  std::cerr << prefix_of(path) << ": error: " << message << '\n';
  return kExitUsage;
}

int run_subcommand(const std::string& prefix, const Subcommand& sub) {
  auto fail = [&](const char* what, const char* kind = "error") {
    std::cerr << prefix << ": " << kind << ": " << what << '\n';
    return kExitUsage;
  };
  try {
    const int code = sub.run();
    // Output that could not be written is lost output (`--json > /dev/full` once exited 0):
    // the same exit 2 as a file that cannot be written, with the OS's reason.
    errno = 0;
    std::cout.flush();
    if (!std::cout) {
      const std::string why = std::string("cannot write standard output: ") + std::strerror(errno != 0 ? errno : EIO);
      return fail(why.c_str());
    }
    return code;
  } catch (const UsageError& e) {
    return fail(e.what());
  } catch (const powlab::ParseError& e) {
    return fail(e.what());
  } catch (const CLI::ParseError& e) {  // a strict parser (parse_integer) used after parsing
    return fail(one_line(e.what()).c_str());
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
  add_attack(app, registry);
  add_cryptojack(app, registry);
  add_watch(app, registry);
  add_draw(app, registry);
  add_serve(app, registry);

  // `powlab` alone: the list of subcommands (the help), and exit 2 since nothing was done.
  if (argc <= 1) {
    std::cout << app.help();
    return kExitUsage;
  }
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, argc, argv);
  } catch (const std::exception& e) {
    std::cerr << prefix_of(entered(app)) << ": internal error: " << e.what() << '\n';
    return kExitUsage;
  }
  if (parse_only) return kExitOk;

  const std::vector<const CLI::App*> path = entered(app);
  for (const Subcommand& sub : registry) {
    if (sub.app->parsed()) return run_subcommand(prefix_of(path), sub);
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace powlab::cli
