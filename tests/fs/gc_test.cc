// GC and fsck against a real volume, including the races GC must not lose: a put that finds a
// chunk present while a GC runs, and a put that meets a deletion in progress. Each race is
// forced into the bad interleaving with sync points, so the outcome is deterministic.
#include "fs/gc.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <limits>
#include <thread>

#include "core/clock.h"
#include "core/env.h"
#include "fs/chunk_sink.h"
#include "fs/file_writer.h"
#include "fs/fsck.h"
#include "fs/put_job.h"
#include "fs/stream_writer.h"
#include "fs/upload_session.h"
#include "support/test_util.h"
#include "volume_fixture.h"

namespace strata::fs {
namespace {

using strata::testing::IsOk;
using strata::testing::StatusIs;
namespace stdfs = std::filesystem;

constexpr int64_t kHour = 3600LL * 1000000000;

class GcTest : public VolumeTestBase {
 protected:
  // A local file of `chunks` distinct chunks.
  std::string MakeFile(const std::string& name, size_t chunks, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string path = dir_.Sub(name);
    strata::testing::WriteLocalFile(path,
                                    strata::testing::RandomBytes(rng, chunks * kTestChunkSize));
    return path;
  }

  Status Put(const std::string& local, const std::string& path, const PutHooks& hooks = {}) {
    TransferStats stats;
    return PutPath(*volume_, pool_, local, path, stats, hooks);
  }

  // As if `age_ns` had passed: every stored object looks written that long ago, and the claims
  // of the writers so far are gone (a GC would have expired them by then).
  // Time passes: claims expire, and files removed so far were removed long enough ago to be
  // forgotten (as a GC past their grace period does).
  void AgeObjects(int64_t age_ns) {
    ASSERT_OK(meta_->ExpireClaims(NowNanos() + 1));
    ASSERT_OK(meta_->PurgeUnlinked(NowNanos() + 1, false));
    int64_t then = NowNanos() - age_ns;
    struct timespec ts {
      static_cast<time_t>(then / 1000000000), static_cast<long>(then % 1000000000)
    };
    struct timespec times[2] = {ts, ts};
    for (const auto& e : stdfs::recursive_directory_iterator(dir_.Sub("chunks"))) {
      if (e.is_regular_file()) {
        ASSERT_EQ(::utimensat(AT_FDCWD, e.path().c_str(), times, 0), 0);
      }
    }
  }

  // Files removed so far are forgotten, as once their grace period is over.
  void ForgetRemoved() { ASSERT_OK(meta_->PurgeUnlinked(NowNanos() + 1, false)); }

  // Reads every chunk of `path`, verified.
  Status ReadWhole(const std::string& path) {
    ASSIGN_OR_RETURN(meta::FileContent content, volume_->Content(path));
    for (size_t i = 0; i < content.chunks.size(); ++i) {
      std::vector<uint8_t> buf(meta::ChunkLength(content.size_bytes, kTestChunkSize, i));
      RETURN_IF_ERROR(volume_->ReadChunk(content, i, buf, path));
    }
    return Status::OK();
  }

  Result<GcReport> Gc(int64_t grace_ns, std::function<void()> after_marking = {}) {
    GcOptions options;
    options.grace_ns = grace_ns;
    options.after_marking = std::move(after_marking);
    return RunGc(*meta_, *objects_, pool_, options);
  }

  Result<FsckReport> Fsck(bool deep = false, bool repair = false) {
    return RunFsck(*meta_, *objects_, pool_, FsckOptions{repair, deep});
  }

