// powlab mine: mine blocks onto a chain file (created if absent) or an in-memory chain.
// Ledger only: powlab mines its own simulated chain and talks to no network.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include "command.h"
#include "mpi_commands.h"
#include "powlab/kernels.h"
#include "powlab/mining/miner.h"
#include "powlab/mining/search.h"
#include "powlab/consensus/network.h"
#include "powlab/ledger/branch.h"
#include "powlab/ledger/store.h"
#include "powlab/consensus/target.h"
#include "powlab/util/proc_stat.h"
#include "serve.h"

namespace powlab::cli {

namespace {

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
}

struct MineOptions {
  std::string chain;
  std::string network = "lab";
  std::int64_t blocks = 1;
  std::optional<int> zeros;
  std::optional<std::string> bits;
  unsigned threads = 0;  // 0: every core (docs/VOCABULARY.md)
  std::string kernel;
  double throttle = 1.0;
  std::string miner = "miner";
  std::optional<double> max_seconds;
  bool version_rolling = false;
  bool json = false;
  // Mine on the branch that ends at this block (a height or a hash), not on the best tip.
  std::optional<std::string> parent;
  bool mpi = false;  // issue 15: cmd_mine_mpi.cpp
  std::string pool;  // issue 14: join a lab pool (pool_client.cpp)
  // lab network, when creating a chain (the names `race` uses)
  std::optional<std::int64_t> interval;
  std::optional<std::int64_t> retarget;
  std::optional<std::int64_t> halving;
  std::optional<std::string> pow_limit;
  std::optional<std::int64_t> maturity;

