// The cache tiers with real components: a local-directory store behind a FaultInjectingStore,
// the disk cache in a temp dir, volumes on SQLite.
#include "cache/tiers.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>

#include "cache/disk_cache.h"
#include "cache/memory_cache.h"
#include "cache/stats_file.h"
#include "cache/store_source.h"
#include "fs/file_reader.h"
#include "fs/get_job.h"
#include "fs/prefetch_job.h"
#include "fs/put_job.h"
#include "meta/sqlite_meta_store.h"
#include "store/chunk_store.h"
#include "store/fault_injecting_store.h"
#include "store/local_dir_store.h"
#include "support/test_util.h"

namespace strata::cache {
namespace {

using store::StoreOp;
using strata::testing::IsOk;
using strata::testing::StatusIs;

constexpr size_t kChunk = 64 * 1024;

class TiersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    objects_ = std::move(store::OpenLocalDirStore(dir_.Sub("store"))).value();
    faulty_ = std::make_unique<store::FaultInjectingStore>(*objects_);
    std::mt19937_64 rng(5);
    store::ChunkStore chunks(*objects_);
    for (int i = 0; i < 16; ++i) {
      data_.push_back(strata::testing::RandomBytes(rng, kChunk));
      ids_.push_back(chunks.Put(data_.back())->id);
    }
  }

  const TierStats& Tier(const std::vector<TierStats>& all, std::string_view name) {
    for (const auto& t : all) {
      if (t.tier == name) return t;
    }
    ADD_FAILURE() << "no tier " << name;
    return all.front();
  }

  std::string CacheFile(const ChunkId& id) {
    std::string hex = id.Hex();
    return dir_.Sub("cache") + "/chunks/" + hex.substr(0, 2) + "/" + hex;
  }

  strata::testing::TempDir dir_;
  std::unique_ptr<store::ObjectStore> objects_;
  std::unique_ptr<store::FaultInjectingStore> faulty_;
  std::vector<std::vector<uint8_t>> data_;
  std::vector<ChunkId> ids_;
};

TEST_F(TiersTest, MemoryCacheIsBoundedInBytesAndEvictsTheLeastRecentlyUsed) {
  StoreSource store(*faulty_);
  MemoryCache memory(store, 3 * kChunk);
  std::vector<uint8_t> out(kChunk);
  for (int i : {0, 1, 2, 0, 3}) ASSERT_OK(memory.Read(ids_[i], out));  // 1 is the LRU at 3
  EXPECT_TRUE(memory.IsCached(ids_[0]));
  EXPECT_FALSE(memory.IsCached(ids_[1]));
  EXPECT_TRUE(memory.IsCached(ids_[2]));
  EXPECT_TRUE(memory.IsCached(ids_[3]));
  std::vector<TierStats> stats;
  memory.CollectStats(stats);
  EXPECT_EQ(Tier(stats, "memory").hits, 1u);
  EXPECT_EQ(Tier(stats, "memory").held_bytes, 3 * kChunk);
  EXPECT_EQ(Tier(stats, "store").misses, 4u);
}

TEST_F(TiersTest, ConcurrentReadersOfAColdChunkCauseOneFetch) {
  // Every reader arrives during the fetch: they start together, and the fetch takes long enough
  // for the slowest thread start of a sanitizer build on a busy 2-core machine.
  faulty_->AddLatency(StoreOp::kRead, 400000);
  StoreSource store(*faulty_);
  MemoryCache memory(store, /*capacity_bytes=*/0);  // single-flight does not need a cache
  std::vector<std::thread> readers;
  std::atomic<int> right{0};
  std::latch start(8);
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&] {
      std::vector<uint8_t> out(kChunk);
      start.arrive_and_wait();
      if (memory.Read(ids_[7], out).ok() && out == data_[7]) ++right;
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(right.load(), 8);
  std::vector<TierStats> stats;
  memory.CollectStats(stats);
  EXPECT_EQ(Tier(stats, "store").misses, 1u);
}

