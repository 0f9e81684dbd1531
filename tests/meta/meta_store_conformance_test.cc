#include "meta_store_conformance.h"

#include <algorithm>
#include <limits>
#include <set>
#include <thread>

#include "core/clock.h"
#include "meta/sql_meta_store.h"
#include "retry_injecting_connection.h"

namespace strata::meta {

using strata::testing::IsOk;
using strata::testing::StatusIs;

void MetaStoreConformanceTest::SetUp() {
  store_ = GetParam().open(dir_.path());
  ASSERT_NE(store_, nullptr);
  Result<VolumeInfo> v = store_->CreateVolume("vol", 64 * 1024);
  ASSERT_OK(v);
  volume_ = *v;
}

Attr MetaStoreConformanceTest::Dir(InodeId parent, const std::string& name) {
  Result<Attr> a = store_->MakeNode(parent, name, NewNode::Directory(0755));
  EXPECT_OK(a);
  return a.ok() ? *a : Attr{};
}

namespace {
FileContent ContentOf(uint64_t size, uint64_t chunk_size, uint8_t seed) {
  FileContent c;
  c.size_bytes = size;
  for (size_t i = 0; i < ChunkCount(size, chunk_size); ++i) {
    c.chunks.push_back(ChunkId::Of(std::vector<uint8_t>{seed, static_cast<uint8_t>(i)}));
  }
  return c;
}
}  // namespace

Attr MetaStoreConformanceTest::File(InodeId parent, const std::string& name, uint64_t size) {
  Result<Attr> a = store_->CommitFile(parent, name, NewNode::File(0644),
                                      ContentOf(size, volume_.chunk_size_bytes, 1));
  EXPECT_OK(a);
  return a.ok() ? *a : Attr{};
}

namespace {

TEST_P(MetaStoreConformanceTest, VolumesAreNamedAndUnique) {
  EXPECT_THAT(store_->CreateVolume("vol", 4 << 20), StatusIs(Code::kAlreadyExists));
  ASSERT_OK(store_->CreateVolume("other", 4 << 20));
  Result<std::vector<VolumeInfo>> all = store_->ListVolumes();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "other");
  EXPECT_EQ((*all)[1].name, "vol");
  EXPECT_EQ(store_->GetVolume("vol")->chunk_size_bytes, 64u * 1024);
  EXPECT_THAT(store_->GetVolume("nope"), StatusIs(Code::kNotFound));
  EXPECT_NE(store_->GetVolume("other")->root, Root());
}

TEST_P(MetaStoreConformanceTest, BadVolumeNamesAndChunkSizesAreRejected) {
  for (const char* name : {"", "a/b", ".hidden", "-x", "sp ace"}) {
    EXPECT_THAT(store_->CreateVolume(name, 4 << 20), StatusIs(Code::kInvalidArgument)) << name;
  }
  EXPECT_THAT(store_->CreateVolume(std::string(64, 'a'), 4 << 20),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(store_->CreateVolume("tiny", 1024), StatusIs(Code::kInvalidArgument));
}

TEST_P(MetaStoreConformanceTest, TheRootIsAnEmptyDirectory) {
  Result<Attr> root = store_->GetAttr(Root());
  ASSERT_OK(root);
  EXPECT_EQ(root->type, FileType::kDirectory);
  EXPECT_TRUE(store_->ReadDir(Root())->empty());
}

TEST_P(MetaStoreConformanceTest, MakeNodeCreatesEachTypeOnce) {
  Attr d = Dir(Root(), "d");
  EXPECT_EQ(d.type, FileType::kDirectory);
  EXPECT_EQ(d.mode, 0755u);
  Result<Attr> link = store_->MakeNode(Root(), "l", NewNode::Symlink("d/target"));
  ASSERT_OK(link);
  EXPECT_EQ(link->size_bytes, 8u);
  EXPECT_EQ(*store_->ReadLink(link->ino), "d/target");
  EXPECT_THAT(store_->MakeNode(Root(), "d", NewNode::File(0644)), StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(store_->Lookup(Root(), "d")->ino, d.ino);
  EXPECT_THAT(store_->Lookup(Root(), "missing"), StatusIs(Code::kNotFound));
  EXPECT_THAT(store_->ReadLink(d.ino), StatusIs(Code::kInvalidArgument));
}

TEST_P(MetaStoreConformanceTest, NamesAreValidated) {
  for (const char* name : {"", ".", "..", "a/b"}) {
    EXPECT_THAT(store_->MakeNode(Root(), name, NewNode{}), StatusIs(Code::kInvalidArgument))
        << name;
  }
  EXPECT_THAT(store_->MakeNode(Root(), std::string(256, 'n'), NewNode{}),
              StatusIs(Code::kNameTooLong));
  EXPECT_OK(store_->MakeNode(Root(), std::string(255, 'n'), NewNode{}));
  EXPECT_OK(store_->MakeNode(Root(), "ünïcödé and spaces", NewNode{}));
}

TEST_P(MetaStoreConformanceTest, ParentsMustBeDirectories) {
  Attr f = File(Root(), "f");
  EXPECT_THAT(store_->MakeNode(f.ino, "x", NewNode{}), StatusIs(Code::kNotDirectory));
  EXPECT_THAT(store_->Lookup(f.ino, "x"), StatusIs(Code::kNotDirectory));
  EXPECT_THAT(store_->ReadDir(f.ino), StatusIs(Code::kNotDirectory));
  EXPECT_THAT(store_->MakeNode(InodeId{999999}, "x", NewNode{}), StatusIs(Code::kNotFound));
}

TEST_P(MetaStoreConformanceTest, CommitFilePublishesSizeAndChunks) {
  FileContent content = ContentOf(200 * 1024, volume_.chunk_size_bytes, 7);
  Result<Attr> a = store_->CommitFile(
      Root(), "f", NewNode{FileType::kRegular, 0600, 1, 2, 1234567890, ""}, content);
  ASSERT_OK(a);
  EXPECT_EQ(a->size_bytes, 200u * 1024);
  EXPECT_EQ(a->mode, 0600u);
  EXPECT_EQ(a->uid, 1u);
  EXPECT_EQ(a->gid, 2u);
  EXPECT_EQ(a->mtime_ns, 1234567890);
  Result<FileContent> got = store_->GetContent(a->ino);
  ASSERT_OK(got);
  EXPECT_EQ(got->size_bytes, content.size_bytes);
  EXPECT_EQ(got->chunks, content.chunks);
}

TEST_P(MetaStoreConformanceTest, CommitFileRejectsAChunkListOfTheWrongLength) {
  FileContent content = ContentOf(200 * 1024, volume_.chunk_size_bytes, 7);
  content.chunks.pop_back();
  EXPECT_THAT(store_->CommitFile(Root(), "f", NewNode{}, content),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(store_->Lookup(Root(), "f"), StatusIs(Code::kNotFound));
}

TEST_P(MetaStoreConformanceTest, CommitFileOverAFileReplacesContentAndBumpsVersion) {
  Attr first = File(Root(), "f", 10);
  Attr link = *store_->Link(first.ino, Root(), "hard");
  FileContent second = ContentOf(100 * 1024, volume_.chunk_size_bytes, 9);
  Result<Attr> a = store_->CommitFile(Root(), "f", NewNode{}, second);
  ASSERT_OK(a);
  EXPECT_EQ(a->ino, first.ino);
  EXPECT_GT(a->version, first.version);
  // The hard link shares the inode, so it sees the new content too.
  EXPECT_EQ(store_->GetContent(link.ino)->chunks, second.chunks);
}

TEST_P(MetaStoreConformanceTest, CommittingIdenticalContentAgainKeepsTheVersion) {
  FileContent content = ContentOf(100 * 1024, volume_.chunk_size_bytes, 3);
  NewNode node{FileType::kRegular, 0644, 0, 0, 1000, ""};
  Attr first = *store_->CommitFile(Root(), "f", node, content);
  Attr again = *store_->CommitFile(Root(), "f", node, content);
  EXPECT_EQ(again.version, first.version);
  node.mtime_ns = 2000;
  Attr touched = *store_->CommitFile(Root(), "f", node, content);
  EXPECT_GT(touched.version, first.version);
}

TEST_P(MetaStoreConformanceTest, CommitFileOverADirectoryFailsAndOverASymlinkReplacesIt) {
  Dir(Root(), "d");
  EXPECT_THAT(store_->CommitFile(Root(), "d", NewNode{}, FileContent{}),
              StatusIs(Code::kIsDirectory));
  ASSERT_OK(store_->MakeNode(Root(), "l", NewNode::Symlink("x")));
  Result<Attr> a = store_->CommitFile(Root(), "l", NewNode{}, FileContent{});
  ASSERT_OK(a);
  EXPECT_EQ(a->type, FileType::kRegular);
}

TEST_P(MetaStoreConformanceTest, GetContentOfADirectoryIsAnError) {
  Attr d = Dir(Root(), "d");
  EXPECT_THAT(store_->GetContent(d.ino), StatusIs(Code::kIsDirectory));
}

TEST_P(MetaStoreConformanceTest, ReadDirIsSortedAndCarriesAttributes) {
  File(Root(), "b", 5);
  Dir(Root(), "a");
  File(Root(), "c", 7);
  Result<std::vector<DirEntry>> entries = store_->ReadDir(Root());
  ASSERT_OK(entries);
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "a");
  EXPECT_EQ((*entries)[0].attr.type, FileType::kDirectory);
  EXPECT_EQ((*entries)[1].name, "b");
  EXPECT_EQ((*entries)[1].attr.size_bytes, 5u);
  EXPECT_EQ((*entries)[2].name, "c");
}

TEST_P(MetaStoreConformanceTest, DirectoryLinkCountsFollowSubdirectories) {
  EXPECT_EQ(store_->GetAttr(Root())->nlink, 2u);
  Attr a = Dir(Root(), "a");
  Dir(Root(), "b");
  File(Root(), "f");
  EXPECT_EQ(store_->GetAttr(Root())->nlink, 4u);
  ASSERT_OK(store_->Rename(Root(), "b", a.ino, "b"));
  EXPECT_EQ(store_->GetAttr(Root())->nlink, 3u);
  EXPECT_EQ(store_->GetAttr(a.ino)->nlink, 3u);
  ASSERT_OK(store_->Rmdir(a.ino, "b"));
  EXPECT_EQ(store_->GetAttr(a.ino)->nlink, 2u);
}

TEST_P(MetaStoreConformanceTest, RenameMovesAnEntry) {
  Attr d = Dir(Root(), "d");
  Attr f = File(Root(), "f", 3);
  ASSERT_OK(store_->Rename(Root(), "f", d.ino, "g"));
  EXPECT_THAT(store_->Lookup(Root(), "f"), StatusIs(Code::kNotFound));
  EXPECT_EQ(store_->Lookup(d.ino, "g")->ino, f.ino);
  EXPECT_THAT(store_->Rename(Root(), "f", d.ino, "h"), StatusIs(Code::kNotFound));
}

TEST_P(MetaStoreConformanceTest, RenameReplacesAFileAtomically) {
  Attr old_file = File(Root(), "target", 1);
  Attr tmp = File(Root(), "tmp", 2);
  ASSERT_OK(store_->Rename(Root(), "tmp", Root(), "target"));
  EXPECT_EQ(store_->Lookup(Root(), "target")->ino, tmp.ino);
  EXPECT_THAT(store_->Lookup(Root(), "tmp"), StatusIs(Code::kNotFound));
  // The replaced file has no name, but a reader that had it open can still read it.
  EXPECT_EQ(store_->GetAttr(old_file.ino)->nlink, 0u);
  EXPECT_EQ(store_->GetContent(old_file.ino)->size_bytes, 1u);
}

TEST_P(MetaStoreConformanceTest, RenameFollowsPosixRulesForDirectories) {
  Attr a = Dir(Root(), "a");
  Dir(Root(), "empty");
  Attr full = Dir(Root(), "full");
  File(full.ino, "x");
  File(Root(), "f");
  EXPECT_THAT(store_->Rename(Root(), "a", Root(), "f"), StatusIs(Code::kNotDirectory));
  EXPECT_THAT(store_->Rename(Root(), "f", Root(), "a"), StatusIs(Code::kIsDirectory));
  EXPECT_THAT(store_->Rename(Root(), "a", Root(), "full"), StatusIs(Code::kNotEmpty));
  EXPECT_OK(store_->Rename(Root(), "a", Root(), "empty"));
  EXPECT_EQ(store_->Lookup(Root(), "empty")->ino, a.ino);
}

TEST_P(MetaStoreConformanceTest, RenameOfADirectoryIntoItselfIsRefused) {
  Attr a = Dir(Root(), "a");
  Attr b = Dir(a.ino, "b");
  EXPECT_THAT(store_->Rename(Root(), "a", b.ino, "a"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(store_->Rename(Root(), "a", a.ino, "self"), StatusIs(Code::kInvalidArgument));
  EXPECT_EQ(store_->Lookup(Root(), "a")->ino, a.ino);
}

TEST_P(MetaStoreConformanceTest, RenameOntoItselfOrAHardLinkOfItselfIsANoOp) {
  Attr f = File(Root(), "f");
  ASSERT_OK(store_->Link(f.ino, Root(), "g"));
  EXPECT_OK(store_->Rename(Root(), "f", Root(), "f"));
  EXPECT_OK(store_->Rename(Root(), "f", Root(), "g"));
  EXPECT_EQ(store_->Lookup(Root(), "f")->ino, f.ino);
  EXPECT_EQ(store_->Lookup(Root(), "g")->ino, f.ino);
}

TEST_P(MetaStoreConformanceTest, RenameAcrossVolumesIsRefused) {
  VolumeInfo other = *store_->CreateVolume("other", 64 * 1024);
  File(Root(), "f");
  EXPECT_THAT(store_->Rename(Root(), "f", other.root, "f"), StatusIs(Code::kInvalidArgument));
}

TEST_P(MetaStoreConformanceTest, RenameNoReplaceRefusesAnExistingDestination) {
  Attr f = File(Root(), "f", 1);
  Attr g = File(Root(), "g", 2);
  EXPECT_THAT(store_->Rename(Root(), "f", Root(), "g", RenameMode::kNoReplace),
              StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(store_->Lookup(Root(), "g")->ino, g.ino);
  ASSERT_OK(store_->Rename(Root(), "f", Root(), "h", RenameMode::kNoReplace));
  EXPECT_EQ(store_->Lookup(Root(), "h")->ino, f.ino);
}

TEST_P(MetaStoreConformanceTest, RenameExchangeSwapsAFileAndADirectory) {
  Attr a = Dir(Root(), "a");
  Attr sub = Dir(a.ino, "sub");
  Attr f = File(Root(), "f", 1);
  EXPECT_THAT(store_->Rename(Root(), "f", Root(), "missing", RenameMode::kExchange),
              StatusIs(Code::kNotFound));
  // The directory "sub" moves from a to the root, the file from the root into a.
  ASSERT_OK(store_->Rename(Root(), "f", a.ino, "sub", RenameMode::kExchange));
  EXPECT_EQ(store_->Lookup(Root(), "f")->ino, sub.ino);
  EXPECT_EQ(store_->Lookup(a.ino, "sub")->ino, f.ino);
  EXPECT_EQ(store_->GetAttr(a.ino)->nlink, 2u);
  EXPECT_EQ(store_->GetAttr(Root())->nlink, 4u);  // ".", "..", a, and now sub (named f)
  EXPECT_EQ(*store_->CheckConsistency(), std::vector<std::string>{});
  // A directory cannot be swapped into its own subtree.
  Attr inner = Dir(sub.ino, "inner");
  EXPECT_THAT(store_->Rename(Root(), "f", inner.ino, "x", RenameMode::kExchange),
              StatusIs(Code::kNotFound));
  File(inner.ino, "x");
  EXPECT_THAT(store_->Rename(Root(), "f", inner.ino, "x", RenameMode::kExchange),
              StatusIs(Code::kInvalidArgument));
}

TEST_P(MetaStoreConformanceTest, WriteContentReplacesAFilesBytesByInode) {
  Attr f = File(Root(), "f", 10);
  ASSERT_OK(store_->Rename(Root(), "f", Root(), "renamed"));
  FileContent bigger = ContentOf(200 * 1024, volume_.chunk_size_bytes, 7);
  Result<Attr> written = store_->WriteContent(f.ino, bigger, 123);
  ASSERT_OK(written);
  EXPECT_EQ(written->size_bytes, 200u * 1024);
  EXPECT_EQ(written->mtime_ns, 123);
  EXPECT_GT(written->version, f.version);
  EXPECT_EQ(store_->GetContent(f.ino)->chunks, bigger.chunks);
  EXPECT_THAT(store_->WriteContent(f.ino, ContentOf(200 * 1024, 1 << 30, 7), 0),
              StatusIs(Code::kInvalidArgument));
  Attr d = Dir(Root(), "d");
  EXPECT_THAT(store_->WriteContent(d.ino, FileContent{}, 0), StatusIs(Code::kIsDirectory));
  ASSERT_OK(store_->Unlink(Root(), "renamed"));
  EXPECT_THAT(store_->WriteContent(f.ino, bigger, 0), StatusIs(Code::kNotFound));
}

TEST_P(MetaStoreConformanceTest, SetAttrChangesOnlyWhatIsSet) {
  Attr f = File(Root(), "f", 10);
  AttrChange chmod;
  chmod.mode = 0100600;  // type bits are dropped
  Result<Attr> a = store_->SetAttr(f.ino, chmod);
  ASSERT_OK(a);
  EXPECT_EQ(a->mode, 0600u);
  EXPECT_EQ(a->mtime_ns, f.mtime_ns);
  EXPECT_GE(a->ctime_ns, f.ctime_ns);
  AttrChange touch;
  touch.uid = 1000;
  touch.gid = 100;
  touch.atime_ns = 5;
  touch.mtime_ns = 7;
  a = store_->SetAttr(f.ino, touch);
  ASSERT_OK(a);
  EXPECT_EQ(a->mode, 0600u);
  EXPECT_EQ(a->uid, 1000u);
  EXPECT_EQ(a->gid, 100u);
  EXPECT_EQ(a->atime_ns, 5);
  EXPECT_EQ(a->mtime_ns, 7);
  EXPECT_EQ(a->version, f.version);
  EXPECT_THAT(store_->SetAttr(InodeId{999999}, chmod), StatusIs(Code::kNotFound));
}

TEST_P(MetaStoreConformanceTest, UnlinkAndRmdirKeepToTheirTypes) {
  Attr d = Dir(Root(), "d");
  File(d.ino, "x");
  File(Root(), "f");
  EXPECT_THAT(store_->Unlink(Root(), "d"), StatusIs(Code::kIsDirectory));
  EXPECT_THAT(store_->Rmdir(Root(), "f"), StatusIs(Code::kNotDirectory));
  EXPECT_THAT(store_->Rmdir(Root(), "d"), StatusIs(Code::kNotEmpty));
  EXPECT_OK(store_->Unlink(d.ino, "x"));
  EXPECT_OK(store_->Rmdir(Root(), "d"));
  EXPECT_OK(store_->Unlink(Root(), "f"));
  EXPECT_THAT(store_->Unlink(Root(), "f"), StatusIs(Code::kNotFound));
  EXPECT_TRUE(store_->ReadDir(Root())->empty());
}

TEST_P(MetaStoreConformanceTest, HardLinksShareAnInodeUntilTheLastGoes) {
  Attr f = File(Root(), "f", 5);
  Result<Attr> linked = store_->Link(f.ino, Root(), "g");
  ASSERT_OK(linked);
  EXPECT_EQ(linked->nlink, 2u);
  ASSERT_OK(store_->Unlink(Root(), "f"));
  EXPECT_EQ(store_->GetAttr(f.ino)->nlink, 1u);
  ASSERT_OK(store_->Unlink(Root(), "g"));
  EXPECT_EQ(store_->GetAttr(f.ino)->nlink, 0u);
  EXPECT_THAT(store_->Link(f.ino, Root(), "back"), StatusIs(Code::kNotFound));
  Attr d = Dir(Root(), "d");
  EXPECT_THAT(store_->Link(d.ino, Root(), "d2"), StatusIs(Code::kIsDirectory));
}

TEST_P(MetaStoreConformanceTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
  std::atomic<int> wins{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Result<Attr> a = store_->MakeNode(Root(), "race", NewNode::Directory(0755));
      if (a.ok())
        ++wins;
      else if (a.status().code() == Code::kAlreadyExists)
        ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(exists.load(), 7);
}

TEST_P(MetaStoreConformanceTest, ConcurrentRenamesNeverLoseOrDuplicateAFile) {
  // Each thread moves one file around a ring of directories; at every moment each file is in
  // exactly one place.
  constexpr int kDirs = 4;
  constexpr int kThreads = 4;
  std::vector<InodeId> dirs;
  for (int i = 0; i < kDirs; ++i) dirs.push_back(Dir(Root(), "d" + std::to_string(i)).ino);
  for (int t = 0; t < kThreads; ++t) File(dirs[0], "f" + std::to_string(t));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string name = "f" + std::to_string(t);
      for (int step = 0; step < 50; ++step) {
        EXPECT_OK(store_->Rename(dirs[static_cast<size_t>(step % kDirs)], name,
                                 dirs[static_cast<size_t>((step + 1) % kDirs)], name));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::multiset<std::string> seen;
  for (InodeId d : dirs) {
    Result<std::vector<DirEntry>> entries = store_->ReadDir(d);
    ASSERT_OK(entries);
    for (const auto& e : *entries) seen.insert(e.name);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads));
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(seen.count("f" + std::to_string(t)), 1u);
}

}  // namespace
}  // namespace strata::meta

namespace strata::meta {
namespace {

using strata::testing::IsOk;
using strata::testing::StatusIs;

ChunkId Id(uint8_t n) { return ChunkId::Of(std::vector<uint8_t>{n}); }

TEST_P(MetaStoreConformanceTest, DeleteVolumeRemovesItsTreeOnly) {
  Attr d = Dir(Root(), "d");
  File(d.ino, "f", 100);
  VolumeInfo other = *store_->CreateVolume("other", 64 * 1024);
  ASSERT_OK(store_->MakeNode(other.root, "kept", NewNode::Directory(0755)));
  ASSERT_OK(store_->DeleteVolume("vol"));
  EXPECT_THAT(store_->GetVolume("vol"), StatusIs(Code::kNotFound));
  EXPECT_THAT(store_->GetAttr(d.ino), StatusIs(Code::kNotFound));
  EXPECT_OK(store_->Lookup(other.root, "kept"));
  EXPECT_THAT(store_->DeleteVolume("vol"), StatusIs(Code::kNotFound));
  EXPECT_TRUE(store_->CheckConsistency()->empty());
}

TEST_P(MetaStoreConformanceTest, DeletionSkipsReferencedAndRecentlyClaimedChunks) {
  FileContent content{10, {Id(1)}};
  ASSERT_OK(store_->CommitFile(Root(), "f", NewNode::File(0644), content));
  ASSERT_OK(store_->ClaimChunks({Id(2)}));
  int64_t before_claims = 0;
  // Id(1) is referenced, Id(2) claimed just now, Id(3) neither.
  Result<std::vector<ChunkId>> picked =
      store_->BeginChunkDeletion({Id(1), Id(2), Id(3)}, before_claims, /*dry_run=*/false);
  ASSERT_OK(picked);
  EXPECT_EQ(*picked, std::vector<ChunkId>{Id(3)});
  // A claim older than the cutoff does not protect.
  picked = store_->BeginChunkDeletion({Id(2)}, std::numeric_limits<int64_t>::max(), true);
  EXPECT_EQ(*picked, std::vector<ChunkId>{Id(2)});
}

// H2: PostgreSQL runs a transaction body again after a serialization failure. GC's marking
// transaction must then return what its committed attempt marked, not also what the failed attempt
// picked: a writer that claimed a chunk, or committed a file using one, between the attempts saw
// no mark (it was rolled back) and relies on that chunk.
TEST_P(MetaStoreConformanceTest, ARetriedGcMarkingReturnsExactlyWhatItsCommittedAttemptMarked) {
  if (!GetParam().fresh_database) GTEST_SKIP() << "needs a database two connections share";
  std::string database = GetParam().fresh_database(dir_.path());
  auto retrying = std::make_unique<RetryInjectingConnection>(GetParam().connect(database));
  RetryInjectingConnection* faults = retrying.get();
  std::unique_ptr<MetaStore> gc = NewSqlMetaStore(std::move(retrying));
  std::unique_ptr<MetaStore> writer = NewSqlMetaStore(GetParam().connect(database));
  VolumeInfo v = *writer->CreateVolume("g", 64 * 1024);

  const int64_t cutoff = NowNanos() - 3600LL * 1000000000;  // a gc with a grace of one hour
  faults->FailNextTransactionOnce([&] {
    ASSERT_OK(writer->ClaimChunks({Id(31)}));  // a put found chunk 31 present
    ASSERT_OK(writer->CommitFile(v.root, "f", NewNode::File(0644), FileContent{10, {Id(32)}}));
  });
  Result<std::vector<ChunkId>> marked =
      gc->BeginChunkDeletion({Id(31), Id(32), Id(33)}, cutoff, /*dry_run=*/false);
  ASSERT_OK(marked);
  EXPECT_EQ(faults->attempts(), 2);
  EXPECT_EQ(*marked, std::vector<ChunkId>{Id(33)});
  EXPECT_EQ(*writer->ChunksBeingDeleted(), std::vector<ChunkId>{Id(33)});
  // The same for a claim's answer: only the committed attempt's marks are reported.
  faults->FailNextTransactionOnce([&] { ASSERT_OK(writer->EndChunkDeletion({Id(33)})); });
  EXPECT_TRUE(gc->ClaimChunks({Id(33)})->empty());
}

TEST_P(MetaStoreConformanceTest, ClaimsReportChunksBeingDeletedUntilTheDeletionEnds) {
  ASSERT_OK(store_->BeginChunkDeletion({Id(7)}, 0, /*dry_run=*/false));
  EXPECT_EQ(*store_->ChunksBeingDeleted(), std::vector<ChunkId>{Id(7)});
  EXPECT_EQ(*store_->ClaimChunks({Id(6), Id(7)}), std::vector<ChunkId>{Id(7)});
  ASSERT_OK(store_->EndChunkDeletion({Id(7)}));
  EXPECT_TRUE(store_->ClaimChunks({Id(6), Id(7)})->empty());
  EXPECT_TRUE(store_->ChunksBeingDeleted()->empty());
}

TEST_P(MetaStoreConformanceTest, DryRunMarksNothing) {
  ASSERT_OK(store_->BeginChunkDeletion({Id(8)}, 0, /*dry_run=*/true));
  EXPECT_TRUE(store_->ClaimChunks({Id(8)})->empty());
}

TEST_P(MetaStoreConformanceTest, UnlinkedFilesStayReadableUntilPurged) {
  Attr f = File(Root(), "f", 100);
  Attr s = *store_->MakeNode(Root(), "s", NewNode::Symlink("f"));
  ASSERT_OK(store_->Unlink(Root(), "f"));
  ASSERT_OK(store_->Unlink(Root(), "s"));
  EXPECT_THAT(store_->GetAttr(s.ino), StatusIs(Code::kNotFound));  // only files are kept
  EXPECT_EQ(store_->GetContent(f.ino)->size_bytes, 100u);
  EXPECT_EQ(store_->ReferencedChunks()->size(), 1u);  // its chunk is still in use
  EXPECT_EQ(*store_->CheckConsistency(), std::vector<std::string>{});
  Attr before = *store_->GetAttr(f.ino);
  EXPECT_EQ(*store_->PurgeUnlinked(before.ctime_ns, false), 0u);  // not before the cutoff
  EXPECT_EQ(*store_->PurgeUnlinked(before.ctime_ns + 1, true), 1u);
  EXPECT_OK(store_->GetAttr(f.ino));  // a dry run keeps it
  EXPECT_EQ(*store_->PurgeUnlinked(before.ctime_ns + 1, false), 1u);
  EXPECT_THAT(store_->GetAttr(f.ino), StatusIs(Code::kNotFound));
  EXPECT_TRUE(store_->ReferencedChunks()->empty());
}

TEST_P(MetaStoreConformanceTest, ExpireClaimsDropsOnlyOldOnes) {
  ASSERT_OK(store_->ClaimChunks({Id(1), Id(2)}));
  EXPECT_EQ(*store_->ExpireClaims(0), 0u);
  EXPECT_EQ(*store_->ExpireClaims(std::numeric_limits<int64_t>::max()), 2u);
}

TEST_P(MetaStoreConformanceTest, ReferencedChunksListsEachChunkOnceWithItsLength) {
  uint64_t cs = volume_.chunk_size_bytes;
  FileContent a{cs + 10, {Id(1), Id(2)}};
  FileContent b{cs, {Id(1)}};
  ASSERT_OK(store_->CommitFile(Root(), "a", NewNode::File(0644), a));
  ASSERT_OK(store_->CommitFile(Root(), "b", NewNode::File(0644), b));
  Result<std::vector<ChunkRef>> refs = store_->ReferencedChunks();
  ASSERT_OK(refs);
  ASSERT_EQ(refs->size(), 2u);
  for (const auto& ref : *refs) {
    EXPECT_EQ(ref.length_bytes, ref.id == Id(1) ? cs : 10u);
  }
}

TEST_P(MetaStoreConformanceTest, AHealthyTreeIsConsistent) {
  Attr d = Dir(Root(), "d");
  Attr f = File(d.ino, "f", 100);
  ASSERT_OK(store_->Link(f.ino, Root(), "hard"));
  ASSERT_OK(store_->MakeNode(d.ino, "l", NewNode::Symlink("f")));
  ASSERT_OK(store_->Rename(Root(), "d", Root(), "e"));
  Result<std::vector<std::string>> problems = store_->CheckConsistency();
  ASSERT_OK(problems);
  EXPECT_TRUE(problems->empty()) << (*problems)[0];
}

TEST_P(MetaStoreConformanceTest, TokensAreFoundByTheirHashAndRevoked) {
  TokenInfo scoped{0, "vol", true, 123, "ci"};
  Result<TokenInfo> a = store_->AddToken("hash-a", scoped);
  ASSERT_OK(a);
  Result<TokenInfo> b = store_->AddToken("hash-b", TokenInfo{0, "", false, 456, ""});
  ASSERT_OK(b);
  EXPECT_NE(a->id, b->id);
  EXPECT_THAT(store_->AddToken("hash-a", scoped), StatusIs(Code::kAlreadyExists));
  Result<TokenInfo> found = store_->FindToken("hash-a");
  ASSERT_OK(found);
  EXPECT_EQ(found->id, a->id);
  EXPECT_EQ(found->volume, "vol");
  EXPECT_TRUE(found->read_only);
  EXPECT_EQ(found->created_ns, 123);
  EXPECT_EQ(found->note, "ci");
  EXPECT_THAT(store_->FindToken("hash-c"), StatusIs(Code::kNotFound));
  ASSERT_OK(store_->RevokeToken(a->id));
  EXPECT_THAT(store_->FindToken("hash-a"), StatusIs(Code::kNotFound));
  EXPECT_THAT(store_->RevokeToken(a->id), StatusIs(Code::kNotFound));
  Result<std::vector<TokenInfo>> all = store_->ListTokens();
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, b->id);
}

TEST_P(MetaStoreConformanceTest, KvKeepsBytesListsInOrderAndExpires) {
  std::string binary("a\0b\xff", 4);
  ASSERT_OK(store_->KvSet("vol", "k2", binary, 0));
  ASSERT_OK(store_->KvSet("vol", "k1", "one", 0));
  ASSERT_OK(store_->KvSet("vol", "k3", "gone", NowNanos() - 1));  // already expired
  ASSERT_OK(store_->KvSet("other", "k1", "elsewhere", 0));
  EXPECT_EQ(store_->KvGet("vol", "k2")->value, binary);
  EXPECT_THAT(store_->KvGet("vol", "k3"), StatusIs(Code::kNotFound));
  ASSERT_OK(store_->KvSet("vol", "k1", "uno", 0));  // replaces
  EXPECT_EQ(store_->KvGet("vol", "k1")->value, "uno");
  Result<std::vector<KvEntry>> keys = store_->KvList("vol", "", 10);
  ASSERT_OK(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].key, "k1");
  EXPECT_EQ((*keys)[1].key, "k2");
  EXPECT_EQ((*keys)[1].value_bytes, 4u);
  Result<std::vector<KvEntry>> after = store_->KvList("vol", "k1", 10);
  ASSERT_OK(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].key, "k2");
  EXPECT_EQ(store_->KvList("vol", "", 1)->size(), 1u);
  Result<size_t> purged = store_->PurgeExpiredKv(NowNanos());
  ASSERT_OK(purged);
  EXPECT_EQ(*purged, 1u);
  ASSERT_OK(store_->KvDelete("vol", "k1"));
  EXPECT_THAT(store_->KvDelete("vol", "k1"), StatusIs(Code::kNotFound));
  EXPECT_EQ(store_->KvGet("other", "k1")->value, "elsewhere");
  EXPECT_THAT(store_->KvSet("vol", "", "x", 0), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(store_->KvSet("bad/store", "k", "x", 0), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace strata::meta
