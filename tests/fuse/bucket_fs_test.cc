// BucketFs without a mount, over a real bucket (radosgw on loopback; see support/s3_test_env.h):
// what `strata mount --bucket` promises — a file is uploaded whole at close and stat shows its
// size meanwhile, writing into an object keeps its other bytes, a reader keeps the version it
// opened, large files go up in parts, and what S3 cannot do atomically is refused — checked on
// the objects the bucket holds afterwards.
#include "fuse/bucket_fs.h"

#include <fcntl.h>

#include <filesystem>
#include <random>
#include <string_view>

#include "bucket/bucket_session.h"
#include "support/s3_test_env.h"
#include "support/test_util.h"

namespace strata::fuse {
namespace {

using strata::testing::StatusIs;
using ::testing::ElementsAre;

constexpr uint64_t kPiece = 64 * 1024;

class BucketFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_S3_SERVER();
    std::filesystem::create_directories(dir_.Sub("spill"));
    cache::CacheOptions cache;
    cache.disk_dir = dir_.Sub("cache");
    cache.disk_bytes = 64 << 20;
    bucket::BucketOptions options;
    options.listing_ttl = std::chrono::milliseconds(0);  // every listing asks the bucket
    options.piece_bytes = kPiece;
    auto opened =
        bucket::BucketSession::Open(strata::testing::FreshBucketUrl(), cache, pool_, options);
    ASSERT_OK(opened);
    session_ = std::move(*opened);
    fs_ = MakeFs(/*writable=*/true);
  }
  void TearDown() override {
    fs_.reset();
    session_.reset();
  }

  std::unique_ptr<BucketFs> MakeFs(bool writable) {
    BucketFsOptions options;
    options.writable = writable;
    options.spill_dir = dir_.Sub("spill");
    options.multipart_above = 2 * kPiece;
    return std::make_unique<BucketFs>(session_->view(), options);
  }
  store::S3Store& bucket() { return session_->view().bucket(); }

  static std::span<const uint8_t> Bytes(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
  }
  // The object's bytes as the bucket holds them.
  std::string Object(const std::string& key) {
    Result<store::ObjectInfo> info = bucket().Head(key);
    EXPECT_OK(info);
    if (!info.ok()) return "";
    std::string bytes(info->size_bytes, '\0');
    std::span<uint8_t> out(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size());
    if (!out.empty()) {
      EXPECT_EQ(*bucket().Read(key, 0, out), out.size());
    }
    return bytes;
  }
  std::string ReadAll(uint64_t handle, size_t max = 1 << 20) {
    std::vector<uint8_t> out(max);
    Result<size_t> n = fs_->Read(handle, 0, out);
    EXPECT_OK(n);
    return n.ok() ? std::string(out.begin(), out.begin() + static_cast<long>(*n)) : "";
  }
  meta::Attr Stat(std::string_view name) {
    Result<meta::Attr> attr = fs_->Lookup(fs_->root(), name);
    EXPECT_OK(attr);
    return attr.ok() ? *attr : meta::Attr{};
  }

  strata::testing::TempDir dir_;
  ThreadPool pool_{4};
  std::unique_ptr<bucket::BucketSession> session_;
  std::unique_ptr<BucketFs> fs_;
};

TEST_F(BucketFsTest, AFileIsUploadedWholeAtCloseAndStatShowsItsSizeMeanwhile) {
  auto made = fs_->Create(fs_->root(), "f.txt", 0644, O_WRONLY, Caller{});
  ASSERT_OK(made);
  ASSERT_OK(fs_->Write(made->second.handle, 0, Bytes("hello ")));
  ASSERT_OK(fs_->Write(made->second.handle, 6, Bytes("bucket")));
  EXPECT_EQ(Stat("f.txt").size_bytes, 12u);                        // the writer's size
  EXPECT_THAT(bucket().Head("f.txt"), StatusIs(Code::kNotFound));  // nothing uploaded yet
  ASSERT_OK(fs_->Release(made->second.handle));
  EXPECT_EQ(Object("f.txt"), "hello bucket");
  EXPECT_EQ(Stat("f.txt").size_bytes, 12u);  // now the object's
}

