// powlab mine: mine blocks onto a chain file (created if absent) or an in-memory chain.
// Ledger only: powlab mines its own simulated chain and talks to no network.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

#include "command.h"
#include "powlab/mining/miner.h"
#include "powlab/consensus/network.h"
#include "powlab/ledger/store.h"
#include "powlab/consensus/target.h"

namespace powlab::cli {

namespace {

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
}

// SIGINT / SIGTERM stop the miner between hashes; the current block is dropped and the
// file keeps only whole blocks. Restored on scope exit.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

struct MineOptions {
  std::string chain;
  std::string network = "lab";
  std::int64_t blocks = 1;
  std::optional<int> zeros;
  std::optional<std::string> bits;
  std::optional<unsigned> threads;
  std::string kernel;
  double throttle = 1.0;
  std::string miner = "miner";
  std::optional<double> max_seconds;
  bool version_rolling = false;
  bool json = false;
  // lab network, when creating a chain
  std::optional<std::int64_t> spacing;
  std::optional<std::int64_t> retarget_interval;
  std::optional<std::int64_t> halving_interval;
  std::optional<std::string> pow_limit;
  std::optional<std::int64_t> maturity;
};

std::string short_hash(const Hash256& h) { return hash_to_display(h); }

std::string seconds_text(double s) {
  if (!std::isfinite(s)) return "never";
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%.2f s", s);
  else if (s < 7200) std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else if (s < 86400 * 3) std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  else std::snprintf(buf, sizeof buf, "%.3g days", s / 86400);
  return buf;
}

// The network for a new chain, from --network and the lab knobs.
ConsensusParams new_network(const MineOptions& o) {
  const bool lab_knobs = o.spacing || o.retarget_interval || o.halving_interval || o.pow_limit || o.maturity;
  if (o.network == "mainnet") {
    if (lab_knobs) {
      throw UsageError("--spacing, --retarget-interval, --halving-interval, --pow-limit and --maturity apply to --network lab");
    }
    ConsensusParams p = mainnet();
    if (o.bits || o.zeros) {
      const std::uint32_t b = o.bits ? parse_bits(*o.bits) : bits_for_leading_zeros(*o.zeros);
      if (b != p.initial_bits) {
        throw UsageError("mainnet's genesis nBits is fixed at 0x1d00ffff (got " + bits_hex(b) +
                         "); use --network lab for another difficulty");
      }
    }
    return p;
  }
  if (o.network != "lab") throw UsageError("unknown network '" + o.network + "' (known: mainnet, lab)");
  LabOptions lab;
  if (o.spacing) lab.spacing = *o.spacing;
  if (o.retarget_interval) lab.retarget_interval = *o.retarget_interval;
  if (o.halving_interval) lab.halving_interval = *o.halving_interval;
  if (o.pow_limit) lab.pow_limit_bits = parse_bits(*o.pow_limit);
  if (o.maturity) lab.coinbase_maturity = *o.maturity;
  if (o.bits) lab.initial_bits = parse_bits(*o.bits);
  if (o.zeros) lab.initial_bits = bits_for_leading_zeros(*o.zeros);
  try {
    return lab_network(lab);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("lab network: ") + e.what());
  }
}

void check_options(const MineOptions& o) {
  if (o.bits && o.zeros) throw UsageError("--zeros and --bits are two ways to say the same thing: give one");
  if (o.zeros && (*o.zeros < 1 || *o.zeros > 255)) throw UsageError("--zeros must be 1..255");
  if (o.blocks < 1 || o.blocks > 1'000'000) throw UsageError("--blocks must be 1..1000000");
  if (!(o.throttle > 0 && o.throttle <= 1)) {
    throw UsageError("--throttle must be a fraction in (0, 1], e.g. 0.25 (got " + std::to_string(o.throttle) + ")");
  }
  if (o.max_seconds && !(*o.max_seconds > 0 && std::isfinite(*o.max_seconds))) {
    throw UsageError("--max-seconds must be a positive number of seconds");
  }
  if (o.threads && (*o.threads < 1 || *o.threads > 1024)) throw UsageError("--threads must be 1..1024");
  if (auto why = check_owner_name(o.miner)) throw UsageError("--miner: " + *why);
}

