#!/usr/bin/env bash
# One command from a fresh Debian 12 machine (with git) to a working powlab:
#   scripts/bootstrap.sh demo   install what is missing, build (Release), run the CLI tour
#   scripts/bootstrap.sh test   install what is missing, build (Release), run the whole test suite
#   scripts/bootstrap.sh deps   only install what is missing
# Works as root or as a normal user (uses sudo for apt-get). BUILD_DIR overrides ./build.
set -euo pipefail

mode=${1:-}
case "$mode" in
  demo|test|deps) ;;
  *) echo "usage: scripts/bootstrap.sh demo|test|deps" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}

# Debian 12 packages: the toolchain and every find_package dependency.
# openmpi-bin and libopenmpi-dev: mpirun and the MPI library behind `--mpi` (issue 15; the test
# suite runs the MPI paths under mpirun when they are built).
# graphviz (the `dot` program lays out fork trees), librsvg2-bin (rsvg-convert renders every
# picture in tests/pictures_test.cpp) and zlib1g-dev (that test decodes the PNG) are for the
# pictures of issue 13.
# clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes, only "recommended" by
# clang) build the fuzz targets and the CI's ASan+UBSan stage (.ci/run, docs/FUZZING.md).
# chromium is the real browser of the classroom test (tests/browser/, issue 14), driven by
# puppeteer-core from npm; Node.js comes from Debian (nodejs, npm) only where no `node` is
# installed already, so a newer Node on the machine is left alone.
packages=(build-essential cmake libtbb-dev libbenchmark-dev libcli11-dev libgtest-dev libgmock-dev
          nlohmann-json3-dev libssl-dev openssl clang libclang-rt-14-dev openmpi-bin libopenmpi-dev
          graphviz librsvg2-bin zlib1g-dev libcpp-httplib-dev chromium)
command -v node >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "error: missing packages (${missing[*]}) and no sudo to install them; run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The browser test's npm packages (tests/browser/package-lock.json pins them), installed when
# node_modules is missing or was installed from another lock file (not for the demo, which
# needs no browser). npm is the only step that needs the network beyond apt; offline, it fails
# here with this message and the browser test skips, unless POWLAB_REQUIRE_BROWSER=1 (CI),
# which makes it an error.
browser_dir=$root/tests/browser
lock_sum=$(sha256sum "$browser_dir/package-lock.json" | cut -d' ' -f1)
stamp=$browser_dir/node_modules/.powlab-lock-sha256
if [ "$mode" != demo ] && [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "== installing the browser test's npm packages (npm ci in tests/browser)"
  if command -v npm >/dev/null && (cd "$browser_dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error); then
    echo "$lock_sum" > "$stamp"
  elif [ "${POWLAB_REQUIRE_BROWSER:-}" = 1 ]; then
    echo "error: npm ci in tests/browser failed (is npm installed, and registry.npmjs.org reachable?); POWLAB_REQUIRE_BROWSER=1 needs it" >&2
    exit 1
  else
    echo "warning: npm ci in tests/browser failed (is npm installed, and registry.npmjs.org reachable?); the browser test will skip" >&2
  fi
fi

[ "$mode" = deps ] && exit 0

jobs=$(nproc 2>/dev/null || echo 2)
echo "== configuring and building (Release) in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPOWLAB_WERROR=${POWLAB_WERROR:-OFF} >/dev/null
cmake --build "$build" -j "$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
test -x "$build/cli/powlab" || { echo "error: build failed" >&2; exit 1; }

if [ "$mode" = demo ]; then
  exec "$root/scripts/demo.sh" "$build/cli/powlab"
fi
echo "== running the test suite"
cd "$build"
log=$(mktemp)
status=0
ctest --output-on-failure -j "$jobs" 2>&1 | tee "$log" || status=$?  # pipefail: ctest's own status
# CTest lists skipped and disabled tests after its summary line; repeat the summary so that it
# is the last thing printed (CI reads the last line).
grep -E "tests passed|tests failed" "$log" | tail -1
rm -f "$log"
exit "$status"
