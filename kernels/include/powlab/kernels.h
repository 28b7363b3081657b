// The hashing kernels: sha256d nonce scans over an 80-byte header, one implementation per ISA,
// chosen at run time. This header is the whole public surface of the kernels library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace powlab::kernels {

// A header prepared for scanning nonces. Words are SHA-256 message words (big-endian loads).
struct ScanJob {
  std::array<std::uint32_t, 8> midstate{};  // state after compressing header bytes 0..63
  std::array<std::uint32_t, 3> tail{};      // message words 16..18: merkle tail, time, bits
  // Target as eight 32-bit words, least significant first (target[7] is the top word).
  // A nonce wins when the hash, read as a little-endian 256-bit number, is <= target.
  std::array<std::uint32_t, 8> target{};
};

// Builds a job from a raw 80-byte header (its nonce field is ignored) and a target.
ScanJob make_scan_job(std::span<const std::uint8_t, 80> header, const std::array<std::uint32_t, 8>& target);

// Appends to `found`, in increasing order, every nonce n in [begin, end) whose sha256d meets
// the target. Requires begin <= end <= 2^32 (so a range may end at 0xFFFFFFFF inclusive).
using ScanFn = void (*)(const ScanJob& job, std::uint64_t begin, std::uint64_t end,
                        std::vector<std::uint32_t>& found);

// Plain SHA-256 of `count` messages of `len` bytes each, stored back to back from `msgs` (no
// alignment needed); digest i goes to out[32*i .. 32*i+31].
using Sha256BatchFn = void (*)(const std::uint8_t* msgs, std::size_t len, std::size_t count, std::uint8_t* out);

// The portable scan, the oracle every other kernel is tested against.
void scan_scalar(const ScanJob& job, std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& found);
void sha256_batch_scalar(const std::uint8_t* msgs, std::size_t len, std::size_t count, std::uint8_t* out);

// sha256d of the 80-byte header with `nonce` written in, as little-endian target-order words
// (word 7 most significant). The full-width re-check every reported nonce passes.
std::array<std::uint32_t, 8> hash_words(const ScanJob& job, std::uint32_t nonce);
bool meets_target(const std::array<std::uint32_t, 8>& hash, const std::array<std::uint32_t, 8>& target);

// ---- CPU features -------------------------------------------------------------------------

// Bits of a feature mask. Each bit means "the CPU has it AND the OS saves the register state".
enum CpuFeature : std::uint32_t {
  kFeatureSse41 = 1u << 0,
  kFeatureAvx2 = 1u << 1,      // AVX2 with YMM state enabled (XCR0 bits 1,2)
  kFeatureAvx512 = 1u << 2,    // AVX-512 F+VL+BW with ZMM/opmask state enabled (XCR0 0xE6)
  kFeatureShaNi = 1u << 3,     // SHA extensions (+SSSE3/SSE4.1, which every SHA-NI CPU has)
};

// Detected once (CPUID + XGETBV), cached; ANDed with POWLAB_CPU_MASK (hex) when that is set.
std::uint32_t cpu_features();
std::string features_to_string(std::uint32_t mask);  // "sse4.1 avx2 avx512 sha-ni"
std::string cpu_model();                          // CPUID brand string, trimmed

// ---- The registry ------------------------------------------------------------------------

// What bounds a kernel on one core: the instruction (or instruction class) it cannot do
// without, how many of it one nonce costs in the compiled kernel, and a micro-benchmark of that
// instruction's throughput on this core. rate/per_nonce is the kernel's hard ceiling.
struct Binding {
  const char* instruction = nullptr;  // "sha256rnds2", "zmm vpaddd/vprord/vpternlogd", ...
  // Counted in the disassembly of the kernel's hot loop, not on paper: bench/count_instructions.sh
  // recounts it from the built library and the ctest kernel_instruction_counts compares.
  double per_nonce = 0;
  // Runs the micro-benchmark for about `seconds` of thread CPU time and returns the best
  // window's throughput in instructions per CPU-second (interference only ever slows it).
  double (*rate)(double seconds) = nullptr;
};

struct KernelInfo {
  const char* name;
  unsigned lanes;           // nonces per batch: callers size chunks as multiples of this
  std::uint32_t required;   // CpuFeature mask the kernel's instructions need
  ScanFn scan;
  Sha256BatchFn sha256_batch;
  Binding binding;          // rate == nullptr: no ceiling is known (test doubles)
  // Selected automatically only if a short calibration shows it faster than the next kernel
  // that would be selected instead (the hybrid, whose gain depends on the core).
  bool calibrate;
};

// Nonces per CPU-second one core cannot exceed with kernel `k`: the binding instruction's
// measured throughput over its count per nonce. 0 when `k` has no binding. Runs the
// micro-benchmark (about `seconds` of CPU time); only call it for a supported kernel.
double ceiling_hashes_per_second(const KernelInfo& k, double seconds = 0.05);

// Every kernel compiled into this binary, best first: the first the CPU supports (and that
// passes its self-test) is selected. scalar is always last and always present.
std::span<const KernelInfo> registry();
const KernelInfo* find_kernel(std::string_view name);  // nullptr if no such kernel is compiled in
bool supported(const KernelInfo& k, std::uint32_t features = cpu_features());

// Known-answer self-test run on unaligned input, covering every partial batch: Bitcoin Core's
// SHA256D64 self-test vectors through the batch entry, a scan that must find genesis' nonce, a
// scan ending at 0xFFFFFFFF, and a differential scan against scalar at an easy target.
// Returns "" on success, else what failed. Never call it for a kernel the CPU lacks.
std::string self_test(const KernelInfo& k);

// Forcing a kernel that does not exist, that this CPU cannot run, or that fails its self-test.
class KernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Selection {
  const KernelInfo* kernel = nullptr;
  std::string note;  // non-empty when something was skipped: "avx512 failed self-test: ...; using scalar"
};

// The policy (tests drive it with a doctored table): `forced` empty picks the first supported
// kernel that passes self_test, falling back to scalar with a note; a kernel marked
// `calibrate` is picked only if it runs more than 2% faster than the one that would be picked
// without it (a short timed scan of each). A forced name must exist, be supported and pass,
// else KernelError.
Selection select_kernel(std::span<const KernelInfo> table, std::uint32_t features, std::string_view forced);

// The process-wide choice: POWLAB_KERNEL from the environment if set, else automatic. Done once
// (thread-safe); a fallback note is printed to stderr once. Throws KernelError for a bad
// POWLAB_KERNEL.
const KernelInfo& selected_kernel();
const std::string& selection_note();

// `name` empty: selected_kernel(); otherwise that kernel, checked as in select_kernel (the
// self-test runs once per kernel and is cached).
const KernelInfo& resolve_kernel(std::string_view name);

// Cached self-test verdict for a supported kernel ("" = pass); runs the test on first call.
const std::string& cached_self_test(const KernelInfo& k);

}  // namespace powlab::kernels
