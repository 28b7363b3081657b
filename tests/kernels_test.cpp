// Every compiled kernel against the scalar oracle, parameterised by kernel name and skipped
// (not passed) where this CPU lacks the instructions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "powlab/consensus/header.h"
#include "powlab/kernels.h"
#include "powlab/sha256.h"
#include "powlab/consensus/target.h"
#include "test_util.h"

namespace powlab {
namespace {

using kernels::KernelInfo;
using kernels::ScanJob;
using Words = std::array<std::uint32_t, 8>;

#ifdef POWLAB_SANITIZED
constexpr std::uint64_t kDiffNonces = std::uint64_t{1} << 16;  // scalar under ASan is ~30x slower
#else
constexpr std::uint64_t kDiffNonces = std::uint64_t{1} << 20;
#endif

constexpr std::uint32_t kAll = 0xffffffffu;

struct NotableHeader {
  std::string why;
  BlockHeader header;
};

const std::vector<NotableHeader>& notable_headers() {
  static const std::vector<NotableHeader> rows = [] {
    std::vector<NotableHeader> out;
    const CsvTable t = test::data_csv("headers/notable_headers.csv");
    const std::size_t height = t.column("height"), why = t.column("why"), hex = t.column("header_hex");
    for (const auto& r : t.rows) out.push_back({r[height] + " " + r[why], BlockHeader::from_hex(r[hex])});
    return out;
  }();
  return rows;
}

ScanJob job_for(const BlockHeader& h, const Words& target) { return kernels::make_scan_job(h.serialize(), target); }
ScanJob job_for(const BlockHeader& h) { return job_for(h, decode_compact(h.bits).target.to_words()); }

std::vector<std::uint32_t> scan(const KernelInfo& k, const ScanJob& job, std::uint64_t b, std::uint64_t e) {
  std::vector<std::uint32_t> found;
  k.scan(job, b, e, found);
  return found;
}
std::vector<std::uint32_t> oracle(const ScanJob& job, std::uint64_t b, std::uint64_t e) {
  std::vector<std::uint32_t> found;
  kernels::scan_scalar(job, b, e, found);
  return found;
}

class KernelTest : public ::testing::TestWithParam<const KernelInfo*> {
 protected:
  void SetUp() override {
    if (!kernels::supported(kernel())) GTEST_SKIP() << kernel().name << " is not supported by this CPU/OS";
  }
  const KernelInfo& kernel() const { return *GetParam(); }
};

TEST_P(KernelTest, PassesItsSelfTest) { EXPECT_EQ(kernels::self_test(kernel()), ""); }

// 1..31 nonces from an odd start: every partial batch of 4, 8 and 16 lanes runs.
TEST_P(KernelTest, ThirtyOneRangeLengthsMatchScalar) {
  const ScanJob job = job_for(notable_headers()[0].header, {kAll, kAll, kAll, kAll, kAll, kAll, kAll, 0x3fffffffu});
  for (std::uint64_t count = 0; count <= 31; ++count) {
    const std::uint64_t b = 1000003;
    EXPECT_EQ(scan(kernel(), job, b, b + count), oracle(job, b, b + count)) << "count " << count;
  }
}

// Every lane of every batch reports: with an all-ones target each nonce wins.
TEST_P(KernelTest, AllOnesTargetReportsEveryNonceAtTheEdges) {
  const ScanJob job = job_for(notable_headers()[1].header, {kAll, kAll, kAll, kAll, kAll, kAll, kAll, kAll});
  const std::uint64_t top = std::uint64_t{1} << 32;
  for (const auto& [b, e] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, 37}, {0x7FFFFFFFull - 18, 0x7FFFFFFFull + 19}, {top - 37, top}, {top - 1, top}, {9, 9}}) {
    std::vector<std::uint32_t> want;
    for (std::uint64_t n = b; n < e; ++n) want.push_back(static_cast<std::uint32_t>(n));
    EXPECT_EQ(scan(kernel(), job, b, e), want) << "[" << b << ", " << e << ")";
  }
}

TEST_P(KernelTest, EdgeNoncesMatchScalar) {
  const ScanJob job = job_for(notable_headers()[2].header, {kAll, kAll, kAll, kAll, kAll, kAll, kAll, 0x7fffffffu});
  const std::uint64_t top = std::uint64_t{1} << 32;
  for (const auto& [b, e] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, 1}, {0, 45}, {0x7FFFFFFFull, 0x80000000ull}, {0x7FFFFFFFull - 30, 0x7FFFFFFFull + 31},
           {top - 1, top}, {top - 45, top}}) {
    EXPECT_EQ(scan(kernel(), job, b, e), oracle(job, b, e)) << "[" << b << ", " << e << ")";
  }
}

