#include "fs/volume.h"

#include "fs/disk_usage.h"
#include "fs/tree_walk.h"
#include "support/test_util.h"
#include "volume_fixture.h"

namespace strata::fs {
namespace {

using meta::FileType;
using strata::testing::IsOk;
using strata::testing::StatusIs;

class VolumeTest : public VolumeTestBase {
 protected:
  // Stores `data` as chunks and commits it at `path`, as a put does.
  void WriteFile(const std::string& path, const std::vector<uint8_t>& data) {
    meta::FileContent content{data.size(), {}};
    for (size_t off = 0; off < data.size(); off += kTestChunkSize) {
      size_t n = std::min<size_t>(kTestChunkSize, data.size() - off);
      Result<store::PutChunkResult> put =
          volume_->chunks().Put(std::span<const uint8_t>(data.data() + off, n));
      ASSERT_OK(put);
      content.chunks.push_back(put->id);
    }
    ASSERT_OK(volume_->CommitFile(path, meta::NewNode{}, content));
  }

  std::vector<uint8_t> ReadFile(const std::string& path) {
    Result<meta::FileContent> content = volume_->Content(path);
    EXPECT_OK(content);
    if (!content.ok()) return {};
    std::vector<uint8_t> out(content->size_bytes);
    for (size_t i = 0; i < content->chunks.size(); ++i) {
      size_t off = i * kTestChunkSize;
      size_t n = meta::ChunkLength(content->size_bytes, kTestChunkSize, i);
      EXPECT_OK(volume_->ReadChunk(*content, i, std::span<uint8_t>(out.data() + off, n), path));
    }
    return out;
  }
};

TEST_F(VolumeTest, OpeningAMissingVolumeIsNotFound) {
  EXPECT_THAT(Volume::Open(*meta_, *objects_, "nope"), StatusIs(Code::kNotFound));
  EXPECT_THAT(Volume::Open(*meta_, *objects_, "a/b"), StatusIs(Code::kInvalidArgument));
}

TEST_F(VolumeTest, MkdirWithAndWithoutParents) {
  EXPECT_THAT(volume_->Mkdir("/a/b/c", 0755, false), StatusIs(Code::kNotFound));
  ASSERT_OK(volume_->Mkdir("/a/b/c", 0750, true));
  EXPECT_EQ(volume_->Stat("/a/b/c")->mode, 0750u);
  EXPECT_OK(volume_->Mkdir("/a/b/c", 0755, true));
  EXPECT_THAT(volume_->Mkdir("/a/b/c", 0755, false), StatusIs(Code::kAlreadyExists));
  WriteFile("/a/file", {1});
  EXPECT_THAT(volume_->Mkdir("/a/file/x", 0755, true), StatusIs(Code::kNotDirectory));
}

TEST_F(VolumeTest, FilesRoundTripAcrossChunkBoundaries) {
  std::mt19937_64 rng(1);
  for (size_t size : {size_t{0}, size_t{1}, size_t{kTestChunkSize}, size_t{kTestChunkSize + 1},
                      size_t{3 * kTestChunkSize - 7}}) {
    std::vector<uint8_t> data = strata::testing::RandomBytes(rng, size);
    std::string path = "/f" + std::to_string(size);
    WriteFile(path, data);
    EXPECT_EQ(volume_->Stat(path)->size_bytes, size);
    EXPECT_EQ(ReadFile(path), data) << size;
  }
}

TEST_F(VolumeTest, ACorruptedChunkIsReportedNamingTheChunkAndTheFile) {
  std::vector<uint8_t> data(kTestChunkSize * 2, 5);
  data[kTestChunkSize + 10] = 6;  // two different chunks
  ASSERT_OK(volume_->Mkdir("/models", 0755, true));
  WriteFile("/models/w.bin", data);
  meta::FileContent content = *volume_->Content("/models/w.bin");
  std::string key = store::ChunkKey(content.chunks[1]);
  std::vector<uint8_t> bad = *objects_->ReadAll(key);
  bad[0] ^= 1;
  ASSERT_OK(objects_->Put(key, bad));
  std::vector<uint8_t> out(kTestChunkSize);
  Status status = volume_->ReadChunk(content, 1, out, "/models/w.bin");
  EXPECT_THAT(status, StatusIs(Code::kCorruption));
  EXPECT_NE(status.message().find("/models/w.bin"), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find(content.chunks[1].Hex()), std::string::npos);
  EXPECT_OK(volume_->ReadChunk(content, 0, out, "/models/w.bin"));
}

TEST_F(VolumeTest, SymlinksResolveInsideTheVolume) {
  ASSERT_OK(volume_->Mkdir("/hub/blobs", 0755, true));
  ASSERT_OK(volume_->Mkdir("/hub/snapshots/abc", 0755, true));
  WriteFile("/hub/blobs/123", {7, 7, 7});
  // The Hugging Face cache layout: snapshots/<rev>/<file> -> ../../blobs/<hash>.
  ASSERT_OK(volume_->Symlink("../../blobs/123", "/hub/snapshots/abc/config.json"));
  EXPECT_EQ(volume_->Stat("/hub/snapshots/abc/config.json")->type, FileType::kSymlink);
  EXPECT_EQ(volume_->Stat("/hub/snapshots/abc/config.json", true)->size_bytes, 3u);
  EXPECT_EQ(ReadFile("/hub/snapshots/abc/config.json"), (std::vector<uint8_t>{7, 7, 7}));
  // Absolute targets start at the volume root; ".." stops there.
  ASSERT_OK(volume_->Symlink("/hub", "/abs"));
  EXPECT_EQ(volume_->Stat("/abs/blobs/123")->size_bytes, 3u);
  ASSERT_OK(volume_->Symlink("../../../../hub", "/hub/up"));
  EXPECT_EQ(volume_->Stat("/hub/up/blobs/123")->size_bytes, 3u);
  // Loops end with an error, not a hang.
  ASSERT_OK(volume_->Symlink("loop2", "/loop1"));
  ASSERT_OK(volume_->Symlink("loop1", "/loop2"));
  EXPECT_THAT(volume_->Stat("/loop1", true), StatusIs(Code::kInvalidArgument));
  EXPECT_EQ(*volume_->ReadLink("/loop1"), "loop2");
}

TEST_F(VolumeTest, RenameReplacesFilesAndMovesTrees) {
  ASSERT_OK(volume_->Mkdir("/a/b", 0755, true));
  WriteFile("/a/b/f", {1});
  WriteFile("/g", {2});
  ASSERT_OK(volume_->Rename("/g", "/a/b/f"));
  EXPECT_EQ(ReadFile("/a/b/f"), std::vector<uint8_t>{2});
  ASSERT_OK(volume_->Rename("/a", "/z"));
  EXPECT_EQ(ReadFile("/z/b/f"), std::vector<uint8_t>{2});
  EXPECT_THAT(volume_->Stat("/a"), StatusIs(Code::kNotFound));
  EXPECT_THAT(volume_->Rename("/z", "/z/b/inside"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(volume_->Rename("/", "/x"), StatusIs(Code::kInvalidArgument));
}

TEST_F(VolumeTest, RemoveNeedsRecursiveForNonEmptyDirectories) {
  ASSERT_OK(volume_->Mkdir("/d/e", 0755, true));
  WriteFile("/d/e/f", {1});
  EXPECT_THAT(volume_->Remove("/d", false), StatusIs(Code::kNotEmpty));
  EXPECT_OK(volume_->Stat("/d/e/f"));
  EXPECT_OK(volume_->Remove("/d", true));
  EXPECT_THAT(volume_->Stat("/d"), StatusIs(Code::kNotFound));
  EXPECT_THAT(volume_->Remove("/", true), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(volume_->Remove("/nope", false), StatusIs(Code::kNotFound));
}

TEST_F(VolumeTest, CopySharesChunksAndNeedsRecursiveForDirectories) {
  ASSERT_OK(volume_->Mkdir("/src/sub", 0755, true));
  std::vector<uint8_t> data(kTestChunkSize + 5, 9);
  WriteFile("/src/sub/f", data);
  ASSERT_OK(volume_->Symlink("sub/f", "/src/link"));
  EXPECT_THAT(volume_->Copy("/src", "/dst", false), StatusIs(Code::kIsDirectory));
  ASSERT_OK(volume_->Copy("/src", "/dst", true));
  EXPECT_EQ(volume_->Content("/dst/sub/f")->chunks, volume_->Content("/src/sub/f")->chunks);
  EXPECT_NE(volume_->Stat("/dst/sub/f")->ino, volume_->Stat("/src/sub/f")->ino);
  EXPECT_EQ(*volume_->ReadLink("/dst/link"), "sub/f");
  EXPECT_EQ(ReadFile("/dst/link"), data);
  EXPECT_THAT(volume_->Copy("/src", "/src/sub/again", true), StatusIs(Code::kInvalidArgument));
}

// M1: the destination reached through a symlink into the source. Before, the copy found its
// own copy in /d and copied that without end.
TEST_F(VolumeTest, ACopyIntoItselfThroughASymlinkIsRefusedAndMakesNothing) {
  ASSERT_OK(volume_->Mkdir("/d/sub", 0755, true));
  WriteFile("/d/sub/f", {1, 2, 3});
  ASSERT_OK(volume_->Symlink("/d", "/l"));
  Status copied = volume_->Copy("/d", "/l/x", true);
  EXPECT_THAT(copied, StatusIs(Code::kInvalidArgument));
  EXPECT_NE(copied.message().find("into itself"), std::string::npos) << copied.ToString();
  EXPECT_THAT(volume_->Copy("/d", "/l/sub/deeper/x", true), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(volume_->Stat("/d/x"), StatusIs(Code::kNotFound));
  EXPECT_THAT(volume_->Stat("/d/sub/deeper"), StatusIs(Code::kNotFound));
  ASSERT_OK(volume_->Copy("/d", "/elsewhere", true));  // a destination outside is fine
  EXPECT_EQ(ReadFile("/elsewhere/sub/f"), (std::vector<uint8_t>{1, 2, 3}));
}

TEST_F(VolumeTest, ACopyMergesIntoAnExistingTree) {
  ASSERT_OK(volume_->Mkdir("/src/sub", 0755, true));
  WriteFile("/src/sub/f", {1});
  ASSERT_OK(volume_->Mkdir("/dst/sub", 0755, true));
  WriteFile("/dst/sub/g", {2});
  ASSERT_OK(volume_->Copy("/src", "/dst", true));
  EXPECT_EQ(ReadFile("/dst/sub/f"), (std::vector<uint8_t>{1}));
  EXPECT_EQ(ReadFile("/dst/sub/g"), (std::vector<uint8_t>{2}));
}

// M2: directories nest at most kMaxDirectoryDepth deep: mkdir and a rename that would go
// deeper are refused, and a tree at the bound is walked without recursion and removed.
TEST_F(VolumeTest, DirectoriesNestNoDeeperThanTheBoundAndTreesAtItAreWalked) {
  meta::InodeId dir = volume_->info().root;
  meta::NewNode node{meta::FileType::kDirectory, 0755, 0, 0, 0, ""};
  for (size_t depth = 1; depth <= meta::kMaxDirectoryDepth; ++depth) {
    Result<meta::Attr> made = meta_->MakeNode(dir, "d", node);
    ASSERT_OK(made);
    dir = made->ino;
  }
  Result<meta::Attr> deeper = meta_->MakeNode(dir, "d", node);
  EXPECT_THAT(deeper, StatusIs(Code::kInvalidArgument));
  EXPECT_NE(deeper.status().message().find("at most 4096"), std::string::npos)
      << deeper.status().ToString();
  // A rename that would take a subtree past the bound: /t/a/b moved under the deepest one.
  ASSERT_OK(volume_->Mkdir("/t/a/b", 0755, true));
  EXPECT_THAT(meta_->Rename(volume_->Stat("/t")->ino, "a", dir, "a", meta::RenameMode::kReplace),
              StatusIs(Code::kInvalidArgument));
  EXPECT_OK(volume_->Stat("/t/a/b"));  // nothing moved
  // A move that goes no deeper is never refused.
  ASSERT_OK(volume_->Rename("/t/a", "/a"));
  EXPECT_OK(DiskUsage(*volume_, "/d"));
  EXPECT_OK(volume_->Remove("/d", true));
  EXPECT_THAT(volume_->Stat("/d"), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace strata::fs
