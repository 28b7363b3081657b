// The durable chain file.
//
// Layout (integers little-endian):
//   magic      8 bytes  "POWLABCH"
//   version    u32      2 (a later version is refused, never parsed "best effort"; version 1,
//                       without the coinbase maturity, loads with maturity 0)
//   length     u64      bytes of payload that follow
//   payload    length bytes:
//                network: name, spacing, timespan, halving interval, subsidy, initial nBits,
//                         powLimit nBits, u64 coinbase maturity (version 2)
//                u32 block count, then per block: u32 size, Block::serialize() bytes,
//                         u8 proof kind (0 real, 1 simulated) [+ id[32] when simulated]
//                u32 mempool count, then per tx: u32 size, Transaction::serialize() bytes
//   checksum   32 bytes sha256d(payload)
// Blocks are stored in the order first seen (so tie-breaks replay identically) and include
// stale side branches. Nothing stored says "valid": loading re-validates every block.
//
// Saving is atomic (Bitcoin Core addrdb SerializeFileDB): write FILE.tmp.<pid>.<random>,
// fsync it, rename it over FILE, fsync the directory. On any error the temporary is removed,
// FILE is untouched, and the error names the step and errno. Stale *.tmp.* files left by a
// killed process are ignored by load (never read) and removed by the next save.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "powlab/ledger/block.h"
#include "powlab/ledger/branch.h"
#include "powlab/ledger/chain.h"
#include "powlab/consensus/params.h"

namespace powlab {

inline constexpr char kChainMagic[8] = {'P', 'O', 'W', 'L', 'A', 'B', 'C', 'H'};
inline constexpr std::uint32_t kChainFileVersion = 2;

// A save that failed (I/O): the message names the file, the step and strerror(errno).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ChainFile {
  ConsensusParams params;
  std::vector<BlockPtr> blocks;          // order first seen
  std::vector<Transaction> mempool;      // queued by `powlab send`, mined by the next block
};

std::vector<std::uint8_t> encode_chain_file(const ChainFile& file);
// Throws ParseError with a precise reason: empty file, wrong magic, future version,
// truncated (with the byte offset), length field larger than the file, checksum mismatch,
// a count larger than the bytes that remain, trailing bytes.
ChainFile decode_chain_file(std::span<const std::uint8_t> bytes);

// Atomic save (see above). Throws StoreError.
void save_chain_file(const std::string& path, const ChainFile& file);
// Reads and decodes. Throws ParseError (unreadable or malformed file).
ChainFile read_chain_file(const std::string& path);

// The file's blocks replayed, in order, into a fresh ChainState: full re-validation.
struct LoadReport {
  std::unique_ptr<ChainState> chain;
  // The first block refused, if any: its index in the file, height (when its parent is
  // known), hash, the reason; and every later block that was refused with it (descendants
  // of the bad block: the broken links).
  struct Failure {
    std::size_t index = 0;
    std::optional<std::int64_t> height;
    Hash256 hash{};
    AcceptResult result;
  };
  std::vector<Failure> failures;
  std::size_t orphans_left = 0;  // blocks whose parent never appeared
  // Every reorg the replay performed, in file order, with the transactions that conflict
  // across it (`chain show` prints them: a double spend by hand, see branch.h).
  std::vector<ReorgRecord> reorgs;
  bool valid() const { return failures.empty() && orphans_left == 0; }
};
LoadReport replay_chain(const ChainFile& file, const ChainOptions& options = {});

// "height 7 (block 0000ab...): bad-txnmrklroot: header commits to ..." for people.
std::string describe(const LoadReport::Failure& f);

// Which version of a file is on disk: device, inode, size and modification time (ns), or
// absent. A save replaces the inode, so any save by another process changes the stamp:
// compare before saving to never overwrite a change made since the file was read.
struct FileStamp {
  bool exists = false;
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};
FileStamp stamp_file(const std::string& path);

// Before saving over a chain file it read (or last wrote) at `loaded`: did another process
// change it since, and if so, are its blocks still the ones this process holds? `ours` is this
// process's blocks in first-seen order, without the ones it has not saved yet. A file that is
// gone counts as unchanged (saving recreates it). Call it under a DirLock. Throws ParseError
// when the changed file cannot be read.
enum class ChainFileChange {
  unchanged,     // save over it
  same_blocks,   // another process saved the same blocks (e.g. `powlab send` queued a
                 // transaction): keep its mempool, then save
  other_blocks,  // never overwrite it: blocks this process did not load would be lost
};
struct ChainFileCheck {
  ChainFileChange change = ChainFileChange::unchanged;
  ChainFile theirs;  // the file as it is now, read when it changed
};
ChainFileCheck check_chain_file(const std::string& path, const FileStamp& loaded, std::span<const BlockPtr> ours);

// An exclusive advisory lock (flock) on the directory holding `path`, held for the lifetime
// of the object: powlab processes take it around each read-check-save of a chain file, so a
// `powlab send` and a running `powlab mine` never interleave. The directory, not the file, is
// locked because a save replaces the file's inode. The kernel drops it when the process
// dies (kill -9 included); nothing is left on disk. Throws StoreError if the directory
// cannot be opened.
class DirLock {
 public:
  explicit DirLock(const std::string& path);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

// read_chain_file + replay_chain.
LoadReport load_chain_file(const std::string& path, const ChainOptions& options = {});

// Fault injection for tests: called before each step of save_chain_file with its name
// ("open", "write", "fsync", "close", "rename", "fsync-dir") and the temp path. Returning a
// non-zero errno makes that step fail with it. Also honoured: the environment variable
// POWLAB_SAVE_PAUSE_MS pauses after half the bytes are written (so a test can kill -9 the
// process mid-save). Not thread-safe; tests only.
using SaveFaultHook = std::function<int(std::string_view step, const std::string& temp_path)>;
void set_save_fault_hook(SaveFaultHook hook);

}  // namespace powlab
