// CPUID + XGETBV feature detection. Built with baseline flags: it must run on any x86-64.
// A CPUID bit only says the silicon has the instructions; the OS must also save the wider
// registers on context switch (XCR0), or AVX code corrupts state or faults.
#include <cpuid.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "powlab/kernels.h"

namespace powlab::kernels {
namespace {

// XCR0 state components (Intel SDM vol. 1, 13.3).
constexpr std::uint64_t kXcr0Sse = 1u << 1;
constexpr std::uint64_t kXcr0Avx = 1u << 2;         // upper halves of YMM
constexpr std::uint64_t kXcr0Opmask = 1u << 5;      // k0..k7
constexpr std::uint64_t kXcr0ZmmHi256 = 1u << 6;    // upper halves of ZMM0..15
constexpr std::uint64_t kXcr0HiZmm = 1u << 7;       // ZMM16..31
constexpr std::uint64_t kXcr0AvxState = kXcr0Sse | kXcr0Avx;                                    // 0x6
constexpr std::uint64_t kXcr0Avx512State = kXcr0AvxState | kXcr0Opmask | kXcr0ZmmHi256 | kXcr0HiZmm;  // 0xE6

std::uint64_t xgetbv0() {
  std::uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));  // only called when OSXSAVE is set
  return (std::uint64_t{edx} << 32) | eax;
}

std::uint32_t detect() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return 0;
  __cpuid_count(1, 0, a, b, c, d);
  const bool ssse3 = c & bit_SSSE3, sse41 = c & bit_SSE4_1;
  const bool osxsave = c & bit_OSXSAVE, avx = c & bit_AVX;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & bit_AVX2, sha = b & bit_SHA;
  const bool avx512 = (b & bit_AVX512F) && (b & bit_AVX512VL) && (b & bit_AVX512BW);
  const std::uint64_t xcr0 = osxsave ? xgetbv0() : 0;

  std::uint32_t f = 0;
  if (sse41) f |= kFeatureSse41;
  if (avx && avx2 && (xcr0 & kXcr0AvxState) == kXcr0AvxState) f |= kFeatureAvx2;
  if (avx && avx512 && (xcr0 & kXcr0Avx512State) == kXcr0Avx512State) f |= kFeatureAvx512;
  if (sha && ssse3 && sse41) f |= kFeatureShaNi;  // legacy-SSE encoded: XMM state only
  return f;
}

}  // namespace

std::uint32_t cpu_features() {
  // POWLAB_CPU_MASK (hex) can only REMOVE features: it lets tests and users check the
  // behaviour of an older CPU (e.g. forcing avx512 where it is absent must refuse, not SIGILL).
  static const std::uint32_t features = [] {
    std::uint32_t f = detect();
    if (const char* mask = std::getenv("POWLAB_CPU_MASK")) f &= static_cast<std::uint32_t>(std::strtoul(mask, nullptr, 16));
    return f;
  }();
  return features;
}

std::string features_to_string(std::uint32_t mask) {
  static constexpr struct { std::uint32_t bit; const char* name; } kNames[] = {
      {kFeatureSse41, "sse4.1"}, {kFeatureAvx2, "avx2"}, {kFeatureAvx512, "avx512(f,vl,bw)"}, {kFeatureShaNi, "sha-ni"}};
  std::string out;
  for (const auto& n : kNames) {
    if ((mask & n.bit) == 0) continue;
    if (!out.empty()) out += ' ';
    out += n.name;
  }
  return out.empty() ? "none" : out;
}

std::string cpu_model() {
  unsigned regs[12] = {};
  if (static_cast<unsigned>(__get_cpuid_max(0x80000000u, nullptr)) < 0x80000004u) return "unknown";
  for (unsigned i = 0; i < 3; ++i) __cpuid(0x80000002u + i, regs[4 * i], regs[4 * i + 1], regs[4 * i + 2], regs[4 * i + 3]);
  char brand[49] = {};
  std::memcpy(brand, regs, 48);
  std::string s(brand);
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s.empty() ? "unknown" : s;
}

}  // namespace powlab::kernels
