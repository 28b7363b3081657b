// powlab serve: a lab pool for a classroom (issue 14). The pool is core/pool; this file is the
// HTTP API, the safety rails around it and the command line.
//
// The ethics line, and where each part of it holds:
//   localhost by default    ServeConfig::bind, and the banner says who can reach the server;
//   no framing              X-Frame-Options: DENY and CSP frame-ancestors 'none' on every
//                           response (so no other site can embed a miner page and hide it);
//   lab chain only          serve refuses a chain file of any network but "lab", and the
//                           handshake (/api/hello) names the chain's magic and network, which
//                           `mine --pool` checks before it hashes anything.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "command.h"
#include "powlab/consensus/network.h"
#include "powlab/consensus/target.h"
#include "powlab/draw/fork_tree.h"
#include "powlab/ledger/store.h"
#include "powlab/util/hex.h"
#include "serve.h"
#include "serve_pages.h"

namespace powlab::cli {

namespace {

constexpr char kJsonType[] = "application/json";
// httplib serves each connection on a pool thread for as long as it is kept alive (up to
// kKeepAliveRequests requests, or 5 s idle), so a class needs a thread per open connection:
// 200 miners on loopback (bench/serve_load), or ~100 browsers with a stream and a request each.
// Queued connections wait for a free thread. Idle threads cost a stack each (mostly untouched).
constexpr std::size_t kServeThreads = 256;
// httplib's default closes a connection after 5 requests: a miner then reconnects every 5
// shares, and the reconnects overflow the accept queue (below). 100 keeps rotation among more
// connections than threads fair while cutting the churn twentyfold.
constexpr std::size_t kKeepAliveRequests = 100;
// The listen backlog. Debian's httplib is built with 5 (CPPHTTPLIB_LISTEN_BACKLOG): 200
// clients connecting at once overflow it, the kernel drops their handshakes, and they stall
// for a SYN retransmit (1 s, then 3 s...). The kernel caps this at net.core.somaxconn.
constexpr int kListenBacklog = 1024;
// Each dashboard's live stream holds one of those threads; past this many, dashboards poll.
constexpr int kMaxEventStreams = 8;
constexpr auto kEventPeriod = std::chrono::milliseconds(1000);
// The fork tree on the dashboard: dot lays out the last kTreeHeights heights in tens of
// milliseconds; 5 s means something is wrong (a loaded machine, a broken dot), and a request
// must not wait longer than that for a picture.
constexpr auto kDotLimit = std::chrono::milliseconds(5000);

}  // namespace

// /tree.svg: the lab chain's fork tree, drawn by powlab's picture code (draw/fork_tree.h, as
// `chain show --svg`). dot is a subprocess, so it runs only when the tip changed since the last
// picture, one at a time, bounded in time; the picture (or why there is none, e.g. no dot) is
// kept until the next tip. Requests during a render wait for it (at most kDotLimit).
class TreeCache {
 public:
  struct Picture {
    bool ok = false;
    std::string text;  // the SVG, or why there is none
  };
  explicit TreeCache(LabPool& pool) : pool_(pool) {}

