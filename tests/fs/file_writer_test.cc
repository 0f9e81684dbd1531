#include "fs/file_writer.h"

#include <chrono>
#include <random>
#include <thread>

#include "core/env.h"
#include "fs/volume_fixture.h"
#include "store/chunk_store.h"

namespace strata::fs {
namespace {

using strata::testing::StatusIs;

class FileWriterTest : public VolumeTestBase {
 protected:
  void SetUp() override {
    VolumeTestBase::SetUp();
    ASSERT_OK(strata::PosixEnv().CreateDirs(dir_.Sub("spill")));
  }

  // An empty file "/f" and a writer on it.
  std::unique_ptr<FileWriter> NewFile(const std::string& path = "/f") {
    Result<meta::Attr> attr = volume_->CommitFile(path, meta::NewNode::File(0644), {});
    EXPECT_OK(attr);
    return Writer(path);
  }

  std::unique_ptr<FileWriter> Writer(const std::string& path) {
    meta::Attr attr;
    Result<meta::FileContent> content = volume_->Content(path, &attr);
    EXPECT_OK(content);
    Result<std::unique_ptr<FileWriter>> w =
        FileWriter::Open(volume_, pool_, attr.ino, *content, dir_.Sub("spill"), path);
    EXPECT_OK(w);
    return std::move(w).value();
  }

  std::vector<uint8_t> Committed(const std::string& path) { return ReadBack(pool_, path); }

  static std::vector<uint8_t> Bytes(size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7 + i / 251);
    return v;
  }