int run(const MineOptions& o) {
  check_options(o);
  const bool tty = isatty(STDERR_FILENO) == 1;
  const auto now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };

  // The chain: loaded from FILE (re-validated in full), or new.
  ChainFile file;
  FileStamp disk;  // the version of FILE this process last read or wrote
  std::unique_ptr<ChainState> chain;
  const bool exists = !o.chain.empty() && std::filesystem::exists(o.chain);
  if (exists) {
    const bool net_opts =
        o.network != "lab" || o.spacing || o.retarget_interval || o.halving_interval || o.pow_limit || o.maturity;
    if (net_opts) {
      throw UsageError(o.chain + " already exists; --network and the lab options apply only when creating a chain");
    }
    disk = stamp_file(o.chain);
    file = read_chain_file(o.chain);
    ChainOptions co;
    co.validation.now = now();
    LoadReport report = replay_chain(file, co);
    if (!report.valid()) {
      std::cerr << "powlab mine: " << o.chain << " is invalid at " << describe(report.failures.front())
                << "\nRefusing to mine on it (run `powlab chain verify " << o.chain << "`).\n";
      return kExitInvalid;
    }
    chain = std::move(report.chain);
    if (o.bits || o.zeros) {
      const std::uint32_t want = o.bits ? parse_bits(*o.bits) : bits_for_leading_zeros(*o.zeros);
      const std::uint32_t next = chain->next_template(now()).bits;
      if (want != next) {
        throw UsageError("the chain's next block must carry nBits " + bits_hex(next) +
                         " (its retarget rule); --bits/--zeros set the difficulty only when creating a chain (got " +
                         bits_hex(want) + ")");
      }
    }
  } else {
    if (!o.chain.empty()) {
      const auto parent = std::filesystem::path(o.chain).parent_path();
      if (!parent.empty() && !std::filesystem::is_directory(parent)) {
        throw UsageError("cannot create " + o.chain + ": directory " + parent.string() + " does not exist");
      }
    }
    file.params = new_network(o);
    chain = std::make_unique<ChainState>(file.params);
  }
  const ConsensusParams& params = chain->params();

  StopSignals signals;
  g_stop = false;
  g_signal = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = process_cpu_seconds();
  std::uint64_t total_hashes = 0;
  std::int64_t mined = 0;
  unsigned threads = 1;
  std::string kernel;
  std::string stop_reason = "done";

  if (!o.json) {
    const BlockTemplate t = chain->next_template(now());
    std::cout << "mining " << o.blocks << " block" << (o.blocks == 1 ? "" : "s") << " on " << params.name
              << (o.chain.empty() ? " (in memory)" : " into " + o.chain) << ", next height " << t.height
              << ", nBits " << bits_hex(t.bits) << " (~" << format_big(block_work(t.bits).to_double())
              << " hashes per block)";
    if (o.throttle < 1) std::cout << ", throttle " << o.throttle;
    std::cout << std::endl;  // flushed: a watcher sees mining has begun
  }

  while (mined < o.blocks) {
    double remaining = 0;
    if (o.max_seconds) {
      remaining = *o.max_seconds - std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (remaining <= 0) {
        stop_reason = "budget";
        break;
      }
    }
    // Queued transactions still valid on the tip, in order (a reorg-free chain keeps them all).
    std::vector<Transaction> txs;
    for (const Transaction& tx : file.mempool) {
      if (auto err = chain->check_tx_after(tx, txs)) {
        std::cerr << "powlab mine: dropping queued transaction " << hash_to_display(tx.txid()) << ": "
                  << to_string(err->reason) << ": " << err->detail << '\n';
        continue;
      }
      txs.push_back(tx);
    }
    MineRequest req;
    req.miner = o.miner;
    req.txs = txs;
    req.threads = o.threads.value_or(0);
    req.kernel = o.kernel;
    req.throttle = o.throttle;
    req.version_rolling = o.version_rolling;
    req.max_seconds = remaining;
    req.cancel = &g_stop;
    req.first_extranonce = 0;
    if (tty) {
      req.progress = [&](const MineProgress& p) {
        const double expected_s = p.hashes_per_second > 0 ? p.expected_hashes / p.hashes_per_second : INFINITY;
        std::fprintf(stderr, "\r\033[K  height %lld: %s, %s hashes, elapsed %s, expected %s per block",
                     static_cast<long long>(chain->height() + 1), format_hashrate(p.hashes_per_second).c_str(),
                     format_big(static_cast<double>(p.hashes)).c_str(), seconds_text(p.seconds).c_str(),
                     seconds_text(expected_s).c_str());
        if (o.throttle < 1) std::fprintf(stderr, ", cpu %.2f", p.cpu_fraction);
        std::fflush(stderr);
      };
    }
    MineResult m;
    try {
      m = mine_block(*chain, req);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (tty) std::fprintf(stderr, "\r\033[K");
    total_hashes += m.hashes;
    threads = m.threads;
    kernel = m.kernel;
    if (!m.block) {
      stop_reason = m.cancelled ? "interrupted" : "budget";
      break;
    }
    chain->validation().now = now();
    const AcceptResult r = chain->accept(m.block);
    if (r.status != AcceptStatus::new_tip) {
      // Cannot happen for a block built on our own tip; say so loudly if it does.
      std::cerr << "powlab mine: BUG: the mined block was not accepted: " << to_string(r.reason) << ": " << r.detail
                << '\n';
      return kExitInvalid;
    }
    // Drop the queued transactions the block confirmed, then save: whole blocks only.
    std::erase_if(file.mempool, [&](const Transaction& tx) {
      return std::find(m.block->txs().begin(), m.block->txs().end(), tx) != m.block->txs().end();
    });
    if (!o.chain.empty()) {
      const DirLock lock(o.chain);
      // Another process may have written FILE meanwhile (`powlab send` queueing a transfer
      // while this miner runs): keep its queued transactions; refuse to overwrite other blocks.
      if (const FileStamp now_on_disk = stamp_file(o.chain); now_on_disk != disk && now_on_disk.exists) {
        const ChainFile theirs = read_chain_file(o.chain);
        std::vector<BlockPtr> ours = chain->blocks_in_order();
        ours.pop_back();  // the block just mined is not on disk yet
        const bool same_blocks = std::equal(ours.begin(), ours.end(), theirs.blocks.begin(), theirs.blocks.end(),
                                            [](const BlockPtr& a, const BlockPtr& b) { return a->hash() == b->hash(); });
        if (!same_blocks) {
          std::cerr << "powlab mine: " << o.chain << " was changed by another process (its blocks differ from the "
                    << "ones this miner loaded); not overwriting it. Block " << chain->height()
                    << " was mined but not saved.\n";
          return kExitInvalid;
        }
        for (const Transaction& tx : theirs.mempool) {
          const bool known = std::find(file.mempool.begin(), file.mempool.end(), tx) != file.mempool.end() ||
                             std::find(m.block->txs().begin(), m.block->txs().end(), tx) != m.block->txs().end();
          if (!known) file.mempool.push_back(tx);
        }
      }
      file.blocks = chain->blocks_in_order();
      try {
        save_chain_file(o.chain, file);
      } catch (const StoreError& e) {
        std::cerr << "powlab mine: error: " << e.what() << '\n';
        return kExitUsage;
      }
      disk = stamp_file(o.chain);
    }
    ++mined;
    const std::int64_t height = chain->height();
    const double hps = m.seconds > 0 ? static_cast<double>(m.hashes) / m.seconds : 0;
    if (o.json) {
      nlohmann::json j = {{"type", "block"},
                          {"height", height},
                          {"hash", short_hash(m.block->hash())},
                          {"nonce", m.block->header().nonce},
                          {"extranonce", m.extranonce},
                          {"version", m.block->header().version},
                          {"time", m.block->header().time},
                          {"bits", bits_hex(m.block->header().bits)},
                          {"hashes", m.hashes},
                          {"seconds", m.seconds},
                          {"hashes_per_second", hps},
                          {"reward", m.reward},
                          {"fees", m.fees},
                          {"txs", m.block->txs().size()},
                          {"miner", o.miner}};
      if (o.throttle < 1) j["cpu_fraction"] = m.cpu_fraction;
      std::cout << j.dump() << std::endl;
    } else {
      std::cout << "block " << height << "  " << short_hash(m.block->hash()) << "  nonce " << m.block->header().nonce
                << "  extranonce " << m.extranonce << "  " << m.hashes << " hashes in " << seconds_text(m.seconds)
                << " (" << format_hashrate(hps) << ")  reward " << format_amount(m.reward) << " to " << o.miner;
      if (m.block->txs().size() > 1) std::cout << " (" << m.block->txs().size() - 1 << " txs)";
      std::cout << std::endl;
    }
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = process_cpu_seconds() - cpu0;
  const double cpu_fraction = seconds > 0 ? cpu / (seconds * std::max(1u, threads)) : 0;
  const double hps = seconds > 0 ? static_cast<double>(total_hashes) / seconds : 0;
  if (o.json) {
    nlohmann::json j = {{"type", "summary"},
                        {"blocks", mined},
                        {"requested", o.blocks},
                        {"stopped", stop_reason},
                        {"hashes", total_hashes},
                        {"seconds", seconds},
                        {"hashes_per_second", hps},
                        {"threads", threads},
                        {"kernel", kernel},
                        {"height", chain->height()},
                        {"tip", chain->empty() ? "" : hash_to_display(chain->tip_hash())},
                        {"network", params.name},
                        {"chain", o.chain.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.chain)}};
    if (o.throttle < 1) {
      j["throttle"] = o.throttle;
      j["cpu_fraction"] = cpu_fraction;
    }
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << (stop_reason == "done" ? "done" : stop_reason == "budget" ? "time budget used up" : "interrupted")
              << ": " << mined << " of " << o.blocks << " block" << (o.blocks == 1 ? "" : "s") << ", " << total_hashes
              << " hashes in " << seconds_text(seconds) << " (" << format_hashrate(hps) << ", " << threads << " thread"
              << (threads == 1 ? "" : "s") << (kernel.empty() ? "" : ", kernel " + kernel) << "), "
              << (chain->empty() ? std::string("chain still empty") : "tip height " + std::to_string(chain->height()))
              << '\n';
    if (o.throttle < 1) {
      std::cout << "throttle " << o.throttle << ": measured CPU " << cpu_fraction
                << " of each thread (process CPU time / wall time / threads). A cryptojacking script uses the same "
                   "trick to stay unnoticed.\n";
    }
    if (stop_reason != "done" && !o.chain.empty()) {
      if (chain->empty()) {
        std::cout << "no partial block was written; " << o.chain << " was not created\n";
      } else {
        std::cout << "no partial block was written; " << o.chain << " holds " << chain->block_count()
                  << " whole blocks\n";
      }
    }
  }
  if (stop_reason == "interrupted") return 128 + (g_signal ? static_cast<int>(g_signal) : SIGINT);
  return kExitOk;
}

}  // namespace