  bool lab_knobs() const { return interval || retarget || halving || pow_limit || maturity; }
};

// A CPU fraction needs at least this many of the miner's duty cycles to mean anything. One
// cycle is one search slice (miner.cpp's kSliceSeconds, 0.05 s of hashing) plus the sleep that
// brings it to F: 0.05 / F seconds of wall time. The first slice runs before any sleep, so a
// shorter run reports a fraction near 1 whatever F is.
constexpr double kThrottleSliceSeconds = 0.05;
constexpr double kThrottleCyclesToMeasure = 10;

double throttle_min_seconds(double throttle) { return kThrottleCyclesToMeasure * kThrottleSliceSeconds / throttle; }

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
  if (o.network == "mainnet") {
    if (o.lab_knobs()) throw UsageError("--interval, --retarget, --halving, --pow-limit and --maturity apply to --network lab");
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
  if (o.interval) lab.spacing = *o.interval;
  if (o.retarget) lab.retarget_interval = *o.retarget;
  if (o.halving) lab.halving_interval = *o.halving;
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

// Everything that can be checked without the chain, before the banner: a typo never prints
// "mining ..." first.
void check_options(const MineOptions& o) {
  if (o.bits && o.zeros) throw UsageError("--zeros and --bits are two ways to say the same thing: give one");
  if (o.bits) parse_bits(*o.bits);
  if (o.pow_limit) parse_bits(*o.pow_limit);
  if (!(o.throttle > 0 && o.throttle <= 1)) {
    throw UsageError("--throttle must be a fraction in (0, 1], e.g. 0.25 (got " + std::to_string(o.throttle) + ")");
  }
  if (o.max_seconds && !(*o.max_seconds > 0 && std::isfinite(*o.max_seconds))) {
    throw UsageError("--max-seconds must be a positive number of seconds");
  }
  if (auto why = check_owner_name(o.miner)) throw UsageError("--miner: " + *why);
  if (!o.kernel.empty()) {
    try {
      kernels::resolve_kernel(o.kernel);
    } catch (const kernels::KernelError& e) {
      throw UsageError(std::string("--kernel: ") + e.what());
    }
  }
  if (o.network != "lab" && o.network != "mainnet") {
    throw UsageError("unknown network '" + o.network + "' (known: mainnet, lab)");
  }
  if (o.parent && o.chain.empty()) throw UsageError("--parent needs --chain FILE: a branch of which chain?");
}

// The chain being mined and the version of FILE on disk this process last read or wrote.
// With --parent, `branch` is the chain that ends at the parent block, the one the miner builds
// on; every block found enters both, and `chain`'s most-work rule decides whether it reorgs.
struct MineSession {
  ChainFile file;
  FileStamp disk;
  std::unique_ptr<ChainState> chain;
  std::unique_ptr<ChainState> branch;
  ChainState& base() const { return branch ? *branch : *chain; }
};


// Loads FILE (re-validated in full) or makes a new chain. Returns nullopt after printing why
// an existing file cannot be mined on (exit 1).
std::optional<MineSession> open_chain(const MineOptions& o) {
  MineSession s;
  const bool exists = !o.chain.empty() && std::filesystem::exists(o.chain);
  if (!exists) {
    if (o.parent) throw UsageError("--parent: " + o.chain + " does not exist; there is no block to mine on yet");
    if (!o.chain.empty()) {
      const auto parent = std::filesystem::path(o.chain).parent_path();
      if (!parent.empty() && !std::filesystem::is_directory(parent)) {
        throw UsageError("cannot create " + o.chain + ": directory " + parent.string() + " does not exist");
      }
    }
    s.file.params = new_network(o);
    s.chain = std::make_unique<ChainState>(s.file.params);
    return s;
  }
  if (o.network != "lab" || o.lab_knobs()) {
    throw UsageError(o.chain + " already exists; --network and the lab options apply only when creating a chain");
  }
  s.disk = stamp_file(o.chain);
  s.file = read_chain_file(o.chain);
  ChainOptions co;
  co.validation.now = unix_now();
  LoadReport report = replay_chain(s.file, co);
  if (!report.valid()) {
    std::cerr << "powlab mine: error: " << o.chain << " is invalid at " << describe(report.failures.front())
              << "; refusing to mine on it (run `powlab chain verify " << o.chain << "`)\n";
    return std::nullopt;
  }
  s.chain = std::move(report.chain);
  if (o.parent) {
    std::string why;
    const auto parent = find_block(*s.chain, *o.parent, &why);
    if (!parent) throw UsageError("--parent: " + why + " (" + o.chain + ")");
    s.branch = branch_state(s.file.blocks, *parent, s.file.params, co, &why);
    if (!s.branch) {
      std::cerr << "powlab mine: error: --parent: the branch ending at " << hash_to_display(*parent)
                << " is invalid at " << why << '\n';
      return std::nullopt;
    }
  }
  if (o.bits || o.zeros) {
    const std::uint32_t want = o.bits ? parse_bits(*o.bits) : bits_for_leading_zeros(*o.zeros);
    const std::uint32_t next = s.base().next_template(unix_now()).bits;
    if (want != next) {
      throw UsageError("the chain's next block must carry nBits " + bits_hex(next) +
                       " (its retarget rule); --bits/--zeros set the difficulty only when creating a chain (got " +
                       bits_hex(want) + ")");
    }
  }
  return s;
}

void print_banner(const MineOptions& o, const MineSession& s) {
  const ChainState& chain = s.base();
  const BlockTemplate t = chain.next_template(unix_now());
  std::cout << "mining " << count_noun(static_cast<std::uint64_t>(o.blocks), "block") << " on " << chain.params().name
            << (o.chain.empty() ? " (in memory)" : " into " + o.chain);
  if (s.branch) {
    std::cout << " on the branch ending at " << hash_to_display(chain.tip_hash()) << " (height " << chain.height()
              << (s.chain->on_best_chain(chain.tip_hash()) ? ", on the best chain" : ", a side branch") << ")";
  }
  std::cout << ", next height " << t.height << ", nBits "
            << bits_hex(t.bits) << " (~" << format_big(block_work(t.bits).to_double()) << " hashes per block)";
  if (o.throttle < 1) std::cout << ", throttle " << o.throttle;
  std::cout << std::endl;  // flushed: a watcher sees mining has begun
}

// Queued transactions valid on the branch being mined, in order. The others stay queued (a
// transfer queued with `send --parent` for another branch conflicts with this one) and are
// named once per block, on stderr.
std::vector<Transaction> valid_queue(const MineSession& s) {
  QueueChoice c = choose_queued(s.base(), s.file.mempool);
  for (const auto& left : c.left_out) {
    std::cerr << "powlab mine: warning: queued transaction " << hash_to_display(left.txid)
              << " is not valid on this branch and stays queued: " << to_string(left.error.reason) << ": "
              << left.error.detail << '\n';
  }
  return std::move(c.taken);
}

// `cpu_view` is the throttle's figure as `powlab watch` computes it (percent of one core over
// its default window), sampled at each progress call; it lives across blocks, like the process.
MineRequest make_request(const MineOptions& o, const MineSession& s, double remaining, CpuWindow* cpu_view,
                         std::chrono::steady_clock::time_point t0) {
  MineRequest req;
  req.miner = o.miner;
  req.txs = valid_queue(s);
  req.threads = o.threads;
  req.kernel = o.kernel;
  req.throttle = o.throttle;
  req.version_rolling = o.version_rolling;
  req.max_seconds = remaining;
  req.cancel = &g_stop;
  req.first_extranonce = 0;
  if (isatty(STDERR_FILENO) == 1) {
    const ChainState* chain = &s.base();
    const double throttle = o.throttle;
    req.progress = [chain, throttle, cpu_view, t0](const MineProgress& p) {
      const double expected_s = p.hashes_per_second > 0 ? p.expected_hashes / p.hashes_per_second : INFINITY;
      std::fprintf(stderr, "\r\033[K  height %lld: %s, %s hashes, elapsed %s, expected %s per block",
                   static_cast<long long>(chain->height() + 1), format_hashrate(p.hashes_per_second).c_str(),
                   format_big(static_cast<double>(p.hashes)).c_str(), seconds_text(p.seconds).c_str(),
                   seconds_text(expected_s).c_str());
      if (throttle < 1) {
        cpu_view->add(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                      process_cpu_seconds());
        if (const auto pct = cpu_view->percent()) {
          std::fprintf(stderr, ", cpu %.0f%% of one core (watch's view, last %.0f s)", *pct, cpu_view->span());
        }
      }
      std::fflush(stderr);
    };
  }
  return req;
}

// Drops the queued transactions the block confirmed and saves FILE: whole blocks only.
// Returns an exit code when the block could not be saved.
std::optional<int> save_block(const MineOptions& o, MineSession& s, const Block& block) {
  std::erase_if(s.file.mempool, [&](const Transaction& tx) {
    return std::find(block.txs().begin(), block.txs().end(), tx) != block.txs().end();
  });
  if (o.chain.empty()) return std::nullopt;
  const DirLock lock(o.chain);
  // Another process may have written FILE meanwhile (`powlab send` queueing a transfer while
  // this miner runs): keep its queued transactions; refuse to overwrite other blocks.
  std::vector<BlockPtr> ours = s.chain->blocks_in_order();
  ours.pop_back();  // the block just mined is not on disk yet
  const ChainFileCheck disk = check_chain_file(o.chain, s.disk, ours);
  if (disk.change == ChainFileChange::other_blocks) {
    std::cerr << "powlab mine: error: " << o.chain << " was changed by another process (its blocks differ from "
              << "the ones this miner loaded); not overwriting it. Block " << s.chain->height()
              << " was mined but not saved.\n";
    return kExitInvalid;
  }
  if (disk.change == ChainFileChange::same_blocks) {
    for (const Transaction& tx : disk.theirs.mempool) {
      const bool known = std::find(s.file.mempool.begin(), s.file.mempool.end(), tx) != s.file.mempool.end() ||
                         std::find(block.txs().begin(), block.txs().end(), tx) != block.txs().end();
      if (!known) s.file.mempool.push_back(tx);
    }
  }
  s.file.blocks = s.chain->blocks_in_order();
  try {
    save_chain_file(o.chain, s.file);
  } catch (const StoreError& e) {
    std::cerr << "powlab mine: error: " << e.what() << '\n';
    return kExitUsage;
  }
  s.disk = stamp_file(o.chain);
  return std::nullopt;
}

// The measured CPU fraction, or null when the run was too short to measure it.
nlohmann::json cpu_fraction_json(double fraction, double seconds, double throttle) {
  return seconds >= throttle_min_seconds(throttle) ? nlohmann::json(fraction) : nlohmann::json(nullptr);
}

// `accepted` is what the file's chain made of the block: with --parent it may stay on a side
// branch, or give its branch the most work and reorg the best chain.
void report_block(const MineOptions& o, const MineSession& s, const MineResult& m, const AcceptResult& accepted) {
  const ChainState& chain = s.base();
  const Block& b = *m.block;
  const bool best = s.chain->on_best_chain(b.hash());
  const double hps = m.seconds > 0 ? static_cast<double>(m.hashes) / m.seconds : 0;
  const std::size_t transfers = b.txs().size() - 1;
  if (o.json) {
    nlohmann::json j = {{"type", "block"},
                        {"height", chain.height()},
                        {"hash", hash_to_display(b.hash())},
                        {"nonce", b.header().nonce},
                        {"extranonce", m.extranonce},
                        {"version", b.header().version},
                        {"time", b.header().time},
                        {"bits", bits_hex(b.header().bits)},
                        {"hashes", m.hashes},
                        {"seconds", m.seconds},
                        {"hashes_per_second", hps},
                        {"reward", m.reward},
                        {"fees", m.fees},
                        {"amount_unit", kAmountUnit},
                        {"txs", b.txs().size()},
                        {"miner", o.miner}};
    if (o.throttle < 1) j["cpu_fraction"] = cpu_fraction_json(m.cpu_fraction, m.seconds, o.throttle);
    if (o.parent) {
      j["parent"] = hash_to_display(b.header().prev_hash);
      j["best_chain"] = best;
      j["reorg_depth"] = accepted.disconnected;
      if (accepted.reorg()) j["fork_height"] = accepted.fork_height;
    }
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cout << "block " << chain.height() << "  " << hash_to_display(b.hash()) << "  nonce " << b.header().nonce
            << "  extranonce " << m.extranonce << "  " << count_noun(m.hashes, "hash", "hashes") << " in "
            << seconds_text(m.seconds) << " (" << format_hashrate(hps) << ")  reward " << format_coins(m.reward)
            << " to " << o.miner;
  if (transfers > 0) std::cout << " (" << count_noun(transfers, "transfer") << ")";
  std::cout << '\n';
  if (accepted.reorg()) {
    std::cout << "  reorg: this branch now has the most work; " << count_noun(accepted.disconnected, "block")
              << " left the best chain (depth " << accepted.disconnected << ", fork at height " << accepted.fork_height
              << "); `powlab chain show " << o.chain << "` names them\n";
  } else if (!best) {
    std::cout << "  side branch: not more work than the best chain (height " << s.chain->height()
              << "); extend it with --parent " << hash_to_display(b.hash()) << '\n';
  }
  std::cout << std::flush;
}

struct MineTotals {
  std::int64_t mined = 0;
  std::uint64_t hashes = 0;
  unsigned threads = 1;
  std::string kernel;
  std::string stop_reason = "done";
  double seconds = 0;
  double cpu_fraction = 0;
};

void report_summary(const MineOptions& o, const MineSession& s, const MineTotals& t) {
  const ChainState& chain = *s.chain;
  const double hps = t.seconds > 0 ? static_cast<double>(t.hashes) / t.seconds : 0;
  const bool measurable = t.seconds >= throttle_min_seconds(o.throttle);
  if (o.json) {
    nlohmann::json j = {{"type", "summary"},
                        {"blocks", t.mined},
                        {"requested", o.blocks},
                        {"stopped", t.stop_reason},
                        {"hashes", t.hashes},
                        {"seconds", t.seconds},
                        {"hashes_per_second", hps},
                        {"threads", t.threads},
                        {"kernel", t.kernel},
                        {"height", chain.height()},
                        {"tip_hash", chain.empty() ? "" : hash_to_display(chain.tip_hash())},
                        {"network", chain.params().name},
                        {"chain", o.chain.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.chain)}};
    if (o.throttle < 1) {
      j["throttle"] = o.throttle;
      j["cpu_fraction"] = cpu_fraction_json(t.cpu_fraction, t.seconds, o.throttle);
      if (!measurable) j["cpu_fraction_min_seconds"] = throttle_min_seconds(o.throttle);
    }
    if (s.branch) {
      j["branch_height"] = s.branch->height();
      j["branch_tip_hash"] = hash_to_display(s.branch->tip_hash());
      j["best_chain"] = chain.on_best_chain(s.branch->tip_hash());
    }
    std::cout << j.dump() << std::endl;
    return;
  }
  std::cout << (t.stop_reason == "done" ? "done" : t.stop_reason == "budget" ? "time budget used up" : "interrupted")
            << ": " << t.mined << " of " << count_noun(static_cast<std::uint64_t>(o.blocks), "block") << ", "
            << count_noun(t.hashes, "hash", "hashes") << " in " << seconds_text(t.seconds) << " ("
            << format_hashrate(hps) << ", " << count_noun(t.threads, "thread")
            << (t.kernel.empty() ? "" : ", kernel " + t.kernel) << "), "
            << (chain.empty() ? std::string("chain still empty") : "tip height " + std::to_string(chain.height()))
            << '\n';
  if (s.branch) {
    std::cout << "branch tip height " << s.branch->height() << "  " << hash_to_display(s.branch->tip_hash())
              << (chain.on_best_chain(s.branch->tip_hash()) ? "  (the best chain)" : "  (a side branch)") << '\n';
  }
  if (o.throttle < 1 && measurable) {
    std::cout << "throttle " << o.throttle << ": measured CPU " << t.cpu_fraction
              << " of each thread (process CPU time / wall time / threads). A cryptojacking script uses the same "
                 "trick to stay unnoticed.\n";
  } else if (o.throttle < 1) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "throttle %g: the run took %.2f s, too short to measure the CPU fraction (at least %.2f s: %g of "
                  "the miner's duty cycles at this throttle)\n",
                  o.throttle, t.seconds, throttle_min_seconds(o.throttle), kThrottleCyclesToMeasure);
    std::cout << line;
  }
  if (t.stop_reason != "done" && !o.chain.empty()) {
    if (chain.empty()) {
      std::cout << "no partial block was written; " << o.chain << " was not created\n";
    } else {
      std::cout << "no partial block was written; " << o.chain << " holds "
                << count_noun(chain.block_count(), "whole block") << '\n';
    }
  }
}

