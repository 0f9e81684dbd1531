// The MetaStore conformance suite against a real PostgreSQL server (tests/support/pg_server.sh,
// STRATA_TEST_PG_URL), one fresh database per test; and several processes renaming and writing
// the same paths at once.
#include "meta/postgres_meta_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/core.h>

#include "meta/meta_store_conformance.h"
#include "meta/postgres_connection.h"

namespace strata::meta {
namespace {

using strata::testing::IsOk;

// STRATA_TEST_PG_URL, or the one in the env file that pg_server.sh wrote (STRATA_TEST_PG_ENV).
std::string ServerUrl() {
  if (const char* url = std::getenv("STRATA_TEST_PG_URL"); url && *url) return url;
  if (const char* file = std::getenv("STRATA_TEST_PG_ENV"); file && *file) {
    std::ifstream in(file);
    std::string line;
    constexpr std::string_view kKey = "export STRATA_TEST_PG_URL=";
    while (std::getline(in, line)) {
      if (line.starts_with(kKey)) return line.substr(kKey.size());
    }
  }
  ADD_FAILURE() << "no PostgreSQL server: set STRATA_TEST_PG_URL, or STRATA_TEST_PG_ENV to the env "
                   "file of tests/support/pg_server.sh (ctest does)";
  return "";
}

// A new, empty database on the test server; its URL.
std::string FreshDatabase() {
  static std::atomic<int> counter{0};
  std::string server = ServerUrl();
  std::string name = fmt::format("strata_test_{}_{}", ::getpid(), counter++);
  auto admin = std::move(PostgresConnection::Open(server)).value();
  Status created = admin->Exec(fmt::format("CREATE DATABASE {}", name).c_str());
  EXPECT_TRUE(created.ok()) << created.message();
  return server.substr(0, server.rfind('/') + 1) + name;
}

INSTANTIATE_TEST_SUITE_P(Postgres, MetaStoreConformanceTest,
                         ::testing::Values(MetaStoreFactory{
                             "Postgres",
                             [](const std::string&) {
                               return std::move(OpenPostgresMetaStore(FreshDatabase())).value();
                             },
                             [](const std::string&) { return FreshDatabase(); },
                             [](const std::string& url) {
                               return std::move(OpenPostgresSqlConnection(url)).value();
                             }}));

TEST(PostgresMetaStoreTest, PlaceholdersAreNumberedOutsideQuotes) {
  EXPECT_EQ(NumberPlaceholders("SELECT ? FROM t WHERE a = ? AND b = '?'"),
            "SELECT $1 FROM t WHERE a = $2 AND b = '?'");
}

TEST(PostgresMetaStoreTest, ReopeningKeepsTheTreeAndTheSchema) {
  std::string url = FreshDatabase();
  {
    auto store = std::move(OpenPostgresMetaStore(url)).value();
    VolumeInfo v = std::move(store->CreateVolume("w", kDefaultChunkSize)).value();
    ASSERT_THAT(store->MakeNode(v.root, "d", NewNode::Directory(0755)).status(), IsOk());
  }
  auto store = std::move(OpenPostgresMetaStore(url)).value();
  VolumeInfo v = std::move(store->GetVolume("w")).value();
  EXPECT_THAT(store->Lookup(v.root, "d").status(), IsOk());
}

TEST(PostgresMetaStoreTest, ABadUrlIsAClearError) {
  Result<std::unique_ptr<MetaStore>> store =
      OpenPostgresMetaStore("postgres://nobody@127.0.0.1:1/none");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable);
  EXPECT_NE(store.status().message().find("cannot connect to PostgreSQL"), std::string::npos);
}

// Processes that each open the store and, at random, create, rewrite, rename over and remove
// files and directories with the same few names. Conflicting transactions are retried by the
// store; every answer must be a legal one for rename(2)-style semantics, and the tree must be
// consistent at the end.
TEST(PostgresMetaStoreTest, ConcurrentProcessesNeverCorruptTheTree) {
  std::string url = FreshDatabase();
  VolumeInfo volume;
  {
    auto store = std::move(OpenPostgresMetaStore(url)).value();
    volume = std::move(store->CreateVolume("w", kDefaultChunkSize)).value();
    ASSERT_THAT(store->MakeNode(volume.root, "a", NewNode::Directory(0755)).status(), IsOk());
    ASSERT_THAT(store->MakeNode(volume.root, "b", NewNode::Directory(0755)).status(), IsOk());
  }
  constexpr int kProcesses = 4;
  constexpr int kOps = 150;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid != 0) {
      children.push_back(pid);
      continue;
    }
    // The child: any unexpected answer is exit code 1.
    auto opened = OpenPostgresMetaStore(url);
    if (!opened.ok()) std::_Exit(2);
    MetaStore& store = **opened;
    std::mt19937_64 rng(static_cast<uint64_t>(p) * 7919 + 1);
    const char* names[] = {"x", "y", "z"};
    for (int i = 0; i < kOps; ++i) {
      auto dir = store.Lookup(volume.root, rng() % 2 ? "a" : "b");
      if (!dir.ok()) std::_Exit(3);
      InodeId other = std::move(store.Lookup(volume.root, rng() % 2 ? "a" : "b")).value().ino;
      std::string name = names[rng() % 3];
      std::string other_name = names[rng() % 3];
      Status s;
      switch (rng() % 4) {
        case 0: {
          std::vector<ChunkId> chunks{ChunkId::Of(std::vector<uint8_t>{static_cast<uint8_t>(i)})};
          s = store.CommitFile(dir->ino, name, NewNode::File(0644), FileContent{1, chunks})
                  .status();
          break;
        }
        case 1:
          s = store.Rename(dir->ino, name, other, other_name);
          break;
        case 2:
          s = store.Unlink(dir->ino, name);
          break;
        case 3:
          s = store.MakeNode(dir->ino, name, NewNode::Directory(0755)).status();
          if (s.ok()) s = store.Rmdir(dir->ino, name);
          break;
      }
      Code c = s.code();
      bool legal = s.ok() || c == Code::kNotFound || c == Code::kAlreadyExists ||
                   c == Code::kIsDirectory || c == Code::kNotEmpty || c == Code::kNotDirectory;
      if (!legal) {
        fmt::print(stderr, "process {}: {}\n", p, s.message());
        std::_Exit(1);
      }
    }
    std::_Exit(0);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child exit " << status;
  }
  auto store = std::move(OpenPostgresMetaStore(url)).value();
  auto problems = std::move(store->CheckConsistency()).value();
  EXPECT_TRUE(problems.empty()) << problems.front();
}

}  // namespace
}  // namespace strata::meta
