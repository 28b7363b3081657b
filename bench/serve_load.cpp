// The classroom server under load (issue 14): many simulated clients submit real shares to a
// real `powlab serve` on loopback, then the books are checked exactly. A load test, not a
// Google Benchmark case: it runs for a fixed wall time against a separate process and its
// result is pass/fail accounting plus two rates (docs/PERFORMANCE.md, "The classroom server
// under load").
//
//   serve_load [--clients 200] [--seconds 60] [--share-zeros 4] [--zeros 18] [--core-only | --http-only]
//
// 1. The pool core alone: LabPool::submit in-process on one thread, no HTTP, on shares found
//    beforehand (the finding is not timed). This is the ceiling HTTP is measured against.
// 2. `powlab serve --rate 0` (the per-client rate limit is OFF, said here and in the output:
//    every client is 127.0.0.1, so the default 200 requests/s per address would measure the
//    limiter, not the server). Each client is a thread with its own miner name and its own
//    keep-alive connection. Per job it finds shares locally (real sha256d at a low
//    --share-zeros), submits them, and mixes in a duplicate every 8th share, a high-hash
//    nonce, and now and then an unknown job and a malformed body; stale jobs come from the
//    blocks that land. Every answer is tallied by reason.
// 3. The check, exact: the server's accepted shares equal the ones the clients saw accepted,
//    per miner and in total; every refusal reason's count equals the clients' tally; the
//    credits add up to the rewards minus the fee; the chain file replays valid with one block
//    per block the clients were told of. The server's peak RSS (VmHWM) is reported.
// Exit 0 when every check holds, 1 when one fails, 2 for a bad option or a server that
// does not start.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "powlab/consensus/network.h"
#include "powlab/consensus/target.h"
#include "powlab/ledger/store.h"
#include "powlab/pool/pool.h"
#include "powlab/sha256.h"
#include "powlab/util/hex.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using powlab::U256;

struct Options {
  int clients = 200;
  double seconds = 60;
  int share_zeros = 4;
  int zeros = 18;
  bool core_only = false;
  bool http_only = false;
  std::string powlab = POWLAB_EXE;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "serve_load: error: " << why
            << "\nusage: serve_load [--clients N] [--seconds S] [--share-zeros Z] [--zeros Z] [--core-only | --http-only] "
               "[--powlab PATH]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--clients") o.clients = std::stoi(value());
      else if (a == "--seconds") o.seconds = std::stod(value());
      else if (a == "--share-zeros") o.share_zeros = std::stoi(value());
      else if (a == "--zeros") o.zeros = std::stoi(value());
      else if (a == "--powlab") o.powlab = value();
      else if (a == "--core-only") o.core_only = true;
      else if (a == "--http-only") o.http_only = true;
      else usage("unknown option " + a);
    } catch (const std::logic_error&) {
      usage(a + ": not a number");
    }
  }
  if (o.clients < 1 || o.clients > 1000) usage("--clients must be 1..1000");
  if (!(o.seconds > 0 && o.seconds <= 3600)) usage("--seconds must be in (0, 3600]");
  if (o.share_zeros < 1 || o.share_zeros > 16) usage("--share-zeros must be 1..16 (the clients find shares)");
  if (o.zeros < o.share_zeros || o.zeros > 40) usage("--zeros must be --share-zeros..40");
  return o;
}

// A job as the API hands it out, and the nonces a client found for it.
struct Job {
  std::string id;
  std::array<std::uint8_t, 80> header{};
  U256 share_target;
};

U256 hash_value(const Job& j, std::uint32_t nonce) {
  auto h = j.header;
  for (int i = 0; i < 4; ++i) h[76 + i] = static_cast<std::uint8_t>(nonce >> (8 * i));
  return U256::from_le_bytes(powlab::sha256d(h));
}

// Up to `shares` share nonces (and one miss) from `from` on.
void find(const Job& j, std::uint32_t& from, std::size_t shares, std::vector<std::uint32_t>& out,
          std::uint32_t& miss) {
  out.clear();
  miss = 0;
  bool have_miss = false;
  while (out.size() < shares || !have_miss) {
    const std::uint32_t n = from++;
    if (hash_value(j, n) <= j.share_target) {
      if (out.size() < shares) out.push_back(n);
    } else if (!have_miss) {
      miss = n;
      have_miss = true;
    }
  }
}

