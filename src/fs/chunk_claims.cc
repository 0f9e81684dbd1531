#include "fs/chunk_claims.h"

#include <chrono>
#include <thread>

#include <fmt/core.h>

#include "core/clock.h"

namespace strata::fs {

namespace {
constexpr auto kRetryInterval = std::chrono::milliseconds(20);
constexpr auto kMaxWait = std::chrono::minutes(5);
}  // namespace

Status ClaimForWrite(meta::MetaStore& meta, const std::vector<ChunkId>& ids,
                     const std::function<void()>& on_wait) {
  auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  bool waited = false;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<ChunkId> being_deleted, meta.ClaimChunks(ids));
    if (being_deleted.empty()) return Status::OK();
    if (!waited && on_wait) on_wait();
    waited = true;
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable(fmt::format(
          "chunk {} has been marked for deletion by a garbage collection for too long; if no "
          "gc is running, run `strata gc` to finish it",
          being_deleted.front().Hex()));
    }
    std::this_thread::sleep_for(kRetryInterval);
  }
}

Result<store::PutChunkResult> StoreClaimedChunk(meta::MetaStore& meta, store::ChunkStore& chunks,
                                                std::span<const uint8_t> data,
                                                const std::function<void()>& on_wait) {
  ChunkId id = ChunkId::Of(data);
  RETURN_IF_ERROR(ClaimForWrite(meta, {id}, on_wait));
  return chunks.Store(id, data);
}

Status RenewOldClaims(meta::MetaStore& meta, store::ChunkStore& chunks,
                      const std::vector<ChunkId>& ids, int64_t first_claim_ns,
                      std::string_view what, const std::function<void()>& on_wait) {
  if (first_claim_ns == 0 || NowNanos() - first_claim_ns < kClaimRenewAfterNanos) {
    return Status::OK();
  }
  RETURN_IF_ERROR(ClaimForWrite(meta, ids, on_wait));
  for (const auto& id : ids) {
    if (!chunks.objects().Head(store::ChunkKey(id)).ok()) {
      return Status::Aborted(
          fmt::format("{}: chunk {} disappeared while it ran (a gc with a shorter grace period ran "
                      "meanwhile?); do it again",
                      what, id.Hex()));
    }
  }
  return Status::OK();
}

}  // namespace strata::fs
