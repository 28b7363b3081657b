#include "powlab/ledger/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "powlab/util/file.h"
#include "powlab/util/error.h"
#include "powlab/consensus/network.h"
#include "powlab/sha256.h"
#include "tx_io.h"

namespace powlab {

namespace {

constexpr std::size_t kPreamble = 8 + 4 + 8;  // magic, version, length
constexpr std::size_t kChecksum = 32;
// A chain file this big is not one powlab wrote: refuse before reading or allocating.
constexpr std::uint64_t kMaxPayload = std::uint64_t{1} << 32;
// The largest file the format allows: preamble, the largest payload, checksum. A file is
// size-checked against it before a byte is read (read_file), and never read past it.
constexpr std::uint64_t kMaxChainFile = kPreamble + kMaxPayload + kChecksum;

SaveFaultHook& fault_hook() {
  static SaveFaultHook hook;
  return hook;
}

void encode_params(std::vector<std::uint8_t>& out, const ConsensusParams& p) {
  io::put_u8(out, static_cast<std::uint8_t>(p.name.size()));
  out.insert(out.end(), p.name.begin(), p.name.end());
  io::put_u64(out, static_cast<std::uint64_t>(p.target_spacing));
  io::put_u64(out, static_cast<std::uint64_t>(p.target_timespan));
  io::put_u64(out, static_cast<std::uint64_t>(p.halving_interval));
  io::put_u64(out, static_cast<std::uint64_t>(p.initial_subsidy));
  io::put_u32(out, p.initial_bits);
  io::put_u32(out, p.pow_limit_bits);
  io::put_u64(out, static_cast<std::uint64_t>(p.coinbase_maturity));  // since version 2
}

// Version 1 files predate coinbase maturity: they load with maturity 0, the rule they were
// made under, so a chain that was valid stays valid (and is saved again as version 2 with 0).
ConsensusParams decode_params(io::Reader& r, std::uint32_t version) {
  const std::uint8_t len = r.u8("network name length");
  auto name_bytes = r.bytes(len, "network name");
  const std::string name(name_bytes.begin(), name_bytes.end());
  const auto spacing = static_cast<std::int64_t>(r.u64("block interval"));
  const auto timespan = static_cast<std::int64_t>(r.u64("retarget timespan"));
  const auto halving = static_cast<std::int64_t>(r.u64("halving interval"));
  const auto subsidy = static_cast<std::int64_t>(r.u64("initial subsidy"));
  const std::uint32_t initial_bits = r.u32("initial nBits");
  const std::uint32_t pow_limit_bits = r.u32("powLimit nBits");
  const auto maturity = version >= 2 ? static_cast<std::int64_t>(r.u64("coinbase maturity")) : 0;
  if (name == "mainnet") {
    ConsensusParams m = mainnet();
    if (spacing != m.target_spacing || timespan != m.target_timespan || halving != m.halving_interval ||
        subsidy != m.initial_subsidy || initial_bits != m.initial_bits || pow_limit_bits != m.pow_limit_bits ||
        (version >= 2 && maturity != m.coinbase_maturity)) {
      throw ParseError("the file says network mainnet but its parameters are not mainnet's");
    }
    if (version < 2) m.coinbase_maturity = 0;
    return m;
  }
  if (name != "lab") throw ParseError("unknown network '" + name + "' in the chain file (known: mainnet, lab)");
  if (spacing <= 0 || timespan <= 0 || timespan % spacing != 0) {
    throw ParseError("lab network parameters are inconsistent: interval " + std::to_string(spacing) +
                     " s, timespan " + std::to_string(timespan) + " s");
  }
  LabOptions o;
  o.spacing = spacing;
  o.retarget_interval = timespan / spacing;
  o.halving_interval = halving;
  o.initial_bits = initial_bits;
  o.pow_limit_bits = pow_limit_bits;
  o.coinbase_maturity = maturity;
  ConsensusParams p;
  try {
    p = lab_network(o);
  } catch (const std::invalid_argument& e) {
    throw ParseError(std::string("lab network parameters in the file are invalid: ") + e.what());
  }
  if (subsidy != p.initial_subsidy) throw ParseError("lab network subsidy in the file is not 50 coins");
  return p;
}

std::string errno_text(int err) { return std::strerror(err); }

int hook(std::string_view step, const std::string& temp) {
  return fault_hook() ? fault_hook()(step, temp) : 0;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Removes FILE.tmp.<pid>.<x> left by a process that no longer runs (a kill -9 mid-save).
void remove_stale_temps(const std::string& path) {
  const std::string dir = parent_dir(path);
  const std::string prefix = base_name(path) + ".tmp.";
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (!name.starts_with(prefix)) continue;
    const std::string rest = name.substr(prefix.size());
    const long pid = std::strtol(rest.c_str(), nullptr, 10);
    if (pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)) continue;  // its writer may live
    unlink((dir + "/" + name).c_str());
  }
  closedir(d);
}

}  // namespace

