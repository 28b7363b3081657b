#!/usr/bin/env bash
# The CLI tour: about a minute of powlab on real Bitcoin data and on its own lab ledger.
# usage: scripts/demo.sh [PATH/TO/powlab]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
powlab=${1:-$root/build/cli/powlab}
data=$root/tests/data/headers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n\033[1m$ powlab %s\033[0m\n' "$*"; "$powlab" "$@"; }
# Steps whose exit code 1 is the lesson (a tampered chain must fail verification).
expect_invalid() { printf '\n\033[1m$ powlab %s\033[0m\n' "$*"; if "$powlab" "$@"; then echo "expected a failure"; exit 1; fi; }

genesis=0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c

echo "powlab tour: proof of work, checked against real Bitcoin mainnet data"
step header "$genesis"
step verify "$data/chain_mainnet_0_255.bin"
step difficulty --bits 0x1d00ffff --timespan 1022578
step kernels
step scan "$genesis" --from 2083000000 --count 1000000

echo; echo "== a ledger of your own: mine, send, mine, balances, tamper, verify"
chain=$work/lab.chain
step mine --chain "$chain" --blocks 3 --zeros 20 --miner alice
# Coinbase maturity (3 on lab): only block 0's 50 coins are spendable in block 3.
expect_invalid send --chain "$chain" --from alice --to bob --amount 60
step send --chain "$chain" --from alice --to bob --amount 12.5 --fee 0.1
step mine --chain "$chain" --blocks 1 --miner carol
step chain balances "$chain"
step chain tamper "$chain" --height 1 --amount 1000
expect_invalid chain verify "$chain.tampered"

echo; echo "== a race: alice has 3x bob's hash power"
step race --miners alice=3,bob=1 --mode event --blocks 20000 --delay-ms 2000 --interval 600 --seed 1
