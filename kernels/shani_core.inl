// The SHA-NI nonce scan, written once and included by shani.cpp (SSE encoding, any SHA-NI CPU)
// and by shani_vl.cpp and hybrid.cpp (built with AVX-512VL too: the compiler may then encode
// the non-SHA operations with EVEX and keep values in xmm16-31, which sha256rnds2/msg1/msg2
// cannot address, instead of spilling them to the stack).
//
// Why S streams: sha256rnds2 has a 4-cycle latency but issues once per cycle, and one stream is
// a strict dependency chain, so one stream idles the SHA unit 3 cycles in 4. Interleaving S
// independent nonces fills it; S is fixed at compile time (kStreams) after measuring 2..8.
//
// Register layout (Intel SHA extensions): abef = {F, E, B, A} and cdgh = {H, G, D, C} from
// lane 0 up. rnds2(cdgh, abef, wk) runs two rounds with wk lanes 0,1 = K[t]+W[t], K[t+1]+W[t+1]
// and returns the new abef; the old abef becomes the new cdgh.
#include <immintrin.h>

#include <bit>
#include <cstring>

#include "mining.h"
#include "powlab/sha256.h"

#define POWLAB_INLINE inline __attribute__((always_inline))

namespace powlab::kernels {
namespace {

using sha256_core::kRound;

POWLAB_INLINE __m128i kgroup(int g) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(kRound.data() + 4 * g)); }
POWLAB_INLINE __m128i words(std::uint32_t w0, std::uint32_t w1, std::uint32_t w2, std::uint32_t w3) {
  return _mm_setr_epi32(static_cast<int>(w0), static_cast<int>(w1), static_cast<int>(w2), static_cast<int>(w3));
}
// {a..h} in round order -> abef / cdgh.
POWLAB_INLINE void to_shani(const std::uint32_t s[8], __m128i& abef, __m128i& cdgh) {
  abef = words(s[5], s[4], s[1], s[0]);
  cdgh = words(s[7], s[6], s[3], s[2]);
}

// Four rounds (two rnds2) with wk = K+W for rounds 4g..4g+3.
POWLAB_INLINE void rounds4(__m128i& abef, __m128i& cdgh, __m128i wk) {
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
  abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
}
// The same with the high pair pre-shuffled: for a nonce-free wk the pshufd is done once per job.
POWLAB_INLINE void rounds4c(__m128i& abef, __m128i& cdgh, __m128i wk, __m128i wk_hi) {
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
  abef = _mm_sha256rnds2_epu32(abef, cdgh, wk_hi);
}
POWLAB_INLINE void rounds2(__m128i& abef, __m128i& cdgh, __m128i wk) {
  const __m128i next = _mm_sha256rnds2_epu32(cdgh, abef, wk);
  cdgh = abef;
  abef = next;
}
// W[4g..4g+3] from the four previous groups: the standard msg1/alignr/msg2 step.
POWLAB_INLINE __m128i next_group(__m128i m0, __m128i m1, __m128i m2, __m128i m3) {
  return _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4)), m3);
}

// Constants for one job, in SHA-NI form.
struct ShaniConsts {
  __m128i abef2, cdgh2;   // first hash, block 2, after rounds 0,1
  __m128i wk23;           // K2+W2, K3 (+ nonce in lane 1)
  __m128i m0;             // {W0, W1, W2, 0}: the nonce goes into lane 3
  __m128i wk1, wk2, wk3;  // K+W of groups 1..3 (W4..W15 are padding)
  __m128i m1, m3;         // W4..W7, W12..W15
  __m128i c5;             // msg1(M1, M2) + alignr(M4, M3): {W4, 0, W15, W16}, nonce-free
  __m128i c4;             // the sigma1 half of group 4: {sigma1(W14), sigma1(W15), sigma1(W16), sigma1(W17)}
  __m128i c7;             // msg1(M3, M4): {0, 0, sigma0(W15), W15 + sigma0(W16)}
  __m128i mid_abef, mid_cdgh;
  __m128i iv_abef, iv_cdgh;
  __m128i h2_wk2, h2_wk3;  // second hash, groups 2,3: W8 = 0x80000000, W15 = 256
  __m128i h2_m2, h2_m3;
  __m128i wk1h, wk2h, wk3h, h2_wk2h, h2_wk3h;  // the same, high pair moved low (rounds4c)
};

