#include "fs/upload_session.h"

#include <random>

#include "fs/file_reader.h"
#include "fs/volume_fixture.h"

namespace strata::fs {
namespace {

using strata::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int64_t kHour = 3600LL * 1000000000;

class UploadSessionTest : public VolumeTestBase {
 protected:
  std::vector<uint8_t> Bytes(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<uint8_t> out(n);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
  }

  Status SendPart(UploadSession& session, uint32_t number, std::span<const uint8_t> bytes,
                  std::string_view sha256 = "") {
    ASSIGN_OR_RETURN(UploadPartWriter writer,
                     UploadPartWriter::Begin(session, number, pool_, /*chunks_in_flight=*/2));
    // In uneven pieces, as a socket delivers them.
    for (size_t at = 0; at < bytes.size();) {
      size_t n = std::min<size_t>(bytes.size() - at, 1000 + at % 7777);
      RETURN_IF_ERROR(writer.Append(bytes.subspan(at, n)));
      at += n;
    }
    return writer.Finish(sha256).status();
  }

  ThreadPool pool_{4};
};

TEST_F(UploadSessionTest, PartsInAnyOrderAndSentTwiceMakeOneFile) {
  Result<UploadSession> session =
      UploadSession::Create(*volume_, "/models/m.bin", kTestChunkSize, kHour);
  ASSERT_OK(session);
  EXPECT_EQ(session->info().part_size, kTestChunkSize);
  std::vector<uint8_t> whole = Bytes(2 * kTestChunkSize + 999, 1);
  std::span<const uint8_t> all(whole);
  ASSERT_OK(SendPart(*session, 2, all.subspan(2 * kTestChunkSize)));
  ASSERT_OK(SendPart(*session, 0, Bytes(kTestChunkSize, 9)));        // wrong bytes first ...
  ASSERT_OK(SendPart(*session, 0, all.subspan(0, kTestChunkSize)));  // ... replaced
  // Another handle on the session, as the next request has.
  Result<UploadSession> again = UploadSession::Open(*volume_, session->info().id);
  ASSERT_OK(again);
  ASSERT_OK(SendPart(*again, 1, all.subspan(kTestChunkSize, kTestChunkSize)));
  Result<std::vector<meta::UploadPart>> parts = again->Parts();
  ASSERT_OK(parts);
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[2].size_bytes, 999u);

  EXPECT_THAT(volume_->Stat("/models"), StatusIs(Code::kNotFound));  // nothing before Complete
  Result<meta::Attr> attr = again->Complete({whole.size(), 3});
  ASSERT_OK(attr);
  EXPECT_EQ(attr->size_bytes, whole.size());
  EXPECT_EQ(ReadBack(pool_, "/models/m.bin"), whole);
  EXPECT_THAT(UploadSession::Open(*volume_, session->info().id), StatusIs(Code::kNotFound));
}

TEST_F(UploadSessionTest, CompleteRefusesAGapOrWhatTheClientDidNotSendAndPublishesNothing) {
  Result<UploadSession> session = UploadSession::Create(*volume_, "/a/b/f", 0, kHour);
  ASSERT_OK(session);
  uint64_t part = session->info().part_size;
  EXPECT_EQ(part % kTestChunkSize, 0u);
  ASSERT_OK(SendPart(*session, 0, Bytes(10, 1)));
  ASSERT_OK(SendPart(*session, 2, Bytes(10, 2)));
  EXPECT_THAT(session->Complete({}),
              StatusIs(Code::kInvalidArgument, HasSubstr("part 1 is missing")));
  EXPECT_THAT(session->Complete({uint64_t{30}, std::nullopt}),
              StatusIs(Code::kInvalidArgument, HasSubstr("2 parts, 20 bytes")));
  EXPECT_THAT(session->Complete({std::nullopt, uint64_t{3}}), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(volume_->Stat("/a"), StatusIs(Code::kNotFound));  // no parent made for a refusal
  ASSERT_OK(session->Abort());
  EXPECT_THAT(UploadSession::Open(*volume_, session->info().id), StatusIs(Code::kNotFound));
}

TEST_F(UploadSessionTest, APartIsBoundedByItsSizeAndCheckedAgainstItsHash) {
  Result<UploadSession> session = UploadSession::Create(*volume_, "/f", kTestChunkSize, kHour);
  ASSERT_OK(session);
  Result<UploadPartWriter> writer = UploadPartWriter::Begin(*session, 0, pool_, 2);
  ASSERT_OK(writer);
  std::vector<uint8_t> big = Bytes(kTestChunkSize + 1, 3);
  ASSERT_OK(writer->Append(std::span(big).first(kTestChunkSize)));
  EXPECT_THAT(writer->Append(std::span(big).last(1)), StatusIs(Code::kInvalidArgument));
  EXPECT_TRUE(writer->too_long());
  EXPECT_THAT(writer->Append(std::span(big).last(0)), StatusIs(Code::kInvalidArgument));

  std::vector<uint8_t> bytes = Bytes(100, 4);
  EXPECT_THAT(SendPart(*session, 0, bytes, std::string(64, '0')),
              StatusIs(Code::kInvalidArgument, HasSubstr("hashes to")));
  EXPECT_TRUE(session->Parts()->empty());  // a refused part is not recorded
  EXPECT_THAT(UploadPartWriter::Begin(*session, kMaxUploadParts, pool_, 2),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(UploadSessionTest, CreateRefusesWhatNoSessionCouldBe) {
  EXPECT_THAT(UploadSession::Create(*volume_, "/", 0, kHour), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(UploadSession::Create(*volume_, "/a/../../b", 0, kHour),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(UploadSession::Create(*volume_, "/f", kMaxUploadPartBytes + 1, kHour),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(UploadSession::Create(*volume_, "/f", 0, 0), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(UploadSession::Create(*volume_, "/f", 0, kMaxUploadTtlNanos + 1),
              StatusIs(Code::kInvalidArgument));
  Result<UploadSession> rounded = UploadSession::Create(*volume_, "/f", 1, kHour);
  ASSERT_OK(rounded);
  EXPECT_EQ(rounded->info().part_size, kTestChunkSize);  // whole chunks
}

TEST_F(UploadSessionTest, ASessionOfAnotherVolumeDoesNotExistForThisOne) {
  ASSERT_OK(meta_->CreateVolume("other", kTestChunkSize));
  auto other = std::move(Volume::Open(*meta_, *objects_, "other")).value();
  Result<UploadSession> theirs = UploadSession::Create(*other, "/f", 0, kHour);
  ASSERT_OK(theirs);
  EXPECT_THAT(UploadSession::Open(*volume_, theirs->info().id), StatusIs(Code::kNotFound));
  EXPECT_OK(UploadSession::Open(*other, theirs->info().id));
}

}  // namespace
}  // namespace strata::fs
