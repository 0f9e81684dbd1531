#include "store/local_dir_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "store/open_store.h"
#include "support/test_util.h"

namespace strata::store {
namespace {

using testing::IsOk;
using testing::StatusIs;

TEST(LocalDirStoreTest, ObjectsAreFilesUnderTheRoot) {
  strata::testing::TempDir dir;
  auto store = std::move(OpenLocalDirStore(dir.Sub("s"))).value();
  std::vector<uint8_t> data{1, 2, 3};
  ASSERT_OK(store->Put("chunks/ab/abc", data));
  EXPECT_EQ(strata::testing::ReadLocalFile(dir.Sub("s/chunks/ab/abc")), data);
  EXPECT_EQ(store->url(), "file://" + dir.Sub("s"));
}

TEST(LocalDirStoreTest, CrashLeftoversAreIgnoredAndCleanedWhenOld) {
  strata::testing::TempDir dir;
  {
    auto store = std::move(OpenLocalDirStore(dir.Sub("s"))).value();
    ASSERT_OK(store->Put("real", std::vector<uint8_t>{1}));
  }
  // A write that crashed before its rename leaves a temporary behind.
  std::string leftover = dir.Sub("s/.tmp/12345-0");
  strata::testing::WriteLocalFile(leftover, {9, 9, 9});
  auto store = std::move(OpenLocalDirStore(dir.Sub("s"))).value();
  std::vector<std::string> keys;
  ASSERT_OK(store->List("", [&](const ObjectInfo& info) {
    keys.push_back(info.key);
    return Status::OK();
  }));
  EXPECT_EQ(keys, std::vector<std::string>{"real"});
  // A fresh temporary may be a live write of another process: kept.
  EXPECT_TRUE(std::filesystem::exists(leftover));
  // Once old enough it is a crash's leftover: removed.
  EXPECT_EQ(*CleanLocalDirTemporaries(dir.Sub("s"), 0), 1u);
  EXPECT_FALSE(std::filesystem::exists(leftover));
}

TEST(LocalDirStoreTest, SuccessfulPutsLeaveNoTemporaries) {
  strata::testing::TempDir dir;
  auto store = std::move(OpenLocalDirStore(dir.Sub("s"))).value();
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(store->Put("k/" + std::to_string(i), std::vector<uint8_t>(1000, 7)));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.Sub("s/.tmp")));
}

TEST(LocalDirStoreTest, RelativeRootIsRejected) {
  EXPECT_THAT(OpenLocalDirStore("relative/dir"), StatusIs(Code::kInvalidArgument));
}

TEST(OpenObjectStoreTest, ChoosesTheImplementationByUrl) {
  strata::testing::TempDir dir;
  EXPECT_OK(OpenObjectStore("file://" + dir.Sub("a")));
  EXPECT_OK(OpenObjectStore(dir.Sub("b")));
  EXPECT_OK(OpenObjectStore("memory://"));
  Result<std::unique_ptr<ObjectStore>> bad = OpenObjectStore("ftp://x");
  EXPECT_THAT(bad, StatusIs(Code::kInvalidArgument));
  EXPECT_NE(bad.status().message().find("ftp"), std::string::npos);
}

}  // namespace
}  // namespace strata::store
