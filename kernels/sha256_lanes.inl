// N-lane SHA-256, written once over a small vector-traits type V and included by avx2.cpp and
// avx512.cpp (each with its own -m flags). One lane = one nonce / one message.
//
// V provides: reg, kLanes, set1, add, xor3, rotr<n>, shr<n>, ch, maj, iota (0..N-1), bswap,
// le_mask(a, b) (bit i set when lane i of a <= b, unsigned), loadu/storeu of N uint32.
//
// Everything here is in an anonymous namespace: each ISA file gets private copies, so the
// linker can never hand an AVX-512 instantiation to a baseline caller (see mining.h).
#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>

#include "mining.h"
#include "powlab/sha256.h"

#define POWLAB_INLINE inline __attribute__((always_inline))

namespace powlab::kernels {
namespace {

// Compile-time only (constant padding words).
constexpr std::uint32_t c_sigma0(std::uint32_t x) { return std::rotr(x, 7) ^ std::rotr(x, 18) ^ (x >> 3); }
constexpr std::uint32_t c_sigma1(std::uint32_t x) { return std::rotr(x, 17) ^ std::rotr(x, 19) ^ (x >> 10); }
using sha256_core::kRound;

template <class V>
struct Sha256Lanes {
  using R = typename V::reg;
  static constexpr int N = V::kLanes;

  static POWLAB_INLINE R Sigma0(R x) { return V::xor3(V::template rotr<2>(x), V::template rotr<13>(x), V::template rotr<22>(x)); }
  static POWLAB_INLINE R Sigma1(R x) { return V::xor3(V::template rotr<6>(x), V::template rotr<11>(x), V::template rotr<25>(x)); }
  static POWLAB_INLINE R sigma0(R x) { return V::xor3(V::template rotr<7>(x), V::template rotr<18>(x), V::template shr<3>(x)); }
  static POWLAB_INLINE R sigma1(R x) { return V::xor3(V::template rotr<17>(x), V::template rotr<19>(x), V::template shr<10>(x)); }
  static POWLAB_INLINE R k(int t) { return V::set1(kRound[t]); }
  static POWLAB_INLINE R c(std::uint32_t v) { return V::set1(v); }

  // Round t on a rotating register file: at round t, a..h live in s[(0-t)&7] .. s[(7-t)&7],
  // so no values move between rounds. kw = K[t] + W[t].
  template <int t>
  static POWLAB_INLINE void round(R* s, R kw) {
    R& a = s[(0 - t) & 7]; R& b = s[(1 - t) & 7]; R& cc = s[(2 - t) & 7]; R& d = s[(3 - t) & 7];
    R& e = s[(4 - t) & 7]; R& f = s[(5 - t) & 7]; R& g = s[(6 - t) & 7]; R& h = s[(7 - t) & 7];
    const R t1 = V::add(V::add(h, Sigma1(e)), V::add(V::ch(e, f, g), kw));
    const R t2 = V::add(Sigma0(a), V::maj(a, b, cc));
    d = V::add(d, t1);
    h = V::add(t1, t2);  // h's slot holds a at round t+1
  }

  // Rounds [B, E) reading kw(t) for each.
  template <int B, int E, class F>
  static POWLAB_INLINE void rounds(R* s, F&& kw) {
    if constexpr (B < E) {
      round<B>(s, kw(std::integral_constant<int, B>{}));
      rounds<B + 1, E>(s, kw);
    }
  }

  // Message schedule W[t] for t in [B, E), the general recurrence.
  template <int B, int E>
  static POWLAB_INLINE void schedule(R* w) {
    if constexpr (B < E) {
      w[B] = V::add(V::add(sigma1(w[B - 2]), w[B - 7]), V::add(sigma0(w[B - 15]), w[B - 16]));
      schedule<B + 1, E>(w);
    }
  }

  // Places a..h (round-0 order) into the rotating file as seen at round t.
  template <int t>
  static POWLAB_INLINE void load_state(R* s, const R* abcdefgh) {
    for (int i = 0; i < 8; ++i) s[(i - t) & 7] = abcdefgh[i];
  }

