#!/usr/bin/env bash
# The CLI tour: a short live demo of powlab on real Bitcoin data and its own lab ledger.
# usage: scripts/demo.sh [PATH/TO/powlab]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
powlab=${1:-$root/build/cli/powlab}
data=$root/tests/data/headers
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

genesis=0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c

echo "powlab tour: proof of work, checked against real Bitcoin mainnet data"
step "$powlab" header "$genesis"
step "$powlab" verify "$data/chain_mainnet_0_255.bin"
step "$powlab" difficulty --bits 0x1d00ffff --timespan 1022578
