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

}  // namespace strata::fs
