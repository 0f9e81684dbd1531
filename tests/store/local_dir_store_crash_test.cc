// The local store under power cuts at every point of a workload (CrashEnv), including cuts where
// the file system had already committed some unsynced renames: an object under its final name is
// always whole, and every Put that returned OK survives.
#include <functional>

#include "store/chunk_store.h"
#include "store/local_dir_store.h"
#include "support/crash_env.h"
#include "support/test_util.h"

namespace strata::store {
namespace {

using strata::testing::CrashEnv;
using strata::testing::IsOk;
using strata::testing::StatusIs;

// Stores a few chunks; records the ids whose Put returned OK.
Status Workload(ObjectStore& store, std::vector<ChunkId>& acknowledged) {
  ChunkStore chunks(store);
  for (int i = 0; i < 8; ++i) {
    std::vector<uint8_t> data(1000 + static_cast<size_t>(i) * 37, static_cast<uint8_t>(i));
    ASSIGN_OR_RETURN(PutChunkResult put, chunks.Put(data));
    acknowledged.push_back(put.id);
  }
  return Status::OK();
}

TEST(LocalDirStoreCrashTest, EveryObjectIsWholeAndEveryAcknowledgedPutSurvivesAtAnyCrashPoint) {
  int64_t total = 0;
  {
    CrashEnv env;
    auto store = std::move(OpenLocalDirStore(env, "/store")).value();
    int64_t before = env.mutations();
    std::vector<ChunkId> ids;
    ASSERT_OK(Workload(*store, ids));
    total = env.mutations() - before;
  }
  ASSERT_GT(total, 40);
  for (int64_t run = 0; run <= 4 * total; ++run) {
    // Every crash point, each with the plain power cut and with three early-journal variants.
    int64_t crash_point = run / 4;
    uint64_t seed = static_cast<uint64_t>(run % 4);
    SCOPED_TRACE(::testing::Message()
                 << "crash after " << crash_point << " of " << total << ", seed " << seed);
    CrashEnv env;
    std::vector<ChunkId> acknowledged;
    {
      auto store = std::move(OpenLocalDirStore(env, "/store")).value();
      env.CrashAfter(crash_point);
      Status status = Workload(*store, acknowledged);
      EXPECT_EQ(status.ok(), crash_point == total) << status.ToString();
    }
    env.Crash(seed);
    auto store = std::move(OpenLocalDirStore(env, "/store")).value();
    size_t whole = 0;
    ASSERT_OK(store->List(kChunkKeyPrefix, [&](const ObjectInfo& info) {
      Result<std::vector<uint8_t>> data = store->ReadAll(info.key);
      EXPECT_OK(data);
      EXPECT_EQ(ChunkKey(ChunkId::Of(*data)), info.key) << "wrong bytes under a final name";
      ++whole;
      return Status::OK();
    }));
    EXPECT_GE(whole, acknowledged.size());
    ChunkStore chunks(*store);
    for (const auto& id : acknowledged) {
      Result<ObjectInfo> info = store->Head(ChunkKey(id));
      ASSERT_OK(info) << "an acknowledged put was lost";
      std::vector<uint8_t> out(info->size_bytes);
      EXPECT_OK(chunks.Read(id, out));
    }
    if (HasFailure()) break;
  }
}

// The hazard the store's write order avoids, shown on the simulated disk itself: a file renamed
// into place before its bytes were synced comes back empty after a crash.
TEST(CrashEnvTest, RenamingBeforeSyncingTheBytesLosesThem) {
  CrashEnv env;
  ASSERT_OK(env.CreateDirs("/d"));
  auto file = std::move(env.NewWritableFile("/d/tmp")).value();
  ASSERT_OK(file->Append(std::vector<uint8_t>(100, 7)));
  ASSERT_OK(file->Close());
  ASSERT_OK(env.Rename("/d/tmp", "/d/final"));
  ASSERT_OK(env.SyncDir("/d"));
  env.Crash();
  Result<FileStat> st = env.Stat("/d/final");
  ASSERT_OK(st);
  EXPECT_EQ(st->size_bytes, 0u);
}

TEST(CrashEnvTest, UnsyncedNamesVanish) {
  CrashEnv env;
  ASSERT_OK(env.CreateDirs("/d"));
  auto file = std::move(env.NewWritableFile("/d/f")).value();
  ASSERT_OK(file->Append(std::vector<uint8_t>(10, 1)));
  ASSERT_OK(file->Sync());
  env.Crash();  // the bytes were synced, the name was not
  EXPECT_THAT(env.Stat("/d/f"), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace strata::store