TEST_F(TiersTest, DiskCacheSurvivesARestartAndServesWithoutTheStore) {
  {
    StoreSource store(*faulty_);
    auto disk = std::move(DiskCache::Open(store, dir_.Sub("cache"), 1 << 30)).value();
    std::vector<uint8_t> out(kChunk);
    for (int i = 0; i < 4; ++i) ASSERT_OK(disk->Read(ids_[i], out));
  }
  faulty_->FailAfter(StoreOp::kRead, 0, Code::kUnavailable);  // the store is down
  StoreSource store(*faulty_, /*max_attempts=*/1);
  auto disk = std::move(DiskCache::Open(store, dir_.Sub("cache"), 1 << 30)).value();
  std::vector<TierStats> stats;
  disk->CollectStats(stats);
  EXPECT_EQ(Tier(stats, "disk").held_entries, 4u);  // the index was rebuilt from the directory
  std::vector<uint8_t> out(kChunk);
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(disk->Read(ids_[i], out));
    EXPECT_EQ(out, data_[i]);
  }
  EXPECT_THAT(disk->Read(ids_[5], out), StatusIs(Code::kUnavailable));
}

// M10: a cache this process creates is its user's alone, whatever the umask; one made shared
// by an administrator keeps its mode in what it holds; a symlink planted as the stats file is
// never written through.
TEST_F(TiersTest, ACacheIsPrivateUnlessItsDirectoryWasMadeShared) {
  namespace stdfs = std::filesystem;
  StoreSource store(*faulty_);
  mode_t old_mask = ::umask(0);
  std::vector<uint8_t> out(kChunk);
  {
    auto disk = std::move(DiskCache::Open(store, dir_.Sub("private"), 1 << 30)).value();
    ASSERT_OK(disk->Read(ids_[0], out));
  }
  ASSERT_EQ(::mkdir(dir_.Sub("shared").c_str(), 0770), 0);
  {
    auto disk = std::move(DiskCache::Open(store, dir_.Sub("shared"), 1 << 30)).value();
    ASSERT_OK(disk->Read(ids_[0], out));
  }
  ::umask(old_mask);
  auto mode = [](const stdfs::path& p) {
    struct stat st;
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  };
  for (const char* name : {"private", "shared"}) {
    mode_t want_dir = std::string(name) == "private" ? 0700 : 0770;
    mode_t want_file = std::string(name) == "private" ? 0600 : 0660;
    EXPECT_EQ(mode(dir_.Sub(name)), want_dir) << name;
    size_t files = 0;
    for (const auto& e : stdfs::recursive_directory_iterator(dir_.Sub(name))) {
      if (e.is_directory()) {
        EXPECT_EQ(mode(e.path()), want_dir) << e.path();
      }
      if (e.is_regular_file()) {
        EXPECT_EQ(mode(e.path()), want_file) << e.path();
        ++files;
      }
    }
    EXPECT_GE(files, 1u) << name;
  }
  std::string victim = dir_.Sub("victim");
  std::ofstream(victim) << "precious";
  ASSERT_EQ(::symlink(victim.c_str(), dir_.Sub("shared/stats").c_str()), 0);
  EXPECT_FALSE(MergeStatsFile(dir_.Sub("shared/stats"), {}).ok());
  std::ifstream in(victim);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "precious");
}

TEST_F(TiersTest, DiskCacheEvictsTheLeastRecentlyUsedToStayInItsBound) {
  StoreSource store(*faulty_);
  auto disk = std::move(DiskCache::Open(store, dir_.Sub("cache"), 4 * kChunk)).value();
  std::vector<uint8_t> out(kChunk);
  for (int i : {0, 1, 2, 3, 0, 4, 5}) ASSERT_OK(disk->Read(ids_[i], out));
  EXPECT_TRUE(disk->IsCached(ids_[0]));  // used again, so kept
  EXPECT_FALSE(disk->IsCached(ids_[1]));
  EXPECT_FALSE(disk->IsCached(ids_[2]));
  EXPECT_TRUE(disk->IsCached(ids_[5]));
  std::vector<TierStats> stats;
  disk->CollectStats(stats);
  EXPECT_LE(Tier(stats, "disk").held_bytes, 4 * kChunk);
  // On disk too, not only in the index.
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.Sub("cache/chunks"))) {
    files += e.is_regular_file();
  }
  EXPECT_EQ(files, 4u);
}