  // sha256d nonce scan of nonces [begin, end) in batches of N.
  static void scan(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
    MiningConsts mc;
    precompute(job, mc);
    const R lane_offsets = V::iota();
    const R target7 = c(mc.target7);
    for (std::uint64_t base = begin; base < end; base += N) {
      // Lanes past `end` compute wrapped nonces; their results are masked off below.
      // The header stores the nonce little-endian, so message word W3 is its byte swap.
      const R n = V::add(c(static_cast<std::uint32_t>(base)), lane_offsets);
      const R h7 = hash_top_word(mc, job, V::bswap(n));
      std::uint32_t mask = V::le_mask(V::bswap(h7), target7);
      const std::uint64_t live = end - base;
      if (live < static_cast<std::uint64_t>(N)) mask &= (std::uint32_t{1} << live) - 1;
      if (mask != 0) confirm_candidates(job, static_cast<std::uint32_t>(base), mask, found);
    }
  }

  // IV[7] + e after round 60 of the second hash: the hash's top little-endian word, byte-swapped.
  // Rounds 61-63 cannot change it, so they are never computed.
  static POWLAB_INLINE R hash_top_word(const MiningConsts& mc, const ScanJob& job, R n) {  // n = W3
    R w[64];
    R s[8];
    // ---- First hash, second block, starting after round 3 (rounds 0-2 are in mc.state3).
    {
      const R st[8] = {V::add(c(mc.a4_base), n), c(mc.state3[0]), c(mc.state3[1]), c(mc.state3[2]),
                       V::add(c(mc.e4_base), n), c(mc.state3[4]), c(mc.state3[5]), c(mc.state3[6])};
      load_state<4>(s, st);
    }
    // W4 = 0x80000000, W5..W14 = 0, W15 = 640: K+W is a constant for rounds 4..15.
    rounds<4, 16>(s, [](auto t) {
      const std::uint32_t wt = t == 4 ? 0x80000000u : t == 15 ? 640u : 0u;
      return c(kRound[t] + wt);
    });
    // Schedule with every nonce-free term folded (mining.h).
    w[16] = c(mc.w16);
    w[17] = c(mc.w17);
    w[18] = V::add(c(mc.w18_base), sigma0(n));
    w[19] = V::add(c(mc.w19_base), n);
    w[20] = V::add(sigma1(w[18]), c(0x80000000u));
    w[21] = sigma1(w[19]);
    w[22] = V::add(sigma1(w[20]), c(640));
    w[23] = V::add(sigma1(w[21]), w[16]);
    w[24] = V::add(sigma1(w[22]), w[17]);
    w[25] = V::add(sigma1(w[23]), w[18]);
    w[26] = V::add(sigma1(w[24]), w[19]);
    w[27] = V::add(sigma1(w[25]), w[20]);
    w[28] = V::add(sigma1(w[26]), w[21]);
    w[29] = V::add(sigma1(w[27]), w[22]);
    w[30] = V::add(V::add(sigma1(w[28]), w[23]), c(mc.w30_add));
    w[31] = V::add(V::add(sigma1(w[29]), w[24]), c(mc.w31_add));
    w[32] = V::add(V::add(sigma1(w[30]), w[25]), c(mc.w32_add));
    schedule<33, 64>(w);
    rounds<16, 18>(s, [&](auto t) { return c(kRound[t] + (t == 16 ? mc.w16 : mc.w17)); });
    rounds<18, 64>(s, [&](auto t) { return V::add(w[t], k(t)); });
    // After 64 rounds a..h sit in s[0..7]; add the midstate: this is the second hash's W0..W7.
    for (int i = 0; i < 8; ++i) w[i] = V::add(s[i], c(job.midstate[i]));

    // ---- Second hash: W8 = 0x80000000, W9..W14 = 0, W15 = 256.
    {
      const R st[8] = {V::add(w[0], c(mc.h2_a1_base)), c(sha256_core::kInit[0]), c(sha256_core::kInit[1]),
                       c(sha256_core::kInit[2]), V::add(w[0], c(mc.h2_e1_base)), c(sha256_core::kInit[4]),
                       c(sha256_core::kInit[5]), c(sha256_core::kInit[6])};
      load_state<1>(s, st);
    }
    rounds<1, 8>(s, [&](auto t) { return V::add(w[t], k(t)); });
    rounds<8, 16>(s, [](auto t) {
      const std::uint32_t wt = t == 8 ? 0x80000000u : t == 15 ? 256u : 0u;
      return c(kRound[t] + wt);
    });
    constexpr std::uint32_t kSigma1_256 = c_sigma1(256), kSigma0_80 = c_sigma0(0x80000000u), kSigma0_256 = c_sigma0(256);
    w[16] = V::add(sigma0(w[1]), w[0]);
    w[17] = V::add(V::add(sigma0(w[2]), w[1]), c(kSigma1_256));
    w[18] = V::add(V::add(sigma1(w[16]), sigma0(w[3])), w[2]);
    w[19] = V::add(V::add(sigma1(w[17]), sigma0(w[4])), w[3]);
    w[20] = V::add(V::add(sigma1(w[18]), sigma0(w[5])), w[4]);
    w[21] = V::add(V::add(sigma1(w[19]), sigma0(w[6])), w[5]);
    w[22] = V::add(V::add(sigma1(w[20]), sigma0(w[7])), V::add(w[6], c(256)));
    w[23] = V::add(V::add(sigma1(w[21]), w[16]), V::add(w[7], c(kSigma0_80)));
    w[24] = V::add(V::add(sigma1(w[22]), w[17]), c(0x80000000u));
    w[25] = V::add(sigma1(w[23]), w[18]);
    w[26] = V::add(sigma1(w[24]), w[19]);
    w[27] = V::add(sigma1(w[25]), w[20]);
    w[28] = V::add(sigma1(w[26]), w[21]);
    w[29] = V::add(sigma1(w[27]), w[22]);
    w[30] = V::add(V::add(sigma1(w[28]), w[23]), c(kSigma0_256));
    w[31] = V::add(V::add(sigma1(w[29]), w[24]), V::add(sigma0(w[16]), c(256)));
    schedule<32, 61>(w);
    rounds<16, 61>(s, [&](auto t) { return V::add(w[t], k(t)); });
    // e after round 60 is in slot (4 - 61) & 7.
    return V::add(s[(4 - 61) & 7], c(sha256_core::kInit[7]));
  }