// ---- 1. the pool core without HTTP ----

double core_rate(const Options& o) {
  powlab::LabOptions lab;
  lab.initial_bits = powlab::bits_for_leading_zeros(o.zeros);
  powlab::ChainFile f;
  f.params = powlab::lab_network(lab);
  auto chain = std::make_unique<powlab::ChainState>(f.params);
  powlab::PoolConfig cfg;
  cfg.share_zeros = o.share_zeros;
  powlab::LabPool pool(std::move(f), std::move(chain), cfg);
  // One thread: the pool checks shares under one mutex, so this is its ceiling on any number of
  // cores. Shares are found first (a client's work, not timed), a job's fill at a time.
  constexpr std::size_t kShares = 4096;  // PoolLimits::shares_per_job
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::min(o.seconds, 10.0)));
  double busy = 0;
  std::uint64_t done = 0;
  std::vector<std::uint32_t> nonces;
  while (Clock::now() < deadline) {
    std::string why;
    const auto w = pool.work("core", &why);
    if (!w) throw std::runtime_error("pool core: no work: " + why);
    Job j{w->job_id, w->header, w->share_target};
    std::uint32_t from = 0, miss = 0;
    find(j, from, kShares, nonces, miss);
    const auto t0 = Clock::now();
    for (const std::uint32_t n : nonces) {
      pool.submit("core", j.id, n);  // a block ends the job: the rest are stale-job, checked all the same
      ++done;
    }
    busy += std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return busy > 0 ? static_cast<double>(done) / busy : 0;
}

// ---- 2. the server over HTTP ----

struct Tally {
  std::map<std::string, std::uint64_t> answers;  // "accepted" and each refusal reason
  std::uint64_t blocks = 0;
  std::uint64_t work_requests = 0;
  std::uint64_t http_errors = 0;  // no answer, or a status that is no share verdict
  std::string first_error;
};