constexpr std::uint32_t shani_sigma0(std::uint32_t x) { return std::rotr(x, 7) ^ std::rotr(x, 18) ^ (x >> 3); }
constexpr std::uint32_t shani_sigma1(std::uint32_t x) { return std::rotr(x, 17) ^ std::rotr(x, 19) ^ (x >> 10); }

void make_consts(const ScanJob& job, const MiningConsts& mc, ShaniConsts& k) {
  to_shani(mc.state2, k.abef2, k.cdgh2);
  k.wk23 = words(kRound[2] + job.tail[2], kRound[3], 0, 0);
  k.m0 = words(job.tail[0], job.tail[1], job.tail[2], 0);
  k.m1 = words(0x80000000u, 0, 0, 0);
  k.m3 = words(0, 0, 0, 640);
  k.wk1 = _mm_add_epi32(k.m1, kgroup(1));
  k.wk2 = kgroup(2);
  k.wk3 = _mm_add_epi32(k.m3, kgroup(3));
  k.c5 = words(0x80000000u, 0, 640, mc.w16);
  // W14 = 0 and W15 = 640 are padding; W16 and W17 read W0..W2 only (mining.h), not the nonce.
  k.c4 = words(0, shani_sigma1(640), shani_sigma1(mc.w16), shani_sigma1(mc.w17));
  k.c7 = words(0, 0, shani_sigma0(640), 640 + shani_sigma0(mc.w16));
  to_shani(job.midstate.data(), k.mid_abef, k.mid_cdgh);
  to_shani(sha256_core::kInit.data(), k.iv_abef, k.iv_cdgh);
  k.h2_m2 = words(0x80000000u, 0, 0, 0);
  k.h2_m3 = words(0, 0, 0, 256);
  k.h2_wk2 = _mm_add_epi32(k.h2_m2, kgroup(2));
  k.h2_wk3 = _mm_add_epi32(k.h2_m3, kgroup(3));
  k.wk1h = _mm_shuffle_epi32(k.wk1, 0x0E);
  k.wk2h = _mm_shuffle_epi32(k.wk2, 0x0E);
  k.wk3h = _mm_shuffle_epi32(k.wk3, 0x0E);
  k.h2_wk2h = _mm_shuffle_epi32(k.h2_wk2, 0x0E);
  k.h2_wk3h = _mm_shuffle_epi32(k.h2_wk3, 0x0E);
}

#define FOR_S for (int s = 0; s < S; ++s)