TEST_F(TiersTest, ADamagedOrTruncatedCacheFileIsDroppedAndFetchedAgain) {
  StoreSource store(*faulty_);
  auto disk = std::move(DiskCache::Open(store, dir_.Sub("cache"), 1 << 30)).value();
  std::vector<uint8_t> out(kChunk);
  ASSERT_OK(disk->Read(ids_[0], out));
  ASSERT_OK(disk->Read(ids_[1], out));
  {  // flip a byte of one, cut the other short
    std::fstream f(CacheFile(ids_[0]), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x42');
  }
  ASSERT_EQ(::truncate(CacheFile(ids_[1]).c_str(), 1000), 0);
  for (int i : {0, 1}) {
    ASSERT_OK(disk->Read(ids_[i], out));
    EXPECT_EQ(out, data_[i]);
  }
  std::vector<TierStats> stats;
  disk->CollectStats(stats);
  EXPECT_EQ(Tier(stats, "disk").dropped_corrupt, 2u);
  EXPECT_EQ(Tier(stats, "store").misses, 4u);
  // And the fresh copies are whole again.
  ASSERT_OK(disk->Read(ids_[0], out));
  EXPECT_EQ(out, data_[0]);
}

TEST_F(TiersTest, AReadOnlyCacheDirectoryCostsCachingNotReads) {
  if (::geteuid() == 0) {
    // root writes anyway; a full directory is the same case for the cache: make writes fail.
    StoreSource store(*faulty_);
    auto disk = std::move(DiskCache::Open(store, dir_.Sub("cache"), 1 << 30)).value();
    std::filesystem::remove_all(dir_.Sub("cache/tmp"));  // every write of a temporary fails
    std::vector<uint8_t> out(kChunk);
    ASSERT_OK(disk->Read(ids_[0], out));
    EXPECT_EQ(out, data_[0]);
    EXPECT_FALSE(disk->IsCached(ids_[0]));
    std::vector<TierStats> stats;
    disk->CollectStats(stats);
    EXPECT_EQ(Tier(stats, "disk").errors, 1u);
    return;
  }
  StoreSource store(*faulty_);
  auto disk = std::move(DiskCache::Open(store, dir_.Sub("cache"), 1 << 30)).value();
  ASSERT_EQ(::chmod(dir_.Sub("cache/tmp").c_str(), 0500), 0);
  std::vector<uint8_t> out(kChunk);
  ASSERT_OK(disk->Read(ids_[0], out));
  EXPECT_EQ(out, data_[0]);
}

TEST_F(TiersTest, StatsFileAddsUpProcesses) {
  std::string path = dir_.Sub("stats");
  TierStats a{.tier = "disk", .hits = 2, .misses = 3, .hit_bytes = 10};
  TierStats b{.tier = "store", .misses = 3, .fetched_bytes = 30};
  ASSERT_OK(MergeStatsFile(path, {a, b}));
  ASSERT_OK(MergeStatsFile(path, {a}));
  Result<std::vector<TierStats>> totals = LoadStatsFile(path);
  ASSERT_OK(totals);
  ASSERT_EQ(totals->size(), 2u);
  EXPECT_EQ((*totals)[0].hits, 4u);
  EXPECT_EQ((*totals)[0].hit_bytes, 20u);
  EXPECT_EQ((*totals)[1].fetched_bytes, 30u);
  ASSERT_OK(ClearStatsFile(path));
  EXPECT_TRUE(LoadStatsFile(path)->empty());
}

// Reads through a whole volume with the store misbehaving.
class VolumeTiersTest : public TiersTest {
 protected:
  void SetUp() override {
    TiersTest::SetUp();
    meta_ = std::move(meta::OpenSqliteMetaStore(dir_.Sub("meta.db"))).value();
    ASSERT_OK(meta_->CreateVolume("v", kChunk));
    tiers_ = std::move(Tiers::Open(*faulty_, {dir_.Sub("cache"), 1 << 30, 1 << 20, {}})).value();
    volume_ = std::move(fs::Volume::Open(*meta_, *faulty_, "v", &tiers_->top())).value();
    std::mt19937_64 rng(9);
    std::filesystem::create_directories(dir_.Sub("model"));
    for (int i = 0; i < 5; ++i) {
      auto bytes = strata::testing::RandomBytes(rng, (i * 7 + 3) * kChunk + 123);
      strata::testing::WriteLocalFile(dir_.Sub("model/shard" + std::to_string(i)), bytes);
      files_.push_back(bytes);
    }
    fs::TransferStats stats;
    ASSERT_OK(fs::PutPath(*volume_, pool_, dir_.Sub("model"), "/m", stats));
  }

  std::vector<uint8_t> Cat(const std::string& path, Status* status) {
    std::vector<uint8_t> got;
    *status = fs::StreamFile(*volume_, pool_, path, [&](std::span<const uint8_t> bytes) {
      got.insert(got.end(), bytes.begin(), bytes.end());
      return Status::OK();
    });
    return got;
  }

  ThreadPool pool_{8};
  std::unique_ptr<meta::MetaStore> meta_;
  std::unique_ptr<Tiers> tiers_;
  std::shared_ptr<fs::Volume> volume_;
  std::vector<std::vector<uint8_t>> files_;
};

TEST_F(VolumeTiersTest, WithFivePercentOfStoreReadsFailingEveryReadIsRight) {
  faulty_->FailRandomly(StoreOp::kRead, 0.05, strata::testing::TestSeed(), Code::kUnavailable);
  // Five rounds from an empty cache: ~450 store reads, so faults are certain to be injected
  // (0.95^450 ≈ 1e-10), not only likely.
  for (int round = 0; round < 5; ++round) {
    ASSERT_OK(tiers_->disk()->Clear());
    for (int i = 0; i < 5; ++i) {
      Status status;
      std::vector<uint8_t> got = Cat("/m/shard" + std::to_string(i), &status);
      ASSERT_OK(status);
      EXPECT_EQ(got, files_[i]) << "shard " << i;
    }
  }
  EXPECT_GT(faulty_->injected(), 0u);
}

TEST_F(VolumeTiersTest, DamagedTransfersAreRetriedNeverReturned) {
  faulty_->CorruptReads(0.1, strata::testing::TestSeed());
  for (int round = 0; round < 3; ++round) {  // ~270 store reads: corruption is certain
    ASSERT_OK(tiers_->disk()->Clear());
    for (int i = 0; i < 5; ++i) {
      Status status;
      std::vector<uint8_t> got = Cat("/m/shard" + std::to_string(i), &status);
      ASSERT_OK(status);
      EXPECT_EQ(got, files_[i]);
    }
  }
  EXPECT_GT(faulty_->injected(), 0u);
}

TEST_F(VolumeTiersTest, WithTheStoreDownCachedFilesReadAndOthersFailNamingChunkAndFile) {
  std::vector<std::string> paths = {"/m/shard1"};
  fs::TransferStats stats;
  ThreadPool fetchers(16);
  Result<fs::PrefetchReport> report =
      fs::Prefetch(*volume_, tiers_->top(), fetchers, paths, false, stats);
  ASSERT_OK(report);
  EXPECT_EQ(report->fetched_chunks, 11u);  // 10 whole chunks and a tail
  faulty_->FailAfter(StoreOp::kRead, 0, Code::kUnavailable);
  Status status;
  EXPECT_EQ(Cat("/m/shard1", &status), files_[1]);
  EXPECT_OK(status);
  Cat("/m/shard2", &status);
  EXPECT_THAT(status, StatusIs(Code::kUnavailable));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("/m/shard2 (chunk 0 of 18)"));
  EXPECT_THAT(status.message(), ::testing::HasSubstr("chunks/"));  // the chunk's key names it
}

