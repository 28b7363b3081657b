// powlab: a proof-of-work lab for the command line.
#include "app.h"

int main(int argc, char** argv) { return powlab::cli::run_powlab(argc, argv); }
