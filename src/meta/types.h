// The metadata data model: volumes, inodes, directory entries, file contents (docs/format.md).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/chunk_id.h"

namespace strata::meta {

// An inode number, unique across all volumes of one metadata store.
struct InodeId {
  uint64_t value = 0;
  auto operator<=>(const InodeId&) const = default;
};

enum class FileType : uint8_t { kRegular = 1, kDirectory = 2, kSymlink = 3 };

std::string_view FileTypeName(FileType type);

inline constexpr uint64_t kDefaultChunkSize = 4ULL << 20;  // 4 MiB
inline constexpr uint64_t kMinChunkSize = 64ULL << 10;     // 64 KiB
inline constexpr uint64_t kMaxChunkSize = 64ULL << 20;     // 64 MiB
inline constexpr size_t kMaxKvKeyBytes = 1024;
inline constexpr size_t kMaxNameBytes = 255;
inline constexpr size_t kMaxVolumeNameBytes = 63;
// A file has at most 2^22 chunks: 16 TiB at the default chunk size. Its chunk list (32 bytes a
// chunk, holes included) is then at most 128 MiB in memory while it is written, whatever the
// chunk size; past it, writes and truncates fail with FileTooLarge (EFBIG).
inline constexpr uint64_t kMaxChunksPerFile = uint64_t{1} << 22;
inline constexpr uint64_t MaxFileBytes(uint64_t chunk_size_bytes) {
  return chunk_size_bytes * kMaxChunksPerFile;
}

struct VolumeInfo {
  uint64_t id = 0;
  std::string name;
  InodeId root;
  uint64_t chunk_size_bytes = kDefaultChunkSize;
  int64_t created_ns = 0;
};

struct Attr {
  InodeId ino;
  FileType type = FileType::kRegular;
  uint32_t mode = 0;  // permission bits only (07777); the type is in `type`
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size_bytes = 0;  // files: content length; symlinks: target length; dirs: 0
  uint32_t nlink = 1;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  // Bumped by every content change; lets caches (the mount's page cache, later) tell versions
  // apart.
  uint64_t version = 0;
};

struct DirEntry {
  std::string name;
  Attr attr;
};

// What a new inode starts with.
struct NewNode {
  FileType type = FileType::kRegular;
  uint32_t mode = 0644;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime_ns = 0;        // 0: now
  std::string symlink_target;  // symlinks only

  static NewNode Directory(uint32_t mode) { return {FileType::kDirectory, mode, 0, 0, 0, {}}; }
  static NewNode File(uint32_t mode) { return {FileType::kRegular, mode, 0, 0, 0, {}}; }
  static NewNode Symlink(std::string target) {
    return {FileType::kSymlink, 0777, 0, 0, 0, std::move(target)};
  }
};

// Which attributes SetAttr changes (chmod, chown, utimens); unset fields are kept.
struct AttrChange {
  std::optional<uint32_t> mode;  // permission bits (07777)
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
  std::optional<int64_t> atime_ns;
  std::optional<int64_t> mtime_ns;
};

// renameat2(2)'s flags.
enum class RenameMode {
  kReplace,    // rename(2): replace what is at the destination
  kNoReplace,  // RENAME_NOREPLACE: AlreadyExists if the destination exists
  kExchange,   // RENAME_EXCHANGE: swap two existing names atomically
};

// A regular file's bytes: byte `o` lives in chunks[o / chunk_size].
struct FileContent {
  uint64_t size_bytes = 0;
  std::vector<ChunkId> chunks;
};

// An API token of the server, as kept (the secret itself is not: only its hash).
struct TokenInfo {
  int64_t id = 0;
  std::string volume;  // the one volume (and KV store) it may touch; "" for all
  bool read_only = false;
  int64_t created_ns = 0;
  std::string note;
};

// One key of a KV store. `value` is empty in listings, which give `value_bytes`.
struct KvEntry {
  std::string key;
  std::string value;
  int64_t expires_ns = 0;  // 0: never
  int64_t updated_ns = 0;
  uint64_t value_bytes = 0;
};

// The longest a KV key may be set to live: past it, now + ttl would overflow int64 nanoseconds
// (about 292 years) and the key expire at once (review L2).
inline constexpr int64_t kMaxKvTtlNanos = int64_t{3650} * 24 * 3600 * 1000000000;
// The expiry of a key set now with `ttl` ("90s", "15m", "1h", "30d"): now_ns + ttl, or
// InvalidArgument for a ttl that is not a duration, not positive, or over kMaxKvTtlNanos.
Result<int64_t> KvExpiry(std::string_view ttl, int64_t now_ns);

// A resumable upload session: parts arrive in any order, each stored as chunks (a part is a
// whole number of chunks, but the last), until the session is completed into a file.
struct UploadInfo {
  std::string id;
  uint64_t volume_id = 0;
  std::string path;  // the file it becomes, in its volume
  uint64_t part_size = 0;
  int64_t created_ns = 0;
  int64_t expires_ns = 0;
};

struct UploadPart {
  uint32_t number = 0;  // from 0
  uint64_t size_bytes = 0;
  std::string sha256;  // hex, of the part's bytes
  std::vector<ChunkId> chunks;
};

// One reference from a file to a chunk, with the length the chunk must have there.
struct ChunkRef {
  ChunkId id;
  uint64_t length_bytes = 0;
  InodeId ino;  // a file that references it (the first one found)
};

// Length of chunk `index` of a file of `size_bytes` cut at `chunk_size_bytes`.
uint64_t ChunkLength(uint64_t size_bytes, uint64_t chunk_size_bytes, size_t index);
// How many chunks such a file has.
size_t ChunkCount(uint64_t size_bytes, uint64_t chunk_size_bytes);

// InvalidArgument unless `size_bytes` needs exactly content.chunks.size() chunks.
Status ValidateContent(const FileContent& content, uint64_t chunk_size_bytes);

// How deep directories may nest below a volume's root: mkdir and rename refuse to go deeper, and
// every walk of a tree (fs::WalkTree) refuses what is deeper (trees made before the bound).
inline constexpr size_t kMaxDirectoryDepth = 4096;

// A directory entry name: 1..255 bytes, no '/', no NUL, not "." or "..".
Status ValidateName(std::string_view name);
// A volume name: 1..63 of [A-Za-z0-9._-], not starting with '.' or '-'.
Status ValidateVolumeName(std::string_view name);

}  // namespace strata::meta
