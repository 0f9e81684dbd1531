#include "bucket/bucket_session.h"

#include <fmt/core.h>

#include "store/s3_config.h"

namespace strata::bucket {

Result<std::unique_ptr<BucketSession>> BucketSession::Open(std::string_view url,
                                                           const cache::CacheOptions& cache,
                                                           ThreadPool& pool,
                                                           BucketOptions options) {
  if (!url.starts_with("s3://")) {
    return Status::InvalidArgument(
        fmt::format("bucket '{}': give an s3://BUCKET[/PREFIX]?endpoint=URL&region=R URL", url));
  }
  ASSIGN_OR_RETURN(store::S3Config config, store::ParseS3Url(url));
  std::unique_ptr<BucketSession> session(new BucketSession());
  ASSIGN_OR_RETURN(session->bucket_, store::OpenS3StoreDirect(std::move(config)));
  // Say now, not at the first read, if the bucket cannot be listed.
  // Say now, not at the first read, if the bucket cannot be listed (one entry is enough; the
  // callbacks stop the listing with Aborted, which S3 errors never are).
  Status listed = session->bucket_->ListDirectory(
      "", [](const store::ObjectInfo&) { return Status::Aborted("seen"); },
      [](std::string_view) { return Status::Aborted("seen"); });
  if (!listed.ok() && listed.code() != Code::kAborted) return listed;
  ASSIGN_OR_RETURN(session->tiers_, cache::Tiers::OpenCachesOnly(cache));
  session->index_ = std::make_unique<cache::PieceIndex>(cache.disk_dir);
  session->view_ = std::make_unique<BucketView>(*session->bucket_, *session->tiers_,
                                                *session->index_, pool, options);
  return session;
}

BucketSession::~BucketSession() {
  view_.reset();  // waits for its read-ahead, which uses the tiers
}

}  // namespace strata::bucket