TEST_F(BucketFsTest, WritingIntoAnObjectKeepsItsOtherBytes) {
  std::string original(3 * kPiece + 17, 'a');  // several pieces, the last one short
  ASSERT_OK(bucket().Put("big", Bytes(original)));
  meta::Attr attr = Stat("big");
  auto opened = fs_->Open(attr.ino, O_WRONLY);
  ASSERT_OK(opened);
  ASSERT_OK(fs_->Write(opened->handle, kPiece - 2, Bytes("XYZW")));  // across a piece boundary
  ASSERT_OK(fs_->Release(opened->handle));
  std::string expected = original;
  expected.replace(kPiece - 2, 4, "XYZW");
  EXPECT_EQ(Object("big"), expected);  // also past multipart_above: uploaded in parts
}

TEST_F(BucketFsTest, TruncateCutsAndExtendsWithZerosWhileOpen) {
  auto made = fs_->Create(fs_->root(), "t", 0644, O_RDWR, Caller{});
  ASSERT_OK(made);
  ASSERT_OK(fs_->Write(made->second.handle, 0, Bytes("0123456789")));
  SetAttrRequest cut;
  cut.size = 4;
  ASSERT_OK(fs_->SetAttr(made->first.ino, cut));
  SetAttrRequest grow;
  grow.size = 6;
  ASSERT_OK(fs_->SetAttr(made->first.ino, grow));
  EXPECT_EQ(ReadAll(made->second.handle), std::string("0123\0\0", 6));
  ASSERT_OK(fs_->Release(made->second.handle));
  EXPECT_EQ(Object("t"), std::string("0123\0\0", 6));

  // Closed, an object can only be emptied (anything else would be a download and re-upload).
  SetAttrRequest other;
  other.size = 2;
  EXPECT_THAT(fs_->SetAttr(made->first.ino, other), StatusIs(Code::kNotSupported));
  SetAttrRequest empty;
  empty.size = 0;
  ASSERT_OK(fs_->SetAttr(made->first.ino, empty));
  EXPECT_EQ(Object("t"), "");
}

TEST_F(BucketFsTest, AReaderKeepsTheVersionItOpened) {
  std::string first(2 * kPiece, '1');
  ASSERT_OK(bucket().Put("v", Bytes(first)));
  auto opened = fs_->Open(Stat("v").ino, O_RDONLY);
  ASSERT_OK(opened);
  EXPECT_FALSE(opened->keep_cache);  // the kernel has no pages of it yet
  std::vector<uint8_t> piece(kPiece);
  ASSERT_OK(fs_->Read(opened->handle, 0, piece));  // the first piece is now cached

  ASSERT_OK(bucket().Put("v", Bytes(std::string(2 * kPiece, '2'))));  // another writer
  // The cached piece is of the version opened; the uncached one cannot be mixed in from the
  // new version: the ranged GET carries the ETag, and the answer is an error, not new bytes.
  Result<size_t> old_piece = fs_->Read(opened->handle, 0, piece);
  ASSERT_OK(old_piece);
  EXPECT_EQ(std::string(piece.begin(), piece.end()), std::string(kPiece, '1'));
  Result<size_t> second = fs_->Read(opened->handle, kPiece, piece);
  if (second.ok()) {
    // Read ahead may have fetched it before the change: then it is the old version's too.
    EXPECT_EQ(std::string(piece.begin(), piece.end()), std::string(kPiece, '1'));
  } else {
    EXPECT_THAT(second, StatusIs(Code::kAborted));
  }
  ASSERT_OK(fs_->Release(opened->handle));

  // A new open sees the new version.
  auto again = fs_->Open(Stat("v").ino, O_RDONLY);
  ASSERT_OK(again);
  EXPECT_FALSE(again->keep_cache);  // the kernel's pages are of the old ETag
  EXPECT_EQ(ReadAll(again->handle), std::string(2 * kPiece, '2'));
  ASSERT_OK(fs_->Release(again->handle));
}

