// VolumeFs without a mount: the rules of open files that the FUSE adapter only translates —
// handles of one inode share its writes at once, another mount sees them at close (close-to-open),
// an open file outlives its name, and a writer's attributes are what stat says meanwhile. Two
// VolumeFs over one metadata store are two mounts of the volume.
#include "fuse/volume_fs.h"

#include <fcntl.h>

#include <filesystem>
#include <string_view>

#include "fs/volume_fixture.h"

namespace strata::fuse {
namespace {

using strata::testing::StatusIs;

class VolumeFsTest : public fs::VolumeTestBase {
 protected:
  void SetUp() override {
    VolumeTestBase::SetUp();
    std::filesystem::create_directories(dir_.Sub("spill-a"));
    std::filesystem::create_directories(dir_.Sub("spill-b"));
    a_ = std::make_unique<VolumeFs>(volume_, pool_, dir_.Sub("spill-a"));
    auto other = std::move(fs::Volume::Open(*meta_, *objects_, "v")).value();
    b_ = std::make_unique<VolumeFs>(std::move(other), pool_, dir_.Sub("spill-b"));
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
  }

  static std::span<const uint8_t> Bytes(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
  }
  static std::string ReadAll(FileSystem& fs, uint64_t handle) {
    std::vector<uint8_t> out(1 << 20);
    Result<size_t> n = fs.Read(handle, 0, out);
    EXPECT_OK(n);
    return n.ok() ? std::string(out.begin(), out.begin() + static_cast<long>(*n)) : "";
  }
  // Create `name` under the root, write `text`, close: a committed file.
  meta::Attr MakeFile(FileSystem& fs, std::string_view name, std::string_view text) {
    auto made = fs.Create(fs.root(), name, 0644, O_WRONLY, Caller{});
    EXPECT_OK(made);
    EXPECT_OK(fs.Write(made->second.handle, 0, Bytes(text)));
    EXPECT_OK(fs.Release(made->second.handle));
    return made->first;
  }

  ThreadPool pool_{4};
  std::unique_ptr<VolumeFs> a_, b_;
};

TEST_F(VolumeFsTest, HandlesOfOneFileShareWritesAndAnotherMountSeesThemAtClose) {
  auto made = a_->Create(a_->root(), "f", 0644, O_RDWR, Caller{1000, 1000});
  ASSERT_OK(made);
  EXPECT_EQ(made->first.uid, 1000u);
  ASSERT_OK(a_->Write(made->second.handle, 0, Bytes("hello")));
  Result<OpenedFile> reader = a_->Open(made->first.ino, O_RDONLY);
  ASSERT_OK(reader);
  EXPECT_EQ(ReadAll(*a_, reader->handle), "hello");         // the same mount: at once
  EXPECT_EQ(a_->GetAttr(made->first.ino)->size_bytes, 5u);  // the writer's size

  Result<meta::Attr> there = b_->Lookup(b_->root(), "f");
  ASSERT_OK(there);
  EXPECT_EQ(there->size_bytes, 0u);  // the other mount: not before close
  ASSERT_OK(a_->Flush(made->second.handle));
  Result<OpenedFile> theirs = b_->Open(there->ino, O_RDONLY);
  ASSERT_OK(theirs);
  EXPECT_EQ(ReadAll(*b_, theirs->handle), "hello");
  for (uint64_t h : {made->second.handle, reader->handle}) ASSERT_OK(a_->Release(h));
  ASSERT_OK(b_->Release(theirs->handle));
}

TEST_F(VolumeFsTest, ReopeningKeepsTheKernelsPagesOnlyWhenTheVersionIsTheSame) {
  meta::Attr f = MakeFile(*a_, "f", "one");
  Result<OpenedFile> first = a_->Open(f.ino, O_RDONLY);
  ASSERT_OK(first);
  ASSERT_OK(a_->Release(first->handle));
  Result<OpenedFile> again = a_->Open(f.ino, O_RDONLY);
  ASSERT_OK(again);
  EXPECT_TRUE(again->keep_cache);
  ASSERT_OK(a_->Release(again->handle));

  Result<OpenedFile> writer = b_->Open(f.ino, O_WRONLY | O_TRUNC);  // another mount changes it
  ASSERT_OK(writer);
  ASSERT_OK(b_->Write(writer->handle, 0, Bytes("two!")));
  ASSERT_OK(b_->Release(writer->handle));
  Result<OpenedFile> after = a_->Open(f.ino, O_RDONLY);
  ASSERT_OK(after);
  EXPECT_FALSE(after->keep_cache);
  EXPECT_EQ(ReadAll(*a_, after->handle), "two!");
  ASSERT_OK(a_->Release(after->handle));
}

TEST_F(VolumeFsTest, AnOpenFileOutlivesItsNameAndItsLaterWritesVanish) {
  meta::Attr f = MakeFile(*a_, "f", "kept");
  Result<OpenedFile> open = a_->Open(f.ino, O_RDWR);
  ASSERT_OK(open);
  ASSERT_OK(a_->Unlink(a_->root(), "f"));
  EXPECT_THAT(a_->Lookup(a_->root(), "f"), StatusIs(Code::kNotFound));
  EXPECT_EQ(ReadAll(*a_, open->handle), "kept");  // POSIX: readable after unlink
  ASSERT_OK(a_->Write(open->handle, 0, Bytes("gone")));
  EXPECT_OK(a_->Release(open->handle));
  EXPECT_THAT(b_->Lookup(b_->root(), "f"), StatusIs(Code::kNotFound));  // no name came back
  Result<std::vector<meta::DirEntry>> root = b_->ReadDir(b_->root());
  ASSERT_OK(root);
  EXPECT_TRUE(root->empty());
}

TEST_F(VolumeFsTest, NamespaceCallsKeepTheirErrnoShapedRules) {
  Result<meta::Attr> dir = a_->MakeNode(a_->root(), "d", meta::NewNode::Directory(0755), Caller{});
  ASSERT_OK(dir);
  MakeFile(*a_, "f", "x");
  Result<meta::Attr> inside = a_->Lookup(a_->root(), "f");
  ASSERT_OK(inside);
  ASSERT_OK(a_->Rename(a_->root(), "f", dir->ino, "f", meta::RenameMode::kReplace));
  EXPECT_THAT(a_->Rmdir(a_->root(), "d"), StatusIs(Code::kNotEmpty));
  EXPECT_THAT(a_->Unlink(a_->root(), "d"), StatusIs(Code::kIsDirectory));
  EXPECT_THAT(a_->Open(meta::InodeId{inside->ino.value + 1000}, O_RDONLY),
              StatusIs(Code::kNotFound));  // ESTALE
  Result<meta::Attr> link = a_->Link(inside->ino, a_->root(), "hard");
  ASSERT_OK(link);
  EXPECT_EQ(link->nlink, 2u);
  EXPECT_THAT(a_->MakeNode(a_->root(), "hard", meta::NewNode::Directory(0755), Caller{}),
              StatusIs(Code::kAlreadyExists));
  Result<meta::Attr> symlink =
      a_->MakeNode(a_->root(), "s", meta::NewNode::Symlink("d/f"), Caller{});
  ASSERT_OK(symlink);
  EXPECT_EQ(*a_->ReadLink(symlink->ino), "d/f");
}

}  // namespace
}  // namespace strata::fuse