void set_save_fault_hook(SaveFaultHook h) { fault_hook() = std::move(h); }

std::vector<std::uint8_t> encode_chain_file(const ChainFile& file) {
  std::vector<std::uint8_t> payload;
  encode_params(payload, file.params);
  io::put_u32(payload, static_cast<std::uint32_t>(file.blocks.size()));
  std::vector<std::uint8_t> buf;
  for (const BlockPtr& b : file.blocks) {
    buf.clear();
    b->serialize_to(buf);
    io::put_u32(payload, static_cast<std::uint32_t>(buf.size()));
    io::put_bytes(payload, buf);
    const bool sim = b->proof() == ProofKind::simulated;
    io::put_u8(payload, sim ? 1 : 0);
    if (sim) io::put_bytes(payload, b->hash());
  }
  io::put_u32(payload, static_cast<std::uint32_t>(file.mempool.size()));
  for (const Transaction& tx : file.mempool) {
    buf.clear();
    tx.serialize_to(buf);
    io::put_u32(payload, static_cast<std::uint32_t>(buf.size()));
    io::put_bytes(payload, buf);
  }
  std::vector<std::uint8_t> out;
  out.reserve(kPreamble + payload.size() + kChecksum);
  for (char c : kChainMagic) io::put_u8(out, static_cast<std::uint8_t>(c));
  io::put_u32(out, kChainFileVersion);
  io::put_u64(out, payload.size());
  io::put_bytes(out, payload);
  io::put_bytes(out, sha256d(payload));
  return out;
}

ChainFile decode_chain_file(std::span<const std::uint8_t> bytes) {
  const std::size_t size = bytes.size();
  if (size == 0) throw ParseError("empty file (0 bytes): not a powlab chain file");
  const std::size_t m = std::min<std::size_t>(size, 8);
  if (std::memcmp(bytes.data(), kChainMagic, m) != 0) {
    throw ParseError("wrong magic: not a powlab chain file (expected it to start with \"POWLABCH\")");
  }
  if (size < kPreamble) {
    throw ParseError("truncated: " + std::to_string(size) + " bytes, shorter than the " + std::to_string(kPreamble) +
                     "-byte preamble (magic, version, length)");
  }
  io::Reader pre(bytes, 8);
  const std::uint32_t version = pre.u32("version");
  if (version > kChainFileVersion) {
    throw ParseError("chain file format version " + std::to_string(version) + " is newer than this powlab reads (" +
                     std::to_string(kChainFileVersion) + "); refusing to guess");
  }
  if (version == 0) throw ParseError("chain file format version 0 does not exist");
  const std::uint64_t length = pre.u64("length");
  if (length > kMaxPayload) {
    throw ParseError("bad length field: " + std::to_string(length) + " payload bytes is more than powlab ever writes (" +
                     std::to_string(kMaxPayload) + "); the file is damaged or hostile");
  }
  const std::uint64_t needed = kPreamble + length + kChecksum;
  if (size < needed) {
    throw ParseError("truncated: the length field says " + std::to_string(needed) + " bytes in all, the file has " +
                     std::to_string(size));
  }
  if (size > needed) {
    throw ParseError("trailing data: " + std::to_string(size - needed) + " bytes after the checksum at offset " +
                     std::to_string(needed));
  }
  const auto payload = bytes.subspan(kPreamble, static_cast<std::size_t>(length));
  const Hash256 want = sha256d(payload);
  if (!std::equal(want.begin(), want.end(), bytes.begin() + static_cast<std::ptrdiff_t>(kPreamble + length))) {
    throw ParseError("checksum mismatch: the file was corrupted or edited (sha256d of the payload does not match "
                     "the stored checksum)");
  }

  // The payload is what powlab wrote; parse it with every read bounded all the same.
  ChainFile file;
  io::Reader r(payload, 0);
  auto where = [&](const std::string& what) { return what + " at payload offset " + std::to_string(r.pos()); };
  file.params = decode_params(r, version);
  const std::uint32_t n_blocks = r.count("block count", 4 + kHeaderSize + 4 + 1);
  file.blocks.reserve(n_blocks);
  for (std::uint32_t i = 0; i < n_blocks; ++i) {
    const std::uint32_t len = r.u32("block size");
    const std::size_t start = r.pos();
    auto raw = r.bytes(len, "block");
    std::size_t off = 0;
    BlockPtr b;
    try {
      b = Block::parse(raw, off);
    } catch (const ParseError& e) {
      throw ParseError("block " + std::to_string(i) + " (payload offset " + std::to_string(start) + "): " + e.what());
    }
    if (off != raw.size()) throw ParseError(where("block " + std::to_string(i) + " has trailing bytes"));
    const std::uint8_t kind = r.u8("proof kind");
    if (kind == 1) {
      auto id = r.bytes(32, "simulated block id");
      Hash256 h;
      std::copy(id.begin(), id.end(), h.begin());
      b = Block::make_simulated(b->header(), b->txs(), h);
    } else if (kind != 0) {
      throw ParseError(where("unknown proof kind " + std::to_string(kind)));
    }
    file.blocks.push_back(std::move(b));
  }
  const std::uint32_t n_tx = r.count("mempool count", 4 + 21);
  for (std::uint32_t i = 0; i < n_tx; ++i) {
    const std::uint32_t len = r.u32("transaction size");
    auto raw = r.bytes(len, "transaction");
    std::size_t off = 0;
    file.mempool.push_back(Transaction::parse(raw, off));
    if (off != raw.size()) throw ParseError(where("queued transaction " + std::to_string(i) + " has trailing bytes"));
  }
  if (r.left() != 0) throw ParseError(where(std::to_string(r.left()) + " unexpected bytes after the mempool"));
  return file;
}