  Picture get() {
    const std::lock_guard lock(mu_);
    draw::ForkTree tree;
    bool changed = false;
    pool_.with_chain([&](const ChainState& chain) {
      const Hash256 tip = chain.empty() ? Hash256{} : chain.tip_hash();
      if (have_ && tip == tip_) return;
      changed = true;
      tip_ = tip;
      if (chain.empty()) return;
      // Only the recent heights: the picture's bound, and this runs under the pool's lock.
      const std::int64_t low = chain.height() - draw::kTreeHeights + 1;
      tree.title = "the lab chain: the last " + std::to_string(draw::kTreeHeights) + " heights";
      for (const BlockPtr& b : chain.blocks_in_order()) {
        const auto info = chain.info(b->hash());
        if (!info || info->height < low) continue;
        const auto& txs = b->txs();
        const std::string miner = txs.empty() || txs[0].outputs.empty() ? "" : txs[0].outputs[0].owner;
        tree.blocks.push_back({hash_to_display(b->hash()), hash_to_display(b->header().prev_hash), info->height,
                               miner, info->best, info->invalid ? "invalid" : "", 0});
      }
    });
    if (!changed) return picture_;
    have_ = true;
    // Name each block by whose share it was, where the pool knows (its coinbase pays the pool).
    std::unordered_map<std::string, std::string> finder;
    for (const PoolBlock& f : pool_.found_blocks()) finder.emplace(hash_to_display(f.hash), f.miner);
    for (draw::TreeBlock& b : tree.blocks) {
      if (const auto it = finder.find(b.hash); it != finder.end()) b.miner = it->second;
    }
    if (tree.blocks.empty()) {
      picture_ = {false, "no blocks yet: the fork tree appears with the first block"};
    } else {
      picture_ = render(tree);
    }
    return picture_;
  }
 private:
  static Picture render(const draw::ForkTree& tree) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string path = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/powlab-serve-tree-XXXXXX";
    const int fd = mkstemp(path.data());
    if (fd < 0) return {false, "no fork tree: no temporary file"};
    ::close(fd);
    Picture p;
    try {
      draw::render_dot(draw::fork_tree_dot(tree), path, kDotLimit);
      std::ifstream in(path, std::ios::binary);
      p = {true, std::string(std::istreambuf_iterator<char>(in), {})};
    } catch (const std::exception& e) {
      // "cannot draw /tmp/...: WHY": the temporary name means nothing to a dashboard.
      std::string why = e.what();
      const std::string prefix = "cannot draw " + path + ": ";
      if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
      p = {false, "no fork tree: " + why};
    }
    ::unlink(path.c_str());
    return p;
  }

  LabPool& pool_;
  std::mutex mu_;
  bool have_ = false;
  Hash256 tip_{};
  Picture picture_;
};

// Per-client token bucket: `rate` requests a second, bursts of up to `rate`. The table is
// bounded: when full, buckets idle for a minute go (a vanished client costs nothing).
class RateLimiter {
 public:
  explicit RateLimiter(double rate) : rate_(rate) {}
  bool allow(const std::string& client) {
    if (rate_ <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    const std::lock_guard lock(mu_);
    if (buckets_.size() >= kMaxClients && !buckets_.count(client)) {
      std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.last > std::chrono::minutes(1); });
      if (buckets_.size() >= kMaxClients) return false;
    }
    auto [it, fresh] = buckets_.try_emplace(client, Bucket{rate_, now});
    Bucket& b = it->second;
    if (!fresh) {
      b.tokens = std::min(rate_, b.tokens + rate_ * std::chrono::duration<double>(now - b.last).count());
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  static constexpr std::size_t kMaxClients = 4096;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  double rate_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

namespace {

void reply_json(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump(), kJsonType);
}

std::string target_hex(const U256& t) { return t.to_hex(); }

}  // namespace

struct LabServer::Impl {
  LabPool& pool;
  ServeConfig cfg;
  httplib::Server http;
  RateLimiter limiter;
  std::mutex log_mu;
  std::ofstream log;
  std::atomic<int> streams{0};
  std::atomic<bool> stopping{false};
  std::atomic<int> listen_fd{-1};
  TreeCache tree;

  Impl(LabPool& p, ServeConfig c) : pool(p), cfg(std::move(c)), limiter(cfg.rate), tree(p) {}

  void log_share(const std::string& miner, const ShareResult& r) {
    if (!log.is_open()) return;
    const nlohmann::json j = {{"time", unix_now()},         {"event", "share"}, {"miner", miner},
                              {"accepted", r.verdict == ShareVerdict::accepted}, {"reason", to_string(r.verdict)},
                              {"block", r.block}};
    const std::lock_guard lock(log_mu);
    log << j.dump() << '\n' << std::flush;
  }

