#!/bin/sh
# Counts, in the compiled kernels library, the instructions that bind each kernel, per nonce.
# This is where the `binding_per_nonce` figures of `powlab kernels --json` (kernels/dispatch.cpp)
# come from, and with --check POWLAB it is the ctest that keeps them honest.
#
#   bench/count_instructions.sh build/kernels/libpowlab_kernels.a
#   bench/count_instructions.sh build/kernels/libpowlab_kernels.a --check build/cli/powlab
#
# How it counts: `objdump -d -C` of the library; the functions of each kernel's nonce scan
# (the scan entry and the templates inlined into it: every round is unrolled, so one batch is
# straight-line code and the static count is the count per batch); then
#   shani, shani_vl   lines with sha256rnds2, divided by the streams (lanes) of one batch;
#   avx512  instructions on %zmm registers that compute (not vmov*, vpbroadcast*, vextract*,
#           vinsert*, kmov*), divided by 16;
#   avx2    the same on %ymm, divided by 8.
# --check: sha256rnds2 must match exactly, the vector counts within 2%.
# It also counts sha256msg2 in the SHA-NI scans and checks it against kShaniMsg2PerNonce below:
# msg2 is not the binding instruction, but it is the costliest one of the schedule (one per 2
# cycles on Zen 4, docs/PERFORMANCE.md), so a change that adds one back should fail loudly.
# The few set-up instructions outside the loop are included; they are under 1% of a batch.
set -eu
lib=$1
[ -f "$lib" ] || { echo "no such library: $lib" >&2; exit 2; }
dis=$(mktemp)
trap 'rm -f "$dis"' EXIT
objdump -d -C --no-show-raw-insn "$lib" >"$dis"

# count OBJECT FUNCTION-REGEX INSTRUCTION-REGEX: instructions matching in the functions of the
# object file OBJECT (e.g. shani.cpp.o) whose demangled names match.
count() {
  awk -v obj="$1" -v fn="$2" -v ins="$3" '
    /^[^ ]+\.o: +file format/ { sub(/:.*/, ""); inobj = ($0 == obj); on = 0; next }
    /^[0-9a-f]+ <.*>:$/ { on = inobj && ($0 ~ fn); next }
    on && /^ *[0-9a-f]+:\t/ {
      split($0, f, "\t"); text = f[2]
      split(text, w, " "); m = w[1]
      if (text ~ ins && m !~ /^(vmov|vpbroadcast|vextract|vinsert|kmov)/) n++
    }
    END { print n + 0 }' "$dis"
}

rnds2=$(count shani.cpp.o 'scan_(shani|streams)' 'sha256rnds2')
rnds2_vl=$(count shani_vl.cpp.o 'scan_(shani_vl|streams)' 'sha256rnds2')
msg2=$(count shani.cpp.o 'scan_(shani|streams)' 'sha256msg2')
msg2_vl=$(count shani_vl.cpp.o 'scan_(shani_vl|streams)' 'sha256msg2')
# 23 computed message groups per nonce need a sha256msg2: groups 5-15 of the first hash (group 4's
# sigma1 inputs W14..W17 are nonce-free, kernels/shani_core.inl) and 4-15 of the second.
kShaniMsg2PerNonce=23
zmm=$(count avx512.cpp.o 'scan_avx512|Avx512>::scan' '%zmm')
ymm=$(count avx2.cpp.o 'scan_avx2|Avx2>::scan' '%ymm')

if [ "${2:-}" = "--check" ]; then
  powlab=$3
  # `powlab kernels --json` prints keys in alphabetical order, so a kernel's binding_per_nonce
  # and lanes come before its name.
  POWLAB_KERNEL= "$powlab" kernels --json | awk -v rnds2="$rnds2" -v rnds2_vl="$rnds2_vl" -v zmm="$zmm" -v ymm="$ymm" \
      -v msg2="$msg2" -v msg2_vl="$msg2_vl" -v msg2_want="$kShaniMsg2PerNonce" '
    /"binding_per_nonce"/ { gsub(/[",]/, ""); per = $2 }
    /"lanes"/ { gsub(/[",]/, ""); lanes = $2 }
    /"name"/ {
      gsub(/[",]/, ""); name = $2
      got = -1
      if (name == "shani") got = rnds2 / lanes
      if (name == "shani_vl") got = rnds2_vl / lanes
      if (name == "avx512") got = zmm / 16
      if (name == "avx2") got = ymm / 8
      if (got >= 0) {
        # sha256rnds2 is counted exactly; the vector ALU counts may move a little with
        # register allocation, so 2% is allowed there.
        d = got > per ? got - per : per - got
        ok = per > 0 && d <= (name ~ /^shani/ ? 0.001 : 0.02 * per)
        printf "%-7s compiled %.2f per nonce, declared %.2f: %s\n", name, got, per, ok ? "ok" : "MISMATCH"
        if (!ok) bad = 1
        checked++
      }
      if (name ~ /^shani/) {
        m = (name == "shani" ? msg2 : msg2_vl) / lanes
        mok = m == msg2_want
        printf "%-7s sha256msg2 %.2f per nonce, expected %d: %s\n", name, m, msg2_want, mok ? "ok" : "MISMATCH"
        if (!mok) bad = 1
      }
      per = 0
    }
    END { if (checked == 0) { print "no kernel checked"; exit 1 } exit bad }'
else
  echo "sha256rnds2 in the shani scan: $rnds2, in shani_vl: $rnds2_vl (divide by the streams)"
  echo "sha256msg2 in the shani scan: $msg2, in shani_vl: $msg2_vl (divide by the streams; $kShaniMsg2PerNonce per nonce expected)"
  echo "avx512 zmm ALU instructions per nonce: $(awk -v n="$zmm" 'BEGIN { printf "%.2f", n / 16 }') ($zmm per 16)"
  echo "avx2 ymm ALU instructions per nonce: $(awk -v n="$ymm" 'BEGIN { printf "%.2f", n / 8 }') ($ymm per 8)"
fi