void save_chain_file(const std::string& path, const ChainFile& file) {
  const std::vector<std::uint8_t> bytes = encode_chain_file(file);
  remove_stale_temps(path);
  std::random_device rd;
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".tmp.%ld.%08x", static_cast<long>(getpid()), rd());
  const std::string temp = path + suffix;
  int fd = -1;
  auto fail = [&](const char* step, int err) {
    if (fd >= 0) close(fd);
    unlink(temp.c_str());
    throw StoreError("cannot save " + path + ": " + step + " failed: " + errno_text(err) + " (" + path +
                     " is unchanged)");
  };
  if (int e = hook("open", temp)) fail("open of the temporary file", e);
  fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int e = errno;
    throw StoreError("cannot save " + path + ": cannot create " + temp + ": " + errno_text(e) + " (" + path +
                     " is unchanged)");
  }
  // Optional pause half way through (tests kill -9 the process there).
  long pause_ms = 0;
  if (const char* p = std::getenv("POWLAB_SAVE_PAUSE_MS")) pause_ms = std::strtol(p, nullptr, 10);
  std::size_t done = 0;
  const std::size_t half = bytes.size() / 2;
  bool paused = false;
  while (done < bytes.size()) {
    if (int e = hook("write", temp)) fail("write", e);
    std::size_t chunk = bytes.size() - done;
    if (pause_ms > 0 && !paused) chunk = std::max<std::size_t>(1, half - std::min(half, done));
    const ssize_t n = write(fd, bytes.data() + done, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", errno);
    }
    if (n == 0) fail("write", EIO);
    done += static_cast<std::size_t>(n);
    if (pause_ms > 0 && !paused && done >= half) {
      paused = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
  }
  if (int e = hook("fsync", temp)) fail("fsync", e);
  if (fsync(fd) != 0) fail("fsync", errno);
  if (int e = hook("close", temp)) fail("close", e);
  const int c = close(fd);
  fd = -1;
  if (c != 0) fail("close", errno);
  if (int e = hook("rename", temp)) fail("rename", e);
  if (rename(temp.c_str(), path.c_str()) != 0) fail("rename", errno);
  // The new file is in place; make the rename itself durable.
  const std::string dir = parent_dir(path);
  int e = hook("fsync-dir", temp);
  int dfd = -1;
  if (e == 0) {
    dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) e = errno;
  }
  if (e == 0 && fsync(dfd) != 0) e = errno;
  if (dfd >= 0) close(dfd);
  if (e != 0) {
    throw StoreError("saved " + path + ", but fsync of directory " + dir + " failed: " + errno_text(e) +
                     " (the new file is complete; a power loss now could bring back the previous one)");
  }
}

