// UploadSession: a resumable upload of one file, in parts sent in any order, any number of times
// (the server's /uploads routes; docs/api.md). A client that loses its connection asks which
// parts the server has and sends only the others. Each part is whole chunks, stored as it
// arrives (ChunkSink claims keep them from gc) and recorded by the metadata store, which keeps
// them until the session is completed (one transaction publishes the file from parts 0..n-1),
// aborted, or expires (gc's ExpireUploads).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/thread_pool.h"
#include "core/digest.h"
#include "fs/stream_writer.h"
#include "fs/volume.h"
#include "meta/types.h"

namespace strata::fs {

inline constexpr uint64_t kDefaultUploadPartBytes = 64ULL << 20;
inline constexpr uint64_t kMaxUploadPartBytes = 5ULL << 30;
inline constexpr uint32_t kMaxUploadParts = 100000;
inline constexpr int64_t kMaxUploadTtlNanos = 7LL * 24 * 3600 * 1000000000;

class UploadPartWriter;

class UploadSession {
 public:
  // A new session for the file `path` of `volume`. `part_size` (0: the default) is rounded up to
  // whole chunks; InvalidArgument above kMaxUploadPartBytes, for a ttl outside (0, 7 days], or
  // for a path that names no file.
  static Result<UploadSession> Create(Volume& volume, std::string_view path, uint64_t part_size,
                                      int64_t ttl_ns);
  // The session `id` of `volume`: NotFound if there is none, it expired, or it is another
  // volume's.
  static Result<UploadSession> Open(Volume& volume, std::string_view id);

  const meta::UploadInfo& info() const { return info_; }
  // The parts received so far, by number.
  Result<std::vector<meta::UploadPart>> Parts();

  // What a client believes it sent; a mismatch is refused before anything is published.
  struct Expected {
    std::optional<uint64_t> size;
    std::optional<uint64_t> parts;
  };
  // Publishes the file from parts 0..n-1 (every one present) in one transaction, making its
  // parent directories first; the session ends.
  Result<meta::Attr> Complete(const Expected& expected);
  Status Abort();

 private:
  friend class UploadPartWriter;
  UploadSession(Volume& volume, meta::UploadInfo info) : volume_(&volume), info_(std::move(info)) {}

  Volume* volume_;
  meta::UploadInfo info_;
};

// Receives the bytes of one part in turn; Finish records it (replacing an earlier copy).
class UploadPartWriter {
 public:
  // InvalidArgument for a part number of kMaxUploadParts or more.
  static Result<UploadPartWriter> Begin(UploadSession& session, uint32_t number, ThreadPool& pool,
                                        size_t chunks_in_flight);

  // Stores the bytes as chunks fill. InvalidArgument, with too_long() true, once the part would
  // pass the session's part size (nothing more is taken).
  Status Append(std::span<const uint8_t> bytes);
  bool too_long() const { return too_long_; }
  // Waits for the chunks, checks the part hashes to `expected_sha256` (hex; empty: no check)
  // and records it.
  Result<meta::UploadPart> Finish(std::string_view expected_sha256);

 private:
  UploadPartWriter(UploadSession& session, uint32_t number, ThreadPool& pool, size_t in_flight);

  UploadSession* session_;
  uint32_t number_;
  std::unique_ptr<StreamWriter> writer_;  // movable writer: StreamWriter itself is not
  StreamingDigest digest_ = StreamingDigest::Sha256();
  bool too_long_ = false;
};

}  // namespace strata::fs
