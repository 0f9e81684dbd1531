// ChunkLedger: which chunks are referenced, claimed or being deleted, and the expiry of what
// holds them. All that gc and fsck see of the metadata (fs/gc.h, fs/fsck.h); writers reach it
// only through fs::ChunkSink.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "meta/types.h"

namespace strata::meta {

class ChunkLedger {
 public:
  virtual ~ChunkLedger() = default;

  // Chunk lifecycle: the protocol that keeps GC from deleting a chunk a writer relies on
  // (docs/architecture.md, "Garbage collection").
  //
  // A writer claims each chunk before it checks whether the store has it. Returns the subset
  // that a GC is deleting right now: for those the writer must not trust a present object; it
  // claims again until the subset is empty (the deletion has finished), then uploads.
  virtual Result<std::vector<ChunkId>> ClaimChunks(const std::vector<ChunkId>& ids) = 0;
  // In one transaction, picks from `candidates` the chunks that no inode references and that
  // nobody claimed at or after `claimed_since_ns`; unless `dry_run`, marks them as being deleted
  // so that claims made from now on report them.
  virtual Result<std::vector<ChunkId>> BeginChunkDeletion(const std::vector<ChunkId>& candidates,
                                                          int64_t claimed_since_ns,
                                                          bool dry_run) = 0;
  // The chunks marked as being deleted (by a running GC, or one that died before it finished).
  virtual Result<std::vector<ChunkId>> ChunksBeingDeleted() = 0;
  // Clears deletion marks once the objects are gone.
  virtual Status EndChunkDeletion(const std::vector<ChunkId>& ids) = 0;
  // Deletes regular files that lost their last name before `unlinked_before_ns` (see Unlink);
  // returns how many (with `dry_run`, how many it would).
  virtual Result<size_t> PurgeUnlinked(int64_t unlinked_before_ns, bool dry_run) = 0;
  // Forgets claims made before `before_ns`; returns how many.
  virtual Result<size_t> ExpireClaims(int64_t before_ns) = 0;

  // For fsck: every (file, chunk) reference, one entry per distinct chunk.
  virtual Result<std::vector<ChunkRef>> ReferencedChunks() = 0;
  // For fsck: inconsistencies of the tree itself (dangling entries, unreachable inodes, wrong
  // link counts, chunk lists that do not fit the size), one line each; empty when consistent.
  virtual Result<std::vector<std::string>> CheckConsistency() = 0;
  // Expiry of what keeps chunks or space: upload sessions whose parts reference chunks (their
  // time is up) and KV keys past their expiry. Return how many went.
  virtual Result<size_t> PurgeExpiredKv(int64_t now_ns) = 0;
  virtual Result<size_t> ExpireUploads(int64_t now_ns) = 0;
};

}  // namespace strata::meta
