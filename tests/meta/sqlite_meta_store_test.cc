#include "meta/sqlite_meta_store.h"

#include <sqlite3.h>

#include "meta/open_meta_store.h"
#include "meta/sql_access.h"
#include "meta_store_conformance.h"

namespace strata::meta {
namespace {

using strata::testing::IsOk;
using strata::testing::StatusIs;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, MetaStoreConformanceTest,
    ::testing::Values(MetaStoreFactory{"InMemory",
                                       [](const std::string&) {
                                         return std::move(OpenSqliteMetaStore(":memory:")).value();
                                       },
                                       {},
                                       {}},
                      MetaStoreFactory{
                          "File",
                          [](const std::string& dir) {
                            return std::move(OpenSqliteMetaStore(dir + "/meta.db")).value();
                          },
                          [](const std::string& dir) { return dir + "/shared.db"; },
                          [](const std::string& path) {
                            return std::move(OpenSqliteSqlConnection(path)).value();
                          }}),
    [](const ::testing::TestParamInfo<MetaStoreFactory>& p) { return p.param.name; });

TEST(SqliteMetaStoreTest, DataSurvivesReopening) {
  strata::testing::TempDir dir;
  std::string path = dir.Sub("meta.db");
  {
    auto store = std::move(OpenSqliteMetaStore(path)).value();
    VolumeInfo v = *store->CreateVolume("w", 4 << 20);
    ASSERT_OK(store->MakeNode(v.root, "d", NewNode::Directory(0700)));
  }
  auto store = std::move(OpenSqliteMetaStore(path)).value();
  VolumeInfo v = *store->GetVolume("w");
  EXPECT_EQ(store->Lookup(v.root, "d")->mode, 0700u);
}

TEST(SqliteMetaStoreTest, TwoHandlesOnOneFileSeeEachOthersCommits) {
  strata::testing::TempDir dir;
  auto a = std::move(OpenSqliteMetaStore(dir.Sub("meta.db"))).value();
  auto b = std::move(OpenSqliteMetaStore(dir.Sub("meta.db"))).value();
  VolumeInfo v = *a->CreateVolume("w", 4 << 20);
  ASSERT_OK(a->MakeNode(v.root, "from-a", NewNode{}));
  EXPECT_OK(b->Lookup(v.root, "from-a"));
  EXPECT_THAT(b->MakeNode(v.root, "from-a", NewNode{}), StatusIs(Code::kAlreadyExists));
}

TEST(SqliteMetaStoreTest, ADatabaseFromANewerSchemaIsRefused) {
  strata::testing::TempDir dir;
  std::string path = dir.Sub("meta.db");
  { ASSERT_OK(OpenSqliteMetaStore(path)); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_THAT(OpenSqliteMetaStore(path), StatusIs(Code::kNotSupported));
}

TEST(SqliteMetaStoreTest, NotADatabaseIsReportedAsSuch) {
  strata::testing::TempDir dir;
  strata::testing::WriteLocalFile(dir.Sub("meta.db"), std::vector<uint8_t>(4096, 'x'));
  Result<std::unique_ptr<MetaStore>> store = OpenSqliteMetaStore(dir.Sub("meta.db"));
  EXPECT_FALSE(store.ok());
}

TEST(OpenMetaStoreTest, ChoosesTheImplementationByUrl) {
  strata::testing::TempDir dir;
  EXPECT_OK(OpenMetaStore("sqlite://" + dir.Sub("m.db")));
  EXPECT_OK(OpenMetaStore("sqlite::memory:"));
  EXPECT_THAT(OpenMetaStore("sqlite://relative.db"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(OpenMetaStore("mysql://x"), StatusIs(Code::kInvalidArgument));
}

// Holes are stored as runs: a 2^22-chunk file with one chunk written at its end is two records,
// one truncated to any size is none, and lists written before holes existed decode as before.
TEST(ChunkListEncodingTest, RunsOfHolesCostOneRecordAndTrailingHolesNone) {
  ChunkId data = ChunkId::Of(std::vector<uint8_t>{1, 2, 3});
  std::vector<ChunkId> sparse(kMaxChunksPerFile, ChunkId::Hole());
  sparse.back() = data;
  std::string blob = sql::EncodeChunks(sparse);
  EXPECT_EQ(blob.size(), 2 * ChunkId::kSize);
  Result<std::vector<ChunkId>> back = sql::DecodeChunks(blob, "test");
  ASSERT_OK(back);
  EXPECT_EQ(*back, sparse);

  std::vector<ChunkId> trailing(1000, ChunkId::Hole());
  trailing.front() = data;
  EXPECT_EQ(sql::EncodeChunks(trailing).size(), ChunkId::kSize);
  Result<std::vector<ChunkId>> padded =
      sql::DecodeFileChunks(sql::EncodeChunks(trailing), 1000 * 4096, 4096, "test");
  ASSERT_OK(padded);
  EXPECT_EQ(*padded, trailing);

  std::vector<ChunkId> mixed = {data, ChunkId::Hole(), ChunkId::Hole(),
                                data, ChunkId::Hole(), ChunkId::Of(std::vector<uint8_t>{9}),
                                data};
  EXPECT_EQ(*sql::DecodeChunks(sql::EncodeChunks(mixed), "test"), mixed);
  EXPECT_EQ(sql::EncodeChunks(mixed).size(), 6 * ChunkId::kSize);
}

TEST(ChunkListEncodingTest, ACorruptListCannotMakeTheReaderAllocateWithoutBound) {
  std::string run(ChunkId::kSize, '\0');
  for (int b = 0; b < 8; ++b) run[24 + b] = '\xff';  // a run of 2^64 - 1 holes
  EXPECT_THAT(sql::DecodeChunks(run, "inode 7"), StatusIs(Code::kCorruption));
  std::string two_runs;
  std::string half(ChunkId::kSize, '\0');
  half[24 + 2] = static_cast<char>(kMaxChunksPerFile >> 16);  // exactly the maximum…
  two_runs = half + half;                                     // …twice
  EXPECT_THAT(sql::DecodeChunks(two_runs, "inode 7"), StatusIs(Code::kCorruption));
  EXPECT_THAT(sql::DecodeChunks(std::string(33, 'x'), "inode 7"), StatusIs(Code::kCorruption));
  EXPECT_THAT(sql::DecodeFileChunks("", UINT64_MAX, 4096, "inode 7"), StatusIs(Code::kCorruption));
}

}  // namespace
}  // namespace strata::meta

namespace strata::meta {
namespace {

TEST(SqliteMetaStoreTest, ConsistencyCheckFindsDamageMadeBehindItsBack) {
  strata::testing::TempDir dir;
  std::string path = dir.Sub("meta.db");
  {
    auto store = std::move(OpenSqliteMetaStore(path)).value();
    VolumeInfo v = *store->CreateVolume("w", 64 * 1024);
    ASSERT_TRUE(store->MakeNode(v.root, "f", NewNode::File(0644)).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "UPDATE inodes SET nlink = 5 WHERE type = 1", nullptr, nullptr, nullptr),
      SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "INSERT INTO dentries VALUES (1, 'ghost', 999)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = std::move(OpenSqliteMetaStore(path)).value();
  Result<std::vector<std::string>> problems = store->CheckConsistency();
  ASSERT_TRUE(problems.ok());
  EXPECT_EQ(problems->size(), 2u);
}

TEST(SqliteMetaStoreTest, AVersionOneDatabaseIsMigrated) {
  strata::testing::TempDir dir;
  std::string path = dir.Sub("meta.db");
  {
    auto store = std::move(OpenSqliteMetaStore(path)).value();
    ASSERT_TRUE(store->CreateVolume("w", 64 * 1024).ok());
  }
  // Turn it back into a version 1 database, as an older strata wrote it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "DROP TABLE chunk_claims; DROP TABLE chunk_deletions; "
                   "DROP TABLE tokens; DROP TABLE kv; DROP TABLE uploads; DROP TABLE upload_parts; "
                   "UPDATE schema_version SET version = 1",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = std::move(OpenSqliteMetaStore(path)).value();
  EXPECT_TRUE(store->GetVolume("w").ok());
  EXPECT_TRUE(store->ClaimChunks({ChunkId::Of(std::vector<uint8_t>{1})}).ok());
  EXPECT_TRUE(store->KvSet("w", "k", "v", 0).ok());  // version 3's tables
  EXPECT_TRUE(store->ListTokens().ok());
}

}  // namespace
}  // namespace strata::meta
