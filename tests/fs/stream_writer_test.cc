#include "fs/stream_writer.h"

#include <random>

#include "fs/file_reader.h"
#include "fs/volume_fixture.h"
#include "store/fault_injecting_store.h"

namespace strata::fs {
namespace {

using strata::testing::StatusIs;

class StreamWriterTest : public VolumeTestBase {
 protected:
  ThreadPool pool_{4};
};

TEST_F(StreamWriterTest, PiecesOfAnySizeMakeTheSameFile) {
  std::mt19937_64 rng(5);
  std::vector<uint8_t> bytes(3 * kTestChunkSize + 12345);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  StreamWriter writer(*volume_, pool_, /*in_flight=*/2);
  for (size_t at = 0; at < bytes.size();) {
    size_t n = std::min<size_t>(bytes.size() - at, 1 + rng() % (kTestChunkSize + 7));
    ASSERT_OK(writer.Append(std::span<const uint8_t>(bytes.data() + at, n)));
    at += n;
  }
  EXPECT_THAT(volume_->Stat("/d/f"), StatusIs(Code::kNotFound));  // nothing before Commit
  Result<meta::Attr> attr = writer.Commit("/d/f", 0640, /*make_parents=*/true);
  ASSERT_OK(attr);
  EXPECT_EQ(attr->size_bytes, bytes.size());
  EXPECT_EQ(attr->mode, 0640u);
  EXPECT_EQ(writer.chunks_uploaded(), 4u);
  EXPECT_EQ(ReadBack(pool_, "/d/f"), bytes);
}

TEST_F(StreamWriterTest, AnEmptyStreamIsAnEmptyFile) {
  StreamWriter writer(*volume_, pool_);
  ASSERT_OK(writer.Commit("/empty"));
  EXPECT_EQ(volume_->Stat("/empty")->size_bytes, 0u);
}

TEST_F(StreamWriterTest, WithoutMakeParentsAMissingDirectoryIsNotFound) {
  StreamWriter writer(*volume_, pool_);
  ASSERT_OK(writer.Append(std::vector<uint8_t>(10, 1)));
  EXPECT_THAT(writer.Commit("/missing/f"), StatusIs(Code::kNotFound));
  EXPECT_THAT(volume_->Stat("/missing"), StatusIs(Code::kNotFound));
}

TEST_F(StreamWriterTest, AFailedStoreFailsTheStreamAndPublishesNothing) {
  store::FaultInjectingStore faulty(*objects_);
  auto volume = std::move(Volume::Open(*meta_, faulty, "v")).value();
  faulty.FailAfter(store::StoreOp::kPut, 1);
  StreamWriter writer(*volume, pool_, 1);
  std::vector<uint8_t> chunk(kTestChunkSize, 7);
  Status status;
  for (int i = 0; i < 8 && status.ok(); ++i) {
    chunk[0] = static_cast<uint8_t>(i);  // distinct chunks: each is a Put
    status = writer.Append(chunk);
  }
  Result<meta::Attr> committed = writer.Commit("/f", 0644, true);
  EXPECT_FALSE(status.ok() && committed.ok());
  EXPECT_THAT(volume->Stat("/f"), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace strata::fs