ChainFile read_chain_file(const std::string& path) {
  // A directory, FIFO, device or oversize file is refused here, each with its own message.
  const std::string data = read_file(path, kMaxChainFile, "a chain file");
  try {
    return decode_chain_file(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
  } catch (const ParseError& e) {
    throw ParseError(path + ": " + e.what());
  }
}

namespace {

// The blocks a reorg moved, read back from the tree: the old best chain from its tip down to
// the fork (the blocks are still in the file, now stale), and the new one from block_at.
// `by_hash` is filled on the first reorg only: a file without reorgs pays nothing.
void record_reorg(LoadReport& report, const ChainFile& file, std::size_t index, const Hash256& old_tip,
                  const AcceptResult& r, std::unordered_map<Hash256, BlockPtr, Hash256Hasher>& by_hash) {
  if (by_hash.empty()) {
    for (const BlockPtr& b : file.blocks) by_hash.emplace(b->hash(), b);
  }
  const ChainState& chain = *report.chain;
  ReorgRecord rec;
  rec.index = index;
  rec.fork_height = r.fork_height;
  Hash256 at = old_tip;
  for (std::uint32_t k = 0; k < r.disconnected; ++k) {
    const auto it = by_hash.find(at);
    if (it == by_hash.end()) break;  // cannot happen: every block in the tree came from the file
    rec.disconnected.push_back(it->second);
    at = it->second->header().prev_hash;
  }
  std::reverse(rec.disconnected.begin(), rec.disconnected.end());
  for (std::int64_t h = r.fork_height + 1; h <= chain.height(); ++h) rec.connected.push_back(chain.block_at(h));
  rec.conflicts = conflicting_spends(rec.disconnected, rec.connected);
  report.reorgs.push_back(std::move(rec));
}

}  // namespace

LoadReport replay_chain(const ChainFile& file, const ChainOptions& options) {
  LoadReport report;
  std::unordered_map<Hash256, BlockPtr, Hash256Hasher> reorg_index;
  ChainOptions o = options;
  o.max_orphans = 0;  // the file is in arrival order: a block whose parent is absent is refused
  report.chain = std::make_unique<ChainState>(file.params, o);
  std::unordered_set<Hash256, Hash256Hasher> refused;
  std::unordered_map<Hash256, std::int64_t, Hash256Hasher> refused_height;
  for (std::size_t i = 0; i < file.blocks.size(); ++i) {
    const BlockPtr& b = file.blocks[i];
    const Hash256& prev = b->header().prev_hash;
    LoadReport::Failure f;
    f.index = i;
    f.hash = b->hash();
    if (auto info = report.chain->info(prev)) f.height = info->height + 1;
    if (b->header().prev_hash == Hash256{}) f.height = 0;
    // Parent unknown: the height its coinbase claims is still the best guide for people.
    if (!f.height && !b->txs().empty() && b->txs()[0].is_coinbase()) f.height = b->txs()[0].coinbase_height;
    if (refused.count(prev)) {
      // The link to a refused block: everything after a bad block fails with it.
      const auto it = refused_height.find(prev);
      if (it != refused_height.end() && it->second >= 0) f.height = it->second + 1;
      f.result.status = AcceptStatus::invalid;
      f.result.reason = BlockReject::parent_invalid;  // Core's bad-prevblk
      f.result.detail = "its parent " + hash_to_display(prev) + " was refused";
      refused.insert(b->hash());
      refused_height[b->hash()] = f.height.value_or(-1);
      report.failures.push_back(std::move(f));
      continue;
    }
    const Hash256 old_tip = report.chain->empty() ? Hash256{} : report.chain->tip_hash();
    AcceptResult r = report.chain->accept(b);
    if (r.status == AcceptStatus::new_tip && r.reorg()) record_reorg(report, file, i, old_tip, r, reorg_index);
    if (r.status == AcceptStatus::duplicate) {
      f.result = r;
      f.result.status = AcceptStatus::invalid;
      f.result.detail = "the block appears twice in the file";
      report.failures.push_back(std::move(f));
      continue;
    }
    if (r.status == AcceptStatus::invalid) {
      f.result = std::move(r);
      refused.insert(b->hash());
      refused_height[b->hash()] = f.height.value_or(-1);
      report.failures.push_back(std::move(f));
    }
  }
  report.orphans_left = report.chain->orphan_count();

  // Side branches: the chain state checks a stale block's transactions only if its branch
  // ever becomes best. A file is verified in full, so replay each side branch on its own
  // (the path from genesis to each side leaf) and report any block that fails there.
  const ChainState& c = *report.chain;
  std::unordered_map<Hash256, BlockPtr, Hash256Hasher> by_hash;
  std::unordered_set<Hash256, Hash256Hasher> has_side_child;
  std::vector<BlockPtr> side;
  for (const BlockPtr& b : file.blocks) {
    if (!c.contains(b->hash()) || c.on_best_chain(b->hash())) continue;
    by_hash[b->hash()] = b;
    side.push_back(b);
  }
  for (const BlockPtr& b : side) has_side_child.insert(b->header().prev_hash);
  for (const BlockPtr& leaf : side) {
    if (has_side_child.count(leaf->hash())) continue;
    std::vector<BlockPtr> path;  // leaf back to the best chain, then the best chain below it
    for (BlockPtr b = leaf; b;) {
      path.push_back(b);
      auto it = by_hash.find(b->header().prev_hash);
      b = it == by_hash.end() ? nullptr : it->second;
    }
    const auto fork = c.info(path.back()->header().prev_hash);
    if (!fork) continue;
    for (std::int64_t h = fork->height; h >= 0; --h) path.push_back(c.block_at(h));
    ChainState alone(file.params, o);
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      AcceptResult r = alone.accept(*it);
      if (r.status != AcceptStatus::invalid) continue;
      LoadReport::Failure f;
      f.index = static_cast<std::size_t>(
          std::find(file.blocks.begin(), file.blocks.end(), *it) - file.blocks.begin());
      f.hash = (*it)->hash();
      f.height = alone.height() + 1;
      f.result = std::move(r);
      f.result.detail = "on a side branch: " + f.result.detail;
      const bool seen = std::any_of(report.failures.begin(), report.failures.end(),
                                    [&](const LoadReport::Failure& g) { return g.hash == f.hash; });
      if (!seen) report.failures.push_back(std::move(f));
      break;
    }
  }
  return report;
}