  // Plain SHA-256 of N messages at once (lanes past `count` repeat the last message).
  static POWLAB_INLINE void compress(R* state, const std::uint8_t* const* blocks) {
    R w[64];
    alignas(64) std::uint32_t tmp[N];
    for (int t = 0; t < 16; ++t) {
      for (int i = 0; i < N; ++i) {
        std::uint32_t v;
        std::memcpy(&v, blocks[i] + 4 * t, 4);
        tmp[i] = __builtin_bswap32(v);
      }
      w[t] = V::loadu(tmp);
    }
    schedule<16, 64>(w);
    R s[8];
    load_state<0>(s, state);
    rounds<0, 64>(s, [&](auto t) { return V::add(w[t], k(t)); });
    for (int i = 0; i < 8; ++i) state[i] = V::add(state[i], s[i]);
  }

  static void batch(const std::uint8_t* msgs, std::size_t len, std::size_t count, std::uint8_t* out) {
    const std::size_t full = len / 64;
    for (std::size_t first = 0; first < count; first += N) {
      const std::size_t live = count - first < static_cast<std::size_t>(N) ? count - first : N;
      const std::uint8_t* msg[N];
      for (int i = 0; i < N; ++i) msg[i] = msgs + (first + (static_cast<std::size_t>(i) < live ? i : live - 1)) * len;
      R state[8];
      for (int i = 0; i < 8; ++i) state[i] = c(sha256_core::kInit[i]);
      const std::uint8_t* blk[N];
      for (std::size_t b = 0; b < full; ++b) {
        for (int i = 0; i < N; ++i) blk[i] = msg[i] + 64 * b;
        compress(state, blk);
      }
      alignas(64) std::uint8_t pad[N][128];
      std::size_t extra = 0;
      for (int i = 0; i < N; ++i) extra = pad_final(msg[i] + 64 * full, len, pad[i]);
      for (std::size_t b = 0; b < extra; ++b) {
        for (int i = 0; i < N; ++i) blk[i] = pad[i] + 64 * b;
        compress(state, blk);
      }
      alignas(64) std::uint32_t words[8][N];
      for (int j = 0; j < 8; ++j) V::storeu(words[j], state[j]);
      for (std::size_t i = 0; i < live; ++i) {
        for (int j = 0; j < 8; ++j) {
          const std::uint32_t be = __builtin_bswap32(words[j][i]);
          std::memcpy(out + 32 * (first + i) + 4 * j, &be, 4);
        }
      }
    }
  }
};

}  // namespace
}  // namespace powlab::kernels
