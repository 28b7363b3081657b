// Private: little-endian writers and a bounds-checked reader for the ledger's serializations
// (tx, block, chain file). Every read checks the bytes left first and throws ParseError
// naming what was being read and the offset, so a truncated or hostile input is refused
// before anything is allocated from a count it claims.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "powlab/util/endian.h"
#include "powlab/util/error.h"

namespace powlab::io {

inline void put_u8(std::vector<std::uint8_t>& out, std::uint8_t v) { out.push_back(v); }
inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  std::uint8_t b[4];
  put_le32(b, v);
  out.insert(out.end(), b, b + 4);
}
inline void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  std::uint8_t b[8];
  put_le64(b, v);
  out.insert(out.end(), b, b + 8);
}
inline void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}

class Reader {
 public:
  Reader(std::span<const std::uint8_t> data, std::size_t offset) : data_(data), pos_(offset) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return data_.size() - pos_; }
  void need(std::size_t n, const char* what) const {
    if (left() < n) {
      throw ParseError(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes at offset " +
                       std::to_string(pos_) + ", only " + std::to_string(left()) + " left");
    }
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return data_[pos_++];
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    const std::uint32_t v = get_le32(data_.data() + pos_);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    const std::uint64_t v = get_le64(data_.data() + pos_);
    pos_ += 8;
    return v;
  }
  std::span<const std::uint8_t> bytes(std::size_t n, const char* what) {
    need(n, what);
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  // A count of items each at least `min_item_size` bytes: refused when the bytes left could
  // not hold that many (a hostile count never reaches reserve()).
  std::uint32_t count(const char* what, std::size_t min_item_size) {
    const std::size_t at = pos_;
    const std::uint32_t n = u32(what);
    if (min_item_size > 0 && n > left() / min_item_size) {
      throw ParseError(std::string("bad length: ") + what + " " + std::to_string(n) + " at offset " +
                       std::to_string(at) + " is more than the " + std::to_string(left()) + " bytes left can hold");
    }
    return n;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_;
};

}  // namespace powlab::io
