#include "store/chunk_store.h"

#include "store/local_dir_store.h"
#include "store/memory_store.h"
#include "support/test_util.h"

namespace strata::store {
namespace {

using testing::IsOk;
using testing::StatusIs;

TEST(ChunkStoreTest, KeyIsTheHexIdUnderATwoDigitFanOut) {
  std::vector<uint8_t> data{'a', 'b', 'c'};
  ChunkId id = ChunkId::Of(data);
  EXPECT_EQ(ChunkKey(id),
            "chunks/ba/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ChunkStoreTest, KeysParseBackToTheirIdsAndNothingElseDoes) {
  ChunkId id = ChunkId::Of(std::vector<uint8_t>{1, 2, 3});
  Result<ChunkId> parsed = ChunkIdFromKey(ChunkKey(id));
  ASSERT_OK(parsed);
  EXPECT_EQ(*parsed, id);
  std::string key = ChunkKey(id);
  std::string wrong_fanout = key;
  wrong_fanout[7] = wrong_fanout[7] == '0' ? '1' : '0';
  for (const std::string& bad : {std::string("chunks/ab/xyz"), std::string("other/") + key,
                                 wrong_fanout, key + "x", key.substr(0, key.size() - 1)}) {
    EXPECT_THAT(ChunkIdFromKey(bad), StatusIs(Code::kInvalidArgument)) << bad;
  }
}

TEST(ChunkStoreTest, IdenticalChunksAreStoredOnce) {
  auto objects = NewMemoryStore();
  ChunkStore chunks(*objects);
  std::vector<uint8_t> data(1000, 42);
  Result<PutChunkResult> first = chunks.Put(data);
  Result<PutChunkResult> second = chunks.Put(data);
  ASSERT_OK(first);
  ASSERT_OK(second);
  EXPECT_TRUE(first->uploaded);
  EXPECT_FALSE(second->uploaded);
  EXPECT_EQ(first->id, second->id);
  std::vector<uint8_t> out(1000);
  EXPECT_OK(chunks.Read(first->id, out));
  EXPECT_EQ(out, data);
}

TEST(ChunkStoreTest, ADamagedChunkIsCorruptionNamingTheChunk) {
  strata::testing::TempDir dir;
  auto objects = std::move(OpenLocalDirStore(dir.path())).value();
  ChunkStore chunks(*objects);
  std::vector<uint8_t> data(4096, 1);
  ChunkId id = chunks.Put(data)->id;
  // Flip one byte of the stored object, keeping its size.
  std::vector<uint8_t> damaged = data;
  damaged[100] ^= 0xff;
  strata::testing::WriteLocalFile(dir.path() + "/" + ChunkKey(id), damaged);
  std::vector<uint8_t> out(4096);
  Status status = chunks.Read(id, out);
  EXPECT_THAT(status, StatusIs(Code::kCorruption));
  EXPECT_NE(status.message().find(id.Hex()), std::string::npos);
}

TEST(ChunkStoreTest, ATruncatedChunkIsCorruptionAndIsRepairedByTheNextPut) {
  auto objects = NewMemoryStore();
  ChunkStore chunks(*objects);
  std::vector<uint8_t> data(4096, 3);
  ChunkId id = chunks.Put(data)->id;
  ASSERT_OK(objects->Put(ChunkKey(id), std::vector<uint8_t>(10, 3)));
  std::vector<uint8_t> out(4096);
  EXPECT_THAT(chunks.Read(id, out), StatusIs(Code::kCorruption));
  Result<PutChunkResult> again = chunks.Put(data);
  ASSERT_OK(again);
  EXPECT_TRUE(again->uploaded);
  EXPECT_OK(chunks.Read(id, out));
}

TEST(ChunkStoreTest, AMissingChunkIsNotFoundNamingTheChunk) {
  auto objects = NewMemoryStore();
  ChunkStore chunks(*objects);
  std::vector<uint8_t> out(3);
  ChunkId id = ChunkId::Of(std::vector<uint8_t>{1, 2, 3});
  Status status = chunks.Read(id, out);
  EXPECT_THAT(status, StatusIs(Code::kNotFound));
  EXPECT_NE(status.message().find(id.Hex()), std::string::npos);
}

}  // namespace
}  // namespace strata::store
