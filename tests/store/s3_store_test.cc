// The ObjectStore conformance suite and S3-specific behaviour against a real S3 server (radosgw,
// started once for this binary's tests by the ctest fixture in tests/CMakeLists.txt, which points
// STRATA_TEST_S3_ENV at its env file). Skipped when run by hand without one.
#include "store/s3_store.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/core.h>

#include "store/chunk_store.h"
#include "store/object_store_conformance.h"
#include "support/s3_test_env.h"

namespace strata::store {
namespace {

using strata::testing::TestBucketUrl;

std::string FreshStoreUrl(std::string_view extra_params = "") {
  return strata::testing::FreshBucketUrl(extra_params);
}

INSTANTIATE_TEST_SUITE_P(S3, ObjectStoreConformanceTest,
                         ::testing::Values(StoreFactory{
                             "Radosgw",
                             [](const std::string&) -> std::unique_ptr<ObjectStore> {
                               if (TestBucketUrl().empty()) return nullptr;
                               // Small pages, so listings exercise continuation tokens.
                               return std::move(OpenS3Store(FreshStoreUrl("&list_page=3"))).value();
                             }}),
                         [](const ::testing::TestParamInfo<StoreFactory>& p) {
                           return p.param.name;
                         });

TEST(S3StoreTest, AWrongSecretIsAClearPermissionError) {
  REQUIRE_S3_SERVER();
  std::string good = std::getenv("AWS_SECRET_ACCESS_KEY");
  ::setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
  Result<std::unique_ptr<ObjectStore>> store = OpenS3Store(FreshStoreUrl());
  ::setenv("AWS_SECRET_ACCESS_KEY", good.c_str(), 1);
  ASSERT_OK(store);
  Status status = (*store)->Put("k", Bytes("x"));
  EXPECT_THAT(status, StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("AWS_SECRET_ACCESS_KEY"));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("s3://strata-test/"));
}

TEST(S3StoreTest, AnUnknownAccessKeyIsNamed) {
  REQUIRE_S3_SERVER();
  std::string good = std::getenv("AWS_ACCESS_KEY_ID");
  ::setenv("AWS_ACCESS_KEY_ID", "NOSUCHKEY", 1);
  Result<std::unique_ptr<ObjectStore>> store = OpenS3Store(FreshStoreUrl());
  ::setenv("AWS_ACCESS_KEY_ID", good.c_str(), 1);
  ASSERT_OK(store);
  Status status = (*store)->Head("k").status();
  // HEAD answers carry no body, so the code is all there is; a GET names the key.
  EXPECT_THAT(status, StatusIs(Code::kPermissionDenied));
  std::vector<uint8_t> out(4);
  status = (*store)->Read("k", 0, out).status();
  EXPECT_THAT(status, StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("NOSUCHKEY"));
}

TEST(S3StoreTest, AMissingBucketIsNamed) {
  REQUIRE_S3_SERVER();
  std::string url = TestBucketUrl();
  url.replace(url.find("strata-test"), 11, "no-such-bucket");
  Result<std::unique_ptr<ObjectStore>> store = OpenS3Store(url);
  ASSERT_OK(store);
  std::vector<uint8_t> out(4);
  Status status = (*store)->Read("k", 0, out).status();
  EXPECT_THAT(status.message(), ::testing::HasSubstr("bucket 'no-such-bucket' does not exist"));
}

TEST(S3StoreTest, AnUnreachableEndpointFailsAfterItsRetries) {
  REQUIRE_S3_SERVER();
  Result<std::unique_ptr<ObjectStore>> store =
      OpenS3Store("s3://b?endpoint=http://127.0.0.1:1&retries=2");
  ASSERT_OK(store);
  Status status = (*store)->Put("k", Bytes("x"));
  EXPECT_THAT(status, StatusIs(Code::kUnavailable));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("3 attempts"));
}

TEST(S3StoreTest, CleanTemporariesAbortsOldIncompleteUploads) {
  REQUIRE_S3_SERVER();
  Result<S3Config> config = ParseS3Url(FreshStoreUrl());
  ASSERT_OK(config);
  Result<std::unique_ptr<S3Store>> store = OpenS3StoreDirect(*config);
  ASSERT_OK(store);
  ASSERT_OK((*store)->CreateMultipartUpload("partial/a"));
  ASSERT_OK((*store)->CreateMultipartUpload("partial/b"));
  // Young uploads may be live writes of another process: left alone.
  EXPECT_EQ(*(*store)->CleanTemporaries(/*min_age_ns=*/3600LL * 1000000000, false), 0u);
  EXPECT_EQ(*(*store)->CleanTemporaries(0, /*dry_run=*/true), 2u);
  EXPECT_EQ(*(*store)->CleanTemporaries(0, false), 2u);
  EXPECT_EQ(*(*store)->CleanTemporaries(0, false), 0u);
}

TEST(S3StoreTest, ChunksThroughTheChunkStoreAreVerified) {
  REQUIRE_S3_SERVER();
  Result<std::unique_ptr<ObjectStore>> objects = OpenS3Store(FreshStoreUrl());
  ASSERT_OK(objects);
  ChunkStore chunks(**objects);
  std::vector<uint8_t> data(1 << 20, 42);
  Result<PutChunkResult> put = chunks.Put(data);
  ASSERT_OK(put);
  EXPECT_TRUE(put->uploaded);
  EXPECT_FALSE(chunks.Put(data)->uploaded);  // dedup: HEAD finds it
  // Damage it behind the chunk store's back: the read says so instead of returning it.
  data[5] ^= 1;
  ASSERT_OK((*objects)->Put(ChunkKey(put->id), data));
  std::vector<uint8_t> out(data.size());
  EXPECT_THAT(chunks.Read(put->id, out), StatusIs(Code::kCorruption));
}

}  // namespace
}  // namespace strata::store