// Random headers at easy random targets: 31 inputs, input i scanning i+1 nonces so every
// partial batch of 4, 8, 16 and 20 lanes runs, with starts at the edges of the nonce space.
// The targets' top word passes about 1 nonce in 2 to 16, so most lanes reach the full 256-bit
// comparison in confirm_candidates; their lower words are random, and for every input one
// nonce's own top hash word becomes the target's top word, so for that nonce the lower words
// decide. Winners are compared with the scalar hash judged by U256 arithmetic from core, not
// by the kernels' own meets_target.
TEST_P(KernelTest, RandomHeadersAtEasyTargetsMatchScalar) {
  std::mt19937_64 rng(20261130);
  const std::uint64_t top = std::uint64_t{1} << 32;
  std::size_t ties = 0, winners = 0;
  for (std::uint64_t i = 0; i < 31; ++i) {
    std::array<std::uint8_t, 80> raw{};
    for (auto& b : raw) b = static_cast<std::uint8_t>(rng());
    const std::uint64_t count = i + 1;
    const std::uint64_t starts[] = {0, 0x7FFFFFFFull - i / 2, top - count, rng() % (top - count)};
    const std::uint64_t b = starts[i % 4], e = b + count;
    const auto tie_nonce = static_cast<std::uint32_t>(b + rng() % count);
    Words target;
    for (auto& w : target) w = static_cast<std::uint32_t>(rng());
    const ScanJob probe = kernels::make_scan_job(raw, target);
    target[7] = (i % 3 == 0) ? kernels::hash_words(probe, tie_nonce)[7] : 0x10000000u + static_cast<std::uint32_t>(rng() % 0x70000000u);
    const ScanJob job = kernels::make_scan_job(raw, target);
    std::vector<std::uint32_t> want;
    for (std::uint64_t n = b; n < e; ++n) {
      const Words h = kernels::hash_words(job, static_cast<std::uint32_t>(n));
      ties += h[7] == target[7];
      if (U256::from_words(h) <= U256::from_words(target)) want.push_back(static_cast<std::uint32_t>(n));
    }
    winners += want.size();
    EXPECT_EQ(scan(kernel(), job, b, e), want) << "input " << i << ": [" << b << ", " << e << ")";
  }
  EXPECT_GE(ties, 10u);     // the lower words really decided some nonces
  EXPECT_GE(winners, 40u);  // and the targets were easy enough to find many
}

// Identical winner sets to scalar over many nonces at easy targets (the oracle runs once).

// The real nonce of each notable mainnet header, found with the header's own target.
TEST_P(KernelTest, FindsRealNoncesOfNotableHeaders) {
  ASSERT_GE(notable_headers().size(), 10u);
  for (const auto& row : notable_headers()) {
    const std::uint64_t n = row.header.nonce;
    const std::uint64_t b = n >= 1000 ? n - 1000 : 0, e = std::min<std::uint64_t>(n + 1001, std::uint64_t{1} << 32);
    const ScanJob job = job_for(row.header);
    const auto found = scan(kernel(), job, b, e);
    EXPECT_NE(std::find(found.begin(), found.end(), row.header.nonce), found.end()) << row.why;
    EXPECT_EQ(found, oracle(job, b, e)) << row.why;
  }
}

// The top-word early reject must never drop a winner: targets equal to, just above and just
// below a real hash, split exactly at the word boundaries.
TEST_P(KernelTest, EarlyRejectKeepsWinnersAtWordBoundaryTargets) {
  const BlockHeader& h = notable_headers()[0].header;
  const ScanJob probe = job_for(h, {});
  const std::uint32_t star = 77777;
  const Words hw = kernels::hash_words(probe, star);
  const U256 hv = U256::from_words(hw);
  struct Case { Words target; bool star_wins; };
  const Words top_only = {0, 0, 0, 0, 0, 0, 0, hw[7]};
  Words top_rest_max = hw;
  std::fill(top_rest_max.begin(), top_rest_max.begin() + 7, kAll);
  const std::vector<Case> cases = {
      {hw, true},                                   // hash == target
      {(hv - U256(1)).to_words(), false},           // one below
      {(hv + U256(1)).to_words(), true},            // one above
      {top_rest_max, true},                         // same top word, lower words all ones
      {top_only, hv == U256::from_words(top_only)}, // same top word, lower words zero
      {(U256::from_words(top_only) - U256(1)).to_words(), false},  // top word - 1, rest all ones
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const ScanJob job = job_for(h, cases[i].target);
    const auto found = scan(kernel(), job, star - 40, star + 41);
    EXPECT_EQ(found, oracle(job, star - 40, star + 41)) << "case " << i;
    EXPECT_EQ(std::find(found.begin(), found.end(), star) != found.end(), cases[i].star_wins) << "case " << i;
  }
}

