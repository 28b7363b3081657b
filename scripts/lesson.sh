#!/usr/bin/env bash
# A trainer's one-command start (issue 13 part 3): prepares lesson N's folder and prints the
# first command to type.
#   usage: scripts/lesson.sh N [DIR]     N = 1..6; DIR (default ./powlab-lesson-N) must be new or empty
#   POWLAB=/path/to/powlab overrides the binary (default: build/cli/powlab of this checkout)
# A script, not a `powlab lesson` subcommand: the course lives in docs/lessons, and the binary
# stays free of course content (a lesson edit never needs a rebuild). The lesson test
# (tests/lessons_test.cpp) runs every lesson in a folder made by this script, so what it prepares
# is exactly what the lessons use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "lesson.sh: error: $*" >&2; exit 2; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then die "usage: scripts/lesson.sh N [DIR] (N = 1..6)"; fi
case $1 in
  1 | 2 | 3 | 4 | 5 | 6 | 01 | 02 | 03 | 04 | 05 | 06) n=$((10#$1)) ;;
  *) die "lesson '$1' does not exist: the course has lessons 1 to 6" ;;
esac
nn=$(printf '%02d' "$n")
dir=${2:-powlab-lesson-$n}
powlab=${POWLAB:-$root/build/cli/powlab}
[ -x "$powlab" ] || die "no powlab binary at $powlab: build it first (scripts/bootstrap.sh demo) or set POWLAB"
if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  die "$dir is not empty: give a new folder, so that no earlier class's files mix into this one"
fi
lesson_file() {  # lesson_file LANG: the lesson itself, not its answer key
  local f
  for f in "$root/docs/lessons/$1/$nn"-*.md; do
    case $f in *-answers.md) ;; *) [ -f "$f" ] && { echo "$f"; return; } ;; esac
  done
  die "docs/lessons/$1 has no lesson $nn"
}
en=$(lesson_file en)
ja=$(lesson_file ja)
mkdir -p "$dir/data"
dir=$(cd "$dir" && pwd)

# Every lesson gets the same real data, under data/ (sources: tests/data/README.md).
cp "$root"/tests/data/headers/{chain_mainnet_0_255.bin,notable_headers.csv,chain_mainnet_826540_826579_retarget.csv} \
   "$root"/tests/data/cryptojacking/minesweeper_browser_cpu.csv "$dir/data/"
case $n in
  4)  # The event log the lesson reads before racing itself: a seeded event race, so the log is
      # the same file on every trainee's machine (same seed, byte-identical log).
    (cd "$dir" && "$powlab" race --miners alice=3,bob=1,carol=2 --blocks 200 --interval 10 --delay-ms 3000 \
       --seed 4 --events race-events.csv >/dev/null) || die "preparing race-events.csv failed"
    ;;
esac

echo "lesson $n ready in $dir"
echo "  lesson:  ${en#"$root"/}"
echo "  日本語:  ${ja#"$root"/}"
echo "  files:   $(cd "$dir" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')"
echo "in that folder, with powlab on the PATH (export PATH=\"$(dirname "$powlab"):\$PATH\"), type first:"
echo
echo "  $(grep -m1 '^\$ ' "$en" | cut -c3-)"
