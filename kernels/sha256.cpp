#include "powlab/sha256.h"
#include "sha256_ops.h"
#include "mining.h"
#include "powlab/kernels.h"

#include <bit>
#include <algorithm>
#include <cstring>

namespace powlab {
namespace sha256_core {

namespace {

using namespace sha256_ops;  // Ch, Maj, Sigma0/1, sigma0/1

inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

void compress_portable(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) {
  for (; blocks > 0; --blocks, data += 64) {
    std::uint32_t w[64];
    for (int t = 0; t < 16; ++t) w[t] = load_be32(data + 4 * t);
    for (int t = 16; t < 64; ++t) w[t] = sigma1(w[t - 2]) + w[t - 7] + sigma0(w[t - 15]) + w[t - 16];

    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; ++t) {
      const std::uint32_t t1 = h + Sigma1(e) + Ch(e, f, g) + kRound[t] + w[t];
      const std::uint32_t t2 = Sigma0(a) + Maj(a, b, c);
      h = g; g = f; f = e; e = d + t1;
      d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
  }
}

namespace {

using CompressFn = void (*)(std::uint32_t*, const std::uint8_t*, std::size_t);

struct Choice {
  CompressFn fn = compress_portable;
  const char* name = "portable";
};

// Two blocks of a fixed pattern through both implementations; the accelerated one must agree
// (with the portable code, which the NIST and Core vectors check) before it is used.
bool agrees(CompressFn fn) {
  std::uint8_t data[128];
  for (int i = 0; i < 128; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
  std::uint32_t a[8], b[8];
  std::memcpy(a, kInit.data(), sizeof a);
  std::memcpy(b, kInit.data(), sizeof b);
  compress_portable(a, data, 2);
  fn(b, data, 2);
  return std::memcmp(a, b, sizeof a) == 0;
}

const Choice& choice() {
  static const Choice c = [] {
    Choice r;
#if POWLAB_KERNEL_SHANI
    if ((kernels::cpu_features() & kernels::kFeatureShaNi) != 0 && agrees(kernels::compress_shani)) {
      r = Choice{kernels::compress_shani, "sha-ni"};
    }
#endif
    return r;
  }();
  return c;
}

}  // namespace

void compress(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) { choice().fn(state, data, blocks); }

const char* compress_name() { return choice().name; }

}  // namespace sha256_core

namespace {

// The padding's last 8 bytes: the message length in bits, big-endian.
void put_length(std::uint8_t out[8], std::uint64_t bytes) {
  const std::uint64_t bits = bytes * 8;
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
}

Digest to_digest(const std::uint32_t state[8]) {
  Digest out;
  for (int i = 0; i < 8; ++i) sha256_core::store_be32(out.data() + 4 * i, state[i]);
  return out;
}

// A message of at most 55 bytes pads into one block: hash it without the streaming object
// (a coinbase's txid and the second half of every sha256d take this path).
void one_block(const std::uint8_t* data, std::size_t len, std::uint32_t state[8]) {
  std::uint8_t block[64] = {};
  if (len != 0) std::memcpy(block, data, len);  // an empty span may carry a null pointer
  block[len] = 0x80;
  put_length(block + 56, len);
  std::memcpy(state, sha256_core::kInit.data(), 32);
  sha256_core::compress(state, block, 1);
}

}  // namespace

void Sha256::reset() {
  std::memcpy(state_, sha256_core::kInit.data(), sizeof state_);
  bytes_ = 0;
}

Sha256& Sha256::update(const std::uint8_t* data, std::size_t len) {
  std::size_t used = bytes_ % 64;
  bytes_ += len;
  if (used != 0) {
    const std::size_t take = std::min<std::size_t>(64 - used, len);
    std::memcpy(buffer_ + used, data, take);
    used += take; data += take; len -= take;
    if (used < 64) return *this;
    sha256_core::compress(state_, buffer_, 1);
  }
  const std::size_t whole = len / 64;
  sha256_core::compress(state_, data, whole);
  data += whole * 64; len -= whole * 64;
  if (len != 0) std::memcpy(buffer_, data, len);
  return *this;
}

Digest Sha256::final() {
  // Padding: 0x80, zeros to 56 mod 64, then the message length.
  static constexpr std::uint8_t kPad[64] = {0x80};
  std::uint8_t len_be[8];
  put_length(len_be, bytes_);
  const std::size_t used = bytes_ % 64;
  update(kPad, used < 56 ? 56 - used : 120 - used);
  update(len_be, 8);
  const Digest out = to_digest(state_);
  reset();
  return out;
}

Digest sha256(std::span<const std::uint8_t> data) {
  if (data.size() <= 55) {
    std::uint32_t state[8];
    one_block(data.data(), data.size(), state);
    return to_digest(state);
  }
  return Sha256{}.update(data).final();
}

Digest sha256d(std::span<const std::uint8_t> data) {
  const Digest first = sha256(data);
  return sha256(first);
}

}  // namespace powlab