TEST_F(BucketFsTest, DirectoriesAreMarkersAndPrefixes) {
  Result<meta::Attr> made =
      fs_->MakeNode(fs_->root(), "d", meta::NewNode::Directory(0755), Caller{});
  ASSERT_OK(made);
  // The marker S3 tools use: another mount, with nothing under d/ yet, sees the directory.
  std::unique_ptr<BucketFs> other = MakeFs(/*writable=*/false);
  Result<meta::Attr> seen = other->Lookup(other->root(), "d");
  ASSERT_OK(seen);
  EXPECT_EQ(seen->type, meta::FileType::kDirectory);
  auto file = fs_->Create(made->ino, "inner", 0644, O_WRONLY, Caller{});
  ASSERT_OK(file);
  ASSERT_OK(fs_->Release(file->second.handle));
  EXPECT_THAT(fs_->Rmdir(fs_->root(), "d"), StatusIs(Code::kNotEmpty));
  EXPECT_THAT(fs_->Unlink(fs_->root(), "d"), StatusIs(Code::kIsDirectory));
  EXPECT_THAT(fs_->Rmdir(made->ino, "inner"), StatusIs(Code::kNotDirectory));
  ASSERT_OK(fs_->Unlink(made->ino, "inner"));
  ASSERT_OK(fs_->Rmdir(fs_->root(), "d"));
  Result<std::vector<meta::DirEntry>> top = fs_->ReadDir(fs_->root());
  ASSERT_OK(top);
  EXPECT_TRUE(top->empty());
}

TEST_F(BucketFsTest, WhatS3CannotDoAtomicallyIsRefused) {
  ASSERT_OK(bucket().Put("a", Bytes("x")));
  meta::Attr a = Stat("a");
  EXPECT_THAT(fs_->Rename(fs_->root(), "a", fs_->root(), "b", meta::RenameMode::kReplace),
              StatusIs(Code::kNotSupported));
  EXPECT_THAT(fs_->Link(a.ino, fs_->root(), "hard"), StatusIs(Code::kNotSupported));
  EXPECT_THAT(fs_->MakeNode(fs_->root(), "l", meta::NewNode::Symlink("a"), Caller{}),
              StatusIs(Code::kNotSupported));
  EXPECT_THAT(fs_->Lookup(fs_->root(), ".."), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(fs_->Lookup(fs_->root(), std::string(256, 'n')), StatusIs(Code::kNameTooLong));
  EXPECT_EQ(Object("a"), "x");
}

TEST_F(BucketFsTest, AReadOnlyMountChangesNothing) {
  ASSERT_OK(bucket().Put("ro", Bytes("keep")));
  std::unique_ptr<BucketFs> ro = MakeFs(/*writable=*/false);
  Result<meta::Attr> attr = ro->Lookup(ro->root(), "ro");
  ASSERT_OK(attr);
  EXPECT_EQ(attr->mode, 0444u);
  EXPECT_THAT(ro->Open(attr->ino, O_WRONLY), StatusIs(Code::kReadOnly));
  EXPECT_THAT(ro->Create(ro->root(), "new", 0644, O_WRONLY, Caller{}), StatusIs(Code::kReadOnly));
  EXPECT_THAT(ro->Unlink(ro->root(), "ro"), StatusIs(Code::kReadOnly));
  SetAttrRequest empty;
  empty.size = 0;
  EXPECT_THAT(ro->SetAttr(attr->ino, empty), StatusIs(Code::kReadOnly));
  EXPECT_EQ(Object("ro"), "keep");
  Result<std::vector<meta::DirEntry>> top = ro->ReadDir(ro->root());
  ASSERT_OK(top);
  std::vector<std::string> names;
  for (const auto& e : *top) names.push_back(e.name);
  EXPECT_THAT(names, ElementsAre("ro"));
}

}  // namespace
}  // namespace strata::fuse
