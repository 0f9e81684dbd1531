#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "fs/get_job.h"
#include "fs/put_job.h"
#include "support/test_util.h"
#include "volume_fixture.h"

namespace strata::fs {
namespace {

using strata::testing::IsOk;
using strata::testing::ReadLocalFile;
using strata::testing::StatusIs;
using strata::testing::WriteLocalFile;
namespace stdfs = std::filesystem;

class TransferTest : public VolumeTestBase {
 protected:
  // A local tree with every kind of entry a model directory has.
  std::string MakeTree() {
    std::string root = dir_.Sub("tree");
    stdfs::create_directories(root + "/sub/deeper");
    stdfs::create_directories(root + "/empty-dir");
    std::mt19937_64 rng(42);
    WriteLocalFile(root + "/big.bin", strata::testing::RandomBytes(rng, 5 * kTestChunkSize + 123));
    WriteLocalFile(root + "/config.json", {'{', '}'});
    WriteLocalFile(root + "/empty", {});
    WriteLocalFile(root + "/sub/deeper/x", strata::testing::RandomBytes(rng, kTestChunkSize));
    // The same bytes twice: stored once.
    WriteLocalFile(root + "/sub/copy.bin", ReadLocalFile(root + "/big.bin"));
    ::symlink("config.json", (root + "/link.json").c_str());
    ::chmod((root + "/config.json").c_str(), 0600);
    struct timespec times[2] = {{1600000000, 5}, {1600000000, 123456789}};
    ::utimensat(AT_FDCWD, (root + "/big.bin").c_str(), times, 0);
    return root;
  }

  static void ExpectSameTree(const std::string& a, const std::string& b) {
    size_t entries = 0;
    for (const auto& entry : stdfs::recursive_directory_iterator(a)) {
      ++entries;
      std::string rel = entry.path().lexically_relative(a).string();
      std::string other = b + "/" + rel;
      struct stat sa, sb;
      ASSERT_EQ(::lstat(entry.path().c_str(), &sa), 0);
      ASSERT_EQ(::lstat(other.c_str(), &sb), 0) << "missing " << rel;
      EXPECT_EQ(sa.st_mode, sb.st_mode) << rel;
      if (S_ISLNK(sa.st_mode)) {
        EXPECT_EQ(stdfs::read_symlink(entry.path()), stdfs::read_symlink(other)) << rel;
      } else if (S_ISREG(sa.st_mode)) {
        EXPECT_EQ(ReadLocalFile(entry.path()), ReadLocalFile(other)) << rel;
        EXPECT_EQ(sa.st_mtim.tv_sec, sb.st_mtim.tv_sec) << rel;
        EXPECT_EQ(sa.st_mtim.tv_nsec, sb.st_mtim.tv_nsec) << rel;
      }
    }
    EXPECT_GT(entries, 5u);
  }

  ThreadPool pool_{4};
};

TEST_F(TransferTest, PutThenGetReproducesTheTree) {
  std::string tree = MakeTree();
  TransferStats put_stats;
  ASSERT_OK(PutPath(*volume_, pool_, tree, "/models/m", put_stats));
  EXPECT_EQ(put_stats.files_done.load(), 5u);
  EXPECT_EQ(put_stats.symlinks_done.load(), 1u);
  // big.bin and sub/copy.bin share their 6 chunks.
  EXPECT_EQ(put_stats.chunks_uploaded.load(), 6u + 1u + 1u);
  EXPECT_EQ(put_stats.chunks_present.load(), 6u);

  TransferStats get_stats;
  ASSERT_OK(GetPath(*volume_, pool_, "/models/m", dir_.Sub("copy"), get_stats));
  ExpectSameTree(tree, dir_.Sub("copy"));
  ExpectSameTree(dir_.Sub("copy"), tree);
}

TEST_F(TransferTest, PuttingAnUnchangedTreeAgainUploadsNothing) {
  std::string tree = MakeTree();
  TransferStats first;
  ASSERT_OK(PutPath(*volume_, pool_, tree, "/m", first));
  TransferStats second;
  ASSERT_OK(PutPath(*volume_, pool_, tree, "/m", second));
  EXPECT_EQ(second.chunks_uploaded.load(), 0u);
  EXPECT_EQ(second.chunks_present.load(), first.chunks_uploaded + first.chunks_present);
}

TEST_F(TransferTest, AFilePutOntoADirectoryGoesInsideIt) {
  WriteLocalFile(dir_.Sub("one.txt"), {'1'});
  ASSERT_OK(volume_->Mkdir("/d", 0755, false));
  TransferStats stats;
  ASSERT_OK(PutPath(*volume_, pool_, dir_.Sub("one.txt"), "/d", stats));
  EXPECT_EQ(volume_->Stat("/d/one.txt")->size_bytes, 1u);
  ASSERT_OK(PutPath(*volume_, pool_, dir_.Sub("one.txt"), "/new/parents/two.txt", stats));
  EXPECT_EQ(volume_->Stat("/new/parents/two.txt")->size_bytes, 1u);
}

TEST_F(TransferTest, PutOfAMissingLocalPathChangesNothing) {
  TransferStats stats;
  EXPECT_THAT(PutPath(*volume_, pool_, dir_.Sub("missing"), "/x", stats),
              StatusIs(Code::kNotFound));
  EXPECT_TRUE(volume_->List("/")->empty());
}

TEST_F(TransferTest, AFailedGetLeavesNoPartialFile) {
  std::string tree = MakeTree();
  TransferStats stats;
  ASSERT_OK(PutPath(*volume_, pool_, tree + "/big.bin", "/big.bin", stats));
  meta::FileContent content = *volume_->Content("/big.bin");
  ASSERT_OK(objects_->Delete(store::ChunkKey(content.chunks[3])));
  std::string out_dir = dir_.Sub("out");
  stdfs::create_directories(out_dir);
  Status status = GetPath(*volume_, pool_, "/big.bin", out_dir + "/big.bin", stats);
  EXPECT_THAT(status, StatusIs(Code::kNotFound));
  EXPECT_NE(status.message().find("/big.bin"), std::string::npos);
  EXPECT_TRUE(stdfs::is_empty(out_dir)) << "a partial file or temporary was left behind";
}

TEST_F(TransferTest, StreamFileDeliversTheBytesInOrder) {
  std::string tree = MakeTree();
  TransferStats stats;
  ASSERT_OK(PutPath(*volume_, pool_, tree + "/big.bin", "/big.bin", stats));
  std::vector<uint8_t> got;
  ASSERT_OK(StreamFile(*volume_, pool_, "/big.bin", [&](std::span<const uint8_t> data) {
    got.insert(got.end(), data.begin(), data.end());
    return Status::OK();
  }));
  EXPECT_EQ(got, ReadLocalFile(tree + "/big.bin"));
  // A sink that fails stops the stream with its error.
  EXPECT_THAT(StreamFile(*volume_, pool_, "/big.bin",
                         [](std::span<const uint8_t>) { return Status::IOError("pipe"); }),
              StatusIs(Code::kIOError));
  EXPECT_THAT(StreamFile(*volume_, pool_, "/", [](std::span<const uint8_t>) { return Status(); }),
              StatusIs(Code::kIsDirectory));
}

}  // namespace
}  // namespace strata::fs