// Batch SHA-256 of 1..31 unaligned messages against the streaming reference.
TEST_P(KernelTest, BatchSha256MatchesReference) {
  for (std::size_t len : {0u, 1u, 32u, 55u, 56u, 64u, 80u, 200u}) {
    for (std::size_t count = 1; count <= 31; ++count) {
      std::vector<std::uint8_t> msgs(count * len + 1), out(count * 32 + 1);
      for (std::size_t i = 0; i < msgs.size(); ++i) msgs[i] = static_cast<std::uint8_t>(i * 7 + count);
      kernel().sha256_batch(msgs.data() + 1, len, count, out.data() + 1);
      for (std::size_t i = 0; i < count; ++i) {
        const Digest d = sha256({msgs.data() + 1 + i * len, len});
        ASSERT_EQ(0, std::memcmp(out.data() + 1 + 32 * i, d.data(), 32)) << "len " << len << " count " << count << " i " << i;
      }
    }
  }
}

std::vector<const KernelInfo*> all_kernels() {
  std::vector<const KernelInfo*> v;
  for (const KernelInfo& k : kernels::registry()) v.push_back(&k);
  return v;
}

std::vector<const KernelInfo*> simd_kernels() {
  std::vector<const KernelInfo*> v;
  for (const KernelInfo& k : kernels::registry()) {
    if (std::string_view(k.name) != "scalar") v.push_back(&k);
  }
  return v;
}

std::string kernel_name(const ::testing::TestParamInfo<const KernelInfo*>& p) { return p.param->name; }

// Every kernel but the oracle itself, against the oracle over many nonces.
class SimdKernelTest : public KernelTest {};

TEST_P(SimdKernelTest, MatchesScalarOverManyNonces) {
  const BlockHeader& h = notable_headers()[15].header;  // block 125552
  const ScanJob job = job_for(h, {kAll, kAll, kAll, kAll, kAll, kAll, kAll, 0x000fffffu});  // ~1 in 4096
  static std::map<std::uint64_t, std::vector<std::uint32_t>> cache;
  const std::uint64_t b = 0x12345677;
  auto& want = cache[b];
  if (want.empty()) want = oracle(job, b, b + kDiffNonces);
  ASSERT_GT(want.size(), 8u);
  EXPECT_EQ(scan(kernel(), job, b, b + kDiffNonces), want);
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelTest, ::testing::ValuesIn(all_kernels()), kernel_name);
INSTANTIATE_TEST_SUITE_P(Kernels, SimdKernelTest, ::testing::ValuesIn(simd_kernels()), kernel_name);

// ---- Registry, selection and the self-test itself ------------------------------------------

TEST(KernelRegistry, ScalarIsPresentLastAndNeedsNothing) {
  const auto reg = kernels::registry();
  ASSERT_FALSE(reg.empty());
  EXPECT_STREQ(reg.back().name, "scalar");
  EXPECT_EQ(reg.back().required, 0u);
  EXPECT_EQ(reg.back().lanes, 1u);
}

TEST(KernelRegistry, SelectedKernelIsSupportedAndPassed) {
  const KernelInfo& k = kernels::selected_kernel();
  EXPECT_TRUE(kernels::supported(k));
  EXPECT_EQ(kernels::cached_self_test(k), "");
  std::printf("selected kernel: %s (cpu features: %s)\n", k.name, kernels::features_to_string(kernels::cpu_features()).c_str());
}

// Deliberately broken kernels: scalar with a lane dropped, and a batch with one flipped bit.
void drop_lane_five(const ScanJob& job, std::uint64_t b, std::uint64_t e, std::vector<std::uint32_t>& found) {
  std::vector<std::uint32_t> all;
  kernels::scan_scalar(job, b, e, all);
  for (std::uint32_t n : all) {
    if (n % 8 != 5) found.push_back(n);
  }
}
void flip_third_digest(const std::uint8_t* m, std::size_t len, std::size_t count, std::uint8_t* out) {
  kernels::sha256_batch_scalar(m, len, count, out);
  if (count >= 3) out[64] ^= 1;
}
void wrap_at_top(const ScanJob& job, std::uint64_t b, std::uint64_t e, std::vector<std::uint32_t>& found) {
  kernels::scan_scalar(job, b, std::min<std::uint64_t>(e, 0xffffffffull), found);  // never scans 0xFFFFFFFF
}

constexpr std::uint32_t kFakeFeature = 1u << 30;