int run(const MineOptions& o) {
  check_options(o);
  if (!o.pool.empty()) {  // issue 14: the pool owns the chain, the difficulty and the coinbase
    if (!o.chain.empty() || o.parent || o.mpi || o.bits || o.zeros || o.lab_knobs() || o.network != "lab" ||
        o.throttle != 1 || o.version_rolling) {
      throw UsageError("--pool mines the pool's chain: give only --miner, --blocks, --max-seconds, --threads, --kernel, --json");
    }
    return run_pool_mine({o.pool, o.miner, o.blocks, o.max_seconds.value_or(0), o.threads, o.kernel, o.json});
  }
  if (o.mpi) {  // issue 15: the ranks mine F as a pool (cmd_mine_mpi.cpp)
    if (o.throttle != 1 || o.version_rolling || o.max_seconds) {
      throw UsageError("--mpi mines to the last block at full speed: --throttle, --version-rolling and --max-seconds do not apply");
    }
    if (o.parent) throw UsageError("--mpi mines on the best tip: --parent does not apply");
    return run_mine_mpi({o.chain, o.blocks, o.threads, o.kernel, o.miner, o.json, [&o] { return new_network(o); }});
  }
  std::optional<MineSession> session = open_chain(o);
  if (!session) return kExitInvalid;
  MineSession& s = *session;
  ChainState& chain = *s.chain;

  // SIGINT / SIGTERM stop the miner between hashes; the current block is dropped and the
  // file keeps only whole blocks.
  StopSignals signals(on_stop_signal);
  g_stop = false;
  g_signal = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&t0] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const double cpu0 = process_cpu_seconds();
  CpuWindow cpu_view(kDefaultCpuWindowSeconds);
  cpu_view.add(0, cpu0);
  MineTotals t;
  if (!o.json) print_banner(o, s);

  while (t.mined < o.blocks) {
    const double remaining = o.max_seconds ? *o.max_seconds - elapsed() : 0;
    if (o.max_seconds && remaining <= 0) {
      t.stop_reason = "budget";
      break;
    }
    MineResult m;
    try {
      m = mine_block(s.base(), make_request(o, s, remaining, &cpu_view, t0));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    if (isatty(STDERR_FILENO) == 1) std::fprintf(stderr, "\r\033[K");
    t.hashes += m.hashes;
    t.threads = m.threads;
    t.kernel = m.kernel;
    if (!m.block) {
      t.stop_reason = m.cancelled ? "interrupted" : "budget";
      break;
    }
    chain.validation().now = unix_now();
    if (s.branch) s.branch->validation().now = unix_now();
    // On a branch the block extends the branch's tip; in the file's chain it may land on a side
    // branch (not more work than the best tip) or reorg it: the chain's fork choice decides.
    AcceptResult on_branch;
    on_branch.status = AcceptStatus::new_tip;
    if (s.branch) on_branch = s.branch->accept(m.block);
    const AcceptResult r = on_branch.status == AcceptStatus::new_tip ? chain.accept(m.block) : on_branch;
    const bool taken = r.status == AcceptStatus::new_tip || (s.branch && r.status == AcceptStatus::side_branch);
    if (!taken) {
      // Cannot happen for a block built on our own tip; say so loudly if it does.
      std::cerr << "powlab mine: internal error: the mined block was not accepted: " << to_string(r.reason) << ": "
                << r.detail << '\n';
      return kExitInvalid;
    }
    if (const auto code = save_block(o, s, *m.block)) return *code;
    ++t.mined;
    report_block(o, s, m, r);
  }

  t.seconds = elapsed();
  t.cpu_fraction = t.seconds > 0 ? (process_cpu_seconds() - cpu0) / (t.seconds * std::max(1u, t.threads)) : 0;
  report_summary(o, s, t);
  if (t.stop_reason == "interrupted") return 128 + (g_signal ? static_cast<int>(g_signal) : SIGINT);
  return kExitOk;
}

}  // namespace