// S nonces n0 .. n0+S-1: returns IV[7] + e after round 60 of the second hash, per stream.
template <int S>
POWLAB_INLINE void top_words(const ShaniConsts& k, std::uint32_t n0, std::uint32_t out[S]) {
  __m128i abef[S], cdgh[S], m[S][4];
  // ---- First hash, block 2, from round 2.
#pragma GCC unroll 16
  FOR_S {
    // The header stores the nonce little-endian, so message word W3 is its byte swap.
    const std::uint32_t n = __builtin_bswap32(n0 + static_cast<std::uint32_t>(s));
    abef[s] = k.abef2;
    cdgh[s] = k.cdgh2;
    rounds2(abef[s], cdgh[s], _mm_add_epi32(k.wk23, _mm_setr_epi32(0, static_cast<int>(n), 0, 0)));
    m[s][0] = _mm_insert_epi32(k.m0, static_cast<int>(n), 3);
  }
#pragma GCC unroll 16
  FOR_S rounds4c(abef[s], cdgh[s], k.wk1, k.wk1h);
#pragma GCC unroll 16
  FOR_S rounds4c(abef[s], cdgh[s], k.wk2, k.wk2h);
#pragma GCC unroll 16
  FOR_S rounds4c(abef[s], cdgh[s], k.wk3, k.wk3h);
  // Groups 4..7 with the nonce-free parts folded (mining.h): m[s][g & 3] holds group g.
  // Group 4 needs no sha256msg2: the words it would take sigma1 of, W14..W17, are all nonce-free,
  // so that half is the constant c4 and one paddd replaces the msg2. sha256msg2 is the costliest
  // schedule instruction (one per 2 cycles on Zen 4; docs/PERFORMANCE.md), so this is the one
  // group worth special-casing. W9..W12 = 0, so there is no alignr term either.
#pragma GCC unroll 16
  FOR_S {
    const __m128i g4 = _mm_add_epi32(_mm_sha256msg1_epu32(m[s][0], k.m1), k.c4);
    m[s][0] = g4;
    rounds4(abef[s], cdgh[s], _mm_add_epi32(g4, kgroup(4)));
  }
#pragma GCC unroll 16
  FOR_S {
    const __m128i g5 = _mm_sha256msg2_epu32(k.c5, m[s][0]);
    m[s][1] = g5;
    rounds4(abef[s], cdgh[s], _mm_add_epi32(g5, kgroup(5)));
  }
#pragma GCC unroll 16
  FOR_S {
    const __m128i g6 = _mm_sha256msg2_epu32(_mm_alignr_epi8(m[s][1], m[s][0], 4), m[s][1]);
    m[s][2] = g6;
    rounds4(abef[s], cdgh[s], _mm_add_epi32(g6, kgroup(6)));
  }
#pragma GCC unroll 16
  FOR_S {
    const __m128i g7 = _mm_sha256msg2_epu32(_mm_add_epi32(k.c7, _mm_alignr_epi8(m[s][2], m[s][1], 4)), m[s][2]);
    m[s][3] = g7;
    rounds4(abef[s], cdgh[s], _mm_add_epi32(g7, kgroup(7)));
  }
#pragma GCC unroll 8
  for (int g = 8; g < 16; ++g) {
#pragma GCC unroll 16
    FOR_S {
      const __m128i gn = next_group(m[s][g & 3], m[s][(g + 1) & 3], m[s][(g + 2) & 3], m[s][(g + 3) & 3]);
      m[s][g & 3] = gn;
      rounds4(abef[s], cdgh[s], _mm_add_epi32(gn, kgroup(g)));
    }
  }
  // ---- Second hash: W0..W7 = first digest, W8.. = padding for 32 bytes.
#pragma GCC unroll 16
  FOR_S {
    const __m128i a = _mm_add_epi32(abef[s], k.mid_abef);  // {F, E, B, A}
    const __m128i c = _mm_add_epi32(cdgh[s], k.mid_cdgh);  // {H, G, D, C}
    m[s][0] = _mm_shuffle_epi32(_mm_unpackhi_epi64(c, a), 0x1B);  // {A, B, C, D}
    m[s][1] = _mm_shuffle_epi32(_mm_unpacklo_epi64(c, a), 0x1B);  // {E, F, G, H}
    abef[s] = k.iv_abef;
    cdgh[s] = k.iv_cdgh;
    rounds4(abef[s], cdgh[s], _mm_add_epi32(m[s][0], kgroup(0)));
  }
#pragma GCC unroll 16
  FOR_S rounds4(abef[s], cdgh[s], _mm_add_epi32(m[s][1], kgroup(1)));
#pragma GCC unroll 16
  FOR_S rounds4c(abef[s], cdgh[s], k.h2_wk2, k.h2_wk2h);
#pragma GCC unroll 16
  FOR_S rounds4c(abef[s], cdgh[s], k.h2_wk3, k.h2_wk3h);
  // Group 4: alignr(M3, M2) = W9..W12 = 0. Group 6: msg1(M2, M3) = M2 (sigma0(0) = 0).
#pragma GCC unroll 16
  FOR_S {
    const __m128i g4 = _mm_sha256msg2_epu32(_mm_sha256msg1_epu32(m[s][0], m[s][1]), k.h2_m3);
    m[s][2] = g4;  // m[s][2], m[s][3] hold groups 4, 5 here; the ring restarts at group 6
    rounds4(abef[s], cdgh[s], _mm_add_epi32(g4, kgroup(4)));
  }
#pragma GCC unroll 16
  FOR_S {
    const __m128i g5 = _mm_sha256msg2_epu32(
        _mm_add_epi32(_mm_sha256msg1_epu32(m[s][1], k.h2_m2), _mm_alignr_epi8(m[s][2], k.h2_m3, 4)), m[s][2]);
    m[s][3] = g5;
    rounds4(abef[s], cdgh[s], _mm_add_epi32(g5, kgroup(5)));
  }
  // Re-seat the ring as m[g & 3] = group g: groups 4, 5 -> slots 0, 1; group 3 is needed by
  // group 7's msg1, group 2 by group 6's alignr... handled explicitly below.
#pragma GCC unroll 16
  FOR_S {
    const __m128i g4 = m[s][2], g5 = m[s][3];
    const __m128i g6 = _mm_sha256msg2_epu32(_mm_add_epi32(k.h2_m2, _mm_alignr_epi8(g5, g4, 4)), g5);
    rounds4(abef[s], cdgh[s], _mm_add_epi32(g6, kgroup(6)));
    const __m128i g7 = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(k.h2_m3, g4), _mm_alignr_epi8(g6, g5, 4)), g6);
    m[s][0] = g4; m[s][1] = g5; m[s][2] = g6; m[s][3] = g7;
  }
