// ObjectReader: one version of one object, read at any offset through the bucket view's cache
// tiers: the piece read last is kept (a reader asks for much less than a piece at a time), and
// each new piece starts the next ones fetching in the background.
// Thread-safe (reads of one open take turns).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/mutex.h"
#include "bucket/bucket_view.h"

namespace strata::bucket {

class ObjectReader {
 public:
  ObjectReader(BucketView& view, ObjectVersion object, size_t read_ahead_pieces)
      : view_(view), object_(std::move(object)), read_ahead_pieces_(read_ahead_pieces) {}

  const ObjectVersion& object() const { return object_; }
  // Bytes read: fewer than asked only at the end of the object. Aborted if the object changed
  // since it was opened and the piece is not cached.
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out);

 private:
  BucketView& view_;
  const ObjectVersion object_;
  const size_t read_ahead_pieces_;
  Mutex mu_;
  std::vector<uint8_t> piece_ GUARDED_BY(mu_);
  size_t piece_index_ GUARDED_BY(mu_) = SIZE_MAX;  // which piece `piece_` holds
};

}  // namespace strata::bucket
