// The kernels / scan / bench subcommands end to end: JSON shape, real answers, exit codes.
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "powlab/kernels.h"
#include "test_util.h"

namespace powlab {
namespace {

using test::run_powlab;

const std::string& genesis_hex() {
  static const std::string hex = [] {
    const CsvTable t = test::data_csv("headers/notable_headers.csv");
    return t.rows.at(0).at(t.column("header_hex"));
  }();
  return hex;
}

// Sets an environment variable for the child processes started in this scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

TEST(CliKernels, JsonListsEveryKernelWithOneSelected) {
  const auto r = run_powlab({"kernels", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["kernels"].size(), kernels::registry().size());
  int selected = 0;
  for (const auto& k : j["kernels"]) {
    for (const char* key : {"name", "lanes", "supported", "selected", "self_test"}) EXPECT_TRUE(k.contains(key)) << key;
    selected += k["selected"].get<bool>();
    if (k["supported"].get<bool>()) {
      EXPECT_EQ(k["self_test"], "pass") << k["name"];
    }
  }
  EXPECT_EQ(selected, 1);
}

TEST(CliKernels, EnvironmentOverrideSelectsAndRefuses) {
  {
    ScopedEnv env("POWLAB_KERNEL", "scalar");
    const auto j = nlohmann::json::parse(run_powlab({"kernels", "--json"}).out);
    for (const auto& k : j["kernels"]) EXPECT_EQ(k["selected"].get<bool>(), k["name"] == "scalar");
  }
  {
    ScopedEnv env("POWLAB_KERNEL", "no-such-kernel");
    const auto r = run_powlab({"scan", genesis_hex(), "--from", "0", "--count", "10"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("POWLAB_KERNEL"), std::string::npos) << r.err;
  }
}

// A kernel the CPU lacks (hidden with POWLAB_CPU_MASK) is refused with exit 2, never SIGILL.
TEST(CliKernels, ForcingAnUnsupportedKernelIsAUsageError) {
  ScopedEnv env("POWLAB_CPU_MASK", "0");
  for (const auto& k : kernels::registry()) {
    if (k.required == 0) continue;
    const auto r = run_powlab({"scan", genesis_hex(), "--from", "0", "--count", "10", "--kernel", k.name});
    EXPECT_EQ(r.exit_code, 2) << k.name << ": " << r.err;
    EXPECT_NE(r.err.find("does not provide"), std::string::npos) << r.err;
  }
  // And automatic selection quietly uses scalar.
  const auto j = nlohmann::json::parse(run_powlab({"scan", genesis_hex(), "--from", "0", "--count", "10", "--json"}).out);
  EXPECT_EQ(j["kernel"], "scalar");
}

TEST(CliScan, FindsGenesisNonceWithEveryKernel) {
  for (const auto& k : kernels::registry()) {
    if (!kernels::supported(k)) continue;
    const auto r = run_powlab({"scan", genesis_hex(), "--from", "2083236000", "--count", "2000", "--kernel", k.name,
                               "--threads", "2", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["found"], nlohmann::json::array({2083236893u})) << k.name;
    EXPECT_EQ(j["hashes"], 2000);
    EXPECT_EQ(j["kernel"], k.name);
    EXPECT_EQ(j["threads"], 2);
    for (const char* key : {"seconds", "hashes_per_second"}) EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(CliScan, ZerosAndBitsOverridesAndNothingFoundIsExitZero) {
  // 8 leading zero bits: ~1 in 256 wins; all results agree with the scalar kernel.
  auto a = run_powlab({"scan", genesis_hex(), "--from", "0", "--count", "5000", "--zeros", "8", "--json"});
  auto b = run_powlab({"scan", genesis_hex(), "--from", "0", "--count", "5000", "--zeros", "8", "--json", "--kernel", "scalar"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_GT(nlohmann::json::parse(a.out)["found"].size(), 5u);
  EXPECT_EQ(nlohmann::json::parse(a.out)["found"], nlohmann::json::parse(b.out)["found"]);
  // The genesis target excludes everything near the start: exit 0, empty list.
  auto c = run_powlab({"scan", genesis_hex(), "--from", "0", "--count", "1000", "--bits", "0x1d00ffff", "--json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(nlohmann::json::parse(c.out)["found"].empty());
  // The last nonce itself is scannable.
  auto d = run_powlab({"scan", genesis_hex(), "--from", "4294967295", "--count", "1", "--zeros", "0", "--json"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(nlohmann::json::parse(d.out)["found"], nlohmann::json::array({4294967295u}));
}

TEST(CliScan, BadInputIsExitTwo) {
  const std::string& g = genesis_hex();
  const std::vector<std::vector<std::string>> bad = {
      {"scan", g, "--from", "4294967290", "--count", "7"},  // past 2^32
      {"scan", g, "--from", "4294967296", "--count", "1"},
      {"scan", g, "--from", "0", "--count", "4294967297"},
      {"scan", g, "--from", "0", "--count", "0"},
      {"scan", g, "--from", "-1", "--count", "5"},
      {"scan", g, "--from", "0", "--count", "5", "--kernel", "bogus"},
      {"scan", g, "--from", "0", "--count", "5", "--threads", "1025"},  // 0 is every core (issue 10)
      {"scan", g, "--from", "0", "--count", "5", "--threads", "-2"},
      {"scan", g, "--from", "0", "--count", "5", "--threads", "99999999999999999999"},
      {"scan", g, "--from", "0", "--count", "5", "--threads", "abc"},
      {"scan", g, "--from", "0", "--count", "5", "--bits", "0x1d00ffff", "--zeros", "3"},
      {"scan", g, "--from", "0", "--count", "5", "--zeros", "256"},
      {"scan", g, "--from", "0", "--count", "5", "--bits", "0x00000000"},
      {"scan", g, "--from", "0", "--count", "5", "--bits", "0x01fedcba"},  // negative
      {"scan", "abcd", "--from", "0", "--count", "5"},
      {"scan", g, "--count", "5"},
  };
  for (const auto& args : bad) {
    const auto r = run_powlab(args);
    std::string joined;
    for (const auto& a : args) joined += a.size() > 20 ? "HEADER " : a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
}

// The known answer of `powlab bench`, derived outside powlab with Python's hashlib: the genesis
// nonces in [0, 2^20) whose sha256d has 16 leading zero bits (digest bytes 30, 31 zero), and
// the first 16 hex digits of SHA-256 over them as little-endian uint32 (14 winners):
//   python3 -c 'import hashlib,struct; h=bytes.fromhex("0100...ac2b7c"); d=lambda b: hashlib.sha256(hashlib.sha256(b).digest()).digest()
//   w=[n for n in range(1<<20) if d(h[:76]+struct.pack("<I",n))[30:]==b"\0\0"]; print(len(w), hashlib.sha256(b"".join(struct.pack("<I",n) for n in w)).hexdigest()[:16])'
// (h is the genesis header of tests/data/headers/notable_headers.csv). The test compares the
// bench's checksum with this value, not the bench's own verdict.
constexpr char kPythonKatChecksum[] = "105b3eeaa0c4cc17";
constexpr unsigned kPythonKatWinners = 14;

TEST(CliBench, JsonHasRatesCeilingsAndTheIndependentKnownAnswer) {
  // The selected kernel: its known-answer scan of 2^20 nonces stays quick under sanitizers.
  const auto r = run_powlab({"bench", "--threads", "1,2", "--seconds", "0.2", "--repeats", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["cpu"].contains("model"));
  ASSERT_EQ(j["results"].size(), 2u);
  for (const auto& x : j["results"]) {
    // The dispatcher's one timing-dependent choice is `hybrid`, taken after a calibration run in
    // each process: under load (ctest -j2) the child and this process can decide it differently.
    const std::string chosen = x["kernel"].get<std::string>();
    const std::string mine = kernels::selected_kernel().name;
    if (chosen != mine) {
      EXPECT_TRUE(chosen == "hybrid" || mine == "hybrid") << chosen << " vs " << mine;
    }
    EXPECT_GT(x["hashes_per_second"].get<double>(), 0);
    EXPECT_GT(x["hashes_per_second_cpu"].get<double>(), 0);
    // The ceiling: a positive rate, the instruction that binds it, and the fraction it gives.
    ASSERT_TRUE(x.contains("ceiling_hashes_per_second")) << x.dump();
    ASSERT_TRUE(x["ceiling_hashes_per_second"].is_number()) << x.dump();
    EXPECT_GT(x["ceiling_hashes_per_second"].get<double>(), 0);
    EXPECT_TRUE(x["binding_instruction"].is_string()) << x.dump();
    const double fraction = x["fraction_of_ceiling"].get<double>();
    EXPECT_GT(fraction, 0) << x.dump();
    EXPECT_NEAR(fraction, (x["clock"] == "cpu" ? x["hashes_per_second_cpu"] : x["hashes_per_second"]).get<double>() /
                              x["ceiling_hashes_per_second"].get<double>(), 1e-9);
  }
  ASSERT_EQ(j["checksums"].size(), 1u);
  EXPECT_EQ(j["checksums"][0]["checksum"], kPythonKatChecksum);
  EXPECT_EQ(j["checksums"][0]["winners"], kPythonKatWinners);
}

// Every tuned kernel this CPU runs gets a ceiling in text and JSON; scalar, the untuned
// oracle, has none. One process per kernel keeps scalar's slow known-answer scan out of it.
TEST(CliBench, EveryTunedKernelHasACeiling) {
  for (const kernels::KernelInfo& k : kernels::registry()) {
    if (!kernels::supported(k)) continue;
    if (std::string_view(k.name) == "scalar") {
      EXPECT_EQ(k.binding.rate, nullptr);
      continue;
    }
    const auto r = run_powlab({"bench", "--kernel", k.name, "--threads", "1", "--seconds", "0.05", "--repeats", "1", "--json"});
    ASSERT_EQ(r.exit_code, 0) << k.name << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["results"].size(), 1u) << k.name;
    const auto& x = j["results"][0];
    EXPECT_GT(x["ceiling_hashes_per_second"].get<double>(), 0) << k.name;
    EXPECT_GT(x["fraction_of_ceiling"].get<double>(), 0) << k.name;
    // No upper bound on the fraction here: it is a ratio of two timings, and on a loaded
    // machine (ctest -j2 beside other tests) it went above 1.05 though the ceiling is right.
    // Whether a kernel stays under its ceiling is a benchmark's question (docs/PERFORMANCE.md).
    EXPECT_EQ(j["checksums"][0]["checksum"], kPythonKatChecksum) << k.name;
  }
  const auto t = run_powlab({"bench", "--threads", "1", "--seconds", "0.05", "--repeats", "1"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("ceiling"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("H/s"), std::string::npos) << t.out;  // format_hashrate (docs/VOCABULARY.md)
}

// "Every core" is the cores powlab may run on (taskset, mpirun's binding), not the machine's:
// restricted to one CPU, bench's default is 1 thread only. The child inherits the mask.
TEST(CliBench, EveryCoreMeansTheAffinityMask) {
  cpu_set_t old_set;
  ASSERT_EQ(sched_getaffinity(0, sizeof old_set, &old_set), 0);
  if (CPU_COUNT(&old_set) < 2) GTEST_SKIP() << "needs two CPUs to tell the mask from the machine";
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &old_set)) {
      CPU_SET(c, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const auto r = run_powlab({"bench", "--seconds", "0.05", "--repeats", "1", "--json"});
  ASSERT_EQ(sched_setaffinity(0, sizeof old_set, &old_set), 0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 1u) << r.out;  // threads 1 only, not 1 and the machine's cores
  EXPECT_EQ(j["results"][0]["threads"], 1) << r.out;
}

TEST(CliBench, BadInputIsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"bench", "--threads", "1,,2"},
                                                               {"bench", "--threads", "-1"},
                                                               {"bench", "--threads", "5000"},
                                                               {"bench", "--seconds", "0"},
                                                               {"bench", "--seconds", "nan"},
                                                               {"bench", "--kernel", "nope"}}) {
    EXPECT_EQ(run_powlab(args).exit_code, 2) << args[1] << " " << args[2];
  }
}

}  // namespace
}  // namespace powlab
