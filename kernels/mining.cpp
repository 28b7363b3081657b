// Baseline (no ISA flags) half of every kernel: the per-job precomputation, the scalar
// re-check of candidates, and message padding for the batch entries.
#include "mining.h"

#include <time.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "powlab/sha256.h"
#include "sha256_ops.h"

namespace powlab::kernels {
namespace {

using sha256_core::kInit;
using sha256_core::kRound;

using namespace sha256_ops;  // Ch, Maj, Sigma0/1, sigma0/1

// One round on s = {a..h}.
void round(std::uint32_t s[8], std::uint32_t k_plus_w) {
  const std::uint32_t t1 = s[7] + Sigma1(s[4]) + Ch(s[4], s[5], s[6]) + k_plus_w;
  const std::uint32_t t2 = Sigma0(s[0]) + Maj(s[0], s[1], s[2]);
  std::memmove(s + 1, s, 7 * sizeof s[0]);
  s[4] += t1;
  s[0] = t1 + t2;
}

}  // namespace

void precompute(const ScanJob& job, MiningConsts& mc) {
  const std::uint32_t w0 = job.tail[0], w1 = job.tail[1], w2 = job.tail[2];
  constexpr std::uint32_t w4 = 0x80000000u, w15 = 640;  // padding bit; 80 bytes = 640 bits
  std::uint32_t s[8];
  std::memcpy(s, job.midstate.data(), sizeof s);
  round(s, kRound[0] + w0);
  round(s, kRound[1] + w1);
  std::memcpy(mc.state2, s, sizeof s);
  round(s, kRound[2] + w2);
  std::memcpy(mc.state3, s, sizeof s);
  // Round 3 with W3 = 0; the nonce then enters a4 and e4 as a plain addend.
  const std::uint32_t t1 = s[7] + Sigma1(s[4]) + Ch(s[4], s[5], s[6]) + kRound[3];
  const std::uint32_t t2 = Sigma0(s[0]) + Maj(s[0], s[1], s[2]);
  mc.a4_base = t1 + t2;
  mc.e4_base = s[3] + t1;
  // W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16], with W5..W14 = 0.
  mc.w16 = sigma0(w1) + w0;                     // sigma1(W14) = W9 = 0
  mc.w17 = sigma1(w15) + sigma0(w2) + w1;       // W10 = 0
  mc.w18_base = sigma1(mc.w16) + w2;            // + sigma0(W3)
  mc.w19_base = sigma1(mc.w17) + sigma0(w4);    // + W3
  mc.w30_add = sigma0(w15);
  mc.w31_add = sigma0(mc.w16) + w15;
  mc.w32_add = sigma0(mc.w17) + mc.w16;

  std::uint32_t iv[8];
  std::memcpy(iv, kInit.data(), sizeof iv);
  const std::uint32_t h2t1 = iv[7] + Sigma1(iv[4]) + Ch(iv[4], iv[5], iv[6]) + kRound[0];
  const std::uint32_t h2t2 = Sigma0(iv[0]) + Maj(iv[0], iv[1], iv[2]);
  mc.h2_a1_base = h2t1 + h2t2;
  mc.h2_e1_base = iv[3] + h2t1;
  mc.target7 = job.target[7];
}

void confirm_candidates(const ScanJob& job, std::uint32_t first, std::uint32_t mask, std::vector<std::uint32_t>& found) {
  while (mask != 0) {
    const std::uint32_t nonce = first + static_cast<std::uint32_t>(std::countr_zero(mask));
    mask &= mask - 1;
    if (meets_target(hash_words(job, nonce), job.target)) found.push_back(nonce);
  }
}

std::size_t pad_final(const std::uint8_t* tail, std::size_t len, std::uint8_t out[128]) {
  const std::size_t rem = len % 64;
  const std::size_t blocks = rem + 9 <= 64 ? 1 : 2;  // 0x80 byte + 8-byte length must fit
  std::memset(out, 0, 128);
  if (rem != 0) std::memcpy(out, tail, rem);
  out[rem] = 0x80;
  const std::uint64_t bits = static_cast<std::uint64_t>(len) * 8;
  for (int i = 0; i < 8; ++i) out[blocks * 64 - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
  return blocks;
}

double best_rate(double seconds, std::uint64_t (*body)(std::uint64_t iterations)) {
  auto now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  constexpr int kWindows = 5;
  const double window = seconds / kWindows;
  double best = 0;
  for (int w = 0; w < kWindows; ++w) {
    const double t0 = now();
    double t = t0;
    std::uint64_t done = 0;
    // 4096 iterations are a few microseconds: the clock read is noise beside them.
    while (t - t0 < window) {
      done += body(4096);
      t = now();
    }
    if (t > t0) best = std::max(best, static_cast<double>(done) / (t - t0));
  }
  return best;
}

void sha256_batch_scalar(const std::uint8_t* msgs, std::size_t len, std::size_t count, std::uint8_t* out) {
  Sha256 h;
  for (std::size_t i = 0; i < count; ++i) {
    const Digest d = h.update(msgs + i * len, len).final();
    std::memcpy(out + 32 * i, d.data(), 32);
  }
}

}  // namespace powlab::kernels