  ShareResult refuse_early(httplib::Response& res, ShareVerdict v, const std::string& detail) {
    pool.count_refusal(v);
    ShareResult r{v, false, detail, -1};
    reply_json(res, 400, {{"accepted", false}, {"reason", to_string(v)}, {"block", false}, {"detail", detail}});
    return r;
  }

  nlohmann::json stats_json() const {
    const PoolStats st = pool.stats();
    nlohmann::json miners = nlohmann::json::array();
    for (const auto& m : st.miners) {
      miners.push_back({{"name", m.name},
                        {"hashes_per_second", m.hashes_per_second},
                        {"shares", m.shares},
                        {"round_shares", m.round_shares},
                        {"credited", m.credited},
                        {"blocks", m.blocks},
                        {"live", m.live}});
    }
    nlohmann::json recent = nlohmann::json::array();
    for (const auto& b : st.recent_blocks) {
      recent.push_back({{"height", b.height}, {"hash", hash_to_display(b.hash)}, {"miner", b.miner}});
    }
    return {{"amount_unit", kAmountUnit}, {"network", st.network},
            {"height", st.height},         {"tip", st.height >= 0 ? hash_to_display(st.tip) : ""},
            {"miners", miners},            {"fee", st.fee_percent},
            {"pool_cut", st.pool_cut},     {"rewards", st.rewards},
            {"credited", st.credited},     {"blocks", st.blocks},
            {"accepted", st.accepted},     {"refused", st.refused},
            {"save_errors", st.save_errors}, {"recent_blocks", recent},
            {"live_miners", st.live_miners},
            {"retired", {{"names", st.retired.names}, {"shares", st.retired.shares}, {"credited", st.retired.credited}}}};
  }

