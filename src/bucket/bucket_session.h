// BucketSession: what a process opens to read a bucket of plain objects — the bucket, the node's
// cache tiers with a piece index, and the BucketView over them.
#pragma once

#include <memory>
#include <string_view>

#include "bucket/bucket_view.h"
#include "cache/piece_index.h"
#include "cache/tiers.h"
#include "store/s3_store.h"

namespace strata::bucket {

class BucketSession {
 public:
  // `url`: s3://BUCKET[/PREFIX]?endpoint=…&region=… (credentials from the environment, as for a
  // store). `cache.disk_dir` should be set: pieces are cached there.
  static Result<std::unique_ptr<BucketSession>> Open(std::string_view url,
                                                     const cache::CacheOptions& cache,
                                                     ThreadPool& pool, BucketOptions options = {});
  ~BucketSession();

  BucketView& view() { return *view_; }
  cache::Tiers& tiers() { return *tiers_; }

 private:
  BucketSession() = default;
  std::unique_ptr<store::S3Store> bucket_;
  std::unique_ptr<cache::Tiers> tiers_;
  std::unique_ptr<cache::PieceIndex> index_;
  std::unique_ptr<BucketView> view_;
};

}  // namespace strata::bucket
