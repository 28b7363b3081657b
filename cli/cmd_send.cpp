// powlab send: queue a transfer in a chain file; the next `powlab mine` includes it. With
// --parent H the transfer is checked against the coins of the branch that ends at H (a double
// spend by hand: pay on the best chain, then spend the same coins on a branch from before).
#include <ctime>
#include <filesystem>
#include <iostream>
#include <unordered_set>

#include "command.h"
#include "powlab/util/error.h"
#include "powlab/ledger/branch.h"
#include "powlab/ledger/store.h"

namespace powlab::cli {

namespace {

struct SendOptions {
  std::string chain;
  std::string from;
  std::string to;
  std::string amount;
  std::string fee = "0.0001";
  bool json = false;
  std::optional<std::string> parent;  // a height or a block hash: the branch to spend on
};

Amount amount_arg(const std::string& text, const char* flag) {
  std::string why;
  const auto a = parse_amount(text, &why);
  if (!a) throw UsageError(std::string(flag) + ": " + why);
  return *a;
}

int run(const SendOptions& o) {
  if (auto why = check_owner_name(o.from)) throw UsageError("--from: " + *why);
  if (auto why = check_owner_name(o.to)) throw UsageError("--to: " + *why);
  const Amount amount = amount_arg(o.amount, "--amount");
  const Amount fee = amount_arg(o.fee, "--fee");
  if (amount == 0) throw UsageError("--amount must be more than 0");

  if (!std::filesystem::exists(o.chain)) throw powlab::ParseError("cannot open " + o.chain + ": no such chain file");
  const DirLock lock(o.chain);  // a running `powlab mine` saves only between our read and write
  const FileStamp disk = stamp_file(o.chain);
  ChainFile file = read_chain_file(o.chain);
  ChainOptions co;
  co.validation.now = static_cast<std::int64_t>(std::time(nullptr));
  LoadReport report = replay_chain(file, co);
  if (!report.valid()) {
    std::cerr << "powlab send: error: " << o.chain << " is invalid at " << describe(report.failures.front()) << '\n';
    return kExitInvalid;
  }
  std::unique_ptr<ChainState> branch;
  if (o.parent) {
    std::string why;
    const auto parent = find_block(*report.chain, *o.parent, &why);
    if (!parent) throw UsageError("--parent: " + why + " (" + o.chain + ")");
    branch = branch_state(file.blocks, *parent, file.params, co, &why);
    if (!branch) {
      std::cerr << "powlab send: error: --parent: the branch ending at " << hash_to_display(*parent) << " is invalid at "
                << why << '\n';
      return kExitInvalid;
    }
  }
  const ChainState& chain = branch ? *branch : *report.chain;

  // The queue as a block on this branch would take it: a transfer queued for another branch
  // (one that conflicts with this one) neither blocks nor funds this one.
  const std::vector<Transaction> queue = choose_queued(chain, file.mempool).taken;
  // Spendable: the sender's outputs on the tip and in the queue, minus what the queue spends.
  std::unordered_set<OutPoint, OutPointHasher> queued_spends;
  for (const Transaction& tx : queue) {
    for (const TxIn& in : tx.inputs) queued_spends.insert(in.prevout);
  }
  // A coinbase is spendable only in a block coinbase_maturity blocks above its own; the
  // transfer would be in the next block.
  const std::int64_t spend_height = chain.height() + 1;
  const std::int64_t maturity = chain.params().coinbase_maturity;
  std::vector<std::pair<OutPoint, Amount>> available;
  std::vector<std::pair<std::int64_t, Amount>> immature;  // (height it matures at, amount), oldest first
  for (const auto& [out, coin] : chain.coins_of(o.from)) {
    if (queued_spends.count(out)) continue;
    if (coin.coinbase && spend_height - coin.height < maturity) {
      immature.emplace_back(coin.height + maturity, coin.out.amount);
    } else {
      available.emplace_back(out, coin.out.amount);
    }
  }
  for (const Transaction& tx : queue) {
    const Hash256 id = tx.txid();
    for (std::uint32_t k = 0; k < tx.outputs.size(); ++k) {
      const OutPoint out{id, k};
      if (tx.outputs[k].owner == o.from && !queued_spends.count(out)) available.emplace_back(out, tx.outputs[k].amount);
    }
  }
  Amount have = 0;
  for (const auto& a : available) have += a.second;
  const Amount need = amount + fee;  // both <= kMaxMoney: no overflow
  Amount later = have;
  for (const auto& [at, value] : immature) {
    if (have >= need || (later += value) < need) continue;
    std::cerr << "powlab send: error: bad-txns-premature-spend-of-coinbase: " << o.from << " can spend "
              << format_coins(have) << " in a block at height " << spend_height << "; enough of its coinbase coins "
              << "mature at height " << at << " (coinbase maturity " << maturity << ")\n";
    return kExitInvalid;
  }
  if (have < need) {
    std::cerr << "powlab send: error: insufficient funds: " << o.from << " can spend " << format_coins(have)
              << " (confirmed balance " << format_coins(chain.balance(o.from)) << "), needs "
              << format_coins(amount) << " + fee " << format_coins(fee) << '\n';
    return kExitInvalid;
  }

  Transaction tx;
  Amount in = 0;
  for (const auto& [out, value] : available) {
    if (in >= need) break;
    tx.inputs.push_back(TxIn{out});
    in += value;
  }
  tx.outputs.push_back(TxOut{amount, o.to});
  if (in > need) tx.outputs.push_back(TxOut{in - need, o.from});  // change
  Amount checked_fee = 0;
  if (auto err = chain.check_tx_after(tx, queue, &checked_fee)) {
    std::cerr << "powlab send: error: the transaction is invalid: " << to_string(err->reason) << ": " << err->detail << '\n';
    return kExitInvalid;
  }
  file.mempool.push_back(tx);
  if (stamp_file(o.chain) != disk) {
    std::cerr << "powlab send: error: " << o.chain << " changed while this transfer was prepared (a miner saved a block?); "
              << "nothing was queued, run the command again\n";
    return kExitInvalid;
  }
  try {
    save_chain_file(o.chain, file);
  } catch (const StoreError& e) {
    std::cerr << "powlab send: error: " << e.what() << '\n';
    return kExitUsage;
  }

  const Hash256 id = tx.txid();
  if (o.json) {
    nlohmann::json j = {{"txid", hash_to_display(id)},
                {"from", o.from},
                {"to", o.to},
                {"amount", amount},
                {"fee", checked_fee},
                {"inputs", tx.inputs.size()},
                {"change", in - need},
                {"amount_unit", kAmountUnit},
                {"queued", file.mempool.size()}};
    if (branch) j["parent"] = hash_to_display(branch->tip_hash());
    print_json(j);
  } else {
    std::cout << "queued " << hash_to_display(id) << ": " << o.from << " -> " << o.to << " " << format_coins(amount)
              << " (fee " << format_coins(checked_fee) << ", " << count_noun(tx.inputs.size(), "input");
    if (in > need) std::cout << ", change " << format_coins(in - need) << " back to " << o.from;
    std::cout << ")\n";
    if (branch) {
      std::cout << "checked against the coins of the branch ending at height " << branch->height() << " ("
                << hash_to_display(branch->tip_hash()) << "); `powlab mine --chain " << o.chain << " --parent "
                << *o.parent << "` includes it there\n";
    } else {
      std::cout << count_noun(file.mempool.size(), "transaction") << " queued; the next `powlab mine --chain " << o.chain
                << "` includes " << (file.mempool.size() == 1 ? "it" : "them") << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

void add_send(CLI::App& app, Registry& registry) {
  auto o = std::make_shared<SendOptions>();
  CLI::App* sub = app.add_subcommand(
      "send", "queue a transfer in a chain file (plain owner names, no signatures: a teaching ledger)");
  sub->add_option("--chain", o->chain, "chain file")->required();
  sub->add_option("--from", o->from, "payer (an owner name)")->required();
  sub->add_option("--to", o->to, "payee (an owner name)")->required();
  sub->add_option("--amount", o->amount, "coins, e.g. 12.5 (up to 8 decimals)")->required()->type_name("NUM");
  sub->add_option("--fee", o->fee, "fee in coins for the miner (default 0.0001)")->type_name("NUM");
  sub->add_option("--parent", o->parent,
                  "spend the coins of the branch ending at this block, not the best tip's: a best-chain height or a "
                  "block hash (side branches too); mine it with `mine --parent`")
      ->type_name("BLOCK");
  sub->add_flag("--json", o->json, "print a JSON object (amounts are integers in units of 1e-8 coin)");
  registry.push_back({sub, [o] { return run(*o); }});
}

}  // namespace powlab::cli