  void routes() {
    http.new_task_queue = [] { return new httplib::ThreadPool(kServeThreads); };
    // httplib writes a response's headers and body in separate send()s; with Nagle on, the body
    // waits for the client's delayed ACK (40 ms on Linux): 25 requests a second per connection.
    http.set_tcp_nodelay(true);
    http.set_keep_alive_max_count(kKeepAliveRequests);
    // Replaces httplib's default options, which set SO_REUSEPORT: that lets a second server
    // bind the same port and take half the class's connections. SO_REUSEADDR only allows a
    // restart while old connections linger in TIME_WAIT. The socket is kept to raise the
    // backlog after httplib's listen() (see bind()).
    http.set_socket_options([this](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd = sock;
    });
    // Every response, errors included: never framed, never cached, never sniffed.
    http.set_default_headers({{"X-Frame-Options", "DENY"},
                              {"Content-Security-Policy", "frame-ancestors 'none'"},
                              {"X-Content-Type-Options", "nosniff"},
                              {"Cache-Control", "no-store"}});
    http.set_payload_max_length(cfg.body_limit);
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (limiter.allow(req.remote_addr)) return httplib::Server::HandlerResponse::Unhandled;
      reply_json(res, 429, {{"error", "rate limited: at most " + std::to_string(static_cast<long>(cfg.rate)) +
                                          " requests a second per client"}});
      return httplib::Server::HandlerResponse::Handled;
    });
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (res.status == 413) {  // the body limit, enforced by httplib before any handler
        if (req.path == "/api/share") pool.count_refusal(ShareVerdict::malformed);
        reply_json(res, 413, {{"accepted", false}, {"reason", "malformed"}, {"block", false},
                              {"detail", "body over " + std::to_string(cfg.body_limit) + " bytes"}});
      } else if (res.body.empty()) {
        reply_json(res, res.status, {{"error", res.status == 404 ? "no such page" : "HTTP " + std::to_string(res.status)}});
      }
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      reply_json(res, 500, {{"error", "internal error"}});
    });

    http.Get("/api/hello", [this](const httplib::Request&, httplib::Response& res) {
      reply_json(res, 200, {{"protocol", kLabPoolProtocol},
                            {"magic", std::string(kChainMagic, sizeof kChainMagic)},
                            {"network", pool.params().name}});
    });
    http.Get("/api/work", [this](const httplib::Request& req, httplib::Response& res) {
      if (!req.has_param("miner")) return reply_json(res, 400, {{"error", "missing ?miner=NAME"}});
      std::string why;
      const auto w = pool.work(req.get_param_value("miner"), &why);
      if (!w) return reply_json(res, why.find("full") != std::string::npos ? 503 : 400, {{"error", why}});
      reply_json(res, 200, {{"job_id", w->job_id},
                            {"header_hex", to_hex(w->header)},
                            {"share_target", target_hex(w->share_target)},
                            {"block_target", target_hex(w->block_target)},
                            {"height", w->height}});
    });
    http.Post("/api/share", [this](const httplib::Request& req, httplib::Response& res) {
      const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object()) return (void)refuse_early(res, ShareVerdict::malformed, "not a JSON object");
      const auto miner = body.find("miner");
      const auto job = body.find("job_id");
      const auto nonce = body.find("nonce");
      if (miner == body.end() || !miner->is_string() || job == body.end() || !job->is_string() ||
          nonce == body.end() || !nonce->is_number_unsigned()) {
        return (void)refuse_early(res, ShareVerdict::malformed,
                                  "need {\"miner\": string, \"job_id\": string, \"nonce\": 0..4294967295}");
      }
      const std::string name = miner->get<std::string>();
      const ShareResult r = pool.submit(name, job->get<std::string>(), nonce->get<std::uint64_t>());
      log_share(name, r);
      nlohmann::json j = {{"accepted", r.verdict == ShareVerdict::accepted}, {"reason", to_string(r.verdict)},
                          {"block", r.block}};
      if (!r.detail.empty()) j["detail"] = r.detail;
      if (r.block) j["height"] = r.height;
      reply_json(res, 200, j);
    });
    http.Get("/api/stats", [this](const httplib::Request&, httplib::Response& res) { reply_json(res, 200, stats_json()); });
    http.Get("/api/events", [this](const httplib::Request&, httplib::Response& res) {
      if (streams.fetch_add(1) >= kMaxEventStreams) {
        streams.fetch_sub(1);
        return reply_json(res, 503, {{"error", "too many live dashboards; poll /api/stats"}});
      }
      res.set_chunked_content_provider(
          "text/event-stream",
          [this](std::size_t, httplib::DataSink& sink) {
            if (stopping.load() || !sink.is_writable()) return false;
            const std::string event = "data: " + stats_json().dump() + "\n\n";
            if (!sink.write(event.data(), event.size())) return false;
            // In steps, so that stop() never waits a whole period for a stream to end.
            for (int k = 0; k < 10 && !stopping.load(); ++k) std::this_thread::sleep_for(kEventPeriod / 10);
            return !stopping.load();
          },
          [this](bool) { streams.fetch_sub(1); });
    });
    http.Get("/tree.svg", [this](const httplib::Request&, httplib::Response& res) {
      const TreeCache::Picture p = tree.get();
      if (p.ok) return res.set_content(p.text, "image/svg+xml");
      reply_json(res, 503, {{"error", p.text}});
    });
    http.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(kDashboardPage, "text/html"); });
    http.Get("/mine", [](const httplib::Request&, httplib::Response& res) { res.set_content(kMinePage, "text/html"); });
    http.Get("/miner.js", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kMinerJs, "text/javascript");
    });
  }
};

LabServer::LabServer(LabPool& pool, ServeConfig config) : impl_(std::make_unique<Impl>(pool, std::move(config))) {
  if (!impl_->cfg.json_log.empty()) {
    impl_->log.open(impl_->cfg.json_log, std::ios::app);
    if (!impl_->log) throw UsageError("--json-log: cannot open " + impl_->cfg.json_log + " for appending");
  }
  impl_->routes();
}
LabServer::~LabServer() = default;

