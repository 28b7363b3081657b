// Hybrid kernel: SHA-NI streams and 16 AVX-512 lanes in one loop, one thread. Built with -msha
// and -mavx512f/vl/bw (this file only).
//
// Why: the two kernels lean on different units, sha256rnds2 on the SHA unit and the vector
// rounds on the vector ALUs, so one batch of each placed back to back lets the out-of-order core
// run the tail of one beside the head of the other. Whether that beats the better of the two
// alone depends on the core (the vector ALUs also issue the SHA-NI message schedule and adds),
// so the dispatcher picks `hybrid` only after a short calibration shows it faster on this CPU
// (dispatch.cpp, select_kernel).
#include "avx512_traits.inl"
#include "shani_core.inl"

namespace powlab::kernels {
namespace {

constexpr int kHybridStreams = POWLAB_SHANI_STREAMS;
constexpr int kVectorLanes = Avx512::kLanes;

// Nonces base .. base+15 go to the vector lanes, base+16 .. base+16+S-1 to the SHA-NI streams.
void scan_hybrid_impl(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  MiningConsts mc;
  precompute(job, mc);
  ShaniConsts k;
  make_consts(job, mc, k);
  using Lanes = Sha256Lanes<Avx512>;
  const __m512i lane_offsets = Avx512::iota();
  const __m512i target7 = Avx512::set1(mc.target7);
  constexpr int kBatch = kVectorLanes + kHybridStreams;
  for (std::uint64_t base = begin; base < end; base += kBatch) {
    // Lanes past `end` hash wrapped nonces; they are masked off below.
    const auto b32 = static_cast<std::uint32_t>(base);
    const __m512i n = Avx512::add(Avx512::set1(b32), lane_offsets);
    const __m512i h7 = Lanes::hash_top_word(mc, job, Avx512::bswap(n));
    std::uint32_t top[kHybridStreams];
    top_words<kHybridStreams>(k, b32 + kVectorLanes, top);
    std::uint32_t mask = Avx512::le_mask(Avx512::bswap(h7), target7);
    for (int s = 0; s < kHybridStreams; ++s) {
      mask |= static_cast<std::uint32_t>(__builtin_bswap32(top[s]) <= mc.target7) << (kVectorLanes + s);
    }
    const std::uint64_t live = end - base;
    if (live < static_cast<std::uint64_t>(kBatch)) mask &= (std::uint32_t{1} << live) - 1;
    if (mask != 0) confirm_candidates(job, b32, mask, found);
  }
}

}  // namespace

void scan_hybrid(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found) {
  scan_hybrid_impl(job, begin, end, found);
}

}  // namespace powlab::kernels