void add_mine(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<MineOptions>();
  CLI::App* sub = app.add_subcommand(
      "mine", "mine blocks onto a chain file (created if absent) or an in-memory chain; powlab's own ledger only");
  sub->add_option("--chain", o->chain, "chain file (created if absent); without it, an in-memory chain");
  sub->add_option("--network", o->network, "network of a new chain: lab (default) or mainnet");
  add_integer_option<std::int64_t>(sub, "--blocks", o->blocks, "blocks to mine (default 1)", 1, 1'000'000);
  add_integer_option<int>(sub, "--zeros", o->zeros, "difficulty of a new chain: leading zero bits of the target (1..255)",
                          1, 255);
  sub->add_option("--bits", o->bits, "difficulty of a new chain as nBits, e.g. 0x1f00ffff")->type_name("HEX");
  add_integer_option<unsigned>(sub, "--threads", o->threads, "mining threads (0 = every core, the default)", 0,
                               kMaxSearchThreads);
  sub->add_option("--kernel", o->kernel, "hashing kernel (default: the best this CPU runs)");
  sub->add_option("--throttle", o->throttle, "use about this fraction of each thread, 0 < F <= 1 (default 1)")
      ->type_name("NUM");
  sub->add_option("--miner", o->miner, "who the coinbase pays (default 'miner')");
  sub->add_option("--max-seconds", o->max_seconds, "time budget: stop with a summary, exit 0, no partial block")
      ->type_name("NUM");
  sub->add_flag("--version-rolling", o->version_rolling, "roll the BIP320 version bits (0x1fffe000) before the extranonce");
  add_integer_option<std::int64_t>(sub, "--interval", o->interval, "lab: target block interval in seconds (new chain)");
  add_integer_option<std::int64_t>(sub, "--retarget", o->retarget, "lab: blocks per retarget period (new chain)");
  add_integer_option<std::int64_t>(sub, "--halving", o->halving, "lab: blocks per subsidy halving (new chain)");
  add_integer_option<std::int64_t>(sub, "--maturity", o->maturity,
                                   "lab: blocks before a coinbase may be spent (new chain; default 3, mainnet 100)");
  sub->add_option("--pow-limit", o->pow_limit, "lab: easiest nBits allowed (new chain), e.g. 0x207fffff")
      ->type_name("HEX");
  sub->add_option("--parent", o->parent,
                  "mine on the branch ending at this block, not on the best tip: a best-chain height or a block "
                  "hash (side branches too); the chain's most-work rule decides whether it reorgs")
      ->type_name("BLOCK");
  sub->add_flag("--json", o->json, "one JSON object per block, then a summary (JSON Lines)");
  sub->add_flag("--mpi", o->mpi, "under mpirun, with --chain: the ranks mine it as a pool; rank 0 owns the file");
  sub->add_option("--pool", o->pool, "join a powlab lab pool at http://HOST:PORT (`powlab serve`); lab pools only")
      ->type_name("URL");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
