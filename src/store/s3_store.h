// S3Store: an ObjectStore in a bucket of any S3-compatible service (AWS, radosgw, MinIO, R2, …).
//
// libcurl does the HTTP and the SigV4 signing (CURLOPT_AWS_SIGV4); we send x-amz-content-sha256
// ourselves (the payload's real hash on PUT, so the service rejects bytes damaged on the way).
// Each request in flight holds one easy handle from a bounded pool; handles are reused, so their
// connections stay alive. Transient failures (connection errors, timeouts, 5xx, 429) are retried
// with full-jitter exponential backoff; 403/404 become clear errors naming the bucket and key.
//
// Atomicity and durability are S3's own: a PUT is all-or-nothing and durable once acknowledged.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/object_store.h"
#include "store/s3_config.h"

namespace strata::store {

Result<std::unique_ptr<ObjectStore>> OpenS3Store(std::string_view url);

// For callers that need S3-only operations (multipart uploads).
class S3Store;
Result<std::unique_ptr<S3Store>> OpenS3StoreDirect(S3Config config);

class S3Store : public ObjectStore {
 public:
  ~S3Store() override;

  // Put and Delete also take a directory marker ("dir/", the empty object S3 tools make).
  Status Put(std::string_view key, std::span<const uint8_t> data) override;
  Result<size_t> Read(std::string_view key, uint64_t offset, std::span<uint8_t> out) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Status List(std::string_view prefix, const std::function<Status(const ObjectInfo&)>& fn) override;
  // Incomplete multipart uploads under the prefix, initiated more than `min_age_ns` ago: counted,
  // and aborted (their parts freed) unless `dry_run`.
  Result<size_t> CleanTemporaries(int64_t min_age_ns, bool dry_run) override;
  std::string url() const override;

  // As Read, of the version whose ETag is `etag` (empty: any): Aborted if the object changed.
  Result<size_t> ReadVersion(std::string_view key, std::string_view etag, uint64_t offset,
                             std::span<uint8_t> out);
  // One level of a '/'-separated tree: objects directly under `prefix` (which ends in '/' or is
  // empty), with their ETags, and the sub-prefixes ("dir/") below it.
  Status ListDirectory(std::string_view prefix,
                       const std::function<Status(const ObjectInfo&)>& on_object,
                       const std::function<Status(std::string_view)>& on_prefix);
  // Stores `data` under `key` through a multipart upload in parts of `part_bytes` (at least
  // 5 MiB): for objects over a single PUT's 5 GiB limit. An upload that fails is aborted.
  Status PutMultipart(std::string_view key, std::span<const uint8_t> data, uint64_t part_bytes);

  // Starts a multipart upload of `key` and returns its upload id.
  Result<std::string> CreateMultipartUpload(std::string_view key);

  const S3Config& config() const;

 private:
  friend Result<std::unique_ptr<S3Store>> OpenS3StoreDirect(S3Config config);
  struct Impl;
  explicit S3Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::store