std::string describe(const LoadReport::Failure& f) {
  std::string s = f.height ? "height " + std::to_string(*f.height) : "file block " + std::to_string(f.index);
  s += " (block " + hash_to_display(f.hash) + "): " + std::string(to_string(f.result.reason));
  if (f.result.tx_error) s += " (" + std::string(to_string(f.result.tx_error->reason)) + ")";
  return s + ": " + f.result.detail;
}

DirLock::DirLock(const std::string& path) {
  const std::string dir = parent_dir(path);
  fd_ = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    const int e = errno;
    throw StoreError("cannot open directory " + dir + " to lock it: " + errno_text(e));
  }
  while (flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int e = errno;
    close(fd_);
    fd_ = -1;
    throw StoreError("cannot lock directory " + dir + ": " + errno_text(e));
  }
}

DirLock::~DirLock() {
  if (fd_ >= 0) close(fd_);  // closing the descriptor releases the flock
}

FileStamp stamp_file(const std::string& path) {
  struct stat st {};
  FileStamp f;
  if (stat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.dev = static_cast<std::uint64_t>(st.st_dev);
  f.ino = static_cast<std::uint64_t>(st.st_ino);
  f.size = static_cast<std::uint64_t>(st.st_size);
  f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return f;
}

ChainFileCheck check_chain_file(const std::string& path, const FileStamp& loaded, std::span<const BlockPtr> ours) {
  ChainFileCheck out;
  const FileStamp now = stamp_file(path);
  if (!now.exists || now == loaded) return out;
  out.theirs = read_chain_file(path);
  const bool same = std::equal(ours.begin(), ours.end(), out.theirs.blocks.begin(), out.theirs.blocks.end(),
                               [](const BlockPtr& a, const BlockPtr& b) { return a->hash() == b->hash(); });
  out.change = same ? ChainFileChange::same_blocks : ChainFileChange::other_blocks;
  return out;
}

LoadReport load_chain_file(const std::string& path, const ChainOptions& options) {
  return replay_chain(read_chain_file(path), options);
}

}  // namespace powlab