void add_mine(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<MineOptions>();
  CLI::App* sub = app.add_subcommand(
      "mine", "mine blocks onto a chain file (created if absent) or an in-memory chain; powlab's own ledger only");
  sub->add_option("--chain", o->chain, "chain file (created if absent); without it, an in-memory chain");
  sub->add_option("--network", o->network, "network of a new chain: lab (default) or mainnet");
  add_integer_option<std::int64_t>(sub, "--blocks", o->blocks, "blocks to mine (default 1)");
  add_integer_option<int>(sub, "--zeros", o->zeros, "difficulty of a new chain: leading zero bits of the target (1..255)");
  sub->add_option("--bits", o->bits, "difficulty of a new chain as nBits, e.g. 0x1f00ffff");
  add_integer_option<unsigned>(sub, "--threads", o->threads, "mining threads (default: every core)");
  sub->add_option("--kernel", o->kernel, "hashing kernel (default: the best this CPU runs)");
  sub->add_option("--throttle", o->throttle, "use about this fraction of each thread, 0 < F <= 1 (default 1)");
  sub->add_option("--miner", o->miner, "who the coinbase pays (default 'miner')");
  sub->add_option("--max-seconds", o->max_seconds, "time budget: stop with a summary, exit 0, no partial block");
  sub->add_flag("--version-rolling", o->version_rolling, "roll the BIP320 version bits (0x1fffe000) before the extranonce");
  add_integer_option<std::int64_t>(sub, "--spacing", o->spacing, "lab: target seconds per block (new chain)");
  add_integer_option<std::int64_t>(sub, "--retarget-interval", o->retarget_interval, "lab: blocks per retarget period (new chain)");
  add_integer_option<std::int64_t>(sub, "--halving-interval", o->halving_interval, "lab: blocks per subsidy halving (new chain)");
  sub->add_option("--pow-limit", o->pow_limit, "lab: easiest nBits allowed (new chain), e.g. 0x207fffff");
  add_integer_option<std::int64_t>(sub, "--maturity", o->maturity,
                                   "lab: blocks before a coinbase may be spent (new chain; default 3, mainnet 100)");
  sub->add_flag("--json", o->json, "one JSON object per block, then a summary (JSON Lines)");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