#pragma GCC unroll 16
  FOR_S rounds4(abef[s], cdgh[s], _mm_add_epi32(m[s][3], kgroup(7)));
#pragma GCC unroll 8
  for (int g = 8; g < 15; ++g) {
#pragma GCC unroll 16
    FOR_S {
      const __m128i gn = next_group(m[s][g & 3], m[s][(g + 1) & 3], m[s][(g + 2) & 3], m[s][(g + 3) & 3]);
      m[s][g & 3] = gn;
      rounds4(abef[s], cdgh[s], _mm_add_epi32(gn, kgroup(g)));
    }
  }
  // Group 15, first pair only: rounds 60, 61. After them lane 0 of abef (F) is e after round 60.
#pragma GCC unroll 16
  FOR_S {
    const __m128i g15 = next_group(m[s][3], m[s][0], m[s][1], m[s][2]);
    rounds2(abef[s], cdgh[s], _mm_add_epi32(g15, kgroup(15)));
    out[s] = static_cast<std::uint32_t>(_mm_cvtsi128_si32(abef[s])) + sha256_core::kInit[7];
  }
}

template <int S>
void scan_streams(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  MiningConsts mc;
  precompute(job, mc);
  ShaniConsts k;
  make_consts(job, mc, k);
  for (std::uint64_t base = begin; base < end; base += S) {
    std::uint32_t top[S];
    top_words<S>(k, static_cast<std::uint32_t>(base), top);
    std::uint32_t mask = 0;
    for (int s = 0; s < S; ++s) mask |= static_cast<std::uint32_t>(__builtin_bswap32(top[s]) <= mc.target7) << s;
    // Streams past `end` hashed wrapped nonces: never report them.
    const std::uint64_t live = end - base;
    if (live < static_cast<std::uint64_t>(S)) mask &= (std::uint32_t{1} << live) - 1;
    if (mask != 0) confirm_candidates(job, static_cast<std::uint32_t>(base), mask, found);
  }
}

}  // namespace
}  // namespace powlab::kernels
