// ChunkStore: content-addressed chunks on top of an ObjectStore.
//
// A chunk's key is "chunks/<first two hex digits>/<64 hex digits>" of its SHA-256 (docs/format.md).
// Writes skip chunks already present (dedup across files and volumes); reads verify every byte
// against the id, so a damaged or substituted object is reported as Corruption, never returned.
// Thread-safe (as the ObjectStore below it).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "base/single_flight.h"
#include "core/chunk_id.h"
#include "store/object_store.h"

namespace strata::store {

inline constexpr std::string_view kChunkKeyPrefix = "chunks/";

std::string ChunkKey(const ChunkId& id);
// The inverse of ChunkKey: the id of "chunks/ab/ab…"; InvalidArgument for any other key.
Result<ChunkId> ChunkIdFromKey(std::string_view key);

struct PutChunkResult {
  ChunkId id;
  bool uploaded = false;  // false: an identical chunk was already stored
};

class ChunkStore {
 public:
  explicit ChunkStore(ObjectStore& objects) : objects_(objects) {}

  // Hashes `data` and stores it unless a chunk with that id is already present. Single-flight:
  // while one thread stores a chunk, others putting the same bytes wait for it and count it as
  // present, so a chunk shared by several files of one put is written once.
  Result<PutChunkResult> Put(std::span<const uint8_t> data) {
    return Store(ChunkId::Of(data), data);
  }
  // As Put, for a caller that already hashed the data. REQUIRES: id == ChunkId::Of(data).
  Result<PutChunkResult> Store(const ChunkId& id, std::span<const uint8_t> data);

  // Fills `out` with the chunk `id`, whose length must be exactly out.size(). NotFound if the
  // chunk is missing; Corruption if its length or hash is wrong.
  Status Read(const ChunkId& id, std::span<uint8_t> out);

  ObjectStore& objects() { return objects_; }

 private:
  // Head, then Put if missing (or damaged).
  Result<bool> StoreIfMissing(const ChunkId& id, std::span<const uint8_t> data);

  ObjectStore& objects_;
  SingleFlight<ChunkId, Result<bool>, ChunkIdHash> storing_;
};

}  // namespace strata::store
