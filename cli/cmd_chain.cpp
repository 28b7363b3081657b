// powlab chain show|verify|tamper|balances FILE: inspect a chain file, re-validate it, and
// break it on purpose to watch verification fail.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>

#include "command.h"
#include "pictures.h"
#include "powlab/consensus/merkle.h"
#include "powlab/ledger/store.h"
#include "powlab/consensus/target.h"

namespace powlab::cli {

namespace {

struct ChainCliOptions {
  std::string file;
  bool json = false;
  // tamper
  std::int64_t height = -1;
  std::optional<std::string> amount;
  std::optional<std::string> to;
  std::optional<std::uint64_t> tx;
  std::string output;
  bool fix_merkle = false;
  std::string svg;  // show
};

ChainOptions load_options() {
  ChainOptions co;
  co.validation.now = static_cast<std::int64_t>(std::time(nullptr));
  return co;
}

nlohmann::json failure_json(const LoadReport::Failure& f) {
  nlohmann::json j = {{"index", f.index},
                      {"height", f.height ? nlohmann::json(*f.height) : nlohmann::json(nullptr)},
                      {"hash", hash_to_display(f.hash)},
                      {"reason", std::string(to_string(f.result.reason))},
                      {"detail", f.result.detail}};
  if (f.result.tx_error) j["tx_reason"] = std::string(to_string(f.result.tx_error->reason));
  return j;
}

std::string miner_of(const Block& b) { return b.txs().empty() ? "" : b.txs()[0].outputs.at(0).owner; }

nlohmann::json tx_json(const Transaction& tx, const Hash256& id) {
  nlohmann::json ins = nlohmann::json::array();
  for (const TxIn& in : tx.inputs) ins.push_back(hash_to_display(in.prevout.txid) + ":" + std::to_string(in.prevout.index));
  nlohmann::json outs = nlohmann::json::array();
  for (const TxOut& out : tx.outputs) outs.push_back({{"owner", out.owner}, {"amount", out.amount}});
  nlohmann::json j = {{"txid", hash_to_display(id)}, {"coinbase", tx.is_coinbase()}, {"inputs", ins}, {"outputs", outs}};
  if (tx.is_coinbase()) j["extranonce"] = tx.extranonce;
  return j;
}

std::string tx_text(const Transaction& tx, const Hash256& id) {
  std::string s = "    tx " + hash_to_display(id) + "  ";
  if (tx.is_coinbase()) {
    s += "coinbase (extranonce " + std::to_string(tx.extranonce) + ")";
  } else {
    s += count_noun(tx.inputs.size(), "input");
  }
  s += " ->";
  for (const TxOut& o : tx.outputs) s += " " + o.owner + " " + format_coins(o.amount);
  return s;
}

std::vector<std::pair<std::string, Amount>> sorted_balances(const ChainState& chain) {
  std::vector<std::pair<std::string, Amount>> v(chain.balances().begin(), chain.balances().end());
  std::sort(v.begin(), v.end());
  return v;
}

// ---- reorgs (a double spend by hand: mine --parent, send --parent) ----
std::string outpoint_text(const OutPoint& o) { return hash_to_display(o.txid) + ":" + std::to_string(o.index); }

// A transfer of the reorg's blocks by txid: "alice -> bob 10.00000000 coins, alice 39.99 coins".
std::string payees(const ReorgRecord& r, const Hash256& txid) {
  for (const auto* side : {&r.disconnected, &r.connected}) {
    for (const BlockPtr& b : *side) {
      for (std::size_t k = 0; k < b->txs().size(); ++k) {
        if (b->txids()[k] != txid) continue;
        std::string s;
        for (const TxOut& out : b->txs()[k].outputs) s += (s.empty() ? "-> " : ", ") + out.owner + " " + format_coins(out.amount);
        return s;
      }
    }
  }
  return "";
}

nlohmann::json reorgs_json(const LoadReport& report) {
  nlohmann::json all = nlohmann::json::array();
  for (const ReorgRecord& r : report.reorgs) {
    const auto blocks = [&r](const std::vector<BlockPtr>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (std::size_t k = 0; k < v.size(); ++k) {
        a.push_back({{"height", r.fork_height + 1 + static_cast<std::int64_t>(k)},
                     {"hash", hash_to_display(v[k]->hash())},
                     {"miner", miner_of(*v[k])}});
      }
      return a;
    };
    nlohmann::json conflicts = nlohmann::json::array();
    for (const Conflict& c : r.conflicts) {
      conflicts.push_back({{"outpoint", outpoint_text(c.outpoint)},
                           {"disconnected_txid", hash_to_display(c.disconnected_txid)},
                           {"connected_txid", hash_to_display(c.connected_txid)}});
    }
    all.push_back({{"index", r.index},
                   {"fork_height", r.fork_height},
                   {"depth", r.depth()},
                   {"disconnected", blocks(r.disconnected)},
                   {"connected", blocks(r.connected)},
                   {"conflicts", conflicts}});
  }
  return all;
}

void print_reorgs(const LoadReport& report) {
  for (const ReorgRecord& r : report.reorgs) {
    std::cout << "reorg at file block " << r.index << ": depth " << r.depth() << ", fork at height " << r.fork_height
              << "; " << count_noun(r.depth(), "block") << " left the best chain, " << r.connected.size() << " joined\n";
    for (std::size_t k = 0; k < r.disconnected.size(); ++k) {
      std::cout << "  left    " << r.fork_height + 1 + static_cast<std::int64_t>(k) << "  "
                << hash_to_display(r.disconnected[k]->hash()) << "  miner " << miner_of(*r.disconnected[k]) << '\n';
    }
    for (std::size_t k = 0; k < r.connected.size(); ++k) {
      std::cout << "  joined  " << r.fork_height + 1 + static_cast<std::int64_t>(k) << "  "
                << hash_to_display(r.connected[k]->hash()) << "  miner " << miner_of(*r.connected[k]) << '\n';
    }
    for (const Conflict& c : r.conflicts) {
      std::cout << "  double spend of output " << outpoint_text(c.outpoint) << ":\n"
                << "    tx " << hash_to_display(c.disconnected_txid) << "  " << payees(r, c.disconnected_txid)
                << "  (left the best chain)\n"
                << "    tx " << hash_to_display(c.connected_txid) << "  " << payees(r, c.connected_txid)
                << "  (on the best chain instead)\n";
    }
  }
}

// ---- verify ----
int run_verify(const ChainCliOptions& o) {
  const ChainFile file = read_chain_file(o.file);
  const LoadReport r = replay_chain(file, load_options());
  const ChainState& c = *r.chain;
  if (o.json) {
    // The keys of every verification result (docs/VOCABULARY.md), as `powlab verify` prints.
    nlohmann::json j = {{"valid", r.valid()},
                        {"count", file.blocks.size()},
                        {"tip_height", c.height()},
                        {"tip_hash", c.empty() ? "" : hash_to_display(c.tip_hash())},
                        {"chainwork", c.tip_work().to_hex()},
                        {"stale_blocks", c.side_block_count()},
                        {"network", c.params().name}};
    nlohmann::json fails = nlohmann::json::array();
    for (const auto& f : r.failures) fails.push_back(failure_json(f));
    j["failures"] = fails;
    if (!r.valid()) {
      const auto& f = r.failures.front();
      j["failed_height"] = f.height ? nlohmann::json(*f.height) : nlohmann::json(nullptr);
      j["failed_hash"] = hash_to_display(f.hash);
      j["reason"] = std::string(to_string(f.result.reason));
      j["detail"] = f.result.detail;
    }
    print_json(j);
  } else if (r.valid()) {
    std::cout << "valid: " << count_noun(file.blocks.size(), "block") << " re-validated (" << c.params().name
              << " rules), tip height " << c.height() << ", " << count_noun(c.side_block_count(), "stale block") << "\n"
              << "tip        " << (c.empty() ? "(none)" : hash_to_display(c.tip_hash())) << '\n'
              << "chainwork  " << c.tip_work().to_hex() << '\n';
  } else {
    const auto& f = r.failures.front();
    std::cout << "INVALID at " << (f.height ? "height " + std::to_string(*f.height) : "file block " + std::to_string(f.index))
              << ": " << to_string(f.result.reason);
    if (f.result.tx_error) std::cout << " (" << to_string(f.result.tx_error->reason) << ")";
    std::cout << "\nblock      " << hash_to_display(f.hash) << "\nwhy        " << f.result.detail << '\n';
    for (std::size_t k = 1; k < r.failures.size(); ++k) std::cout << "then       " << describe(r.failures[k]) << '\n';
    std::cout << "valid part tip height " << c.height() << " (" << file.blocks.size() - r.failures.size() << " of "
              << count_noun(file.blocks.size(), "block") << " accepted)\n";
  }
  return r.valid() ? kExitOk : kExitInvalid;
}

// ---- show ----
int run_show(const ChainCliOptions& o) {
  if (!o.svg.empty()) check_svg_path(o.svg);
  const ChainFile file = read_chain_file(o.file);
  const LoadReport r = replay_chain(file, load_options());
  const ChainState& c = *r.chain;
  if (o.json) {
    nlohmann::json blocks = nlohmann::json::array();
    for (std::int64_t h = 0; h <= c.height(); ++h) {
      const BlockPtr b = c.block_at(h);
      nlohmann::json txs = nlohmann::json::array();
      for (std::size_t k = 0; k < b->txs().size(); ++k) txs.push_back(tx_json(b->txs()[k], b->txids()[k]));
      blocks.push_back({{"height", h},
                        {"hash", hash_to_display(b->hash())},
                        {"time", b->header().time},
                        {"bits", bits_hex(b->header().bits)},
                        {"nonce", b->header().nonce},
                        {"version", b->header().version},
                        {"miner", miner_of(*b)},
                        {"txs", txs}});
    }
    nlohmann::json stale = nlohmann::json::array();
    for (const BlockPtr& b : c.blocks_in_order()) {
      if (c.on_best_chain(b->hash())) continue;
      stale.push_back({{"height", c.info(b->hash())->height}, {"hash", hash_to_display(b->hash())}, {"miner", miner_of(*b)}});
    }
    nlohmann::json bal = nlohmann::json::object();
    for (const auto& [who, a] : sorted_balances(c)) bal[who] = a;
    nlohmann::json queued = nlohmann::json::array();
    for (const Transaction& tx : file.mempool) queued.push_back(tx_json(tx, tx.txid()));
    nlohmann::json j = {{"network", c.params().name},
                        {"coinbase_maturity", c.params().coinbase_maturity},
                        {"height", c.height()},
                        {"tip_hash", c.empty() ? "" : hash_to_display(c.tip_hash())},
                        {"chainwork", c.tip_work().to_hex()},
                        {"blocks", blocks},
                        {"stale", stale},
                        {"balances", bal},
                        {"mempool", queued},
                        {"reorgs", reorgs_json(r)},
                        {"amount_unit", kAmountUnit},
                        {"valid", r.valid()}};
    if (!r.valid()) j["failure"] = failure_json(r.failures.front());
    print_json(j);
  } else {
    const ConsensusParams& p = c.params();
    std::cout << "network " << p.name << ": " << p.target_spacing << " s blocks, retarget every " << p.interval()
              << ", halving every " << p.halving_interval << ", powLimit " << bits_hex(p.pow_limit_bits)
              << ", coinbase maturity " << p.coinbase_maturity << '\n';
    for (std::int64_t h = 0; h <= c.height(); ++h) {
      const BlockPtr b = c.block_at(h);
      std::cout << "block " << h << "  " << hash_to_display(b->hash()) << "  " << format_utc(b->header().time) << "  "
                << bits_hex(b->header().bits) << "  nonce " << b->header().nonce << "  miner " << miner_of(*b)
                << '\n';
      for (std::size_t k = 0; k < b->txs().size(); ++k) std::cout << tx_text(b->txs()[k], b->txids()[k]) << '\n';
    }
    for (const BlockPtr& b : c.blocks_in_order()) {
      if (c.on_best_chain(b->hash())) continue;
      std::cout << "stale " << c.info(b->hash())->height << "  " << hash_to_display(b->hash()) << "  miner "
                << miner_of(*b) << " (side branch)\n";
    }
    print_reorgs(r);
    std::cout << "tip        height " << c.height() << "  " << (c.empty() ? "(none)" : hash_to_display(c.tip_hash()))
              << "\nchainwork  " << c.tip_work().to_hex() << " (~" << format_big(c.tip_work().to_double())
              << " hashes)\nbalances\n";
    for (const auto& [who, a] : sorted_balances(c)) std::cout << "  " << who << "  " << format_coins(a) << '\n';
    if (!file.mempool.empty()) {
      std::cout << "queued (mined by the next block on a branch where it is valid)\n";
      for (const Transaction& tx : file.mempool) std::cout << tx_text(tx, tx.txid()) << '\n';
    }
    if (!r.valid()) std::cout << "INVALID from " << describe(r.failures.front()) << '\n';
  }
  if (!o.svg.empty()) draw_chain_tree(o.svg, c, "chain file " + o.file);
  return r.valid() ? kExitOk : kExitInvalid;
}

// ---- balances ----
int run_balances(const ChainCliOptions& o) {
  const ChainFile file = read_chain_file(o.file);
  const LoadReport r = replay_chain(file, load_options());
  if (!r.valid()) {
    std::cerr << "powlab chain balances: error: " << o.file << " is invalid at " << describe(r.failures.front()) << '\n';
    return kExitInvalid;
  }
  const ChainState& c = *r.chain;
  if (o.json) {
    nlohmann::json bal = nlohmann::json::object();
    for (const auto& [who, a] : sorted_balances(c)) bal[who] = a;
    nlohmann::json rewards = nlohmann::json::object();
    for (const auto& [who, t] : c.rewards()) {
      rewards[who] = {{"blocks", t.blocks}, {"subsidy", t.subsidy}, {"fees", t.fees}};
    }
    print_json({{"height", c.height()}, {"balances", bal}, {"rewards", rewards}, {"amount_unit", kAmountUnit}});
  } else {
    std::cout << "balances at height " << c.height() << " (best chain)\n";
    for (const auto& [who, a] : sorted_balances(c)) {
      std::cout << "  " << who << "  " << format_coins(a);
      if (auto it = c.rewards().find(who); it != c.rewards().end()) {
        std::cout << "  (mined " << count_noun(it->second.blocks, "block") << ": subsidy "
                  << format_coins(it->second.subsidy) << ", fees " << format_coins(it->second.fees) << ")";
      }
      std::cout << '\n';
    }
  }
  return kExitOk;
}

// ---- tamper ----
int run_tamper(const ChainCliOptions& o) {
  if (o.amount.has_value() == o.to.has_value()) throw UsageError("give exactly one of --amount X or --to NAME");
  std::optional<Amount> new_amount;
  if (o.amount) {
    std::string why;
    new_amount = parse_amount(*o.amount, &why);
    if (!new_amount) throw UsageError("--amount: " + why);
  }
  if (o.to) {
    if (auto why = check_owner_name(*o.to)) throw UsageError("--to: " + *why);
  }
  const std::string output = o.output.empty() ? o.file + ".tampered" : o.output;
  std::error_code ec;
  if (std::filesystem::equivalent(output, o.file, ec)) {
    throw UsageError("--output must not be the original file: tamper writes a copy and never touches " + o.file);
  }

  ChainFile file = read_chain_file(o.file);
  const LoadReport r = replay_chain(file, load_options());
  const ChainState& c = *r.chain;
  if (o.height < 0 || o.height > c.height()) {
    throw UsageError("--height " + std::to_string(o.height) + " is not on the best chain (heights 0.." +
                     std::to_string(c.height()) + ")");
  }
  const BlockPtr b = c.block_at(o.height);
  // Default: the first transfer in the block, or the coinbase when there is none.
  const std::uint64_t k = o.tx.value_or(b->txs().size() > 1 ? 1 : 0);
  if (k >= b->txs().size()) {
    throw UsageError("--tx " + std::to_string(k) + ": block " + std::to_string(o.height) + " has " +
                     count_noun(b->txs().size(), "transaction") + " (numbered from 0)");
  }
  std::vector<Transaction> txs = b->txs();
  TxOut& out = txs[static_cast<std::size_t>(k)].outputs.at(0);
  const TxOut before = out;
  if (new_amount) out.amount = *new_amount;
  if (o.to) out.owner = *o.to;
  if (out == before) throw UsageError("that is what output 0 of tx " + std::to_string(k) + " already says");
  BlockHeader header = b->header();
  if (o.fix_merkle) {
    std::vector<Hash256> ids;
    for (const Transaction& t : txs) ids.push_back(t.txid());
    header.merkle_root = merkle_root(ids);
  }
  const BlockPtr forged = Block::make(header, std::move(txs));
  std::replace(file.blocks.begin(), file.blocks.end(), b, forged);
  try {
    save_chain_file(output, file);
  } catch (const StoreError& e) {
    std::cerr << "powlab chain tamper: error: " << e.what() << '\n';
    return kExitUsage;
  }
  if (o.json) {
    print_json({{"output", output},
                {"height", o.height},
                {"tx", k},
                {"before", {{"owner", before.owner}, {"amount", before.amount}}},
                {"after", {{"owner", out.owner}, {"amount", out.amount}}},
                {"amount_unit", kAmountUnit},
                {"header_changed", o.fix_merkle},
                {"hash_before", hash_to_display(b->hash())},
                {"hash_after", hash_to_display(forged->hash())}});
  } else {
    std::cout << "wrote " << output << ": block " << o.height << ", tx " << k << ", output 0: " << before.owner << " "
              << format_coins(before.amount) << "  ->  " << out.owner << " " << format_coins(out.amount) << '\n';
    if (o.fix_merkle) {
      std::cout << "the header's Merkle root was rewritten to match, so the block hash changed ("
                << hash_to_display(forged->hash()) << "): its proof of work and the next block's link no longer hold.\n";
    } else {
      std::cout << "the header was not touched and nothing was re-mined: the header still commits to the old "
                   "transactions.\n";
    }
    std::cout << "now run: powlab chain verify " << output << '\n';
  }
  return kExitOk;
}

}  // namespace

void add_chain(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<ChainCliOptions>();
  CLI::App* chain = app.add_subcommand("chain", "inspect, verify and tamper with a chain file");
  chain->require_subcommand(1);

  CLI::App* show = chain->add_subcommand(
      "show", "list blocks, transactions, the tip, work and balances, and every reorg with the double spends it undid");
  CLI::App* verify = chain->add_subcommand("verify", "re-validate every block: exit 0 if valid, else 1 with the height and reason");
  CLI::App* balances = chain->add_subcommand("balances", "balances and rewards of every owner on the best chain");
  CLI::App* tamper = chain->add_subcommand(
      "tamper", "write a copy with one transaction altered (not re-mined), to watch `chain verify` fail");
  for (CLI::App* s : {show, verify, balances, tamper}) {
    s->add_option("file", o->file, "chain file")->required();
    s->add_flag("--json", o->json, "print JSON (amounts are integers in units of 1e-8 coin)");
  }
  show->add_option("--svg", o->svg, "draw the block tree, side branches included, to FILE.svg")->type_name("FILE");
  add_integer_option<std::int64_t>(tamper, "--height", o->height, "best-chain height of the block to alter", 0)
      ->required();
  tamper->add_option("--amount", o->amount, "new amount (coins, up to 8 decimals) of output 0")->type_name("NUM");
  tamper->add_option("--to", o->to, "new owner of output 0");
  add_integer_option<std::uint64_t>(tamper, "--tx", o->tx,
                                    "which transaction, from 0 (default: the first transfer, else the coinbase)");
  tamper->add_option("--output", o->output, "where to write the copy (default FILE.tampered)");
  tamper->add_flag("--fix-merkle", o->fix_merkle,
                   "also rewrite the header's Merkle root (the block hash changes: PoW and the next link break)");

  registry.push_back({chain, [o, show, verify, balances, tamper] {
                        if (show->parsed()) return run_show(*o);
                        if (verify->parsed()) return run_verify(*o);
                        if (balances->parsed()) return run_balances(*o);
                        if (tamper->parsed()) return run_tamper(*o);
                        throw UsageError("choose one of show, verify, balances, tamper");
                      }});
}

}  // namespace powlab::cli
