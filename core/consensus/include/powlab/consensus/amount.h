// Amounts of coin: integers in the smallest unit (like satoshi), Bitcoin's money range, and
// the two ways powlab writes them. Consensus code never sees a floating-point amount.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace powlab {

using Amount = std::int64_t;
inline constexpr Amount kCoin = 100'000'000;
// Bitcoin's MAX_MONEY (consensus/amount.h): no single amount or sum may exceed it. With it,
// a sum of a block's amounts cannot overflow int64 before the range check catches it.
inline constexpr Amount kMaxMoney = 21'000'000 * kCoin;
inline bool money_range(Amount a) { return a >= 0 && a <= kMaxMoney; }

// Coins as people write them: "12.5" -> 1,250,000,000 units. Up to 8 decimals, no sign, no
// exponent, at most kMaxMoney. Returns the reason for a refusal in `why`.
std::optional<Amount> parse_amount(std::string_view text, std::string* why = nullptr);
// 1,250,000,000 -> "12.5"; 10,000 -> "0.0001"; exact (integers only).
std::string format_amount(Amount a);

// An amount with all eight decimals ("50.00000000"), for reject details and tables.
std::string format_coins_fixed(Amount a);

}  // namespace powlab
