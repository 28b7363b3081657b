// SHA-256 and sha256d against NIST CAVP, Bitcoin Core's vectors and OpenSSL.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <fstream>
#include <random>
#include <sstream>

#include "powlab/util/hex.h"
#include "powlab/sha256.h"
#include "test_util.h"

namespace powlab {
namespace {

struct RspVector {
  std::size_t bits = 0;
  std::string msg, md;
};

// NIST .rsp files: "Len = <bits>", "Msg = <hex>", "MD = <hex>". Len = 0 comes with Msg = 00.
std::vector<RspVector> read_rsp(const std::string& file) {
  std::ifstream in(test::data_path(file));
  std::vector<RspVector> out;
  std::string line;
  RspVector cur;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("Len = ")) cur.bits = std::stoul(line.substr(6));
    if (line.starts_with("Msg = ")) cur.msg = line.substr(6);
    if (line.starts_with("MD = ")) {
      cur.md = line.substr(5);
      out.push_back(cur);
      cur = {};
    }
  }
  return out;
}

std::vector<std::uint8_t> rsp_message(const RspVector& v) {
  auto bytes = from_hex(v.msg);
  bytes.resize(v.bits / 8);  // Len = 0 carries a dummy "00" byte
  return bytes;
}

TEST(Sha256Nist, ShortMsg) {
  const auto vectors = read_rsp("vectors/SHA256ShortMsg.rsp");
  ASSERT_EQ(vectors.size(), 65u);
  for (const auto& v : vectors) EXPECT_EQ(to_hex(sha256(rsp_message(v))), v.md) << "Len = " << v.bits;
}

TEST(Sha256Nist, LongMsg) {
  const auto vectors = read_rsp("vectors/SHA256LongMsg.rsp");
  ASSERT_EQ(vectors.size(), 64u);
  for (const auto& v : vectors) EXPECT_EQ(to_hex(sha256(rsp_message(v))), v.md) << "Len = " << v.bits;
}

// SHAVS Monte Carlo: MD0 = MD1 = MD2 = Seed; MDi = SHA256(MD(i-3) || MD(i-2) || MD(i-1)) for
// i = 3..1002; MD1002 is the checkpoint and the next seed. 100 checkpoints.
TEST(Sha256Nist, Monte) {
  std::ifstream in(test::data_path("vectors/SHA256Monte.rsp"));
  std::string line, seed_hex;
  std::vector<std::string> checkpoints;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("Seed = ")) seed_hex = line.substr(7);
    if (line.starts_with("MD = ")) checkpoints.push_back(line.substr(5));
  }
  ASSERT_EQ(checkpoints.size(), 100u);
  auto seed = from_hex(seed_hex);
  Digest md[3];
  for (const std::string& expected : checkpoints) {
    std::copy(seed.begin(), seed.end(), md[0].begin());
    md[1] = md[2] = md[0];
    Digest next{};
    for (int i = 3; i < 1003; ++i) {
      Sha256 h;
      h.update(md[0]).update(md[1]).update(md[2]);
      next = h.final();
      md[0] = md[1];
      md[1] = md[2];
      md[2] = next;
    }
    ASSERT_EQ(to_hex(next), expected);
    seed.assign(next.begin(), next.end());
  }
}

std::vector<std::uint8_t> core_vector_message(const std::string& description, const std::string& hex) {
  if (description.starts_with("1000000 x 'a'")) return std::vector<std::uint8_t>(1000000, 'a');
  if (description.starts_with("LongTestString")) {
    // Bitcoin Core crypto_tests.cpp LongTestString(): for i in 0..199999 append
    // (i, i>>4, i>>8, i>>12, i>>16) each & 0xff.
    std::vector<std::uint8_t> s;
    for (std::uint32_t i = 0; i < 200000; ++i) {
      for (int shift : {0, 4, 8, 12, 16}) s.push_back(static_cast<std::uint8_t>(i >> shift));
    }
    return s;
  }
  return from_hex(hex);
}