TEST_F(VolumeTiersTest, PrefetchFetchesEachChunkOnceAndCheckReportsWithoutFetching) {
  std::vector<std::string> paths = {"/m"};
  fs::TransferStats check_stats;
  ThreadPool fetchers(16);
  Result<fs::PrefetchReport> before =
      fs::Prefetch(*volume_, tiers_->top(), fetchers, paths, /*check_only=*/true, check_stats);
  ASSERT_OK(before);
  ASSERT_EQ(before->files.size(), 5u);
  for (const auto& f : before->files) EXPECT_EQ(f.cached_bytes, 0u) << f.path;
  fs::TransferStats stats;
  Result<fs::PrefetchReport> report =
      fs::Prefetch(*volume_, tiers_->top(), fetchers, paths, false, stats);
  ASSERT_OK(report);
  size_t chunks = 0;
  uint64_t bytes = 0;
  for (const auto& f : report->files) {
    chunks += f.chunks;
    bytes += f.size_bytes;
    EXPECT_EQ(f.cached_bytes, f.size_bytes) << f.path;
  }
  EXPECT_EQ(report->fetched_chunks, chunks);
  EXPECT_EQ(report->fetched_bytes, bytes);
  EXPECT_EQ(stats.bytes_done.load(), bytes);
  // A second prefetch finds everything here.
  fs::TransferStats again_stats;
  Result<fs::PrefetchReport> again =
      fs::Prefetch(*volume_, tiers_->top(), fetchers, paths, false, again_stats);
  ASSERT_OK(again);
  EXPECT_EQ(again->fetched_chunks, 0u);
}