  ThreadPool pool_{4};
};

TEST_F(GcTest, DeletesOnlyChunksNoFileReferences) {
  std::string a = MakeFile("a", 3, 1);
  std::string b = MakeFile("b", 2, 2);
  ASSERT_OK(Put(a, "/a"));
  ASSERT_OK(Put(b, "/b"));
  ASSERT_OK(volume_->Copy("/a", "/a-copy", false));
  ASSERT_OK(volume_->Remove("/a", false));
  ASSERT_OK(volume_->Remove("/b", false));
  AgeObjects(2 * kHour);
  Result<GcReport> report = Gc(kHour);
  ASSERT_OK(report);
  EXPECT_EQ(report->chunk_objects, 5u);
  EXPECT_EQ(report->deleted, 2u);  // b's; a's live on in a-copy
  EXPECT_EQ(report->deleted_bytes, 2 * kTestChunkSize);
  EXPECT_OK(ReadWhole("/a-copy"));
  EXPECT_TRUE(Fsck()->clean());
  EXPECT_EQ(Fsck()->orphans, 0u);
}

TEST_F(GcTest, KeepsChunksYoungerThanTheGracePeriod) {
  ASSERT_OK(Put(MakeFile("a", 2, 1), "/a"));
  ASSERT_OK(volume_->Remove("/a", false));
  ForgetRemoved();
  Result<GcReport> report = Gc(kHour);
  ASSERT_OK(report);
  EXPECT_EQ(report->young, 2u);
  EXPECT_EQ(report->deleted, 0u);
  EXPECT_EQ(Fsck()->orphans, 2u);
  EXPECT_EQ(Gc(0)->deleted, 2u);
  EXPECT_EQ(Fsck()->orphans, 0u);
}

TEST_F(GcTest, DryRunDeletesNothing) {
  ASSERT_OK(Put(MakeFile("a", 2, 1), "/a"));
  ASSERT_OK(volume_->Remove("/a", false));
  ForgetRemoved();
  GcOptions options;
  options.grace_ns = 0;
  options.dry_run = true;
  EXPECT_EQ(RunGc(*meta_, *objects_, pool_, options)->deleted, 2u);
  EXPECT_EQ(Fsck()->orphans, 2u);
}

// The race of issue 7: a put finds chunk X present (an old orphan) and skips uploading it; a GC
// runs before the put commits. The put's claim must keep X alive.
TEST_F(GcTest, AChunkFoundPresentByAPutSurvivesAConcurrentGc) {
  std::string local = MakeFile("model", 3, 7);
  ASSERT_OK(Put(local, "/old"));
  ASSERT_OK(volume_->Remove("/old", false));  // its chunks are now orphans...
  AgeObjects(2 * kHour);                      // ...and older than the grace period

  std::promise<void> at_sync_point;
  std::promise<void> resume;
  std::shared_future<void> resumed = resume.get_future().share();
  PutHooks hooks;
  hooks.before_commit = [&](const std::string&) {
    at_sync_point.set_value();
    resumed.wait();
  };
  TransferStats stats;
  std::future<Status> put = std::async(
      std::launch::async, [&] { return PutPath(*volume_, pool_, local, "/new", stats, hooks); });
  at_sync_point.get_future().wait();  // every chunk found present, the file not committed yet
  EXPECT_EQ(stats.chunks_present.load(), 3u);
  Result<GcReport> report = Gc(kHour);
  ASSERT_OK(report);
  EXPECT_EQ(report->deleted, 0u) << "GC deleted chunks a put was about to commit";
  EXPECT_EQ(report->kept, 3u);
  resume.set_value();
  ASSERT_OK(put.get());
  EXPECT_OK(ReadWhole("/new"));

  // Control: once nothing references or freshly claims them, the same chunks do go.
  ASSERT_OK(volume_->Remove("/new", false));
  EXPECT_EQ(Gc(0)->deleted, 3u);
}

// The other order: GC has marked X for deletion but not deleted it yet when a put claims X. The
// put must not trust the object it can still see; it waits for the deletion and uploads X again.
TEST_F(GcTest, ARemovedFilesChunksOutliveItByAGracePeriod) {
  ASSERT_OK(Put(MakeFile("model", 2, 11), "/m"));
  AgeObjects(2 * kHour);
  ASSERT_OK(volume_->Remove("/m", false));  // just now: a mount may still have it open
  Result<GcReport> report = Gc(kHour);
  ASSERT_OK(report);
  EXPECT_EQ(report->deleted, 0u);
  EXPECT_EQ(report->unlinked_purged, 0u);
  report = Gc(0);  // no grace: the removed file is forgotten, then its chunks go
  ASSERT_OK(report);
  EXPECT_EQ(report->unlinked_purged, 1u);
  EXPECT_EQ(report->deleted, 2u);
}

TEST_F(GcTest, APutThatMeetsADeletionInProgressUploadsTheChunkAgain) {
  std::string local = MakeFile("model", 2, 9);
  ASSERT_OK(Put(local, "/old"));
  ASSERT_OK(volume_->Remove("/old", false));
  AgeObjects(2 * kHour);

  std::promise<void> marked;
  std::promise<void> resume_gc;
  std::shared_future<void> gc_resumed = resume_gc.get_future().share();
  std::future<Result<GcReport>> gc = std::async(std::launch::async, [&] {
    return Gc(kHour, [&] {
      marked.set_value();
      gc_resumed.wait();
    });
  });
  marked.get_future().wait();  // the chunks are marked, and still in the store

  std::promise<void> put_waiting;
  std::atomic<bool> signalled{false};
  PutHooks hooks;
  hooks.on_claim_wait = [&] {
    if (!signalled.exchange(true)) put_waiting.set_value();
  };
  TransferStats stats;
  std::future<Status> put = std::async(
      std::launch::async, [&] { return PutPath(*volume_, pool_, local, "/new", stats, hooks); });
  put_waiting.get_future().wait();  // the put saw the deletion in progress
  resume_gc.set_value();
  Result<GcReport> report = gc.get();
  ASSERT_OK(report);
  EXPECT_EQ(report->deleted, 2u);
  ASSERT_OK(put.get());
  EXPECT_EQ(stats.chunks_uploaded.load(), 2u);
  EXPECT_OK(ReadWhole("/new"));
  EXPECT_TRUE(Fsck()->clean());
}

// A resumable upload is a writer too: its parts outlive their writers' claims while the
// session lives, and become collectable when it expires.
TEST_F(GcTest, AnUploadSessionKeepsItsPartsUntilItExpires) {
  std::mt19937_64 rng(7);
  auto send = [&](UploadSession& session, uint32_t number) {
    std::vector<uint8_t> bytes = strata::testing::RandomBytes(rng, kTestChunkSize);
    Result<UploadPartWriter> part = UploadPartWriter::Begin(session, number, pool_, 2);
    ASSERT_OK(part);
    ASSERT_OK(part->Append(bytes));
    ASSERT_OK(part->Finish(""));
  };
  Result<UploadSession> live =
      UploadSession::Create(*volume_, "/up", kTestChunkSize, kMaxUploadTtlNanos);
  ASSERT_OK(live);
  send(*live, 0);
  send(*live, 1);
  Result<UploadSession> dying = UploadSession::Create(*volume_, "/gone", kTestChunkSize, kHour);
  ASSERT_OK(dying);
  send(*dying, 0);
  AgeObjects(2 * kHour);
  // Two hours on, as GC would see it then: the hour-long session is over.
  EXPECT_EQ(*meta_->ExpireUploads(NowNanos() + 2 * kHour), 1u);
  Result<GcReport> report = Gc(kHour);
  ASSERT_OK(report);
  EXPECT_EQ(report->deleted, 1u);  // the expired session's part; the live one's stay
  ASSERT_OK(live->Complete({}));
  EXPECT_OK(ReadWhole("/up"));
  EXPECT_TRUE(Fsck()->clean());
}

TEST_F(GcTest, TheNextGcFinishesTheDeletionsOfOneThatDied) {
  ASSERT_OK(Put(MakeFile("a", 2, 3), "/a"));
  meta::FileContent content = *volume_->Content("/a");
  ASSERT_OK(volume_->Remove("/a", false));
  ForgetRemoved();
  // A GC marked both chunks, deleted one object, and died.
  ASSERT_OK(meta_->BeginChunkDeletion(content.chunks, std::numeric_limits<int64_t>::max(),
                                      /*dry_run=*/false));
  ASSERT_OK(objects_->Delete(store::ChunkKey(content.chunks[0])));
  Result<GcReport> report = Gc(kHour);
  ASSERT_OK(report);
  EXPECT_EQ(report->leftover_marks, 2u);
  EXPECT_TRUE(meta_->ChunksBeingDeleted()->empty());
  EXPECT_THAT(objects_->Head(store::ChunkKey(content.chunks[1])), StatusIs(Code::kNotFound));
  // Writers are no longer held up by those marks.
  EXPECT_TRUE(meta_->ClaimChunks(content.chunks)->empty());
}

// A gc that died leaves its marks until the next gc: a writer waits for them, on the metadata
// store's clock, and after five minutes says what to run instead of hanging.
TEST_F(GcTest, AWriterWaitsForADeadGcsMarksOnlySoLongAndSaysWhatToRun) {
  FakeClock clock;
  std::unique_ptr<meta::MetaStore> meta =
      std::move(meta::OpenSqliteMetaStore(dir_.Sub("fake-clock.db"), clock)).value();
  ASSERT_OK(meta->CreateVolume("v", kTestChunkSize));
  std::unique_ptr<Volume> volume = std::move(Volume::Open(*meta, *objects_, "v")).value();
  std::vector<uint8_t> bytes(kTestChunkSize, 7);
  ASSERT_OK(meta->BeginChunkDeletion({ChunkId::Of(bytes)}, std::numeric_limits<int64_t>::max(),
                                     /*dry_run=*/false));
  int waits = 0;
  ChunkSink sink(*volume, ChunkSinkOptions{0, [&] { ++waits; }});
  EXPECT_THAT(sink.Put(bytes), StatusIs(Code::kUnavailable, ::testing::HasSubstr("strata gc")));
  EXPECT_EQ(waits, 1);
  EXPECT_GE(clock.slept(), std::chrono::minutes(5));
  EXPECT_LT(clock.slept(), std::chrono::minutes(5) + std::chrono::seconds(1));

  // Once the marks are cleared, the same put goes through.
  ASSERT_OK(meta->EndChunkDeletion({ChunkId::Of(bytes)}));
  EXPECT_OK(sink.Put(bytes));
}

TEST_F(GcTest, DeletingAVolumeKeepsChunksAnotherVolumeShares) {
  ASSERT_OK(meta_->CreateVolume("other", kTestChunkSize));
  std::unique_ptr<Volume> other = std::move(Volume::Open(*meta_, *objects_, "other")).value();
  std::string shared = MakeFile("shared", 2, 4);
  ASSERT_OK(Put(shared, "/s"));
  ASSERT_OK(Put(MakeFile("own", 1, 5), "/own"));
  TransferStats stats;
  ASSERT_OK(PutPath(*other, pool_, shared, "/s", stats));
  ASSERT_OK(meta_->DeleteVolume("v"));
  Result<GcReport> report = Gc(0);
  ASSERT_OK(report);
  EXPECT_EQ(report->deleted, 1u);  // only v's own chunk
  meta::FileContent content = *other->Content("/s");
  std::vector<uint8_t> buf(kTestChunkSize);
  EXPECT_OK(other->ReadChunk(content, 1, buf, "/s"));
  EXPECT_TRUE(Fsck()->clean());
}

TEST_F(GcTest, FsckFindsMissingShortAndCorruptChunks) {
  ASSERT_OK(Put(MakeFile("a", 3, 6), "/a"));
  EXPECT_TRUE(Fsck(/*deep=*/true)->clean());
  meta::FileContent content = *volume_->Content("/a");
  ASSERT_OK(objects_->Delete(store::ChunkKey(content.chunks[0])));
  ASSERT_OK(objects_->Put(store::ChunkKey(content.chunks[1]), std::vector<uint8_t>(10, 1)));
  std::vector<uint8_t> flipped = *objects_->ReadAll(store::ChunkKey(content.chunks[2]));
  flipped[5] ^= 1;
  ASSERT_OK(objects_->Put(store::ChunkKey(content.chunks[2]), flipped));
  Result<FsckReport> shallow = Fsck();
  ASSERT_OK(shallow);
  EXPECT_EQ(shallow->missing, 1u);
  EXPECT_EQ(shallow->wrong_size, 1u);
  EXPECT_EQ(shallow->corrupt, 0u);
  EXPECT_FALSE(shallow->clean());
  Result<FsckReport> deep = Fsck(/*deep=*/true);
  EXPECT_EQ(deep->corrupt, 1u);
  EXPECT_EQ(deep->problems.size(), 3u);
}

TEST_F(GcTest, FsckCountsOrphansAndRepairRemovesOldTemporaries) {
  ASSERT_OK(Put(MakeFile("a", 2, 8), "/a"));
  ASSERT_OK(volume_->Remove("/a", false));
  ForgetRemoved();
  std::string temp = dir_.Sub("chunks/.tmp/999-1");
  strata::testing::WriteLocalFile(temp, {1, 2, 3});
  Result<FsckReport> report = Fsck();
  ASSERT_OK(report);
  EXPECT_TRUE(report->clean());  // orphans and temporaries are gc's business, not damage
  EXPECT_EQ(report->orphans, 2u);
  EXPECT_EQ(report->temporaries, 1u);
  EXPECT_EQ(Fsck(false, /*repair=*/true)->temporaries_removed, 0u);  // may be a live write
  AgeObjects(kHour);
  EXPECT_EQ(Fsck(false, /*repair=*/true)->temporaries_removed, 1u);
  EXPECT_FALSE(stdfs::exists(temp));
}

// H5: a file written through the mount and kept open past the grace period. Its full chunks were
// stored (and claimed) as they filled; gc then found them old, unreferenced and unclaimed, and
// deleted them. Closing the file must not publish a chunk list naming deleted chunks: the writer
// renews its claims, finds what is gone and stores it again from its spill file.
TEST_F(GcTest, AMountWriterHeldPastTheGracePeriodStoresAgainWhatGcTook) {
  ASSERT_OK(strata::PosixEnv().CreateDirs(dir_.Sub("spill")));
  meta::Attr attr = *volume_->CommitFile("/open", meta::NewNode::File(0644), {});
  std::mt19937_64 rng(11);
  std::vector<uint8_t> bytes = strata::testing::RandomBytes(rng, 3 * kTestChunkSize + 100);
  // 0: the writer checks its chunks at every commit, as it does once its first claim is older
  // than the renewal age (ten minutes), which the aging below stands for.
  auto writer = std::move(FileWriter::Open(volume_, pool_, attr.ino, {}, dir_.Sub("spill"), "/open",
                                           /*renew_claims_after_ns=*/0))
                    .value();
  ASSERT_OK(writer->Write(0, bytes));
  // The three full chunks are stored in the background; wait for them to be in the store.
  ASSERT_TRUE(strata::testing::WaitFor([&] {
    size_t chunks = 0;
    (void)objects_->List(store::kChunkKeyPrefix, [&](const store::ObjectInfo&) {
      ++chunks;
      return Status::OK();
    });
    return chunks == 3;
  }));
  AgeObjects(2 * kHour);
  Result<GcReport> report = Gc(kHour);
  ASSERT_OK(report);
  ASSERT_EQ(report->deleted, 3u);  // the window the defect needs really happened

  ASSERT_OK(writer->Commit());
  EXPECT_OK(ReadWhole("/open"));
  std::vector<uint8_t> back(bytes.size());
  FileReader reader(volume_, pool_, *volume_->Content("/open"), "/open");
  ASSERT_EQ(*reader.ReadAt(0, back), bytes.size());
  EXPECT_EQ(back, bytes);
  EXPECT_TRUE(Fsck()->clean());
}

// The one writer protocol (ChunkSink), writer by writer: chunks stored, then aged and collected
// by a gc before the commit. A writer that still has the bytes stores them again; one that does
// not fails with Aborted and publishes nothing. No writer publishes a chunk list naming a chunk
// the store does not have.
class WriterGcTest : public GcTest {
 protected:
  size_t StoredChunks() {
    size_t chunks = 0;
    (void)objects_->List(store::kChunkKeyPrefix, [&](const store::ObjectInfo&) {
      ++chunks;
      return Status::OK();
    });
    return chunks;
  }
  // Ages every stored object and runs a gc that must collect exactly `expected` chunks.
  void AgeAndCollect(size_t expected) {
    AgeObjects(2 * kHour);
    Result<GcReport> report = Gc(kHour);
    ASSERT_OK(report);
    ASSERT_EQ(report->deleted, expected);  // the window the defect needs really happened
  }
  std::vector<uint8_t> Bytes(size_t length, uint64_t seed) {
    std::mt19937_64 rng(seed);
    return strata::testing::RandomBytes(rng, length);
  }
};

TEST_F(WriterGcTest, ASinkStoresAgainFromTheWritersBytesWhatGcTook) {
  std::vector<uint8_t> bytes = Bytes(2 * kTestChunkSize, 1);
  std::span<const uint8_t> all(bytes);
  ChunkSink sink(*volume_, ChunkSinkOptions{/*renew_after_ns=*/0, {}});
  meta::FileContent content{bytes.size(), {}};
  for (size_t i = 0; i < 2; ++i) {
    content.chunks.push_back(sink.Put(all.subspan(i * kTestChunkSize, kTestChunkSize))->id);
  }
  AgeAndCollect(2);
  int rereads = 0;
  auto reread = [&](size_t i) -> Result<std::vector<uint8_t>> {
    ++rereads;
    auto piece = all.subspan(i * kTestChunkSize, kTestChunkSize);
    return std::vector<uint8_t>(piece.begin(), piece.end());
  };
  ASSERT_OK(sink.Commit("/f", meta::NewNode::File(0644), content, "/f", reread));
  EXPECT_EQ(rereads, 2);
  EXPECT_EQ(ReadBack(pool_, "/f"), bytes);
  EXPECT_TRUE(Fsck()->clean());
}

TEST_F(WriterGcTest, ASinkWithoutTheBytesOfAChunkGcTookPublishesNothing) {
  std::vector<uint8_t> bytes = Bytes(kTestChunkSize, 2);
  ChunkSink sink(*volume_, ChunkSinkOptions{0, {}});
  meta::FileContent content{bytes.size(), {sink.Put(bytes)->id}};
  AgeAndCollect(1);
  EXPECT_THAT(sink.Commit("/f", meta::NewNode::File(0644), content, "/f").status(),
              StatusIs(Code::kAborted));
  EXPECT_THAT(volume_->Stat("/f").status(), StatusIs(Code::kNotFound));
  // Adopting (cp's way) a chunk that is gone fails the same way.
  EXPECT_THAT(ChunkSink(*volume_).Adopt(content.chunks, "/src"), StatusIs(Code::kAborted));
}

TEST_F(WriterGcTest, AYoungSinkTrustsTheStoreWithoutAskingIt) {
  // The renewal age is what keeps commits cheap: before it, the claims alone protect the chunks
  // (a gc with a sane grace period has not expired them), so nothing is re-read.
  std::vector<uint8_t> bytes = Bytes(kTestChunkSize, 3);
  ChunkSink sink(*volume_);
  meta::FileContent content{bytes.size(), {sink.Put(bytes)->id}};
  bool reread = false;
  ASSERT_OK(sink.Commit("/f", meta::NewNode::File(0644), content, "/f",
                        [&](size_t) -> Result<std::vector<uint8_t>> {
                          reread = true;
                          return Status::NotFound("");
                        }));
  EXPECT_FALSE(reread);
  EXPECT_EQ(ReadBack(pool_, "/f"), bytes);
}

TEST_F(WriterGcTest, APutHeldPastTheGracePeriodStoresAgainWhatGcTook) {
  std::string local = MakeFile("local", 3, 4);
  PutHooks hooks;
  hooks.renew_claims_after_ns = 0;
  bool collected = false;
  hooks.before_commit = [&](const std::string&) {
    AgeAndCollect(3);
    collected = true;
  };
  ASSERT_OK(Put(local, "/p", hooks));
  ASSERT_TRUE(collected);
  EXPECT_OK(ReadWhole("/p"));
  EXPECT_EQ(ReadBack(pool_, "/p"), strata::testing::ReadLocalFile(local));
  EXPECT_TRUE(Fsck()->clean());
}

TEST_F(WriterGcTest, AStreamHeldPastTheGracePeriodFailsRatherThanPublishAMissingChunk) {
  // The server's stream writer has no copy of what it streamed: a chunk gc took fails the
  // upload (the client sends it again) instead of publishing a file that cannot be read.
  std::vector<uint8_t> bytes = Bytes(3 * kTestChunkSize, 5);
  StreamWriter writer(*volume_, pool_, 4, ChunkSinkOptions{0, {}});
  ASSERT_OK(writer.Append(bytes));
  ASSERT_TRUE(strata::testing::WaitFor([&] { return StoredChunks() == 3; }));
  AgeAndCollect(3);
  EXPECT_THAT(writer.Commit("/s").status(), StatusIs(Code::kAborted));
  EXPECT_THAT(volume_->Stat("/s").status(), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace strata::fs
