// ChunkSink: the writer's half of the GC protocol (docs/architecture.md, "Garbage collection"),
// written once. Every path that turns bytes into a committed file (put, the server's stream
// writer and upload parts, the mount's FileWriter, hub import, URL import, cp) stores and commits
// its chunks through one of these; no writer claims or commits chunks by hand.
//
// The protocol:
//   1. Put / Adopt: a chunk is claimed before the store is asked whether it has it, so from then
//      on no gc deletes it under the writer (a claim that meets a deletion in progress waits for
//      it and stores the chunk again). The sink remembers when its first claim was made.
//   2. Commit: claims expire after gc's grace period, so right before publishing every chunk is
//      claimed again; when the first claim is older than the renewal age, or a claim had to wait
//      for a deletion, the store is asked which chunks are gone, and those are stored again from
//      the writer's bytes (`Reread`) or, for a writer that no longer has them, the commit fails
//      with Aborted. Then the file is published in one metadata transaction.
// Thread-safe: Put and Adopt may be called from many threads; Commit once they have returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/chunk_id.h"
#include "meta/types.h"
#include "store/chunk_store.h"

namespace strata::fs {

class Volume;

// Claims are renewed and checked at commit once the first is this old (well under any sane gc
// grace period: gc refuses one under an hour without --grace).
inline constexpr int64_t kClaimRenewAfterNanos = 10LL * 60 * 1000000000;

struct ChunkSinkOptions {
  int64_t renew_after_ns = kClaimRenewAfterNanos;  // 0: check the store at every commit (tests)
  std::function<void()> on_claim_wait;             // a test hook: a claim met a deletion
};

class ChunkSink {
 public:
  // The bytes of chunk `index` of the content being committed, to store it again; NotFound if
  // the writer no longer has them (they came from the committed version, or another file).
  using Reread = std::function<Result<std::vector<uint8_t>>(size_t index)>;

  explicit ChunkSink(Volume& volume, ChunkSinkOptions options = {});
  ChunkSink(const ChunkSink&) = delete;
  ChunkSink& operator=(const ChunkSink&) = delete;

  // Hashes, claims and stores `data` unless the store has it.
  Result<store::PutChunkResult> Put(std::span<const uint8_t> data);
  // Claims chunks the writer did not store (a copy's source, a file's unchanged chunks) and
  // checks each is present: Aborted, naming `what`, if one is gone.
  Status Adopt(const std::vector<ChunkId>& ids, std::string_view what);

  // Renews, verifies and restores (step 2 above), then publishes `content` at `path`.
  Result<meta::Attr> Commit(std::string_view path, const meta::NewNode& node,
                            const meta::FileContent& content, std::string_view what,
                            const Reread& reread = {});
  // The same for an existing file's inode (the mount's writer), with `mtime_ns` (0: now).
  Result<meta::Attr> CommitContent(meta::InodeId ino, const meta::FileContent& content,
                                   int64_t mtime_ns, std::string_view what,
                                   const Reread& reread = {});
  // Step 2 alone, for content published by another transaction (an upload part's chunks,
  // recorded in the session that keeps them referenced).
  Status Seal(const std::vector<ChunkId>& chunks, std::string_view what, const Reread& reread = {});

  // After a commit: the next version's first claim starts the renewal clock again.
  void Reset() { first_claim_ns_.store(0); }

 private:
  Status Claim(const std::vector<ChunkId>& ids, bool& waited);
  void NoteFirstClaim();

  Volume& volume_;
  const ChunkSinkOptions options_;
  std::atomic<int64_t> first_claim_ns_{0};
};

}  // namespace strata::fs
