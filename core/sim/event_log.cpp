#include "powlab/sim/event_log.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "powlab/util/error.h"

namespace powlab::sim {

namespace {

// Display order (byte-reversed), as block explorers and `powlab header` print hashes.
void append_display_hex(std::string& out, const Hash256& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = h.size(); i-- > 0;) {
    out.push_back(kDigits[h[i] >> 4]);
    out.push_back(kDigits[h[i] & 15]);
  }
}

}  // namespace

std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::found: return "found";
    case EventKind::received: return "received";
    case EventKind::reorg: return "reorg";
    case EventKind::withheld: return "withheld";
    case EventKind::revealed: return "revealed";
  }
  return "?";
}

EventLog::EventLog(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) throw ParseError("cannot write events file " + path + ": " + std::strerror(errno));
  static char header[] = "time,node,kind,height,hash,parent,depth\n";
  std::fputs(header, file_);
}

EventLog::~EventLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void EventLog::write(double time, std::string_view node, EventKind kind, std::int64_t height, const Hash256& hash,
                     const Hash256& parent, std::uint64_t depth) {
  std::string line;
  line.reserve(200);
  char num[64];
  std::snprintf(num, sizeof num, "%.6f,", time);
  line += num;
  line += node;
  line += ',';
  line += to_string(kind);
  std::snprintf(num, sizeof num, ",%lld,", static_cast<long long>(height));
  line += num;
  append_display_hex(line, hash);
  line += ',';
  append_display_hex(line, parent);
  std::snprintf(num, sizeof num, ",%llu\n", static_cast<unsigned long long>(depth));
  line += num;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() && write_errno_ == 0) write_errno_ = errno;
  ++rows_;
}

void EventLog::close() {
  if (file_ == nullptr) return;
  const bool failed = std::ferror(file_) != 0;
  const int rc = std::fclose(file_);
  if (rc != 0 && write_errno_ == 0) write_errno_ = errno;
  file_ = nullptr;
  // Like a file that cannot be opened (exit 2): the output is lost, and the message says why.
  if (failed || rc != 0) {
    throw ParseError("cannot write events file " + path_ + ": " + std::strerror(write_errno_ != 0 ? write_errno_ : EIO));
  }
}

}  // namespace powlab::sim
