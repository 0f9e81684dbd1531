// BucketView: an existing bucket of plain objects (not Strata chunks) as a read-mostly tree, for
// `strata mount --bucket` and `strata prefetch --bucket`.
//
// Keys split at '/' into directories: each directory is one delimited listing (objects with their
// sizes, times and ETags, and CommonPrefixes as subdirectories), cached for a short TTL. Objects
// are read in pieces of 4 MiB by ranged GETs that carry the ETag the reader opened (If-Match), so
// a reader never mixes two versions of an object. Pieces go through the node's cache tiers
// (memory, disk) under the SHA-256 of their bytes, found again by (bucket, key, ETag, range)
// through a PieceIndex: a changed object has a new ETag, so it is never served from the old
// version's pieces. Concurrent reads of one cold piece share one GET.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/single_flight.h"
#include "base/thread_pool.h"
#include "cache/piece_index.h"
#include "cache/tiers.h"
#include "fs/transfer_stats.h"
#include "store/s3_store.h"

namespace strata::bucket {

// One version of one object.
struct ObjectVersion {
  std::string key;  // relative to the bucket URL's prefix
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  std::string etag;
};

struct Entry {
  std::string name;
  bool is_dir = false;
  ObjectVersion object;  // files only
};

struct BucketOptions {
  std::chrono::milliseconds listing_ttl{5000};
  uint64_t piece_bytes = 4 << 20;
};

// What a prefetch did.
struct BucketPrefetchReport {
  size_t objects = 0;
  uint64_t total_bytes = 0;
  size_t fetched_pieces = 0;
  uint64_t fetched_bytes = 0;
  size_t cached_pieces = 0;  // already in the cache
};

class BucketView {
 public:
  BucketView(store::S3Store& bucket, cache::Tiers& tiers, cache::PieceIndex& index,
             ThreadPool& pool, BucketOptions options = {});
  ~BucketView();

  // The entries directly under `dir` ("" for the top, else "a/b"), sorted by name. NotFound for
  // a directory with nothing under it (other than the top).
  Result<std::shared_ptr<const std::vector<Entry>>> List(const std::string& dir);
  // `path` ("a/b/c"; "" is the top) from its parent's listing.
  Result<Entry> Stat(const std::string& path);
  // The current version of the object at `path`, asked of the bucket itself (close-to-open).
  Result<ObjectVersion> Head(const std::string& path);
  // Forgets the cached listing of `dir` (after this process changed it).
  void Invalidate(const std::string& dir);

  size_t PieceCount(const ObjectVersion& object) const;
  uint64_t PieceLength(const ObjectVersion& object, size_t index) const;
  uint64_t piece_bytes() const { return options_.piece_bytes; }
  // Piece `index` of `object` into `out` (exactly its length): from the cache, else one GET of
  // that version (Aborted if the object has changed since).
  Status ReadPiece(const ObjectVersion& object, size_t index, std::span<uint8_t> out);
  // Starts fetching pieces [first, first + count) in the background, unless cached or queued.
  void ReadAhead(const ObjectVersion& object, size_t first, size_t count);
  // Every piece of every object at or under `path` into the cache, `jobs` GETs in flight.
  Result<BucketPrefetchReport> Prefetch(const std::string& path, size_t jobs,
                                        fs::TransferStats& stats);

  store::S3Store& bucket() { return bucket_; }

 private:
  struct Listing {
    std::chrono::steady_clock::time_point at;
    std::shared_ptr<const std::vector<Entry>> entries;
  };
  ChunkId NameOf(const ObjectVersion& object, size_t index) const;
  // From the cache only; false on a miss.
  bool ReadCached(const ChunkId& name, std::span<uint8_t> out);
  bool IsCached(const ChunkId& name);
  Status Fetch(const ObjectVersion& object, size_t index, const ChunkId& name,
               std::span<uint8_t> out);

  store::S3Store& bucket_;
  cache::Tiers& tiers_;
  cache::PieceIndex& index_;
  ThreadPool& pool_;
  const BucketOptions options_;
  const std::string source_;  // the bucket's URL, part of every piece's name

  Mutex mu_;
  std::condition_variable background_done_;
  std::map<std::string, Listing> listings_ GUARDED_BY(mu_);
  std::set<ChunkId> queued_ GUARDED_BY(mu_);  // read-ahead not yet done.
  size_t background_ GUARDED_BY(mu_) = 0;     // read-ahead tasks running or queued.
  SingleFlight<ChunkId, Status, ChunkIdHash> fetching_;
};

}  // namespace strata::bucket
