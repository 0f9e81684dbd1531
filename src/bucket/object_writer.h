// ObjectWriter: one object of a bucket being written through a mount, until it is uploaded.
//
// S3 replaces an object whole, so the writer keeps the object's new bytes in a spill file on
// local disk (an unlinked temporary: never RAM, and nothing left behind by a crash) and uploads
// them all at Upload (one PUT, or a multipart upload above `multipart_above`). Writing into an
// existing object copies its current bytes in first. A failed upload leaves the writer dirty, so
// a later Upload tries again. Thread-safe: the handles of one open share it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/posix.h"
#include "base/status.h"
#include "bucket/bucket_view.h"

namespace strata::bucket {

struct ObjectWriterOptions {
  std::string spill_dir;                // must exist
  uint64_t multipart_above = 64 << 20;  // bytes; larger objects go up in parts of this size
};

class ObjectWriter {
 public:
  // A writer of `path`: empty if `truncate` (it is uploaded empty even if nothing is written),
  // else holding the object's current bytes (none if there is no such object).
  static Result<std::unique_ptr<ObjectWriter>> Open(BucketView& view, std::string path,
                                                    bool truncate,
                                                    const ObjectWriterOptions& options);

  Status Write(uint64_t offset, std::span<const uint8_t> data);
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out);
  // Cuts or extends (with zeros) the object to `size`.
  Status Truncate(uint64_t size);
  // Uploads the bytes if they changed since the last upload; the listing of its directory is
  // forgotten after.
  Status Upload();

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_.load(); }
  int64_t mtime_ns() const { return mtime_ns_.load(); }

 private:
  ObjectWriter(BucketView& view, std::string path, UniqueFd spill, uint64_t multipart_above);

  BucketView& view_;
  const std::string path_;
  const UniqueFd spill_;
  const uint64_t multipart_above_;
  std::atomic<uint64_t> size_{0};
  std::atomic<bool> dirty_{false};
  // Written by Write and Truncate on libfuse's threads while a stat reads it.
  std::atomic<int64_t> mtime_ns_{0};
};

// The directory part of a bucket path ("a/b" of "a/b/c"; "" at the top).
std::string ParentOf(const std::string& path);

}  // namespace strata::bucket
