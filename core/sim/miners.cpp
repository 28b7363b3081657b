#include "powlab/sim/miners.h"

#include <cerrno>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "powlab/ledger/tx.h"
#include "powlab/util/error.h"

namespace powlab::sim {

namespace {

void check_power(const std::string& name, double p) {
  if (std::isnan(p)) throw ParseError("miner '" + name + "': power is NaN; it must be a finite number > 0");
  if (std::isinf(p)) throw ParseError("miner '" + name + "': power is infinite; it must be a finite number > 0");
  if (p <= 0) throw ParseError("miner '" + name + "': power must be > 0 (got " + std::to_string(p) + ")");
}

}  // namespace

double parse_number(std::string_view text, std::string_view what) {
  const std::string s(text);
  if (s.empty()) throw ParseError(std::string(what) + ": empty number");
  if (std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    throw ParseError(std::string(what) + ": not a number: '" + s + "'");
  }
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) throw ParseError(std::string(what) + ": not a number: '" + s + "'");
  if (errno == ERANGE && std::isfinite(v) && v != 0) {
    throw ParseError(std::string(what) + ": out of range: '" + s + "'");
  }
  return v;
}

void validate_miners(const std::vector<MinerSpec>& miners) {
  if (miners.empty()) throw ParseError("no miners: give --miners NAME=POWER,... or --nodes N");
  std::unordered_set<std::string> seen;
  for (const MinerSpec& m : miners) {
    // A miner's name is its coinbase's owner: the ledger's rule, with the ledger's message.
    if (auto why = check_owner_name(m.name)) throw ParseError("miner name: " + *why);
    if (!seen.insert(m.name).second) throw ParseError("duplicate miner name '" + m.name + "'");
    check_power(m.name, m.power);
  }
  std::size_t selfish = 0;
  for (const MinerSpec& m : miners) {
    if (m.strategy == Strategy::selfish && ++selfish > 1) {
      throw ParseError("more than one :selfish miner ('" + m.name +
                       "'): the Eyal-Sirer strategy is one pool against honest miners");
    }
  }
  double sum = 0;
  for (const MinerSpec& m : miners) sum += m.power;
  if (!std::isfinite(sum)) throw ParseError("the miners' powers sum to infinity; use smaller numbers");
}

std::vector<MinerSpec> parse_miners(std::string_view text) {
  std::vector<MinerSpec> out;
  if (text.empty()) throw ParseError("no miners: --miners is empty");
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(pos, comma - pos);
    const std::size_t eq = item.find('=');
    if (item.empty()) throw ParseError("--miners: empty entry (stray comma?) in '" + std::string(text) + "'");
    if (eq == std::string_view::npos) {
      throw ParseError("--miners: '" + std::string(item) + "' is not NAME=POWER");
    }
    MinerSpec m;
    m.name = std::string(item.substr(0, eq));
    std::string_view power = item.substr(eq + 1);
    if (const std::size_t colon = power.find(':'); colon != std::string_view::npos) {
      const std::string_view strategy = power.substr(colon + 1);
      if (strategy == "selfish") {
        m.strategy = Strategy::selfish;
      } else if (strategy != "honest") {
        throw ParseError("--miners: unknown strategy '" + std::string(strategy) + "' for miner '" + m.name +
                         "' (use :honest or :selfish)");
      }
      power = power.substr(0, colon);
    }
    m.power = parse_number(power, "power of miner '" + m.name + "'");
    out.push_back(std::move(m));
    pos = comma + 1;
  }
  validate_miners(out);
  return out;
}

std::vector<MinerSpec> miners_from_distribution(std::size_t count, std::string_view dist) {
  if (count == 0) throw ParseError("no miners: --nodes must be at least 1");
  double exponent = 0;
  if (dist == "equal") {
    exponent = 0;
  } else if (dist.starts_with("zipf:")) {
    exponent = parse_number(dist.substr(5), "zipf exponent");
    if (!std::isfinite(exponent) || exponent < 0) {
      throw ParseError("zipf exponent must be a finite number >= 0 (got '" + std::string(dist.substr(5)) + "')");
    }
  } else {
    throw ParseError("unknown power distribution '" + std::string(dist) + "' (use equal or zipf:S)");
  }
  std::vector<MinerSpec> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    char name[24];  // snprintf, not "n" + std::to_string: g++ 12 warns falsely (-Wrestrict)
    std::snprintf(name, sizeof name, "n%zu", i + 1);
    out[i].name = name;
    out[i].power = std::pow(static_cast<double>(i + 1), -exponent);
  }
  validate_miners(out);  // a huge exponent underflows a power to 0: refused, not divided by
  return out;
}

std::string_view to_string(Strategy s) { return s == Strategy::selfish ? "selfish" : "honest"; }

std::optional<std::size_t> selfish_miner(const std::vector<MinerSpec>& miners) {
  for (std::size_t i = 0; i < miners.size(); ++i) {
    if (miners[i].strategy == Strategy::selfish) return i;
  }
  return std::nullopt;
}

std::vector<double> hash_shares(const std::vector<MinerSpec>& miners) {
  double sum = 0;
  for (const MinerSpec& m : miners) sum += m.power;
  std::vector<double> shares;
  shares.reserve(miners.size());
  for (const MinerSpec& m : miners) shares.push_back(m.power / sum);
  return shares;
}

}  // namespace powlab::sim