int LabServer::bind() {
  const int port = impl_->cfg.port == 0 ? impl_->http.bind_to_any_port(impl_->cfg.bind)
                                         : (impl_->http.bind_to_port(impl_->cfg.bind, impl_->cfg.port) ? impl_->cfg.port : -1);
  // listen() again on a listening socket only changes its backlog (Linux, POSIX allows it).
  if (port > 0 && impl_->listen_fd >= 0) ::listen(impl_->listen_fd, kListenBacklog);
  return port;
}
void LabServer::run() { impl_->http.listen_after_bind(); }
void LabServer::stop() {
  impl_->stopping = true;  // live streams end within one period
  impl_->http.stop();
}

namespace {

std::atomic<bool> g_serve_stop{false};
void on_serve_signal(int) { g_serve_stop.store(true); }

struct ServeOptions {
  std::string chain;
  std::string bind = "127.0.0.1";
  int port = 8421;
  int share_zeros = 16;
  int fee = 30;
  int zeros = 20;
  double rate = 200;
  std::string json_log;
};

bool is_loopback(const std::string& addr) { return addr.rfind("127.", 0) == 0 || addr == "::1"; }

// This computer's IPv4 addresses other than loopback, of interfaces that are up: what trainees
// type when the pool listens on every address (read only; getifaddrs changes nothing).
std::vector<std::string> lan_addresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_UP) == 0 ||
        (a->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    char text[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr &&
        std::find(out.begin(), out.end(), text) == out.end()) {
      out.emplace_back(text);
    }
  }
  freeifaddrs(list);
  return out;
}

std::string reach_text(const ServeOptions& o, int port) {
  if (is_loopback(o.bind)) return "reachable from this computer only (use --bind to open it to a classroom LAN)";
  if (o.bind == "0.0.0.0" || o.bind == "::") {
    std::string text = "reachable by ANYONE who can reach this computer on any of its networks: a classroom LAN only";
    const std::vector<std::string> lan = lan_addresses();
    if (lan.empty()) return text + "\n  this computer has no network address but loopback now";
    text += "\n  trainees open";
    for (std::size_t i = 0; i < lan.size(); ++i) {
      text += (i == 0 ? " " : " or ") + std::string("http://") + lan[i] + ":" + std::to_string(port) + "/mine";
    }
    return text;
  }
  return "reachable by anyone who can reach " + o.bind + ": a classroom LAN only";
}

