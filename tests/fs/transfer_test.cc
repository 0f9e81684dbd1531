#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "fs/get_job.h"
#include "fs/put_job.h"
#include "meta/sqlite_meta_store.h"
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

// H6, step by step: a volume writer first plants a symlink to a directory of the victim's, then
// makes the same name a directory; the victim's second get into the same destination must not
// write through the symlink the first get made.
TEST_F(TransferTest, AGetNeverWritesThroughASymlinkInTheDestination) {
  std::string victim = dir_.Sub("victim-ssh");
  stdfs::create_directories(victim);
  ASSERT_OK(volume_->Mkdir("/proj", 0755, false));
  ASSERT_OK(volume_->Symlink(victim, "/proj/models"));
  std::string local = dir_.Sub("proj");
  TransferStats stats;
  ASSERT_OK(GetPath(*volume_, pool_, "/proj", local, stats));
  ASSERT_TRUE(stdfs::is_symlink(local + "/models"));  // symlinks are got as they are

  ASSERT_OK(volume_->Remove("/proj/models", false));
  ASSERT_OK(volume_->Mkdir("/proj/models", 0777, false));
  std::string keys = dir_.Sub("authorized_keys");
  WriteLocalFile(keys, {'e', 'v', 'i', 'l'});
  ASSERT_OK(PutPath(*volume_, pool_, keys, "/proj/models/authorized_keys", stats));
  ASSERT_OK(GetPath(*volume_, pool_, "/proj", local, stats));

  EXPECT_TRUE(stdfs::is_empty(victim)) << "the get wrote through the symlink";
  struct stat st;
  ASSERT_EQ(::stat(victim.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u) << "the get chmodded the symlink's target";
  EXPECT_TRUE(stdfs::is_directory(stdfs::symlink_status(local + "/models")));
  EXPECT_EQ(ReadLocalFile(local + "/models/authorized_keys"), ReadLocalFile(keys));
}

TEST_F(TransferTest, AFileGotWhereASymlinkIsReplacesTheLinkNotItsTarget) {
  std::string target = dir_.Sub("target.txt");
  WriteLocalFile(target, {'o', 'k'});
  std::string local = dir_.Sub("out");
  stdfs::create_directories(local);
  ::symlink(target.c_str(), (local + "/f").c_str());
  std::string source = dir_.Sub("f");
  WriteLocalFile(source, {'n', 'e', 'w'});
  TransferStats stats;
  ASSERT_OK(PutPath(*volume_, pool_, source, "/f", stats));
  ASSERT_OK(GetPath(*volume_, pool_, "/f", local + "/f", stats));
  EXPECT_EQ(ReadLocalFile(target), (std::vector<uint8_t>{'o', 'k'}));
  EXPECT_FALSE(stdfs::is_symlink(local + "/f"));
  EXPECT_EQ(ReadLocalFile(local + "/f"), ReadLocalFile(source));
}

TEST_F(TransferTest, SetuidBitsAndTheUmaskAreAppliedUnlessModesArePreserved) {
  std::string source = dir_.Sub("tool");
  WriteLocalFile(source, {'#', '!'});
  ASSERT_EQ(::chmod(source.c_str(), 04777), 0);
  TransferStats stats;
  ASSERT_OK(PutPath(*volume_, pool_, source, "/tool", stats));
  ASSERT_EQ(volume_->Stat("/tool", false)->mode & 07777, 04777u);
  ASSERT_OK(volume_->Mkdir("/shared", 03777, false));
  mode_t old_mask = ::umask(022);
  ASSERT_OK(GetPath(*volume_, pool_, "/tool", dir_.Sub("plain"), stats));
  ASSERT_OK(GetPath(*volume_, pool_, "/shared", dir_.Sub("plain-dir"), stats));
  ASSERT_OK(GetPath(*volume_, pool_, "/tool", dir_.Sub("kept"), stats, {.preserve_mode = true}));
  ::umask(old_mask);
  struct stat st;
  ASSERT_EQ(::stat(dir_.Sub("plain").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat(dir_.Sub("plain-dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat(dir_.Sub("kept").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04777u);
}

TEST_F(TransferTest, AnEntryNamedDotDotInTheMetadataIsRefused) {
  // Anyone with access to a shared metadata database can store any bytes as a name.
  ASSERT_OK(volume_->Mkdir("/d", 0755, false));
  std::string source = dir_.Sub("payload");
  WriteLocalFile(source, {'x'});
  TransferStats stats;
  ASSERT_OK(PutPath(*volume_, pool_, source, "/d/evil", stats));
  {
    auto sql = std::move(meta::OpenSqliteSqlConnection(dir_.Sub("meta.db"))).value();
    ASSERT_OK(
        sql->Exec("UPDATE dentries SET name = CAST('..' AS BLOB) "
                  "WHERE name = CAST('evil' AS BLOB)"));
  }
  std::string local = dir_.Sub("out/d");
  stdfs::create_directories(dir_.Sub("out"));
  Status got = GetPath(*volume_, pool_, "/d", local, stats);
  EXPECT_THAT(got, StatusIs(Code::kInvalidArgument));
  EXPECT_FALSE(stdfs::exists(dir_.Sub("out/payload")));
  EXPECT_FALSE(stdfs::exists(dir_.Sub("out/..")) && stdfs::is_regular_file(dir_.Sub("out/..")));
}

// L8: the temporary beside a file of a 250-byte name must itself fit in NAME_MAX.
TEST_F(TransferTest, AFileOfTheLongestNamesIsGot) {
  std::string name(250, 'n');
  std::string source = dir_.Sub("src");
  WriteLocalFile(source, {'l', 'o', 'n', 'g'});
  TransferStats stats;
  ASSERT_OK(PutPath(*volume_, pool_, source, "/" + name, stats));
  std::string out = dir_.Sub("out");
  stdfs::create_directories(out);
  ASSERT_OK(GetPath(*volume_, pool_, "/" + name, out, stats));
  EXPECT_EQ(ReadLocalFile(out + "/" + name), ReadLocalFile(source));
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
