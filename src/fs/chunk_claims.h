// The writer's half of the GC protocol (docs/architecture.md, "Garbage collection"): claim chunks
// before trusting that the store has them.
#pragma once

#include <functional>
#include <vector>

#include "core/chunk_id.h"
#include "meta/meta_store.h"
#include "store/chunk_store.h"

namespace strata::fs {

// Claims `ids` for a writer. While a GC is deleting any of them, waits (calling `on_wait` once,
// a test hook) and claims again; returns once no claimed chunk is being deleted, after which the
// store's answer to "is it there?" can be trusted until the claims expire. Unavailable if a
// deletion does not finish within minutes (a GC that died holding its marks: rerun gc).
Status ClaimForWrite(meta::MetaStore& meta, const std::vector<ChunkId>& ids,
                     const std::function<void()>& on_wait = {});

// What every writer does with a chunk it made: hash it, claim it, store it unless present.
Result<store::PutChunkResult> StoreClaimedChunk(meta::MetaStore& meta, store::ChunkStore& chunks,
                                                std::span<const uint8_t> data,
                                                const std::function<void()>& on_wait = {});

// Claims expire (gc forgets claims older than its grace period), so a writer that has held chunks
// for long — a slow upload — renews them before it commits and checks they are still stored: a
// gc with a shorter grace period may have reclaimed them meanwhile (Aborted, naming `what`).
// Does nothing while `first_claim_ns` is younger than kClaimRenewAfterNanos.
inline constexpr int64_t kClaimRenewAfterNanos = 10LL * 60 * 1000000000;
Status RenewOldClaims(meta::MetaStore& meta, store::ChunkStore& chunks,
                      const std::vector<ChunkId>& ids, int64_t first_claim_ns,
                      std::string_view what, const std::function<void()>& on_wait = {});

}  // namespace strata::fs