int run_serve(const ServeOptions& o) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, o.bind.c_str(), buf) != 1 && inet_pton(AF_INET6, o.bind.c_str(), buf) != 1) {
    throw UsageError("--bind: '" + o.bind + "' is not an IP address of this computer (e.g. 127.0.0.1, 0.0.0.0)");
  }
  ChainFile file;
  std::unique_ptr<ChainState> chain;
  if (!o.chain.empty() && std::filesystem::exists(o.chain)) {
    file = read_chain_file(o.chain);
    ChainOptions co;
    co.validation.now = unix_now();
    LoadReport report = replay_chain(file, co);
    if (!report.valid()) {
      std::cerr << "powlab serve: error: " << o.chain << " is invalid at " << describe(report.failures.front())
                << "; refusing to serve it\n";
      return kExitInvalid;
    }
    if (file.params.name != "lab") {
      std::cerr << "powlab serve: error: " << o.chain << " is a " << file.params.name
                << " chain; the pool serves lab chains only\n";
      return kExitInvalid;
    }
    chain = std::move(report.chain);
  } else {
    if (!o.chain.empty()) {
      const auto parent = std::filesystem::path(o.chain).parent_path();
      if (!parent.empty() && !std::filesystem::is_directory(parent)) {
        throw UsageError("cannot create " + o.chain + ": directory " + parent.string() + " does not exist");
      }
    }
    LabOptions lab;
    lab.initial_bits = bits_for_leading_zeros(o.zeros);
    file.params = lab_network(lab);
    chain = std::make_unique<ChainState>(file.params);
  }
  PoolConfig pc;
  pc.chain_path = o.chain;
  pc.share_zeros = o.share_zeros;
  pc.fee_percent = o.fee;
  LabPool pool(std::move(file), std::move(chain), pc);
  ServeConfig sc;
  sc.bind = o.bind;
  sc.port = o.port;
  sc.rate = o.rate;
  sc.json_log = o.json_log;
  LabServer server(pool, sc);
  const int port = server.bind();
  if (port < 0) throw UsageError("cannot listen on " + o.bind + ":" + std::to_string(o.port) + " (in use?)");

  const PoolStats st = pool.stats();
  const std::string host = o.bind.find(':') != std::string::npos ? "[" + o.bind + "]" : o.bind;
  // Bound to every address, http://0.0.0.0 opens nothing: the dashboard (on the projector, this
  // computer) is on loopback, and terminals elsewhere use this computer's first LAN address.
  const bool wildcard = o.bind == "0.0.0.0" || o.bind == "::";
  const std::vector<std::string> lan = wildcard ? lan_addresses() : std::vector<std::string>{};
  const std::string here = wildcard ? "127.0.0.1" : host;
  const std::string there = lan.empty() ? here : lan.front();
  std::cout << "powlab serve: lab pool on http://" << host << ":" << port << "/, "
            << (o.chain.empty() ? "an in-memory lab chain (nothing saved)" : "chain " + o.chain) << ", height "
            << st.height << ", share target " << o.share_zeros << " zero bits, fee " << o.fee << "%\n"
            << "  " << reach_text(o, port) << "\n"
            << "  dashboard http://" << here << ":" << port << "/, opt-in miner http://" << there << ":" << port
            << "/mine, terminals: powlab mine --pool http://" << there << ":" << port << " --miner NAME; Ctrl-C stops"
            << std::endl;

  g_serve_stop = false;
  StopSignals signals(on_serve_signal);
  std::thread watcher([&server] {
    while (!g_serve_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server.stop();
  });
  server.run();
  g_serve_stop = true;  // run() also ends when the socket fails
  watcher.join();
  const PoolStats end = pool.stats();
  std::cout << "stopped: " << count_noun(end.accepted, "share") << " accepted, "
            << count_noun(end.blocks, "block") << " found, height " << end.height << ", pool cut "
            << format_coins(end.pool_cut) << ", credited " << format_coins(end.credited) << '\n';
  return kExitOk;
}

}  // namespace

void add_serve(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve", "a lab pool for a classroom: browsers and terminals mine one lab chain together, on 127.0.0.1 unless --bind");
  sub->add_option("--chain", o->chain, "lab chain file (created if absent); without it, an in-memory chain");
  sub->add_option("--bind", o->bind, "IP address to listen on (default 127.0.0.1: this computer only)");
  add_integer_option<int>(sub, "--port", o->port, "TCP port (default 8421; 0 = any free port)", 0, 65535);
  add_integer_option<int>(sub, "--share-zeros", o->share_zeros, "share target: leading zero bits (default 16)", 1, 255);
  add_integer_option<int>(sub, "--fee", o->fee, "the pool's cut of each block, percent (default 30, as Coinhive)", 0, 100);
  add_integer_option<int>(sub, "--zeros", o->zeros, "difficulty of a new chain: leading zero bits (default 20)", 1, 255);
  sub->add_option("--rate", o->rate, "requests per second per client address (default 200; 0 = no limit)")
      ->type_name("NUM")
      ->check(CLI::Range(0.0, 1e6));
  sub->add_option("--json-log", o->json_log, "append one JSON line per share to FILE");
  registry.push_back({sub, [o] { return run_serve(*o); }});
}

}  // namespace powlab::cli
