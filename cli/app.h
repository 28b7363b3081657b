// The whole powlab command line as a function, so that main() is one line and a fuzz target
// can drive the same parser with arbitrary argv.
#pragma once

namespace powlab::cli {

// Parses argv and runs the chosen subcommand. Never throws: every exception becomes a one-line
// "powlab SUBCOMMAND: error: ..." (exit 2), and anything unexpected "internal error: ..."
// (exit 2). With parse_only the subcommand's action is not run (for fuzzing the parser).
int run_powlab(int argc, char** argv, bool parse_only = false);

}  // namespace powlab::cli