TEST(KernelSelfTest, CatchesBrokenKernels) {
  const KernelInfo bad_scan{"bad-scan", 8, 0, drop_lane_five, kernels::sha256_batch_scalar, {}, false};
  const KernelInfo bad_batch{"bad-batch", 8, 0, kernels::scan_scalar, flip_third_digest, {}, false};
  const KernelInfo bad_top{"bad-top", 8, 0, wrap_at_top, kernels::sha256_batch_scalar, {}, false};
  EXPECT_NE(kernels::self_test(bad_scan), "");
  EXPECT_NE(kernels::self_test(bad_batch), "");
  EXPECT_NE(kernels::self_test(bad_top), "");
  const KernelInfo& scalar = kernels::registry().back();
  EXPECT_EQ(kernels::self_test(scalar), "");
}

TEST(KernelSelfTest, SelectionFallsBackToScalarAndSaysSo) {
  const KernelInfo table[] = {
      {"needs-fake", 4, kFakeFeature, kernels::scan_scalar, kernels::sha256_batch_scalar, {}, false},
      {"bad-scan", 8, 0, drop_lane_five, kernels::sha256_batch_scalar, {}, false},
      kernels::registry().back(),
  };
  const auto sel = kernels::select_kernel(table, 0, "");
  ASSERT_NE(sel.kernel, nullptr);
  EXPECT_STREQ(sel.kernel->name, "scalar");
  EXPECT_NE(sel.note.find("bad-scan"), std::string::npos) << sel.note;
  EXPECT_NE(sel.note.find("scalar"), std::string::npos) << sel.note;

  // With the fake feature present, the first entry is supported, passes, and wins.
  EXPECT_STREQ(kernels::select_kernel(table, kFakeFeature, "").kernel->name, "needs-fake");

  // Forcing: an unknown name, a kernel the CPU lacks, a kernel that fails: all refused.
  EXPECT_THROW(kernels::select_kernel(table, 0, "nope"), kernels::KernelError);
  EXPECT_THROW(kernels::select_kernel(table, 0, "needs-fake"), kernels::KernelError);
  EXPECT_THROW(kernels::select_kernel(table, 0, "bad-scan"), kernels::KernelError);
  EXPECT_STREQ(kernels::select_kernel(table, 0, "scalar").kernel->name, "scalar");
}

// A kernel doing three times scalar's work: slower by a margin no noise can hide.
void slow_scalar(const ScanJob& job, std::uint64_t b, std::uint64_t e, std::vector<std::uint32_t>& found) {
  std::vector<std::uint32_t> scratch;
  kernels::scan_scalar(job, b, e, scratch);
  scratch.clear();
  kernels::scan_scalar(job, b, e, scratch);
  kernels::scan_scalar(job, b, e, found);
}

// A kernel marked `calibrate` (the hybrid) is selected only when it is faster than the kernel
// that would be selected without it.
TEST(KernelSelfTest, CalibratedKernelIsPickedOnlyWhenItWins) {
  const KernelInfo& scalar = kernels::registry().back();
  const KernelInfo slow_first[] = {
      {"slow-calibrated", 1, 0, slow_scalar, kernels::sha256_batch_scalar, {}, true},
      scalar,
  };
  EXPECT_STREQ(kernels::select_kernel(slow_first, 0, "").kernel->name, "scalar");
  const KernelInfo fast_first[] = {
      {"fast-calibrated", 1, 0, kernels::scan_scalar, kernels::sha256_batch_scalar, {}, true},
      {"slow", 1, 0, slow_scalar, kernels::sha256_batch_scalar, {}, false},
      scalar,
  };
  EXPECT_STREQ(kernels::select_kernel(fast_first, 0, "").kernel->name, "fast-calibrated");
  // Forcing skips calibration: the user asked for that kernel.
  EXPECT_STREQ(kernels::select_kernel(slow_first, 0, "slow-calibrated").kernel->name, "slow-calibrated");
}

TEST(KernelSelfTest, ResolveRefusesUnknownKernels) {
  EXPECT_THROW(kernels::resolve_kernel("no-such-kernel"), kernels::KernelError);
  EXPECT_STREQ(kernels::resolve_kernel("scalar").name, "scalar");
}

// The scalar oracle itself, pinned to real data: hash_words equals the header hash.
TEST(ScalarOracle, HashWordsMatchHeaderHash) {
  for (const auto& row : notable_headers()) {
    const ScanJob job = job_for(row.header);
    const U256 want = U256::from_le_bytes(row.header.hash());
    EXPECT_EQ(U256::from_words(kernels::hash_words(job, row.header.nonce)), want) << row.why;
  }
}

}  // namespace
}  // namespace powlab
