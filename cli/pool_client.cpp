// powlab mine --pool: a terminal joins a classroom's lab pool (issue 14). It speaks only the
// lab pool's API (cli/cmd_serve.cpp) and first checks the handshake: protocol, chain magic and
// network "lab". Anything else is refused before a single hash, so this command can never be
// pointed at a real pool and mine for someone else's coin.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <regex>

#include "command.h"
#include "powlab/consensus/header.h"
#include "powlab/consensus/target.h"
#include "powlab/ledger/store.h"
#include "powlab/mining/search.h"
#include "powlab/util/hex.h"
#include "serve.h"

namespace powlab::cli {

namespace {

std::atomic<bool> g_pool_stop{false};
void on_pool_signal(int) { g_pool_stop.store(true); }

// Seconds on one job before asking for fresh work: a block elsewhere makes a job stale, and
// the share answers say so, but a short job also keeps the block time fresh.
constexpr double kJobSeconds = 2.0;
// Shares kept per job (the smallest hashes): at a sane --share-zeros a job finds a few.
constexpr std::size_t kMaxSharesPerJob = 64;

struct PoolError : std::runtime_error {
  int code;
  PoolError(int c, const std::string& what) : std::runtime_error(what), code(c) {}
};

nlohmann::json get_json(httplib::Client& http, const std::string& url, const std::string& path) {
  auto res = http.Get(path);
  if (!res) throw PoolError(kExitUsage, "cannot reach " + url + path + ": " + httplib::to_string(res.error()));
  nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 || j.is_discarded() || !j.is_object()) {
    const std::string why = !j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string()
                                ? j["error"].get<std::string>()
                                : "not a JSON object";
    throw PoolError(kExitInvalid, url + path + " answered HTTP " + std::to_string(res->status) + ": " + why);
  }
  return j;
}

std::string str_field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

int run_pool_mine(const PoolMineOptions& o) {
  static const std::regex url_re(R"(http://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})/?)");
  std::smatch m;
  if (!std::regex_match(o.url, m, url_re) || std::stoi(m[2].str()) > 65535 || std::stoi(m[2].str()) == 0) {
    throw UsageError("--pool: '" + o.url + "' is not http://HOST:PORT (a powlab lab pool; no https, no path)");
  }
  if (auto why = check_owner_name(o.miner)) throw UsageError("--miner: " + *why);
  std::string host = m[1].str();
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  httplib::Client http(host, std::stoi(m[2].str()));
  http.set_connection_timeout(5);
  http.set_read_timeout(30);
  const std::string base = "http://" + m[1].str() + ":" + m[2].str();

  try {
    // The handshake, before any hashing.
    const nlohmann::json hello = get_json(http, base, "/api/hello");
    const std::string magic(kChainMagic, sizeof kChainMagic);
    if (str_field(hello, "protocol") != kLabPoolProtocol || str_field(hello, "magic") != magic ||
        str_field(hello, "network") != "lab") {
      throw PoolError(kExitInvalid, base + " is not a powlab lab pool (handshake: protocol '" +
                                        str_field(hello, "protocol") + "', magic '" + str_field(hello, "magic") +
                                        "', network '" + str_field(hello, "network") +
                                        "'); refusing to mine for it");
    }
    if (!o.json) {
      std::cout << "mining for the lab pool at " << base << " as " << o.miner << " (network lab, chain magic "
                << magic << ")" << std::endl;
    }

    g_pool_stop = false;
    StopSignals signals(on_pool_signal);
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed = [&t0] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    std::uint64_t hashes = 0, accepted = 0;
    std::int64_t blocks = 0;
    std::map<std::string, std::uint64_t> refused;
    std::string kernel;
    while (blocks < o.blocks && !g_pool_stop.load()) {
      double budget = kJobSeconds;
      if (o.max_seconds > 0) {
        budget = std::min(budget, o.max_seconds - elapsed());
        if (budget <= 0) break;
      }
      const nlohmann::json work = get_json(http, base, "/api/work?miner=" + o.miner);
      SearchRequest sr;
      std::string job_id;
      try {
        job_id = work.at("job_id").get<std::string>();
        const auto raw = from_hex(work.at("header_hex").get<std::string>());
        if (raw.size() != kHeaderSize) throw std::invalid_argument("header_hex is not 80 bytes");
        sr.header = BlockHeader::parse(raw);
        sr.target = U256::from_hex(work.at("share_target").get<std::string>());
      } catch (const std::exception& e) {
        throw PoolError(kExitInvalid, base + "/api/work answered a malformed job: " + e.what());
      }
      // Scan about kMaxSharesPerJob shares' worth of nonces: an easy share target must not
      // make a job run its whole time budget (its shares would go stale meanwhile).
      const U256 per_share = work_from_target(sr.target);
      const std::uint64_t span = per_share.bits() > 26 ? std::uint64_t{1} << 32 : per_share.low64() * kMaxSharesPerJob;
      sr.nonce_end = std::min<std::uint64_t>(std::uint64_t{1} << 32, std::max<std::uint64_t>(span, 1));
      sr.stop_at_first = false;
      sr.threads = o.threads;
      sr.kernel = o.kernel;
      sr.max_seconds = budget;
      sr.max_found = kMaxSharesPerJob;
      sr.cancel = &g_pool_stop;
      const SearchResult found = search_nonces(sr);
      hashes += found.hashes;
      kernel = found.kernel;
      for (const std::uint32_t nonce : found.found) {
        const nlohmann::json share = {{"miner", o.miner}, {"job_id", job_id}, {"nonce", nonce}};
        auto res = http.Post("/api/share", share.dump(), "application/json");
        if (!res) throw PoolError(kExitUsage, "cannot reach " + base + "/api/share: " + httplib::to_string(res.error()));
        const nlohmann::json a = nlohmann::json::parse(res->body, nullptr, false);
        if (res->status == 429) {
          ++refused["rate-limited"];
          continue;
        }
        if (a.is_discarded() || !a.is_object() || !a.contains("accepted") || !a["accepted"].is_boolean()) {
          throw PoolError(kExitInvalid, base + "/api/share answered HTTP " + std::to_string(res->status) +
                                            " without a verdict");
        }
        if (a["accepted"].get<bool>()) {
          ++accepted;
        } else {
          ++refused[str_field(a, "reason")];
        }
        if (a.value("block", false)) {
          ++blocks;
          if (o.json) {
            print_json({{"type", "block"}, {"height", a.value("height", -1)}, {"miner", o.miner}, {"nonce", nonce}});
          } else {
            std::cout << "block " << a.value("height", -1) << " from " << o.miner << "'s share (nonce " << nonce
                      << ")" << std::endl;
          }
        }
        if (str_field(a, "reason") == "stale-job") break;  // the chain moved: new work
      }
    }
    const double seconds = elapsed();
    nlohmann::json refusals = refused;
    if (o.json) {
      print_json({{"type", "summary"}, {"pool", base}, {"miner", o.miner}, {"hashes", hashes},
                  {"seconds", seconds}, {"hashes_per_second", seconds > 0 ? hashes / seconds : 0.0},
                  {"shares_accepted", accepted}, {"shares_refused", refusals}, {"blocks", blocks},
                  {"kernel", kernel}});
    } else {
      std::cout << o.miner << ": " << count_noun(accepted, "share") << " accepted";
      for (const auto& [reason, n] : refused) std::cout << ", " << n << " " << reason;
      std::cout << ", " << count_noun(static_cast<std::uint64_t>(blocks), "block") << ", "
                << format_hashrate(seconds > 0 ? hashes / seconds : 0) << " (kernel " << kernel
                << "); credits are the pool's books: " << base << "/api/stats\n";
    }
    if (g_pool_stop.load() && blocks < o.blocks && o.max_seconds == 0) return 128 + SIGINT;
    return kExitOk;
  } catch (const PoolError& e) {
    std::cerr << "powlab mine: error: " << e.what() << '\n';
    return e.code;
  }
}

}  // namespace powlab::cli
