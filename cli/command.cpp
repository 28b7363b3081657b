#include "command.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>
#include <ctime>
#include <iostream>

#include "powlab/consensus/amount.h"
#include "powlab/consensus/target.h"

namespace powlab::cli {

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::uint32_t parse_bits(const std::string& text) {
  if (!(text.starts_with("0x") || text.starts_with("0X"))) {
    throw UsageError("nBits must be hex with a 0x prefix, e.g. 0x1d00ffff (got '" + text + "')");
  }
  const std::string digits = text.substr(2);
  if (digits.empty() || digits.size() > 8 || digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    throw UsageError("nBits must be 1 to 8 hex digits after 0x (got '" + text + "')");
  }
  return static_cast<std::uint32_t>(std::stoul(digits, nullptr, 16));
}

std::uint64_t parse_count(const std::string& text, const std::string& what, std::uint64_t max) {
  // Decimal or 0x-hex digits only: no sign, no spaces, no silent wrap (strtoull accepts "-1").
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos) {
    throw UsageError(what + " must be a non-negative integer (got '" + text + "')");
  }
  std::uint64_t v = 0;
  const unsigned base = hex ? 16 : 10;
  for (char c : digits) {
    const unsigned d = c <= '9' ? static_cast<unsigned>(c - '0') : static_cast<unsigned>((c | 0x20) - 'a' + 10);
    if (v > (max - d) / base) throw UsageError(what + " is too large (got '" + text + "', at most " + std::to_string(max) + ")");
    v = v * base + d;
  }
  return v;
}

StopSignals::StopSignals(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << '\n'; }

std::string format_utc(std::int64_t unix_time) {
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string format_big(double value) {
  char buf[64];
  if (value <= 0) return "0";
  std::snprintf(buf, sizeof buf, "%.4g (~2^%.1f)", value, std::log2(value));
  return buf;
}

std::string format_hashrate(double hps) {
  char buf[48];
  if (!std::isfinite(hps) || hps < 0) return "? H/s";
  if (hps >= 1e12) std::snprintf(buf, sizeof buf, "%.2f TH/s", hps / 1e12);
  else if (hps >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GH/s", hps / 1e9);
  else if (hps >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MH/s", hps / 1e6);
  else if (hps >= 1e3) std::snprintf(buf, sizeof buf, "%.2f kH/s", hps / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f H/s", hps);
  return buf;
}

std::string format_coins(std::int64_t units) {
  return format_coins_fixed(units) + (units == kCoin ? " coin" : " coins");
}

std::string count_noun(std::uint64_t n, const std::string& noun, const std::string& plural) {
  return std::to_string(n) + " " + (n == 1 ? noun : (plural.empty() ? noun + "s" : plural));
}

}  // namespace powlab::cli