TEST_F(VolumeTiersTest, ASequentialReaderIsReadAheadOfARandomOneIsNot) {
  auto store_fetches = [&] {
    for (const auto& t : tiers_->Stats()) {
      if (t.tier == "store") return t.misses;
    }
    return uint64_t{0};
  };
  Result<meta::FileContent> content = volume_->Content("/m/shard4");  // 31 chunks
  ASSERT_OK(content);
  {
    fs::FileReader reader(volume_, pool_, *content, "/m/shard4");
    std::vector<uint8_t> out(4096);
    ASSERT_EQ(*reader.ReadAt(0, out), out.size());  // touches chunk 0; sequential from the start
  }                                                 // waits for the read-ahead
  EXPECT_EQ(store_fetches(), 3u);                   // chunk 0, and 1 and 2 ahead of the reader
  uint64_t before = store_fetches();
  {
    fs::FileReader reader(volume_, pool_, *content, "/m/shard4");
    std::vector<uint8_t> out(1000);
    for (uint64_t chunk : {20, 9, 27, 14}) {
      uint64_t offset = chunk * kChunk + 77;
      ASSERT_EQ(*reader.ReadAt(offset, out), out.size());
      EXPECT_TRUE(std::equal(out.begin(), out.end(), files_[4].begin() + offset));
    }
  }
  EXPECT_EQ(store_fetches() - before, 4u);  // exactly the chunks touched
}

TEST_F(VolumeTiersTest, SmallSequentialReadsReturnTheFileAndFetchEachChunkOnce) {
  Result<meta::FileContent> content = volume_->Content("/m/shard3");
  ASSERT_OK(content);
  std::vector<uint8_t> got;
  {
    fs::FileReader reader(volume_, pool_, *content, "/m/shard3");
    std::vector<uint8_t> out(10000);  // not a divisor of the chunk size: reads straddle chunks
    uint64_t offset = 0;
    while (true) {
      Result<size_t> n = reader.ReadAt(offset, out);
      ASSERT_OK(n);
      if (*n == 0) break;
      got.insert(got.end(), out.begin(), out.begin() + static_cast<ptrdiff_t>(*n));
      offset += *n;
    }
  }
  EXPECT_EQ(got, files_[3]);
  for (const auto& t : tiers_->Stats()) {
    if (t.tier == "store") {
      EXPECT_EQ(t.misses, content->chunks.size());
    }
  }
}

}  // namespace
}  // namespace strata::cache