  ThreadPool pool_{4};
};

TEST_F(FileWriterTest, NothingIsVisibleUntilCommit) {
  auto w = NewFile();
  std::vector<uint8_t> data = Bytes(3 * kTestChunkSize + 100, 1);
  ASSERT_OK(w->Write(0, data));
  EXPECT_TRUE(w->dirty());
  EXPECT_EQ(volume_->Stat("/f")->size_bytes, 0u);
  Result<std::optional<meta::Attr>> attr = w->Commit();
  ASSERT_OK(attr);
  ASSERT_TRUE(attr->has_value());
  EXPECT_EQ((*attr)->size_bytes, data.size());
  EXPECT_FALSE(w->dirty());
  EXPECT_EQ(Committed("/f"), data);
  // A second commit with no change publishes nothing.
  EXPECT_FALSE(w->Commit()->has_value());
}

TEST_F(FileWriterTest, FullChunksAreStoredWhileTheFileIsStillBeingWritten) {
  auto w = NewFile();
  std::vector<uint8_t> data = Bytes(2 * kTestChunkSize, 2);
  ASSERT_OK(w->Write(0, data));
  ChunkId first = ChunkId::Of(std::span(data).first(kTestChunkSize));
  // The first chunk is stored without a commit: poll the store for a bounded time.
  bool stored = false;
  for (int i = 0; i < 500 && !stored; ++i) {
    stored = objects_->Head(store::ChunkKey(first)).ok();
    if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(stored);
  EXPECT_EQ(volume_->Stat("/f")->size_bytes, 0u);
}

TEST_F(FileWriterTest, OverwritingOneChunkKeepsTheOthersIds) {
  std::vector<uint8_t> data = Bytes(4 * kTestChunkSize, 3);
  {
    auto w = NewFile();
    ASSERT_OK(w->Write(0, data));
    ASSERT_OK(w->Commit());
  }
  meta::FileContent before = *volume_->Content("/f");
  auto w = Writer("/f");
  std::vector<uint8_t> patch = Bytes(10, 99);
  ASSERT_OK(w->Write(kTestChunkSize + 5, patch));
  std::copy(patch.begin(), patch.end(), data.begin() + kTestChunkSize + 5);
  std::vector<uint8_t> seen(data.size());
  EXPECT_EQ(*w->ReadAt(0, seen), data.size());
  EXPECT_EQ(seen, data);  // the writer reads its own writes before the commit
  ASSERT_OK(w->Commit());
  meta::FileContent after = *volume_->Content("/f");
  ASSERT_EQ(after.chunks.size(), 4u);
  EXPECT_EQ(after.chunks[0], before.chunks[0]);
  EXPECT_NE(after.chunks[1], before.chunks[1]);
  EXPECT_EQ(after.chunks[2], before.chunks[2]);
  EXPECT_EQ(after.chunks[3], before.chunks[3]);
  EXPECT_EQ(Committed("/f"), data);
}

// The largest file (2^22 chunks) can be made by truncate and written at its last byte: the
// chunks never written are holes, so nothing is stored, hashed or fetched for them; past it,
// every size and offset is FileTooLarge, whatever its magnitude (EFBIG in the mount).
TEST_F(FileWriterTest, TheLargestFileCostsOnlyWhatIsWrittenAndPastItIsFileTooLarge) {
  const uint64_t max = meta::MaxFileBytes(kTestChunkSize);
  std::unique_ptr<FileWriter> w = NewFile();
  for (uint64_t size : {max + 1, uint64_t{999999999999999}, uint64_t{INT64_MAX}, UINT64_MAX}) {
    EXPECT_THAT(w->Truncate(size), StatusIs(Code::kFileTooLarge)) << size;
  }
  const uint8_t x[1] = {'x'};
  for (uint64_t offset : {max, uint64_t{1} << 44, (uint64_t{1} << 40) + 1, UINT64_MAX}) {
    EXPECT_THAT(w->Write(offset, x), StatusIs(Code::kFileTooLarge)) << offset;
  }
  EXPECT_EQ(w->size(), 0u);  // a refused change changes nothing

  ASSERT_OK(w->Truncate(max));
  ASSERT_OK(w->Commit());
  size_t objects = 0;
  ASSERT_OK(objects_->List("", [&](const store::ObjectInfo&) {
    ++objects;
    return Status::OK();
  }));
  EXPECT_EQ(objects, 0u);  // 2^22 holes: not one chunk stored

  ASSERT_OK(w->Write(max - 1, x));
  ASSERT_OK(w->Commit());
  Result<meta::FileContent> content = volume_->Content("/f");
  ASSERT_OK(content);
  ASSERT_EQ(content->chunks.size(), meta::kMaxChunksPerFile);
  EXPECT_TRUE(content->chunks.front().is_hole());
  EXPECT_FALSE(content->chunks.back().is_hole());
  objects = 0;
  ASSERT_OK(objects_->List("", [&](const store::ObjectInfo&) {
    ++objects;
    return Status::OK();
  }));
  EXPECT_EQ(objects, 1u);

  FileReader reader(volume_, pool_, *content, "/f");
  std::vector<uint8_t> tail(4);
  Result<size_t> got = reader.ReadAt(max - 3, tail);
  ASSERT_OK(got);
  EXPECT_EQ(*got, 3u);
  EXPECT_EQ(std::vector<uint8_t>(tail.begin(), tail.begin() + 3),
            (std::vector<uint8_t>{0, 0, 'x'}));
  std::vector<uint8_t> middle(1000, 0xff);
  ASSERT_OK(reader.ReadAt(max / 2, middle));
  EXPECT_EQ(middle, std::vector<uint8_t>(1000, 0));

  // A hole read back never reaches the store, and a copy of the file adopts only what is stored.
  ASSERT_OK(volume_->Copy("/f", "/copy", false));
  EXPECT_EQ(volume_->Content("/copy")->chunks, content->chunks);
}

TEST_F(FileWriterTest, HolesAndExtensionsReadAsZeros) {
  auto w = NewFile();
  ASSERT_OK(w->Write(0, Bytes(100, 4)));
  ASSERT_OK(w->Write(3 * kTestChunkSize + 1, Bytes(1, 5)));
  ASSERT_OK(w->Truncate(5 * kTestChunkSize));
  ASSERT_OK(w->Commit());
  std::vector<uint8_t> want(5 * kTestChunkSize, 0);
  std::vector<uint8_t> head = Bytes(100, 4);
  std::copy(head.begin(), head.end(), want.begin());
  want[3 * kTestChunkSize + 1] = Bytes(1, 5)[0];
  EXPECT_EQ(Committed("/f"), want);
}

TEST_F(FileWriterTest, ShrinkThenGrowDoesNotResurrectOldBytes) {
  {
    auto w = NewFile();
    ASSERT_OK(w->Write(0, Bytes(3 * kTestChunkSize, 6)));
    ASSERT_OK(w->Commit());
  }
  auto w = Writer("/f");
  ASSERT_OK(w->Truncate(kTestChunkSize / 2));
  ASSERT_OK(w->Truncate(3 * kTestChunkSize));
  ASSERT_OK(w->Commit());
  std::vector<uint8_t> want(3 * kTestChunkSize, 0);
  std::vector<uint8_t> head = Bytes(kTestChunkSize / 2, 6);
  std::copy(head.begin(), head.end(), want.begin());
  EXPECT_EQ(Committed("/f"), want);
}

TEST_F(FileWriterTest, CommitAfterTheLastNameIsGoneIsNotFound) {
  auto w = NewFile();
  ASSERT_OK(w->Write(0, Bytes(10, 7)));
  ASSERT_OK(volume_->Remove("/f", false));
  EXPECT_THAT(w->Commit(), StatusIs(Code::kNotFound));
}

TEST_F(FileWriterTest, TheCommitFollowsTheInodeAcrossARename) {
  auto w = NewFile();
  ASSERT_OK(w->Write(0, Bytes(10, 8)));
  ASSERT_OK(volume_->Rename("/f", "/g"));
  ASSERT_OK(w->Commit());
  EXPECT_EQ(Committed("/g"), Bytes(10, 8));
}

TEST_F(FileWriterTest, SetMtimeIsPublishedByTheCommit) {
  auto w = NewFile();
  ASSERT_OK(w->Write(0, Bytes(10, 9)));
  w->SetMtime(1234567890);
  ASSERT_OK(w->Commit());
  EXPECT_EQ(volume_->Stat("/f")->mtime_ns, 1234567890);
}

// Random writes, truncates and commits against an in-memory model of the file.
TEST_F(FileWriterTest, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(20261123);
  auto w = NewFile();
  std::vector<uint8_t> model;
  for (int step = 0; step < 300; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      uint64_t offset = rng() % (6 * kTestChunkSize);
      size_t n = static_cast<size_t>(1 + rng() % (2 * kTestChunkSize));
      std::vector<uint8_t> data = Bytes(n, static_cast<uint8_t>(step));
      ASSERT_OK(w->Write(offset, data));
      if (model.size() < offset + n) model.resize(offset + n, 0);
      std::copy(data.begin(), data.end(), model.begin() + static_cast<ptrdiff_t>(offset));
    } else if (op < 8) {
      uint64_t size = rng() % (7 * kTestChunkSize);
      ASSERT_OK(w->Truncate(size));
      model.resize(size, 0);
    } else if (op < 9) {
      ASSERT_OK(w->Commit());
      ASSERT_EQ(Committed("/f"), model) << "after commit at step " << step;
    } else {
      uint64_t offset = rng() % (model.size() + 1);
      std::vector<uint8_t> seen(static_cast<size_t>(rng() % (3 * kTestChunkSize)) + 1);
      size_t got = *w->ReadAt(offset, seen);
      ASSERT_EQ(got, std::min<uint64_t>(seen.size(), model.size() - offset));
      ASSERT_TRUE(std::equal(seen.begin(), seen.begin() + static_cast<ptrdiff_t>(got),
                             model.begin() + static_cast<ptrdiff_t>(offset)))
          << "read at step " << step;
    }
    ASSERT_EQ(w->size(), model.size());
  }
  ASSERT_OK(w->Commit());
  EXPECT_EQ(Committed("/f"), model);
}

}  // namespace
}  // namespace strata::fs
