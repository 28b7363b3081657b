// fuzz_cli_args's first input byte: an index into its subcommand list, or this value, which
// leaves argv as given. make_seeds.cpp writes seeds with it, so both must agree.
#pragma once

constexpr unsigned char kCliArgsAsGiven = 0xFF;
