// ObjectStore: a flat namespace of immutable blobs by key — a local directory now, S3 later.
//
// Thread-safety: every implementation is safe to call from many threads at once, and (for the
// persistent ones) from many processes sharing the same location.
// Atomicity: Put is all-or-nothing; a concurrent Read sees no object or the whole object, never a
// prefix. A successful Put is durable (survives a crash of the machine).
// Keys: '/'-separated, no leading '/', no "." or ".." components, no NUL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace strata::store {

struct ObjectInfo {
  std::string key;
  uint64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  std::string etag;  // S3: the object's ETag (quotes removed); empty where a store has none
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` under `key`, replacing any object there. Returns NoSpace when out of room.
  virtual Status Put(std::string_view key, std::span<const uint8_t> data) = 0;

  // Reads up to out.size() bytes starting at `offset` straight into `out` and returns how many
  // were read (fewer only at the end of the object). NotFound if there is no such object;
  // InvalidArgument if `offset` is past the end.
  virtual Result<size_t> Read(std::string_view key, uint64_t offset, std::span<uint8_t> out) = 0;

  // NotFound if there is no such object.
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  // Removes the object. OK when it did not exist (deletes are idempotent).
  virtual Status Delete(std::string_view key) = 0;

  // Calls `fn` for every object whose key starts with `prefix`, in no particular order. Stops and
  // returns the first non-OK Status that `fn` returns.
  virtual Status List(std::string_view prefix,
                      const std::function<Status(const ObjectInfo&)>& fn) = 0;

  // Counts (and unless `dry_run` removes) the leftovers of interrupted writes older than
  // `min_age_ns`: a local store's temporary files, later S3's incomplete multipart uploads.
  virtual Result<size_t> CleanTemporaries(int64_t min_age_ns, bool dry_run) = 0;

  // The URL that reopens this store, e.g. "file:///var/strata/chunks".
  virtual std::string url() const = 0;

  // Convenience: the whole object.
  Result<std::vector<uint8_t>> ReadAll(std::string_view key);
};

// Validates a key against the rules above; InvalidArgument naming the key if it breaks one.
Status ValidateObjectKey(std::string_view key);

}  // namespace strata::store
