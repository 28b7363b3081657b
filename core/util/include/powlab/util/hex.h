// Hex and byte-order helpers. Bitcoin displays hashes byte-reversed relative to the raw
// bytes that are hashed and serialized: these functions keep the two orders apart by name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "powlab/sha256.h"

namespace powlab {

using Hash256 = Digest;  // raw (serialization) byte order

std::string to_hex(std::span<const std::uint8_t> bytes);
// Strict: an even number of hex digits and nothing else. Throws ParseError naming the problem.
std::vector<std::uint8_t> from_hex(std::string_view hex);

// Display order (as block explorers print hashes) <-> raw order.
std::string hash_to_display(const Hash256& raw);
Hash256 hash_from_display(std::string_view hex64);  // throws ParseError unless exactly 64 hex digits

}  // namespace powlab