class Server {
 public:
  Server(const Options& o, const std::string& chain) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    // --rate 0: the limiter is off for this measurement (every client is 127.0.0.1).
    std::vector<std::string> args = {o.powlab,        "serve", "--port", "0",           "--rate",
                                     "0",             "--chain", chain,  "--share-zeros", std::to_string(o.share_zeros),
                                     "--zeros",       std::to_string(o.zeros)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, o.powlab.c_str(), &fa, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + o.powlab);
    }
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    // The banner's first line: "powlab serve: lab pool on http://127.0.0.1:PORT/, ..."
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    out_ = out[0];
    const auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) throw std::runtime_error("no banner from powlab serve: '" + line + "'");
    port_ = std::stoi(line.substr(at + 10));
  }
  ~Server() {
    if (pid_ > 0) stop();
    if (out_ >= 0) close(out_);
  }
  int port() const { return port_; }
  // Peak resident memory so far, kB (VmHWM of /proc/PID/status).
  long peak_rss_kb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    long kb = -1;
    while (in >> key) {
      if (key == "VmHWM:") {
        in >> kb;
        break;
      }
      in.ignore(1 << 20, '\n');
    }
    return kb;
  }
  // CPU seconds the server used so far, user and system (/proc/PID/stat fields 14 and 15).
  std::pair<double, double> cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto close = text.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) return {0, 0};
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    double user = 0, sys = 0;
    for (int k = 3; k <= 15 && rest >> field; ++k) {
      if (k == 14) user = std::stod(field);
      if (k == 15) sys = std::stod(field);
    }
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    return {user / tick, sys / tick};
  }
  int stop() {
    kill(pid_, SIGINT);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

// "c" + std::to_string(i) trips GCC 12's false -Wrestrict (GCC bug 105329): append instead.
std::string client_name(int i) { return std::string("c").append(std::to_string(i)); }

void client(int port, int index, Clock::time_point deadline, Tally& t) {
  const std::string name = client_name(index);
  httplib::Client http("127.0.0.1", port);
  http.set_keep_alive(true);
  http.set_tcp_nodelay(true);  // as a browser does; without it Nagle holds each POST body ~40 ms
  http.set_connection_timeout(10);
  http.set_read_timeout(30);
  auto error = [&](const std::string& what) {
    if (t.first_error.empty()) t.first_error = what;
    ++t.http_errors;
  };
  // One share POST; false when the job is over (stale, or the server said so).
  auto post = [&](const std::string& body, bool& job_over) {
    auto r = http.Post("/api/share", body, "application/json");
    // No answer: the share's fate is unknown (the server may have counted it), so the exact
    // check below could not hold; it is reported as a failure of its own.
    if (!r) return error("share: " + httplib::to_string(r.error()));
    const auto j = nlohmann::json::parse(r->body, nullptr, false);
    if ((r->status != 200 && r->status != 400 && r->status != 413) || j.is_discarded() || !j.contains("reason")) {
      return error("share: HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 80));
    }
    const std::string reason = j["reason"];
    ++t.answers[reason];
    if (j.value("block", false)) ++t.blocks;
    if (reason == "stale-job" || j.value("block", false)) job_over = true;
  };
  auto share_body = [&](const std::string& job, std::uint32_t nonce) {
    return "{\"miner\":\"" + name + "\",\"job_id\":\"" + job + "\",\"nonce\":" + std::to_string(nonce) + "}";
  };
  std::vector<std::uint32_t> nonces;
  std::uint64_t jobs = 0;
  while (Clock::now() < deadline) {
    auto r = http.Get("/api/work?miner=" + name);
    ++t.work_requests;
    if (!r || r->status != 200) {
      error(r ? "work: HTTP " + std::to_string(r->status) : "work: " + httplib::to_string(r.error()));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto w = nlohmann::json::parse(r->body);
    Job j;
    j.id = w["job_id"];
    const auto raw = powlab::from_hex(w["header_hex"].get<std::string>());
    std::copy(raw.begin(), raw.end(), j.header.begin());
    j.share_target = U256::from_hex(w["share_target"].get<std::string>());
    ++jobs;
    std::uint32_t from = 0, miss = 0;
    bool over = false;
    // Batches of 16 shares, found as a miner finds them, until the job goes stale.
    for (int batch = 0; batch < 32 && !over && Clock::now() < deadline; ++batch) {
      find(j, from, 16, nonces, miss);
      for (std::size_t k = 0; k < nonces.size() && !over; ++k) {
        post(share_body(j.id, nonces[k]), over);
        if (k % 8 == 7 && !over) post(share_body(j.id, nonces[k]), over);  // a duplicate
      }
      if (!over) post(share_body(j.id, miss), over);  // high-hash
    }
    if (jobs % 16 == 0) {
      bool ignored = false;
      post(share_body("ffffffffffffffff", 1), ignored);  // unknown-job
      post("{\"miner\":\"" + name + "\",\"job_id\":", ignored);  // malformed
    }
  }
}

struct ServerRun {
  double shares_per_second = 0;
  long peak_rss_kb = 0;
  bool ok = true;
};

bool check(bool ok, const std::string& what) {
  std::cout << (ok ? "  ok    " : "  FAIL  ") << what << '\n';
  return ok;
}

ServerRun server_rate(const Options& o) {
  ServerRun out;
  const auto dir = std::filesystem::temp_directory_path() / ("serve_load." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string chain = (dir / "lab.chain").string();
  {
    Server server(o, chain);
    std::vector<Tally> tallies(static_cast<std::size_t>(o.clients));
    const auto t0 = Clock::now();
    const Clock::time_point deadline =
        t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
    std::vector<std::thread> threads;
    for (int i = 0; i < o.clients; ++i) {
      threads.emplace_back(client, server.port(), i, deadline, std::ref(tallies[static_cast<std::size_t>(i)]));
    }
    for (auto& th : threads) th.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    httplib::Client http("127.0.0.1", server.port());
    auto r = http.Get("/api/stats");
    if (!r || r->status != 200) throw std::runtime_error("no /api/stats at the end");
    const auto st = nlohmann::json::parse(r->body);
    out.peak_rss_kb = server.peak_rss_kb();
    const auto [user, sys] = server.cpu_seconds();

    Tally all;
    std::map<std::string, std::uint64_t> accepted_by;
    for (int i = 0; i < o.clients; ++i) {
      const Tally& t = tallies[static_cast<std::size_t>(i)];
      for (const auto& [k, v] : t.answers) all.answers[k] += v;
      all.blocks += t.blocks;
      all.work_requests += t.work_requests;
      all.http_errors += t.http_errors;
      if (all.first_error.empty()) all.first_error = t.first_error;
      const auto a = t.answers.find("accepted");
      accepted_by[client_name(i)] = a == t.answers.end() ? 0 : a->second;
    }
    std::uint64_t answered = 0;
    for (const auto& [k, v] : all.answers) answered += v;
    out.shares_per_second = static_cast<double>(answered) / elapsed;

    std::cout << "powlab serve --rate 0 (rate limit OFF for this run), " << o.clients << " clients, " << elapsed
              << " s: " << answered << " share answers (" << static_cast<long>(out.shares_per_second)
              << "/s), " << all.work_requests << " work requests, " << all.blocks << " blocks, peak RSS "
              << out.peak_rss_kb / 1024 << " MiB\n  server CPU " << user << " s user + " << sys << " s system = "
              << (user + sys) / elapsed * 100 << "% of one core, "
              << (user + sys) * 1e6 / static_cast<double>(answered + all.work_requests) << " us per request\n  answers:";
    for (const auto& [k, v] : all.answers) std::cout << ' ' << k << ' ' << v;
    std::cout << '\n';

    bool ok = check(all.http_errors == 0, "every request answered (" + std::to_string(all.http_errors) +
                                              " failures" + (all.first_error.empty() ? "" : ", first: " + all.first_error) + ")");
    ok &= check(st["accepted"].get<std::uint64_t>() == all.answers["accepted"],
                "accepted shares: server " + st["accepted"].dump() + ", clients " + std::to_string(all.answers["accepted"]));
    std::map<std::string, std::uint64_t> refused = st["refused"];
    auto client_refused = all.answers;
    client_refused.erase("accepted");
    ok &= check(refused == client_refused, "every refusal reason: server " + st["refused"].dump());
    bool per_miner = st["miners"].size() == static_cast<std::size_t>(o.clients);
    std::int64_t credited = 0;
    for (const auto& m : st["miners"]) {
      per_miner = per_miner && accepted_by[m["name"].get<std::string>()] == m["shares"].get<std::uint64_t>();
      credited += m["credited"].get<std::int64_t>();
    }
    ok &= check(per_miner, "each miner's accepted shares equal what its client saw accepted");
    ok &= check(st["blocks"].get<std::uint64_t>() == all.blocks,
                "blocks: server " + st["blocks"].dump() + ", clients " + std::to_string(all.blocks));
    const std::int64_t rewards = st["rewards"], cut = st["pool_cut"];
    ok &= check(credited == st["credited"].get<std::int64_t>() && credited + cut == rewards,
                "credits " + std::to_string(credited) + " + pool cut " + std::to_string(cut) + " == rewards " +
                    std::to_string(rewards) + " (1e-8 coin)");
    ok &= check(st["save_errors"].empty(), "every block saved");
    const int rc = server.stop();
    ok &= check(rc == 0, "powlab serve stopped cleanly (exit " + std::to_string(rc) + ")");
    if (all.blocks > 0) {
      const powlab::LoadReport rep = powlab::load_chain_file(chain);
      ok &= check(rep.valid() && rep.chain->height() + 1 == static_cast<std::int64_t>(all.blocks) &&
                      rep.chain->balance("labpool") == rewards,
                  "the chain file replays valid with every block and the pool's rewards");
    }
    out.ok = ok;
  }
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    const double core = o.http_only ? 0 : core_rate(o);
    std::cout << "pool core (LabPool::submit in-process, one thread, no HTTP): " << static_cast<long>(core)
              << " shares/s\n";
    if (o.core_only) return 0;
    const ServerRun s = server_rate(o);
    std::cout << "server over HTTP: " << static_cast<long>(s.shares_per_second) << " shares/s, "
              << (core > 0 ? s.shares_per_second / core : 0) << " of the pool core's rate\n";
    return s.ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "serve_load: error: " << e.what() << '\n';
    return 2;
  }
}