// Bitcoin Core TestVector(): each vector whole, then split into random-sized pieces, and also
// finished on a copy of a partially fed hasher.
TEST(Sha256Core, VectorsWholeAndInRandomPieces) {
  const CsvTable t = test::data_csv("vectors/bitcoin_core_sha256_vectors.csv");
  ASSERT_EQ(t.rows.size(), 11u);
  std::mt19937_64 rng(20260101);
  for (const auto& row : t.rows) {
    const auto msg = core_vector_message(row[t.column("message_description")], row[t.column("message_hex")]);
    ASSERT_EQ(std::to_string(msg.size()), row[t.column("length_bytes")]);
    const std::string want = row[t.column("sha256")];
    EXPECT_EQ(to_hex(sha256(msg)), want) << row[0];
    EXPECT_EQ(to_hex(sha256d(msg)), row[t.column("sha256d")]) << row[0];
    for (int trial = 0; trial < 32; ++trial) {
      Sha256 h;
      std::size_t pos = 0;
      bool copied = false;
      while (pos < msg.size()) {
        // Mostly small pieces, sometimes large ones, so both buffer paths run.
        const std::size_t cap = (rng() % 4 == 0) ? 5000 : 130;
        const std::size_t n = std::min<std::size_t>(msg.size() - pos, rng() % (cap + 1));
        h.update(msg.data() + pos, n);
        pos += n;
        if (trial % 8 == 0 && !copied && pos >= msg.size() / 3) {
          copied = true;
          Sha256 copy = h;  // a copy of a partial hasher finishes independently
          copy.update(msg.data() + pos, msg.size() - pos);
          ASSERT_EQ(to_hex(copy.final()), want);
        }
      }
      ASSERT_EQ(to_hex(h.final()), want) << row[0] << " trial " << trial;
    }
  }
}

TEST(Sha256Core, FinalResetsForReuse) {
  Sha256 h;
  h.update(from_hex("616263"));
  (void)h.final();
  EXPECT_EQ(to_hex(h.update(from_hex("616263")).final()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Bitcoin Core's start-up self-test: raw compression states after 0..8 blocks, no padding.
TEST(Sha256Core, SelfTestTransformStates) {
  const CsvTable t = test::data_csv("vectors/bitcoin_core_sha256_selftest.csv");
  int checked = 0;
  for (const auto& row : t.rows) {
    if (row[t.column("kind")] != "transform_state") continue;
    const auto input = from_hex(row[t.column("input_hex")]);
    // Both the portable reference and what compress dispatches to on this CPU.
    for (auto fn : {sha256_core::compress_portable, sha256_core::compress}) {
      std::uint32_t state[8];
      std::copy(sha256_core::kInit.begin(), sha256_core::kInit.end(), state);
      fn(state, input.data(), input.size() / 64);
      std::string got;
      for (std::uint32_t w : state) {
        char buf[9];
        std::snprintf(buf, sizeof buf, "%08x", w);
        got += buf;
      }
      EXPECT_EQ(got, row[t.column("expected_hex")]) << "blocks " << row[t.column("index")] << " on "
                                                    << (fn == sha256_core::compress ? sha256_core::compress_name()
                                                                                    : "portable");
    }
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

// The dispatched compression agrees with the portable one on random states and 1..4 blocks.
TEST(Sha256Core, DispatchedCompressMatchesPortable) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::uint8_t data[256];
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    std::uint32_t a[8], b[8];
    for (int k = 0; k < 8; ++k) a[k] = b[k] = static_cast<std::uint32_t>(rng());
    const std::size_t blocks = 1 + i % 4;
    sha256_core::compress_portable(a, data, blocks);
    sha256_core::compress(b, data, blocks);
    ASSERT_TRUE(std::equal(a, a + 8, b)) << "case " << i << " on " << sha256_core::compress_name();
  }
  const std::string name = sha256_core::compress_name();
  EXPECT_TRUE(name == "sha-ni" || name == "portable") << name;
}

Digest openssl_sha256(const std::vector<std::uint8_t>& m) {
  Digest d;
  unsigned len = 0;
  EVP_Digest(m.data(), m.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

// OpenSSL as an independent oracle on thousands of random messages of 0..2000 bytes.
TEST(Sha256Oracle, MatchesOpenSslOnRandomMessages) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 4000; ++i) {
    std::vector<std::uint8_t> m(rng() % 2001);
    for (auto& b : m) b = static_cast<std::uint8_t>(rng());
    ASSERT_EQ(sha256(m), openssl_sha256(m)) << "length " << m.size();
    const Digest once = openssl_sha256(m);
    ASSERT_EQ(sha256d(m), openssl_sha256(std::vector<std::uint8_t>(once.begin(), once.end())));
  }
}

}  // namespace
}  // namespace powlab
