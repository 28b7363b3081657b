#include "powlab/consensus/amount.h"

#include <cstdio>

namespace powlab {

std::optional<Amount> parse_amount(std::string_view text, std::string* why) {
  auto refuse = [&](std::string msg) -> std::optional<Amount> {
    if (why) *why = std::move(msg);
    return std::nullopt;
  };
  const std::string shown(text.substr(0, 40));
  if (text.empty()) return refuse("amount is empty");
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789") == std::string_view::npos; };
  if (!digits(whole) || !digits(frac) || (whole.empty() && frac.empty()) ||
      (dot != std::string_view::npos && frac.empty())) {
    return refuse("amount '" + shown + "' is not a plain decimal number of coins (e.g. 12.5)");
  }
  if (frac.size() > 8) return refuse("amount '" + shown + "' has more than 8 decimals (1 unit = 0.00000001)");
  if (whole.size() > 8) return refuse("amount '" + shown + "' is more than the 21,000,000 coins that can exist");
  Amount units = 0;
  for (char c : whole) units = units * 10 + (c - '0');
  units *= kCoin;
  Amount f = 0;
  for (std::size_t i = 0; i < 8; ++i) f = f * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  units += f;
  if (units > kMaxMoney) return refuse("amount '" + shown + "' is more than the 21,000,000 coins that can exist");
  return units;
}

std::string format_amount(Amount a) {
  const bool neg = a < 0;
  const std::uint64_t v = neg ? 0 - static_cast<std::uint64_t>(a) : static_cast<std::uint64_t>(a);
  std::string s = std::to_string(v / kCoin);
  std::uint64_t frac = v % kCoin;
  if (frac != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08llu", static_cast<unsigned long long>(frac));
    std::string f = buf;
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return neg ? "-" + s : s;
}

std::string format_coins_fixed(Amount a) {
  // 1.5 coins -> "1.50000000"; integers only.
  const bool neg = a < 0;
  const std::uint64_t v = neg ? 0 - static_cast<std::uint64_t>(a) : static_cast<std::uint64_t>(a);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%08llu", neg ? "-" : "", static_cast<unsigned long long>(v / kCoin),
                static_cast<unsigned long long>(v % kCoin));
  return buf;
}

}  // namespace powlab
