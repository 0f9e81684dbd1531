// A misbehaving store: every command fails with a clear error and leaves the metadata consistent,
// no file is published with a chunk that was not stored, and a healthy retry succeeds.
#include <filesystem>

#include "fs/fsck.h"
#include "fs/gc.h"
#include "fs/get_job.h"
#include "fs/put_job.h"
#include "store/fault_injecting_store.h"
#include "support/test_util.h"
#include "volume_fixture.h"

namespace strata::fs {
namespace {

using store::StoreOp;
using strata::testing::IsOk;
using strata::testing::StatusIs;
namespace stdfs = std::filesystem;

class FaultTest : public VolumeTestBase {
 protected:
  void SetUp() override {
    VolumeTestBase::SetUp();
    faulty_ = std::make_unique<store::FaultInjectingStore>(*objects_);
    volume_ = std::move(Volume::Open(*meta_, *faulty_, "v")).value();
    std::mt19937_64 rng(11);
    tree_ = dir_.Sub("tree");
    stdfs::create_directories(tree_ + "/sub");
    for (int i = 0; i < 6; ++i) {
      strata::testing::WriteLocalFile(tree_ + "/f" + std::to_string(i),
                                      strata::testing::RandomBytes(rng, (i + 1) * kTestChunkSize));
    }
    strata::testing::WriteLocalFile(tree_ + "/sub/x", strata::testing::RandomBytes(rng, 1000));
  }

  Status PutTree() {
    TransferStats stats;
    return PutPath(*volume_, pool_, tree_, "/t", stats);
  }

  // Every file the volume shows reads back whole and verified; the tree is consistent.
  void ExpectConsistentAndReadable() {
    EXPECT_TRUE(meta_->CheckConsistency()->empty());
    Result<FsckReport> fsck = RunFsck(*meta_, *objects_, pool_, FsckOptions{false, true});
    ASSERT_OK(fsck);
    EXPECT_TRUE(fsck->clean()) << fsck->problems.front();
  }

  std::unique_ptr<store::FaultInjectingStore> faulty_;
  std::string tree_;
  ThreadPool pool_{4};
};

TEST_F(FaultTest, APutWhoseUploadsFailPublishesNoFileWithAMissingChunk) {
  faulty_->FailAfter(StoreOp::kPut, 5);
  Status status = PutTree();
  EXPECT_THAT(status, StatusIs(Code::kIOError));
  EXPECT_NE(status.message().find("injected fault: put 'chunks/"), std::string::npos)
      << status.ToString();
  ExpectConsistentAndReadable();
  faulty_->Heal();
  ASSERT_OK(PutTree());
  ExpectConsistentAndReadable();
}

TEST_F(FaultTest, RandomStoreErrorsNeverLeaveABrokenFile) {
  uint64_t seed = strata::testing::TestSeed();
  for (int round = 0; round < 10; ++round) {
    faulty_->FailRandomly(StoreOp::kPut, 0.2, seed + static_cast<uint64_t>(round));
    faulty_->FailRandomly(StoreOp::kHead, 0.1, seed + static_cast<uint64_t>(round));
    (void)PutTree();  // fails or not; either way nothing broken may be visible
    faulty_->Heal();
    ExpectConsistentAndReadable();
    if (HasFailure()) FAIL() << "round " << round << " seed " << seed;
  }
  EXPECT_GT(faulty_->injected(), 0u);
}

TEST_F(FaultTest, AGetWhoseReadsFailLeavesNoLocalFile) {
  ASSERT_OK(PutTree());
  faulty_->FailAfter(StoreOp::kRead, 3);
  TransferStats stats;
  std::string out = dir_.Sub("out");
  Status status = GetPath(*volume_, pool_, "/t/f5", out, stats);
  EXPECT_THAT(status, StatusIs(Code::kIOError));
  EXPECT_FALSE(stdfs::exists(out));
  for (const auto& e : stdfs::directory_iterator(dir_.path())) {
    EXPECT_EQ(e.path().filename().string().find("strata-tmp"), std::string::npos) << e.path();
  }
}

TEST_F(FaultTest, AGcWhoseDeletesFailIsFinishedByTheNextOne) {
  ASSERT_OK(PutTree());
  ASSERT_OK(volume_->Remove("/t", true));
  faulty_->FailAfter(StoreOp::kDelete, 2);
  GcOptions options;
  options.grace_ns = 0;
  EXPECT_THAT(RunGc(*meta_, *faulty_, pool_, options), StatusIs(Code::kIOError));
  EXPECT_FALSE(meta_->ChunksBeingDeleted()->empty());  // marks stay until the objects are gone
  faulty_->Heal();
  Result<GcReport> again = RunGc(*meta_, *faulty_, pool_, options);
  ASSERT_OK(again);
  EXPECT_GT(again->leftover_marks, 0u);
  EXPECT_TRUE(meta_->ChunksBeingDeleted()->empty());
  Result<FsckReport> fsck = RunFsck(*meta_, *objects_, pool_, FsckOptions{});
  EXPECT_EQ(fsck->orphans, 0u);
  ExpectConsistentAndReadable();
}

TEST_F(FaultTest, FsckThatCannotReadTheStoreFailsInsteadOfSayingClean) {
  ASSERT_OK(PutTree());
  faulty_->FailAfter(StoreOp::kHead, 0, Code::kUnavailable);
  EXPECT_THAT(RunFsck(*meta_, *faulty_, pool_, FsckOptions{}), StatusIs(Code::kUnavailable));
}

}  // namespace
}  // namespace strata::fs
