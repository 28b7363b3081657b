// The kernel registry (data, best first), the known-answer self-test, and the selection
// policy. Built with baseline flags: nothing here may execute an instruction the CPU lacks,
// so a kernel's entry points are only called after supported() says yes.
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>

#include "mining.h"
#include "powlab/sha256.h"

namespace powlab::kernels {
namespace {

// Instructions per nonce of each kernel's binding class, counted in the Release build's
// disassembly of the hot loop (one fully unrolled batch) and divided by the nonces in a batch:
// bench/count_instructions.sh prints them, and the ctest kernel_instruction_counts fails when
// the compiled code differs from these figures (sha256rnds2 exactly, the vector counts by
// more than 2%). 62 sha256rnds2 = 1 (rounds 2-3 of
// the first hash) + 30 (its rounds 4-63) + 31 (second hash, rounds 0-61: 60 and 61 are the
// early-reject pair).
constexpr double kShaniRnds2PerNonce = 62;
constexpr double kAvx512OpsPerNonce = 2853.0 / 16;  // zmm ALU instructions per 16-nonce batch
constexpr double kAvx2OpsPerNonce = 5871.0 / 8;     // ymm ALU instructions per 8-nonce batch

#if POWLAB_KERNEL_HYBRID
// The hybrid's hard bound: both units at their own ceilings at once, so the sum of the two.
double hybrid_ceiling(double seconds) {
  return binding_rate_shani(seconds / 2) / kShaniRnds2PerNonce + binding_rate_avx512(seconds / 2) / kAvx512OpsPerNonce;
}
#endif

// Best first. `hybrid` is taken only when calibration shows it beats the next choice
// (select_kernel); shani_vl before avx512: 35.7 against 26.6 M nonces/s per core on Zen 4
// (docs/PERFORMANCE.md); avx512 before plain shani for AVX-512 CPUs whose SHA unit is slow (an
// Intel Xeon ran SHA-NI at about half its AVX-512 rate).
constexpr KernelInfo kTable[] = {
#if POWLAB_KERNEL_HYBRID
    {"hybrid", 16 + POWLAB_SHANI_STREAMS, kFeatureAvx512 | kFeatureShaNi, scan_hybrid, sha256_batch_avx512,
     {"sha256rnds2 + zmm ALU (sum of both ceilings)", 1, hybrid_ceiling}, true},
#endif
#if POWLAB_KERNEL_SHANI_VL
    {"shani_vl", POWLAB_SHANI_STREAMS, kFeatureAvx512 | kFeatureShaNi, scan_shani_vl, sha256_batch_shani,
     {"sha256rnds2", kShaniRnds2PerNonce, binding_rate_shani}, false},
#endif
#if POWLAB_KERNEL_AVX512
    {"avx512", 16, kFeatureAvx512, scan_avx512, sha256_batch_avx512,
     {"zmm vpaddd/vprord/vpternlogd", kAvx512OpsPerNonce, binding_rate_avx512}, false},
#endif
#if POWLAB_KERNEL_SHANI
    {"shani", POWLAB_SHANI_STREAMS, kFeatureShaNi, scan_shani, sha256_batch_shani,
     {"sha256rnds2", kShaniRnds2PerNonce, binding_rate_shani}, false},
#endif
#if POWLAB_KERNEL_AVX2
    {"avx2", 8, kFeatureAvx2, scan_avx2, sha256_batch_avx2,
     {"ymm vpaddd/vpsrld/vpslld/vpxor/vpor/vpand", kAvx2OpsPerNonce, binding_rate_avx2}, false},
#endif
    // The oracle is not tuned, so it gets no ceiling.
    {"scalar", 1, 0, scan_scalar, sha256_batch_scalar, {}, false},
};

// Bitcoin Core's SHA256D64 self-test (src/crypto/sha256.cpp SelfTest; our copy is
// tests/data/vectors/bitcoin_core_sha256_selftest.csv): eight 64-byte blocks of this text and
// the sha256d of each.
constexpr char kD64Input[] =
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore "
    "magna aliqua. Et molestie ac feugiat sed lectus vestibulum mattis ullamcorper. Morbi blandit cursus risus at "
    "ultrices mi tempus imperdiet nulla. Nunc congue nisi vita suscipit tellus mauris. Imperdiet proin fermentum leo "
    "vel orci. Massa tempor nec feugiat nisl pretium fusce id velit. Telus in metus vulputate eu scelerisque felis. "
    "Mi tempus imperdiet nulla malesuada pellentesque. Tristique magna sit.";
constexpr char kD64Expected[] =
    "093ac4d00ff757e172857942fee7e0a0fc52d7db076345fb53147d172286f05248b6119e6e48816dcc571fb297a8d5259b82aa89e2fd2d56"
    "e828830be2fa53b7d66b078583b010a2f5513cf96003ab456c156eefb5ac3e6cdfb492222dcebf3ee9e5f6290e014fd2d44565b3bbf24c16"
    "37503c6e498c5a892b1babc437d146e93d0e85a25073a15e5437d7941756c2d8e59fed4eae1542060d74745e2430ced19e50a39ab8f04a57"
    "697867128458bec736aaee7c64a376ecff5541002a44684db6539e1c95b7cadc7f7d74275c8ea684b5ac87a9f3ff75f234cd1a3b822c2b4e"
    "6a4630a6898623acf8a515e90aaa1e9ad7936b28e43bfd59c6ed7c5fa541cb51";
static_assert(sizeof kD64Input - 1 == 8 * 64 && sizeof kD64Expected - 1 == 8 * 64);

// The genesis header (nonce 2083236893) and its nBits 0x1d00ffff target 0xffff << 208.
constexpr char kGenesisHex[] =
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc8"
    "1bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
constexpr std::uint32_t kGenesisNonce = 2083236893u;
constexpr std::array<std::uint32_t, 8> kGenesisTarget = {0, 0, 0, 0, 0, 0, 0xffff0000u, 0};

void unhex(const char* hex, std::uint8_t* out, std::size_t n) {
  auto nib = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(nib(hex[2 * i]) << 4 | nib(hex[2 * i + 1]));
}

std::string to_str(const std::vector<std::uint32_t>& v) {
  std::string s = "{";
  for (std::uint32_t x : v) {
    if (s.size() > 1) s += ',';
    s += std::to_string(x);
  }
  return s + "}";
}

std::string test_batch(const KernelInfo& k) {
  // +1: deliberately unaligned input and output, as Core's SelfTest does.
  alignas(64) std::uint8_t in[8 * 64 + 1], mid[8 * 32 + 1], out[8 * 32 + 1], want[8 * 32];
  std::memcpy(in + 1, kD64Input, 8 * 64);
  unhex(kD64Expected, want, sizeof want);
  for (std::size_t count = 1; count <= 8; ++count) {
    std::memset(out, 0, sizeof out);
    k.sha256_batch(in + 1, 64, count, mid + 1);
    k.sha256_batch(mid + 1, 32, count, out + 1);
    if (std::memcmp(out + 1, want, 32 * count) != 0) {
      return "sha256 batch of " + std::to_string(count) + " x 64 bytes (Core SHA256D64 vectors) is wrong";
    }
  }
  // Lengths with 0, 1 and 2 padding-only blocks, 37 messages (a partial batch at 8, 16 and 4).
  for (std::size_t len : {0u, 55u, 56u, 80u, 119u, 130u}) {
    std::vector<std::uint8_t> msgs(37 * len + 1), got(37 * 32 + 1);
    for (std::size_t i = 0; i < msgs.size(); ++i) msgs[i] = static_cast<std::uint8_t>(i * 131 + len);
    k.sha256_batch(msgs.data() + 1, len, 37, got.data() + 1);
    for (std::size_t i = 0; i < 37; ++i) {
      const Digest d = sha256({msgs.data() + 1 + i * len, len});
      if (std::memcmp(got.data() + 1 + 32 * i, d.data(), 32) != 0) {
        return "sha256 batch of " + std::to_string(len) + "-byte messages is wrong at message " + std::to_string(i);
      }
    }
  }
  return "";
}

std::string test_scan(const KernelInfo& k) {
  std::uint8_t raw[81];
  unhex(kGenesisHex, raw + 1, 80);
  const ScanJob genesis = make_scan_job(std::span<const std::uint8_t, 80>(raw + 1, 80), kGenesisTarget);
  // 63 nonces from an odd start: the winner sits mid-batch and the batch ends partial.
  std::vector<std::uint32_t> found;
  k.scan(genesis, kGenesisNonce - 29, kGenesisNonce + 34, found);
  if (found != std::vector<std::uint32_t>{kGenesisNonce}) return "genesis scan found " + to_str(found);

  // An easy target (top word 0x0fffffff: ~1 nonce in 16 wins) against scalar, at both ends of
  // the nonce space: every lane position reports, and the last range ends at 0xFFFFFFFF.
  ScanJob easy = genesis;
  easy.target = {~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, 0x0fffffffu};
  for (const auto& [b, e] : {std::pair<std::uint64_t, std::uint64_t>{0, 53}, {(1ull << 32) - 301, 1ull << 32}}) {
    std::vector<std::uint32_t> got, want;
    k.scan(easy, b, e, got);
    scan_scalar(easy, b, e, want);
    if (got != want || want.empty()) {
      return "easy-target scan of [" + std::to_string(b) + ", " + std::to_string(e) + ") found " + to_str(got) +
             ", scalar " + to_str(want);
    }
  }
  // All-ones target: every nonce wins, so every lane must report, up to 0xFFFFFFFF itself.
  ScanJob all = genesis;
  all.target.fill(~0u);
  found.clear();
  k.scan(all, (1ull << 32) - 19, 1ull << 32, found);
  if (found.size() != 19 || found.front() != 0xFFFFFFFFu - 18 || found.back() != 0xFFFFFFFFu) {
    return "all-ones target scan of the last 19 nonces found " + to_str(found);
  }
  return "";
}

}  // namespace

std::span<const KernelInfo> registry() { return kTable; }

const KernelInfo* find_kernel(std::string_view name) {
  for (const KernelInfo& k : kTable) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

bool supported(const KernelInfo& k, std::uint32_t features) { return (k.required & ~features) == 0; }

double ceiling_hashes_per_second(const KernelInfo& k, double seconds) {
  if (k.binding.rate == nullptr || !(k.binding.per_nonce > 0)) return 0;
  return k.binding.rate(seconds) / k.binding.per_nonce;
}

std::string self_test(const KernelInfo& k) {
  std::string why = test_batch(k);
  if (why.empty()) why = test_scan(k);
  return why;
}

const std::string& cached_self_test(const KernelInfo& k) {
  static std::mutex mu;
  static std::map<const KernelInfo*, std::string> verdicts;
  std::lock_guard lock(mu);
  auto it = verdicts.find(&k);
  if (it == verdicts.end()) it = verdicts.emplace(&k, self_test(k)).first;
  return it->second;
}

namespace {

// Nonces per thread-CPU-second of `k` on this core: the best of three scans of lanes x 4096
// genesis nonces at an unreachable target (0.5 to 3 ms each on Zen 4). Best, not median:
// interference only ever slows a run down.
double calibrated_rate(const KernelInfo& k) {
  std::uint8_t raw[80];
  unhex(kGenesisHex, raw, 80);
  const ScanJob job = make_scan_job(std::span<const std::uint8_t, 80>(raw, 80), {});
  const std::uint64_t span = std::uint64_t{k.lanes} * 4096;
  double best = 0;
  std::vector<std::uint32_t> found;
  for (int round = 0; round < 3; ++round) {
    timespec t0{}, t1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    k.scan(job, span * round, span * (round + 1), found);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    const double dt = static_cast<double>(t1.tv_sec - t0.tv_sec) + 1e-9 * static_cast<double>(t1.tv_nsec - t0.tv_nsec);
    if (dt > 0) best = std::max(best, static_cast<double>(span) / dt);
  }
  return best;
}

std::string names(std::span<const KernelInfo> table) {
  std::string s;
  for (const KernelInfo& k : table) {
    if (!s.empty()) s += ", ";
    s += k.name;
  }
  return s;
}

const KernelInfo& checked(std::span<const KernelInfo> table, std::uint32_t features, std::string_view name,
                          const std::string& (*test)(const KernelInfo&), std::string (*fresh)(const KernelInfo&)) {
  const KernelInfo* k = nullptr;
  for (const KernelInfo& c : table) {
    if (name == c.name) k = &c;
  }
  if (k == nullptr) throw KernelError("unknown kernel '" + std::string(name) + "' (available: " + names(table) + ")");
  if (!supported(*k, features)) {
    throw KernelError("kernel '" + std::string(name) + "' needs " + features_to_string(k->required) +
                      ", which this CPU or OS does not provide (have: " + features_to_string(features) + ")");
  }
  const std::string why = test ? test(*k) : fresh(*k);
  if (!why.empty()) throw KernelError("kernel '" + std::string(name) + "' failed its self-test: " + why);
  return *k;
}

}  // namespace

Selection select_kernel(std::span<const KernelInfo> table, std::uint32_t features, std::string_view forced) {
  if (!forced.empty()) return {&checked(table, features, forced, nullptr, self_test), ""};
  const KernelInfo* fallback = nullptr;
  for (const KernelInfo& k : table) {
    if (k.required == 0 && std::string_view(k.name) == "scalar") fallback = &k;
  }
  const KernelInfo* calibrating = nullptr;  // a passing kernel that must still beat the next one
  for (const KernelInfo& k : table) {
    if (!supported(k, features)) continue;
    const std::string why = self_test(k);
    if (why.empty() && k.calibrate && calibrating == nullptr) {
      calibrating = &k;
      continue;
    }
    if (why.empty()) {
      if (calibrating != nullptr && calibrated_rate(*calibrating) > 1.02 * calibrated_rate(k)) return {calibrating, ""};
      return {&k, ""};
    }
    if (fallback == nullptr || &k == fallback) throw KernelError("scalar kernel failed its self-test: " + why);
    // Never run a kernel that gave one wrong answer; scalar is slow but cannot miss.
    return {fallback, "kernel '" + std::string(k.name) + "' failed its self-test (" + why + "); falling back to scalar"};
  }
  if (fallback == nullptr) throw KernelError("no usable kernel");
  return {fallback, ""};
}

namespace {

struct ProcessChoice {
  const KernelInfo* kernel;
  std::string note;
};

ProcessChoice choose() {
  const char* env = std::getenv("POWLAB_KERNEL");
  const std::string_view forced = env ? env : "";
  if (!forced.empty()) {
    try {
      return {&checked(kTable, cpu_features(), forced, cached_self_test, nullptr), ""};
    } catch (const KernelError& e) {
      throw KernelError(std::string("POWLAB_KERNEL: ") + e.what());
    }
  }
  Selection s = select_kernel(kTable, cpu_features(), "");
  if (!s.note.empty()) std::cerr << "powlab: warning: " << s.note << '\n';
  return {s.kernel, s.note};
}

const ProcessChoice& process_choice() {
  static const ProcessChoice choice = choose();
  return choice;
}

}  // namespace

const KernelInfo& selected_kernel() { return *process_choice().kernel; }
const std::string& selection_note() { return process_choice().note; }

const KernelInfo& resolve_kernel(std::string_view name) {
  if (name.empty()) return selected_kernel();
  return checked(kTable, cpu_features(), name, cached_self_test, nullptr);
}

}  // namespace powlab::kernels
