#!/usr/bin/env bash
# Fuzzes every target for SECONDS each (docs/FUZZING.md), at low priority, two queues at a time:
#   fuzz/run_all.sh BUILD_DIR SECONDS [OUT_DIR]
# BUILD_DIR is a -DPOWLAB_FUZZ=ON build. Each target's corpus grows in OUT_DIR/corpus/<name>
# (seeded from BUILD_DIR/fuzz/seeds), its log is OUT_DIR/<name>.log, and a crash input is
# written as OUT_DIR/crash-<name>-*. Exits non-zero if any target failed.
set -uo pipefail
build=${1:?usage: fuzz/run_all.sh BUILD_DIR SECONDS [OUT_DIR]}
seconds=${2:?usage: fuzz/run_all.sh BUILD_DIR SECONDS [OUT_DIR]}
out=${3:-$build/fuzz/runs}
mkdir -p "$out"

run_one() {
  local name=$1
  mkdir -p "$out/corpus/$name"
  local mask=1  # stdout closed; stderr too for the CLI's thousands of error lines
  [ "$name" = cli_args ] && mask=3
  nice -n 10 "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -close_fd_mask=$mask -print_final_stats=1 -artifact_prefix="$out/crash-$name-" \
    "$out/corpus/$name" "$build/fuzz/seeds/$name" > "$out/$name.log" 2>&1
  local rc=$?
  echo "fuzz_$name: exit $rc ($(grep -E '^stat::number_of_executed_units' "$out/$name.log"))"
  return $rc
}
queue() { local rc=0; for t in "$@"; do run_one "$t" || rc=1; done; return $rc; }

queue header_hex compact_bits header_file > "$out/queue1.txt" 2>&1 &
q1=$!
queue tx_decode chain_file cli_args > "$out/queue2.txt" 2>&1 &
q2=$!
wait $q1; wait $q2
cat "$out/queue1.txt" "$out/queue2.txt"
! grep -q "exit [1-9]" "$out/queue1.txt" "$out/queue2.txt"
